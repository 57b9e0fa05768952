// Revocation checking of the KDC's certificate in PKINIT (as Windows' Kerberos
// client checks the domain controller's certificate in a smart-card logon), against
// MIT krb5's KDC with its pkinit plugin and a KDC certificate, made by openssl at
// test time, whose CRL Distribution Point is an HTTP server of this test on
// 127.0.0.1. CRLs from `openssl ca -gencrl` that revoke the KDC's certificate or do
// not list it: given in the credential (`KdcCertificateRevocationLists`) and fetched
// online; the server down (accepted by default, `SEC_E_REVOCATION_OFFLINE_KDC` under
// `KdcRevocationCheck: "require"`); `"cacheOnly"` and `"off"`; OCSP through the
// certificate's Authority Information Access (OpenSSL's responder, `openssl ocsp
// -reqin`, behind a loopback HTTP front); PKINIT inside FAST,
// anonymous FAST armor and an anonymous logon with the revoked certificate; bad
// options refused when acquiring.
import assert from "node:assert/strict";
import {
  SEC_E_KDC_CERT_REVOKED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_REVOCATION_OFFLINE_KDC,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import { FreeCredentialsHandle } from "../../mod.ts";
import { isCI } from "../peers/availability.ts";
import { kdcAvailable, type MitKdc } from "../peers/mit_kdc.ts";
import { acquireKrb, iscStep, newCtx, REALM, SERVICE } from "./_kdc_helpers.ts";
import { armorSetup, logonAndAp, st } from "./_fast_helpers.ts";
import {
  type CertFiles,
  makePkinitPki,
  pkinitPeersAvailable,
  type PkinitPki,
  pkinitPluginAvailable,
  startPkinitKdc,
} from "./_pkinit_pki.ts";
import { gencrl, openssl } from "../schannel/_pki.ts";

/** A principal that must pre-authenticate and has no keys: certificate only. */
const CAROL = "carol";
const read = (p: string) => Deno.readTextFileSync(p);
const ready = await kdcAvailable() && await pkinitPluginAvailable();
if (!ready && !isCI()) await pkinitPeersAvailable(); // prints the skip message with the hint

/** The serial number (hex) of `pki`'s KDC certificate. */
async function serialOf(pki: PkinitPki): Promise<string> {
  return (await openssl(pki.dir, ["x509", "-in", pki.kdc.cert, "-serial"]))
    .match(/serial=([0-9A-F]+)/)![1];
}

/** The `openssl ca` index line of the KDC's certificate: valid, or revoked an hour ago. */
function indexLine(serial: string, revoked: boolean): string {
  const t = (ms: number) =>
    new Date(Date.now() + ms).toISOString().replace(/[-:T]/g, "").slice(2, 14) +
    "Z";
  return `${revoked ? "R" : "V"}\t${t(30 * 86400_000)}\t${
    revoked ? t(-3600_000) : ""
  }\t${serial}\tunknown\t/CN=kdc\n`;
}

/** A CRL of `pki`'s CA (`openssl ca -gencrl`), revoking the KDC's certificate or not. */
async function makeCrl(
  pki: PkinitPki,
  name: string,
  revokeKdc: boolean,
): Promise<{ pem: string; der: Uint8Array }> {
  return await gencrl(
    pki.dir,
    name,
    { key: pki.ca.key, cert: pki.ca.cert },
    revokeKdc ? indexLine(await serialOf(pki), true) : "",
  );
}

/** What each test gets. */
interface World {
  kdc: MitKdc;
  pki: PkinitPki;
  carol: CertFiles;
  /** A CRL revoking the KDC's certificate. */
  revoked: { pem: string; der: Uint8Array };
  /** A CRL of the same CA that does not list it. */
  good: { pem: string; der: Uint8Array };
  /** What the CRL server serves (null: 503). */
  serve(crl: Uint8Array | null): void;
  /** Requests the CRL server got. */
  hits(): number;
  /** Stops the CRL server (its port then refuses connections). */
  down(): Promise<void>;
  /** The armor ccache of `host/localhost`. */
  ccache: string;
  /** Sets what the OCSP responder says of the KDC's certificate. */
  ocspRevoked(revoked: boolean): Promise<void>;
  /** Requests the OCSP responder got. */
  ocspHits(): number;
  /** What the OCSP responder did: each answer's status, time taken and errors. */
  ocspLog(): string;
}

/**
 * Runs `fn` with a CRL server on 127.0.0.1, a PKI whose KDC certificate names it as
 * its CRL distribution point, MIT's KDC with PKINIT (carol certificate-only,
 * WELLKNOWN/ANONYMOUS, the armor ccache) and the two CRLs.
 */
async function withWorld(
  fn: (w: World) => Promise<void>,
  withOcsp = false,
): Promise<void> {
  if (!await pkinitPeersAvailable()) return;
  let served: Uint8Array | null = null;
  let hits = 0;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, () => {
    hits++;
    return served
      ? new Response(served as Uint8Array<ArrayBuffer>)
      : new Response("unavailable", { status: 503 });
  });
  let up = true;
  const down = async () => {
    if (up) await server.shutdown();
    up = false;
  };
  // The OCSP responder: OpenSSL's (`openssl ocsp -reqin`) behind a loopback
  // front, answering from `ocspDir`'s index.
  let ocspDir = "";
  let ocspHits = 0;
  const ocspLog: string[] = [];
  const responder = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, async (req) => {
    const id = ocspHits++;
    const t0 = Date.now();
    try {
      return await answerOcsp(id, await req.bytes());
    } catch (e) {
      ocspLog.push(`#${id}: ${String(e).slice(0, 400)}`);
      return new Response("responder error", { status: 500 });
    } finally {
      ocspLog.push(`#${id}: ${Date.now() - t0} ms`);
    }
  });
  const answerOcsp = async (id: number, body: Uint8Array) => {
    await Deno.writeFile(`${ocspDir}/req${id}.der`, body);
    const text = await openssl(ocspDir, [
      "ocsp",
      "-index",
      "index.txt",
      "-rsigner",
      pki.ca.cert,
      "-rkey",
      pki.ca.key,
      "-CA",
      pki.ca.cert,
      "-reqin",
      `req${id}.der`,
      "-respout",
      `resp${id}.der`,
      "-ndays",
      "1",
      "-resp_text",
    ]);
    ocspLog.push(`#${id}: ${text.match(/Cert Status: \w+/)?.[0]}`);
    if (!/Cert Status: (good|revoked)/.test(text)) {
      // What was asked, and what the responder's index held.
      const asked = await openssl(ocspDir, [
        "ocsp",
        "-reqin",
        `req${id}.der`,
        "-req_text",
      ]);
      const index = await Deno.readTextFile(`${ocspDir}/index.txt`);
      ocspLog.push(`#${id} asked: ${asked.replace(/\s+/g, " ")}`);
      ocspLog.push(`#${id} index: ${JSON.stringify(index)}`);
    }
    return new Response(await Deno.readFile(`${ocspDir}/resp${id}.der`), {
      headers: { "content-type": "application/ocsp-response" },
    });
  };
  const pki = await makePkinitPki(REALM, {
    kdcExtensions: withOcsp
      ? `authorityInfoAccess = OCSP;URI:http://127.0.0.1:${responder.addr.port}/\n`
      : `crlDistributionPoints = URI:http://127.0.0.1:${server.addr.port}/ca.crl\n`,
  });
  ocspDir = `${pki.dir}/ocsp`;
  await Deno.mkdir(ocspDir);
  const kdcSerial = await serialOf(pki);
  const kdc = await startPkinitKdc(pki);
  try {
    await kdc.kadmin(`addprinc +requires_preauth -nokey ${CAROL}`);
    await kdc.kadmin("addprinc -randkey WELLKNOWN/ANONYMOUS");
    const { ccache } = await armorSetup(kdc);
    await fn({
      kdc,
      pki,
      carol: await pki.user(CAROL),
      revoked: await makeCrl(pki, "revoked", true),
      good: await makeCrl(pki, "good", false),
      serve: (crl) => served = crl,
      hits: () => hits,
      down,
      ccache,
      ocspRevoked: (revoked) =>
        Deno.writeTextFile(
          `${ocspDir}/index.txt`,
          indexLine(kdcSerial, revoked),
        ),
      ocspHits: () => ocspHits,
      ocspLog: () => ocspLog.join("; "),
    });
  } finally {
    await down();
    await responder.shutdown();
    await kdc.close();
    await Deno.remove(pki.dir, { recursive: true }).catch(() => {});
  }
}

