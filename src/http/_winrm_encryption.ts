/**
 * WinRM's message encryption over HTTP (MS-WSMV 2.2.9.1.1,
 * "HTTP-SPNEGO-session-encrypted"): the `multipart/encrypted` body that carries a SOAP
 * message sealed with the NTLM, Kerberos or Negotiate context of the connection's
 * logon. Encoding builds the two MIME parts; decoding checks every length and marker
 * and returns a typed message or the reason it was refused, never throwing.
 *
 * ```
 * --Encrypted Boundary\r\n
 * \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
 * \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext length>\r\n
 * --Encrypted Boundary\r\n
 * \tContent-Type: application/octet-stream\r\n
 * <u32 LE signature length><signature><sealed data>--Encrypted Boundary--\r\n
 * ```
 *
 * @module
 */

/** The `protocol` parameter of the encrypted body's content type. */
export const SPNEGO_SESSION_ENCRYPTED =
  "application/HTTP-SPNEGO-session-encrypted";
/** The MIME boundary WinRM uses. */
export const ENCRYPTED_BOUNDARY = "Encrypted Boundary";
/** The `Content-Type` of an encrypted body. */
export const ENCRYPTED_CONTENT_TYPE =
  `multipart/encrypted;protocol="${SPNEGO_SESSION_ENCRYPTED}";boundary="${ENCRYPTED_BOUNDARY}"`;
/** The original content type WinRM clients and servers name: SOAP 1.2 in UTF-8. */
export const SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8";
/** Largest signature taken from a peer (NTLM's is 16 bytes, Kerberos' 60 with AES). */
export const MAX_SIGNATURE_BYTES = 1024;

/** A decoded encrypted body: the original content's type and length, and the sealed parts. */
export interface EncryptedMessage {
  /** The original content type (`OriginalContent: type=`), e.g. `application/soap+xml;charset=UTF-8`. */
  type: string;
  /** The plaintext length the sender declared (`Length=`). */
  length: number;
  /** The `SECBUFFER_TOKEN` of `EncryptMessage` (a view into the body). */
  signature: Uint8Array;
  /** The sealed data, `SECBUFFER_DATA` (a view into the body). */
  sealed: Uint8Array;
}

/** The result of {@linkcode decodeEncrypted}: the message, or why it was refused. */
export type DecodeResult = { message: EncryptedMessage } | { error: string };

const te = new TextEncoder();
const td = new TextDecoder("latin1");
const DASH_BOUNDARY = te.encode(`--${ENCRYPTED_BOUNDARY}\r\n`);
const CLOSE = `--${ENCRYPTED_BOUNDARY}--`;
const CLOSE_BYTES = te.encode(CLOSE);
/** Largest header block of one part (two short header lines in practice). */
const MAX_PART_HEADER = 4096;

/** True when `s` holds a control character (other than a tab, with `tabs`). */
function hasControl(s: string, tabs: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && !(tabs && c === 9)) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Parses a content type into its media type (lower case) and parameters (names lower
 * case, quoted values unquoted); null when it is not of that form.
 */
function mediaType(
  value: string,
): { type: string; params: Map<string, string> } | null {
  const m =
    /^\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*/
      .exec(value);
  if (!m) return null;
  const params = new Map<string, string>();
  const re =
    /;\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]*))\s*/y;
  re.lastIndex = m[0].length;
  while (re.lastIndex < value.length) {
    const p = re.exec(value);
    if (!p) return null;
    params.set(
      p[1].toLowerCase(),
      p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3],
    );
  }
  return { type: m[1].toLowerCase(), params };
}

/**
 * True when `contentType` is WinRM's encrypted body: `multipart/encrypted` with
 * `protocol="application/HTTP-SPNEGO-session-encrypted"` (compared without case) and
 * the `Encrypted Boundary` boundary.
 */
export function isEncryptedContentType(contentType: string | null): boolean {
  if (contentType === null || contentType.length > 1024) return false;
  const mt = mediaType(contentType);
  return mt !== null && mt.type === "multipart/encrypted" &&
    mt.params.get("protocol")?.toLowerCase() ===
      SPNEGO_SESSION_ENCRYPTED.toLowerCase() &&
    mt.params.get("boundary") === ENCRYPTED_BOUNDARY;
}

/**
 * The original content type to name in `OriginalContent`: `type` when it is a plain
 * media type that fits on the header line, else {@linkcode SOAP_CONTENT_TYPE}.
 */
export function originalType(type: string | null): string {
  if (
    type === null || type.length > 256 ||
    // The line ends at CR/LF and ";Length=" is ours: neither may come from the caller.
    hasControl(type, false) || /;\s*length\s*=/i.test(type) ||
    mediaType(type) === null
  ) {
    return SOAP_CONTENT_TYPE;
  }
  return type.trim();
}

/**
 * Encodes a sealed message as WinRM's encrypted body.
 *
 * @param type The original content type (see {@linkcode originalType}).
 * @param length The plaintext length.
 * @param signature The `SECBUFFER_TOKEN` of `EncryptMessage`.
 * @param sealed The sealed data (and any padding).
 * @returns The body bytes.
 */
