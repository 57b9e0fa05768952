/**
 * Schannel benchmark tasks, ours against OpenSSL 3 (`libssl.so.3` through FFI,
 * `tests/peers/openssl_ffi.ts`), both in memory, on the same certificates (made by
 * `tests/schannel/_pki.ts`), suite (TLS_AES_128_GCM_SHA256) and group (x25519):
 *
 * - a full handshake, client and server in this process: ours through
 *   InitializeSecurityContext/AcceptSecurityContext with the chain checked against
 *   the CA and the name, contexts deleted; OpenSSL's with `SSL_do_handshake` on both
 *   ends, the client verifying the chain and the host name, `SSL_free` after. The
 *   OpenSSL server sends no NewSessionTicket (ours sends none), neither side caches
 *   sessions;
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
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_EMPTY,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SecBufferDesc,
} from "../mod.ts";
import {
  OpensslContext,
  opensslFfiStatus,
  opensslHandshake,
  opensslRoundTrip,
} from "../tests/peers/openssl_ffi.ts";
import { testPki } from "../tests/schannel/_pki.ts";
import { acquire, handshake } from "../tests/schannel/_tls.ts";
import type { Pair } from "./run.ts";

/** The certificate kinds measured: P-256 (ECDSA) and RSA-2048 (RSA-PSS). */
export type CertKind = "ec" | "rsa";

/** An open Schannel benchmark: credentials and OpenSSL contexts for both kinds. */
export interface SchannelBench {
  /** Our full handshake with a `kind` server certificate, contexts deleted. */
  oursHandshake(kind: CertKind): () => void;
  /** OpenSSL's full handshake with the same certificate, both `SSL`s freed. */
  opensslHandshake(kind: CertKind): () => void;
  /** Our EncryptMessage+DecryptMessage of `size` bytes on one established pair. */
  oursRoundTrip(size: number): () => void;
  /** OpenSSL's `SSL_write`+`SSL_read` of `size` bytes on one established pair. */
  opensslRoundTrip(size: number): () => void;
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
      const client = acquire("client", { RootCertificates: ca.cert });
      cleanup.push(() => FreeCredentialsHandle(client));
      const server = acquire("server", {
        Certificate: srv.cert,
        PrivateKey: srv.key,
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
    oursRoundTrip(size) {
      // Records on the P-256 pair (the certificate plays no part in records).
      const c = ours.get("ec")!;
      const h = handshake(c.client, c.server, "localhost");
      cleanup.push(() => {
        DeleteSecurityContext(h.client);
        DeleteSecurityContext(h.server);
      });
      return sealRoundTrip(h.client, h.server, size);
    },
    opensslRoundTrip(size) {
      const c = peer.get("ec")!;
      const rt = opensslRoundTrip(c.client, c.server, size, "localhost");
      cleanup.push(rt.free);
      return rt.task;
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
  const record = new Uint8Array(5 + size + 17);
  return () => {
    record.set(data, 5);
    const st = EncryptMessage(
      sender,
      0,
      new SecBufferDesc([
        new SecBuffer(SECBUFFER_STREAM_HEADER, record.subarray(0, 5)),
        new SecBuffer(SECBUFFER_DATA, record.subarray(5, 5 + size)),
        new SecBuffer(SECBUFFER_STREAM_TRAILER, record.subarray(5 + size)),
        new SecBuffer(SECBUFFER_EMPTY),
      ]),
      0,
    );
    if (st !== SEC_E_OK) {
      throw new Error(`EncryptMessage: 0x${st.toString(16)}`);
    }
    const bufs = [
      new SecBuffer(SECBUFFER_DATA, record),
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

/** The rows of the "Schannel (TLS 1.3) vs OpenSSL 3" section of `run.ts`. */
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
    ...[64, 1024, 16384].map((size) => ({
      label: `EncryptMessage+DecryptMessage ${SIZE_LABEL[size]} (one record)`,
      ours: b.oursRoundTrip(size),
      peer: b.opensslRoundTrip(size),
      peerName,
    })),
  ];
}
