/**
 * What the TLS 1.3 client and server share: feeding received bytes record by record,
 * reassembling handshake messages, the transcript, alerts, and the record ciphers of
 * each direction. The state machines (`client.ts`, `server.ts`) handle the messages.
 *
 * @module
 */
import {
  ALERT_BAD_CERTIFICATE,
  ALERT_CERTIFICATE_EXPIRED,
  ALERT_CERTIFICATE_REQUIRED,
  ALERT_CERTIFICATE_UNKNOWN,
  ALERT_CLOSE_NOTIFY,
  ALERT_DECRYPT_ERROR,
  ALERT_HANDSHAKE_FAILURE,
  ALERT_PROTOCOL_VERSION,
  ALERT_UNEXPECTED_MESSAGE,
  ALERT_UNKNOWN_CA,
  CT_ALERT,
  CT_APPLICATION_DATA,
  CT_CHANGE_CIPHER_SPEC,
  CT_HANDSHAKE,
  HS_KEY_UPDATE,
  MAX_PLAINTEXT,
  TLS12,
  TLS13,
} from "./constants.ts";
import { type Tls13Suite, Transcript } from "./keys.ts";
import { ExporterSecret } from "./exporter.ts";
import { plainRecord, recordAt, type RecordProtection } from "./record.ts";
import { decodeError, TlsAlert } from "./wire.ts";
import type { PendingRevocation } from "./status_request.ts";
import type { TlsPolicy } from "./credential_attributes.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_CERT_EXPIRED,
  SEC_E_CERT_UNKNOWN,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_NO_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_E_UNTRUSTED_ROOT,
  SEC_I_CONTEXT_EXPIRED,
} from "../../sspi/status.ts";

/** The largest handshake message accepted (certificate chains included). */
const MAX_HANDSHAKE_MESSAGE = 1 << 17;

/** The status for an alert the peer sent. */
export function statusOfPeerAlert(description: number): number {
  switch (description) {
    case ALERT_CLOSE_NOTIFY:
      return SEC_I_CONTEXT_EXPIRED;
    case ALERT_HANDSHAKE_FAILURE:
      return SEC_E_ALGORITHM_MISMATCH;
    case ALERT_PROTOCOL_VERSION:
      return SEC_E_UNSUPPORTED_FUNCTION;
    case ALERT_BAD_CERTIFICATE:
    case ALERT_UNKNOWN_CA:
    case ALERT_CERTIFICATE_UNKNOWN:
      return SEC_E_CERT_UNKNOWN;
    case ALERT_CERTIFICATE_EXPIRED:
      return SEC_E_CERT_EXPIRED;
    case ALERT_CERTIFICATE_REQUIRED:
      return SEC_E_NO_CREDENTIALS;
    case ALERT_DECRYPT_ERROR:
      return SEC_E_DECRYPT_FAILURE;
    default:
      return SEC_E_ILLEGAL_MESSAGE;
  }
}

/** The alert to send for a failed certificate check. */
export function alertOfCertStatus(status: number): number {
  if (status === SEC_E_UNTRUSTED_ROOT) return ALERT_UNKNOWN_CA;
  if (status === SEC_E_CERT_EXPIRED) return ALERT_CERTIFICATE_EXPIRED;
  return ALERT_BAD_CERTIFICATE;
}

/** A received alert, raised out of the record loop. */
export class PeerAlert extends Error {
  /** The alert description. */
  readonly description: number;
  /** Creates one. */
  constructor(description: number) {
    super(`the peer sent TLS alert ${description}`);
    this.name = "PeerAlert";
    this.description = description;
  }
}

/** The outcome of feeding bytes. */
export interface FeedResult {
  /** Bytes consumed (whole records). */
  consumed: number;
  /** Bytes still missing for the next record, when the input ended inside one. */
  missing?: number;
}

