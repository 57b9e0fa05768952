/**
 * `SecBuffer`, `SecBufferDesc` and the small out-parameter shapes of the SSPI functions
 * (DESIGN.md section 4), plus helpers the dispatcher uses to read input buffers and to
 * fill output buffers the way Windows does.
 *
 * @module
 */
import {
  SECBUFFER_ATTRMASK,
  SECBUFFER_EMPTY,
  SECBUFFER_MISSING,
  SECBUFFER_TOKEN,
  SECBUFFER_VERSION,
} from "./flags.ts";

/**
 * One buffer of a `SecBufferDesc`: a type (`SECBUFFER_TOKEN`, `SECBUFFER_DATA`, ...) and
 * its bytes. `cbBuffer` is the number of bytes of `pvBuffer` that count.
 *
 * @example
 * ```ts
 * import { SecBuffer, SECBUFFER_TOKEN } from "../../mod.ts";
 * const out = new SecBuffer(SECBUFFER_TOKEN, null); // filled by ISC_REQ_ALLOCATE_MEMORY
 * ```
 */
export class SecBuffer {
  /** The buffer type, possibly or-ed with `SECBUFFER_READONLY` and similar attributes. */
  BufferType: number;
  /** The number of bytes of `pvBuffer` in use. */
  cbBuffer: number;
  /** The bytes, or null for an output buffer the package allocates. */
  pvBuffer: Uint8Array | null;
  /** Creates a buffer; `cbBuffer` starts as `pvBuffer?.length ?? 0`. */
  constructor(BufferType: number, pvBuffer: Uint8Array | null = null) {
    if (typeof BufferType !== "number") {
      throw new TypeError("SecBuffer: BufferType must be a number");
    }
    if (pvBuffer !== null && !(pvBuffer instanceof Uint8Array)) {
      throw new TypeError("SecBuffer: pvBuffer must be a Uint8Array or null");
    }
    this.BufferType = BufferType >>> 0;
    this.pvBuffer = pvBuffer;
    this.cbBuffer = pvBuffer?.length ?? 0;
  }
}

/**
 * An array of `SecBuffer`s, as passed for `pInput`/`pOutput` and message functions.
 *
 * @example
 * ```ts
 * import { SecBuffer, SecBufferDesc, SECBUFFER_TOKEN } from "../../mod.ts";
 * const desc = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(2888))]);
 * ```
 */
export class SecBufferDesc {
  /** Always `SECBUFFER_VERSION` (0). */
  ulVersion: number = SECBUFFER_VERSION;
  /** The number of buffers; kept equal to `pBuffers.length`. */
  get cBuffers(): number {
    return this.pBuffers.length;
  }
  /** The buffers. */
  pBuffers: SecBuffer[];
  /** Creates a descriptor over the given buffers. */
  constructor(pBuffers: SecBuffer[] = []) {
    if (!Array.isArray(pBuffers)) {
      throw new TypeError(
        "SecBufferDesc: pBuffers must be an array of SecBuffer",
      );
    }
    this.pBuffers = pBuffers;
  }
}

/** `TimeStamp`: 100-ns ticks since 1601-01-01 UTC, like `FILETIME`. */
export interface TimeStamp {
  /** The ticks. */
  value: bigint;
}

/** An out-parameter holding a 32-bit value (`pfContextAttr`, `pfQOP`, ...). */
export interface ULongOut {
  /** The value written by the call. */
  value: number;
}

/** An out-parameter that receives an attribute structure (`QueryContextAttributes`). */
export interface AttributeOut<T = unknown> {
  /** The structure written by the call. */
  value?: T;
}

/** `TimeStamp` value meaning "never expires" (what Windows returns for NTLM). */
export const TIMESTAMP_NEVER = 0x7fffffffffffffffn;

/** Ticks between 1601-01-01 and 1970-01-01. */
const EPOCH_DIFF = 116444736000000000n;

/** Converts JavaScript milliseconds since 1970 to `FILETIME` ticks. */
export function filetimeFromMs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * 10000n + EPOCH_DIFF;
}

/** Converts `FILETIME` ticks to JavaScript milliseconds since 1970. */
export function msFromFiletime(ft: bigint): number {
  return Number((ft - EPOCH_DIFF) / 10000n);
}

/** The base type of a buffer, without the attribute bits (`SECBUFFER_READONLY`...). */
export function baseType(b: SecBuffer): number {
  return b.BufferType & ~SECBUFFER_ATTRMASK;
}

/** The first buffer of a type in a descriptor, or undefined. */
export function findBuffer(
  desc: SecBufferDesc | null | undefined,
  type: number,
): SecBuffer | undefined {
  if (!desc) return undefined;
  for (const b of desc.pBuffers) {
    if (b && baseType(b) === type) return b;
  }
  return undefined;
}

/**
 * Schannel's `SEC_E_INCOMPLETE_MESSAGE` convention: the first `SECBUFFER_EMPTY` of
 * `desc` becomes `SECBUFFER_MISSING` holding how many more bytes are needed.
 */
export function markMissing(
  desc: SecBufferDesc | null | undefined,
  missing: number,
): void {
  const empty = findBuffer(desc, SECBUFFER_EMPTY);
  if (!empty) return;
  empty.BufferType = SECBUFFER_MISSING;
  empty.cbBuffer = missing;
}

/** The bytes a buffer holds (`cbBuffer` of `pvBuffer`), or an empty array. */
export function bufferBytes(b: SecBuffer | undefined): Uint8Array {
  if (!b || !b.pvBuffer) return new Uint8Array(0);
  const n = Math.min(b.cbBuffer >>> 0, b.pvBuffer.length);
  return n === b.pvBuffer.length ? b.pvBuffer : b.pvBuffer.subarray(0, n);
}

/** The input token (first `SECBUFFER_TOKEN`) of a descriptor, or null when absent/empty. */
export function inputToken(
  desc: SecBufferDesc | null | undefined,
): Uint8Array | null {
  const b = findBuffer(desc, SECBUFFER_TOKEN);
  if (!b) return null;
  const bytes = bufferBytes(b);
  return bytes.length ? bytes : null;
}

/**
 * Writes `data` into an output buffer: a new array when `allocate` is set (the
 * `*_ALLOCATE_MEMORY` flags), otherwise into the caller's `pvBuffer`. Returns false when
 * the caller's buffer is too small (the caller then returns `SEC_E_BUFFER_TOO_SMALL`).
 */
export function writeBuffer(
  b: SecBuffer,
  data: Uint8Array,
  allocate: boolean,
  fresh = false,
): boolean {
  if (allocate || b.pvBuffer === null) {
    if (!allocate && data.length > 0) return false;
    // A fresh array from the package becomes the caller's; others are copied.
    b.pvBuffer = fresh ? data : data.slice();
    b.cbBuffer = data.length;
    return true;
  }
  if (b.pvBuffer.length < data.length) return false;
  b.pvBuffer.set(data);
  b.cbBuffer = data.length;
  return true;
}

/**
 * Builds a `SEC_CHANNEL_BINDINGS` structure carrying only application data (what TLS
 * channel bindings, `tls-server-end-point:<hash>`, look like).
 */
export function secChannelBindings(applicationData: Uint8Array): Uint8Array {
  const out = new Uint8Array(32 + applicationData.length);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint32(24, applicationData.length, true);
  v.setUint32(28, 32, true);
  out.set(applicationData, 32);
  return out;
}
