/**
 * A test-only mechanism registered under the name "Kerberos", to show that a second
 * mechanism plugs into Negotiate through the package interface alone (issue #5: "built
 * so that the Kerberos package plugs in without changing Negotiate"). It is not
 * Kerberos: a password-keyed HMAC exchange shaped like one, with the shapes SPNEGO
 * must handle:
 *
 * - `legs: 1`: one token (an AP-REQ without mutual authentication), the server
 *   completes without a reply token;
 * - `legs: 2` (default): AP-REQ, then AP-REP; the server completes with a token;
 * - `legs: 3`: request, challenge, response; the client completes with a token, as
 *   NTLM does.
 *
 * With `requireMic` it says, like NTLM with a MIC, that SPNEGO must exchange
 * mechListMICs. It has no `signData`/`verifyData`/`resetCrypto`/`hasSessionKey`: the
 * generic `MakeSignature`/`VerifySignature` path of Negotiate is the one exercised.
 * A client user named `noticket` fails its first step with `SEC_E_NO_CREDENTIALS`, as
 * Kerberos does without a ticket.
 *
 * @module
 */
import { createHmac, randomBytes } from "node:crypto";
import {
  type AcquireRequest,
  type AttributeResult,
  type PackageContext,
  type PackageCredential,
  type QopResult,
  registerSecurityPackage,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CONTEXT,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  type SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  type SecPkgInfo,
  type SecurityPackage,
  SspiError,
  type StepRequest,
  type StepResult,
  unregisterSecurityPackage,
} from "../../mod.ts";

/** How the toy mechanism behaves. */
export interface ToyOptions {
  /** Tokens in the handshake (see the module comment); default 2. */
  legs?: 1 | 2 | 3;
  /** `requiresMechListMic()` answers true once established. */
  requireMic?: boolean;
}

/** What the toy recorded, for assertions. */
export interface ToyLog {
  /** Contexts created, by role. */
  created: ("initiate" | "accept")[];
  /** Signatures made and verified (the mechListMICs among them). */
  signed: number;
  /** Signatures verified. */
  verified: number;
}

const MAGIC = [0x54, 0x4f, 0x59, 0x4b]; // "TOYK"
const SIG = 16;

