// DCE/RPC over SMB2 named pipes (ncacn_np) against Samba's AD DC serving SMB (smbd,
// with the DC's pipes on IPC$): SMB sessions set up with Negotiate (over NTLM and
// over Kerberos, cifs/<dc>), NTLM and Kerberos, every request signed and every
// response checked (3.1.1 with AES-GMAC and AES-CMAC, 3.0.2, 2.1); then SAMR bound
// on \pipe\samr, unauthenticated at the RPC level (the SMB session carries the
// identity) and sealed with its own SSPI context: the domain SID is the DC's; LSA's
// name lookups on \pipe\lsarpc give the DC's SIDs. A changed signed answer, and
// a changed NEGOTIATE answer (under 3.1.1 through the pre-auth hash, under 3.0.2
// through FSCTL_VALIDATE_NEGOTIATE_INFO), are SEC_E_MESSAGE_ALTERED; a wrong
// password and an unknown user are SEC_E_LOGON_DENIED; a pipe the server lacks is
// STATUS_OBJECT_NAME_NOT_FOUND.
import assert from "node:assert/strict";
import { rpcOverSession } from "./_dc.ts";
import { RpcClient } from "../../src/rpc/client.ts";
import { SspiRpcAuth } from "../../src/rpc/sspi_auth.ts";
import { namedPipe, openPipe } from "../../src/smb/pipe.ts";
import { SmbSession } from "../../src/smb/session.ts";
import { SmbStatusError } from "../../src/smb/errors.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SEC_E_LOGON_DENIED } from "../../src/sspi/status.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";
import { commandOf, isSigned, tap } from "./_tap.ts";
import { RPC_C_AUTHN_LEVEL_PKT_PRIVACY } from "../../src/rpc/auth.ts";
import {
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
} from "../../src/sspi/status.ts";
import { domainSidOver, handleReply, SAMR } from "../rpc/_samr.ts";
import {
  lookupNamesReply,
  lookupNamesRequest,
  LSAR_LOOKUP_NAMES,
  LSAR_OPEN_POLICY2,
  LSARPC,
  openPolicy2Request,
} from "../rpc/_lsa.ts";

const HOST = "127.0.0.1";
const TIMEOUT = 15_000;
const USER = { user: "smbuser", password: "Smb!Passw0rd1" };
const SPN = `cifs/${AD.dc}.${AD.dnsDomain}`;

/** Each way to set the SMB session up. */
const CASES = [
  { pkg: "Negotiate", kdc: false },
  { pkg: "Negotiate", kdc: true },
  { pkg: "NTLM", kdc: false },
  { pkg: "Kerberos", kdc: true },
] as const;

function creds(
  dc: SambaDc,
  c: (typeof CASES)[number],
  password = USER.password,
  user = USER.user,
) {
  return {
    package: c.pkg,
    username: user,
    domain: AD.domain,
    password,
    target: SPN,
    timeoutMs: TIMEOUT,
    ...(c.kdc ? { kdc: dc.kdc } : {}),
  };
}

/** SamrConnect2 and SamrLookupDomainInSamServer: the DC's domain and SID. */
async function lookUpDomain(rpc: RpcClient, dc: SambaDc, what: string) {
  assert.equal(await domainSidOver(rpc, AD.domain), dc.domainSid, what);
}

