/**
 * The TLS 1.2 server flow (RFC 5246 7.3; ECDHE per RFC 8422, else DHE_RSA or static
 * RSA: suite choice and key exchanges in `kex12_server.ts`), taken when a client
 * does not offer TLS 1.3: ServerHello (with RFC 8446's downgrade sentinel),
 * Certificate, ServerKeyExchange (ECDHE or DHE, signed; none with static RSA),
 * optional CertificateRequest, ServerHelloDone; then the client's flight and our
 * ChangeCipherSpec and Finished.
 * A session that may be resumed gets a random 32-byte session_id and goes into the
 * credential's cache once complete (abbreviated handshakes: `resume12.ts`).
 * TLS 1.1 and 1.0, when the credential allows them and the client offers nothing
 * higher, take the same flow with their PRF (`prf10.ts`), messages and signatures
 * without schemes and records of their version; their sessions are kept with
 * their version, and resumed only in it.
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";

import {
  type Certificate,
  sign,
  signLegacy,
  verifyLegacySignature,
  verifySignature,
} from "../../pki/mod.ts";
import {
  ALERT_DECRYPT_ERROR,
  CT_CHANGE_CIPHER_SPEC,
  HS_CERTIFICATE,
  HS_CERTIFICATE_REQUEST,
  HS_CERTIFICATE_STATUS,
  HS_CERTIFICATE_VERIFY,
  HS_CLIENT_KEY_EXCHANGE,
  HS_FINISHED,
  HS_NEW_SESSION_TICKET,
  HS_SERVER_HELLO,
  HS_SERVER_HELLO_DONE,
  HS_SERVER_KEY_EXCHANGE,
  SIGNATURE_SCHEMES,
  TLS12,
} from "./constants.ts";
import { type TlsEngine, unexpected } from "./engine.ts";
import { type ClientHello, parseCertificateVerify } from "./messages.ts";
import {
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeServerHello12,
  encodeServerKeyExchange,
  parseCertificate12,
  parseCertificateVerify10,
} from "./messages12.ts";
import {
  cipherKeyLen12,
  finished12,
  masterSecret12,
  suiteInVersion,
  type Tls12Suite,
} from "./prf.ts";
import { plainRecord, type RecordProtection } from "./record.ts";
import { recordCiphers12 } from "./ciphers12.ts";
import type { SchannelCredential } from "./credentials.ts";
import { handshakeMessage, TlsAlert } from "./wire.ts";
import { encodeCertificateStatus } from "./status_request.ts";
import {
  encodeNewSessionTicket12,
  sealTicket12,
  TICKET12_LIFETIME,
} from "./ticket12.ts";
import { parsePeerChain, requireFinished, requireTrusted } from "./peer.ts";
import {
  chooseServerSuite12,
  type ServerKex12,
  serverKex12,
  serverRandom12,
} from "./kex12_server.ts";
import { SEC_E_DECRYPT_FAILURE } from "../../sspi/status.ts";

type State = "cert" | "cke" | "cv" | "ccs" | "finished" | "done";

/** The engine as the TLS 1.2 server uses it. */
type Engine = TlsEngine & {
  peerChain: Uint8Array[];
  peerLeaf: Certificate | null;
  serverName: string | null;
};

/** The TLS 1.2 part of a server handshake. */
export class Tls12Server {
  #e: Engine;
  #cred: SchannelCredential;
  #ask: boolean;
  #cacheable: boolean;
  /** An RFC 5077 ticket goes to the client instead of the session cache. */
  #issueTicket = false;
  #state: State = "cke";
  #clientRandom: Uint8Array = new Uint8Array(0);
  #serverRandom: Uint8Array = new Uint8Array(0);
  #ems = false;
  #kex: ServerKex12 | null = null;
  #secret: Uint8Array | null = null;
  #master: Uint8Array | null = null;
  /** The chosen suite's PRF hash and AES key length. */
  /** The suite chosen (its `crypto` the PRF hash: TLS 1.0/1.1's for those). */
  #suite12: Tls12Suite | null = null;
  #version: number;
  #pendingRead: RecordProtection | null = null;
  #pendingWrite: RecordProtection | null = null;

  /**
   * A flow for `engine`; `askCertificate` requests a client certificate;
   * `cacheable`: the session may be resumed later (kept when the client offers
   * the extended master secret); `version`: TLS 1.2, or 1.1 or 1.0 when the
   * credential allows them and the client offers nothing higher.
   */
  constructor(
    engine: Engine,
    cred: SchannelCredential,
    askCertificate: boolean,
    cacheable = false,
    version = TLS12,
  ) {
    this.#e = engine;
    this.#cred = cred;
    this.#ask = askCertificate;
    this.#cacheable = cacheable;
    this.#version = version;
  }

