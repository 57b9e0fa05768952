/**
 * A native TLS 1.3 peer for the Schannel benchmark and interop tests: OpenSSL 3
 * (Debian's `libssl.so.3` and `libcrypto.so.3`) driven through `Deno.dlopen`, in
 * memory. Each endpoint is an `SSL` over two memory BIOs (`BIO_s_mem`): bytes the
 * other side sent go in with {@link OpensslEndpoint.feed}, bytes for it come out with
 * {@link OpensslEndpoint.take}; no sockets, no threads.
 *
 * Contexts are pinned to what our package speaks: TLS 1.3 only, the suite
 * `TLS_AES_128_GCM_SHA256`, the group x25519; no session cache on either side. The
 * server loads its chain and key from PEM files; the client trusts one CA file and
 * checks the host name (`SSL_set1_host`) and sends it as SNI.
 *
 * The library is opened once per process (first use) and stays mapped: OpenSSL
 * registers exit-time cleanup that must still find its code.
 *
 * @module
 */
import { isCI, peerMissing } from "./availability.ts";
import {
  cstr,
  type Libs,
  libs,
  OPENSSL_FFI_INSTALL_HINT,
  OpensslError,
  opensslFfiStatus,
  readCString,
  SSL_CTRL_GET_NEGOTIATED_GROUP,
  SSL_CTRL_SET_DH_AUTO,
  SSL_CTRL_SET_GROUPS_LIST,
  SSL_CTRL_SET_MAX_PROTO_VERSION,
  SSL_CTRL_SET_MIN_PROTO_VERSION,
  SSL_CTRL_SET_SESS_CACHE_MODE,
  SSL_CTRL_SET_TLSEXT_HOSTNAME,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_ZERO_RETURN,
  SSL_FILETYPE_PEM,
  SSL_OP_NO_ENCRYPT_THEN_MAC,
  SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
  SSL_VERIFY_PEER,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  TLSEXT_NAMETYPE_host_name,
} from "./_openssl_lib.ts";
export {
  NID_SECP384R1,
  NID_X25519,
  OPENSSL_FFI_INSTALL_HINT,
  OpensslError,
  opensslFfiStatus,
} from "./_openssl_lib.ts";

/** How a context is made. */
export interface OpensslContextOptions {
  /** Our chain (leaf first) in a PEM file: a server's, or a client certificate. */
  certFile?: string;
  /** The private key of `certFile`, in a PEM file. */
  keyFile?: string;
  /**
   * The CA file to trust: a client then verifies the server's chain, a server asks
   * for a client certificate (and fails the handshake without one).
   */
  caFile?: string;
  /**
   * Server: how many NewSessionTickets to send after the handshake (OpenSSL's
   * default, 2, when not given; the benchmark sets 0 as our server sends none).
   */
  tickets?: number;
  /**
   * The groups allowed, `SSL_CTX_set1_groups_list` syntax (`"P-384"`,
   * `"X25519:P-256"`); `"X25519"` when not given.
   */
  groups?: string;
  /**
   * TLS 1.2 with these suites (`SSL_CTX_set_cipher_list` syntax, `"AES128-SHA"`)
   * instead of TLS 1.3; no encrypt_then_mac, as with Windows and us.
   */
  tls12Ciphers?: string;
  /** With `tls12Ciphers`: TLS 1.1 (0x0302) or 1.0 (0x0301) instead of 1.2. */
  legacyVersion?: number;
}

/**
 * An `SSL_CTX` pinned to TLS 1.3, TLS_AES_128_GCM_SHA256 and x25519 (or the
 * `groups` and TLS 1.2 `tls12Ciphers` of its options).
 */
export class OpensslContext {
  /** The `SSL_CTX *`. */
  readonly ptr: Deno.PointerObject;
  /** Which side its connections take. */
  readonly role: "client" | "server";
  #freed = false;

