/**
 * The TLS 1.2 client flow (RFC 5246 7.3; ECDHE per RFC 8422, DHE_RSA and static RSA
 * per `kex12.ts`), taken when the server answers our ClientHello with TLS 1.2:
 * Certificate, ServerKeyExchange (signed; none with static RSA), optional
 * CertificateRequest, ServerHelloDone; then our ClientKeyExchange, ChangeCipherSpec
 * and Finished, and the server's.
 * A ServerHello that echoes the session_id of a cached session resumes it instead
 * (`resume12.ts`); a full handshake with the extended master secret and a
 * session_id is cached for the target, unless the server asked for our certificate.
 * TLS 1.1 and 1.0, when the credential allows them, take the same flow with their
 * PRF (`prf10.ts`), signatures without schemes and records of their version; their
 * sessions are cached with their version, and resumed only in it.
 *
 * @module
 */

import {
  type Certificate,
  sign,
  signLegacy,
  verifyLegacySignature,
  verifySignature,
} from "../../pki/mod.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { randomBytes } from "../../crypto/mod.ts";
import {
  ALERT_DECRYPT_ERROR,
  ALERT_HANDSHAKE_FAILURE,
  ALERT_ILLEGAL_PARAMETER,
  ALERT_UNSUPPORTED_EXTENSION,
  CT_CHANGE_CIPHER_SPEC,
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  HS_CERTIFICATE,
  HS_CERTIFICATE_REQUEST,
  HS_CERTIFICATE_STATUS,
  HS_CERTIFICATE_VERIFY,
  HS_CLIENT_KEY_EXCHANGE,
  HS_FINISHED,
  HS_NEW_SESSION_TICKET,
  HS_SERVER_HELLO_DONE,
  HS_SERVER_KEY_EXCHANGE,
  SCH_CRED_NO_SERVERNAME_CHECK,
  SIGNATURE_SCHEMES,
  TLS12,
  TLS13,
} from "./constants.ts";
import { type TlsEngine, unexpected } from "./engine.ts";
import { encodeCertificateVerify, type ServerHello } from "./messages.ts";
import {
  encodeCertificate12,
  encodeCertificateVerify10,
  encodeClientKeyExchange,
  parseCertificate12,
  parseCertificateRequest12,
  parseDheServerKeyExchange,
  parseServerKeyExchange,
} from "./messages12.ts";
import {
  type ClientKex12,
  dheAgree,
  requireRsaLeaf,
  rsaKeyTransport,
} from "./kex12.ts";
import {
  cipherKeyLen12,
  finished12,
  masterSecret12,
  suiteFitsVersion,
  suiteInVersion,
  type Tls12Suite,
} from "./prf.ts";
import { plainRecord, type RecordProtection } from "./record.ts";
import { recordCiphers12 } from "./ciphers12.ts";
import { resumesSession, Tls12ResumedClient } from "./resume12.ts";
import type { ClientSession12 } from "./session_cache.ts";
import type { SchannelCredential } from "./credentials.ts";
import { handshakeMessage, TlsAlert } from "./wire.ts";
import { parseCertificateStatus } from "./status_request.ts";
import { parseNewSessionTicket12 } from "./ticket12.ts";
import { type KeyShare, newKeyShare, sharedSecret } from "./kex.ts";
import type { ClientCertChoice, ClientCertRequest } from "./client_auth.ts";
import { parsePeerChain, requireFinished, requireTrusted } from "./peer.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
} from "../../sspi/status.ts";