  /** TLS 1.0 or 1.1: their PRF, signatures and messages without schemes. */
  get #legacy(): boolean {
    return this.#version !== TLS12;
  }

  /** Answers a ClientHello that did not offer TLS 1.3 (already parsed; `raw` not yet in the transcript). */
  clientHello(ch: ClientHello, raw: Uint8Array): void {
    const e = this.#e;
    const key = this.#cred.key()!;
    const legacy = this.#legacy;
    const choice = chooseServerSuite12(this.#cred, ch, e.policy, this.#version);
    const chosen = suiteInVersion(choice.suite, this.#version);
    const suite = chosen.id;
    this.#suite12 = chosen;
    this.#e.cipherBits = cipherKeyLen12(chosen) * 8;
    this.#e.cipherSuite = chosen.id;
    this.#clientRandom = ch.random.slice();
    this.#serverRandom = serverRandom12(e.policy, this.#version);
    this.#ems = ch.ems;
    // RFC 7627 5.3: only sessions with the extended master secret are resumed.
    this.#cacheable &&= ch.ems;
    this.#issueTicket = this.#cacheable && this.#cred.tickets12 &&
      ch.sessionTicket !== null;
    e.sessionId = this.#cacheable ? randomBytes(32) : new Uint8Array(0);
    e.version = TLS12;
    e.wireVersion = this.#version;
    e.transcript.useSuite(chosen.crypto);
    e.transcript.add(raw);
    const send = (m: Uint8Array) => {
      e.transcript.add(m);
      e.send(m);
    };
    // OCSP stapling: promised in the ServerHello, sent after the Certificate.
    const staple = ch.statusRequest ? this.#cred.ocspResponse : null;
    send(handshakeMessage(
      HS_SERVER_HELLO,
      encodeServerHello12(this.#serverRandom, e.sessionId, suite, {
        ems: ch.ems,
        renegotiation: ch.renegotiation,
        protocol: e.protocol,
        statusRequest: staple !== null,
        sessionTicket: this.#issueTicket,
        ecPointFormats: chosen.kex === "ecdhe",
        version: this.#version,
      }),
    ));
    send(
      handshakeMessage(HS_CERTIFICATE, encodeCertificate12(this.#cred.chain)),
    );
    if (staple) {
      send(
        handshakeMessage(
          HS_CERTIFICATE_STATUS,
          encodeCertificateStatus(staple),
        ),
      );
    }
    const kex = this.#kex = serverKex12(choice, key, ch.legacyVersion);
    // DHE and static RSA report their size, not a named group (as the client).
    e.group = kex.bits ? 0 : choice.group;
    e.exchBits = kex.bits;
    if (kex.params) {
      const signed = new Uint8Array(64 + kex.params.length);
      signed.set(this.#clientRandom);
      signed.set(this.#serverRandom, 32);
      signed.set(kex.params, 64);
      send(
        handshakeMessage(
          HS_SERVER_KEY_EXCHANGE,
          encodeServerKeyExchange(
            kex.params,
            legacy ? null : choice.scheme,
            legacy ? signLegacy(key, signed) : sign(key, choice.scheme, signed),
          ),
        ),
      );
    }
    if (this.#ask) {
      send(
        handshakeMessage(
          HS_CERTIFICATE_REQUEST,
          encodeCertificateRequest12(
            legacy ? null : SIGNATURE_SCHEMES,
            this.#cred.issuerList,
          ),
        ),
      );
    }
    send(handshakeMessage(HS_SERVER_HELLO_DONE, new Uint8Array(0)));
    this.#state = this.#ask ? "cert" : "cke";
  }

  /** One handshake message from the client. */
  onMessage(type: number, body: Uint8Array, raw: Uint8Array): void {
    const e = this.#e;
    switch (this.#state) {
      case "cert":
        if (type !== HS_CERTIFICATE) {
          throw unexpected("expected the client's Certificate");
        }
        this.#certificate(body);
        e.transcript.add(raw);
        this.#state = "cke";
        return;
      case "cke":
        if (type !== HS_CLIENT_KEY_EXCHANGE) {
          throw unexpected("expected ClientKeyExchange");
        }
        this.#clientKeyExchange(body);
        e.transcript.add(raw);
        this.#keys();
        this.#state = e.peerLeaf ? "cv" : "ccs";
        return;
      case "cv": {
        if (type !== HS_CERTIFICATE_VERIFY) {
          throw unexpected("expected CertificateVerify");
        }
        if (!this.#verifiesClient(body)) {
          throw new TlsAlert(
            ALERT_DECRYPT_ERROR,
            SEC_E_DECRYPT_FAILURE,
            "the client's CertificateVerify is wrong",
          );
        }
        e.transcript.add(raw);
        this.#state = "ccs";
        return;
      }
      case "finished": {
        if (type !== HS_FINISHED) throw unexpected("expected Finished");
        requireFinished(
          finished12(
            this.#suite12!.crypto,
            this.#master!,
            true,
            e.transcript.hash(),
          ),
          body,
          "client",
        );
        e.transcript.add(raw);
        if (this.#issueTicket) this.#sendTicket();
        e.out.push(
          plainRecord(CT_CHANGE_CIPHER_SPEC, Uint8Array.of(1), e.wireVersion),
        );
        e.writeCipher = this.#pendingWrite;
        const fin = handshakeMessage(
          HS_FINISHED,
          finished12(
            this.#suite12!.crypto,
            this.#master!,
            false,
            e.transcript.hash(),
          ),
        );
        e.transcript.add(fin);
        e.send(fin);
        if (this.#cacheable && !this.#issueTicket) {
          this.#cred.serverSessions().add({
            sessionId: e.sessionId.slice(),
            master: this.#master!.slice(),
            suite: this.#suite12!.id,
            ...(this.#legacy && { version: this.#version }),
            group: e.group,
            exchBits: e.exchBits,
            serverName: e.serverName,
            createdAt: Date.now(),
          });
        }
        e.keepMaster12(this.#suite12!.crypto, this.#master!, this.#ems);
        this.#master!.fill(0);
        this.#state = "done";
        e.connected = true;
        return;
      }
      default:
        throw unexpected("a handshake message out of order");
    }
  }

  /** Whether the client's CertificateVerify `body` signs the transcript. */
  #verifiesClient(body: Uint8Array): boolean {
    const key = this.#e.peerLeaf!.publicKey!;
    const signed = this.#e.transcript.bytes();
    if (this.#legacy) {
      return verifyLegacySignature(key, signed, parseCertificateVerify10(body));
    }
    const { scheme, signature } = parseCertificateVerify(body);
    return SIGNATURE_SCHEMES.includes(scheme) &&
      verifySignature(key, scheme, signed, signature);
  }

  /**
   * The NewSessionTicket of RFC 5077 (before our ChangeCipherSpec): the session
   * sealed with the credential's ticket key; the server keeps nothing.
   */
  #sendTicket(): void {
    const e = this.#e;
    const ticket = sealTicket12(this.#cred.ticketKey(), {
      version: this.#version,
      suite: this.#suite12!.id,
      group: e.group,
      exchBits: e.exchBits,
      createdAt: Date.now(),
      serverName: e.serverName,
      master: this.#master!,
    });
    const m = handshakeMessage(
      HS_NEW_SESSION_TICKET,
      encodeNewSessionTicket12(
        Math.min(
          TICKET12_LIFETIME,
          Math.floor(this.#cred.sessionLifespan / 1000),
        ),
        ticket,
      ),
    );
    e.transcript.add(m);
    e.send(m);
  }

  /** The client's ChangeCipherSpec: its keys apply from the next record. */
  onChangeCipherSpec(): void {
    if (this.#state !== "ccs") throw unexpected("ChangeCipherSpec");
    this.#e.readCipher = this.#pendingRead;
    this.#state = "finished";
  }

  /** Wipes the secrets of a handshake that may not have completed. */
  wipe(): void {
    this.#kex?.wipe();
    this.#secret?.fill(0);
    this.#master?.fill(0);
    // Keys not yet handed to the engine (whose own wipe takes the others).
    if (this.#pendingRead !== this.#e.readCipher) this.#pendingRead?.wipe();
    if (this.#pendingWrite !== this.#e.writeCipher) this.#pendingWrite?.wipe();
  }

  #certificate(body: Uint8Array): void {
    const chain = parseCertificate12(body);
    const parsed = parsePeerChain(chain, "client");
    requireTrusted(
      parsed,
      this.#cred.roots(),
      undefined,
      "client",
      this.#cred.revocationCheck(null, this.#e.revocationSink),
    );
    this.#e.peerChain = chain.map((c) => c.slice());
    this.#e.peerLeaf = parsed[0];
  }

  #clientKeyExchange(body: Uint8Array): void {
    this.#secret = this.#kex!.premaster(body);
    this.#kex!.wipe();
  }

  #keys(): void {
    const e = this.#e;
    this.#master = masterSecret12(
      this.#suite12!.crypto,
      this.#secret!,
      this.#ems,
      e.transcript.hash(),
      this.#clientRandom,
      this.#serverRandom,
    );
    this.#secret!.fill(0);
    const ciphers = recordCiphers12(
      this.#suite12!,
      this.#master,
      this.#clientRandom,
      this.#serverRandom,
      this.#version,
    );
    this.#pendingRead = ciphers.client;
    this.#pendingWrite = ciphers.server;
  }
}
