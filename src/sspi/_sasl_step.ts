/**
 * The steps of `SaslInitializeSecurityContext` and `SaslAcceptSecurityContext`: the
 * package's own handshake, then for the "GSSAPI" profile (Kerberos) the RFC 4752
 * security-layer exchange, which Windows calls the SASL server cookie:
 *
 * ```
 * client                                    server
 * AP-REQ                       ->           (context up) AP-REP, CONTINUE
 * (context up) "", CONTINUE    ->           wrap(offer), CONTINUE
 * wrap(choice, authz), OK      ->           OK
 * ```
 *
 * Without mutual authentication the server's context is up at once and its first
 * answer is the offer. "GSS-SPNEGO" (Negotiate) and "DIGEST-MD5" (WDigest) have no
 * such exchange: their steps are the package's, as Windows' LDAP uses them.
 *
 * @module
 */
import {
  contexts,
  credentials,
  fail,
  isZero,
  type StepArgs,
  stepCore,
} from "./_dispatch.ts";
import { findBuffer, inputToken, writeBuffer } from "./buffers.ts";
import { ISC_REQ_ALLOCATE_MEMORY, SECBUFFER_TOKEN } from "./flags.ts";
import {
  chooseLayer,
  decodeLayerMessage,
  encodeLayerMessage,
  LAYER_CONFIDENTIALITY,
  LAYER_INTEGRITY,
  LAYER_NONE,
  offeredLayers,
  sendSizeFor,
  unwrap,
  wrapIntegrity,
} from "./_sasl_layer.ts";
import {
  attachSaslState,
  newSaslState,
  profileOfPackage,
  Sasl_AuthZIDForbidden,
  type SaslState,
  saslStateOf,
} from "./_sasl_state.ts";
import {
  isFailure,
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
} from "./status.ts";

/** One SASL step, synchronous or (with `async`) allowed to reach a KDC. */
export function saslStep(
  a: StepArgs,
  async: boolean,
): number | Promise<number> {
  const first = isZero(a.ctx);
  let s: SaslState | undefined;
  if (first) {
    const cred = credentials.get(a.cred);
    const profile = cred ? profileOfPackage(cred.pkg.info.Name) : undefined;
    if (cred && !profile) {
      return fail(
        SEC_E_SECPKG_NOT_FOUND,
        `the ${cred.pkg.info.Name} package has no SASL profile (GSSAPI is Kerberos, GSS-SPNEGO is Negotiate, DIGEST-MD5 is WDigest)`,
      );
    }
    s = newSaslState(profile ?? "");
  } else {
    s = saslStateOf(a.ctx);
    if (!s || contexts.get(a.ctx)?.role !== a.role) {
      return fail(SEC_E_INVALID_HANDLE, "not a SASL context of this side");
    }
    if (s.phase === "failed") {
      return fail(s.failure, "the SASL exchange failed");
    }
    if (s.phase !== "handshake") return layerStep(a, s);
  }
  const r = stepCore(a, async);
  const after = (st: number) => afterHandshake(a, s!, first, st);
  return r instanceof Promise ? r.then(after) : after(r);
}

/** Files the state of a new context and starts the layer exchange once it is up. */
function afterHandshake(
  a: StepArgs,
  s: SaslState,
  first: boolean,
  st: number,
): number {
  if (isFailure(st)) return st;
  if (first) attachSaslState(a.newCtx, s);
  s.attrs = a.attrs?.value ?? 0;
  s.expiry = a.expiry?.value ?? null;
  if (st !== SEC_E_OK || s.profile !== "GSSAPI") return st;
  const ctx = a.newCtx ?? a.ctx!;
  if (a.role === "initiate") {
    // The last AP-REQ (or nothing, after the AP-REP) goes out; the offer comes next.
    s.phase = "awaitOffer";
    return SEC_I_CONTINUE_NEEDED;
  }
  const out = findBuffer(a.output, SECBUFFER_TOKEN);
  if (out && out.cbBuffer > 0) {
    s.phase = "awaitEmpty";
    return SEC_I_CONTINUE_NEEDED;
  }
  return sendOffer({ ...a, ctx }, s);
}

/** The steps after the package's handshake. */
function layerStep(a: StepArgs, s: SaslState): number {
  const input = inputToken(a.input);
  switch (s.phase) {
    case "awaitEmpty":
      if (input) {
        return failed(
          s,
          SEC_E_INVALID_TOKEN,
          "the client's answer to the last Kerberos token must be empty (RFC 4752 3.1)",
        );
      }
      return sendOffer(a, s);
    case "awaitOffer":
      return input
        ? takeOffer(a, s, input)
        : failed(s, SEC_E_INVALID_TOKEN, "no security-layer offer was given");
    case "awaitChoice":
      return input
        ? takeChoice(a, s, input)
        : failed(s, SEC_E_INVALID_TOKEN, "no security-layer choice was given");
    default:
      return fail(
        SEC_E_INVALID_HANDLE,
        "the SASL exchange of this context is complete",
      );
  }
}

