/**
 * The TLS 1.3 server state machine: one flight answers the ClientHello (ServerHello,
 * EncryptedExtensions, optional CertificateRequest, Certificate, CertificateVerify,
 * Finished; only EncryptedExtensions and Finished when it resumes a session with
 * one of our tickets); the client's Finished (after its certificate, when asked)
 * completes it, answered by a NewSessionTicket (`resume.ts`).
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";

import {
  type Certificate,
  sign,
  signatureSchemes,
  verifySignature,
} from "../../pki/mod.ts";
import {
  ALERT_DECRYPT_ERROR,
  ALERT_HANDSHAKE_FAILURE,
  ALERT_ILLEGAL_PARAMETER,
  ALERT_NO_APPLICATION_PROTOCOL,
  ALERT_PROTOCOL_VERSION,
  HS_CERTIFICATE,
  HS_CERTIFICATE_REQUEST,
  HS_CERTIFICATE_VERIFY,
  HS_CLIENT_HELLO,
  HS_ENCRYPTED_EXTENSIONS,
  HS_FINISHED,
  HS_NEW_SESSION_TICKET,
  HS_SERVER_HELLO,
  TLS13,
  TLS13_SIGNATURE_SCHEMES,
} from "./constants.ts";
import { Tls12Server } from "./server12.ts";
import { findSession12, Tls12ResumedServer } from "./resume12.ts";
import { newKeyShare, sharedSecret } from "./kex.ts";
import { TlsEngine, unexpected } from "./engine.ts";
import {
  AES128_SHA256,
  deriveSecret,
  finishedMac,
  handshakeSecret,
  masterSecret,
  type Tls13Suite,
} from "./keys.ts";
import {
  certificateVerifyInput,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeHelloRetryRequest,
  encodeServerHello,
  parseCertificate,
  parseCertificateVerify,
  parseClientHello,
} from "./messages.ts";
import { RecordCipher } from "./record.ts";
import type { SchannelCredential } from "./credentials.ts";
import { handshakeMessage, TlsAlert } from "./wire.ts";
import { parsePeerChain, requireFinished, requireTrusted } from "./peer.ts";
import {
  findTicket,
  type FoundTicket,
  newTicket,
  requireBinder,
  sessionIdOf,
  takesTickets,
} from "./resume.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_APPLICATION_PROTOCOL_MISMATCH,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";

type State = "hello" | "cert" | "cv" | "finished" | "done";

/** A TLS 1.3 server. */
export class TlsServer extends TlsEngine {
  #cred: SchannelCredential;
  #askCertificate: boolean;
  #state: State = "hello";
  #cHs: Uint8Array | null = null;
  #cAp: Uint8Array | null = null;
  #legacy: Tls12Server | Tls12ResumedServer | null = null;
  #retryGroup = 0;
  /** The TLS 1.3 suite chosen (its hash runs the key schedule). */
  #suite: Tls13Suite = AES128_SHA256;
  /** The host name the client asked for (SNI). */
  serverName: string | null = null;
  /** The client's chain, when it sent one (DER, leaf first). */
  peerChain: Uint8Array[] = [];
  /** The client's leaf, parsed. */
  peerLeaf: Certificate | null = null;
  /**
   * Whether a NewSessionTicket may go out with the last output token (set by the
   * context for each step: a caller with no output token buffer, a wrapping
   * package such as CredSSP, gets none). Only clients that list psk_dhe_ke in
   * `psk_key_exchange_modes` get one (RFC 8446 4.2.9).
   */
  issueTicket = true;
  #master: Uint8Array | null = null;
  /** The transcript hash through our Finished (the exporter's). */
  #serverFinishedHash: Uint8Array | null = null;
  /** The ticket found in the ClientHello being handled (its PSK wiped on failure). */
  #found: FoundTicket | null = null;
  /** When the session was authenticated by a full handshake (ms). */
  #authTime = 0;
  /** The client allows tickets (`psk_key_exchange_modes` with psk_dhe_ke). */
  #takesTickets = false;

  /**
   * A server; `askCertificate` requests a client certificate (`ASC_REQ_MUTUAL_AUTH`):
   * such connections neither resume (no CertificateRequest after a PSK, RFC 8446
   * 4.3.2) nor get tickets.
   */
  constructor(cred: SchannelCredential, askCertificate: boolean) {
    super(cred.policy);
    this.#cred = cred;
    this.#askCertificate = askCertificate;
  }

