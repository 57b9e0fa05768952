/**
 * CREDSSP with Kerberos inside (Negotiate picks it when the credentials have a KDC
 * and a keytab), against MIT's KDC: the client's steps run through the async calls
 * (its first context reaches the KDC), the server's through AcceptSecurityContext
 * with a keytab; the public-key binding and the delegated password are sealed with
 * Kerberos' Wrap tokens.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
  SECPKG_ATTR_NEGOTIATION_INFO,
} from "../../mod.ts";
import {
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_USER,
  REALM,
  userAuthData,
  withKdc,
} from "../kerberos/_kdc_helpers.ts";
import { testPki } from "../schannel/_pki.ts";
import { asc } from "../schannel/_tls.ts";

const pki = await testPki();

Deno.test({
  name:
    "credssp: Kerberos inside (MIT KDC, keytab acceptor), delegated password, Wrap-sealed binding",
  ignore: pki === null,
  async fn() {
    await withKdc(async (kdc) => {
      const client = await acquireKrb("CREDSSP", userAuthData(kdc));
      assert.equal(client.status, SEC_E_OK);
      const server = acquireInbound("CREDSSP", {
        Schannel: {
          Certificate: pki!.rsaServer.cert,
          PrivateKey: pki!.rsaServer.key,
        },
        Keytab: keytabPath(kdc),
      });
      assert.equal(server.status, SEC_E_OK);
      const c = new CtxtHandle();
      const s = new CtxtHandle();
      const flags = 0x100 | 0x10 | 0x8000;
      let r = await iscStep(
        client.cred,
        c,
        true,
        "HTTP/localhost",
        null,
        flags,
      );
      let first = true;
      let serverStatus = SEC_I_CONTINUE_NEEDED;
      for (let legs = 0; legs < 12 && r.token; legs++) {
        assert.ok(
          r.status === SEC_I_CONTINUE_NEEDED || r.status === SEC_E_OK,
          r.status.toString(16),
        );
        const a = asc(server.cred, s, first, r.token);
        first = false;
        serverStatus = a.status;
        if (a.status !== SEC_I_CONTINUE_NEEDED) break;
        r = await iscStep(
          client.cred,
          c,
          false,
          "HTTP/localhost",
          a.token,
          flags,
        );
      }
      assert.equal(r.status, SEC_E_OK);
      assert.equal(serverStatus, SEC_E_OK);
      const info: { value?: { PackageInfo: { Name: string } } } = {};
      assert.equal(
        QueryContextAttributes(s, SECPKG_ATTR_NEGOTIATION_INFO, info),
        SEC_E_OK,
      );
      assert.equal(info.value!.PackageInfo.Name, "Kerberos");
      const out: {
        value?: { User: string; Domain: string; Password: string };
      } = {};
      assert.equal(
        QueryContextAttributes(
          s,
          SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
          out,
        ),
        SEC_E_OK,
      );
      assert.deepEqual(
        {
          User: out.value!.User,
          Domain: out.value!.Domain,
          Password: out.value!.Password,
        },
        { User: KRB_USER.user, Domain: REALM, Password: KRB_USER.password },
      );
      DeleteSecurityContext(c);
      DeleteSecurityContext(s);
    });
  },
});