/** Server: wraps the offer (layers and largest message) as the output token. */
function sendOffer(a: StepArgs, s: SaslState): number {
  s.offered = offeredLayers(a.flags);
  const size = s.offered === LAYER_NONE ? 0 : s.recvSize;
  const wire = wrapIntegrity(a.ctx!, encodeLayerMessage(s.offered, size));
  if (typeof wire === "number") return failed(s, wire);
  s.phase = "awaitChoice";
  return emit(a, s, wire, SEC_I_CONTINUE_NEEDED);
}

/** Client: reads the offer, chooses, and wraps its choice and authorization identity. */
function takeOffer(a: StepArgs, s: SaslState, input: Uint8Array): number {
  const ctx = a.ctx!;
  const data = unwrap(ctx, input);
  if (typeof data === "number") return failed(s, data);
  const offer = decodeLayerMessage(data, true);
  if (typeof offer === "number") return failed(s, offer);
  const layer = chooseLayer(a.flags, offer.layers);
  if (isFailure(layer)) return failed(s, layer);
  if (s.authz?.length && s.authzProcessing === Sasl_AuthZIDForbidden) {
    return failed(
      s,
      SEC_E_UNSUPPORTED_FUNCTION,
      "SASL_OPTION_AUTHZ_PROCESSING forbids an authorization identity",
    );
  }
  const choice = encodeLayerMessage(
    layer,
    layer === LAYER_NONE ? 0 : s.recvSize,
    s.authz,
  );
  const wire = wrapIntegrity(ctx, choice);
  if (typeof wire === "number") return failed(s, wire);
  s.layer = layer;
  if (layer !== LAYER_NONE) s.sendSize = sendSizeFor(ctx, offer.maxSize);
  s.phase = "done";
  return emit(a, s, wire, SEC_E_OK);
}

/** Server: checks the client's choice against its offer and keeps its identity. */
function takeChoice(a: StepArgs, s: SaslState, input: Uint8Array): number {
  const ctx = a.ctx!;
  const data = unwrap(ctx, input);
  if (typeof data === "number") return failed(s, data);
  const choice = decodeLayerMessage(data, false);
  if (typeof choice === "number") return failed(s, choice);
  const l = choice.layers;
  if (
    l !== LAYER_NONE && l !== LAYER_INTEGRITY && l !== LAYER_CONFIDENTIALITY
  ) {
    return failed(
      s,
      SEC_E_INVALID_TOKEN,
      `the client chose layer bits 0x${l.toString(16)}; exactly one is allowed`,
    );
  }
  if (!(l & s.offered)) {
    return failed(
      s,
      SEC_E_ALGORITHM_MISMATCH,
      `the client chose a security layer (${l}) this server did not offer`,
    );
  }
  if (choice.rest.length) {
    if (s.authzProcessing === Sasl_AuthZIDForbidden) {
      return failed(
        s,
        SEC_E_UNSUPPORTED_FUNCTION,
        "the client sent an authorization identity and SASL_OPTION_AUTHZ_PROCESSING forbids it",
      );
    }
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(choice.rest);
    } catch {
      return failed(
        s,
        SEC_E_INVALID_TOKEN,
        "the authorization identity is not UTF-8",
      );
    }
    s.authz = choice.rest.slice();
  }
  s.layer = l;
  if (l !== LAYER_NONE) s.sendSize = sendSizeFor(ctx, choice.maxSize);
  s.phase = "done";
  return emit(a, s, new Uint8Array(0), SEC_E_OK);
}

/** Writes `token` as the output, the context's attributes and expiry, and returns `st`. */
function emit(
  a: StepArgs,
  s: SaslState,
  token: Uint8Array,
  st: number,
): number {
  if (a.newCtx && a.ctx && a.newCtx !== a.ctx) {
    a.newCtx.dwLower = a.ctx.dwLower;
    a.newCtx.dwUpper = a.ctx.dwUpper;
  }
  const out = findBuffer(a.output, SECBUFFER_TOKEN);
  if (!out) {
    if (token.length) {
      return failed(
        s,
        SEC_E_BUFFER_TOO_SMALL,
        "no SECBUFFER_TOKEN output buffer",
      );
    }
  } else if (
    !writeBuffer(out, token, (a.flags & ISC_REQ_ALLOCATE_MEMORY) !== 0, true)
  ) {
    return failed(
      s,
      SEC_E_BUFFER_TOO_SMALL,
      `the output buffer is too small for ${token.length} bytes`,
    );
  }
  if (a.attrs) a.attrs.value = s.attrs;
  if (a.expiry && s.expiry !== null) a.expiry.value = s.expiry;
  return st;
}

/** Fails the exchange for good: later calls return the same status. */
function failed(s: SaslState, status: number, message?: string): number {
  s.phase = "failed";
  s.failure = status;
  return message ? fail(status, message) : status;
}
