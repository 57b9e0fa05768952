/**
 * Test certificates made by `openssl` at test time: an RSA and a P-256 CA, server
 * leaves for `localhost`/127.0.0.1 under each, a client certificate, an expired leaf
 * and an untrusted self-signed one. Made once per test process in a temp dir.
 */
import { peerMissing } from "../peers/availability.ts";

/** One certificate with its key (PEM) and file paths. */
export interface TestCert {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

/** The set of test certificates. */
export interface TestPki {
  dir: string;
  rsaCa: TestCert;
  ecCa: TestCert;
  rsaServer: TestCert;
  ecServer: TestCert;
  client: TestCert;
  expired: TestCert;
  selfSigned: TestCert;
}

/** Runs `openssl <args>` in `dir`; throws with its stderr when it fails. */
export async function openssl(dir: string, args: string[]): Promise<string> {
  const r = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(
      `openssl ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`,
    );
  }
  return new TextDecoder().decode(r.stdout);
}

/**
 * A CRL made by `openssl ca -gencrl` in `dir` with the CA key and certificate files
 * `ca`, over `index` (the text of an `openssl ca` index; repeated subjects
 * allowed), valid `days`: written as `<name>.crl` and `<name>.crl.der`, returned as
 * PEM and DER.
 */
export async function gencrl(
  dir: string,
  name: string,
  ca: { key: string; cert: string },
  index: string,
  days = 1,
): Promise<{ pem: string; der: Uint8Array }> {
  await Deno.writeTextFile(`${dir}/${name}-index.txt`, index);
  await Deno.writeTextFile(
    `${dir}/${name}-index.txt.attr`,
    "unique_subject = no\n",
  );
  await Deno.writeTextFile(`${dir}/${name}-crlnumber`, "01\n");
  await Deno.writeTextFile(
    `${dir}/${name}-ca.cnf`,
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${name}-index.txt\n` +
      `crlnumber=${name}-crlnumber\ndefault_md=sha256\n` +
      `default_crl_days=${days}\n`,
  );
  await openssl(dir, [
    "ca",
    "-config",
    `${name}-ca.cnf`,
    "-gencrl",
    "-keyfile",
    ca.key,
    "-cert",
    ca.cert,
    "-out",
    `${name}.crl`,
  ]);
  await openssl(dir, [
    "crl",
    "-in",
    `${name}.crl`,
    "-outform",
    "DER",
    "-out",
    `${name}.crl.der`,
  ]);
  return {
    pem: await Deno.readTextFile(`${dir}/${name}.crl`),
    der: await Deno.readFile(`${dir}/${name}.crl.der`),
  };
}

async function read(dir: string, name: string): Promise<TestCert> {
  return {
    cert: await Deno.readTextFile(`${dir}/${name}.pem`),
    key: await Deno.readTextFile(`${dir}/${name}.key`),
    certPath: `${dir}/${name}.pem`,
    keyPath: `${dir}/${name}.key`,
  };
}

let made: Promise<TestPki | null> | undefined;

/** True when the `openssl` command runs. */
export async function haveOpenssl(): Promise<boolean> {
  try {
    return (await new Deno.Command("openssl", {
      args: ["version"],
      stdout: "null",
      stderr: "null",
    }).output()).success;
  } catch {
    return false;
  }
}

/** The test PKI, or null (after `peerMissing`) without openssl. */
export function testPki(): Promise<TestPki | null> {
  made ??= makePki();
  return made;
}

async function makePki(): Promise<TestPki | null> {
  if (!(await haveOpenssl())) {
    peerMissing("openssl", "apt-get install -y openssl");
    return null;
  }
  const dir = await Deno.makeTempDir({ prefix: "schannel-pki-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone */ }
  });
  const rsa = ["-newkey", "rsa:2048", "-nodes"];
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const caExt = [
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ];
  await openssl(dir, [
    "req",
    "-x509",
    ...rsa,
    "-keyout",
    "rsa-ca.key",
    "-out",
    "rsa-ca.pem",
    "-days",
    "30",
    "-subj",
    "/CN=Test RSA CA",
    ...caExt,
  ]);
  await openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ec-ca.key",
    "-out",
    "ec-ca.pem",
    "-days",
    "30",
    "-subj",
    "/CN=Test EC CA",
    ...caExt,
  ]);
  const leaf = async (
    name: string,
    ca: string,
    keyArgs: string[],
    cn: string,
    ext: string,
    days = "30",
  ) => {
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
    await openssl(dir, [
      "req",
      ...keyArgs,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    ]);
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.pem`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      days,
      "-sha256",
      "-extfile",
      `${name}.ext`,
    ]);
  };
  const serverExt =
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n" +
    "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n";
  await leaf("rsa-server", "rsa-ca", rsa, "localhost", serverExt);
  await leaf("ec-server", "ec-ca", ec, "localhost", serverExt);
  await leaf(
    "client",
    "rsa-ca",
    ec,
    "alice",
    "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
  );
  // An expired leaf: valid for one day, starting in the past.
  await Deno.writeTextFile(`${dir}/expired.ext`, serverExt);
  await openssl(dir, [
    "req",
    ...rsa,
    "-keyout",
    "expired.key",
    "-out",
    "expired.csr",
    "-subj",
    "/CN=localhost",
  ]);
  // openssl 3.0's x509 has no -not_before: the ca command sets the dates.
  await openssl(dir, [
    "ca",
    "-batch",
    "-cert",
    "rsa-ca.pem",
    "-keyfile",
    "rsa-ca.key",
    "-in",
    "expired.csr",
    "-out",
    "expired.pem",
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20200102000000Z",
    "-notext",
    "-extfile",
    "expired.ext",
    "-config",
    await caConfig(dir),
  ]);
  await openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "self.key",
    "-out",
    "self.pem",
    "-days",
    "30",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost",
  ]);
  return {
    dir,
    rsaCa: await read(dir, "rsa-ca"),
    ecCa: await read(dir, "ec-ca"),
    rsaServer: await read(dir, "rsa-server"),
    ecServer: await read(dir, "ec-server"),
    client: await read(dir, "client"),
    expired: await read(dir, "expired"),
    selfSigned: await read(dir, "self"),
  };
}

async function caConfig(dir: string): Promise<string> {
  await Deno.mkdir(`${dir}/ca`, { recursive: true });
  await Deno.writeTextFile(`${dir}/ca/index.txt`, "");
  await Deno.writeTextFile(`${dir}/ca/serial`, "1000\n");
  const cfg =
    `[ca]\ndefault_ca=d\n[d]\ndir=${dir}/ca\ndatabase=${dir}/ca/index.txt\nserial=${dir}/ca/serial\n` +
    `new_certs_dir=${dir}/ca\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`;
  await Deno.writeTextFile(`${dir}/ca.cnf`, cfg);
  return `${dir}/ca.cnf`;
}
