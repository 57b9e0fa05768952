/**
 * Schannel benchmark tasks, ours against OpenSSL 3 (`libssl.so.3` through FFI,
 * `tests/peers/openssl_ffi.ts`), both in memory, on the same certificates (made by
 * `tests/schannel/_pki.ts`), suite (TLS_AES_128_GCM_SHA256) and group (x25519):
 *
 * - a full handshake, client and server in this process: ours through
 *   InitializeSecurityContext/AcceptSecurityContext with the chain checked against
 *   the CA and the name, contexts deleted; OpenSSL's with `SSL_do_handshake` on both
 *   ends, the client verifying the chain and the host name, `SSL_free` after. No
 *   NewSessionTicket either way (`SCH_CRED_DISABLE_RECONNECTS` on our credentials,
 *   no tickets from OpenSSL's server), neither side caches sessions;
 * - a resumed TLS 1.3 handshake (PSK with x25519, RFC 8446 2.2), each round with the
 *   ticket of the round before: ours offered from the client credential's cache,
 *   taken by our server, whose one new ticket the client's DecryptMessage keeps;
 *   OpenSSL's client given the last `SSL_SESSION` (`SSL_set_session`), its server
 *   sending one ticket, read with `SSL_read` and kept with `SSL_get1_session`;
 * - a record round trip on one established pair: EncryptMessage on our client and
 *   DecryptMessage on our server over one buffer (the Win32 stream layout: header,
 *   data, trailer), against `SSL_write` on OpenSSL's client, the bytes moved from its
 *   memory BIO to the server's, and `SSL_read`.
 *
 * @module
 */
import {
  type CredHandle,
  type CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_EMPTY,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SecBufferDesc,
  SECPKG_ATTR_SESSION_INFO,
  SECPKG_ATTR_STREAM_SIZES,
  SSL_SESSION_RECONNECT,
} from "../mod.ts";
import { SCH_CRED_DISABLE_RECONNECTS } from "../src/packages/schannel/mod.ts";
import {
  OpensslContext,
  OpensslEndpoint,
  opensslFfiStatus,
  opensslHandshake,
  opensslRoundTrip,
} from "../tests/peers/openssl_ffi.ts";
import { testPki } from "../tests/schannel/_pki.ts";
import { acquire, handshake } from "../tests/schannel/_tls.ts";
import type { Pair } from "./pair.ts";

/** The CBC suite of the TLS 1.2 record rows (OpenSSL's ECDHE-ECDSA-AES128-SHA). */
const CBC_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA";

/** The certificate kinds measured: P-256 (ECDSA) and RSA-2048 (RSA-PSS). */
export type CertKind = "ec" | "rsa";

/** An open Schannel benchmark: credentials and OpenSSL contexts for both kinds. */
export interface SchannelBench {
  /** Our full handshake with a `kind` server certificate, contexts deleted. */
  oursHandshake(kind: CertKind): () => void;
  /** OpenSSL's full handshake with the same certificate, both `SSL`s freed. */
  opensslHandshake(kind: CertKind): () => void;
  /**
   * Our EncryptMessage+DecryptMessage of `size` bytes on one established pair
   * (TLS 1.3 AES-128-GCM, or with `cbc` TLS 1.2 ECDHE-ECDSA-AES128-SHA).
   */
  oursRoundTrip(size: number, cbc?: boolean): () => void;
  /** OpenSSL's `SSL_write`+`SSL_read` of `size` bytes on one established pair. */
  opensslRoundTrip(size: number, cbc?: boolean): () => void;
  /** Our resumed TLS 1.3 handshake (the ticket of the round before), contexts deleted. */
  oursResumed(): () => void;
  /** OpenSSL's resumed handshake (the session of the round before), both freed. */
  opensslResumed(): () => void;
  /** Frees the credentials, contexts and connections. */
  close(): void;
}

/**
 * Makes the certificates and opens both stacks; a message (rows to skip) when the
 * `openssl` command or OpenSSL 3's libraries are missing.
 */
