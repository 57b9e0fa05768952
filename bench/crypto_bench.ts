/**
 * Crypto primitive benchmarks: this package's WebAssembly core against
 * `node:crypto` (where Deno's implementation has the algorithm) and
 * `npm:hash-wasm`, measured in the same run. Each primitive runs at 64 B and
 * 1 MiB; results are ops/s and ratios ours / peer.
 *
 * ```sh
 * deno run -A bench/crypto_bench.ts
 * ```
 *
 * @module
 */
// deno.json has no import map entry for tinybench yet; switch to "tinybench" once it does.
// deno-lint-ignore no-import-prefix
import { Bench } from "npm:tinybench@^2.9.0";
// deno-lint-ignore no-import-prefix
import * as hw from "npm:hash-wasm@^4.12.0";
import { createCipheriv, createHash, createHmac } from "node:crypto";
import zlib from "node:zlib";
import {
  crc32,
  desEcbEncrypt,
  hmacMd5,
  hmacSha256,
  md4,
  md5,
  Rc4,
  sha1,
  sha256,
} from "../src/crypto/mod.ts";
import { hmacSha384, sha384, sha512 } from "../src/crypto/_sha512.ts";
import { aesCmac, aesCmacSubtle } from "../src/crypto/_cmac.ts";
import { SubtleAesCbc, SubtleAesGcm } from "../src/crypto/_subtle_aes.ts";
import { AesCcm } from "../src/wasm/ccm.ts";
import { AesGcm } from "../src/wasm/gcm.ts";

/** One benchmark row: a primitive at one input size. */
export interface Row {
  /** Primitive name, e.g. `"md5"`. */
  primitive: string;
  /** Input size in bytes. */
  size: number;
  /** Our ops/s. */
  ours: number;
  /** `node:crypto` ops/s, or null when it lacks the algorithm. */
  node: number | null;
  /** `hash-wasm` ops/s, or null when it lacks the algorithm. */
  hashWasm: number | null;
  /** ours / node, or null. */
  vsNode: number | null;
  /** ours / hash-wasm, or null. */
  vsHashWasm: number | null;
}

type Fn = () => unknown;
interface Case {
  primitive: string;
  size: number;
  ours: Fn;
  node?: Fn;
  hashWasm?: Fn;
}

const SIZES = [64, 1024 * 1024];

function data(n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 31 + 7) & 255;
  return d;
}

