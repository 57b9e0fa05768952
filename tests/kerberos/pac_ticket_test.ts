// The acceptor enforces the PAC's checks: a ticket from MIT's KDC whose PAC was
// changed after the KDC signed it (re-encrypted with the service key, as only someone
// holding that key could) is refused, while the untouched ticket is accepted.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  FreeCredentialsHandle,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  statusName,
} from "../../mod.ts";
import { decrypt, encrypt } from "../../src/packages/kerberos/crypto.ts";
import {
  frameInitialToken,
  TOK_AP_REQ,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import { parseKeytab } from "../../src/packages/kerberos/keytab.ts";
import {
  decodeApReq,
  encodeApReq,
} from "../../src/packages/kerberos/messages.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  krbTest,
  newCtx,
  SERVICE,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);
const KEY_USAGE_TICKET = 2;

/** `token` with the ticket's EncTicketPart passed through `edit` under `key`. */
function editTicket(
  token: Uint8Array,
  keytab: Uint8Array,
  edit: (plain: Uint8Array) => void,
): Uint8Array {
  const ap = decodeApReq(unframeToken(token)!.inner);
  const entry = parseKeytab(keytab).find((e) =>
    e.key.etype === ap.ticket.encPart.etype
  )!;
  const plain = decrypt(entry.key, KEY_USAGE_TICKET, ap.ticket.encPart.cipher)!;
  edit(plain);
  const ticket = {
    tktVno: 5 as const,
    realm: ap.ticket.realm,
    sname: ap.ticket.sname,
    encPart: {
      ...ap.ticket.encPart,
      cipher: encrypt(entry.key, KEY_USAGE_TICKET, plain),
    },
  };
  return frameInitialToken(
    TOK_AP_REQ,
    encodeApReq({ ...ap, ticket }),
  );
}

/** The offset of the PAC_CLIENT_INFO name ("alice" in UTF-16LE) in `plain`. */
function clientNameAt(plain: Uint8Array): number {
  const name = new Uint8Array(
    [..."alice"].flatMap((c) => [c.charCodeAt(0), 0]),
  );
  for (let i = 0; i + name.length <= plain.length; i++) {
    if (name.every((b, j) => plain[i + j] === b)) return i;
  }
  return -1;
}

await krbTest(
  "a PAC changed after the KDC signed it is refused (SEC_E_LOGON_DENIED)",
  () =>
    withKdc(async (kdc) => {
      const keytab = await Deno.readFile(keytabPath(kdc));
      const { cred } = await acquireKrb("Kerberos", userAuthData(kdc));
      const server = acquireInbound("Kerberos", { Keytab: keytab });
      assert.equal(st(server.status), st(SEC_E_OK));
      const tokenFor = async () =>
        (await iscStep(cred, newCtx(), true, SERVICE, null)).token!;

      // Re-encrypted but unchanged: still accepted (the edit path itself is sound).
      const same = editTicket(await tokenFor(), keytab, () => {});
      assert.equal(
        st(accept(server.cred, new CtxtHandle(), same).status),
        st(SEC_E_OK),
      );
      // The PAC's client name changed from "alice" to "alicf".
      const forged = editTicket(await tokenFor(), keytab, (plain) => {
        const at = clientNameAt(plain);
        assert.ok(at > 0, "the PAC names the client");
        plain[at + 8] ^= 0x03;
      });
      const r = accept(server.cred, new CtxtHandle(), forged);
      assert.equal(st(r.status), st(SEC_E_LOGON_DENIED));
      FreeCredentialsHandle(cred);
      FreeCredentialsHandle(server.cred);
    }),
);