  /** Makes the context; throws (context freed) when a setting is refused. */
  constructor(role: "client" | "server", opts: OpensslContextOptions = {}) {
    const l = libs();
    const { ssl } = l;
    l.crypto.ERR_clear_error();
    const ptr = ssl.SSL_CTX_new(
      role === "client" ? ssl.TLS_client_method() : ssl.TLS_server_method(),
    );
    if (!ptr) throw new OpensslError("SSL_CTX_new");
    this.ptr = ptr;
    this.role = role;
    try {
      const ctrl = (cmd: number, larg: number, parg: Uint8Array | null) =>
        ssl.SSL_CTX_ctrl(ptr, cmd, BigInt(larg), parg);
      const v = opts.tls12Ciphers
        ? opts.legacyVersion ?? TLS1_2_VERSION
        : TLS1_3_VERSION;
      if (
        ctrl(SSL_CTRL_SET_MIN_PROTO_VERSION, v, null) !== 1n ||
        ctrl(SSL_CTRL_SET_MAX_PROTO_VERSION, v, null) !== 1n
      ) throw new OpensslError("SSL_CTX_set_min/max_proto_version");
      if (opts.tls12Ciphers) {
        if (ssl.SSL_CTX_set_cipher_list(ptr, cstr(opts.tls12Ciphers)) !== 1) {
          throw new OpensslError("SSL_CTX_set_cipher_list");
        }
        ssl.SSL_CTX_set_options(ptr, SSL_OP_NO_ENCRYPT_THEN_MAC);
        // DHE suites: groups sized to the certificate, as `s_server` does.
        ctrl(SSL_CTRL_SET_DH_AUTO, 1, null);
      } else if (
        ssl.SSL_CTX_set_ciphersuites(ptr, cstr("TLS_AES_128_GCM_SHA256")) !== 1
      ) throw new OpensslError("SSL_CTX_set_ciphersuites");
      if (
        ctrl(SSL_CTRL_SET_GROUPS_LIST, 0, cstr(opts.groups ?? "X25519")) !== 1n
      ) {
        throw new OpensslError("SSL_CTX_set1_groups_list");
      }
      // SSL_SESS_CACHE_OFF: nothing kept from one connection to the next.
      ctrl(SSL_CTRL_SET_SESS_CACHE_MODE, 0, null);
      if (role === "server" && (!opts.certFile || !opts.keyFile)) {
        throw new Error("an OpenSSL server needs certFile and keyFile");
      }
      if (opts.certFile && opts.keyFile) {
        if (
          ssl.SSL_CTX_use_certificate_chain_file(ptr, cstr(opts.certFile)) !==
            1
        ) throw new OpensslError("SSL_CTX_use_certificate_chain_file");
        if (
          ssl.SSL_CTX_use_PrivateKey_file(
              ptr,
              cstr(opts.keyFile),
              SSL_FILETYPE_PEM,
            ) !== 1 || ssl.SSL_CTX_check_private_key(ptr) !== 1
        ) throw new OpensslError("SSL_CTX_use_PrivateKey_file");
      }
      if (role === "server" && opts.tickets !== undefined) {
        ssl.SSL_CTX_set_num_tickets(ptr, BigInt(opts.tickets));
      }
      if (opts.caFile) {
        if (
          ssl.SSL_CTX_load_verify_locations(ptr, cstr(opts.caFile), null) !== 1
        ) throw new OpensslError("SSL_CTX_load_verify_locations");
        // A server given a CA file asks for a client certificate and insists.
        ssl.SSL_CTX_set_verify(
          ptr,
          role === "server"
            ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            : SSL_VERIFY_PEER,
          null,
        );
      }
    } catch (e) {
      ssl.SSL_CTX_free(ptr);
      this.#freed = true;
      throw e;
    }
  }

  /** `SSL_CTX_free` (connections made from it keep their own reference). */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    libs().ssl.SSL_CTX_free(this.ptr);
  }
}

/**
 * One side of a TLS connection in OpenSSL, over memory BIOs: feed it what the other
 * side sent, take what it has for the other side. The handshake advances on
 * {@link feed} (and, for a client, on construction) until {@link handshakeDone}.
 */
export class OpensslEndpoint {
  /** The `SSL *`. */
  readonly ptr: Deno.PointerObject;
  #l: Libs;
  #rbio: Deno.PointerObject;
  #wbio: Deno.PointerObject;
  #done = false;
  #freed = false;
  #closed = false;
  #chunk = new Uint8Array(16384 + 256);

  /**
   * A connection from `ctx`; `host` (client): SNI and the name the certificate must
   * carry. A client writes its ClientHello at once (ready for {@link take}).
   */
  constructor(ctx: OpensslContext, host?: string) {
    const l = this.#l = libs();
    const { ssl, crypto } = l;
    l.crypto.ERR_clear_error();
    const p = ssl.SSL_new(ctx.ptr);
    if (!p) throw new OpensslError("SSL_new");
    this.ptr = p;
    const r = crypto.BIO_new(crypto.BIO_s_mem());
    const w = crypto.BIO_new(crypto.BIO_s_mem());
    if (!r || !w) {
      if (r) crypto.BIO_free(r);
      if (w) crypto.BIO_free(w);
      ssl.SSL_free(p);
      throw new OpensslError("BIO_new");
    }
    // The SSL owns both BIOs from here: SSL_free frees them.
    ssl.SSL_set_bio(p, r, w);
    this.#rbio = r;
    this.#wbio = w;
    try {
      if (ctx.role === "client") {
        ssl.SSL_set_connect_state(p);
        if (host) {
          const name = cstr(host);
          if (ssl.SSL_set1_host(p, name) !== 1) {
            throw new OpensslError("SSL_set1_host");
          }
          if (
            ssl.SSL_ctrl(
              p,
              SSL_CTRL_SET_TLSEXT_HOSTNAME,
              BigInt(TLSEXT_NAMETYPE_host_name),
              name,
            ) !== 1n
          ) throw new OpensslError("SSL_set_tlsext_host_name");
        }
        this.#step();
      } else {
        ssl.SSL_set_accept_state(p);
      }
    } catch (e) {
      this.free();
      throw e;
    }
  }

