// RpcServer with other people's clients. Samba's (python3-samba's rpcecho binding,
// gensec) binds with NTLM, SPNEGO and its default, and with Kerberos (DCE style,
// through MIT's KDC) raw and in SPNEGO, each signed and sealed (its bind time feature
// negotiation context gets a negotiate_ack), and calls AddOne and EchoData (3000
// bytes, several fragments each way); the handler reads the Kerberos client's PAC
// through the call's context. Impacket's client (its own NTLMSSP) binds signed and
// sealed. Wrong passwords are refused.
import assert from "node:assert/strict";
import {
  RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
} from "../../src/rpc/auth.ts";
import { QueryContextAttributes } from "../../src/sspi/api.ts";
import { SECPKG_ATTR_PAC_LOGON_INFO } from "../../src/packages/kerberos/pac.ts";
import {
  isCI,
  pythonPeerStatus,
  pythonPeerTest,
  sambaPeerStatus,
  sambaPeerTest,
} from "../peers/availability.ts";
import { KDC_INSTALL_HINT, kdcAvailable, startKdc } from "../peers/mit_kdc.ts";
import { echoServer } from "./_echo_server.ts";

/**
 * Runs a peer client script (in `tests/peers/`) with `python` and reads the JSON line
 * it prints last; the script itself must not fail.
 */
/**
 * A Samba client run's report (`out`) and what the server saw (`calls`): AddOne
 * and both EchoData calls answered, each call by `clientName` through `pkg`
 * (when given) at the level `flags` asked for (seal or sign).
 */
function assertEchoRun(
  out: unknown,
  calls: ReturnType<typeof echoServer>["calls"],
  flags: string,
  clientName: string,
  pkg: string | null,
): void {
  assert.deepEqual(out, {
    ok: true,
    add_one: 42,
    echo_small: [1, 2, 3, 4, 5],
    echo_big_ok: true,
  }, flags);
  assert.equal(calls.length, 3);
  for (const c of calls) {
    assert.equal(c.clientName, clientName);
    assert.equal(
      c.authLevel,
      flags.startsWith("seal")
        ? RPC_C_AUTHN_LEVEL_PKT_PRIVACY
        : RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    );
    if (pkg) assert.equal(c.package, pkg, flags);
  }
}

async function runPeer(
  python: string,
  script: string,
  args: readonly string[],
  env?: Record<string, string>,
) {
  const o = await new Deno.Command(python, {
    args: [new URL(`../peers/${script}`, import.meta.url).pathname, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(o.success, new TextDecoder().decode(o.stderr));
  return JSON.parse(
    new TextDecoder().decode(o.stdout).trim().split("\n").pop()!,
  );
}

await sambaPeerTest(
  "rpc server: Samba's client (rpcecho) binds with NTLM, SPNEGO and its default, signed and sealed",
  async () => {
    const { python } = await sambaPeerStatus();
    const { server, calls } = echoServer();
    const run = (flags: string, password = "pw") =>
      runPeer(python!, "samba_rpcecho_client.py", [
        String(server.port),
        flags,
        "alice",
        "EXAMPLE",
        password,
      ]);
    try {
      for (
        const [flags, pkg] of [
          ["seal,ntlm", "NTLM"],
          ["sign,ntlm", "NTLM"],
          ["seal,spnego", "Negotiate"],
          ["sign,spnego", "Negotiate"],
          ["seal", null],
        ] as const
      ) {
        calls.length = 0;
        assertEchoRun(await run(flags), calls, flags, "EXAMPLE\\alice", pkg);
      }
      const bad = await run("seal,ntlm", "wrong");
      assert.equal(bad.ok, false, "a wrong password is refused");
    } finally {
      await server.close();
    }
  },
);

await pythonPeerTest(
  "impacket",
  "rpc server: Impacket's client binds with its own NTLMSSP, signed and sealed; a wrong password is refused",
  async () => {
    const { python } = await pythonPeerStatus("impacket");
    const { server, calls } = echoServer();
    const run = (level: string, password = "pw") =>
      runPeer(python!, "impacket_rpc_client.py", [
        String(server.port),
        level,
        "alice",
        "EXAMPLE",
        password,
      ]);
    try {
      for (const level of ["seal", "sign"]) {
        calls.length = 0;
        assert.deepEqual(await run(level), { ok: true, reply: "2a000000" });
        assert.deepEqual(calls.map((c) => [c.package, c.authLevel]), [[
          "NTLM",
          level === "seal"
            ? RPC_C_AUTHN_LEVEL_PKT_PRIVACY
            : RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
        ]]);
      }
      assert.equal((await run("seal", "wrong")).ok, false);
    } finally {
      await server.close();
    }
  },
);

await sambaPeerTest(
  "rpc server: Samba's client (rpcecho) binds with Kerberos in DCE style, raw and in SPNEGO, signed and sealed",
  async () => {
    if (!await kdcAvailable()) {
      if (isCI()) throw new Error(`MIT KDC missing: ${KDC_INSTALL_HINT}`);
      return;
    }
    const { python } = await sambaPeerStatus();
    const kdc = await startKdc("alice", "Secret-Passw0rd", ["host/localhost"]);
    const keytab = { Keytab: kdc.env.KRB5_KTNAME.replace(/^FILE:/, "") };
    const { server, calls } = echoServer({
      packages: { Kerberos: keytab, Negotiate: keytab },
      // What a handler can learn beyond the name: the ticket's PAC.
      inspect: ({ context }) => {
        const pac = { value: null as unknown };
        assert.equal(
          QueryContextAttributes(
            context!.handles.context,
            SECPKG_ATTR_PAC_LOGON_INFO,
            pac,
          ),
          0,
        );
        assert.equal((pac.value as { ClientName: string }).ClientName, "alice");
      },
    });
    try {
      for (
        const [flags, pkg] of [
          ["seal,krb5", "Kerberos"],
          ["sign,krb5", "Kerberos"],
          ["seal,spnego", "Negotiate"],
          ["sign,spnego", "Negotiate"],
        ] as const
      ) {
        calls.length = 0;
        const out = await runPeer(
          python!,
          "samba_rpcecho_client.py",
          [
            String(server.port),
            flags,
            "alice",
            "EXAMPLE",
            "Secret-Passw0rd",
            "EXAMPLE.TEST",
          ],
          kdc.env,
        );
        assertEchoRun(out, calls, flags, "alice@EXAMPLE.TEST", pkg);
      }
    } finally {
      await server.close();
      await kdc.close();
    }
  },
);
