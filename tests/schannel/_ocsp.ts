/**
 * OCSP responses and CRLs for the Schannel stapling tests, made by `openssl ocsp`
 * and `openssl ca -gencrl` for the test PKI's server certificates: a "good" and a
 * "revoked" response for each server leaf (signed by its CA), and two CRLs of each
 * CA, one listing the leaf and one empty.
 */
import { openssl, type TestCert, type TestPki } from "./_pki.ts";

/** What one CA and its server leaf get. */
export interface OcspSet {
  /** DER OCSPResponse: the leaf is good. */
  good: Uint8Array;
  /** Its file (for `s_server -status_file`). */
  goodPath: string;
  /** DER OCSPResponse: the leaf is revoked. */
  revoked: Uint8Array;
  /** Its file. */
  revokedPath: string;
  /** PEM CRL of the CA listing the leaf. */
  crlRevoked: string;
  /** PEM CRL of the CA listing nothing. */
  crlEmpty: string;
}

/** A PEM CRL of `ca` (valid one day) listing the certificates at `revoked`. */
async function makeCrl(
  dir: string,
  name: string,
  ca: TestCert,
  revoked: string[],
): Promise<string> {
  const lines = [];
  for (const path of revoked) {
    lines.push(
      `R\t${indexTime(30 * 86400_000)}\t${
        indexTime(-3600_000)
      }\t${await serialOf(
        path,
      )}\tunknown\t/CN=x\n`,
    );
  }
  await Deno.writeTextFile(`${dir}/${name}.idx`, lines.join(""));
  await Deno.writeTextFile(`${dir}/${name}.num`, "01\n");
  await Deno.writeTextFile(
    `${dir}/${name}.cnf`,
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${name}.idx\ncrlnumber=${name}.num\n` +
      "default_md=sha256\ndefault_crl_days=1\n",
  );
  await openssl(dir, [
    "ca",
    "-config",
    `${name}.cnf`,
    "-gencrl",
    "-keyfile",
    ca.keyPath,
    "-cert",
    ca.certPath,
    "-out",
    `${name}.crl`,
  ]);
  return await Deno.readTextFile(`${dir}/${name}.crl`);
}

async function serialOf(certPath: string): Promise<string> {
  const r = await new Deno.Command("openssl", {
    args: ["x509", "-in", certPath, "-noout", "-serial"],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(r.stdout).trim().split("=")[1];
}

/** `YYMMDDHHMMSSZ` for `ms` from now. */
function indexTime(offsetMs: number): string {
  const d = new Date(Date.now() + offsetMs).toISOString();
  return d.slice(2, 4) + d.slice(5, 7) + d.slice(8, 10) + d.slice(11, 13) +
    d.slice(14, 16) + d.slice(17, 19) + "Z";
}

async function makeSet(
  dir: string,
  name: string,
  ca: TestCert,
  leaf: TestCert,
): Promise<OcspSet> {
  const serial = await serialOf(leaf.certPath);
  const end = indexTime(30 * 86400_000);
  const good = `${name}-good.idx`, revoked = `${name}-revoked.idx`;
  await Deno.writeTextFile(
    `${dir}/${good}`,
    `V\t${end}\t\t${serial}\tunknown\t/CN=localhost\n`,
  );
  await Deno.writeTextFile(
    `${dir}/${revoked}`,
    `R\t${end}\t${indexTime(-3600_000)}\t${serial}\tunknown\t/CN=localhost\n`,
  );
  for (const [idx, out] of [[good, "good"], [revoked, "revoked"]]) {
    await openssl(dir, [
      "ocsp",
      "-index",
      idx,
      "-rsigner",
      ca.certPath,
      "-rkey",
      ca.keyPath,
      "-CA",
      ca.certPath,
      "-issuer",
      ca.certPath,
      "-cert",
      leaf.certPath,
      "-respout",
      `${name}-${out}.der`,
      "-ndays",
      "1",
    ]);
  }
  return {
    good: await Deno.readFile(`${dir}/${name}-good.der`),
    goodPath: `${dir}/${name}-good.der`,
    revoked: await Deno.readFile(`${dir}/${name}-revoked.der`),
    revokedPath: `${dir}/${name}-revoked.der`,
    crlRevoked: await makeCrl(dir, `${name}-crl-revoked`, ca, [leaf.certPath]),
    crlEmpty: await makeCrl(dir, `${name}-crl-empty`, ca, []),
  };
}

/**
 * OCSP responses and CRLs for the RSA and the P-256 server leaf of `pki`, and a CRL
 * of the RSA CA listing the client certificate.
 */
export async function ocspSets(
  pki: TestPki,
): Promise<{ rsa: OcspSet; ec: OcspSet; clientRevoked: string }> {
  const dir = await Deno.makeTempDir({ prefix: "schannel-ocsp-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone */ }
  });
  return {
    rsa: await makeSet(dir, "rsa", pki.rsaCa, pki.rsaServer),
    ec: await makeSet(dir, "ec", pki.ecCa, pki.ecServer),
    clientRevoked: await makeCrl(dir, "client-crl", pki.rsaCa, [
      pki.client.certPath,
    ]),
  };
}
