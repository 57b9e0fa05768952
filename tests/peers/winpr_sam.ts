/**
 * Writes WinPR SAM files for tests. WinPR's NTLM acceptor looks users up in a SAM file,
 * one user a line: `User:Domain::NTHASH:::` where NTHASH is the hex MD4 of the UTF-16LE
 * password (`/etc/winpr/SAM` unless the server context is given another path with
 * `SetContextAttributesW(SECPKG_ATTR_AUTH_NTLM_SAM_FILE)`, which the native provider does
 * for `InitSecurityInterface({ provider: "native", samFile })`). It first looks for the
 * user with the client's domain, then for the user with any domain.
 *
 * @module
 */

/** A SAM user. */
export interface SamUser {
  /** User name. */
  User: string;
  /** Domain (may be empty). */
  Domain: string;
  /** Password (its NT hash is written). */
  Password: string;
}

// RFC 1320 MD4, enough for NT hashes of test passwords.
function md4(msg: Uint8Array): Uint8Array {
  const n = ((msg.length + 8) >>> 6) + 1;
  const words = new Uint32Array(n * 16);
  for (let i = 0; i < msg.length; i++) {
    words[i >>> 2] |= msg[i] << ((i & 3) * 8);
  }
  words[msg.length >>> 2] |= 0x80 << ((msg.length & 3) * 8);
  words[n * 16 - 2] = msg.length * 8;
  let a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
  const rotl = (x: number, s: number) => (x << s) | (x >>> (32 - s));
  const F = (x: number, y: number, z: number) => (x & y) | (~x & z);
  const G = (x: number, y: number, z: number) => (x & y) | (x & z) | (y & z);
  const H = (x: number, y: number, z: number) => x ^ y ^ z;
  for (let blk = 0; blk < words.length; blk += 16) {
    const X = words.subarray(blk, blk + 16);
    const [aa, bb, cc, dd] = [a, b, c, d];
    for (const i of [0, 4, 8, 12]) {
      a = rotl((a + F(b, c, d) + X[i]) | 0, 3);
      d = rotl((d + F(a, b, c) + X[i + 1]) | 0, 7);
      c = rotl((c + F(d, a, b) + X[i + 2]) | 0, 11);
      b = rotl((b + F(c, d, a) + X[i + 3]) | 0, 19);
    }
    for (const i of [0, 1, 2, 3]) {
      a = rotl((a + G(b, c, d) + X[i] + 0x5a827999) | 0, 3);
      d = rotl((d + G(a, b, c) + X[i + 4] + 0x5a827999) | 0, 5);
      c = rotl((c + G(d, a, b) + X[i + 8] + 0x5a827999) | 0, 9);
      b = rotl((b + G(c, d, a) + X[i + 12] + 0x5a827999) | 0, 13);
    }
    for (const i of [0, 2, 1, 3]) {
      a = rotl((a + H(b, c, d) + X[i] + 0x6ed9eba1) | 0, 3);
      d = rotl((d + H(a, b, c) + X[i + 8] + 0x6ed9eba1) | 0, 9);
      c = rotl((c + H(d, a, b) + X[i + 4] + 0x6ed9eba1) | 0, 11);
      b = rotl((b + H(c, d, a) + X[i + 12] + 0x6ed9eba1) | 0, 15);
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  [a, b, c, d].forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[i * 2] = s.charCodeAt(i) & 0xff;
    out[i * 2 + 1] = s.charCodeAt(i) >>> 8;
  }
  return out;
}

/**
 * The NT hash (MD4 of the UTF-16LE password) as lowercase hex.
 *
 * @example
 * ```ts
 * import { ntHashHex } from "./winpr_sam.ts";
 * ntHashHex("Password"); // "a4f49c406510bdcab6824ee7c30fd852" (MS-NLMP 4.2.2.1.2)
 * ```
 */
export function ntHashHex(password: string): string {
  return [...md4(utf16le(password))].map((x) => x.toString(16).padStart(2, "0"))
    .join("");
}

/** The SAM file text for `users`. */
export function samText(users: SamUser[]): string {
  return users.map((u) =>
    `${u.User}:${u.Domain}::${ntHashHex(u.Password)}:::\n`
  )
    .join("");
}

/**
 * Writes a SAM file for `users` to a new temporary path and returns the path (remove it
 * with `Deno.remove` when done).
 *
 * @example
 * ```ts ignore
 * import { writeSamFile } from "./winpr_sam.ts";
 * const path = await writeSamFile([{ User: "alice", Domain: "CONTOSO", Password: "pw" }]);
 * ```
 */
export async function writeSamFile(users: SamUser[]): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "winpr_sam_" });
  await Deno.writeTextFile(path, samText(users));
  return path;
}