/** What the TLS 1.3 client hands over when the server picked TLS 1.2. */
export interface Tls12ClientStart {
  /**
   * The suite: code point, key exchange, PRF hash (`crypto`; TLS 1.0/1.1's for
   * those versions) and record protection (AEAD or CBC).
   */
  suite12: Tls12Suite;
  /** The engine (transcript, output, ciphers, results). */
  engine: TlsEngine & {
    peerChain: Uint8Array[];
    peerOcsp: Uint8Array | null;
    peerLeaf: Certificate | null;
    chainStatus: number;
    certAuthorities: Uint8Array[] | null;
    clientCertificate(req: ClientCertRequest): ClientCertChoice | null;
  };
  /** The credential. */
  cred: SchannelCredential;
  /** The server name checked against the certificate. */
  serverName: string | null;
  /** The caller checks the chain. */
  manual: boolean;
  /** The ClientHello's key share (used again when the server picks its group). */
  share: KeyShare;
  /** The two randoms. */
  clientRandom: Uint8Array;
  /** The server's random. */
  serverRandom: Uint8Array;
  /** The server agreed to the extended master secret. */
  ems: boolean;
  /** The signature schemes we offered. */
  schemes: readonly number[];
  /** The cache key (target name). */
  target: string;
  /** The session may go into the cache (reconnects allowed, not inside CredSSP). */
  keep: boolean;
  /** The ServerHello promised a CertificateStatus (`status_request`). */
  statusRequest: boolean;
  /** The ServerHello promised a NewSessionTicket (`session_ticket`, RFC 5077). */
  ticketPromised: boolean;
}

/**
 * The server answered with TLS 1.2 (or 1.1 or 1.0, when allowed): checks its
 * ServerHello (RFC 8446's downgrade sentinels, the suite and its version,
 * renegotiation_info, ALPN), switches `engine` to that version and hands the rest of
 * the handshake to a new {@link Tls12Client}.
 */
export function startTls12(
  engine: Tls12ClientStart["engine"],
  sh: ServerHello,
  raw: Uint8Array,
  o:
    & Pick<
      Tls12ClientStart,
      | "cred"
      | "serverName"
      | "manual"
      | "share"
      | "clientRandom"
      | "target"
      | "keep"
    >
    & { offer: ClientSession12 | null },
): Tls12Client | Tls12ResumedClient {
  const version = sh.legacyVersion;
  const tail = sh.random.subarray(24);
  const policy = engine.policy;
  // RFC 8446 4.1.3: a server of a higher version we also speak marks a downgrade.
  const downgraded = version === TLS12
    ? constantTimeEqual(tail, DOWNGRADE_TLS12) && policy.allows(TLS13, "client")
    : (constantTimeEqual(tail, DOWNGRADE_TLS11) &&
      (policy.allows(TLS13, "client") || policy.allows(TLS12, "client"))) ||
      (constantTimeEqual(tail, DOWNGRADE_TLS12) &&
        policy.allows(TLS13, "client"));
  if (downgraded) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "a server of a higher version answered with a lower one (a downgrade)",
    );
  }
  const offered = policy.suites12.find((x) => x.id === sh.suite);
  if (!offered || !suiteFitsVersion(offered, version)) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "ServerHello chose a suite not offered",
    );
  }
  if (sh.renegotiationInfo && sh.renegotiationInfo.length !== 1) {
    throw new TlsAlert(
      ALERT_HANDSHAKE_FAILURE,
      SEC_E_ILLEGAL_MESSAGE,
      "bad renegotiation_info",
    );
  }
  if (sh.statusRequest && !o.cred.revocation) {
    throw new TlsAlert(
      ALERT_UNSUPPORTED_EXTENSION,
      SEC_E_ILLEGAL_MESSAGE,
      "the server answers a status_request that was not sent",
    );
  }
  if (sh.sessionTicket && !o.keep) {
    throw new TlsAlert(
      ALERT_UNSUPPORTED_EXTENSION,
      SEC_E_ILLEGAL_MESSAGE,
      "the server answers a session_ticket that was not sent",
    );
  }
  if (sh.protocol && !o.cred.protocols?.includes(sh.protocol)) {
    throw new TlsAlert(
      ALERT_ILLEGAL_PARAMETER,
      SEC_E_ILLEGAL_MESSAGE,
      "the server chose a protocol not offered",
    );
  }
  const suite12 = suiteInVersion(offered, version);
  engine.protocol = sh.protocol;
  engine.version = TLS12;
  engine.wireVersion = version;
  engine.cipherBits = cipherKeyLen12(suite12) * 8;
  engine.cipherSuite = suite12.id;
  engine.transcript.useSuite(suite12.crypto);
  engine.transcript.add(raw);
  const { offer, ...rest } = o;
  if (resumesSession(sh, offer)) {
    o.share.secret.fill(0);
    return new Tls12ResumedClient({
      engine,
      cred: o.cred,
      target: o.target,
      session: offer!,
      suite: suite12,
      clientRandom: o.clientRandom,
      serverRandom: sh.random.slice(),
      ticketPromised: sh.sessionTicket,
    });
  }
  // Declined: the server has forgotten it.
  if (offer) o.cred.sessions().drop12(o.target, offer.sessionId);
  offer?.master.fill(0);
  engine.sessionId = sh.sessionId.slice();
  return new Tls12Client({
    ...rest,
    engine,
    suite12,
    serverRandom: sh.random.slice(),
    ems: sh.ems,
    schemes: SIGNATURE_SCHEMES,
    statusRequest: sh.statusRequest,
    ticketPromised: sh.sessionTicket,
  });
}