const hmac = (key: Uint8Array | string, ...parts: Uint8Array[]): Uint8Array => {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A toy message: MAGIC, kind, then length-prefixed fields. */
function message(kind: number, ...fields: Uint8Array[]): Uint8Array {
  const size = 5 + fields.reduce((n, f) => n + 2 + f.length, 0);
  const out = new Uint8Array(size);
  out.set(MAGIC);
  out[4] = kind;
  let o = 5;
  for (const f of fields) {
    out[o] = f.length >> 8;
    out[o + 1] = f.length & 255;
    out.set(f, o + 2);
    o += 2 + f.length;
  }
  return out;
}

/** The fields of a toy message of `kind`, or null when it is not one. */
function fields(t: Uint8Array | null, kind: number, n: number) {
  if (!t || t.length < 5 || t[4] !== kind) return null;
  if (MAGIC.some((b, i) => t[i] !== b)) return null;
  const out: Uint8Array[] = [];
  let o = 5;
  while (o < t.length) {
    if (t.length - o < 2) return null;
    const len = (t[o] << 8) | t[o + 1];
    if (t.length - o - 2 < len) return null;
    out.push(t.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
  return out.length === n ? out : null;
}

interface ToyCred extends PackageCredential {
  user?: string;
  password?: string;
  users?: { User: string; Password: string }[];
}

class ToyContext implements PackageContext {
  #state = 0;
  #key: Uint8Array | null = null;
  #user = "";
  #nonce = new Uint8Array(0);
  #pw = "";
  #seq = { send: 0, recv: 0 };
  established = false;

  constructor(
    private readonly cred: ToyCred,
    private readonly role: "initiate" | "accept",
    private readonly opts: ToyOptions,
    private readonly log: ToyLog,
  ) {}

  #input(req: StepRequest): Uint8Array | null {
    const b = req.input?.pBuffers.find((x) =>
      x?.BufferType === SECBUFFER_TOKEN
    );
    return b?.pvBuffer ? b.pvBuffer.subarray(0, b.cbBuffer) : null;
  }

  #ok(token: Uint8Array | null, done: boolean): StepResult {
    if (done) this.established = true;
    return {
      status: done ? SEC_E_OK : SEC_I_CONTINUE_NEEDED,
      token,
      tokenIsFresh: true,
      attrs: 0x10 | 0x20000, // confidentiality, integrity
    };
  }

  step(req: StepRequest): StepResult {
    const legs = this.opts.legs ?? 2;
    const input = this.#input(req);
    if (this.role === "initiate") {
      if (this.#state === 0) {
        if (this.cred.user === "noticket") {
          return {
            status: SEC_E_NO_CREDENTIALS,
            attrs: 0,
            message: "no ticket",
          };
        }
        this.#pw = this.cred.password!;
        this.#nonce = new Uint8Array(randomBytes(8));
        this.#state = 1;
        const user = enc.encode(this.cred.user!);
        if (legs === 3) return this.#ok(message(1, user, this.#nonce), false);
        const proof = hmac(this.#pw, this.#nonce, user);
        this.#key = hmac(this.#pw, enc.encode("key"), this.#nonce);
        return this.#ok(message(1, user, this.#nonce, proof), legs === 1);
      }
      if (this.#state === 1 && legs === 2) {
        const f = fields(input, 2, 1);
        if (!f || !same(f[0], hmac(this.#pw, enc.encode("rep"), this.#nonce))) {
          return { status: SEC_E_INVALID_TOKEN, attrs: 0, message: "AP-REP" };
        }
        this.#state = 2;
        return this.#ok(null, true);
      }
      if (this.#state === 1 && legs === 3) {
        const f = fields(input, 2, 1);
        if (!f) return { status: SEC_E_INVALID_TOKEN, attrs: 0 };
        this.#state = 2;
        this.#key = hmac(this.#pw, enc.encode("key"), this.#nonce, f[0]);
        return this.#ok(message(3, hmac(this.#pw, this.#nonce, f[0])), true);
      }
      return { status: SEC_E_OUT_OF_SEQUENCE, attrs: 0 };
    }
    if (this.#state === 0) {
      const f = fields(input, 1, legs === 3 ? 2 : 3);
      if (!f) return { status: SEC_E_INVALID_TOKEN, attrs: 0, message: "req" };
      this.#user = dec.decode(f[0]);
      this.#nonce = f[1].slice();
      const u = this.cred.users?.find((x) => x.User === this.#user);
      if (!u) return { status: SEC_E_LOGON_DENIED, attrs: 0 };
      this.#pw = u.Password;
      if (legs === 3) {
        this.#state = 1;
        const challenge = new Uint8Array(randomBytes(8));
        this.#key = challenge; // kept until the response
        return this.#ok(message(2, challenge), false);
      }
      if (!same(f[2], hmac(this.#pw, this.#nonce, f[0]))) {
        return { status: SEC_E_LOGON_DENIED, attrs: 0 };
      }
      this.#key = hmac(this.#pw, enc.encode("key"), this.#nonce);
      this.#state = 2;
      const rep = legs === 2
        ? message(2, hmac(this.#pw, enc.encode("rep"), this.#nonce))
        : null;
      return this.#ok(rep, true);
    }
    if (this.#state === 1) {
      const f = fields(input, 3, 1);
      const challenge = this.#key!;
      if (!f || !same(f[0], hmac(this.#pw, this.#nonce, challenge))) {
        return { status: SEC_E_LOGON_DENIED, attrs: 0 };
      }
      this.#key = hmac(this.#pw, enc.encode("key"), this.#nonce, challenge);
      this.#state = 2;
      return this.#ok(null, true);
    }
    return { status: SEC_E_OUT_OF_SEQUENCE, attrs: 0 };
  }

  requiresMechListMic(): boolean {
    return this.opts.requireMic === true;
  }

  queryAttribute(attribute: number): AttributeResult {
    if (attribute === SECPKG_ATTR_SIZES) {
      return {
        status: SEC_E_OK,
        value: {
          cbMaxToken: 256,
          cbMaxSignature: SIG,
          cbBlockSize: 0,
          cbSecurityTrailer: SIG,
        },
      };
    }
    if (!this.established) return { status: SEC_E_NO_CONTEXT };
    if (attribute === SECPKG_ATTR_SESSION_KEY) {
      return {
        status: SEC_E_OK,
        value: { SessionKeyLength: 16, SessionKey: this.#key!.slice(0, 16) },
      };
    }
    if (attribute === SECPKG_ATTR_NAMES) {
      return { status: SEC_E_OK, value: { sUserName: `TOY\\${this.#user}` } };
    }
    return { status: SEC_E_UNSUPPORTED_FUNCTION };
  }

  /** The MAC of `data` in a direction, with its sequence number. */
  #mac(from: "initiate" | "accept", seq: number, data: Uint8Array) {
    const head = Uint8Array.of(
      from === "initiate" ? 1 : 2,
      seq >> 8,
      seq & 255,
    );
    return hmac(this.#key!, head, data).subarray(0, SIG);
  }

  #parts(message: SecBufferDesc) {
    const data = message.pBuffers.find((b) => b?.BufferType === SECBUFFER_DATA);
    const sig = message.pBuffers.find((b) => b?.BufferType === SECBUFFER_TOKEN);
    if (!data?.pvBuffer || !sig?.pvBuffer) return null;
    return {
      data: data.pvBuffer.subarray(0, data.cbBuffer),
      sig,
    };
  }

  makeSignature(_qop: number, message: SecBufferDesc): number {
    const p = this.#parts(message);
    if (!this.established) return SEC_E_NO_CONTEXT;
    if (!p || p.sig.cbBuffer < SIG) return SEC_E_INVALID_TOKEN;
    p.sig.pvBuffer!.set(this.#mac(this.role, this.#seq.send++, p.data));
    p.sig.cbBuffer = SIG;
    this.log.signed++;
    return SEC_E_OK;
  }

  verifySignature(message: SecBufferDesc): QopResult {
    const p = this.#parts(message);
    if (!this.established) return { status: SEC_E_NO_CONTEXT, qop: 0 };
    if (!p) return { status: SEC_E_INVALID_TOKEN, qop: 0 };
    const peer = this.role === "initiate" ? "accept" : "initiate";
    const want = this.#mac(peer, this.#seq.recv, p.data);
    const got = p.sig.pvBuffer!.subarray(0, p.sig.cbBuffer);
    if (!same(want, got)) return { status: SEC_E_MESSAGE_ALTERED, qop: 0 };
    this.#seq.recv++;
    this.log.verified++;
    return { status: SEC_E_OK, qop: 0 };
  }

  dispose(): void {
    this.#key?.fill(0);
    this.#key = null;
    this.established = false;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const INFO: SecPkgInfo = {
  fCapabilities: 0x3,
  wVersion: 1,
  wRPCID: 16,
  cbMaxToken: 256,
  Name: "Kerberos",
  Comment: "test-only toy mechanism under the Kerberos name",
};

/**
 * Registers the toy under "Kerberos" for the length of `fn`, then removes it.
 * Negotiate credentials acquired inside `fn` offer it first (MS-SPNG 3.1.5.2).
 */
export async function withToyKerberos(
  opts: ToyOptions,
  fn: (log: ToyLog) => void | Promise<void>,
): Promise<void> {
  const log: ToyLog = { created: [], signed: 0, verified: 0 };
  const pkg: SecurityPackage = {
    info: INFO,
    acquireCredentials(req: AcquireRequest): PackageCredential {
      const d = (req.authData ?? {}) as Record<string, unknown>;
      const cred: ToyCred = {
        use: req.use,
        expiry: 0x7fffffffffffffffn,
        dispose() {},
      };
      if (typeof d.User === "string" && typeof d.Password === "string") {
        cred.user = d.User;
        cred.password = d.Password;
      } else if (Array.isArray(d.users)) {
        cred.users = d.users as ToyCred["users"];
      } else {
        throw new SspiError(SEC_E_NO_CREDENTIALS, "toy: no usable authData");
      }
      return cred;
    },
    createContext(cred, role) {
      log.created.push(role);
      return new ToyContext(cred as ToyCred, role, opts, log);
    },
  };
  registerSecurityPackage(pkg);
  try {
    await fn(log);
  } finally {
    unregisterSecurityPackage("Kerberos");
  }
}
