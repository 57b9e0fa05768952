/**
 * Revocation fixtures made by the real `openssl` at test time: an RSA and a P-256 root,
 * an intermediate, good / revoked / unknown leaves, delegated OCSP responders (with and
 * without id-kp-OCSPSigning), a same-name impostor of the RSA root, CRLs from
 * `openssl ca -gencrl` (v2 with reasons, v1, delta, indirect, unknown critical
 * extension) and OCSP responses from `openssl ocsp -index ... -respout`. Everything is
 * read into memory once per test process; the temporary directory is removed.
 *
 * @module
 */
import {
  type Certificate,
  parseCertificate,
  parsePem,
} from "../../src/pki/mod.ts";
import { openssl } from "./_openssl.ts";

export { opensslTest } from "./_openssl.ts";

/** Serial numbers of the fixtures (hex, as openssl prints them). */
export const SERIALS = {
  rsaRoot: "01",
  ecRoot: "02",
  inter: "2001",
  good: "8F00AA", // high bit set: DER INTEGER 00 8F 00 AA
  revoked: "1002",
  unknown: "1003",
  responder: "1010",
  noEku: "1011",
  ecGood: "3001",
  ecRevoked: "3002",
  interGood: "4001",
  interRevoked: "4002",
} as const;

/** The fixtures: parsed certificates, CRL and OCSP DER, by name. */
export interface RevocationPki {
  /** Parsed certificates by name (keys of {@link SERIALS}, plus `impostor`). */
  certs: Record<string, Certificate>;
  /** CRL DER by name. */
  crls: Record<string, Uint8Array>;
  /** CRL PEM text by name. */
  crlPem: Record<string, string>;
  /** OCSP response DER by name. */
  ocsp: Record<string, Uint8Array>;
  /** `openssl crl -text` by CRL name. */
  crlText: Record<string, string>;
  /** `openssl ocsp -resp_text -noverify` by response name. */
  ocspText: Record<string, string>;
  /** The revocation time written in the indexes (whole seconds). */
  revokedAt: Date;
}

let cached: Promise<RevocationPki> | undefined;

/** Generates (once per test process) and returns the fixtures. */
export function revocationPki(): Promise<RevocationPki> {
  cached ??= generate();
  return cached;
}