/** The record and handshake machinery both roles share. */
export abstract class TlsEngine {
  /**
   * The versions and suites this connection may use: its credential's when the
   * handshake started (a later `SetCredentialsAttributes` does not change them).
   */
  readonly policy: TlsPolicy;
  /** The protocol version in use: TLS 1.3 until a ServerHello says TLS 1.2. */
  version: number = TLS13;
  /**
   * Below TLS 1.3 (`version` TLS12), the version negotiated: TLS 1.2, or TLS 1.1
   * or 1.0 for a client asked to speak them; its records carry it.
   */
  wireVersion: number = TLS12;
  /** Decrypts what the peer sends, once keys exist. */
  readCipher: RecordProtection | null = null;
  /** Encrypts what we send, once keys exist. */
  writeCipher: RecordProtection | null = null;
  /** The handshake transcript. */
  readonly transcript: Transcript = new Transcript();
  /** The record cipher's AES key size in bits (128, or 256 for TLS_AES_256_GCM_SHA384). */
  cipherBits = 128;
  /** The negotiated suite's code point (TLS 1.3 or 1.2) once chosen, 0 until then. */
  cipherSuite = 0;
  /**
   * The (EC)DHE named group of the key exchange (x25519 or secp256r1) once chosen, 0
   * until then; a resumed TLS 1.2 session keeps its full handshake's.
   */
  group = 0;
  /**
   * The key exchange's size in bits when it has no named group: the DH prime's
   * (DHE) or the RSA modulus' (static RSA); 0 for (EC)DHE with a named group.
   */
  exchBits = 0;
  /** Records to send, collected during one step. */
  out: Uint8Array[] = [];
  /** True once our and the peer's Finished are done. */
  connected = false;
  /**
   * True while a client waits for the caller's certificate before its flight
   * (`SEC_I_INCOMPLETE_CREDENTIALS`): nothing more is read until it resumes.
   */
  paused = false;
  /** The ALPN protocol agreed, if any. */
  protocol: string | null = null;
  /** True when the handshake resumed a session (TLS 1.3 PSK, TLS 1.2 session id). */
  resumed = false;
  /**
   * Set by an async step that may fetch revocation information: the chain checks of
   * this step leave their revocation part here (see `revocation_online.ts`).
   */
  revocationSink: PendingRevocation[] | null = null;
  /** The session's id once connected (TLS 1.2: the server's session_id, maybe empty). */
  sessionId: Uint8Array = new Uint8Array(0);
  /**
   * Set once `SECPKG_ATTR_KEYING_MATERIAL_INFO` was: the state machines then keep
   * the exporter's secret ({@link exporter}) when the handshake completes.
   */
  keepExporter = false;
  /** The keying material exporter's secret, kept only when {@link keepExporter}. */
  exporter: ExporterSecret | null = null;
  #hs: Uint8Array = new Uint8Array(0);

  /** An engine that keeps `policy` for its whole life. */
  constructor(policy: TlsPolicy) {
    this.policy = policy;
  }

  /** Handles one whole handshake message (`raw` includes its 4-byte header). */
  protected abstract onMessage(
    type: number,
    body: Uint8Array,
    raw: Uint8Array,
  ): void;

  /** Feeds received bytes until the handshake completes or the bytes end. */
  feed(input: Uint8Array): FeedResult {
    let at = 0;
    while (!this.connected && !this.paused && at < input.length) {
      const r = recordAt(input, at);
      if (typeof r === "number") return { consumed: at, missing: r };
      at = r.end;
      this.#record(r.type, r.header, r.body);
    }
    return { consumed: at };
  }

