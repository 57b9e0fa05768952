/**
 * The Digest client (`InitializeSecurityContext`): HTTP Digest (RFC 7616/2617) with
 * `ISC_REQ_HTTP`, SASL DIGEST-MD5 (RFC 2831) without it.
 *
 * @module
 */
import { randomBytes } from "../../crypto/mod.ts";
import { SspiError } from "../../sspi/errors.ts";
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_HTTP,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_USE_HTTP_STYLE,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_INTEGRITY,
  ISC_RET_MUTUAL_AUTH,
  ISC_RET_USED_HTTP_STYLE,
} from "../../sspi/flags.ts";
import type {
  SecPkgInfo,
  StepRequest,
  StepResult,
} from "../../sspi/package.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_INVALID_PARAMETER,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MUTUAL_AUTH_FAILED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
} from "../../sspi/status.ts";
import { constantTimeEqual, toHex } from "../../util/bytes.ts";
import { type AlgorithmInfo, algorithmInfo } from "./algorithms.ts";
import { DigestContextBase } from "./context.ts";
import type { DigestClientIdentity } from "./credentials.ts";
import {
  type AuthHeader,
  decodeText,
  encodeExtValue,
  encodeParams,
  hasUnsafeChars,
  isPlainAscii,
  param,
  type ParamSpec,
  parseChallenges,
  parseCredentials,
} from "./header.ts";
import { paramText, pkgParams, tokenOf } from "./_inputs.ts";
import { digestTestHooks } from "./_test_hooks.ts";
import {
  digestResponse,
  formatNc,
  HA1,
  HA2,
  sessionHA1,
  userhash,
} from "./rfc7616.ts";
import {
  SASL_CIPHERS,
  type SaslCipher,
  type SaslFields,
  saslHA1,
  saslKeys,
  saslResponse,
  saslRspauth,
  userSecret,
} from "./rfc2831.ts";
import { SaslSecurity } from "./sasl_security.ts";

/** `ISC_REQ_HTTP` as Microsoft's Digest pages give it (0x10000000); same as `ISC_REQ_HTTP`. */
export const ISC_REQ_HTTP_DIGEST: number = ISC_REQ_HTTP;

const te = new TextEncoder();

function bad(message: string): never {
  throw new SspiError(SEC_E_INVALID_TOKEN, message);
}

function newCnonce(): string {
  return digestTestHooks.cnonce?.() ?? toHex(randomBytes(16));
}

/** A Digest challenge the client accepted. */
interface Challenge {
  realm: string;
  nonce: string;
  opaque?: string;
  alg: AlgorithmInfo;
  algorithmSent: boolean;
  qop: string[];
  userhash: boolean;
  utf8: boolean;
}

/** Picks the strongest supported Digest challenge (a realm matching the hint first). */
export function chooseChallenge(
  list: AuthHeader[],
  realmHint: string,
): Challenge | number {
  let best: Challenge | null = null;
  let sawDigest = false;
  for (const c of list) {
    const isDigest = c.scheme.toLowerCase() === "digest" ||
      (c.scheme === "" && c.params.has("nonce"));
    if (!isDigest) continue;
    sawDigest = true;
    const realm = param(c.params, "realm");
    const nonce = param(c.params, "nonce");
    if (realm === undefined || !nonce) continue;
    const algName = param(c.params, "algorithm");
    const alg = algorithmInfo(algName ?? "MD5");
    if (!alg) continue;
    const qopRaw = param(c.params, "qop");
    const qop = qopRaw === undefined
      ? []
      : qopRaw.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
    if (
      qopRaw !== undefined && !qop.some((q) => q === "auth" || q === "auth-int")
    ) {
      continue;
    }
    const cand: Challenge = {
      realm,
      nonce,
      opaque: param(c.params, "opaque"),
      alg,
      algorithmSent: algName !== undefined,
      qop,
      userhash: param(c.params, "userhash")?.toLowerCase() === "true",
      utf8: param(c.params, "charset")?.toLowerCase() === "utf-8",
    };
    const score = (x: Challenge) =>
      x.alg.rank * 2 + (realmHint && x.realm === realmHint ? 10 : 0);
    if (!best || score(cand) > score(best)) best = cand;
  }
  if (best) return best;
  return sawDigest ? SEC_E_ALGORITHM_MISMATCH : SEC_E_INVALID_TOKEN;
}

