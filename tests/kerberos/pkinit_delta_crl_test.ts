// Delta CRLs in the PKINIT check of the KDC's certificate, against MIT krb5's KDC
// with its pkinit plugin: the KDC certificate names a base CRL (CRL Distribution
// Points) and a delta CRL (Freshest CRL) on a loopback HTTP server of this test;
// the base (cRLNumber 10) does not list it, the delta (BaseCRLNumber 10, number
// 11, from `openssl ca -gencrl` with the Delta CRL Indicator) revokes it. Given
// together in `KdcCertificateRevocationLists`, the given base with the delta
// fetched, and both fetched: `SEC_E_KDC_CERT_REVOKED`. The delta unavailable:
// `SEC_E_REVOCATION_OFFLINE_KDC` under `KdcRevocationCheck: "require"`, accepted
// under `"auto"`; a delta that does not list it: accepted under `"require"`.
import assert from "node:assert/strict";
import {
  FreeCredentialsHandle,
  SEC_E_KDC_CERT_REVOKED,
  SEC_E_OK,
  SEC_E_REVOCATION_OFFLINE_KDC,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import { isCI } from "../peers/availability.ts";
import { kdcAvailable } from "../peers/mit_kdc.ts";
import {
  crlServer,
  deltaIndicator,
  gencrlWith,
  line,
} from "../pki/_delta_pki.ts";
import { openssl } from "../schannel/_pki.ts";
import { st } from "./_fast_helpers.ts";
import { acquireKrb, iscStep, newCtx, REALM, SERVICE } from "./_kdc_helpers.ts";
import {
  makePkinitPki,
  pkinitPeersAvailable,
  pkinitPluginAvailable,
  startPkinitKdc,
} from "./_pkinit_pki.ts";

/** A principal that must pre-authenticate and has no keys: certificate only. */
const CAROL = "carol";
const ready = await kdcAvailable() && await pkinitPluginAvailable();
if (!ready && !isCI()) await pkinitPeersAvailable(); // prints the skip message

Deno.test({
  name:
    "PKINIT KDC certificate revocation with MIT krb5: delta CRLs given and fetched",
  ignore: !ready && !isCI(),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    if (!await pkinitPeersAvailable()) return;
    const server = crlServer();
    const url = `http://127.0.0.1:${server.port}`;
    const pki = await makePkinitPki(REALM, {
      kdcExtensions: `crlDistributionPoints = URI:${url}/base.crl\n` +
        `freshestCRL = URI:${url}/delta.crl\n`,
    });
    const kdc = await startPkinitKdc(pki);
    try {
      const serial = (await openssl(pki.dir, [
        "x509",
        "-in",
        pki.kdc.cert,
        "-serial",
        "-noout",
      ])).match(/serial=([0-9A-F]+)/)![1];
      const signer = pki.ca.key.replace(/\.key$/, "");
      assert.equal(pki.ca.cert, `${signer}.pem`);
      const aki = "authorityKeyIdentifier=keyid:always\n";
      const revoked = line(serial, "keyCompromise");
      await gencrlWith(pki.dir, "base", signer, "", 10, aki);
      await gencrlWith(
        pki.dir,
        "delta",
        signer,
        revoked,
        11,
        aki + deltaIndicator(10),
      );
      await gencrlWith(
        pki.dir,
        "deltaGood",
        signer,
        "",
        11,
        aki + deltaIndicator(10),
      );
      const pem = (n: string) => Deno.readTextFileSync(`${pki.dir}/${n}.crl`);
      const der = async (n: string) =>
        await openssl(pki.dir, [
          "crl",
          "-in",
          `${n}.crl`,
          "-outform",
          "DER",
          "-out",
          `${n}.der`,
        ]).then(() => Deno.readFileSync(`${pki.dir}/${n}.der`));
      await kdc.kadmin(`addprinc +requires_preauth -nokey ${CAROL}`);
      const carol = await pki.user(CAROL);
      const logon = async (extra: Record<string, unknown>) => {
        const { status, cred } = await acquireKrb("Kerberos", {
          User: CAROL,
          Domain: REALM,
          Certificate: Deno.readTextFileSync(carol.cert),
          PrivateKey: Deno.readTextFileSync(carol.key),
          KdcRootCertificates: Deno.readTextFileSync(pki.ca.cert),
          Kdc: kdc.kdc,
          ...extra,
        });
        assert.equal(st(status), st(SEC_E_OK));
        try {
          const r = await iscStep(cred, newCtx(), true, SERVICE, null);
          if (r.status !== SEC_I_CONTINUE_NEEDED) assert.equal(r.token, null);
          return st(r.status === SEC_I_CONTINUE_NEEDED ? SEC_E_OK : r.status);
        } finally {
          FreeCredentialsHandle(cred);
        }
      };
      const REVOKED = st(SEC_E_KDC_CERT_REVOKED);
      const OFFLINE = st(SEC_E_REVOCATION_OFFLINE_KDC);
      const OK = st(SEC_E_OK);

      // Base and delta given in one PEM string: revoked, nothing fetched.
      assert.equal(
        await logon({
          KdcCertificateRevocationLists: pem("base") + pem("delta"),
        }),
        REVOKED,
      );
      assert.equal(server.hits("/base.crl") + server.hits("/delta.crl"), 0);
      // The base given, the delta fetched.
      server.routes.set("/delta.crl", await der("delta"));
      assert.equal(
        await logon({ KdcCertificateRevocationLists: pem("base") }),
        REVOKED,
      );
      assert.equal(server.hits("/delta.crl"), 1);
      // Both fetched.
      server.routes.set("/base.crl", await der("base"));
      assert.equal(await logon({ KdcRevocationCheck: "require" }), REVOKED);
      assert.equal(server.hits("/base.crl"), 1);
      // A delta that does not list it: good, even under "require".
      server.routes.set("/delta.crl", await der("deltaGood"));
      assert.equal(await logon({ KdcRevocationCheck: "require" }), OK);
      // The delta unavailable: undetermined, refused only under "require".
      server.routes.delete("/delta.crl");
      assert.equal(await logon({ KdcRevocationCheck: "require" }), OFFLINE);
      assert.equal(await logon({}), OK);
      assert.equal(
        await logon({
          KdcCertificateRevocationLists: pem("base"),
          KdcRevocationCheck: "require",
        }),
        OFFLINE,
      );
    } finally {
      await server.close();
      await kdc.close();
      await Deno.remove(pki.dir, { recursive: true }).catch(() => {});
    }
  },
});
