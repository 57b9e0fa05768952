/**
 * Certificates for the PKINIT tests, made with `openssl` at test time as MIT's
 * "PKINIT configuration" guide describes: a CA, a KDC certificate (EKU
 * id-pkinit-KPKdc, id-pkinit-san `krbtgt/REALM@REALM`), user certificates (EKU
 * id-pkinit-KPClientAuth, id-pkinit-san `user@REALM`), RSA and P-256, and a second CA
 * that nobody trusts.
 *
 * @module
 */
import { peerMissing } from "../peers/availability.ts";
import {
  KDC_INSTALL_HINT,
  kdcAvailable,
  type MitKdc,
  startKdc,
} from "../peers/mit_kdc.ts";
import { KRB_USER, SERVICE } from "./_kdc_helpers.ts";

/** Whether MIT's PKINIT plugin (Debian's krb5-pkinit) is installed. */
export async function pkinitPluginAvailable(): Promise<boolean> {
  for (
    const dir of [
      "/usr/lib/x86_64-linux-gnu",
      "/usr/lib/aarch64-linux-gnu",
      "/usr/lib",
    ]
  ) {
    const p = `${dir}/krb5/plugins/preauth/pkinit.so`;
    if (await Deno.stat(p).then(() => true, () => false)) return true;
  }
  return false;
}

/** The Debian package with MIT's PKINIT plugin. */
export const PKINIT_INSTALL_HINT = "apt-get install -y krb5-pkinit";

/**
 * Whether the MIT KDC, `kinit` and the PKINIT plugin are here; prints the skip
 * message with the install hint (under `CI=true`, `peerMissing` makes it a failure).
 */
export async function pkinitPeersAvailable(): Promise<boolean> {
  if (!await kdcAvailable()) {
    peerMissing("MIT krb5 KDC", KDC_INSTALL_HINT);
    return false;
  }
  if (!await pkinitPluginAvailable()) {
    peerMissing("MIT krb5 PKINIT plugin", PKINIT_INSTALL_HINT);
    return false;
  }
  return true;
}

/**
 * MIT's KDC for the test realm with PKINIT on: the KDC's certificate and key of
 * `pki`, its CA as the anchor, then `moreConf` (realm relations); `logFile` takes
 * the KDC's log. The user and service are `_kdc_helpers.ts`'s.
 */
export function startPkinitKdc(
  pki: PkinitPki,
  moreConf = "",
  logFile?: string,
): Promise<MitKdc> {
  return startKdc(KRB_USER.user, KRB_USER.password, [SERVICE], {
    realmConf: `    pkinit_identity = FILE:${pki.kdc.cert},${pki.kdc.key}\n` +
      `    pkinit_anchors = FILE:${pki.ca.cert}\n${moreConf}`,
    logFile,
  });
}

/** Files of one certificate: PEM certificate and PKCS#8 PEM key. */
export interface CertFiles {
  /** Path of the certificate (PEM). */
  cert: string;
  /** Path of the private key (PEM, PKCS#8). */
  key: string;
}