/** A Digest client context. */
export class DigestClientContext extends DigestContextBase {
  #id: DigestClientIdentity;
  #mode: "http" | "sasl" | null = null;
  // HTTP state
  #ch: Challenge | null = null;
  #nc = 0;
  #cnonce = "";
  #qop: string | undefined;
  #uri = "";
  #ha1 = "";
  #answered = false;
  #mutual = false;
  // SASL state
  #sasl: { fields: SaslFields; ha1: Uint8Array; cipher?: SaslCipher } | null =
    null;

  constructor(info: SecPkgInfo, id: DigestClientIdentity) {
    super(info);
    this.#id = id;
  }

  step(req: StepRequest): StepResult {
    const http = (req.flags & (ISC_REQ_HTTP | ISC_REQ_USE_HTTP_STYLE)) !== 0;
    const mode = http ? "http" : "sasl";
    if (this.#mode && this.#mode !== mode) {
      bad("ISC_REQ_HTTP must be the same on every call of a context");
    }
    this.#mode = mode;
    return http ? this.#httpStep(req) : this.#saslStep(req);
  }

  // ---- HTTP ----------------------------------------------------------------

  #httpStep(req: StepRequest): StepResult {
    const token = tokenOf(req.input);
    const params = pkgParams(req.input);
    const method = paramText(params[0]) || "GET";
    const body = params[1] ?? new Uint8Array(0);
    this.#mutual = (req.flags & ISC_REQ_MUTUAL_AUTH) !== 0;
    if (!token.length) {
      if (!this.#ch) {
        // No challenge yet: send the request without credentials first.
        return { status: SEC_I_CONTINUE_NEEDED, token: null, attrs: 0 };
      }
      return this.#authorize(req, method, body); // preemptive, next nc
    }
    const text = decodeText(token);
    if (typeof text === "number") bad("the token is not UTF-8");
    const challenges = parseChallenges(text);
    if (typeof challenges !== "number") {
      const isChallenge = challenges.some((c) =>
        c.scheme.toLowerCase() === "digest" ||
        (c.scheme === "" && c.params.has("nonce") && !c.params.has("rspauth"))
      );
      if (isChallenge) {
        const ch = chooseChallenge(challenges, this.#id.domain);
        if (typeof ch === "number") {
          throw new SspiError(ch, "no supported Digest challenge");
        }
        const stale = challenges.some((c) =>
          param(c.params, "stale")?.toLowerCase() === "true"
        );
        if (this.#answered && !stale) {
          throw new SspiError(
            SEC_E_LOGON_DENIED,
            "the server challenged again: it refused the credentials",
          );
        }
        this.#ch = ch;
        this.#nc = 0;
        this.#ha1 = "";
        return this.#authorize(req, method, body);
      }
    }
    return this.#authInfo(text);
  }

