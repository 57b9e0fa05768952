// PAC validation against a real Active Directory DC (Samba 4.17's AD DC): an
// acceptor whose credential names the DC and this server's machine account asks
// the DC (Netlogon, a generic NetrLogonSamLogonEx to the "Kerberos" package with a
// KERB_VERIFY_PAC_REQUEST, MS-APDS 3.2.5.1) to check each PAC's KDC signature,
// which needs the krbtgt key only the DC has. A "silver ticket" (a PAC changed and
// re-signed with the service key alone) passes every check an acceptor can make by
// itself, and is refused once the DC is asked; AD's own tickets pass.
import assert from "node:assert/strict";
import {
  client,
  FreeCredentialsHandle,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  server,
  SspiError,
  statusName,
} from "../../mod.ts";
import {
  checksum,
  type KerberosKey,
} from "../../src/packages/kerberos/crypto.ts";
import { decodeEncTicketPart } from "../../src/packages/kerberos/messages.ts";
import {
  findPac,
  PAC_LOGON_INFO,
  PAC_PRIVSVR_CHECKSUM,
  PAC_SERVER_CHECKSUM,
  parsePac,
} from "../../src/packages/kerberos/pac.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  newCtx,
} from "../kerberos/_kdc_helpers.ts";
import { editTicket } from "../kerberos/_ticket_edit.ts";
import { logonInfoOf } from "./_logon_info.ts";
import { AD, withSambaDc } from "../peers/samba_ad.ts";

const st = (s: number) => statusName(s);
const ALICE = { user: "alice", password: "Al1ce!Passw0rd" };
const WEB = {
  account: "websvc",
  password: "W3b!Passw0rd-long",
  spns: ["HTTP/web.ad.example.test"],
  enctypes: 0x18,
};
const WEB1 = { name: "WEB1", password: "M4chine!Passw0rd-WEB1-long" };
/** KERB_NON_KERB_CKSUM_SALT: the PAC signatures' key usage. */
const PAC_USAGE = 17;
/** LogonCount's offset in the logon info buffer: headers, pointer, 6 times, 6 names. */
const LOGON_COUNT_AT = 16 + 4 + 6 * 8 + 6 * 8;

/**
 * A silver ticket: the PAC inside `plain` (an EncTicketPart) gets another
 * LogonCount, and its server signature is made again with the service key; the
 * KDC signature (over the old server signature) is left as it was.
 */
function forgePac(plain: Uint8Array, key: KerberosKey): void {
  const pac = findPac(decodeEncTicketPart(plain).authorizationData);
  assert.ok(pac instanceof Uint8Array, "the ticket has a PAC");
  let at = -1;
  for (let i = 0; i + pac.length <= plain.length && at < 0; i++) {
    if (pac.every((b, j) => plain[i + j] === b)) at = i;
  }
  assert.ok(at >= 0, "the PAC's bytes are in the EncTicketPart");
  const bytes = plain.subarray(at, at + pac.length);
  const parsed = parsePac(bytes);
  assert.ok(!("error" in parsed));
  const find = (type: number) => parsed.Buffers.find((b) => b.Type === type)!;
  const logon = find(PAC_LOGON_INFO);
  const srv = find(PAC_SERVER_CHECKSUM);
  const kdc = find(PAC_PRIVSVR_CHECKSUM);
  bytes[logon.Offset + LOGON_COUNT_AT] ^= 0x40;
  const zeroed = bytes.slice();
  zeroed.fill(0, srv.Offset + 4, srv.Offset + srv.Size);
  zeroed.fill(0, kdc.Offset + 4, kdc.Offset + kdc.Size);
  const mac = checksum(key, PAC_USAGE, zeroed);
  bytes.set(mac, srv.Offset + 4);
}

