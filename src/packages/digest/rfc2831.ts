/**
 * SASL DIGEST-MD5 computations (RFC 2831 section 2.1.2.1 and 2.3/2.4): A1 with the
 * raw MD5 of `username:realm:passwd`, `response`, `rspauth`, and the integrity and
 * confidentiality keys Kic/Kis/Kcc/Kcs.
 *
 * @module
 */
import { md5 } from "../../crypto/mod.ts";
import { concat, toHex } from "../../util/bytes.ts";

const enc = new TextEncoder();

/** The SASL ciphers of RFC 2831 section 2.1.1, strongest first. */
export type SaslCipher = "rc4" | "3des" | "des" | "rc4-56" | "rc4-40";

/** Every cipher, strongest first. */
export const SASL_CIPHERS: readonly SaslCipher[] = Object.freeze([
  "rc4",
  "3des",
  "des",
  "rc4-56",
  "rc4-40",
]);

/** The fields of a digest-response that A1 and A2 cover. */
export interface SaslFields {
  /** The user name. */
  username: string;
  /** The realm. */
  realm: string;
  /** The server nonce. */
  nonce: string;
  /** The client nonce. */
  cnonce: string;
  /** The nonce count, 8 hex digits. */
  nc: string;
  /** `auth`, `auth-int` or `auth-conf`. */
  qop: string;
  /** `digest-uri` (`serv-type/host[/serv-name]`). */
  digestUri: string;
  /** The authorization id, when one is sent. */
  authzid?: string;
}

/** `H({username ":" realm ":" passwd})`, the 16 raw bytes RFC 2831 calls the user's secret. */
export function userSecret(
  username: string,
  realm: string,
  password: string,
): Uint8Array {
  return md5(enc.encode(`${username}:${realm}:${password}`));
}

/** `H(A1)` (raw, 16 bytes): `MD5({ secret, ":" nonce ":" cnonce [":" authzid] })`. */
export function saslHA1(secret: Uint8Array, f: SaslFields): Uint8Array {
  const tail = `:${f.nonce}:${f.cnonce}` +
    (f.authzid !== undefined && f.authzid !== "" ? `:${f.authzid}` : "");
  return md5(concat(secret, enc.encode(tail)));
}

function a2(prefix: string, f: SaslFields): string {
  return `${prefix}:${f.digestUri}` +
    (f.qop === "auth-int" || f.qop === "auth-conf"
      ? ":00000000000000000000000000000000"
      : "");
}

function kd(ha1: Uint8Array, f: SaslFields, a2s: string): string {
  const ha2 = toHex(md5(enc.encode(a2s)));
  return toHex(
    md5(enc.encode(
      `${toHex(ha1)}:${f.nonce}:${f.nc}:${f.cnonce}:${f.qop}:${ha2}`,
    )),
  );
}

/** `response-value` of the client (A2 = `"AUTHENTICATE:" digest-uri [...]`). */
export function saslResponse(ha1: Uint8Array, f: SaslFields): string {
  return kd(ha1, f, a2("AUTHENTICATE", f));
}

/** `rspauth` of the server (A2 = `":" digest-uri [...]`). */
export function saslRspauth(ha1: Uint8Array, f: SaslFields): string {
  return kd(ha1, f, a2("", f));
}

const MAGIC = {
  kic: "Digest session key to client-to-server signing key magic constant",
  kis: "Digest session key to server-to-client signing key magic constant",
  kcc: "Digest H(A1) to client-to-server sealing key magic constant",
  kcs: "Digest H(A1) to server-to-client sealing key magic constant",
};

/** The four session keys of RFC 2831 sections 2.3 and 2.4. */
export interface SaslKeys {
  /** Client-to-server integrity key. */
  kic: Uint8Array;
  /** Server-to-client integrity key. */
  kis: Uint8Array;
  /** Client-to-server confidentiality key (all 16 bytes; ciphers take their part). */
  kcc: Uint8Array;
  /** Server-to-client confidentiality key. */
  kcs: Uint8Array;
}

/** How many bytes of H(A1) the cipher's Kc covers (RFC 2831 2.4: n). */
export function cipherN(cipher: SaslCipher | undefined): number {
  return cipher === "rc4-40" ? 5 : cipher === "rc4-56" ? 7 : 16;
}

/** Derives Kic, Kis, Kcc, Kcs from H(A1) for a cipher. */
export function saslKeys(
  ha1: Uint8Array,
  cipher: SaslCipher | undefined,
): SaslKeys {
  const n = cipherN(cipher);
  return {
    kic: md5(concat(ha1, enc.encode(MAGIC.kic))),
    kis: md5(concat(ha1, enc.encode(MAGIC.kis))),
    kcc: md5(concat(ha1.subarray(0, n), enc.encode(MAGIC.kcc))),
    kcs: md5(concat(ha1.subarray(0, n), enc.encode(MAGIC.kcs))),
  };
}
