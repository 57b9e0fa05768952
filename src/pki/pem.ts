/**
 * PEM (RFC 7468) text to DER blocks.
 *
 * @module
 */
import { decodeBase64Strict, encodeBase64 } from "../util/bytes.ts";

const BLOCK_RE =
  /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * The DER blocks of PEM `text` with the given label ("CERTIFICATE", "PRIVATE KEY",
 * ...), or of any label when `label` is omitted, in order. Blocks with mismatched
 * BEGIN/END labels, RFC 1421 headers (encrypted PEM) or bad base64 are skipped; text
 * between blocks is ignored.
 *
 * @example
 * ```ts
 * import { parsePem } from "./pem.ts";
 * const ders = parsePem("-----BEGIN X-----\nMAA=\n-----END X-----\n", "X"); // [30 00]
 * ```
 */
export function parsePem(text: string, label?: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (typeof text !== "string") return out;
  for (const m of text.matchAll(BLOCK_RE)) {
    if (m[1] !== m[3]) continue;
    if (label !== undefined && m[1] !== label) continue;
    if (m[2].includes(":")) continue;
    const der = decodeBase64Strict(m[2].replace(/\s+/g, ""));
    if (der && der.length > 0) out.push(der);
  }
  return out;
}

/** PEM text of one DER block with `label` (base64 in 64-character lines). */
export function toPem(der: Uint8Array, label: string): string {
  const b64 = encodeBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${
    lines.join("\n")
  }\n-----END ${label}-----\n`;
}