/** YYMMDDHHMMSSZ (openssl index format). */
function utc(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${
    p(d.getUTCDate())
  }${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

const CNF = (dir: string, db: string, crlExt: string) => `
[ca]
default_ca = ca_default
[ca_default]
database = ${dir}/${db}.txt
default_md = sha256
unique_subject = no
${crlExt ? `crlnumber = ${dir}/${db}.num\ncrl_extensions = crl_ext` : ""}
[crl_ext]
${crlExt}
[idp_indirect]
fullname = URI:http://crl.test/indirect.crl
indirectCRL = TRUE
`;

async function generate(): Promise<RevocationPki> {
  const dir = await Deno.makeTempDir({ prefix: "pki_revocation_" });
  const run = (args: string[]) => openssl(args, { cwd: dir });
  const write = (name: string, text: string) =>
    Deno.writeTextFile(`${dir}/${name}`, text);
  try {
    const ecKey = (n: string) =>
      run([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        `${n}.key`,
      ]);
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
    await Promise.all([
      rsaKey("rsaRoot"),
      rsaKey("impostor"),
      ecKey("ecRoot"),
      ...[
        "inter",
        "good",
        "revoked",
        "unknown",
        "responder",
        "noEku",
        "ecGood",
        "ecRevoked",
        "interGood",
        "interRevoked",
      ].map(ecKey),
    ]);
    const caExt = [
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ];
    const root = (n: string, cn: string, serial: string) =>
      run([
        "req",
        "-x509",
        "-new",
        "-key",
        `${n}.key`,
        "-subj",
        `/CN=${cn}`,
        "-days",
        "30",
        "-set_serial",
        `0x${serial}`,
        ...caExt,
        "-out",
        `${n}.pem`,
      ]);
    await Promise.all([
      root("rsaRoot", "Revocation RSA Root", SERIALS.rsaRoot),
      root("ecRoot", "Revocation EC Root", SERIALS.ecRoot),
      root("impostor", "Revocation RSA Root", "77"),
    ]);
    await write(
      "ca.ext",
      "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    );
    await write("leaf.ext", "basicConstraints=CA:FALSE\n");
    await write(
      "responder.ext",
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n" +
        "extendedKeyUsage=OCSPSigning\n",
    );
    await write(
      "noEku.ext",
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n",
    );
    const issue = async (n: string, ca: string, ext: string) => {
      await run([
        "req",
        "-new",
        "-key",
        `${n}.key`,
        "-subj",
        `/CN=${n}`,
        "-out",
        `${n}.csr`,
      ]);
      await run([
        "x509",
        "-req",
        "-in",
        `${n}.csr`,
        "-CA",
        `${ca}.pem`,
        "-CAkey",
        `${ca}.key`,
        "-set_serial",
        `0x${SERIALS[n as keyof typeof SERIALS]}`,
        "-days",
        "10",
        "-extfile",
        ext,
        "-out",
        `${n}.pem`,
      ]);
    };
    await issue("inter", "rsaRoot", "ca.ext");
    await Promise.all([
      issue("good", "rsaRoot", "leaf.ext"),
      issue("revoked", "rsaRoot", "leaf.ext"),
      issue("unknown", "rsaRoot", "leaf.ext"),
      issue("responder", "rsaRoot", "responder.ext"),
      issue("noEku", "rsaRoot", "noEku.ext"),
      issue("ecGood", "ecRoot", "leaf.ext"),
      issue("ecRevoked", "ecRoot", "leaf.ext"),
      issue("interGood", "inter", "leaf.ext"),
      issue("interRevoked", "inter", "leaf.ext"),
    ]);

    // Indexes: V(alid) and R(evoked) lines, tab-separated, as `openssl ca` keeps them.
    const revokedAt = new Date(Math.floor(Date.now() / 1000 - 86400) * 1000);
    const exp = utc(new Date(Date.now() + 20 * 86400_000));
    const rev = utc(revokedAt);
    const line = (serial: string, reason?: string | null) =>
      reason === undefined
        ? `V\t${exp}\t\t${serial}\tunknown\t/CN=s${serial}\n`
        : `R\t${exp}\t${rev}${
          reason ? "," + reason : ""
        }\t${serial}\tunknown\t/CN=s${serial}\n`;
    const S = SERIALS;
    const indexes: Record<string, string> = {
      rsa: line(S.good) + line(S.revoked, "keyCompromise") + line(S.inter) +
        line(S.responder) + line(S.noEku),
      rsaNoReason: line(S.good) + line(S.revoked, null),
      rsaInterRevoked: line(S.good) + line(S.inter, "cACompromise"),
      rsaRootRevoked: line(S.rsaRoot, "keyCompromise"),
      ec: line(S.ecGood) + line(S.ecRevoked, "superseded"),
      inter: line(S.interGood) + line(S.interRevoked, "affiliationChanged"),
    };
    for (const [k, v] of Object.entries(indexes)) {
      await write(`${k}.txt`, v);
      await write(`${k}.num`, "01\n");
    }
    const v2 = "authorityKeyIdentifier=keyid:always\n";
    const crl = async (
      name: string,
      ca: string,
      db: string,
      ext: string | null,
    ) => {
      await write(`${name}.cnf`, CNF(dir, db, ext ?? ""));
      await run([
        "ca",
        "-gencrl",
        "-config",
        `${name}.cnf`,
        "-keyfile",
        `${ca}.key`,
        "-cert",
        `${ca}.pem`,
        "-crldays",
        "1",
        "-out",
        `${name}.crl.pem`,
      ]);
      await run([
        "crl",
        "-in",
        `${name}.crl.pem`,
        "-outform",
        "DER",
        "-out",
        `${name}.crl.der`,
      ]);
    };
    const crlSpecs: [string, string, string, string | null][] = [
      ["rsa", "rsaRoot", "rsa", v2],
      ["rsaV1", "rsaRoot", "rsaNoReason", null],
      ["rsaInterRevoked", "rsaRoot", "rsaInterRevoked", v2],
      ["rsaRootRevoked", "rsaRoot", "rsaRootRevoked", v2],
      ["ec", "ecRoot", "ec", v2],
      ["inter", "inter", "inter", v2],
      ["impostor", "impostor", "rsa", v2],
      ["delta", "rsaRoot", "rsa", v2 + "2.5.29.27=critical,DER:02:01:01\n"],
      [
        "indirect",
        "rsaRoot",
        "rsa",
        v2 + "issuingDistributionPoint=critical,@idp_indirect\n",
      ],
      ["critical", "rsaRoot", "rsa", v2 + "1.2.3.4=critical,DER:05:00\n"],
    ];
    for (const [name, ca, db, ext] of crlSpecs) await crl(name, ca, db, ext);

    // OCSP responses: [name, index, signer, CA, leaf, extra args].
    const ocspSpecs: [string, string, string, string, string, string[]][] = [
      ["good", "rsa", "rsaRoot", "rsaRoot", "good", []],
      ["revoked", "rsa", "rsaRoot", "rsaRoot", "revoked", []],
      ["unknown", "rsa", "rsaRoot", "rsaRoot", "unknown", []],
      ["goodSha256", "rsa", "rsaRoot", "rsaRoot", "good", ["-sha256"]],
      ["revokedSha256", "rsa", "rsaRoot", "rsaRoot", "revoked", ["-sha256"]],
      ["byKey", "rsa", "rsaRoot", "rsaRoot", "good", ["-resp_key_id"]],
      ["noCerts", "rsa", "rsaRoot", "rsaRoot", "good", ["-resp_no_certs"]],
      ["delegated", "rsa", "responder", "rsaRoot", "good", []],
      ["delegatedRevoked", "rsa", "responder", "rsaRoot", "revoked", []],
      ["delegatedByKey", "rsa", "responder", "rsaRoot", "good", [
        "-resp_key_id",
      ]],
      ["delegatedNoCerts", "rsa", "responder", "rsaRoot", "good", [
        "-resp_no_certs",
      ]],
      ["noEku", "rsa", "noEku", "rsaRoot", "good", []],
      ["impostor", "rsa", "impostor", "rsaRoot", "good", []],
      ["ecGood", "ec", "ecRoot", "ecRoot", "ecGood", []],
      ["ecRevoked", "ec", "ecRoot", "ecRoot", "ecRevoked", ["-sha256"]],
      ["interGood", "inter", "inter", "inter", "interGood", []],
      ["noNextUpdate", "rsa", "rsaRoot", "rsaRoot", "good", ["-no_nonce"]],
    ];
    await Promise.all(ocspSpecs.map(([name, db, signer, ca, leaf, extra]) => {
      const sha = extra.filter((a) => a === "-sha256");
      const rest = extra.filter((a) => a !== "-sha256");
      return run([
        "ocsp",
        "-index",
        `${db}.txt`,
        "-rsigner",
        `${signer}.pem`,
        "-rkey",
        `${signer}.key`,
        "-CA",
        `${ca}.pem`,
        "-issuer",
        `${ca}.pem`,
        ...sha,
        "-cert",
        `${leaf}.pem`,
        ...(name === "noNextUpdate" ? [] : ["-ndays", "1"]),
        ...rest,
        "-respout",
        `${name}.ocsp.der`,
      ]);
    }));

    const certs: Record<string, Certificate> = {};
    for (const n of [...Object.keys(SERIALS), "impostor"]) {
      const der = parsePem(await Deno.readTextFile(`${dir}/${n}.pem`))[0];
      const c = parseCertificate(der);
      if (!c) throw new Error(`fixture ${n}: does not parse`);
      certs[n] = c;
    }
    const crls: Record<string, Uint8Array> = {};
    const crlPem: Record<string, string> = {};
    const crlText: Record<string, string> = {};
    for (const [name] of crlSpecs) {
      crls[name] = await Deno.readFile(`${dir}/${name}.crl.der`);
      crlPem[name] = await Deno.readTextFile(`${dir}/${name}.crl.pem`);
      crlText[name] = new TextDecoder().decode(
        await run(["crl", "-in", `${name}.crl.pem`, "-text", "-noout"]),
      );
    }
    const ocsp: Record<string, Uint8Array> = {};
    const ocspText: Record<string, string> = {};
    for (const [name] of ocspSpecs) {
      ocsp[name] = await Deno.readFile(`${dir}/${name}.ocsp.der`);
      ocspText[name] = new TextDecoder().decode(
        await run([
          "ocsp",
          "-respin",
          `${name}.ocsp.der`,
          "-resp_text",
          "-noverify",
        ]),
      );
    }
    return { certs, crls, crlPem, ocsp, crlText, ocspText, revokedAt };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

/** A date as openssl prints it ("Nov  1 00:00:00 2026 GMT"), or null. */
export function opensslDate(s: string): Date | null {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(s.trim());
  if (!m) return null;
  const mo = MONTHS.indexOf(m[1]) / 3;
  return new Date(Date.UTC(+m[6], mo, +m[2], +m[3], +m[4], +m[5]));
}

/** Hex of bytes, upper case. */
export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")
    .toUpperCase();
}

/** A copy of `b` with the byte at `i` XORed with `x`. */
export function flip(b: Uint8Array, i: number, x = 1): Uint8Array {
  const c = b.slice();
  c[i] ^= x;
  return c;
}

/** The index of `needle` in `hay`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) {
      if (hay[i + k] !== needle[k]) continue outer;
    }
    return i;
  }
  return -1;
}
