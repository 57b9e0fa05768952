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
import { negotiateHybrid, type NlaOutcome, serveNlaOnce } from "./_rdp.ts";
import { SchannelStream } from "../schannel/_socket.ts";
import { writeSamFile } from "../peers/winpr_sam.ts";

const pki = await testPki();
const USERS = [{ User: "alice", Domain: "CONTOSO", Password: "Secret1" }];
const RDP_CHECK = "/usr/share/doc/python3-impacket/examples/rdp_check.py";

async function runs(cmd: string, args: string[]): Promise<boolean> {
  try {
    await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch {
    return false;
  }
}

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
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const served = serveNlaOnce(listener, cred);
    const out = await client((listener.addr as Deno.NetAddr).port);
    return { outcome: await served, out };
  } finally {
    listener.close();
  }
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
    if (
      !(await runs("xfreerdp", ["--version"])) ||
      !(await runs("xvfb-run", ["--help"]))
    ) {
      peerMissing(
        "FreeRDP (xfreerdp) with Xvfb",
        "apt-get install -y freerdp2-x11 xvfb",
      );
      return;
    }
    for (
      const [password, expected] of [["Secret1", SEC_E_OK], [
        "wrong",
        SEC_E_LOGON_DENIED,
      ]] as const
    ) {
      const { outcome, out } = await against((port) =>
        new Deno.Command("xvfb-run", {
          args: [
            "-a",
            "xfreerdp",
            `/v:127.0.0.1:${port}`,
            "/u:alice",
            "/d:CONTOSO",
            `/p:${password}`,
            "/cert:ignore",
            "/sec:nla",
            "+auth-only",
          ],
          stdout: "piped",
          stderr: "piped",
          env: { HOME: Deno.makeTempDirSync() },
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
    if (
      !(await runs("freerdp-shadow-cli", ["/version"])) ||
      !(await runs("Xvfb", ["-help"]))
    ) {
      peerMissing(
        "FreeRDP's shadow server with Xvfb",
        "apt-get install -y freerdp2-shadow-x11 xvfb",
      );
      return;
    }
    const sam = await writeSamFile(USERS);
    const home = await Deno.makeTempDir();
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    // Our own Xvfb (not xvfb-run, which leaves its children behind when killed):
    // it picks a free display and writes its number to stdout.
    const xvfb = new Deno.Command("Xvfb", {
      args: [
        "-displayfd",
        "1",
        "-nolisten",
        "tcp",
        "-screen",
        "0",
        "1024x768x24",
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = xvfb.stdout.getReader();
    let display = "";
    while (!display.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      display += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    xvfb.stdout.cancel().catch(() => {});
    const server = new Deno.Command("freerdp-shadow-cli", {
      args: [
        `/port:${port}`,
        "/bind-address:127.0.0.1",
        "/sec:nla",
        `/sam-file:${sam}`,
        "+auth",
      ],
      env: { HOME: home, DISPLAY: `:${display.trim()}` },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // Its log, for the message when it does not come up.
    let log = "";
    const logged = (async () => {
      for await (const chunk of server.stderr) {
        log += new TextDecoder().decode(chunk);
      }
    })();
    let exited = false;
    server.status.then(() => exited = true);
    try {
      const attempt = async (password: string): Promise<string> => {
        let conn: Deno.Conn | undefined;
        // It makes its TLS key and certificate first: up to a minute on a busy machine.
        for (let i = 0; i < 600 && !conn && !exited; i++) {
          try {
            conn = await Deno.connect({ hostname: "127.0.0.1", port });
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        assert.ok(
          conn,
          `FreeRDP's shadow server did not start (display :${display.trim()}):\n${
            log.slice(-2000)
          }`,
        );
        assert.equal(await negotiateHybrid(conn), 2); // PROTOCOL_HYBRID
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
    } finally {
      for (const child of [server, xvfb]) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        await child.status;
      }
      await logged.catch(() => {});
      await Deno.remove(home, { recursive: true }).catch(() => {});
      await Deno.remove(sam).catch(() => {});
    }
  },
});