/** carol's certificate logon `pAuthData`, with `extra`. */
function certAuth(
  w: World,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    User: CAROL,
    Domain: REALM,
    Certificate: read(w.carol.cert),
    PrivateKey: read(w.carol.key),
    KdcRootCertificates: read(w.pki.ca.cert),
    Kdc: w.kdc.kdc,
    ...extra,
  };
}

/**
 * The first context step (the AS and TGS exchanges) for `auth` with `pkg`: its
 * status, and that a refused logon gives no token.
 */
async function firstStep(
  auth: Record<string, unknown>,
  pkg = "Kerberos",
): Promise<number> {
  const { status, cred } = await acquireKrb(pkg, auth);
  assert.equal(st(status), st(SEC_E_OK));
  try {
    const r = await iscStep(cred, newCtx(), true, SERVICE, null);
    if (r.status !== SEC_I_CONTINUE_NEEDED) assert.equal(r.token, null);
    return r.status;
  } finally {
    FreeCredentialsHandle(cred);
  }
}

function revocationTest(
  name: string,
  fn: (w: World) => Promise<void>,
  withOcsp = false,
) {
  Deno.test({
    name: `PKINIT KDC certificate revocation with MIT krb5: ${name}`,
    ignore: !ready && !isCI(),
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () => withWorld(fn, withOcsp),
  });
}