Deno.test({
  name:
    "smb pipes: SAMR over \\pipe\\samr with Negotiate, NTLM and Kerberos SMB sessions",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      for (const c of CASES) {
        const what = `${c.pkg}${c.kdc ? " (KDC)" : ""}`;
        const rpc = await RpcClient.connect({
          host: HOST,
          port: dc.smbPort,
          iface: SAMR,
          timeoutMs: TIMEOUT,
          connect: namedPipe({ pipe: "samr", ...creds(dc, c) }),
        });
        try {
          await lookUpDomain(rpc, dc, what);
        } finally {
          rpc.close();
        }
      }

      // LSA's name lookups over \pipe\lsarpc (over TCP LSA answers only the
      // secure channel's): the SIDs are the DC's, an unknown name is unmapped.
      // LSA and SAMR share one SMB session (sessionPipe), open at the same time.
      const smb = await SmbSession.connect({
        ...creds(dc, CASES[1]),
        host: HOST,
        port: dc.smbPort,
      });
      const lsa = await rpcOverSession(dc, smb, LSARPC, "lsarpc");
      const samr = await rpcOverSession(dc, smb, SAMR, "samr");
      try {
        const policy = handleReply(
          await lsa.call(LSAR_OPEN_POLICY2, openPolicy2Request()),
        );
        assert.equal(policy.status, 0, "LsarOpenPolicy2");
        const names = lookupNamesReply(
          await lsa.call(
            LSAR_LOOKUP_NAMES,
            lookupNamesRequest(policy.handle, [
              USER.user,
              `${AD.domain}\\Administrator`,
              "nosuchuser",
            ]),
          ),
        );
        assert.deepEqual(names, {
          sids: [
            await dc.sidOf(USER.user),
            await dc.sidOf("Administrator"),
            "",
          ],
          status: 0x107, // STATUS_SOME_NOT_MAPPED
        });
        await lookUpDomain(samr, dc, "SAMR beside LSA");
      } finally {
        lsa.close();
        samr.close();
      }
      // Closing the RPC connections left the session: a third pipe opens.
      const again = await rpcOverSession(dc, smb, SAMR, "samr");
      try {
        await lookUpDomain(again, dc, "SAMR after the others closed");
      } finally {
        again.close();
        await smb.close();
      }
    }, { smb: true }),
});

/** STATUS_OBJECT_NAME_NOT_FOUND. */
const NOT_FOUND = 0xc0000034;
/** SMB2 SESSION_SETUP and TREE_CONNECT. */
const SESSION_SETUP = 1;
const TREE_CONNECT = 3;
const IOCTL = 11;

