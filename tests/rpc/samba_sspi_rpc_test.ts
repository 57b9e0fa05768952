// The RPC client binding with SSPI packages to a real DCE/RPC server: Samba's AD DC
// (tests/peers/samba_ad.ts) serving SAMR over TCP, which it answers only to
// authenticated callers. For NTLM, Kerberos and Negotiate (over NTLM and over
// Kerberos), at packet privacy and packet integrity: the bind's legs (NTLM's
// AUTHENTICATE in an rpc_auth_3; Kerberos in DCE style, its AP-REP in an
// rpc_auth_3; Negotiate in alter_contexts with its mechListMICs), header signing
// agreed (and, for NTLM, Kerberos and Negotiate, not offered), then SamrConnect2, SamrEnumerateDomainsInSamServer and
// SamrLookupDomainInSamServer sealed or signed both ways: the domain list and the
// domain SID are the DC's. A request of 10 KB goes out in fragments; at privacy no
// plaintext of it crosses the wire, at integrity it does. A wrong password or an
// unknown user is SEC_E_LOGON_DENIED at the first call.
import assert from "node:assert/strict";
import { RpcClient } from "../../src/rpc/client.ts";
import { mapEndpoint } from "../../src/rpc/epmapper.ts";
import {
  RPC_C_AUTHN_GSS_KERBEROS,
  RPC_C_AUTHN_GSS_NEGOTIATE,
  RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
  RPC_C_AUTHN_WINNT,
} from "../../src/rpc/auth.ts";
import { SspiRpcAuth } from "../../src/rpc/sspi_auth.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SEC_E_LOGON_DENIED } from "../../src/sspi/status.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";
import {
  connect2Request,
  enumerateDomainsReply,
  enumerateDomainsRequest,
  handleReply,
  lookupDomainReply,
  lookupDomainRequest,
  SAMR,
  SAMR_CONNECT2,
  SAMR_ENUMERATE_DOMAINS,
  SAMR_LOOKUP_DOMAIN,
} from "./_samr.ts";
import { counting, soon } from "./_wire.ts";
import type { RpcConnector } from "../../src/rpc/stream.ts";

const HOST = "127.0.0.1";
const TIMEOUT = 15_000;
const USER = { user: "rpcuser", password: "Rpc!Passw0rd1" };
/** STATUS_NO_SUCH_DOMAIN. */
const NO_SUCH_DOMAIN = 0xc00000df;

/** Each way to bind: package, whether it has the KDC, the auth_type, PDUs sent/received by the bind. */
const CASES = [
  { pkg: "NTLM", kdc: false, type: RPC_C_AUTHN_WINNT, legs: [2, 1] },
  { pkg: "Kerberos", kdc: true, type: RPC_C_AUTHN_GSS_KERBEROS, legs: [2, 1] },
  {
    pkg: "Negotiate",
    kdc: false,
    type: RPC_C_AUTHN_GSS_NEGOTIATE,
    legs: [2, 2],
  },
  {
    pkg: "Negotiate",
    kdc: true,
    type: RPC_C_AUTHN_GSS_NEGOTIATE,
    legs: [3, 3],
  },
] as const;

function authFor(
  dc: SambaDc,
  c: (typeof CASES)[number],
  level: number,
  password = USER.password,
  user = USER.user,
  headerSigning = true,
) {
  return new SspiRpcAuth({
    package: c.pkg,
    level,
    headerSigning,
    username: user,
    domain: AD.domain,
    password,
    target: `host/${AD.dc}.${AD.dnsDomain}`,
    ...(c.kdc ? { kdc: dc.kdc } : {}),
  });
}

/** Whether `hay` contains `needle`. */
function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}