revocationTest("CRLs given in the credential", async (w) => {
  w.serve(w.good.der); // a fetch would find it good: the given CRL must decide
  assert.equal(
    st(
      await firstStep(certAuth(w, {
        KdcCertificateRevocationLists: w.revoked.pem,
      })),
    ),
    st(SEC_E_KDC_CERT_REVOKED),
  );
  // DER, and through Negotiate.
  assert.equal(
    st(
      await firstStep(
        certAuth(w, { KdcCertificateRevocationLists: [w.revoked.der] }),
        "Negotiate",
      ),
    ),
    st(SEC_E_KDC_CERT_REVOKED),
  );
  assert.equal(w.hits(), 0, "settled by the given CRL: nothing fetched");
  assert.equal(
    st(
      await logonAndAp(
        w.kdc,
        certAuth(w, { KdcCertificateRevocationLists: w.good.pem }),
      ),
    ),
    st(SEC_E_OK),
  );
  // "off": no check.
  assert.equal(
    st(
      await logonAndAp(
        w.kdc,
        certAuth(w, {
          KdcCertificateRevocationLists: w.revoked.der,
          KdcRevocationCheck: "off",
        }),
      ),
    ),
    st(SEC_E_OK),
  );
  assert.equal(w.hits(), 0);
  // Bad options are refused when acquiring.
  for (
    const bad of [
      { KdcCertificateRevocationLists: "not a CRL" },
      { KdcCertificateRevocationLists: new Uint8Array([0x30, 0x03, 1, 2, 3]) },
      { KdcRevocationCheck: "sometimes" },
    ]
  ) {
    const { status, cred } = await acquireKrb("Kerberos", certAuth(w, bad));
    if (status === SEC_E_OK) FreeCredentialsHandle(cred);
    assert.equal(st(status), st(SEC_E_NO_CREDENTIALS), JSON.stringify(bad));
  }
});