export async function openSchannelBench(): Promise<SchannelBench | string> {
  const st = opensslFfiStatus();
  if (!st.available) {
    return `OpenSSL 3 not available through FFI (${st.reason}); install libssl3`;
  }
  let pki;
  try {
    pki = await testPki();
  } catch (e) {
    return `test certificates not made: ${(e as Error).message}`;
  }
  if (!pki) return "the openssl command is missing; install openssl";
  const p = pki;
  const cleanup: (() => void)[] = [];
  const ours = new Map<CertKind, { client: CredHandle; server: CredHandle }>();
  const peer = new Map<
    CertKind,
    { client: OpensslContext; server: OpensslContext }
  >();
  try {
    for (const kind of ["ec", "rsa"] as const) {
      const [srv, ca] = kind === "ec"
        ? [p.ecServer, p.ecCa]
        : [p.rsaServer, p.rsaCa];
      const client = acquire("client", {
        RootCertificates: ca.cert,
        dwFlags: SCH_CRED_DISABLE_RECONNECTS,
      });
      cleanup.push(() => FreeCredentialsHandle(client));
      const server = acquire("server", {
        Certificate: srv.cert,
        PrivateKey: srv.key,
        dwFlags: SCH_CRED_DISABLE_RECONNECTS,
      });
      cleanup.push(() => FreeCredentialsHandle(server));
      ours.set(kind, { client, server });
      const oc = new OpensslContext("client", { caFile: ca.certPath });
      cleanup.push(() => oc.free());
      const os = new OpensslContext("server", {
        certFile: srv.certPath,
        keyFile: srv.keyPath,
        tickets: 0,
      });
      cleanup.push(() => os.free());
      peer.set(kind, { client: oc, server: os });
    }
  } catch (e) {
    for (const f of cleanup.reverse()) f();
    return `setting up failed: ${(e as Error).message}`;
  }
  return {
    oursHandshake(kind) {
      const c = ours.get(kind)!;
      return () => {
        const h = handshake(c.client, c.server, "localhost");
        DeleteSecurityContext(h.client);
        DeleteSecurityContext(h.server);
      };
    },
    opensslHandshake(kind) {
      const c = peer.get(kind)!;
      return () => opensslHandshake(c.client, c.server, "localhost");
    },
    oursRoundTrip(size, cbc) {
      // Records on the P-256 pair (the certificate plays no part in records).
      const c = ours.get("ec")!;
      let client = c.client;
      if (cbc) {
        client = acquire("client", {
          RootCertificates: p.ecCa.cert,
          dwFlags: SCH_CRED_DISABLE_RECONNECTS,
          CipherSuites: [CBC_SUITE],
        });
        cleanup.push(() => FreeCredentialsHandle(client));
      }
      const h = handshake(client, c.server, "localhost");
      cleanup.push(() => {
        DeleteSecurityContext(h.client);
        DeleteSecurityContext(h.server);
      });
      return sealRoundTrip(h.client, h.server, size);
    },
    opensslRoundTrip(size, cbc) {
      let c = peer.get("ec")!;
      if (cbc) {
        const tls12Ciphers = "ECDHE-ECDSA-AES128-SHA";
        c = {
          client: new OpensslContext("client", {
            caFile: p.ecCa.certPath,
            tls12Ciphers,
            // TLS 1.2 wants the ECDSA certificate's curve among the groups.
            groups: "X25519:P-256",
          }),
          server: new OpensslContext("server", {
            certFile: p.ecServer.certPath,
            keyFile: p.ecServer.keyPath,
            tickets: 0,
            tls12Ciphers,
            groups: "X25519:P-256",
          }),
        };
        const { client, server } = c;
        cleanup.push(() => (client.free(), server.free()));
      }
      const rt = opensslRoundTrip(c.client, c.server, size, "localhost");
      cleanup.push(rt.free);
      return rt.task;
    },
    oursResumed() {
      // Credentials that resume (the P-256 certificate; none is sent anyway).
      const client = acquire("client", { RootCertificates: p.ecCa.cert });
      const server = acquire("server", {
        Certificate: p.ecServer.cert,
        PrivateKey: p.ecServer.key,
      });
      cleanup.push(() => {
        FreeCredentialsHandle(client);
        FreeCredentialsHandle(server);
      });
      const once = () => {
        const h = handshake(client, server, "localhost");
        DeleteSecurityContext(h.client);
        DeleteSecurityContext(h.server);
      };
      once(); // the first ticket
      const h = handshake(client, server, "localhost");
      const info: { value?: { dwFlags: number } } = {};
      QueryContextAttributes(h.server, SECPKG_ATTR_SESSION_INFO, info);
      DeleteSecurityContext(h.client);
      DeleteSecurityContext(h.server);
      if (!((info.value?.dwFlags ?? 0) & SSL_SESSION_RECONNECT)) {
        throw new Error("our handshake did not resume");
      }
      return once;
    },
    opensslResumed() {
      const client = new OpensslContext("client", { caFile: p.ecCa.certPath });
      const server = new OpensslContext("server", {
        certFile: p.ecServer.certPath,
        keyFile: p.ecServer.keyPath,
        tickets: 1,
      });
      const r = new OpensslResumption(client, server, "localhost");
      cleanup.push(() => {
        r.free();
        client.free();
        server.free();
      });
      r.handshake(); // the first session
      if (!r.handshake()) throw new Error("OpenSSL's handshake did not resume");
      return () => void r.handshake();
    },
    close() {
      for (const f of cleanup.reverse()) f();
      cleanup.length = 0;
    },
  };
}