Deno.test({
  name:
    "samba rpc: SAMR over binds with NTLM, Kerberos (DCE style) and Negotiate, sealed and signed",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      const port = await soon(() =>
        mapEndpoint(HOST, SAMR, { timeoutMs: TIMEOUT })
      );
      const open = (auth: SspiRpcAuth, connect?: RpcConnector) =>
        RpcClient.connect({
          host: HOST,
          port,
          iface: SAMR,
          auth,
          timeoutMs: TIMEOUT,
          ...(connect ? { connect } : {}),
        });
      /** SamrConnect2, then SamrLookupDomainInSamServer of the DC's domain. */
      const connectAndLookUp = async (rpc: RpcClient, what: string) => {
        const h = handleReply(await rpc.call(SAMR_CONNECT2, connect2Request()));
        assert.equal(h.status, 0, `${what}: SamrConnect2`);
        const sid = lookupDomainReply(
          await rpc.call(
            SAMR_LOOKUP_DOMAIN,
            lookupDomainRequest(h.handle, AD.domain),
          ),
        );
        assert.deepEqual(sid, { sid: dc.domainSid, status: 0 }, what);
        return h.handle;
      };
      const longName = "q".repeat(5000);
      const marker = new Uint8Array(64).fill(0x71).map((v, i) => i % 2 ? 0 : v); // "qqqq..." in UTF-16LE
      for (const c of CASES) {
        for (
          const level of [
            RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
            RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
          ]
        ) {
          const what = `${c.pkg}${c.kdc ? " (KDC)" : ""} level ${level}`;
          using auth = authFor(dc, c, level);
          assert.equal(auth.authType, c.type);
          const wire = counting();
          const rpc = await open(auth, wire.connect);
          try {
            assert.deepEqual(
              [wire.pdus.sent, wire.pdus.received],
              c.legs,
              `${what}: the bind's PDUs`,
            );
            const handle = await connectAndLookUp(rpc, what);
            const domains = enumerateDomainsReply(
              await rpc.call(
                SAMR_ENUMERATE_DOMAINS,
                enumerateDomainsRequest(handle),
              ),
            );
            assert.equal(domains.status, 0);
            assert.deepEqual(domains.names.sort(), [AD.domain, "BUILTIN"]);
            // 10 KB of request: cut into fragments, each protected on its own.
            const before = wire.pdus.sent;
            const none = lookupDomainReply(
              await rpc.call(
                SAMR_LOOKUP_DOMAIN,
                lookupDomainRequest(handle, longName),
              ),
            );
            assert.deepEqual(none, { sid: "", status: NO_SUCH_DOMAIN });
            assert.ok(wire.pdus.sent - before >= 2, `${what}: fragments`);
            assert.equal(
              contains(wire.sent(), marker),
              level === RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
              `${what}: the stub crosses the wire in clear only when signed`,
            );
          } finally {
            rpc.close();
          }
        }
      }

      // Without header signing: NTLMv2 still signs the header and trailer passed as
      // SECBUFFER_READONLY (MS-NLMP 3.4.6.1), as Samba checks; Kerberos does not.
      for (const c of [CASES[0], CASES[1], CASES[3]]) {
        using auth = authFor(
          dc,
          c,
          RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
          USER.password,
          USER.user,
          false,
        );
        const rpc = await open(auth);
        try {
          await connectAndLookUp(rpc, `${c.pkg} without header signing`);
        } finally {
          rpc.close();
        }
      }

      // Refused logons: NTLM's AUTHENTICATE goes in an rpc_auth_3, which Samba
      // does not answer; the first call's fault says it refused the logon.
      for (
        const [password, user] of [
          ["not the password", USER.user],
          [USER.password, "nobody"],
        ]
      ) {
        using auth = authFor(
          dc,
          CASES[0],
          RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
          password,
          user,
        );
        const rpc = await open(auth);
        try {
          await assert.rejects(
            rpc.call(SAMR_CONNECT2, connect2Request()),
            (e) =>
              e instanceof SspiError && e.status === SEC_E_LOGON_DENIED &&
              /refused the authentication/.test(e.message),
          );
        } finally {
          rpc.close();
        }
      }
      // Kerberos refuses at the KDC, before any PDU.
      using bad = authFor(
        dc,
        CASES[1],
        RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
        "not the password",
      );
      await assert.rejects(
        RpcClient.connect({ host: HOST, port, iface: SAMR, auth: bad }),
        (e) => e instanceof SspiError && e.status === SEC_E_LOGON_DENIED,
      );
    }),
});
