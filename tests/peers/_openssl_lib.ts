/**
 * OpenSSL 3 (Debian's `libssl.so.3` and `libcrypto.so.3`) opened through
 * `Deno.dlopen` for `openssl_ffi.ts`: the symbols and constants it calls, where
 * the libraries are, whether they load, and their error queue as text.
 *
 * The library is opened once per process (first use) and stays mapped: OpenSSL
 * registers exit-time cleanup that must still find its code.
 *
 * @module
 */

/** What to install when the libraries are missing. */
export const OPENSSL_FFI_INSTALL_HINT = "apt-get install -y libssl3";

const SSL_SYMBOLS = {
  TLS_client_method: { parameters: [], result: "pointer" },
  TLS_server_method: { parameters: [], result: "pointer" },
  SSL_CTX_new: { parameters: ["pointer"], result: "pointer" },
  SSL_CTX_free: { parameters: ["pointer"], result: "void" },
  SSL_CTX_ctrl: {
    parameters: ["pointer", "i32", "i64", "buffer"],
    result: "i64",
  },
  SSL_CTX_set_ciphersuites: {
    parameters: ["pointer", "buffer"],
    result: "i32",
  },
  SSL_CTX_set_num_tickets: { parameters: ["pointer", "usize"], result: "i32" },
  SSL_CTX_set_cipher_list: { parameters: ["pointer", "buffer"], result: "i32" },
  SSL_CTX_set_options: { parameters: ["pointer", "u64"], result: "u64" },
  SSL_CTX_use_certificate_chain_file: {
    parameters: ["pointer", "buffer"],
    result: "i32",
  },
  SSL_CTX_use_PrivateKey_file: {
    parameters: ["pointer", "buffer", "i32"],
    result: "i32",
  },
  SSL_CTX_check_private_key: { parameters: ["pointer"], result: "i32" },
  SSL_CTX_load_verify_locations: {
    parameters: ["pointer", "buffer", "pointer"],
    result: "i32",
  },
  SSL_CTX_set_verify: {
    parameters: ["pointer", "i32", "pointer"],
    result: "void",
  },
  SSL_new: { parameters: ["pointer"], result: "pointer" },
  SSL_free: { parameters: ["pointer"], result: "void" },
  SSL_set_connect_state: { parameters: ["pointer"], result: "void" },
  SSL_set_accept_state: { parameters: ["pointer"], result: "void" },
  SSL_set1_host: { parameters: ["pointer", "buffer"], result: "i32" },
  SSL_ctrl: {
    parameters: ["pointer", "i32", "i64", "buffer"],
    result: "i64",
  },
  SSL_set_bio: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "void",
  },
  SSL_do_handshake: { parameters: ["pointer"], result: "i32" },
  SSL_is_init_finished: { parameters: ["pointer"], result: "i32" },
  SSL_get_error: { parameters: ["pointer", "i32"], result: "i32" },
  SSL_write: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  SSL_read: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  SSL_shutdown: { parameters: ["pointer"], result: "i32" },
  SSL_key_update: { parameters: ["pointer", "i32"], result: "i32" },
  SSL_get_shutdown: { parameters: ["pointer"], result: "i32" },
  SSL_get_verify_result: { parameters: ["pointer"], result: "i64" },
  SSL_get_version: { parameters: ["pointer"], result: "pointer" },
  SSL_get_current_cipher: { parameters: ["pointer"], result: "pointer" },
  SSL_CIPHER_get_name: { parameters: ["pointer"], result: "pointer" },
  SSL_export_keying_material: {
    parameters: [
      "pointer",
      "buffer",
      "usize",
      "buffer",
      "usize",
      "buffer",
      "usize",
      "i32",
    ],
    result: "i32",
  },
  SSL_get_servername: { parameters: ["pointer", "i32"], result: "pointer" },
} as const;

const CRYPTO_SYMBOLS = {
  BIO_s_mem: { parameters: [], result: "pointer" },
  BIO_new: { parameters: ["pointer"], result: "pointer" },
  BIO_free: { parameters: ["pointer"], result: "i32" },
  BIO_read: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  BIO_write: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  BIO_ctrl_pending: { parameters: ["pointer"], result: "usize" },
  ERR_get_error: { parameters: [], result: "u64" },
  ERR_error_string_n: {
    parameters: ["u64", "buffer", "usize"],
    result: "void",
  },
  ERR_clear_error: { parameters: [], result: "void" },
} as const;

export type Ssl = Deno.DynamicLibrary<typeof SSL_SYMBOLS>["symbols"];
export type Crypto = Deno.DynamicLibrary<typeof CRYPTO_SYMBOLS>["symbols"];

