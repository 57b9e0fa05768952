/**
 * Delta CRL fixtures made by the real `openssl` at test time: a CA, a second key
 * under the CA's name, leaves whose CRL Distribution Point and Freshest CRL name a
 * loopback server of the test (`http://127.0.0.1:<port>/base.crl`, `/delta.crl`),
 * a base CRL (cRLNumber 10) and delta CRLs from `openssl ca -gencrl` with the
 * Delta CRL Indicator (`2.5.29.27=critical,DER:02:01:<BaseCRLNumber>` in the
 * `crl_extensions` section; OpenSSL 3.0 has no config syntax for it), and one from
 * `openssl crl -in base.crl -gendelta newer.crl -key ca.key`. Files are read into
 * memory; the temporary directory is removed.
 *
 * @module
 */
import {
  type Certificate,
  parseCertificate,
  parsePem,
} from "../../src/pki/mod.ts";
import { openssl } from "./_openssl.ts";

/** Leaf serial numbers (hex). */
export const DELTA_SERIALS = {
  good: "5001",
  /** keyCompromise in the base. */
  inBase: "5002",
  /** keyCompromise in the delta only. */
  inDelta: "5003",
  /** certificateHold in the base, removeFromCRL in the delta. */
  held: "5004",
  /** No Freshest CRL extension; not listed anywhere. */
  plain: "5005",
} as const;

/** A leaf: PEM certificate and key, and the parsed certificate. */
export interface DeltaLeaf {
  pem: string;
  key: string;
  cert: Certificate;
}

/** The fixtures. */
export interface DeltaPki {
  /** The CA's PEM and parsed certificate. */
  caPem: string;
  ca: Certificate;
  /** Leaves by the names of {@link DELTA_SERIALS}. */
  leaves: Record<keyof typeof DELTA_SERIALS, DeltaLeaf>;
  /**
   * CRL DER by name: `base` (#10), `baseFreshest` (#10, naming the delta URL in
   * its own Freshest CRL), `delta` (#11, base 10), `deltaOtherKey` (as `delta`,
   * signed by another key under the CA's name), `deltaNewerBase` (#13, base 12),
   * `deltaNotNewer` (#10, base 9), `full12` (complete #12), `gendelta` (from
   * `openssl crl -gendelta`: base 10 to #12), `badIndicator` (the indicator an
   * OCTET STRING).
   */
  crls: Record<string, Uint8Array>;
  /** CRL PEM text by name. */
  crlPem: Record<string, string>;
}

/** YYMMDDHHMMSSZ (openssl index format). */
function utc(ms: number): string {
  return new Date(Date.now() + ms).toISOString().replace(/[-:T]/g, "")
    .slice(2, 14) + "Z";
}

/** An index line: valid (reason undefined) or revoked a day ago with `reason`. */
export function line(serial: string, reason?: string): string {
  return reason === undefined
    ? `V\t${utc(20 * 86400_000)}\t\t${serial}\tunknown\t/CN=localhost\n`
    : `R\t${utc(20 * 86400_000)}\t${
      utc(-86400_000)
    },${reason}\t${serial}\tunknown\t/CN=localhost\n`;
}

/** The Delta CRL Indicator for `crl_extensions`, BaseCRLNumber `n` (< 128). */
export function deltaIndicator(n: number): string {
  return `2.5.29.27=critical,DER:02:01:${n.toString(16).padStart(2, "0")}\n`;
}

/**
 * `openssl ca -gencrl` in `dir`, signed by `<signer>.key` / `<signer>.pem` (paths
 * relative to `dir`, or absolute), over the index text `index`, with cRLNumber
 * `number` and the `crl_extensions` lines `ext`, valid a day: `<name>.crl` (PEM).
 */
