/**
 * Test fixtures for the PKI tests, made by the real `openssl` at test time: RSA-2048
 * and P-256 CAs, leaves with DNS, wildcard and IP subjectAltNames signed by each, an
 * intermediate, an expired leaf, a self-signed leaf, a CN-only leaf, and PEM keys.
 * Everything is read into memory and the temporary directory removed before use.
 *
 * `openssl` is a real peer: when missing the tests are skipped with a message, except
 * under `CI=true` where they fail.
 *
 * @module
 */
import { openssl } from "./_openssl.ts";

export { openssl, opensslOk, opensslTest } from "./_openssl.ts";

/** The PEM texts the fixtures hold, by name (`<name>.key` / `<name>.pem`). */
export type Fixtures = Record<string, string>;

const LEAF_SANS = "DNS:leaf.test,DNS:*.wild.test,IP:127.0.0.1,IP:::1";

const CA_CNF = (dir: string) => `
[ca]
default_ca = ca_default
[ca_default]
database = ${dir}/index.txt
new_certs_dir = ${dir}
serial = ${dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
[expired_ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:expired.test
`;

let cached: Promise<Fixtures> | undefined;

/** Generates (once per test file) and returns the fixtures. */
export function fixtures(): Promise<Fixtures> {
  cached ??= generate();
  return cached;
}