  #record(type: number, header: Uint8Array, body: Uint8Array): void {
    if (type === CT_CHANGE_CIPHER_SPEC) {
      // RFC 8446 5: a compatibility CCS (one byte, 1) is dropped during the handshake.
      if (body.length !== 1 || body[0] !== 1) {
        throw decodeError("ChangeCipherSpec");
      }
      // TLS 1.2: the peer's keys change here (RFC 5246 7.1).
      if (this.version === TLS12) {
        this.requireMessageBoundary();
        this.onChangeCipherSpec();
      }
      return;
    }
    // A plaintext alert ends the handshake whatever the keys (a peer that failed
    // before it had ours).
    if (
      type === CT_ALERT && body.length === 2 && this.readCipher &&
      this.version === TLS13
    ) {
      return this.#alert(body);
    }
    if (this.readCipher) {
      if (this.version === TLS13 && type !== CT_APPLICATION_DATA) {
        throw unexpected("a plaintext record after the keys changed");
      }
      const inner = this.readCipher.open(header, body.slice());
      if (inner.type === CT_ALERT) return this.#alert(inner.data);
      if (inner.type !== CT_HANDSHAKE) {
        throw unexpected("application data before the handshake completed");
      }
      if (inner.data.length === 0) {
        throw unexpected("an empty handshake record");
      }
      return this.#handshake(inner.data);
    }
    if (type === CT_ALERT) return this.#alert(body);
    if (type !== CT_HANDSHAKE) throw unexpected("a record of the wrong type");
    this.#handshake(body);
  }

  #alert(body: Uint8Array): void {
    if (body.length !== 2) throw decodeError("alert");
    throw new PeerAlert(body[1]);
  }

  #handshake(data: Uint8Array): void {
    let hs = data;
    if (this.#hs.length) {
      hs = new Uint8Array(this.#hs.length + data.length);
      hs.set(this.#hs);
      hs.set(data, this.#hs.length);
    }
    let at = 0;
    while (hs.length - at >= 4) {
      const n = (hs[at + 1] << 16) | (hs[at + 2] << 8) | hs[at + 3];
      if (n > MAX_HANDSHAKE_MESSAGE) {
        throw decodeError("handshake message length");
      }
      if (hs.length - at < 4 + n) break;
      const raw = hs.subarray(at, at + 4 + n);
      at += 4 + n;
      this.#hs = hs.slice(at);
      this.onMessage(raw[0], raw.subarray(4), raw);
      if (this.connected && at < hs.length) {
        throw unexpected("handshake data after Finished");
      }
      // Paused at a key change boundary (the state machine checked it).
      if (this.paused) return;
    }
    this.#hs = hs.slice(at);
  }

  /** TLS 1.2's ChangeCipherSpec from the peer; unexpected unless a state machine takes it. */
  protected onChangeCipherSpec(): void {
    throw unexpected("ChangeCipherSpec");
  }

  /** Fails unless no partial handshake message is pending (before a key change). */
  requireMessageBoundary(): void {
    if (this.#hs.length) {
      throw unexpected("a handshake message spans a key change");
    }
  }

  /** Queues handshake messages for sending, in one or more records. */
  send(messages: Uint8Array): void {
    for (let at = 0; at < messages.length; at += MAX_PLAINTEXT) {
      const part = messages.subarray(
        at,
        Math.min(messages.length, at + MAX_PLAINTEXT),
      );
      this.out.push(
        this.writeCipher
          ? this.writeCipher.record(CT_HANDSHAKE, part)
          : plainRecord(CT_HANDSHAKE, part, this.wireVersion),
      );
    }
  }

  /** The records queued since the last call, joined (and the queue emptied). */
  takeOutput(): Uint8Array | null {
    if (!this.out.length) return null;
    const n = this.out.reduce((s, r) => s + r.length, 0);
    const joined = new Uint8Array(n);
    let at = 0;
    for (const r of this.out) {
      joined.set(r, at);
      at += r.length;
    }
    this.out = [];
    return joined;
  }

  /** An alert record (encrypted once keys exist). */
  alertRecord(description: number): Uint8Array {
    const body = new Uint8Array([
      description === ALERT_CLOSE_NOTIFY ? 1 : 2,
      description,
    ]);
    return this.writeCipher
      ? this.writeCipher.record(CT_ALERT, body)
      : plainRecord(CT_ALERT, body, this.wireVersion);
  }

  /** The application-data ciphers, once connected. */
  ciphers(): { read: RecordProtection; write: RecordProtection } | null {
    return this.connected && this.readCipher && this.writeCipher
      ? { read: this.readCipher, write: this.writeCipher }
      : null;
  }

  /**
   * TLS 1.3: our KeyUpdate record (`update_not_requested`, under the current
   * sending keys); the sending direction then moves to its next traffic secret.
   */
  keyUpdateRecord(): Uint8Array {
    const w = this.writeCipher!;
    const rec = w.record(
      CT_HANDSHAKE,
      Uint8Array.of(HS_KEY_UPDATE, 0, 0, 1, 0),
    );
    this.writeCipher = w.next();
    return rec;
  }

  /** Moves the receiving direction to its next traffic secret (the peer's KeyUpdate). */
  updateReadKey(): void {
    if (this.readCipher) this.readCipher = this.readCipher.next();
  }

  /**
   * TLS 1.3: keeps `exporter_master_secret` when asked for ({@link keepExporter});
   * `master` is the master secret, `hash` the transcript hash through the
   * server's Finished.
   */
  keepMaster13(suite: Tls13Suite, master: Uint8Array, hash: Uint8Array): void {
    if (!this.keepExporter || this.exporter) return;
    this.exporter = ExporterSecret.tls13(suite, master, hash);
  }

  /**
   * TLS 1.2: keeps a copy of the master secret and the randoms (those of the
   * ClientHello and ServerHello in the transcript) when asked for; none without
   * the extended master secret (`ems`).
   */
  keepMaster12(suite: Tls13Suite, master: Uint8Array, ems: boolean): void {
    if (!this.keepExporter || this.exporter) return;
    const ch = this.transcript.message(1);
    const sh = this.transcript.message(2);
    if (!ch || !sh || ch.length < 38 || sh.length < 38) return;
    this.exporter = ExporterSecret.tls12(
      suite,
      master,
      ch.subarray(6, 38),
      sh.subarray(6, 38),
      ems,
    );
  }

  /** Wipes the record keys and the exporter's secret. */
  wipe(): void {
    this.exporter?.wipe();
    this.exporter = null;
    this.readCipher?.wipe();
    this.writeCipher?.wipe();
    this.readCipher = null;
    this.writeCipher = null;
  }
}

/** An `unexpected_message` failure. */
export function unexpected(what: string): TlsAlert {
  return new TlsAlert(
    ALERT_UNEXPECTED_MESSAGE,
    SEC_E_ILLEGAL_MESSAGE,
    `unexpected TLS message: ${what}`,
  );
}
