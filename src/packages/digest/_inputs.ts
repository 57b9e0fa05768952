/**
 * Reads the input buffers of Digest calls: the `SECBUFFER_TOKEN` and the
 * `SECBUFFER_PKG_PARAMS` buffers in order (method, then URI or body, see `mod.ts`).
 *
 * @module
 */
import {
  baseType,
  bufferBytes,
  findBuffer,
  type SecBufferDesc,
} from "../../sspi/buffers.ts";
import { SECBUFFER_PKG_PARAMS, SECBUFFER_TOKEN } from "../../sspi/flags.ts";

/** The token bytes (empty when absent). */
export function tokenOf(desc: SecBufferDesc | null): Uint8Array {
  return bufferBytes(findBuffer(desc, SECBUFFER_TOKEN));
}

/** The `SECBUFFER_PKG_PARAMS` buffers in order (null entries for missing bytes). */
export function pkgParams(desc: SecBufferDesc | null): Uint8Array[] {
  if (!desc || !Array.isArray(desc.pBuffers)) return [];
  const out: Uint8Array[] = [];
  for (const b of desc.pBuffers) {
    if (b && baseType(b) === SECBUFFER_PKG_PARAMS) out.push(bufferBytes(b));
  }
  return out;
}

/** A parameter buffer as text (Latin-1: method and URI are US-ASCII on the wire). */
export function paramText(b: Uint8Array | undefined): string {
  if (!b) return "";
  let s = "";
  for (let i = 0; i < b.length && i < 8192; i++) s += String.fromCharCode(b[i]);
  return s.replace(/\0+$/, "");
}