Deno.test({
  name:
    "smb pipes: signing both ways, a changed answer refused, logons refused, RPC sealed over the pipe",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      const ntlm = creds(dc, CASES[0]);
      // Every request after the session setup goes out signed, and the last
      // session setup answer comes back signed (checked by the client).
      for (
        const [dialect, gmac, algorithm] of [
          [0x311, true, "AES-GMAC"],
          [0x311, false, "AES-CMAC"],
          [0x302, true, "AES-CMAC"],
          [0x210, true, "HMAC-SHA256"],
        ] as const
      ) {
        const wire = tap();
        const smb = await SmbSession.connect({
          ...ntlm,
          dialects: [dialect],
          gmac,
          host: HOST,
          port: dc.smbPort,
          connect: wire.connect,
        });
        try {
          assert.equal(smb.sessionFlags, 0);
          assert.equal(smb.dialect, dialect);
          assert.equal(smb.signingAlgorithm, algorithm);
          const tree = await smb.treeConnect("IPC$");
          // A pipe the server has not: its status, and the session goes on.
          await assert.rejects(
            openPipe(smb, tree, "nosuchpipe"),
            (e: unknown) =>
              e instanceof SmbStatusError && e.ntStatus === NOT_FOUND &&
              e.status === SEC_E_NO_AUTHENTICATING_AUTHORITY &&
              /STATUS_OBJECT_NAME_NOT_FOUND/.test(e.message),
          );
          const pipe = await openPipe(smb, tree, "\\pipe\\samr");
          pipe.close();
          await pipe.closed;
        } finally {
          await smb.close();
        }
        const afterSetup = wire.sent.findIndex((m) =>
          commandOf(m) === TREE_CONNECT
        );
        assert.ok(afterSetup > 0);
        for (const m of wire.sent.slice(afterSetup)) {
          assert.ok(isSigned(m), `request ${commandOf(m)} is signed`);
        }
        const lastSetup = wire.received.filter((m) =>
          commandOf(m) === SESSION_SETUP
        ).at(-1)!;
        assert.ok(isSigned(lastSetup));
        assert.ok(wire.received.slice(-3).every(isSigned));
        // 3.0.2 validated its negotiation, once, right after the tree connect.
        assert.deepEqual(
          wire.sent.map(commandOf).filter((c) => c === IOCTL).length,
          dialect === 0x302 ? 1 : 0,
        );
        if (dialect === 0x302) {
          assert.equal(commandOf(wire.sent[afterSetup + 1]), IOCTL);
        }

        // One byte changed in the signed TREE_CONNECT answer: refused, and the
        // session is closed.
        const mitm = tap((m) => {
          if (commandOf(m) === TREE_CONNECT) m[m.length - 1] ^= 1;
          return m;
        });
        const victim = await SmbSession.connect({
          ...ntlm,
          dialects: [dialect],
          gmac,
          host: HOST,
          port: dc.smbPort,
          connect: mitm.connect,
        });
        await assert.rejects(
          victim.treeConnect("IPC$"),
          (e: unknown) =>
            e instanceof SspiError && e.status === SEC_E_MESSAGE_ALTERED,
        );
        assert.ok(victim.closed);
        await assert.rejects(victim.treeConnect("IPC$"), SspiError);
      }

      // 3.1.1 binds the keys to the negotiation: a byte of the server's GUID
      // changed in the (unsigned) NEGOTIATE answer, and the signed last session
      // setup answer no longer verifies.
      const downgrade = tap((m, i) => {
        if (i === 0) m[72] ^= 1;
        return m;
      });
      await assert.rejects(
        SmbSession.connect({
          ...ntlm,
          host: HOST,
          port: dc.smbPort,
          connect: downgrade.connect,
        }),
        (e: unknown) =>
          e instanceof SspiError && e.status === SEC_E_MESSAGE_ALTERED,
      );

      // 3.0.2 has no such hash: the same change goes through the session setup,
      // and the validation at the first tree connect finds it.
      const downgrade302 = tap((m, i) => {
        if (i === 0) m[72] ^= 1;
        return m;
      });
      const fooled = await SmbSession.connect({
        ...ntlm,
        dialects: [0x302],
        host: HOST,
        port: dc.smbPort,
        connect: downgrade302.connect,
      });
      await assert.rejects(
        fooled.treeConnect("IPC$"),
        (e: unknown) =>
          e instanceof SspiError && e.status === SEC_E_MESSAGE_ALTERED &&
          /VALIDATE_NEGOTIATE/.test(e.message),
      );
      assert.ok(fooled.closed);

      // A wrong password and an unknown user: SEC_E_LOGON_DENIED, whichever
      // package, and through the RPC connector too.
      for (const c of CASES) {
        for (
          const [user, password] of [[USER.user, "Wrong!Passw0rd1"], [
            "nobody",
            USER.password,
          ]]
        ) {
          await assert.rejects(
            RpcClient.connect({
              host: HOST,
              port: dc.smbPort,
              iface: SAMR,
              timeoutMs: TIMEOUT,
              connect: namedPipe({
                pipe: "samr",
                ...creds(dc, c, password, user),
              }),
            }),
            (e: unknown) =>
              e instanceof SspiError && e.status === SEC_E_LOGON_DENIED,
            `${c.pkg}${c.kdc ? " (KDC)" : ""} as ${user}`,
          );
        }
      }

      // RPC's own security over the pipe: SAMR sealed by an NTLM and a Kerberos
      // context inside the SMB session.
      for (const c of [CASES[2], CASES[3]]) {
        using auth = new SspiRpcAuth({
          package: c.pkg,
          level: RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
          username: USER.user,
          domain: AD.domain,
          password: USER.password,
          target: `host/${AD.dc}.${AD.dnsDomain}`,
          ...(c.kdc ? { kdc: dc.kdc } : {}),
        });
        const rpc = await RpcClient.connect({
          host: HOST,
          port: dc.smbPort,
          iface: SAMR,
          auth,
          timeoutMs: TIMEOUT,
          connect: namedPipe({ pipe: "samr", ...creds(dc, c) }),
        });
        try {
          await lookUpDomain(rpc, dc, `sealed ${c.pkg}`);
        } finally {
          rpc.close();
        }
      }
    }, { smb: true }),
});