// SSL_ctrl / SSL_CTX_ctrl commands behind OpenSSL's macros (ssl.h).
export const SSL_CTRL_SET_SESS_CACHE_MODE = 44;
export const SSL_CTRL_SET_TLSEXT_HOSTNAME = 55;
export const SSL_CTRL_SET_GROUPS_LIST = 92;
export const SSL_CTRL_SET_MIN_PROTO_VERSION = 123;
export const SSL_CTRL_SET_MAX_PROTO_VERSION = 124;
export const SSL_CTRL_GET_NEGOTIATED_GROUP = 134;
export const SSL_CTRL_SET_DH_AUTO = 118;
export const TLS1_3_VERSION = 0x0304;
export const TLS1_2_VERSION = 0x0303;
export const SSL_OP_NO_ENCRYPT_THEN_MAC = 1n << 19n;
export const TLSEXT_NAMETYPE_host_name = 0;
export const SSL_FILETYPE_PEM = 1;
export const SSL_VERIFY_PEER = 1;
export const SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 2;
export const SSL_ERROR_WANT_READ = 2;
export const SSL_ERROR_ZERO_RETURN = 6;
/** `NID_X25519`, what `SSL_get_negotiated_group` answers for x25519. */
export const NID_X25519 = 1034;
/** `NID_secp384r1`, what `SSL_get_negotiated_group` answers for P-384. */
export const NID_SECP384R1 = 715;

/** `libssl` and `libcrypto`, opened. */
export interface Libs {
  ssl: Ssl;
  crypto: Crypto;
}

/** Where the libraries are (Debian's multiarch directory first, then the loader's path). */
const CANDIDATES: [string, string][] = [
  [
    "/lib/x86_64-linux-gnu/libssl.so.3",
    "/lib/x86_64-linux-gnu/libcrypto.so.3",
  ],
  [
    "/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
  ],
  [
    "/lib/aarch64-linux-gnu/libssl.so.3",
    "/lib/aarch64-linux-gnu/libcrypto.so.3",
  ],
  ["libssl.so.3", "libcrypto.so.3"],
];

let opened: Libs | string | undefined;

function load(): Libs | string {
  if (opened !== undefined) return opened;
  const env = Deno.env.get("OPENSSL_FFI_LIBSSL");
  const candidates: [string, string][] = env
    ? [[env, Deno.env.get("OPENSSL_FFI_LIBCRYPTO") ?? "libcrypto.so.3"]]
    : CANDIDATES;
  const reasons: string[] = [];
  for (const [ssl, crypto] of candidates) {
    let c: Deno.DynamicLibrary<typeof CRYPTO_SYMBOLS> | undefined;
    try {
      c = Deno.dlopen(crypto, CRYPTO_SYMBOLS);
      const s = Deno.dlopen(ssl, SSL_SYMBOLS);
      opened = { ssl: s.symbols, crypto: c.symbols };
      return opened;
    } catch (e) {
      c?.close();
      reasons.push(`${ssl}: ${e instanceof Error ? e.message : e}`);
    }
  }
  opened = reasons.join("; ");
  return opened;
}

/** Whether OpenSSL 3 can be used through FFI here, and why not. */
export function opensslFfiStatus(): { available: boolean; reason?: string } {
  const l = load();
  return typeof l === "string"
    ? { available: false, reason: l }
    : { available: true };
}

export function libs(): Libs {
  const l = load();
  if (typeof l === "string") throw new Error(`OpenSSL 3 not available: ${l}`);
  return l;
}

export const cstr = (s: string): Uint8Array =>
  new TextEncoder().encode(s + "\0");

export function readCString(p: Deno.PointerValue): string | null {
  return p ? Deno.UnsafePointerView.getCString(p) : null;
}

/** OpenSSL's error queue as text (emptied), for exceptions. */
export function errors(l: Libs): string {
  const out: string[] = [];
  const buf = new Uint8Array(256);
  for (let e = l.crypto.ERR_get_error(); e; e = l.crypto.ERR_get_error()) {
    l.crypto.ERR_error_string_n(e, buf, BigInt(buf.length));
    out.push(new TextDecoder().decode(buf.subarray(0, buf.indexOf(0))));
  }
  return out.join("; ");
}

/** An OpenSSL failure: the call, and the error queue. */
export class OpensslError extends Error {
  /** Creates one, emptying the error queue into the message. */
  constructor(what: string, detail = "") {
    const l = libs();
    const q = errors(l);
    super(`${what}${detail ? ` (${detail})` : ""}${q ? `: ${q}` : ""}`);
  }
}
