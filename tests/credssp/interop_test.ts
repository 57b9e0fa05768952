/**
 * CREDSSP against RDP clients nobody here wrote, over loopback TCP with an X.224
 * negotiation selecting PROTOCOL_HYBRID: Impacket's `rdp_check.py` (CredSSP version 2,
 * raw NTLMSSP, pyOpenSSL) and FreeRDP's `xfreerdp +auth-only` (under Xvfb). Our
 * server completes the exchange and receives the delegated password; a wrong password
 * ends in SEC_E_LOGON_DENIED.
 */
import assert from "node:assert/strict";
import { SEC_E_LOGON_DENIED, SEC_E_OK } from "../../mod.ts";
import { peerMissing } from "../peers/availability.ts";
import { testPki } from "../schannel/_pki.ts";
import { acquire } from "../schannel/_tls.ts";
import { type NlaOutcome, serveClient } from "./_rdp.ts";
import { withShadowServer, xfreerdpAvailable, xvfbRunArgs } from "./_shadow.ts";
import { SchannelStream } from "../schannel/_socket.ts";

const pki = await testPki();
const USERS = [{ User: "alice", Domain: "CONTOSO", Password: "Secret1" }];
const RDP_CHECK = "/usr/share/doc/python3-impacket/examples/rdp_check.py";

/** Our CREDSSP server on a fresh port, against one client run by `client(port)`. */
async function against(
  client: (port: number) => Promise<Deno.CommandOutput>,
): Promise<{ outcome: NlaOutcome; out: Deno.CommandOutput }> {
  const cred = acquire(
    "server",
    {
      Schannel: {
        Certificate: pki!.rsaServer.cert,
        PrivateKey: pki!.rsaServer.key,
      },
      users: USERS,
    } as never,
    "CREDSSP",
  );
  return await serveClient(cred, client);
}

Deno.test({
  name:
    "credssp interop: Impacket rdp_check (CredSSP 2, raw NTLMSSP) -> our CREDSSP server",
  ignore: pki === null,
  async fn() {
    let script: string;
    try {
      script = await Deno.readTextFile(RDP_CHECK);
    } catch {
      peerMissing(
        "Impacket's rdp_check.py",
        "apt-get install -y python3-impacket",
      );
      return;
    }
    const dir = await Deno.makeTempDir();
    try {
      for (
        const [password, expected] of [["Secret1", SEC_E_OK], [
          "wrong",
          SEC_E_LOGON_DENIED,
        ]] as const
      ) {
        const { outcome, out } = await against(async (port) => {
          // The script dials 3389; a copy dials our port.
          await Deno.writeTextFile(
            `${dir}/rdp_check.py`,
            script.replace(
              "s.connect((host,3389))",
              `s.connect((host,${port}))`,
            ),
          );
          return await new Deno.Command("/usr/bin/python3", {
            args: [
              `${dir}/rdp_check.py`,
              `CONTOSO/alice:${password}@127.0.0.1`,
            ],
            stdout: "piped",
            stderr: "piped",
          }).output();
        });
        const text = new TextDecoder().decode(out.stdout) +
          new TextDecoder().decode(out.stderr);
        assert.equal(outcome.status, expected, `${outcome.message}\n${text}`);
        if (expected === SEC_E_OK) {
          assert.match(text, /Access Granted/);
          assert.deepEqual(outcome.delegated, {
            User: "alice",
            Domain: "CONTOSO",
            Password: "Secret1",
            RestrictedAdmin: false,
          });
        } else {
          assert.doesNotMatch(text, /Access Granted/);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "credssp interop: FreeRDP xfreerdp +auth-only (NLA) -> our CREDSSP server",
  ignore: pki === null,
  async fn() {
    if (!await xfreerdpAvailable()) return;
    for (
      const [password, expected] of [["Secret1", SEC_E_OK], [
        "wrong",
        SEC_E_LOGON_DENIED,
      ]] as const
    ) {
      const { outcome, out } = await against((port) =>
        new Deno.Command("xvfb-run", {
          args: xvfbRunArgs([
            "xfreerdp",
            `/v:127.0.0.1:${port}`,
            "/u:alice",
            "/d:CONTOSO",
            `/p:${password}`,
            "/cert:ignore",
            "/sec:nla",
            "+auth-only",
          ]),
          stdout: "piped",
          stderr: "piped",
          // WinPR's default log level (tests/native/ sets WLOG_LEVEL=OFF in this
          // process's env, which --parallel shares).
          env: { HOME: Deno.makeTempDirSync(), WLOG_LEVEL: "WARN" },
        }).output()
      );
      const log = new TextDecoder().decode(out.stdout) +
        new TextDecoder().decode(out.stderr);
      assert.equal(outcome.status, expected, `${outcome.message}\n${log}`);
      // FreeRDP sends the credentials only after it checked our pubKeyAuth.
      // A refused password reaches FreeRDP as our errorCode (STATUS_LOGON_FAILURE).
      if (expected !== SEC_E_OK) {
        assert.match(log, /STATUS_LOGON_FAILURE|ERRCONNECT_LOGON_FAILURE/);
      }
      if (expected === SEC_E_OK) {
        assert.deepEqual(outcome.delegated, {
          User: "alice",
          Domain: "CONTOSO",
          Password: "Secret1",
          RestrictedAdmin: false,
        });
        assert.doesNotMatch(log, /nla_|credssp|SEC_E_/i);
      }
    }
  },
});

Deno.test({
  name:
    "credssp interop: our CREDSSP client -> FreeRDP's shadow server (WinPR's NLA, raw NTLMSSP inside)",
  ignore: pki === null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withShadowServer(USERS, async (shadow) => {
      const attempt = async (password: string): Promise<string> => {
        const conn = await shadow.connect();
        const cred = acquire(
          "client",
          {
            User: "alice",
            Domain: "CONTOSO",
            Password: password,
            InnerPackage: "NTLM",
          } as never,
          "CREDSSP",
        );
        try {
          // SEC_E_OK only after the server's pubKeyAuth checked out; then our authInfo.
          const tls = await SchannelStream.connect(
            conn,
            cred,
            "TERMSRV/localhost",
          );
          tls.close();
          return "ok";
        } catch (e) {
          try {
            conn.close();
          } catch { /* closed */ }
          return (e as Error).message;
        }
      };
      assert.equal(await attempt("Secret1"), "ok");
      assert.notEqual(await attempt("wrong"), "ok");
    });
  },
});