async function generate(): Promise<Fixtures> {
  const dir = await Deno.makeTempDir({ prefix: "pki_test_" });
  const run = (args: string[]) => openssl(args, { cwd: dir });
  const ext = async (name: string, text: string) => {
    await Deno.writeTextFile(`${dir}/${name}.ext`, text);
    return `${name}.ext`;
  };
  try {
    const rsaKey = (n: string) =>
      run([
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        `${n}.key`,
      ]);
    const ecKey = (n: string, curve = "P-256") =>
      run([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        `ec_paramgen_curve:${curve}`,
        "-out",
        `${n}.key`,
      ]);
    await Promise.all([
      rsaKey("rsaca"),
      ecKey("ecca"),
      rsaKey("rsaleaf"),
      ecKey("ecleaf"),
      ecKey("inter"),
      ecKey("p384leaf", "P-384"),
    ]);
    const caExt = await ext(
      "ca",
      "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
    );
    const interExt = await ext(
      "inter",
      "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n",
    );
    const leafExt = await ext(
      "leaf",
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${LEAF_SANS}\n`,
    );
    const cnOnlyExt = await ext("cnonly", "basicConstraints=CA:FALSE\n");
    const selfExt = await ext(
      "self",
      "basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:self.test\n",
    );
    const critExt = await ext(
      "crit",
      "basicConstraints=CA:FALSE\nsubjectAltName=DNS:leaf.test\n1.2.3.4.5=critical,ASN1:NULL\n",
    );
    const reqSelf = async (
      key: string,
      cn: string,
      extText: string,
      out: string,
      extra: string[] = [],
    ) => {
      const cnf = `${out}.cnf`;
      await Deno.writeTextFile(
        `${dir}/${cnf}`,
        `[req]\ndistinguished_name=dn\nx509_extensions=v3\n[dn]\n[v3]\n${extText}`,
      );
      await run([
        "req",
        "-x509",
        "-new",
        "-key",
        key,
        "-subj",
        `/CN=${cn}`,
        "-days",
        "30",
        "-config",
        cnf,
        ...extra,
        "-out",
        out,
      ]);
    };
    await reqSelf(
      "rsaca.key",
      "Test RSA Root",
      await Deno.readTextFile(`${dir}/${caExt}`),
      "rsaca.pem",
    );
    await reqSelf(
      "ecca.key",
      "Test EC Root",
      await Deno.readTextFile(`${dir}/${caExt}`),
      "ecca.pem",
    );
    await reqSelf(
      "ecleaf.key",
      "self.test",
      await Deno.readTextFile(`${dir}/${selfExt}`),
      "self.pem",
    );
    const issue = async (
      key: string,
      cn: string,
      ca: string,
      extFile: string,
      out: string,
      extra: string[] = [],
    ) => {
      await run([
        "req",
        "-new",
        "-key",
        key,
        "-subj",
        `/CN=${cn}`,
        "-config",
        "/dev/null",
        "-out",
        `${out}.csr`,
      ]).catch(() =>
        run([
          "req",
          "-new",
          "-key",
          key,
          "-subj",
          `/CN=${cn}`,
          "-out",
          `${out}.csr`,
        ])
      );
      await run([
        "x509",
        "-req",
        "-in",
        `${out}.csr`,
        "-CA",
        `${ca}.pem`,
        "-CAkey",
        `${ca}.key`,
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        extFile,
        ...extra,
        "-out",
        out,
      ]);
    };
    await issue("rsaleaf.key", "leaf.test", "rsaca", leafExt, "rsaleaf.pem");
    await issue("ecleaf.key", "leaf.test", "ecca", leafExt, "ecleaf.pem");
    await issue("rsaleaf.key", "pss.test", "rsaca", leafExt, "pssleaf.pem", [
      "-sigopt",
      "rsa_padding_mode:pss",
      "-sigopt",
      "rsa_pss_saltlen:32",
    ]);
    await issue(
      "p384leaf.key",
      "leaf.test",
      "rsaca",
      leafExt,
      "sha384leaf.pem",
      ["-sha384"],
    );
    await issue(
      "p384leaf.key",
      "leaf.test",
      "ecca",
      leafExt,
      "sha512leaf.pem",
      ["-sha512"],
    );
    await issue("ecleaf.key", "cnonly.test", "ecca", cnOnlyExt, "cnonly.pem");
    await issue("ecleaf.key", "leaf.test", "ecca", critExt, "crit.pem");
    await issue(
      "inter.key",
      "Test Intermediate",
      "rsaca",
      interExt,
      "inter.pem",
    );
    await issue("ecleaf.key", "leaf.test", "inter", leafExt, "interleaf.pem");
    // A CA cert below the pathlen:0 intermediate, and a leaf below it: path too long.
    await issue("rsaleaf.key", "Test Sub CA", "inter", caExt, "subca.pem");
    await Deno.writeTextFile(
      `${dir}/subca.key`,
      await Deno.readTextFile(`${dir}/rsaleaf.key`),
    );
    await issue("ecleaf.key", "leaf.test", "subca", leafExt, "subleaf.pem");
    // A "leaf" issued by a non-CA certificate.
    await issue("ecleaf.key", "leaf.test", "rsaleaf", leafExt, "nonca.pem");
    // Expired: openssl ca with explicit dates.
    await Deno.writeTextFile(`${dir}/index.txt`, "");
    await Deno.writeTextFile(`${dir}/serial`, "1000\n");
    await Deno.writeTextFile(`${dir}/ca.cnf`, CA_CNF(dir));
    await run([
      "req",
      "-new",
      "-key",
      "rsaleaf.key",
      "-subj",
      "/CN=expired.test",
      "-config",
      "/dev/null",
      "-out",
      "expired.csr",
    ]).catch(() =>
      run([
        "req",
        "-new",
        "-key",
        "rsaleaf.key",
        "-subj",
        "/CN=expired.test",
        "-out",
        "expired.csr",
      ])
    );
    await run([
      "ca",
      "-batch",
      "-config",
      "ca.cnf",
      "-cert",
      "rsaca.pem",
      "-keyfile",
      "rsaca.key",
      "-in",
      "expired.csr",
      "-out",
      "expired.pem",
      "-startdate",
      "20200101000000Z",
      "-enddate",
      "20210101000000Z",
      "-extensions",
      "expired_ext",
      "-notext",
    ]);
    // A key type the module does not support (Ed25519): parsed, publicKey null.
    await run(["genpkey", "-algorithm", "ED25519", "-out", "ed.key"]);
    await reqSelf(
      "ed.key",
      "ed.test",
      "basicConstraints=critical,CA:FALSE\n",
      "ed.pem",
    );
    // Traditional key encodings too.
    await run([
      "rsa",
      "-in",
      "rsaleaf.key",
      "-traditional",
      "-out",
      "rsaleaf.pkcs1.key",
    ]);
    await run(["ec", "-in", "ecleaf.key", "-out", "ecleaf.sec1.key"]);
    const out: Fixtures = {};
    for await (const e of Deno.readDir(dir)) {
      if (/\.(pem|key)$/.test(e.name)) {
        out[e.name] = await Deno.readTextFile(`${dir}/${e.name}`);
      }
    }
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
