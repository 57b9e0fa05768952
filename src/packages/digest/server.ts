/**
 * The Digest server (`AcceptSecurityContext`): challenges with stateless nonces,
 * verification of HTTP `Authorization` values (with `ASC_REQ_HTTP`) and SASL
 * DIGEST-MD5 digest-responses (without it), nonce-count replay detection, and
 * `stale=true` challenges for expired nonces.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import {
  ASC_REQ_HTTP,
  ASC_RET_CONFIDENTIALITY,
  ASC_RET_INTEGRITY,
  ASC_RET_MUTUAL_AUTH,
} from "../../sspi/flags.ts";
import type {
  SecPkgInfo,
  StepRequest,
  StepResult,
} from "../../sspi/package.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_I_CONTINUE_NEEDED,
} from "../../sspi/status.ts";
import { constantTimeEqual, fromHex } from "../../util/bytes.ts";
import { type AlgorithmInfo, algorithmInfo } from "./algorithms.ts";
import { DigestContextBase } from "./context.ts";
import type { DigestServerPolicy } from "./credentials.ts";
import {
  type AuthParams,
  decodeExtValue,
  decodeText,
  encodeParams,
  param,
  type ParamSpec,
  parseCredentials,
} from "./header.ts";
import { paramText, pkgParams, tokenOf } from "./_inputs.ts";
import { digestTestHooks } from "./_test_hooks.ts";
import {
  digestResponse,
  formatNc,
  HA2,
  parseNc,
  sessionHA1,
} from "./rfc7616.ts";
import {
  type SaslCipher,
  type SaslFields,
  saslHA1,
  saslKeys,
  saslResponse,
  saslRspauth,
} from "./rfc2831.ts";
import { SaslSecurity } from "./sasl_security.ts";
import { type DigestUser, userHA1 } from "./users.ts";

/** `ASC_REQ_HTTP` (0x10000000), Microsoft's flag for HTTP Digest in AcceptSecurityContext. */
export { ASC_REQ_HTTP };

const te = new TextEncoder();

function bad(message: string): never {
  throw new SspiError(SEC_E_INVALID_TOKEN, message);
}

function denied(message: string): never {
  throw new SspiError(SEC_E_LOGON_DENIED, message);
}

/** A parsed HTTP `Authorization` value. */
interface HttpResponse {
  username: string;
  hashed: boolean;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  alg: AlgorithmInfo;
  qop: string;
  nc: number;
  ncText: string;
  cnonce: string;
  opaque?: string;
}

/** A Digest server context. */
export class DigestServerContext extends DigestContextBase {
  #p: DigestServerPolicy;
  #lastNc = new Map<string, number>();

  constructor(info: SecPkgInfo, policy: DigestServerPolicy) {
    super(info);
    this.#p = policy;
  }

  step(req: StepRequest): StepResult | Promise<StepResult> {
    const http = (req.flags & ASC_REQ_HTTP) !== 0;
    const token = tokenOf(req.input);
    if (!token.length) return this.#challenge(http, false);
    const text = decodeText(token);
    if (typeof text === "number") bad("the token is not UTF-8");
    return http ? this.#verifyHttp(req, text) : this.#verifySasl(req, text);
  }