Deno.test("PAC validation with a Samba AD DC (Netlogon)", async (t) => {
  await withSambaDc([ALICE], [WEB], async (dc) => {
    await dc.addComputer(WEB1.name, WEB1.password);
    const keytab = await Deno.readFile(await dc.exportKeytab(WEB.account));
    const validating = {
      Keytab: keytab,
      DomainController: {
        Server: "127.0.0.1",
        Account: WEB1.name,
        Domain: AD.domain,
        Password: WEB1.password,
      },
    };
    const token = async () => {
      const { cred } = await acquireKrb("Kerberos", {
        User: ALICE.user,
        Domain: AD.realm,
        Password: ALICE.password,
        Kdc: dc.kdc,
      });
      const r = await iscStep(cred, newCtx(), true, WEB.spns[0], null);
      FreeCredentialsHandle(cred);
      return r.token!;
    };
    /** Accepts `tok` through the async form; the status and the PAC read. */
    const acceptAsync = async (authData: unknown, tok: Uint8Array) => {
      const s = server({ package: "Kerberos", authData });
      try {
        await s.stepAsync(tok);
        return { status: SEC_E_OK, pac: logonInfoOf(s) };
      } catch (e) {
        if (!(e instanceof SspiError)) throw e;
        return { status: e.status, message: e.message, pac: null };
      } finally {
        s.dispose();
      }
    };

    await t.step(
      "AD's own ticket: the DC confirms its KDC signature",
      async () => {
        const r = await acceptAsync(validating, await token());
        assert.equal(st(r.status), st(SEC_E_OK));
        assert.equal(r.pac!.KdcChecksumPresent, true);
        assert.equal(r.pac!.KdcChecksumVerified, true);
        assert.equal(r.pac!.EffectiveName, ALICE.user);
        assert.ok(Object.isFrozen(r.pac));
        // Without a DC the same ticket is accepted, its KDC signature unchecked.
        const local = await acceptAsync({ Keytab: keytab }, await token());
        assert.equal(st(local.status), st(SEC_E_OK));
        assert.equal(local.pac!.KdcChecksumVerified, false);
      },
    );

    await t.step(
      "a silver ticket passes locally, the DC refuses it",
      async () => {
        const forged = editTicket(await token(), keytab, forgePac);
        const local = await acceptAsync({ Keytab: keytab }, forged);
        assert.equal(
          st(local.status),
          st(SEC_E_OK),
          "the acceptor alone is fooled",
        );
        assert.equal(local.pac!.ServerChecksumVerified, true);
        const checked = await acceptAsync(validating, forged);
        assert.equal(st(checked.status), st(SEC_E_LOGON_DENIED));
        assert.match(checked.message!, /KDC signature/);
      },
    );

    await t.step(
      "Negotiate: NTLM pass-through and PAC validation on one channel",
      async () => {
        const authData = {
          Keytab: keytab,
          ComputerName: WEB1.name,
          DomainName: AD.domain,
          DomainController: { Server: "127.0.0.1", Password: WEB1.password },
        };
        for (const kerberos of [true, false]) {
          const c = client({
            package: kerberos ? "Negotiate" : "NTLM",
            username: ALICE.user,
            domain: kerberos ? AD.realm : AD.domain,
            password: ALICE.password,
            kdc: kerberos ? dc.kdc : undefined,
            target: WEB.spns[0],
          });
          const s = server({ package: "Negotiate", authData });
          try {
            let tok = await c.stepAsync(null);
            while (tok) {
              const answer = await s.stepAsync(tok);
              tok = answer && !c.complete ? await c.stepAsync(answer) : null;
            }
            assert.ok(s.complete, kerberos ? "Kerberos" : "NTLM");
            const pac = logonInfoOf(s);
            assert.equal(pac.EffectiveName, ALICE.user);
            // Kerberos: the DC confirmed the PAC; NTLM: the DC gave the logon info.
            assert.equal(pac.KdcChecksumVerified, kerberos);
            assert.equal(pac.KdcChecksumPresent, kerberos);
          } finally {
            c.dispose();
            s.dispose();
          }
        }
      },
    );

    await t.step("the synchronous call names the async form", async () => {
      const { status, cred } = acquireInbound("Kerberos", validating);
      assert.equal(st(status), st(SEC_E_OK));
      const r = accept(cred, newCtx(), await token());
      assert.equal(st(r.status), st(SEC_E_NO_AUTHENTICATING_AUTHORITY));
      FreeCredentialsHandle(cred);
    });
  });
});
