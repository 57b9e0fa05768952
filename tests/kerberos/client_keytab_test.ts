// A client credential from a keytab (`{ User, Domain, Keytab }`, as `kinit -k`): the
// service HTTP/localhost logs on to MIT's KDC with its keytab keys (no password),
// gets a ticket and is accepted; a keytab without the principal, and an unreadable
// one, are SEC_E_NO_CREDENTIALS at acquisition.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_NAMES,
  statusName,
} from "../../mod.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  krbTest,
  newCtx,
  REALM,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

await krbTest(
  "a keytab client credential logs on to MIT's KDC without a password",
  () =>
    withKdc(async (kdc) => {
      const keytab = await Deno.readFile(keytabPath(kdc));
      const { status, cred } = await acquireKrb("Kerberos", {
        User: SERVICE, // HTTP/localhost, whose keys the keytab holds
        Domain: REALM,
        Keytab: keytab,
        Kdc: kdc.kdc,
      });
      assert.equal(st(status), st(SEC_E_OK));
      const r = await iscStep(cred, newCtx(), true, SERVICE, null);
      assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
      const server = acquireInbound("Kerberos", { Keytab: keytab });
      const sx = new CtxtHandle();
      assert.equal(st(accept(server.cred, sx, r.token!).status), st(SEC_E_OK));
      const names = { value: null as unknown };
      QueryContextAttributes(sx, SECPKG_ATTR_NAMES, names);
      assert.deepEqual(names.value, { sUserName: `${SERVICE}@${REALM}` });
      FreeCredentialsHandle(cred);
      FreeCredentialsHandle(server.cred);

      const other = await acquireKrb("Kerberos", {
        User: "alice",
        Domain: REALM,
        Keytab: keytab,
        Kdc: kdc.kdc,
      });
      assert.equal(st(other.status), st(SEC_E_NO_CREDENTIALS), "not in it");
      const missing = await acquireKrb("Kerberos", {
        User: SERVICE,
        Domain: REALM,
        Keytab: "/nonexistent/keytab",
        Kdc: kdc.kdc,
      });
      assert.equal(st(missing.status), st(SEC_E_NO_CREDENTIALS), "unreadable");
      const garbage = await acquireKrb("Kerberos", {
        User: SERVICE,
        Domain: REALM,
        Keytab: Uint8Array.of(5, 2, 0, 0, 0, 9, 1),
        Kdc: kdc.kdc,
      });
      assert.equal(st(garbage.status), st(SEC_E_NO_CREDENTIALS), "malformed");
    }),
);