  #nonce(): string {
    return digestTestHooks.nonce?.() ?? this.#p.nonces.issue(this.#p.realm);
  }

  /** The challenge (`WWW-Authenticate` value or SASL digest-challenge). */
  #challenge(http: boolean, stale: boolean): StepResult {
    const p = this.#p;
    let text: string;
    if (http) {
      const opaque = digestTestHooks.opaque ?? p.opaque;
      text = p.algorithms.map((a) => {
        const ps: ParamSpec[] = [["realm", p.realm, true]];
        if (p.qop.length) ps.push(["qop", p.qop.join(", "), true]);
        ps.push(["algorithm", a, false], ["nonce", this.#nonce(), true]);
        if (opaque) ps.push(["opaque", opaque, true]);
        if (p.charset) ps.push(["charset", "UTF-8", false]);
        if (p.userhash) ps.push(["userhash", "true", false]);
        if (stale) ps.push(["stale", "true", false]);
        return `Digest ${encodeParams(ps)}`;
      }).join(", ");
    } else {
      const ps: ParamSpec[] = [
        ["realm", p.realm, true],
        ["nonce", this.#nonce(), true],
        ["qop", p.saslQop.join(","), true],
      ];
      if (p.saslQop.includes("auth-conf") && p.ciphers.length) {
        ps.push(["cipher", p.ciphers.join(","), true]);
      }
      if (p.saslQop.some((q) => q !== "auth")) {
        ps.push(["maxbuf", "65536", false]);
      }
      if (stale) ps.push(["stale", "true", false]);
      ps.push(["algorithm", "md5-sess", false], ["charset", "utf-8", false]);
      text = encodeParams(ps, ",");
    }
    return {
      status: SEC_I_CONTINUE_NEEDED,
      token: te.encode(text),
      attrs: this.retFlags,
    };
  }

  /** Finds the user (maybe async) and runs `then`. */
  #withUser(
    req: StepRequest,
    user: string,
    hashed: boolean,
    algorithm: string,
    then: (u: DigestUser | null) => StepResult,
  ): StepResult | Promise<StepResult> {
    const found = this.#p.find(user, this.#p.realm, hashed, algorithm);
    if (found instanceof Promise) {
      if (!req.async) {
        found.catch(() => {});
        return {
          status: SEC_E_NO_AUTHENTICATING_AUTHORITY,
          attrs: 0,
          message:
            "the user lookup is asynchronous: call SspiAcceptSecurityContextAsync",
        };
      }
      return found.then(then);
    }
    return then(found);
  }

  // ---- HTTP ----------------------------------------------------------------

  #parseHttp(text: string): HttpResponse {
    const h = parseCredentials(text);
    if (typeof h === "number") bad("malformed Authorization header");
    if (h.scheme !== "" && h.scheme.toLowerCase() !== "digest") {
      bad("not a Digest Authorization header");
    }
    const p: AuthParams = h.params;
    const need = (n: string): string => {
      const v = param(p, n);
      if (v === undefined) bad(`the Authorization header has no ${n}`);
      return v;
    };
    let username: string;
    const plain = param(p, "username");
    const ext = param(p, "username*");
    if (plain !== undefined && ext !== undefined) {
      bad("both username and username* were sent");
    }
    if (ext !== undefined) {
      const u = decodeExtValue(ext);
      if (typeof u === "number") bad("malformed username*");
      username = u;
    } else {
      username = need("username");
    }
    const uh = param(p, "userhash")?.toLowerCase();
    if (uh !== undefined && uh !== "true" && uh !== "false") {
      bad("bad userhash");
    }
    const alg = algorithmInfo(param(p, "algorithm") ?? "MD5");
    if (!alg || !this.#p.algorithms.includes(alg.name)) {
      bad("the algorithm was not offered");
    }
    const qop = need("qop").toLowerCase();
    if (!this.#p.qop.includes(qop)) bad("the qop was not offered");
    const ncText = need("nc");
    const nc = parseNc(ncText);
    if (nc === null) bad("nc must be 8 hex digits, not zero");
    const response = need("response");
    if (!/^[0-9a-fA-F]+$/.test(response)) bad("response must be hex");
    return {
      username,
      hashed: uh === "true",
      realm: need("realm"),
      nonce: need("nonce"),
      uri: need("uri"),
      response: response.toLowerCase(),
      alg,
      qop,
      nc,
      ncText: ncText.toLowerCase(),
      cnonce: need("cnonce"),
      opaque: param(p, "opaque"),
    };
  }

  #verifyHttp(
    req: StepRequest,
    text: string,
  ): StepResult | Promise<StepResult> {
    const r = this.#parseHttp(text);
    const params = pkgParams(req.input);
    const method = paramText(params[0]);
    if (!method) bad("SECBUFFER_PKG_PARAMS [0] must hold the HTTP method");
    const requestUri = paramText(params[1]);
    const body = params[2] ?? new Uint8Array(0);
    if (r.realm !== this.#p.realm) denied("the response is for another realm");
    if (requestUri && requestUri !== r.uri) {
      denied("the uri directive does not match the request URI");
    }
    const opaque = digestTestHooks.opaque ?? this.#p.opaque;
    if (opaque && r.opaque !== opaque) denied("opaque does not match");
    if (r.hashed && !this.#p.userhash) denied("userhash was not offered");
    const nonceState = this.#p.nonces.check(r.nonce, this.#p.realm);
    if (nonceState === "invalid") denied("the nonce was not issued here");
    return this.#withUser(
      req,
      r.username,
      r.hashed,
      r.alg.name,
      (u) => this.#finishHttp(r, u, method, body, nonceState === "stale"),
    );
  }

  #finishHttp(
    r: HttpResponse,
    u: DigestUser | null,
    method: string,
    body: Uint8Array,
    stale: boolean,
  ): StepResult {
    // Unknown users and wrong passwords get the same answer (no user enumeration).
    const base = u ? userHA1(u, r.alg, u.User, this.#p.realm) : null;
    if (!base) denied("the user name or password is incorrect");
    const ha1 = sessionHA1(r.alg, base, r.nonce, r.cnonce);
    const expect = digestResponse(
      r.alg,
      ha1,
      HA2(r.alg, method, r.uri, r.qop, body),
      {
        nonce: r.nonce,
        nc: r.ncText,
        cnonce: r.cnonce,
        qop: r.qop,
      },
    );
    if (!constantTimeEqual(te.encode(expect), te.encode(r.response))) {
      denied("the user name or password is incorrect");
    }
    if (stale) return this.#challenge(true, true);
    const last = this.#lastNc.get(r.nonce) ?? 0;
    if (r.nc <= last || !this.#p.counts.use(`${r.nonce} ${r.cnonce}`, r.nc)) {
      throw new SspiError(
        SEC_E_OUT_OF_SEQUENCE,
        "the nonce count was already used (replay)",
      );
    }
    this.#lastNc.delete(r.nonce);
    this.#lastNc.set(r.nonce, r.nc);
    // A long-lived context sees a new nonce after each stale one: keep the latest few.
    if (this.#lastNc.size > 16) {
      this.#lastNc.delete(this.#lastNc.keys().next().value!);
    }
    const rspauth = digestResponse(
      r.alg,
      ha1,
      HA2(r.alg, "", r.uri, r.qop, new Uint8Array(0)),
      {
        nonce: r.nonce,
        nc: r.ncText,
        cnonce: r.cnonce,
        qop: r.qop,
      },
    );
    this.clientName = u!.User;
    this.established = true;
    this.retFlags = ASC_RET_MUTUAL_AUTH;
    const info = encodeParams([
      ["qop", r.qop, false],
      ["rspauth", rspauth, true],
      ["cnonce", r.cnonce, true],
      ["nc", formatNc(r.nc), false],
    ]);
    return { status: SEC_E_OK, token: te.encode(info), attrs: this.retFlags };
  }

  // ---- SASL ----------------------------------------------------------------

  #verifySasl(
    req: StepRequest,
    text: string,
  ): StepResult | Promise<StepResult> {
    if (this.established) {
      throw new SspiError(SEC_E_OUT_OF_SEQUENCE, "the exchange is complete");
    }
    const h = parseCredentials(text);
    if (typeof h === "number" || h.scheme !== "") {
      bad("malformed digest-response");
    }
    const p = h.params;
    const need = (n: string): string => {
      const v = param(p, n);
      if (v === undefined) bad(`the digest-response has no ${n}`);
      return v;
    };
    const qop = (param(p, "qop") ?? "auth").toLowerCase();
    if (!this.#p.saslQop.includes(qop)) bad("the qop was not offered");
    let cipher: SaslCipher | undefined;
    if (qop === "auth-conf") {
      const c = need("cipher").toLowerCase() as SaslCipher;
      if (!this.#p.ciphers.includes(c)) bad("the cipher was not offered");
      cipher = c;
    }
    const ncText = need("nc");
    const nc = parseNc(ncText);
    if (nc === null) bad("nc must be 8 hex digits, not zero");
    const fields: SaslFields = {
      username: need("username"),
      realm: param(p, "realm") ?? "",
      nonce: need("nonce"),
      cnonce: need("cnonce"),
      nc: ncText,
      qop,
      digestUri: need("digest-uri"),
      authzid: param(p, "authzid"),
    };
    const response = need("response").toLowerCase();
    if (fields.realm !== this.#p.realm) {
      denied("the response is for another realm");
    }
    const nonceState = this.#p.nonces.check(fields.nonce, this.#p.realm);
    if (nonceState === "invalid") denied("the nonce was not issued here");
    void req;
    return this.#withUser(req, fields.username, false, "MD5", (u) => {
      const base = u
        ? userHA1(u, algorithmInfo("MD5")!, u.User, this.#p.realm)
        : null;
      if (!base) denied("the user name or password is incorrect");
      const ha1 = saslHA1(fromHex(base), fields);
      if (
        !constantTimeEqual(
          te.encode(saslResponse(ha1, fields)),
          te.encode(response),
        )
      ) {
        ha1.fill(0);
        denied("the user name or password is incorrect");
      }
      if (nonceState === "stale") return this.#challenge(false, true);
      if (!this.#p.counts.use(`${fields.nonce} ${fields.cnonce}`, nc)) {
        throw new SspiError(
          SEC_E_OUT_OF_SEQUENCE,
          "the nonce count was already used (replay)",
        );
      }
      let attrs = ASC_RET_MUTUAL_AUTH;
      if (qop !== "auth") {
        this.security = new SaslSecurity(
          saslKeys(ha1, cipher),
          "server",
          cipher,
        );
        attrs |= ASC_RET_INTEGRITY;
        if (cipher) attrs |= ASC_RET_CONFIDENTIALITY;
      }
      const rspauth = saslRspauth(ha1, fields);
      this.setSessionKey(ha1);
      ha1.fill(0);
      this.clientName = fields.username;
      this.established = true;
      this.retFlags = attrs;
      return {
        status: SEC_E_OK,
        token: te.encode(`rspauth=${rspauth}`),
        attrs,
      };
    });
  }
}
