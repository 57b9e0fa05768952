/**
 * The TLS 1.3 client state machine (RFC 8446 section 2, full handshake with x25519 and
 * certificate authentication of the server; optional client certificate; resumption
 * with a ticket from the credential's session cache, `resume.ts`, or of a TLS 1.2
 * session by id, `resume12.ts`).
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";
import { constantTimeEqual } from "../../util/bytes.ts";

import { type Certificate, sign, verifySignature } from "../../pki/mod.ts";
import {
  ALERT_DECRYPT_ERROR,
  ALERT_HANDSHAKE_FAILURE,
  ALERT_ILLEGAL_PARAMETER,
  ALERT_PROTOCOL_VERSION,
  HS_CERTIFICATE,
  HS_CERTIFICATE_REQUEST,
  HS_CERTIFICATE_VERIFY,
  HS_CLIENT_HELLO,
  HS_ENCRYPTED_EXTENSIONS,
  HS_FINISHED,
  HS_SERVER_HELLO,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  SCH_CRED_NO_SERVERNAME_CHECK,
  SIGNATURE_SCHEMES,
  TLS13,
  TLS13_SIGNATURE_SCHEMES,
} from "./constants.ts";
import { startTls12, type Tls12Client } from "./client12.ts";
import { suiteFitsVersion } from "./prf.ts";
import { clientResumption12, type Tls12ResumedClient } from "./resume12.ts";
import { type KeyShare, newKeyShare, sharedSecret } from "./kex.ts";
import {
  parsePeerChain,
  requireFinished,
  requireTrusted,
  sniName,
} from "./peer.ts";
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
  encodeCertificateVerify,
  encodeClientHello,
  HRR_RANDOM,
  parseCertificate,
  parseCertificateRequest,
  parseCertificateVerify,
  parseEncryptedExtensions,
  parseServerHello,
  type ServerHello,
} from "./messages.ts";
import { parseNewSessionTicket } from "./psk.ts";
import {
  bindHello,
  offerExtensions,
  sessionFromTicket,
  sessionIdOf,
} from "./resume.ts";
import type { ClientSession } from "./session_cache.ts";
import { RecordCipher } from "./record.ts";
import type { SchannelCredential } from "./credentials.ts";
import {
  chooseClientCertificate,
  type ClientCertChoice,
  type ClientCertRequest,
  type ClientCertSource,
} from "./client_auth.ts";
import { handshakeMessage, TlsAlert } from "./wire.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../sspi/status.ts";

type State = "hello" | "ee" | "cert" | "cv" | "finished" | "flight" | "done";

/** A TLS 1.3 client. */
export class TlsClient extends TlsEngine {
  #cred: SchannelCredential;
  #serverName: string | null;
  #manual: boolean;
  #state: State = "hello";
  #share: KeyShare;
  #retried = false;
  /** The TLS 1.3 suite the server chose (its hash runs the key schedule). */
  #suite: Tls13Suite = AES128_SHA256;
  #clientRandom: Uint8Array = new Uint8Array(0);
  #legacy: Tls12Client | Tls12ResumedClient | null = null;
  #sessionId = new Uint8Array(0);
  #hs: Uint8Array | null = null;
  #cHs: Uint8Array | null = null;
  #sHs: Uint8Array | null = null;
  #certRequest: ClientCertRequest & { context: Uint8Array } | null = null;
  /** The master secret and application secrets, kept until our flight is sent. */
  #master: Uint8Array | null = null;
  /** The transcript hash through the server's Finished (the exporter's). */
  #serverFinishedHash: Uint8Array | null = null;
  #cAp: Uint8Array | null = null;
  #sAp: Uint8Array | null = null;
  /** Where this step may take a client certificate from (set by the context). */
  certSource: ClientCertSource = { supplied: null, mayAsk: false };
  /** The CA names of the server's CertificateRequest (TLS 1.3 or 1.2); null: none came. */
  certAuthorities: Uint8Array[] | null = null;
  /** The chain we answered a CertificateRequest with (maybe empty); null: not asked. */
  localChain: Uint8Array[] | null = null;
  /** The server's chain as received (DER, leaf first). */
  peerChain: Uint8Array[] = [];
  /** The server's leaf, parsed. */
  peerLeaf: Certificate | null = null;
  /** The OCSP response the server stapled to its leaf (DER), when asked and sent. */
  peerOcsp: Uint8Array | null = null;
  #parsedChain: Certificate[] = [];
  /** The status of the chain check (SEC_E_OK when skipped by manual validation). */
  chainStatus = SEC_E_OK;
  /** The session offered for resumption (taken from the cache: used once). */
  #offer: ClientSession | null = null;
  /** `resumption_master_secret`, for the tickets that arrive after the handshake. */
  #resMaster: Uint8Array | null = null;
  /** Whether the server's chain of this session was checked by us. */
  #verified = false;
  /** Whether this connection may resume and keep sessions. */
  readonly #resumable: boolean;
  /** TLS 1.2 sessions: whether to keep this one, and the one offered by id. */
  readonly #r12;

