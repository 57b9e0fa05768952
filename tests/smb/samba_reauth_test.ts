// SMB re-authentication against Samba's AD DC: a session set up with Negotiate
// (over NTLM and over Kerberos), NTLM or Kerberos, under 3.1.1, 3.0.2 and 2.1,
// signed or encrypted, authenticates again on the same session id with a new
// SSPI context (`reauthenticate()`, what a STATUS_NETWORK_SESSION_EXPIRED answer
// triggers): the SESSION_SETUP requests go signed or sealed, Samba takes them,
// and a SAMR call through a pipe opened before goes on working, as does a pipe
// opened after; each RPC request and answer in one FSCTL_PIPE_TRANSCEIVE.
import assert from "node:assert/strict";
import { rpcOverSession } from "./_dc.ts";
import { SmbSession } from "../../src/smb/session.ts";
import { isTransformed } from "../../src/smb/wire_transform.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";
import type { SmbSessionOptions } from "../../src/smb/options.ts";
import { domainSidOver, SAMR } from "../rpc/_samr.ts";
import { commandOf, isSigned, tap } from "./_tap.ts";

const HOST = "127.0.0.1";
const TIMEOUT = 15_000;
const USER = { user: "reauthuser", password: "Reauth!Passw0rd1" };
const SESSION_SETUP = 1;
const READ = 8;
const IOCTL = 11;

/** A session of the test user through `pkg`, watched by `wire`, as `extra` says. */
function connectAs(
  dc: SambaDc,
  wire: ReturnType<typeof tap>,
  pkg: string,
  extra: Partial<SmbSessionOptions>,
): Promise<SmbSession> {
  return SmbSession.connect({
    package: pkg,
    username: USER.user,
    domain: AD.domain,
    password: USER.password,
    target: `cifs/${AD.dc}.${AD.dnsDomain}`,
    host: HOST,
    port: dc.smbPort,
    timeoutMs: TIMEOUT,
    connect: wire.connect,
    ...extra,
  });
}

Deno.test({
  name:
    "smb re-authentication: the same session, signed or sealed, keeps working",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      const cases = [
        ["Negotiate", false, 0x311, false],
        ["Negotiate", true, 0x311, false],
        ["NTLM", false, 0x302, false],
        ["Kerberos", true, 0x210, false],
        ["Kerberos", true, 0x311, true],
        ["NTLM", false, 0x302, true],
      ] as const;
      for (const [pkg, kdc, dialect, encrypt] of cases) {
        const what = `${pkg}${kdc ? " (KDC)" : ""} 0x${dialect.toString(16)}${
          encrypt ? " encrypted" : ""
        }`;
        const wire = tap();
        const smb = await connectAs(dc, wire, pkg, {
          ...(kdc ? { kdc: dc.kdc } : {}),
          dialects: [dialect],
          encrypt,
        });
        try {
          const rpc = () => rpcOverSession(dc, smb, SAMR, "samr");
          const before = await rpc();
          const setups = wire.sent.filter((m) =>
            !isTransformed(m) && commandOf(m) === SESSION_SETUP
          ).length;
          const sent = wire.sent.length;
          await smb.reauthenticate();
          // The re-authentication's requests: signed (or sealed), none in the clear.
          const again = wire.sent.slice(sent);
          assert.ok(again.length >= 1, what);
          for (const m of again) {
            if (encrypt) {
              assert.ok(isTransformed(m), `${what}: sealed`);
            } else {
              assert.equal(commandOf(m), SESSION_SETUP, what);
              assert.ok(isSigned(m), `${what}: signed`);
            }
          }
          assert.equal(
            wire.sent.filter((m) =>
              !isTransformed(m) && commandOf(m) === SESSION_SETUP
            ).length,
            setups + (encrypt ? 0 : again.length),
          );
          assert.ok(!smb.closed, what);
          assert.equal(
            await domainSidOver(before, AD.domain),
            dc.domainSid,
            `${what}: the pipe opened before`,
          );
          before.close();
          const after = await rpc();
          assert.equal(
            await domainSidOver(after, AD.domain),
            dc.domainSid,
            `${what}: a pipe opened after`,
          );
          after.close();
          // Each RPC request and its answer went in one FSCTL_PIPE_TRANSCEIVE,
          // no pipe READ needed (the answers are short).
          if (!encrypt) {
            const transceives = wire.sent.filter((m) =>
              commandOf(m) === IOCTL &&
              new DataView(m.buffer, m.byteOffset).getUint32(68, true) ===
                0x0011c017
            );
            assert.ok(transceives.length >= 6, `${what}: transceived`);
            assert.equal(
              wire.sent.filter((m) =>
                commandOf(m) === READ
              ).length,
              0,
              `${what}: no READ`,
            );
          }
        } finally {
          await smb.close();
        }
      }
    }, { smb: true }),
});

Deno.test({
  name:
    "smb re-authentication: a Kerberos ticket that runs out (STATUS_NETWORK_SESSION_EXPIRED), and the session goes on",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      const LIFETIME = 5;
      for (const pkg of ["Kerberos", "Negotiate"]) {
        const wire = tap();
        const smb = await connectAs(dc, wire, pkg, {
          kdc: dc.kdc,
          ticketLifetimeSeconds: LIFETIME,
        });
        try {
          const rpc = await rpcOverSession(dc, smb, SAMR, "samr");
          assert.equal(await domainSidOver(rpc, AD.domain), dc.domainSid);
          const setups = wire.sent.filter((m) => commandOf(m) === SESSION_SETUP)
            .length;
          // Past the ticket's end (and the KDC's and server's clocks' second).
          await new Promise((r) => setTimeout(r, (LIFETIME + 2) * 1000));
          assert.equal(await domainSidOver(rpc, AD.domain), dc.domainSid, pkg);
          const expired = wire.received.filter((m) =>
            new DataView(m.buffer, m.byteOffset).getUint32(8, true) ===
              0xc000035c
          );
          assert.ok(expired.length >= 1, `${pkg}: the server said expired`);
          const again = wire.sent.filter((m) => commandOf(m) === SESSION_SETUP);
          assert.ok(again.length > setups, `${pkg}: authenticated again`);
          assert.ok(again.slice(setups).every(isSigned), `${pkg}: signed`);
          rpc.close();
        } finally {
          await smb.close();
        }
      }
    }, { smb: true }),
});