/**
 * A task: `size` bytes copied into one record buffer, EncryptMessage on `sender`
 * (header, data and trailer in place), DecryptMessage on `receiver` over the whole
 * record (plaintext in place), the plaintext length checked.
 */
export function sealRoundTrip(
  sender: CtxtHandle,
  receiver: CtxtHandle,
  size: number,
): () => void {
  const data = new Uint8Array(size).fill(7);
  const sizes: { value?: { cbHeader: number; cbTrailer: number } } = {};
  QueryContextAttributes(sender, SECPKG_ATTR_STREAM_SIZES, sizes);
  const h = sizes.value!.cbHeader;
  const record = new Uint8Array(h + size + sizes.value!.cbTrailer);
  return () => {
    record.set(data, h);
    const trailer = new SecBuffer(
      SECBUFFER_STREAM_TRAILER,
      record.subarray(h + size),
    );
    const st = EncryptMessage(
      sender,
      0,
      new SecBufferDesc([
        new SecBuffer(SECBUFFER_STREAM_HEADER, record.subarray(0, h)),
        new SecBuffer(SECBUFFER_DATA, record.subarray(h, h + size)),
        trailer,
        new SecBuffer(SECBUFFER_EMPTY),
      ]),
      0,
    );
    if (st !== SEC_E_OK) {
      throw new Error(`EncryptMessage: 0x${st.toString(16)}`);
    }
    const bufs = [
      // The record as sent: a CBC trailer is shorter than the most it may take.
      new SecBuffer(
        SECBUFFER_DATA,
        record.subarray(0, h + size + trailer.cbBuffer),
      ),
      new SecBuffer(SECBUFFER_EMPTY),
      new SecBuffer(SECBUFFER_EMPTY),
      new SecBuffer(SECBUFFER_EMPTY),
    ];
    const dt = DecryptMessage(receiver, new SecBufferDesc(bufs), 0, {
      value: 0,
    });
    if (dt !== SEC_E_OK || bufs[1].cbBuffer !== size) {
      throw new Error(`DecryptMessage: 0x${dt.toString(16)}`);
    }
  };
}

const SIZE_LABEL: Record<number, string> = {
  64: "64 B",
  1024: "1 KiB",
  16384: "16 KiB",
};