revocationTest("the CRL distribution point fetched online", async (w) => {
  w.serve(w.good.der);
  assert.equal(st(await logonAndAp(w.kdc, certAuth(w))), st(SEC_E_OK));
  assert.ok(w.hits() >= 1, "the CRL was fetched");
  w.serve(w.revoked.der);
  let before = w.hits();
  assert.equal(
    st(await firstStep(certAuth(w))),
    st(SEC_E_KDC_CERT_REVOKED),
  );
  assert.ok(w.hits() > before, "fetched again (a new credential)");
  // "cacheOnly" fetches nothing and tolerates the unknown status.
  before = w.hits();
  assert.equal(
    st(
      await logonAndAp(w.kdc, certAuth(w, { KdcRevocationCheck: "cacheOnly" })),
    ),
    st(SEC_E_OK),
  );
  assert.equal(w.hits(), before);
  // A server that answers with an error, then none at all: the status cannot be
  // determined, accepted by default, refused under "require".
  w.serve(null);
  assert.equal(st(await logonAndAp(w.kdc, certAuth(w))), st(SEC_E_OK));
  assert.equal(
    st(await firstStep(certAuth(w, { KdcRevocationCheck: "require" }))),
    st(SEC_E_REVOCATION_OFFLINE_KDC),
  );
  await w.down();
  assert.equal(st(await logonAndAp(w.kdc, certAuth(w))), st(SEC_E_OK));
  assert.equal(
    st(await firstStep(certAuth(w, { KdcRevocationCheck: "require" }))),
    st(SEC_E_REVOCATION_OFFLINE_KDC),
  );
  // "require" is satisfied by a CRL at hand, and fails when nothing is known.
  assert.equal(
    st(
      await logonAndAp(
        w.kdc,
        certAuth(w, {
          KdcRevocationCheck: "require",
          KdcCertificateRevocationLists: w.good.pem,
        }),
      ),
    ),
    st(SEC_E_OK),
  );
  assert.equal(
    st(await firstStep(certAuth(w, { KdcRevocationCheck: "require" }))),
    st(SEC_E_REVOCATION_OFFLINE_KDC),
  );
});

revocationTest(
  "PKINIT inside FAST, anonymous armor and anonymous logons",
  async (w) => {
    w.serve(w.good.der);
    // PKINIT inside FAST (armor from a ccache: only the armored PKINIT sees the
    // KDC's certificate).
    assert.equal(
      st(
        await firstStep(certAuth(w, {
          FastArmor: w.ccache,
          KdcCertificateRevocationLists: w.revoked.pem,
        })),
      ),
      st(SEC_E_KDC_CERT_REVOKED),
    );
    assert.equal(
      st(await logonAndAp(w.kdc, certAuth(w, { FastArmor: w.ccache }))),
      st(SEC_E_OK),
    );
    w.serve(w.revoked.der);
    assert.equal(
      st(await firstStep(certAuth(w, { FastArmor: w.ccache }))),
      st(SEC_E_KDC_CERT_REVOKED),
    );
    // Anonymous PKINIT armor: the armor's KDC certificate is checked too.
    assert.equal(
      st(await firstStep(certAuth(w, { FastArmor: { Anonymous: true } }))),
      st(SEC_E_KDC_CERT_REVOKED),
    );
    // An anonymous logon.
    const anon = {
      Anonymous: true,
      Domain: REALM,
      KdcRootCertificates: read(w.pki.ca.cert),
      Kdc: w.kdc.kdc,
    };
    assert.equal(st(await firstStep(anon)), st(SEC_E_KDC_CERT_REVOKED));
    w.serve(w.good.der);
    assert.equal(
      st(await firstStep({ ...anon, KdcRevocationCheck: "require" })),
      st(SEC_I_CONTINUE_NEEDED),
    );
    assert.equal(
      st(
        await firstStep({
          ...anon,
          KdcCertificateRevocationLists: w.revoked.der,
        }),
      ),
      st(SEC_E_KDC_CERT_REVOKED),
    );
  },
);

revocationTest("OCSP through the Authority Information Access", async (w) => {
  await w.ocspRevoked(false);
  assert.equal(
    st(await logonAndAp(w.kdc, certAuth(w))),
    st(SEC_E_OK),
    w.ocspLog(),
  );
  assert.ok(w.ocspHits() >= 1, "the responder was asked");
  assert.match(w.ocspLog(), /Cert Status: good/, "the responder said good");
  assert.equal(
    st(
      await logonAndAp(
        w.kdc,
        certAuth(w, { FastArmor: w.ccache, KdcRevocationCheck: "require" }),
      ),
    ),
    st(SEC_E_OK),
    w.ocspLog(),
  );
  await w.ocspRevoked(true);
  assert.equal(
    st(await firstStep(certAuth(w))),
    st(SEC_E_KDC_CERT_REVOKED),
    w.ocspLog(),
  );
  assert.equal(
    st(await firstStep(certAuth(w, { FastArmor: w.ccache }))),
    st(SEC_E_KDC_CERT_REVOKED),
    w.ocspLog(),
  );
}, true);
