/**
 * The security-layer negotiation of the SASL "GSSAPI" mechanism (RFC 4752 3.1), which
 * `SaslInitializeSecurityContext`/`SaslAcceptSecurityContext` run after the Kerberos
 * context is established: the server wraps (integrity only) four octets, the layers it
 * offers and the largest message it takes; the client wraps back the one layer it
 * chose, the largest message it takes and, optionally, an authorization identity.
 *
 * The wrapping goes through the context's own `EncryptMessage`/`DecryptMessage`
 * (`SECQOP_WRAP_NO_ENCRYPT`): one RFC 4121 Wrap token on the wire, as MIT's and
 * Cyrus SASL's `gss_wrap` make it.
 *
 * @module
 */
import { DecryptMessage, EncryptMessage } from "./api.ts";
import { QueryContextAttributes } from "./api_attributes.ts";
import { bufferBytes, SecBuffer, SecBufferDesc } from "./buffers.ts";
import { concat } from "../util/bytes.ts";
import {
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_INTEGRITY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  SECBUFFER_DATA,
  SECBUFFER_STREAM,
  SECQOP_WRAP_NO_ENCRYPT,
} from "./flags.ts";
import type { CtxtHandle } from "./handles.ts";
import { fail } from "./_dispatch.ts";
import { contextSizes, sealParts } from "./seal_parts.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
} from "./status.ts";

/** The portable functions the layer wraps and unwraps with. */
const PORTABLE = { EncryptMessage, QueryContextAttributes };

/** RFC 4752's layer bits: no security layer, integrity, confidentiality. */
export const LAYER_NONE = 1;
/** Integrity protection (Wrap tokens, not sealed). */
export const LAYER_INTEGRITY = 2;
/** Confidentiality (Wrap tokens, sealed). */
export const LAYER_CONFIDENTIALITY = 4;

/** The largest size three octets carry. */
const MAX_SIZE = 0xffffff;

/** The layers a server offers for its `fContextReq`: what it requires, and stronger. */
export function offeredLayers(ascFlags: number): number {
  if (ascFlags & ASC_REQ_CONFIDENTIALITY) return LAYER_CONFIDENTIALITY;
  if (ascFlags & ASC_REQ_INTEGRITY) {
    return LAYER_INTEGRITY | LAYER_CONFIDENTIALITY;
  }
  return LAYER_NONE | LAYER_INTEGRITY | LAYER_CONFIDENTIALITY;
}

/**
 * The layer a client with `iscFlags` takes from `offered`: confidentiality when it
 * asked for it, integrity (or better) when it asked for that, otherwise the weakest
 * offered. A status when nothing offered meets what it asked for: never a silent
 * downgrade.
 */
export function chooseLayer(iscFlags: number, offered: number): number {
  if (iscFlags & ISC_REQ_CONFIDENTIALITY) {
    return offered & LAYER_CONFIDENTIALITY ? LAYER_CONFIDENTIALITY : fail(
      SEC_E_ALGORITHM_MISMATCH,
      "ISC_REQ_CONFIDENTIALITY was asked for and the server offers no confidentiality layer",
    );
  }
  if (iscFlags & ISC_REQ_INTEGRITY) {
    if (offered & LAYER_INTEGRITY) return LAYER_INTEGRITY;
    return offered & LAYER_CONFIDENTIALITY ? LAYER_CONFIDENTIALITY : fail(
      SEC_E_ALGORITHM_MISMATCH,
      "ISC_REQ_INTEGRITY was asked for and the server offers only no security layer",
    );
  }
  for (const l of [LAYER_NONE, LAYER_INTEGRITY, LAYER_CONFIDENTIALITY]) {
    if (offered & l) return l;
  }
  return fail(SEC_E_ALGORITHM_MISMATCH, "the server offers no security layer");
}

/** The four octets (then the authorization identity, if any) of a layer message. */
export function encodeLayerMessage(
  layers: number,
  maxSize: number,
  authz: Uint8Array | null = null,
): Uint8Array {
  const size = Math.min(Math.max(0, maxSize >>> 0), MAX_SIZE);
  const out = new Uint8Array(4 + (authz?.length ?? 0));
  out[0] = layers & 0xff;
  out[1] = size >>> 16;
  out[2] = (size >>> 8) & 0xff;
  out[3] = size & 0xff;
  if (authz) out.set(authz, 4);
  return out;
}

/** A decoded layer message. */
export interface LayerMessage {
  /** The layer bits. */
  layers: number;
  /** The largest message the sender takes. */
  maxSize: number;
  /** The bytes after the fourth (the client's authorization identity). */
  rest: Uint8Array;
}

/**
 * Reads a layer message: at least four octets, exactly four from a server
 * (`SEC_E_INVALID_TOKEN` otherwise).
 */
export function decodeLayerMessage(
  data: Uint8Array,
  fromServer: boolean,
): LayerMessage | number {
  if (data.length < 4 || (fromServer && data.length !== 4)) {
    return fail(
      SEC_E_INVALID_TOKEN,
      `a SASL security-layer message is ${
        fromServer ? "exactly" : "at least"
      } 4 bytes; this one is ${data.length}`,
    );
  }
  return {
    layers: data[0],
    maxSize: (data[1] << 16) | (data[2] << 8) | data[3],
    rest: data.subarray(4),
  };
}

/** Wraps `data` with integrity only: one Wrap token, as `gss_wrap(conf=0)` makes. */
export function wrapIntegrity(
  ctx: CtxtHandle,
  data: Uint8Array,
): Uint8Array | number {
  const p = sealParts(PORTABLE, ctx, SECQOP_WRAP_NO_ENCRYPT, data, 0);
  if (typeof p === "number") return p;
  return concat(p.token, p.data, p.padding);
}

/** Unwraps one Wrap token (sealed or not); its data, or the status. */
export function unwrap(
  ctx: CtxtHandle,
  wire: Uint8Array,
): Uint8Array | number {
  const data = new SecBuffer(SECBUFFER_DATA, null);
  const st = DecryptMessage(
    ctx,
    new SecBufferDesc([new SecBuffer(SECBUFFER_STREAM, wire.slice()), data]),
    0,
    { value: 0 },
  );
  if (st !== SEC_E_OK) return st;
  return bufferBytes(data);
}

/**
 * `SASL_OPTION_SEND_SIZE` from the peer's largest message: minus the block size,
 * the trailer size and the largest signature, as the option's page says.
 */
export function sendSizeFor(ctx: CtxtHandle, peerMax: number): number {
  const sizes = contextSizes(PORTABLE, ctx);
  if (typeof sizes === "number") return 0;
  return Math.max(
    0,
    peerMax - sizes.cbBlockSize - sizes.cbSecurityTrailer -
      sizes.cbMaxSignature,
  );
}