/** The rows of the "Schannel vs OpenSSL 3" section of `run.ts` (TLS 1.3, and TLS 1.2 CBC records). */
export function schannelPairs(b: SchannelBench): Pair[] {
  const peerName = "OpenSSL 3.0";
  return [
    {
      label: "full handshake, client+server, P-256 certificate (ECDSA)",
      ours: b.oursHandshake("ec"),
      peer: b.opensslHandshake("ec"),
      peerName,
    },
    {
      label: "full handshake, client+server, RSA-2048 certificate (RSA-PSS)",
      ours: b.oursHandshake("rsa"),
      peer: b.opensslHandshake("rsa"),
      peerName,
    },
    {
      label:
        "TLS 1.3 resumed handshake, client+server (PSK + x25519, one ticket)",
      ours: b.oursResumed(),
      peer: b.opensslResumed(),
      peerName,
    },
    ...[64, 1024, 16384].map((size) => ({
      label: `EncryptMessage+DecryptMessage ${SIZE_LABEL[size]} (one record)`,
      ours: b.oursRoundTrip(size),
      peer: b.opensslRoundTrip(size),
      peerName,
    })),
    ...[64, 1024, 16384].map((size) => ({
      label: `TLS 1.2 AES-128-CBC-SHA records ${
        SIZE_LABEL[size]
      } (MAC-then-encrypt)`,
      ours: b.oursRoundTrip(size, true),
      peer: b.opensslRoundTrip(size, true),
      peerName,
    })),
  ];
}

/**
 * The libssl and libcrypto calls of session reuse, which `tests/peers/openssl_ffi.ts`
 * does not bind: an OpenSSL client must be given its `SSL_SESSION` before its
 * ClientHello, and `OpensslEndpoint` writes that at once.
 */
const REUSE_SSL = {
  SSL_new: { parameters: ["pointer"], result: "pointer" },
  SSL_free: { parameters: ["pointer"], result: "void" },
  SSL_set_bio: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "void",
  },
  SSL_set_connect_state: { parameters: ["pointer"], result: "void" },
  SSL_set1_host: { parameters: ["pointer", "buffer"], result: "i32" },
  SSL_ctrl: { parameters: ["pointer", "i32", "i64", "buffer"], result: "i64" },
  SSL_set_session: { parameters: ["pointer", "pointer"], result: "i32" },
  SSL_get1_session: { parameters: ["pointer"], result: "pointer" },
  SSL_SESSION_free: { parameters: ["pointer"], result: "void" },
  SSL_session_reused: { parameters: ["pointer"], result: "i32" },
  SSL_set_shutdown: { parameters: ["pointer", "i32"], result: "void" },
  SSL_do_handshake: { parameters: ["pointer"], result: "i32" },
  SSL_get_error: { parameters: ["pointer", "i32"], result: "i32" },
  SSL_read: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
} as const;
const REUSE_CRYPTO = {
  BIO_s_mem: { parameters: [], result: "pointer" },
  BIO_new: { parameters: ["pointer"], result: "pointer" },
  BIO_read: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  BIO_write: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  BIO_ctrl_pending: { parameters: ["pointer"], result: "usize" },
} as const;
const SSL_CTRL_SET_TLSEXT_HOSTNAME = 55;
const SSL_SENT_SHUTDOWN = 1;
const SSL_ERROR_WANT_READ = 2;

interface ReuseLibs {
  ssl: Deno.DynamicLibrary<typeof REUSE_SSL>["symbols"];
  crypto: Deno.DynamicLibrary<typeof REUSE_CRYPTO>["symbols"];
}
let reuseLibs: ReuseLibs | undefined;

/** The same libraries `openssl_ffi.ts` opened (its environment variables, then the usual paths). */
function openReuse(): ReuseLibs {
  if (reuseLibs) return reuseLibs;
  const env = Deno.env.get("OPENSSL_FFI_LIBSSL");
  const pairs: [string, string][] = env
    ? [[env, Deno.env.get("OPENSSL_FFI_LIBCRYPTO") ?? "libcrypto.so.3"]]
    : [
      "/lib/x86_64-linux-gnu/",
      "/usr/lib/x86_64-linux-gnu/",
      "/lib/aarch64-linux-gnu/",
      "",
    ]
      .map((d) => [`${d}libssl.so.3`, `${d}libcrypto.so.3`]);
  for (const [ssl, crypto] of pairs) {
    try {
      const c = Deno.dlopen(crypto, REUSE_CRYPTO).symbols;
      reuseLibs = { ssl: Deno.dlopen(ssl, REUSE_SSL).symbols, crypto: c };
      return reuseLibs;
    } catch {
      // the next place
    }
  }
  throw new Error("libssl.so.3 could not be opened for session reuse");
}

