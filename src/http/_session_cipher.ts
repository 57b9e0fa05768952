/**
 * Sealing and unsealing HTTP message bodies with the security context of a
 * connection's logon, in the split form Windows uses for WinRM (MS-WSMV 2.2.9.1.1):
 * `EncryptMessage` over `[SECBUFFER_TOKEN (cbSecurityTrailer), SECBUFFER_DATA,
 * SECBUFFER_PADDING (cbBlockSize)]` gives the signature (the token as written: 16
 * bytes for NTLM; for Kerberos the RFC 4121 Wrap token's header, encrypted header
 * copy, checksum and confounder, 60 bytes with AES) and the sealed data (plus any
 * padding); `DecryptMessage` over `[TOKEN = signature, DATA = sealed]` opens it.
 *
 * @module
 */
import { SecBuffer, SecBufferDesc } from "../sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECQOP_WRAP_NO_ENCRYPT,
} from "../sspi/flags.ts";
import { sealParts } from "../sspi/seal_parts.ts";
import { concat } from "../util/bytes.ts";
import type { CtxtHandle } from "../sspi/handles.ts";
import type { SecurityFunctionTable } from "../native/function_table.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
} from "../sspi/status.ts";

/** The SSPI functions a {@linkcode SessionCipher} calls. */
export type MessageFunctions = Pick<
  SecurityFunctionTable,
  "EncryptMessage" | "DecryptMessage" | "QueryContextAttributes"
>;

/** A sealed message: the `SECBUFFER_TOKEN` and the sealed data. */
export interface SealedMessage {
  /** The signature (`SECBUFFER_TOKEN` as written). */
  signature: Uint8Array;
  /** The encrypted data, followed by the padding the package wrote (if any). */
  sealed: Uint8Array;
}

/**
 * Seals and unseals message bodies with an established context, keeping the message
 * sequence numbers passed as `MessageSeqNo` (the portable packages keep their own;
 * WinPR's use these). Each sealed message verifies once: a replay or a reordering
 * fails its sequence check.
 */
export class SessionCipher {
  readonly #t: MessageFunctions;
  readonly #ctx: CtxtHandle;
  #seqOut = 0;
  #seqIn = 0;

  /** A cipher over the established context `ctx`, called through `table`. */
  constructor(table: MessageFunctions, ctx: CtxtHandle) {
    this.#t = table;
    this.#ctx = ctx;
  }

  /**
   * Seals `data` (not modified); returns the signature and sealed bytes, or the
   * failing status.
   */
  seal(data: Uint8Array): SealedMessage | number {
    const p = sealParts(this.#t, this.#ctx, 0, data, this.#seqOut);
    if (typeof p === "number") return p;
    this.#seqOut++;
    return {
      signature: p.token.slice(),
      sealed: p.padding.length ? concat(p.data, p.padding) : p.data,
    };
  }

  /**
   * Opens a message sealed by the peer (the inputs are not modified); returns the
   * plaintext, or the failing status (`SEC_E_MESSAGE_ALTERED` for a tampered
   * message, `SEC_E_OUT_OF_SEQUENCE` for a replayed one). A message the peer only
   * signed (`SECQOP_WRAP_NO_ENCRYPT`) is refused: WinRM's bodies are encrypted.
   */
  unseal(signature: Uint8Array, sealed: Uint8Array): Uint8Array | number {
    const token = new SecBuffer(SECBUFFER_TOKEN, signature.slice());
    const body = new SecBuffer(SECBUFFER_DATA, sealed.slice());
    const msg = new SecBufferDesc([token, body]);
    const qop = { value: 0 };
    let s: number;
    try {
      s = this.#t.DecryptMessage(this.#ctx, msg, this.#seqIn, qop);
    } catch {
      return SEC_E_INVALID_TOKEN; // a provider's programmer error: not our caller's
    }
    if (s !== SEC_E_OK) return s;
    this.#seqIn++;
    if (qop.value === SECQOP_WRAP_NO_ENCRYPT) return SEC_E_MESSAGE_ALTERED;
    const out = msg.pBuffers[1];
    if (!out.pvBuffer) return SEC_E_INVALID_TOKEN;
    return out.pvBuffer.subarray(
      0,
      Math.min(out.cbBuffer, out.pvBuffer.length),
    );
  }
}