  #authorize(req: StepRequest, method: string, body: Uint8Array): StepResult {
    const ch = this.#ch!;
    const uri = req.target;
    if (!uri) {
      throw new SspiError(
        SEC_E_INVALID_PARAMETER,
        "pszTargetName must be the request URI",
      );
    }
    if (hasUnsafeChars(uri)) {
      bad("the URI has characters a header cannot carry");
    }
    const alg = ch.alg;
    const { user, password } = this.#id;
    const wantInt = (req.flags & ISC_REQ_INTEGRITY) !== 0 ||
      pkgParams(req.input).length > 1;
    let qop: string | undefined;
    if (ch.qop.length) {
      qop = wantInt && ch.qop.includes("auth-int")
        ? "auth-int"
        : ch.qop.includes("auth")
        ? "auth"
        : "auth-int";
    }
    this.#nc++;
    if (this.#nc > 0xffffffff) {
      throw new SspiError(SEC_E_OUT_OF_SEQUENCE, "nonce count exhausted");
    }
    const cnonce = newCnonce();
    const nc = formatNc(this.#nc);
    const base = HA1(alg, user, ch.realm, password);
    const ha1 = sessionHA1(alg, base, ch.nonce, cnonce);
    const ha2 = HA2(alg, method, uri, qop, body);
    const response = digestResponse(alg, ha1, ha2, {
      nonce: ch.nonce,
      nc,
      cnonce,
      qop,
    });
    this.#cnonce = cnonce;
    this.#qop = qop;
    this.#uri = uri;
    this.#ha1 = ha1;
    this.#answered = true;
    const userParam: ParamSpec = ch.userhash
      ? ["username", userhash(alg, user, ch.realm), true]
      : !isPlainAscii(user) && ch.utf8
      ? ["username*", encodeExtValue(user), false]
      : ["username", user, true];
    const p: ParamSpec[] = [userParam, ["realm", ch.realm, true]];
    if (ch.algorithmSent) {
      // RFC 7616 3.9.1 order.
      p.push(["uri", uri, true], ["algorithm", alg.name, false]);
      p.push(["nonce", ch.nonce, true]);
      if (qop) {
        p.push(["nc", nc, false], ["cnonce", cnonce, true], [
          "qop",
          qop,
          false,
        ]);
      }
      p.push(["response", response, true]);
    } else {
      // RFC 2617 3.5 order.
      p.push(["nonce", ch.nonce, true], ["uri", uri, true]);
      if (qop) {
        p.push(["qop", qop, false], ["nc", nc, false], [
          "cnonce",
          cnonce,
          true,
        ]);
      }
      p.push(["response", response, true]);
    }
    if (ch.opaque !== undefined) p.push(["opaque", ch.opaque, true]);
    if (ch.userhash) p.push(["userhash", "true", false]);
    this.clientName = user;
    const waitForInfo = this.#mutual && qop !== undefined;
    this.established = !waitForInfo;
    this.retFlags = ISC_RET_USED_HTTP_STYLE;
    return {
      status: waitForInfo ? SEC_I_CONTINUE_NEEDED : SEC_E_OK,
      token: te.encode(`Digest ${encodeParams(p)}`),
      attrs: this.retFlags,
    };
  }