/**
 * OpenSSL handshakes in memory, each client given the session (and ticket) the one
 * before it kept: an `SSL` of `clientCtx` with `SSL_set_session`, against an
 * {@link OpensslEndpoint} of `serverCtx`, whose tickets the client reads.
 */
class OpensslResumption {
  #l = openReuse();
  #session: Deno.PointerValue = null;
  #client: OpensslContext;
  #server: OpensslContext;
  #host: Uint8Array;
  #buf = new Uint8Array(16384 + 256);

  constructor(client: OpensslContext, server: OpensslContext, host: string) {
    this.#client = client;
    this.#server = server;
    this.#host = new TextEncoder().encode(host + "\0");
  }

  /** One handshake (resuming when there is a session); whether it resumed. */
  handshake(): boolean {
    const { ssl, crypto } = this.#l;
    const c = ssl.SSL_new(this.#client.ptr);
    if (!c) throw new Error("SSL_new");
    const rb = crypto.BIO_new(crypto.BIO_s_mem());
    const wb = crypto.BIO_new(crypto.BIO_s_mem());
    ssl.SSL_set_bio(c, rb, wb); // the SSL owns them from here
    const server = new OpensslEndpoint(this.#server);
    try {
      ssl.SSL_set_connect_state(c);
      ssl.SSL_set1_host(c, this.#host);
      ssl.SSL_ctrl(c, SSL_CTRL_SET_TLSEXT_HOSTNAME, 0n, this.#host);
      if (this.#session && ssl.SSL_set_session(c, this.#session) !== 1) {
        throw new Error("SSL_set_session");
      }
      const step = () => {
        const rc = ssl.SSL_do_handshake(c);
        if (rc === 1) return true;
        if (ssl.SSL_get_error(c, rc) !== SSL_ERROR_WANT_READ) {
          throw new Error("SSL_do_handshake");
        }
        return false;
      };
      const take = () => {
        const n = Number(crypto.BIO_ctrl_pending(wb));
        const out = new Uint8Array(n);
        if (n && crypto.BIO_read(wb, out, n) !== n) throw new Error("BIO_read");
        return out;
      };
      const feed = (b: Uint8Array) => {
        if (b.length && crypto.BIO_write(rb, b, b.length) !== b.length) {
          throw new Error("BIO_write");
        }
      };
      let done = step();
      for (let legs = 0; !(done && server.handshakeDone); legs++) {
        if (legs > 8) throw new Error("the OpenSSL handshake did not complete");
        server.feed(take());
        feed(server.take());
        done = step();
      }
      // The server's ticket: SSL_read takes it (no data).
      feed(server.take());
      const n = ssl.SSL_read(c, this.#buf, this.#buf.length);
      if (n > 0 || ssl.SSL_get_error(c, n) !== SSL_ERROR_WANT_READ) {
        throw new Error("SSL_read of the ticket");
      }
      const reused = ssl.SSL_session_reused(c) === 1;
      if (this.#session) ssl.SSL_SESSION_free(this.#session);
      this.#session = ssl.SSL_get1_session(c);
      // A connection freed without a shutdown makes its session not resumable.
      ssl.SSL_set_shutdown(c, SSL_SENT_SHUTDOWN);
      return reused;
    } finally {
      ssl.SSL_free(c);
      server.free();
    }
  }

  /** Frees the session kept. */
  free(): void {
    if (this.#session) this.#l.ssl.SSL_SESSION_free(this.#session);
    this.#session = null;
  }
}