export async function gencrlWith(
  dir: string,
  name: string,
  signer: string,
  index: string,
  number: number,
  ext: string,
): Promise<void> {
  const write = (file: string, text: string) =>
    Deno.writeTextFile(`${dir}/${file}`, text);
  await write(`${name}.txt`, index);
  await write(`${name}.txt.attr`, "unique_subject = no\n");
  await write(`${name}.num`, number.toString(16).padStart(2, "0") + "\n");
  await write(
    `${name}.cnf`,
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${name}.txt\ncrlnumber=${name}.num\n` +
      `default_md=sha256\ndefault_crl_days=1\ncrl_extensions=ext\n[ext]\n${ext}`,
  );
  await openssl([
    "ca",
    "-gencrl",
    "-config",
    `${name}.cnf`,
    "-keyfile",
    `${signer}.key`,
    "-cert",
    `${signer}.pem`,
    "-out",
    `${name}.crl`,
  ], { cwd: dir });
}

/** A loopback HTTP server of CRLs: `routes` maps a path to a body (else 404). */
export interface CrlServer {
  port: number;
  routes: Map<string, Uint8Array>;
  /** How many requests `path` has had. */
  hits: (path: string) => number;
  close: () => Promise<void>;
}

/** Starts a {@link CrlServer} on 127.0.0.1 (an ephemeral port). */
export function crlServer(): CrlServer {
  const routes = new Map<string, Uint8Array>();
  const hits = new Map<string, number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const path = new URL(req.url).pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const body = routes.get(path);
      return body
        ? new Response(body as Uint8Array<ArrayBuffer>)
        : new Response("no", { status: 404 });
    },
  );
  return {
    port: server.addr.port,
    routes,
    hits: (path) => hits.get(path) ?? 0,
    close: () => server.shutdown(),
  };
}

/** Generates the fixtures for a server on 127.0.0.1:`port`. */
export async function deltaPki(port: number): Promise<DeltaPki> {
  const dir = await Deno.makeTempDir({ prefix: "pki_delta_" });
  const run = (args: string[]) => openssl(args, { cwd: dir });
  const write = (name: string, text: string) =>
    Deno.writeTextFile(`${dir}/${name}`, text);
  const base = `http://127.0.0.1:${port}`;
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    for (const n of ["ca", "other"]) {
      await run([
        "req",
        "-x509",
        ...ec,
        "-nodes",
        "-keyout",
        `${n}.key`,
        "-out",
        `${n}.pem`,
        "-days",
        "30",
        "-subj",
        "/CN=Delta Test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ]);
    }
    const cdp = `crlDistributionPoints=URI:${base}/base.crl\n`;
    const freshest = `freshestCRL=URI:${base}/delta.crl\n`;
    const leaves = {} as Record<keyof typeof DELTA_SERIALS, DeltaLeaf>;
    for (const [name, serial] of Object.entries(DELTA_SERIALS)) {
      await write(
        `${name}.ext`,
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\n" + cdp +
          (name === "plain" ? "" : freshest),
      );
      await run([
        "req",
        ...ec,
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        "/CN=localhost",
      ]);
      await run([
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        `0x${serial}`,
        "-days",
        "10",
        "-extfile",
        `${name}.ext`,
        "-out",
        `${name}.pem`,
      ]);
      const pem = await Deno.readTextFile(`${dir}/${name}.pem`);
      const cert = parseCertificate(parsePem(pem, "CERTIFICATE")[0]);
      if (!cert) throw new Error(`fixture ${name}: does not parse`);
      leaves[name as keyof typeof DELTA_SERIALS] = {
        pem,
        key: await Deno.readTextFile(`${dir}/${name}.key`),
        cert,
      };
    }
    const S = DELTA_SERIALS;
    const baseIndex = line(S.good) + line(S.inBase, "keyCompromise") +
      line(S.held, "certificateHold,holdInstructionReject");
    const deltaIndex = line(S.inDelta, "keyCompromise") +
      line(S.held, "removeFromCRL");
    const fullIndex = line(S.good) + line(S.inBase, "keyCompromise") +
      line(S.held, "certificateHold,holdInstructionReject") +
      line(S.inDelta, "keyCompromise");
    const aki = "authorityKeyIdentifier=keyid:always\n";
    // [name, signer, index, cRLNumber, crl_extensions]
    const specs: [string, string, string, number, string][] = [
      ["base", "ca", baseIndex, 10, aki],
      ["baseFreshest", "ca", baseIndex, 10, aki + freshest],
      ["delta", "ca", deltaIndex, 11, aki + deltaIndicator(10)],
      ["deltaOtherKey", "other", deltaIndex, 11, deltaIndicator(10)],
      ["deltaNewerBase", "ca", deltaIndex, 13, aki + deltaIndicator(12)],
      ["deltaNotNewer", "ca", deltaIndex, 10, aki + deltaIndicator(9)],
      ["full12", "ca", fullIndex, 12, aki],
      ["badIndicator", "ca", deltaIndex, 11, "2.5.29.27=critical,DER:04:00\n"],
    ];
    for (const [name, signer, index, number, ext] of specs) {
      await gencrlWith(dir, name, signer, index, number, ext);
    }
    // The delta between two complete CRLs: -in is the base, -gendelta the newer.
    await run([
      "crl",
      "-in",
      "base.crl",
      "-gendelta",
      "full12.crl",
      "-key",
      "ca.key",
      "-sha256",
      "-out",
      "gendelta.crl",
    ]);
    const crls: Record<string, Uint8Array> = {};
    const crlPem: Record<string, string> = {};
    for (const name of [...specs.map((s) => s[0]), "gendelta"]) {
      crlPem[name] = await Deno.readTextFile(`${dir}/${name}.crl`);
      crls[name] = parsePem(crlPem[name], "X509 CRL")[0];
    }
    const caPem = await Deno.readTextFile(`${dir}/ca.pem`);
    const ca = parseCertificate(parsePem(caPem, "CERTIFICATE")[0])!;
    return { caPem, ca, leaves, crls, crlPem };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