  /**
   * A client for `serverName` (SNI and the certificate name check); `resume`: it
   * may take part in session resumption (unless the credential disables
   * reconnects or TLS 1.3).
   */
  constructor(
    cred: SchannelCredential,
    serverName: string | null,
    manual: boolean,
    resume = true,
  ) {
    super(cred.policy);
    this.#cred = cred;
    this.#resumable = resume && cred.reconnects &&
      this.policy.allows(TLS13, "client");
    this.#serverName = serverName;
    this.#manual = manual ||
      (cred.flags & SCH_CRED_MANUAL_CRED_VALIDATION) !== 0;
    this.#r12 = clientResumption12(
      cred,
      this.policy,
      this.#target,
      this.#manual,
      resume,
    );
    this.#sessionId = this.#r12.offer?.sessionId.slice() ?? this.#sessionId;
    this.#share = newKeyShare(cred.groups[0]);
  }

  /** The cache key of this client's sessions: the target name. */
  get #target(): string {
    return this.#serverName ?? "";
  }

  /**
   * The first flight: a ClientHello, offering the newest ticket cached for the
   * target (one whose chain we checked, unless the caller checks it anyway).
   */
  start(): void {
    this.#clientRandom = randomBytes(32);
    if (this.#resumable) {
      this.#offer = this.#cred.sessions().take(
        this.#target,
        Date.now(),
        (s) =>
          (s.verified || this.#manual) &&
          this.policy.suites.some((x) => x.id === s.suite.id),
      );
    }
    this.#sendHello(null);
  }

  /** A ClientHello with our current key share (and a HelloRetryRequest's cookie). */
  #sendHello(cookie: Uint8Array | null): void {
    const legacy = this.policy.legacyVersions("client");
    const body = encodeClientHello({
      random: this.#clientRandom,
      sessionId: this.#sessionId,
      groups: this.#cred.groups,
      keyShareGroup: this.#share.group,
      keyShare: this.#share.publicKey,
      cookie,
      serverName: sniName(this.#serverName),
      signatureSchemes: SIGNATURE_SCHEMES,
      protocols: this.#cred.protocols,
      tls13: this.policy.allows(TLS13, "client"),
      suites: this.policy.suites.map((s) => s.id),
      tls12: legacy.length > 0,
      suites12: this.policy.suites12
        .filter((s) => legacy.some((v) => suiteFitsVersion(s, v)))
        .map((s) => s.id),
      legacyVersions: legacy,
      statusRequest: this.#cred.revocation !== null,
      // TLS 1.2 tickets (RFC 5077): the cached session's, or a request for one.
      sessionTicket: this.#r12.keep
        ? this.#r12.offer?.ticket ?? new Uint8Array(0)
        : null,
      tail: this.#resumable ? offerExtensions(this.#offer, Date.now()) : null,
    });
    const m = handshakeMessage(HS_CLIENT_HELLO, body);
    if (this.#offer) bindHello(this.#offer, m, this.transcript);
    this.transcript.add(m);
    this.send(m);
  }

  protected onMessage(type: number, body: Uint8Array, raw: Uint8Array): void {
    if (this.#legacy) return this.#legacy.onMessage(type, body, raw);
    switch (this.#state) {
      case "hello":
        if (type !== HS_SERVER_HELLO) throw unexpected("expected ServerHello");
        this.#serverHello(body, raw);
        return;
      case "ee":
        if (type !== HS_ENCRYPTED_EXTENSIONS) {
          throw unexpected("expected EncryptedExtensions");
        }
        this.protocol = parseEncryptedExtensions(body);
        if (this.protocol && !this.#cred.protocols?.includes(this.protocol)) {
          throw new TlsAlert(
            ALERT_ILLEGAL_PARAMETER,
            SEC_E_ILLEGAL_MESSAGE,
            "the server chose a protocol not offered",
          );
        }
        this.transcript.add(raw);
        // A resumed handshake has no certificates (RFC 8446 2.2).
        this.#state = this.resumed ? "finished" : "cert";
        return;
      case "cert":
        if (type === HS_CERTIFICATE_REQUEST && !this.#certRequest) {
          this.#certRequest = parseCertificateRequest(body);
          this.certAuthorities = this.#certRequest.authorities;
          this.transcript.add(raw);
          return;
        }
        if (type !== HS_CERTIFICATE) throw unexpected("expected Certificate");
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

  #serverHello(body: Uint8Array, raw: Uint8Array): void {
    const sh = parseServerHello(body);
    if (constantTimeEqual(sh.random, HRR_RANDOM)) return this.#retry(sh, raw);
    if (
      sh.version === 0 &&
      this.policy.legacyVersions("client").includes(sh.legacyVersion)
    ) {
      // The rest of the handshake is Tls12Client's (or a resumed session's).
      this.#legacy = startTls12(this, sh, raw, {
        cred: this.#cred,
        serverName: this.#serverName,
        manual: this.#manual,
        share: this.#share,
        clientRandom: this.#clientRandom,
        target: this.#target,
        ...this.#r12,
      });
      return;
    }
    if (sh.version !== TLS13 || !this.policy.allows(TLS13, "client")) {
      throw new TlsAlert(
        ALERT_PROTOCOL_VERSION,
        SEC_E_UNSUPPORTED_FUNCTION,
        "the server speaks no TLS version this credential allows",
      );
    }
    const suite = this.policy.suites.find((s) => s.id === sh.suite);
    const offer = this.#offer;
    if (
      !suite || (this.#retried && suite !== this.#suite) ||
      sh.keyShareGroup !== this.#share.group ||
      !constantTimeEqual(sh.sessionId, this.#sessionId) ||
      (sh.pskIdentity !== null &&
        (!offer || sh.pskIdentity !== 0 || offer.suite !== suite))
    ) {
      throw new TlsAlert(
        ALERT_ILLEGAL_PARAMETER,
        SEC_E_ILLEGAL_MESSAGE,
        "ServerHello chose parameters not offered",
      );
    }
    if (sh.pskIdentity !== null) {
      // Resumed: the server's chain is the original session's.
      this.resumed = true;
      this.peerChain = offer!.peerChain.map((c) => c.slice());
      this.#verified = offer!.verified;
    }
    this.#suite = suite;
    this.cipherBits = suite.keyLen * 8;
    this.cipherSuite = suite.id;
    this.group = this.#share.group;
    this.transcript.useSuite(suite);
    const shared = sharedSecret(this.#share, sh.keyShare, "server");
    this.transcript.add(raw);
    this.requireMessageBoundary();
    this.#hs = handshakeSecret(
      suite,
      shared,
      this.resumed ? offer!.psk : null,
    );
    shared.fill(0);
    offer?.psk.fill(0);
    if (offer && !this.resumed) this.#offer = null;
    const th = this.transcript.hash();
    this.#cHs = deriveSecret(suite, this.#hs, "c hs traffic", th);
    this.#sHs = deriveSecret(suite, this.#hs, "s hs traffic", th);
    this.readCipher = new RecordCipher(suite, this.#sHs);
    // From here our records (the Finished flight, or an alert) use the handshake key.
    this.writeCipher = new RecordCipher(suite, this.#cHs);
    this.#state = "ee";
  }

  /**
   * A HelloRetryRequest (RFC 8446 4.1.4): the server wants a key share in another
   * group we support; the transcript restarts from the first hello's hash and a
   * second ClientHello goes out. Only one retry is allowed.
   */
  #retry(sh: ServerHello, raw: Uint8Array): void {
    if (this.#retried) throw unexpected("a second HelloRetryRequest");
    const suite = this.policy.suites.find((s) => s.id === sh.suite);
    if (
      sh.version !== TLS13 || !this.policy.allows(TLS13, "client") || !suite
    ) {
      throw new TlsAlert(
        ALERT_ILLEGAL_PARAMETER,
        SEC_E_ILLEGAL_MESSAGE,
        "HelloRetryRequest chose parameters not offered",
      );
    }
    if (
      sh.keyShareGroup === this.#share.group ||
      !this.#cred.groups.includes(sh.keyShareGroup)
    ) {
      throw new TlsAlert(
        ALERT_HANDSHAKE_FAILURE,
        SEC_E_ALGORITHM_MISMATCH,
        `the server asked for key exchange group 0x${
          sh.keyShareGroup.toString(16)
        }, which is not supported`,
      );
    }
    this.#retried = true;
    // The second hello offers the ticket again only with the retry's hash (4.1.4).
    if (this.#offer && this.#offer.suite !== suite) {
      this.#offer.psk.fill(0);
      this.#offer = null;
    }
    this.#share.secret.fill(0);
    this.#share = newKeyShare(sh.keyShareGroup);
    // The first ClientHello is hashed with the suite the retry names.
    this.#suite = suite;
    this.cipherBits = suite.keyLen * 8;
    this.transcript.useSuite(suite);
    this.transcript.restartAfterRetry();
    this.transcript.add(raw);
    this.requireMessageBoundary();
    this.#sendHello(sh.cookie);
  }

  protected override onChangeCipherSpec(): void {
    if (!this.#legacy) return super.onChangeCipherSpec();
    this.#legacy.onChangeCipherSpec();
  }

  #certificate(body: Uint8Array, raw: Uint8Array): void {
    const { context, chain, ocsp } = parseCertificate(body);
    if (context.length) {
      throw unexpected("a certificate request context from the server");
    }
    if (ocsp && !this.#cred.revocation) {
      throw unexpected("an OCSP response that was not asked for");
    }
    this.peerOcsp = ocsp?.slice() ?? null;
    const parsed = parsePeerChain(chain, "server");
    const leaf = parsed[0];
    this.#parsedChain = parsed;
    this.peerChain = chain.map((c) => c.slice());
    this.peerLeaf = leaf;
    this.#verified = !this.#manual;
    this.transcript.add(raw);
    this.#state = "cv";
  }

  #certificateVerify(body: Uint8Array, raw: Uint8Array): void {
    const { scheme, signature } = parseCertificateVerify(body);
    if (!TLS13_SIGNATURE_SCHEMES.includes(scheme)) {
      throw new TlsAlert(
        ALERT_ILLEGAL_PARAMETER,
        SEC_E_ILLEGAL_MESSAGE,
        "CertificateVerify uses a scheme not offered",
      );
    }
    const input = certificateVerifyInput(true, this.transcript.hash());
    if (!verifySignature(this.peerLeaf!.publicKey!, scheme, input, signature)) {
      throw new TlsAlert(
        ALERT_DECRYPT_ERROR,
        SEC_E_DECRYPT_FAILURE,
        "the server's CertificateVerify signature is wrong",
      );
    }
    if (!this.#manual) {
      const host = (this.#cred.flags & SCH_CRED_NO_SERVERNAME_CHECK)
        ? undefined
        : this.#serverName ?? undefined;
      this.chainStatus = requireTrusted(
        this.#parsedChain,
        this.#cred.roots(),
        host,
        "server",
        this.#cred.revocationCheck(this.peerOcsp, this.revocationSink),
      );
    }
    this.transcript.add(raw);
    this.#state = "finished";
  }

  #finished(body: Uint8Array, raw: Uint8Array): void {
    requireFinished(
      finishedMac(this.#suite, this.#sHs!, this.transcript.hash()),
      body,
      "server",
    );
    this.transcript.add(raw);
    this.requireMessageBoundary();
    const s = this.#suite;
    this.#master = masterSecret(s, this.#hs!);
    const th = this.transcript.hash();
    this.#cAp = deriveSecret(s, this.#master, "c ap traffic", th);
    this.#sAp = deriveSecret(s, this.#master, "s ap traffic", th);
    this.#serverFinishedHash = th;
    this.sessionId = this.#offer?.sessionId.slice() ?? sessionIdOf(th);
    this.#state = "flight";
    this.#clientFlight();
  }

  /**
   * The certificate for a CertificateRequest (TLS 1.3's or 1.2's), or null after
   * pausing the handshake: the caller is asked for one
   * (`SEC_I_INCOMPLETE_CREDENTIALS`) and {@link resumeFlight} comes back.
   */
  clientCertificate(req: ClientCertRequest): ClientCertChoice | null {
    const choice = chooseClientCertificate(this.#cred, this.certSource, req);
    this.paused = choice === null;
    if (choice) this.localChain = choice.chain;
    return choice;
  }

  /**
   * Sends the flight a pause held back, with the certificate of this step's
   * {@link certSource}; false while there is still none to send.
   */
  resumeFlight(): boolean {
    this.paused = false;
    const legacy = this.#legacy;
    if (legacy) {
      if ("resumeFlight" in legacy) legacy.resumeFlight();
    } else if (this.#state === "flight") this.#clientFlight();
    return !this.paused;
  }

  /** Our Certificate and CertificateVerify (when asked for) and Finished. */
  #clientFlight(): void {
    const req = this.#certRequest;
    const choice = req ? this.clientCertificate(req) : null;
    if (req && !choice) return;
    if (choice) this.#clientCertificate(req!.context, choice);
    const fin = handshakeMessage(
      HS_FINISHED,
      finishedMac(this.#suite, this.#cHs!, this.transcript.hash()),
    );
    this.transcript.add(fin);
    this.send(fin);
    if (this.#resumable) {
      this.#resMaster = deriveSecret(
        this.#suite,
        this.#master!,
        "res master",
        this.transcript.hash(),
      );
    }
    this.keepMaster13(this.#suite, this.#master!, this.#serverFinishedHash!);
    this.writeCipher!.wipe();
    this.readCipher!.wipe();
    this.writeCipher = new RecordCipher(this.#suite, this.#cAp!);
    this.readCipher = new RecordCipher(this.#suite, this.#sAp!);
    this.#wipeHandshakeSecrets();
    this.#state = "done";
    this.connected = true;
  }

  #wipeHandshakeSecrets(): void {
    for (const k of [this.#hs, this.#cHs, this.#sHs, this.#master]) k?.fill(0);
    this.#cAp?.fill(0);
    this.#sAp?.fill(0);
    this.#master = this.#cAp = this.#sAp = null;
  }

  #clientCertificate(context: Uint8Array, choice: ClientCertChoice): void {
    const cert = handshakeMessage(
      HS_CERTIFICATE,
      encodeCertificate(context, choice.chain),
    );
    this.transcript.add(cert);
    this.send(cert);
    if (!choice.chain.length) return;
    const sig = sign(
      choice.key!,
      choice.scheme!,
      certificateVerifyInput(false, this.transcript.hash()),
    );
    const cv = handshakeMessage(
      HS_CERTIFICATE_VERIFY,
      encodeCertificateVerify(choice.scheme!, sig),
    );
    this.transcript.add(cv);
    this.send(cv);
  }

  /**
   * A NewSessionTicket after the handshake (RFC 8446 4.6.1): kept in the
   * credential's cache for the target, with the session's chain, unless
   * reconnects are disabled. A malformed one is `SEC_E_ILLEGAL_MESSAGE`.
   */
  newSessionTicket(body: Uint8Array): number {
    let t;
    try {
      t = parseNewSessionTicket(body);
    } catch (e) {
      if (e instanceof TlsAlert) return e.status;
      throw e;
    }
    if (!this.#resMaster || this.version !== TLS13) return SEC_E_OK;
    const session = sessionFromTicket(
      t,
      {
        suite: this.#suite,
        resumptionMaster: this.#resMaster,
        peerChain: this.peerChain,
        verified: this.#verified,
        sessionId: this.sessionId,
      },
      Date.now(),
      this.#cred.sessionLifespan,
    );
    if (session) this.#cred.sessions().add(this.#target, session);
    return SEC_E_OK;
  }

  /** Wipes keys, the ephemeral secret and the resumption secrets. */
  override wipe(): void {
    this.#legacy?.wipe(); // before the engine's ciphers go
    this.#r12.offer?.master.fill(0);
    super.wipe();
    this.#share.secret.fill(0);
    this.#offer?.psk.fill(0);
    this.#resMaster?.fill(0);
    this.#resMaster = null;
    this.#wipeHandshakeSecrets();
  }
}