  /** Checks an `Authentication-Info` value (rspauth, nextnonce). */
  #authInfo(text: string): StepResult {
    const h = parseCredentials(text);
    if (typeof h === "number" || h.scheme !== "") {
      bad("expected a Digest challenge or an Authentication-Info value");
    }
    if (!this.#answered || !this.#ch) {
      throw new SspiError(
        SEC_E_OUT_OF_SEQUENCE,
        "Authentication-Info before any Authorization was sent",
      );
    }
    const rspauth = param(h.params, "rspauth");
    const cnonce = param(h.params, "cnonce");
    const nc = param(h.params, "nc");
    if (cnonce !== undefined && cnonce !== this.#cnonce) {
      throw new SspiError(SEC_E_MUTUAL_AUTH_FAILED, "cnonce does not match");
    }
    if (nc !== undefined && nc.toLowerCase() !== formatNc(this.#nc)) {
      throw new SspiError(SEC_E_MUTUAL_AUTH_FAILED, "nc does not match");
    }
    if (rspauth !== undefined) {
      const qop = param(h.params, "qop") ?? this.#qop;
      if (qop !== this.#qop) {
        throw new SspiError(SEC_E_MUTUAL_AUTH_FAILED, "qop does not match");
      }
      const alg = this.#ch.alg;
      const ha2 = HA2(alg, "", this.#uri, qop, new Uint8Array(0));
      const expect = digestResponse(alg, this.#ha1, ha2, {
        nonce: this.#ch.nonce,
        nc: formatNc(this.#nc),
        cnonce: this.#cnonce,
        qop,
      });
      if (
        !constantTimeEqual(te.encode(expect), te.encode(rspauth.toLowerCase()))
      ) {
        throw new SspiError(
          SEC_E_MUTUAL_AUTH_FAILED,
          "rspauth does not match: the server does not know the password",
        );
      }
      this.retFlags |= ISC_RET_MUTUAL_AUTH;
    } else if (this.#mutual) {
      throw new SspiError(
        SEC_E_MUTUAL_AUTH_FAILED,
        "mutual authentication was requested but the server sent no rspauth",
      );
    }
    const next = param(h.params, "nextnonce");
    if (next) {
      this.#ch = { ...this.#ch, nonce: next };
      this.#nc = 0;
    }
    this.established = true;
    return { status: SEC_E_OK, token: null, attrs: this.retFlags };
  }

  // ---- SASL ----------------------------------------------------------------

  #saslStep(req: StepRequest): StepResult {
    const token = tokenOf(req.input);
    if (!token.length) {
      if (this.#sasl) bad("expected the server's rspauth");
      return { status: SEC_I_CONTINUE_NEEDED, token: null, attrs: 0 };
    }
    const text = decodeText(token);
    if (typeof text === "number") bad("the token is not UTF-8");
    const h = parseCredentials(text);
    if (typeof h === "number" || h.scheme !== "") {
      bad("malformed DIGEST-MD5 token");
    }
    if (this.#sasl) return this.#saslRspauth(h.params);
    return this.#saslResponse(req, h.params);
  }

  #saslResponse(req: StepRequest, p: AuthHeader["params"]): StepResult {
    const nonce = param(p, "nonce");
    if (!nonce) bad("the digest-challenge has no nonce");
    if (param(p, "algorithm")?.toLowerCase() !== "md5-sess") {
      bad("the digest-challenge must say algorithm=md5-sess");
    }
    const digestUri = req.target;
    if (!digestUri || hasUnsafeChars(digestUri)) {
      throw new SspiError(
        SEC_E_INVALID_PARAMETER,
        "pszTargetName must be the digest-uri (service/host)",
      );
    }
    const offered = (param(p, "qop") ?? "auth").split(",").map((s) =>
      s.trim().toLowerCase()
    );
    const ciphers = (param(p, "cipher") ?? "").split(",").map((s) =>
      s.trim().toLowerCase()
    );
    let qop = "auth";
    let cipher: SaslCipher | undefined;
    if (req.flags & ISC_REQ_CONFIDENTIALITY && offered.includes("auth-conf")) {
      cipher = SASL_CIPHERS.find((c) => ciphers.includes(c));
      if (cipher) qop = "auth-conf";
    }
    if (
      qop === "auth" &&
      req.flags & (ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY)
    ) {
      if (offered.includes("auth-int")) qop = "auth-int";
    }
    if (qop === "auth" && !offered.includes("auth")) {
      throw new SspiError(SEC_E_ALGORITHM_MISMATCH, "no usable qop offered");
    }
    const utf8 = param(p, "charset")?.toLowerCase() === "utf-8";
    const realm = param(p, "realm") ?? this.#id.domain;
    const fields: SaslFields = {
      username: this.#id.user,
      realm,
      nonce,
      cnonce: newCnonce(),
      nc: "00000001",
      qop,
      digestUri,
    };
    const ha1 = saslHA1(
      userSecret(fields.username, realm, this.#id.password),
      fields,
    );
    const out: ParamSpec[] = [];
    if (utf8) out.push(["charset", "utf-8", false]);
    out.push(
      ["username", fields.username, true],
      ["realm", realm, true],
      ["nonce", nonce, true],
      ["nc", fields.nc, false],
      ["cnonce", fields.cnonce, true],
      ["digest-uri", digestUri, true],
      ["response", saslResponse(ha1, fields), false],
      ["qop", qop, false],
    );
    if (cipher) out.push(["cipher", cipher, false]);
    if (qop !== "auth") out.push(["maxbuf", "65536", false]);
    this.#sasl = { fields, ha1, cipher };
    this.clientName = fields.username;
    return {
      status: SEC_I_CONTINUE_NEEDED,
      token: te.encode(encodeParams(out, ",")),
      attrs: 0,
    };
  }

  #saslRspauth(p: AuthHeader["params"]): StepResult {
    const s = this.#sasl!;
    const rspauth = param(p, "rspauth");
    if (!rspauth) bad("expected rspauth");
    const expect = saslRspauth(s.ha1, s.fields);
    if (
      !constantTimeEqual(te.encode(expect), te.encode(rspauth.toLowerCase()))
    ) {
      throw new SspiError(SEC_E_MUTUAL_AUTH_FAILED, "rspauth does not match");
    }
    let attrs = ISC_RET_MUTUAL_AUTH;
    if (s.fields.qop !== "auth") {
      this.security = new SaslSecurity(
        saslKeys(s.ha1, s.cipher),
        "client",
        s.cipher,
      );
      attrs |= ISC_RET_INTEGRITY;
      if (s.cipher) attrs |= ISC_RET_CONFIDENTIALITY;
    }
    this.setSessionKey(s.ha1);
    this.established = true;
    this.retFlags = attrs;
    return { status: SEC_E_OK, token: null, attrs };
  }

  override dispose(): void {
    super.dispose();
    this.#sasl?.ha1.fill(0);
    this.#sasl = null;
    this.#ha1 = "";
    this.#id = { user: this.#id.user, domain: "", password: "" };
  }
}