  protected onMessage(type: number, body: Uint8Array, raw: Uint8Array): void {
    if (this.#legacy) return this.#legacy.onMessage(type, body, raw);
    switch (this.#state) {
      case "hello":
        if (type !== HS_CLIENT_HELLO) throw unexpected("expected ClientHello");
        this.#clientHello(body, raw);
        return;
      case "cert":
        if (type !== HS_CERTIFICATE) {
          throw unexpected("expected the client's Certificate");
        }
        this.#certificate(body, raw);
        return;
      case "cv":
        if (type !== HS_CERTIFICATE_VERIFY) {
          throw unexpected("expected CertificateVerify");
        }
        this.#certificateVerify(body, raw);
        return;
      case "finished":
        if (type !== HS_FINISHED) throw unexpected("expected Finished");
        this.#finished(body, raw);
        return;
      default:
        throw unexpected("handshake message after Finished");
    }
  }

  #clientHello(body: Uint8Array, raw: Uint8Array): void {
    const ch = parseClientHello(body);
    if (ch.protocols && this.#cred.protocols) {
      this.protocol = this.#cred.protocols.find((p) =>
        ch.protocols!.includes(p)
      ) ?? null;
      if (!this.protocol) {
        throw new TlsAlert(
          ALERT_NO_APPLICATION_PROTOCOL,
          SEC_E_APPLICATION_PROTOCOL_MISMATCH,
          "no application protocol in common",
        );
      }
    }
    if (!ch.versions.includes(TLS13) || !this.policy.allows(TLS13, "server")) {
      // The highest we allow that the client offers: in supported_versions when
      // it sends one, else up to its legacy_version.
      const version = this.policy.legacyVersions("server").find((v) =>
        ch.versions.length ? ch.versions.includes(v) : v <= ch.legacyVersion
      );
      if (version === undefined) {
        throw new TlsAlert(
          ALERT_PROTOCOL_VERSION,
          SEC_E_UNSUPPORTED_FUNCTION,
          "the client offers no TLS version this credential allows",
        );
      }
      if (this.#retryGroup) {
        throw unexpected("a TLS 1.2 ClientHello after a HelloRetryRequest");
      }
      this.serverName = ch.serverName;
      this.requireMessageBoundary();
      // TLS 1.2 sessions by id, under the TLS 1.3 tickets' rules.
      const may = this.#resumable && this.issueTicket;
      const found = may
        ? findSession12(
          this.#cred,
          this.policy,
          ch,
          this.serverName,
          Date.now(),
          version,
        )
        : null;
      this.#legacy = found
        ? new Tls12ResumedServer(this, this.#cred, found)
        : new Tls12Server(
          this,
          this.#cred,
          this.#askCertificate,
          may,
          version,
        );
      this.#legacy.clientHello(ch, raw);
      return;
    }
    // A ticket of ours, if one is offered, alive and usable with the retry's suite.
    let psk = this.#found = this.#resumable
      ? findTicket(
        ch,
        this.#cred.ticketKey(),
        Date.now(),
        this.#cred.sessionLifespan,
      )
      : null;
    if (
      psk && (
        (this.#retryGroup !== 0 && psk.suite !== this.#suite) ||
        !this.policy.suites.some((s) => s.id === psk!.suite.id)
      )
    ) {
      psk = this.#drop(psk);
    }
    // The ticket's suite, else our first suite the client offers (after a retry:
    // the one the retry named).
    const suite = psk?.suite ??
      this.policy.suites.find((s) => ch.suites.includes(s.id));
    if (!suite || (this.#retryGroup !== 0 && suite !== this.#suite)) {
      throw new TlsAlert(
        this.#retryGroup ? ALERT_ILLEGAL_PARAMETER : ALERT_HANDSHAKE_FAILURE,
        this.#retryGroup ? SEC_E_ILLEGAL_MESSAGE : SEC_E_ALGORITHM_MISMATCH,
        this.#retryGroup
          ? "the second ClientHello dropped the suite of the HelloRetryRequest"
          : "the client offers no TLS 1.3 cipher suite this credential allows",
      );
    }
    this.#suite = suite;
    this.cipherBits = suite.keyLen * 8;
    this.cipherSuite = suite.id;
    this.transcript.useSuite(suite);
    const key = this.#cred.key()!;
    const scheme = signatureSchemes(key).find((s) =>
      ch.signatureSchemes.includes(s)
    );
    if (scheme === undefined && !psk) {
      throw new TlsAlert(
        ALERT_HANDSHAKE_FAILURE,
        SEC_E_ALGORITHM_MISMATCH,
        "the client accepts no signature scheme this certificate's key can make",
      );
    }
    // The first group we support that the client sent a share for; none: ask for
    // one (HelloRetryRequest), once.
    const group = this.#cred.groups.find((g) => ch.keyShares.has(g));
    if (
      group === undefined ||
      (this.#retryGroup !== 0 && group !== this.#retryGroup)
    ) {
      const want = this.#cred.groups.find((g) => ch.groups.includes(g));
      if (want === undefined || this.#retryGroup !== 0) {
        throw new TlsAlert(
          this.#retryGroup ? ALERT_ILLEGAL_PARAMETER : ALERT_HANDSHAKE_FAILURE,
          this.#retryGroup ? SEC_E_ILLEGAL_MESSAGE : SEC_E_ALGORITHM_MISMATCH,
          this.#retryGroup
            ? "the second ClientHello lacks the key share asked for"
            : "the client supports none of our key exchange groups",
        );
      }
      this.#retryGroup = want;
      this.#drop(psk); // the second hello offers it again
      this.transcript.add(raw);
      this.requireMessageBoundary();
      this.transcript.restartAfterRetry();
      const hrr = handshakeMessage(
        HS_SERVER_HELLO,
        encodeHelloRetryRequest(ch.sessionId, want, suite.id),
      );
      this.transcript.add(hrr);
      this.send(hrr);
      return;
    }
    this.serverName = ch.serverName;
    this.#takesTickets = takesTickets(ch);
    if (psk) {
      try {
        requireBinder(psk, raw, this.transcript);
      } catch (e) {
        this.#drop(psk);
        throw e;
      }
      this.resumed = true;
      this.sessionId = psk.state.sessionId;
      this.#authTime = psk.state.authTime;
    } else {
      this.#authTime = Date.now();
    }
    this.transcript.add(raw);
    this.requireMessageBoundary();
    const ours = newKeyShare(group);
    this.group = group;
    const pub = ours.publicKey;
    const shared = sharedSecret(ours, ch.keyShares.get(group)!, "client");
    const sh = handshakeMessage(
      HS_SERVER_HELLO,
      encodeServerHello(
        randomBytes(32),
        ch.sessionId,
        group,
        pub,
        suite.id,
        psk ? psk.index : null,
      ),
    );
    this.transcript.add(sh);
    this.send(sh);
    const hs = handshakeSecret(suite, shared, psk ? psk.state.psk : null);
    shared.fill(0);
    this.#drop(psk);
    let th = this.transcript.hash();
    this.#cHs = deriveSecret(suite, hs, "c hs traffic", th);
    const sHs = deriveSecret(suite, hs, "s hs traffic", th);
    this.writeCipher = new RecordCipher(suite, sHs);
    this.readCipher = new RecordCipher(suite, this.#cHs);
    const flight: Uint8Array[] = [];
    const add = (m: Uint8Array) => {
      this.transcript.add(m);
      flight.push(m);
    };
    add(
      handshakeMessage(
        HS_ENCRYPTED_EXTENSIONS,
        encodeEncryptedExtensions(this.protocol),
      ),
    );
    if (this.#askCertificate) {
      add(
        handshakeMessage(
          HS_CERTIFICATE_REQUEST,
          encodeCertificateRequest(
            TLS13_SIGNATURE_SCHEMES,
            this.#cred.issuerList,
          ),
        ),
      );
    }
    if (!this.resumed) {
      add(
        handshakeMessage(
          HS_CERTIFICATE,
          encodeCertificate(
            new Uint8Array(0),
            this.#cred.chain,
            ch.statusRequest ? this.#cred.ocspResponse : null,
          ),
        ),
      );
      const sig = sign(
        key,
        scheme!,
        certificateVerifyInput(true, this.transcript.hash()),
      );
      add(
        handshakeMessage(
          HS_CERTIFICATE_VERIFY,
          encodeCertificateVerify(scheme!, sig),
        ),
      );
    }
    add(
      handshakeMessage(
        HS_FINISHED,
        finishedMac(suite, sHs, this.transcript.hash()),
      ),
    );
    const total = flight.reduce((n, m) => n + m.length, 0);
    const joined = new Uint8Array(total);
    flight.reduce((at, m) => (joined.set(m, at), at + m.length), 0);
    this.send(joined);
    const master = masterSecret(suite, hs);
    th = this.transcript.hash();
    this.#cAp = deriveSecret(suite, master, "c ap traffic", th);
    const sAp = deriveSecret(suite, master, "s ap traffic", th);
    if (!this.resumed) this.sessionId = sessionIdOf(th);
    this.#master = master;
    this.#serverFinishedHash = th;
    this.writeCipher.wipe();
    this.writeCipher = new RecordCipher(suite, sAp);
    for (const s of [hs, sHs, sAp]) s.fill(0);
    this.#state = this.#askCertificate ? "cert" : "finished";
  }

  protected override onChangeCipherSpec(): void {
    if (!this.#legacy) return super.onChangeCipherSpec();
    this.#legacy.onChangeCipherSpec();
  }

  #certificate(body: Uint8Array, raw: Uint8Array): void {
    const { context, chain } = parseCertificate(body);
    if (context.length) {
      throw unexpected("a certificate request context we did not send");
    }
    this.transcript.add(raw);
    const parsed = parsePeerChain(chain, "client");
    const leaf = parsed[0];
    requireTrusted(
      parsed,
      this.#cred.roots(),
      undefined,
      "client",
      this.#cred.revocationCheck(null, this.revocationSink),
    );
    this.peerChain = chain.map((c) => c.slice());
    this.peerLeaf = leaf;
    this.#state = "cv";
  }

  #certificateVerify(body: Uint8Array, raw: Uint8Array): void {
    const { scheme, signature } = parseCertificateVerify(body);
    const input = certificateVerifyInput(false, this.transcript.hash());
    if (
      !TLS13_SIGNATURE_SCHEMES.includes(scheme) ||
      !verifySignature(this.peerLeaf!.publicKey!, scheme, input, signature)
    ) {
      throw new TlsAlert(
        ALERT_DECRYPT_ERROR,
        SEC_E_DECRYPT_FAILURE,
        "the client's CertificateVerify signature is wrong",
      );
    }
    this.transcript.add(raw);
    this.#state = "finished";
  }

  #finished(body: Uint8Array, raw: Uint8Array): void {
    requireFinished(
      finishedMac(this.#suite, this.#cHs!, this.transcript.hash()),
      body,
      "client",
    );
    this.transcript.add(raw);
    this.requireMessageBoundary();
    this.readCipher!.wipe();
    this.readCipher = new RecordCipher(this.#suite, this.#cAp!);
    this.#cHs!.fill(0);
    this.#cAp!.fill(0);
    this.keepMaster13(this.#suite, this.#master!, this.#serverFinishedHash!);
    this.#state = "done";
    this.connected = true;
    if (this.issueTicket && this.#resumable && this.#takesTickets) {
      this.#sendTicket();
    }
    this.#master?.fill(0);
    this.#master = null;
  }

  /** Whether sessions may be resumed: reconnects allowed, no client certificate asked. */
  get #resumable(): boolean {
    return this.#cred.reconnects && !this.#askCertificate;
  }

  /** One NewSessionTicket for this session (RFC 8446 4.6.1), after the client's Finished. */
  #sendTicket(): void {
    const resMaster = deriveSecret(
      this.#suite,
      this.#master!,
      "res master",
      this.transcript.hash(),
    );
    const body = newTicket(
      this.#cred.ticketKey(),
      this.#suite,
      resMaster,
      { id: this.sessionId, authTime: this.#authTime },
      Date.now(),
      this.#cred.sessionLifespan,
    );
    resMaster.fill(0);
    if (body) this.send(handshakeMessage(HS_NEW_SESSION_TICKET, body));
  }

  /** Wipes a ticket's PSK; null. */
  #drop(psk: FoundTicket | null): null {
    psk?.state.psk.fill(0);
    return null;
  }

  /** Wipes keys and the master secret. */
  override wipe(): void {
    this.#legacy?.wipe(); // before the engine's ciphers go
    super.wipe();
    this.#drop(this.#found);
    this.#master?.fill(0);
    this.#master = null;
  }
}