export function encodeEncrypted(
  type: string,
  length: number,
  signature: Uint8Array,
  sealed: Uint8Array,
): Uint8Array {
  const head = te.encode(
    `--${ENCRYPTED_BOUNDARY}\r\n` +
      `\tContent-Type: ${SPNEGO_SESSION_ENCRYPTED}\r\n` +
      `\tOriginalContent: type=${originalType(type)};Length=${length}\r\n` +
      `--${ENCRYPTED_BOUNDARY}\r\n` +
      `\tContent-Type: application/octet-stream\r\n`,
  );
  const tail = te.encode(`${CLOSE}\r\n`);
  const out = new Uint8Array(
    head.length + 4 + signature.length + sealed.length + tail.length,
  );
  let o = 0;
  out.set(head, o);
  o += head.length;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(
    o,
    signature.length,
    true,
  );
  o += 4;
  out.set(signature, o);
  o += signature.length;
  out.set(sealed, o);
  o += sealed.length;
  out.set(tail, o);
  return out;
}

function startsWith(b: Uint8Array, at: number, seq: Uint8Array): boolean {
  if (at + seq.length > b.length) return false;
  for (let i = 0; i < seq.length; i++) if (b[at + i] !== seq[i]) return false;
  return true;
}

/** The index of `seq` in `b` at or after `from` and before `limit`, or -1. */
function indexOf(
  b: Uint8Array,
  seq: Uint8Array,
  from: number,
  limit: number,
): number {
  const end = Math.min(limit, b.length - seq.length);
  for (let i = from; i <= end; i++) if (startsWith(b, i, seq)) return i;
  return -1;
}

/**
 * The header lines of a part (each may begin with spaces or tabs and ends with
 * CRLF), as lower-cased names to values; null when malformed or repeated.
 */
function partHeaders(
  text: string,
): Map<string, string> | null {
  const h = new Map<string, string>();
  const lines = text.split("\r\n");
  if (lines.pop() !== "") return null; // every line ends with CRLF
  for (const line of lines) {
    const m = /^[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*:[ \t]*(.*?)[ \t]*$/
      .exec(line);
    if (!m || hasControl(m[2], true)) return null;
    const name = m[1].toLowerCase();
    if (h.has(name)) return null;
    h.set(name, m[2]);
  }
  return h;
}

/**
 * Decodes WinRM's encrypted body. Checks the boundaries, the part headers (the
 * SPNEGO protocol, `OriginalContent` with a decimal `Length`, `application/octet-stream`),
 * the signature length against the bytes present and {@linkcode MAX_SIGNATURE_BYTES},
 * and the closing boundary at the end; never throws.
 *
 * @param body The request or response body.
 * @returns The message, or `{ error }` naming what is wrong.
 */
export function decodeEncrypted(body: Uint8Array): DecodeResult {
  if (!startsWith(body, 0, DASH_BOUNDARY)) {
    return { error: "the body does not start with the Encrypted Boundary" };
  }
  const first = DASH_BOUNDARY.length;
  const second = indexOf(body, DASH_BOUNDARY, first, first + MAX_PART_HEADER);
  if (second < 0) return { error: "the second MIME part is missing" };
  const h1 = partHeaders(td.decode(body.subarray(first, second)));
  if (!h1) return { error: "malformed headers in the first MIME part" };
  if (
    h1.get("content-type")?.toLowerCase() !==
      SPNEGO_SESSION_ENCRYPTED.toLowerCase()
  ) {
    return {
      error: "the first MIME part is not HTTP-SPNEGO-session-encrypted",
    };
  }
  const oc = mediaType(h1.get("originalcontent")?.replace(/^type=/i, "") ?? "");
  const lengthText = oc?.params.get("length");
  if (!oc || lengthText === undefined || !/^\d{1,10}$/.test(lengthText)) {
    return { error: "OriginalContent has no valid type and Length" };
  }
  const length = Number(lengthText);
  if (length > 0x7fffffff) return { error: "OriginalContent Length too large" };
  const params = [...oc.params].filter(([k]) => k !== "length")
    .map(([k, v]) =>
      `;${k}=${
        /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(v) ? v : JSON.stringify(v)
      }`
    ).join("");
  const type = oc.type + params;

  // The second part: one header line, then the binary payload up to the close.
  const p2 = second + DASH_BOUNDARY.length;
  const eol = indexOf(body, te.encode("\r\n"), p2, p2 + MAX_PART_HEADER);
  if (eol < 0) return { error: "the second MIME part has no header" };
  const h2 = partHeaders(td.decode(body.subarray(p2, eol + 2)));
  if (
    !h2 || h2.size !== 1 ||
    h2.get("content-type")?.toLowerCase() !== "application/octet-stream"
  ) {
    return { error: "the second MIME part is not application/octet-stream" };
  }
  let end = body.length;
  if (body[end - 2] === 13 && body[end - 1] === 10) end -= 2;
  if (!startsWith(body, end - CLOSE_BYTES.length, CLOSE_BYTES)) {
    return { error: "the closing Encrypted Boundary is missing" };
  }
  end -= CLOSE_BYTES.length;
  const payload = eol + 2;
  if (end - payload < 4) return { error: "the encrypted payload is truncated" };
  const sigLen = new DataView(body.buffer, body.byteOffset + payload, 4)
    .getUint32(0, true);
  if (sigLen === 0 || sigLen > MAX_SIGNATURE_BYTES) {
    return { error: `signature length ${sigLen} out of range` };
  }
  if (sigLen > end - payload - 4) {
    return { error: "the signature length exceeds the payload" };
  }
  const s = payload + 4;
  return {
    message: {
      type,
      length,
      signature: body.subarray(s, s + sigLen),
      sealed: body.subarray(s + sigLen, end),
    },
  };
}