  /** True once `SSL_do_handshake` returned 1. */
  get handshakeDone(): boolean {
    return this.#done;
  }

  /** True once the peer's close_notify was read. */
  get peerClosed(): boolean {
    return this.#closed;
  }

  #step(): void {
    if (this.#done) return;
    const { ssl } = this.#l;
    const rc = ssl.SSL_do_handshake(this.ptr);
    if (rc === 1) {
      this.#done = true;
      return;
    }
    const err = ssl.SSL_get_error(this.ptr, rc);
    if (err !== SSL_ERROR_WANT_READ) {
      throw new OpensslError("SSL_do_handshake", `SSL_get_error ${err}`);
    }
  }

  /** Hands OpenSSL bytes from the other side, and advances the handshake. */
  feed(bytes: Uint8Array): void {
    if (bytes.length) {
      const n = this.#l.crypto.BIO_write(this.#rbio, bytes, bytes.length);
      if (n !== bytes.length) throw new OpensslError("BIO_write");
    }
    this.#step();
  }

  /** Everything OpenSSL wrote for the other side so far (possibly empty). */
  take(): Uint8Array {
    const { crypto } = this.#l;
    const n = Number(crypto.BIO_ctrl_pending(this.#wbio));
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const got = crypto.BIO_read(this.#wbio, out.subarray(at), n - at);
      if (got <= 0) throw new OpensslError("BIO_read");
      at += got;
    }
    return out;
  }

  /**
   * `SSL_write` of all of `data` (OpenSSL cuts it into records of at most 16 KiB);
   * an empty `data` writes nothing (OpenSSL sends no empty records).
   */
  write(data: Uint8Array): void {
    if (!data.length) return;
    const n = this.#l.ssl.SSL_write(this.ptr, data, data.length);
    if (n !== data.length) {
      throw new OpensslError(
        "SSL_write",
        `SSL_get_error ${this.#l.ssl.SSL_get_error(this.ptr, n)}`,
      );
    }
  }

  /**
   * `SSL_read` until OpenSSL wants more bytes: all the application data of the
   * records fed so far (NewSessionTickets and empty records give none). Sets
   * {@link peerClosed} at close_notify.
   */
  read(): Uint8Array {
    const { ssl } = this.#l;
    const parts: Uint8Array[] = [];
    let total = 0;
    const buf = this.#chunk;
    for (;;) {
      const n = ssl.SSL_read(this.ptr, buf, buf.length);
      if (n > 0) {
        parts.push(buf.slice(0, n));
        total += n;
        continue;
      }
      const err = ssl.SSL_get_error(this.ptr, n);
      if (err === SSL_ERROR_WANT_READ) break;
      if (err === SSL_ERROR_ZERO_RETURN) {
        this.#closed = true;
        break;
      }
      throw new OpensslError("SSL_read", `SSL_get_error ${err}`);
    }
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** `SSL_shutdown`: queues our close_notify (then {@link take} it). */
  shutdown(): void {
    if (this.#l.ssl.SSL_shutdown(this.ptr) < 0) {
      throw new OpensslError("SSL_shutdown");
    }
  }

  /**
   * `SSL_key_update`: the next write starts with a KeyUpdate and moves our sending
   * keys on; `requestPeer` asks the other side to update its keys too.
   */
  keyUpdate(requestPeer = false): void {
    if (this.#l.ssl.SSL_key_update(this.ptr, requestPeer ? 1 : 0) !== 1) {
      throw new OpensslError("SSL_key_update");
    }
  }

  /** `SSL_get_verify_result` (0: `X509_V_OK`). */
  verifyResult(): number {
    return Number(this.#l.ssl.SSL_get_verify_result(this.ptr));
  }

  /** `SSL_get_version`, e.g. `TLSv1.3`. */
  version(): string | null {
    return readCString(this.#l.ssl.SSL_get_version(this.ptr));
  }

  /** The negotiated suite's name, e.g. `TLS_AES_128_GCM_SHA256`. */
  cipher(): string | null {
    const c = this.#l.ssl.SSL_get_current_cipher(this.ptr);
    return c ? readCString(this.#l.ssl.SSL_CIPHER_get_name(c)) : null;
  }

  /** The negotiated group's NID (`NID_X25519` for x25519). */
  group(): number {
    return Number(
      this.#l.ssl.SSL_ctrl(this.ptr, SSL_CTRL_GET_NEGOTIATED_GROUP, 0n, null),
    );
  }

  /**
   * `SSL_export_keying_material`: `length` bytes for `label` and `context` (null:
   * none, `use_context` 0), RFC 5705 / RFC 8446 7.5.
   */
  exportKeyingMaterial(
    label: string,
    length: number,
    context: Uint8Array | null = null,
  ): Uint8Array {
    const out = new Uint8Array(length);
    const l = new TextEncoder().encode(label);
    const c = context ?? new Uint8Array(0);
    const ok = this.#l.ssl.SSL_export_keying_material(
      this.ptr,
      out,
      BigInt(length),
      l,
      BigInt(l.length),
      c,
      BigInt(c.length),
      context ? 1 : 0,
    );
    if (ok !== 1) throw new OpensslError("SSL_export_keying_material");
    return out;
  }

  /** Server: the SNI name the client sent. */
  serverName(): string | null {
    return readCString(
      this.#l.ssl.SSL_get_servername(this.ptr, TLSEXT_NAMETYPE_host_name),
    );
  }

  /** `SSL_free` (with its BIOs); safe to call twice. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#l.ssl.SSL_free(this.ptr);
  }
}

/** A connected OpenSSL client and server, both in this process. */
export interface OpensslPair {
  client: OpensslEndpoint;
  server: OpensslEndpoint;
  /** Frees both. */
  free(): void;
}

/**
 * Runs a full handshake between a client of `clientCtx` and a server of `serverCtx`
 * in memory (bytes moved between their BIOs), leaving any NewSessionTickets read by
 * the client; the connected pair. Throws (both freed) when it fails.
 */
export function opensslConnect(
  clientCtx: OpensslContext,
  serverCtx: OpensslContext,
  host = "localhost",
): OpensslPair {
  const client = new OpensslEndpoint(clientCtx, host);
  let server: OpensslEndpoint | undefined;
  try {
    server = new OpensslEndpoint(serverCtx);
    for (
      let legs = 0;
      !(client.handshakeDone && server.handshakeDone);
      legs++
    ) {
      if (legs > 8) throw new Error("the OpenSSL handshake did not complete");
      server.feed(client.take());
      client.feed(server.take());
    }
    // The server's tickets (if any): read, giving no data.
    const tickets = server.take();
    if (tickets.length) {
      client.feed(tickets);
      client.read();
    }
  } catch (e) {
    client.free();
    server?.free();
    throw e;
  }
  const s = server;
  return {
    client,
    server: s,
    free() {
      client.free();
      s.free();
    },
  };
}

/** One full in-memory handshake, client and server, both freed after. */
export function opensslHandshake(
  clientCtx: OpensslContext,
  serverCtx: OpensslContext,
  host = "localhost",
): void {
  opensslConnect(clientCtx, serverCtx, host).free();
}

/**
 * A task sealing `size` bytes with `SSL_write` on the client of one established
 * pair and opening them with `SSL_read` on its server; `free` releases the pair.
 */
export function opensslRoundTrip(
  clientCtx: OpensslContext,
  serverCtx: OpensslContext,
  size: number,
  host = "localhost",
): { task: () => void; free: () => void } {
  const pair = opensslConnect(clientCtx, serverCtx, host);
  const data = new Uint8Array(size).fill(7);
  return {
    task: () => {
      pair.client.write(data);
      pair.server.feed(pair.client.take());
      if (pair.server.read().length !== size) throw new Error("SSL_read");
    },
    free: () => pair.free(),
  };
}

/**
 * Registers a Deno test that needs OpenSSL 3 through FFI: ignored with a printed
 * message when the libraries cannot be opened, failing (through `peerMissing`) under
 * `CI=true`.
 */
export function opensslFfiTest(
  name: string,
  fn: (t: Deno.TestContext) => void | Promise<void>,
): void {
  const st = opensslFfiStatus();
  const skip = !st.available && !isCI();
  if (skip && !warned) {
    warned = true;
    peerMissing("OpenSSL 3 (FFI)", OPENSSL_FFI_INSTALL_HINT, st.reason);
  }
  Deno.test({
    name,
    ignore: skip,
    fn: async (t) => {
      if (!st.available) {
        peerMissing("OpenSSL 3 (FFI)", OPENSSL_FFI_INSTALL_HINT, st.reason);
        return;
      }
      await fn(t);
    },
  });
}
let warned = false;