/** The test PKI. */
export interface PkinitPki {
  /** The directory holding everything. */
  dir: string;
  /** The CA the KDC and the users' certificates come from. */
  ca: CertFiles;
  /** Another CA, trusted by nobody. */
  otherCa: CertFiles;
  /** The KDC's certificate (from `ca`). */
  kdc: CertFiles;
  /** Makes a user certificate for `principal` (`alice`) from `ca` or `otherCa`. */
  user(
    principal: string,
    opts?: { issuer?: "ca" | "otherCa"; ec?: boolean; eku?: string },
  ): Promise<CertFiles>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const o = await new Deno.Command("openssl", {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!o.success) {
    throw new Error(
      `openssl ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`,
    );
  }
}

/** The extension sections of MIT's guide, for `realm`; `kdcExtra` adds KDC lines. */
function extensions(realm: string, kdcExtra = ""): string {
  return `
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[kdc_cert]
basicConstraints = CA:FALSE
keyUsage = nonRepudiation,digitalSignature,keyEncipherment,keyAgreement
extendedKeyUsage = 1.3.6.1.5.2.3.5
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = otherName:1.3.6.1.5.2.2;SEQUENCE:kdc_princ_name
${kdcExtra}
[kdc_princ_name]
realm = EXP:0,GeneralString:${realm}
principal_name = EXP:1,SEQUENCE:kdc_principal_seq

[kdc_principal_seq]
name_type = EXP:0,INTEGER:2
name_string = EXP:1,SEQUENCE:kdc_principals

[kdc_principals]
princ1 = GeneralString:krbtgt
princ2 = GeneralString:${realm}
`;
}

/** The extension section of a user certificate for `name@realm`. */
function userExtensions(name: string, realm: string, eku: string): string {
  return `
[client_cert]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment,keyAgreement
extendedKeyUsage = ${eku}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = otherName:1.3.6.1.5.2.2;SEQUENCE:princ_name

[princ_name]
realm = EXP:0,GeneralString:${realm}
principal_name = EXP:1,SEQUENCE:principal_seq

[principal_seq]
name_type = EXP:0,INTEGER:1
name_string = EXP:1,SEQUENCE:principals

[principals]
princ1 = GeneralString:${name}
`;
}

async function makeCa(dir: string, name: string): Promise<CertFiles> {
  const files = { cert: `${dir}/${name}.pem`, key: `${dir}/${name}.key` };
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "30",
    "-subj",
    `/CN=${name} PKINIT test CA`,
    "-keyout",
    files.key,
    "-out",
    files.cert,
    "-config",
    `${dir}/ext.cnf`,
    "-extensions",
    "v3_ca",
  ], dir);
  return files;
}

async function issue(
  dir: string,
  name: string,
  issuer: CertFiles,
  extFile: string,
  section: string,
  ec = false,
): Promise<CertFiles> {
  const files = { cert: `${dir}/${name}.pem`, key: `${dir}/${name}.key` };
  await openssl([
    "req",
    "-new",
    "-newkey",
    ec ? "ec" : "rsa:2048",
    ...(ec ? ["-pkeyopt", "ec_paramgen_curve:P-256"] : []),
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    files.key,
    "-out",
    `${dir}/${name}.csr`,
  ], dir);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/${name}.csr`,
    "-CA",
    issuer.cert,
    "-CAkey",
    issuer.key,
    "-CAcreateserial",
    "-days",
    "30",
    "-sha256",
    "-extfile",
    extFile,
    "-extensions",
    section,
    "-out",
    files.cert,
  ], dir);
  return files;
}

/**
 * Makes the CA, the other CA and the KDC certificate for `realm` in a new directory;
 * `opts.kdcExtensions` adds OpenSSL extension lines to the KDC's certificate (a CRL
 * distribution point, an Authority Information Access).
 */
export async function makePkinitPki(
  realm: string,
  opts: { kdcExtensions?: string } = {},
): Promise<PkinitPki> {
  const dir = await Deno.makeTempDir({ prefix: "pkinit_pki_" });
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    `[req]\ndistinguished_name = dn\n[dn]\n${
      extensions(realm, opts.kdcExtensions)
    }`,
  );
  const ca = await makeCa(dir, "ca");
  const otherCa = await makeCa(dir, "other_ca");
  const kdc = await issue(dir, "kdc", ca, `${dir}/ext.cnf`, "kdc_cert");
  return {
    dir,
    ca,
    otherCa,
    kdc,
    async user(principal, opts = {}) {
      const issuer = opts.issuer === "otherCa" ? otherCa : ca;
      const tag = `${principal}_${opts.issuer ?? "ca"}${opts.ec ? "_ec" : ""}${
        opts.eku ? "_eku" : ""
      }`;
      const ext = `${dir}/${tag}.cnf`;
      await Deno.writeTextFile(
        ext,
        userExtensions(principal, realm, opts.eku ?? "1.3.6.1.5.2.3.4"),
      );
      return await issue(dir, tag, issuer, ext, "client_cert", opts.ec);
    },
  };
}