async function cases(): Promise<Case[]> {
  const key16 = data(16);
  const key8 = key16.subarray(0, 8);
  const hwMd4 = await hw.createMD4();
  const hwMd5 = await hw.createMD5();
  const hwSha1 = await hw.createSHA1();
  const hwSha256 = await hw.createSHA256();
  const hwSha384 = await hw.createSHA384();
  const hwSha512 = await hw.createSHA512();
  const hwCrc = await hw.createCRC32();
  const hwHmacMd5 = await hw.createHMAC(hw.createMD5(), key16);
  const hwHmacSha256 = await hw.createHMAC(hw.createSHA256(), key16);
  const hwHmacSha384 = await hw.createHMAC(hw.createSHA384(), key16);
  const hwRun = (h: hw.IHasher, d: Uint8Array) => () =>
    h.init().update(d).digest("binary");
  const nodeHash = (alg: string, d: Uint8Array) => () =>
    createHash(alg).update(d).digest();
  const nodeHmac = (alg: string, d: Uint8Array) => () =>
    createHmac(alg, key16).update(d).digest();
  const rc4Stream = new Rc4(key16);
  const zcrc = (zlib as unknown as { crc32?: (d: Uint8Array) => number })
    .crc32;
  // AES: the WASM code, and the WebCrypto path SMB takes from 64 KiB on (async);
  // the rows that justify the switch.
  const gcm = new AesGcm(key16);
  const subtleGcm = new SubtleAesGcm(key16);
  const ccm = new AesCcm(key16);
  const subtleCbc = new SubtleAesCbc(key16);
  const iv12 = key16.subarray(0, 12);
  const aad = data(32);
  const nodeGcm = (d: Uint8Array) => () => {
    const c = createCipheriv("aes-128-gcm", key16, iv12);
    c.setAAD(aad);
    c.update(d);
    c.final();
    return c.getAuthTag();
  };
  const out: Case[] = [];
  for (const size of SIZES) {
    const d = data(size);
    out.push(
      {
        primitive: "md4",
        size,
        ours: () => md4(d),
        node: nodeHash("md4", d),
        hashWasm: hwRun(hwMd4, d),
      },
      {
        primitive: "md5",
        size,
        ours: () => md5(d),
        node: nodeHash("md5", d),
        hashWasm: hwRun(hwMd5, d),
      },
      {
        primitive: "sha1",
        size,
        ours: () => sha1(d),
        node: nodeHash("sha1", d),
        hashWasm: hwRun(hwSha1, d),
      },
      {
        primitive: "sha256",
        size,
        ours: () => sha256(d),
        node: nodeHash("sha256", d),
        hashWasm: hwRun(hwSha256, d),
      },
      {
        primitive: "sha384",
        size,
        ours: () => sha384(d),
        node: nodeHash("sha384", d),
        hashWasm: hwRun(hwSha384, d),
      },
      {
        primitive: "sha512",
        size,
        ours: () => sha512(d),
        node: nodeHash("sha512", d),
        hashWasm: hwRun(hwSha512, d),
      },
      {
        primitive: "hmacMd5",
        size,
        ours: () => hmacMd5(key16, d),
        node: nodeHmac("md5", d),
        hashWasm: hwRun(hwHmacMd5, d),
      },
      {
        primitive: "hmacSha256",
        size,
        ours: () => hmacSha256(key16, d),
        node: nodeHmac("sha256", d),
        hashWasm: hwRun(hwHmacSha256, d),
      },
      {
        primitive: "hmacSha384",
        size,
        ours: () => hmacSha384(key16, d),
        node: nodeHmac("sha384", d),
        hashWasm: hwRun(hwHmacSha384, d),
      },
      // node:crypto in Deno has no RC4 or DES cipher and hash-wasm has neither.
      { primitive: "rc4", size, ours: () => rc4Stream.update(d) },
      {
        primitive: "crc32",
        size,
        ours: () => crc32(d),
        node: zcrc ? () => zcrc(d) : undefined,
        hashWasm: hwRun(hwCrc, d),
      },
      { primitive: "des", size, ours: () => desEcbEncrypt(key8, d) },
      {
        primitive: "aes-128-gcm (WASM)",
        size,
        ours: () => gcm.encrypt(iv12, aad, d.slice(), new Uint8Array(16)),
        node: nodeGcm(d),
      },
      {
        primitive: "aes-128-gcm (WebCrypto)",
        size,
        ours: () => subtleGcm.seal(iv12, aad, d.slice()),
        node: nodeGcm(d),
      },
      {
        primitive: "aes-128-ccm (WASM)",
        size,
        ours: () =>
          ccm.encrypt(iv12.subarray(0, 11), aad, d.slice(), new Uint8Array(16)),
      },
      { primitive: "aes-cmac (WASM)", size, ours: () => aesCmac(key16, d) },
      {
        primitive: "aes-cmac (WebCrypto)",
        size,
        ours: () => aesCmacSubtle(key16, subtleCbc, d),
      },
    );
  }
  return out;
}

/**
 * Runs every crypto benchmark and returns one row per primitive and size.
 *
 * @param time Milliseconds to spend per task (default 250).
 */
export async function runCryptoBench(time = 250): Promise<Row[]> {
  const all = await cases();
  const rows: Row[] = [];
  for (const c of all) {
    const bench = new Bench({ time, warmupTime: 50 });
    bench.add("ours", c.ours);
    if (c.node) bench.add("node", c.node);
    if (c.hashWasm) bench.add("hashWasm", c.hashWasm);
    await bench.warmup();
    await bench.run();
    const hz = (name: string): number | null => {
      const t = bench.getTask(name);
      return t?.result ? t.result.hz : null;
    };
    const ours = hz("ours")!;
    const node = hz("node");
    const hashWasm = hz("hashWasm");
    rows.push({
      primitive: c.primitive,
      size: c.size,
      ours,
      node,
      hashWasm,
      vsNode: node ? ours / node : null,
      vsHashWasm: hashWasm ? ours / hashWasm : null,
    });
  }
  return rows;
}

function fmtOps(n: number | null): string {
  if (n === null) return "-";
  return n >= 1e6
    ? `${(n / 1e6).toFixed(2)}M`
    : n >= 1e3
    ? `${(n / 1e3).toFixed(1)}k`
    : n.toFixed(1);
}

function fmtRatio(r: number | null): string {
  return r === null ? "-" : `${r.toFixed(2)}x`;
}

/** Renders rows as a plain-text table. */
export function formatCryptoRows(rows: Row[]): string {
  const head = [
    "primitive",
    "size",
    "ours ops/s",
    "node ops/s",
    "hash-wasm ops/s",
    "ours/node",
    "ours/hash-wasm",
  ];
  const body = rows.map((r) => [
    r.primitive,
    r.size >= 1024 * 1024 ? `${r.size / 1024 / 1024} MiB` : `${r.size} B`,
    fmtOps(r.ours),
    fmtOps(r.node),
    fmtOps(r.hashWasm),
    fmtRatio(r.vsNode),
    fmtRatio(r.vsHashWasm),
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((b) => b[i].length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))
      .join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)]
    .join("\n");
}

if (import.meta.main) {
  console.log(formatCryptoRows(await runCryptoBench()));
}
