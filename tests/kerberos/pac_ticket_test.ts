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
import { editTicket } from "./_ticket_edit.ts";
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