type State =
  | "cert"
  | "ske"
  | "done?"
  | "flight"
  | "ccs"
  | "finished"
  | "done";

/** The TLS 1.2 part of a client handshake. */
export class Tls12Client {
  #s: Tls12ClientStart;
  #state: State = "cert";
  #shared: Uint8Array | null = null;
  #master: Uint8Array | null = null;
  #pendingRead: RecordProtection | null = null;
  #certRequest: ClientCertRequest | null = null;
  /** The server's RFC 5077 ticket (empty: none this time) and its lifetime hint. */
  #ticket: { lifetimeHint: number; ticket: Uint8Array } | null = null;
  #parsed: Certificate[] = [];
  /** The ClientKeyExchange body. */
  #cke: Uint8Array = new Uint8Array(0);

  /** Starts after the ServerHello. */
  constructor(start: Tls12ClientStart) {
    this.#s = start;
  }

  /** TLS 1.0 or 1.1: no signature schemes on the wire, MD5/SHA-1 signatures. */
  get #legacy(): boolean {
    return this.#s.engine.wireVersion !== TLS12;
  }

  /** One handshake message. */
  onMessage(type: number, body: Uint8Array, raw: Uint8Array): void {
    const e = this.#s.engine;
    switch (this.#state) {
      case "cert": {
        if (type !== HS_CERTIFICATE) throw unexpected("expected Certificate");
        const chain = parseCertificate12(body);
        this.#parsed = parsePeerChain(chain, "server");
        const leaf = this.#parsed[0];
        e.peerChain = chain.map((c) => c.slice());
        e.peerLeaf = leaf;
        e.transcript.add(raw);
        this.#state = "ske";
        return;
      }
      case "ske":
        // RFC 6066 8: a CertificateStatus may follow the Certificate when promised.
        if (
          type === HS_CERTIFICATE_STATUS && this.#s.statusRequest &&
          !e.peerOcsp
        ) {
          e.peerOcsp = parseCertificateStatus(body).slice();
          e.transcript.add(raw);
          return;
        }
        if (this.#s.suite12.kex === "rsa") {
          // RFC 5246 7.4.3: no ServerKeyExchange with static RSA.
          if (type === HS_SERVER_KEY_EXCHANGE) {
            throw unexpected("a ServerKeyExchange with static RSA");
          }
          this.#staticRsa();
          this.#state = "done?";
          return this.onMessage(type, body, raw);
        }
        if (type !== HS_SERVER_KEY_EXCHANGE) {
          throw unexpected("expected ServerKeyExchange");
        }
        this.#serverKeyExchange(body);
        e.transcript.add(raw);
        this.#state = "done?";
        return;
      case "done?":
        if (type === HS_CERTIFICATE_REQUEST && !this.#certRequest) {
          this.#certRequest = parseCertificateRequest12(body, this.#legacy);
          e.certAuthorities = this.#certRequest.authorities;
          e.transcript.add(raw);
          return;
        }
        if (type !== HS_SERVER_HELLO_DONE || body.length) {
          throw unexpected("expected ServerHelloDone");
        }
        e.transcript.add(raw);
        e.requireMessageBoundary();
        this.#state = "flight";
        this.#clientFlight();
        return;
      case "ccs":
        // RFC 5077 3.3: a promised NewSessionTicket comes before the server's
        // ChangeCipherSpec.
        if (
          type !== HS_NEW_SESSION_TICKET || !this.#s.ticketPromised ||
          this.#ticket
        ) {
          throw unexpected("expected ChangeCipherSpec");
        }
        this.#ticket = parseNewSessionTicket12(body);
        e.transcript.add(raw);
        return;
      case "finished": {
        if (type !== HS_FINISHED) throw unexpected("expected Finished");
        requireFinished(
          finished12(
            this.#s.suite12.crypto,
            this.#master!,
            false,
            e.transcript.hash(),
          ),
          body,
          "server",
        );
        e.transcript.add(raw);
        this.#keep();
        e.keepMaster12(this.#s.suite12.crypto, this.#master!, this.#s.ems);
        this.#master!.fill(0);
        this.#state = "done";
        e.connected = true;
        return;
      }
      default:
        throw unexpected("a handshake message out of order");
    }
  }

  /** The server's ChangeCipherSpec: its keys apply from the next record. */
  onChangeCipherSpec(): void {
    if (this.#state !== "ccs") throw unexpected("ChangeCipherSpec");
    if (this.#s.ticketPromised && !this.#ticket) {
      throw unexpected("expected the promised NewSessionTicket");
    }
    this.#s.engine.readCipher = this.#pendingRead;
    this.#state = "finished";
  }

  /**
   * Sends the flight held back while the engine was paused for a client
   * certificate (`SEC_I_INCOMPLETE_CREDENTIALS`), unless it pauses again.
   */
  resumeFlight(): void {
    if (this.#state === "flight") this.#clientFlight();
  }

  /** Wipes the secrets of a handshake that may not have completed. */
  wipe(): void {
    this.#shared?.fill(0);
    this.#master?.fill(0);
    this.#s.share.secret.fill(0);
    if (this.#pendingRead !== this.#s.engine.readCipher) {
      this.#pendingRead?.wipe();
    }
  }

  /**
   * Caches the session just completed for the target (with its version): only with
   * the extended master secret (RFC 7627 5.3), a session_id or an RFC 5077 ticket,
   * and no client certificate asked.
   */
  #keep(): void {
    const s = this.#s;
    const e = s.engine;
    const ticket = this.#ticket?.ticket.length ? this.#ticket : null;
    if (!s.keep || !s.ems || this.#certRequest) return;
    if (!e.sessionId.length && !ticket) return;
    const now = Date.now();
    s.cred.sessions().add12(s.target, {
      // A ticket is offered with an id of ours: echoed when the server takes it.
      sessionId: ticket ? randomBytes(32) : e.sessionId.slice(),
      ...(ticket && {
        ticket: ticket.ticket.slice(),
        ticketExpiry: ticket.lifetimeHint
          ? now + ticket.lifetimeHint * 1000
          : undefined,
      }),
      master: this.#master!.slice(),
      suite: s.suite12.id,
      ...(this.#legacy && { version: e.wireVersion }),
      group: e.group,
      createdAt: Date.now(),
      peerChain: e.peerChain.map((d) => d.slice()),
      verified: !s.manual,
      exchBits: e.exchBits,
    });
  }

  /** Checks a ServerKeyExchange's signature over the randoms and `params`. */
  #verifyParams(params: Uint8Array, scheme: number, signature: Uint8Array) {
    const s = this.#s;
    if (!this.#legacy && !s.schemes.includes(scheme)) {
      throw new TlsAlert(
        ALERT_ILLEGAL_PARAMETER,
        SEC_E_ILLEGAL_MESSAGE,
        "ServerKeyExchange uses a scheme not offered",
      );
    }
    const signed = new Uint8Array(64 + params.length);
    signed.set(s.clientRandom);
    signed.set(s.serverRandom, 32);
    signed.set(params, 64);
    const key = s.engine.peerLeaf!.publicKey!;
    if (
      this.#legacy
        ? !verifyLegacySignature(key, signed, signature)
        : !verifySignature(key, scheme, signed, signature)
    ) {
      throw new TlsAlert(
        ALERT_DECRYPT_ERROR,
        SEC_E_DECRYPT_FAILURE,
        "the ServerKeyExchange signature is wrong",
      );
    }
  }

  /** Checks the server's chain (unless the caller does). */
  #trustServer(): void {
    const s = this.#s;
    if (s.manual) return;
    const host = (s.cred.flags & SCH_CRED_NO_SERVERNAME_CHECK)
      ? undefined
      : s.serverName ?? undefined;
    s.engine.chainStatus = requireTrusted(
      this.#parsed,
      s.cred.roots(),
      host,
      "server",
      s.cred.revocationCheck(s.engine.peerOcsp, s.engine.revocationSink),
    );
  }

  /** Static RSA: the server's certificate checked, our premaster made for it. */
  #staticRsa(): void {
    const s = this.#s;
    s.share.secret.fill(0);
    this.#trustServer();
    // The premaster names the ClientHello's version, the highest we offered.
    const offered = s.engine.policy.legacyVersions("client")[0];
    this.#useKex(rsaKeyTransport(s.engine.peerLeaf!, offered));
  }

  /** Keeps a DHE or static-RSA exchange's premaster and ClientKeyExchange. */
  #useKex(kex: ClientKex12): void {
    this.#shared = kex.premaster;
    this.#cke = kex.clientKeyExchange;
    this.#s.engine.group = 0;
    this.#s.engine.exchBits = kex.bits;
  }

  /** DHE_RSA: the signed group and share checked, our share made. */
  #dheServerKeyExchange(body: Uint8Array): void {
    const s = this.#s;
    s.share.secret.fill(0);
    const ske = parseDheServerKeyExchange(body, this.#legacy);
    requireRsaLeaf(s.engine.peerLeaf!);
    this.#verifyParams(ske.params, ske.scheme, ske.signature);
    this.#trustServer();
    this.#useKex(dheAgree(ske));
  }

  #serverKeyExchange(body: Uint8Array): void {
    const s = this.#s;
    if (s.suite12.kex === "dhe") return this.#dheServerKeyExchange(body);
    const ske = parseServerKeyExchange(body, this.#legacy);
    if (!s.cred.groups.includes(ske.group)) {
      throw new TlsAlert(
        ALERT_ILLEGAL_PARAMETER,
        SEC_E_ALGORITHM_MISMATCH,
        "the server chose a group not offered",
      );
    }
    this.#verifyParams(ske.params, ske.scheme, ske.signature);
    this.#trustServer();
    // TLS 1.2 keys are made for the server's group: the hello's share if it fits.
    const share = ske.group === s.share.group
      ? s.share
      : newKeyShare(ske.group);
    if (share !== s.share) s.share.secret.fill(0);
    s.engine.group = ske.group;
    this.#cke = encodeClientKeyExchange(share.publicKey);
    this.#shared = sharedSecret(share, ske.publicKey, "server");
  }

  #clientFlight(): void {
    const s = this.#s;
    const e = s.engine;
    const add = (m: Uint8Array) => {
      e.transcript.add(m);
      e.send(m);
    };
    let choice: ClientCertChoice | null = null;
    if (this.#certRequest) {
      // None to send without asking the caller: the engine pauses here.
      choice = e.clientCertificate(this.#certRequest);
      if (!choice) return;
      add(handshakeMessage(HS_CERTIFICATE, encodeCertificate12(choice.chain)));
    }
    const signer = choice?.chain.length ? choice : null;
    add(
      handshakeMessage(HS_CLIENT_KEY_EXCHANGE, this.#cke),
    );
    this.#master = masterSecret12(
      this.#s.suite12.crypto,
      this.#shared!,
      s.ems,
      e.transcript.hash(),
      s.clientRandom,
      s.serverRandom,
    );
    this.#shared!.fill(0);
    if (signer) {
      const signed = e.transcript.bytes();
      add(
        handshakeMessage(
          HS_CERTIFICATE_VERIFY,
          this.#legacy
            ? encodeCertificateVerify10(signLegacy(signer.key!, signed))
            : encodeCertificateVerify(
              signer.scheme!,
              sign(signer.key!, signer.scheme!, signed),
            ),
        ),
      );
    }
    const ciphers = recordCiphers12(
      s.suite12,
      this.#master,
      s.clientRandom,
      s.serverRandom,
      e.wireVersion,
    );
    e.out.push(
      plainRecord(CT_CHANGE_CIPHER_SPEC, Uint8Array.of(1), e.wireVersion),
    );
    e.writeCipher = ciphers.client;
    this.#pendingRead = ciphers.server;
    add(
      handshakeMessage(
        HS_FINISHED,
        finished12(s.suite12.crypto, this.#master, true, e.transcript.hash()),
      ),
    );
    this.#state = "ccs";
  }
}
