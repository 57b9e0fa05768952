/**
 * Schannel's `EncryptMessage` and `DecryptMessage` over the established connection's
 * record protection, in Windows' stream-buffer layout, and the post-handshake
 * messages a record may carry (TLS 1.3 NewSessionTicket and KeyUpdate, TLS 1.2's
 * HelloRequest).
 *
 * A KeyUpdate with `update_requested` obliges us to send a KeyUpdate of our own
 * before our next application data (RFC 8446 4.6.3). An SSPI message call has no room
 * for a second record, so, as Windows does for post-handshake messages, the decrypt
 * reports it (`keyUpdateRequested`, which the context turns into `SEC_I_RENEGOTIATE`)
 * and the caller's next `InitializeSecurityContext`/`AcceptSecurityContext` gives
 * the KeyUpdate record to send ({@link keyUpdateRecord}).
 *
 * @module
 */
import {
  baseType,
  bufferBytes,
  findBuffer,
  markMissing,
  type SecBufferDesc,
} from "../../sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
} from "../../sspi/flags.ts";
import {
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_I_CONTEXT_EXPIRED,
} from "../../sspi/status.ts";
import {
  CT_ALERT,
  CT_APPLICATION_DATA,
  CT_HANDSHAKE,
  HS_KEY_UPDATE,
  HS_NEW_SESSION_TICKET,
  MAX_PLAINTEXT,
  TLS12,
} from "./constants.ts";
import type { TlsClient } from "./client.ts";
import type { TlsServer } from "./server.ts";
import { statusOfPeerAlert } from "./engine.ts";
import { recordAt, type RecordProtection } from "./record.ts";
import { TlsAlert } from "./wire.ts";

/** What {@link decryptStream} found. */
export interface DecryptResult {
  /** `SEC_E_OK`, `SEC_I_CONTEXT_EXPIRED` (close_notify) or a failure. */
  status: number;
  /** The record carried a KeyUpdate with `update_requested`: ours is owed. */
  keyUpdateRequested: boolean;
}

/** `EncryptMessage`: seals the DATA buffer in place between header and trailer. */
export function encryptStream(
  write: RecordProtection,
  message: SecBufferDesc,
): number {
  const header = findBuffer(message, SECBUFFER_STREAM_HEADER);
  const data = findBuffer(message, SECBUFFER_DATA);
  const trailer = findBuffer(message, SECBUFFER_STREAM_TRAILER);
  if (!header?.pvBuffer || !data || !trailer?.pvBuffer) {
    return SEC_E_INVALID_TOKEN;
  }
  const plain = bufferBytes(data);
  const tail = write.trailerFor(plain.length);
  if (
    header.pvBuffer.length < write.header ||
    trailer.pvBuffer.length < tail ||
    plain.length > MAX_PLAINTEXT
  ) {
    return SEC_E_BUFFER_TOO_SMALL;
  }
  write.sealParts(
    CT_APPLICATION_DATA,
    header.pvBuffer.subarray(0, write.header),
    plain,
    trailer.pvBuffer.subarray(0, tail),
  );
  header.cbBuffer = write.header;
  trailer.cbBuffer = tail;
  return SEC_E_OK;
}

/**
 * `DecryptMessage`: opens the first record of the DATA buffer in place. Windows'
 * layout: the data buffer becomes the header, the empty ones the data, the trailer
 * and the bytes past this record (`SECBUFFER_EXTRA`).
 */
export function decryptStream(
  engine: TlsClient | TlsServer,
  read: RecordProtection,
  client: boolean,
  message: SecBufferDesc,
): DecryptResult {
  const fail = (status: number) => ({ status, keyUpdateRequested: false });
  const dataBuf = findBuffer(message, SECBUFFER_DATA);
  if (!dataBuf?.pvBuffer) return fail(SEC_E_INVALID_TOKEN);
  const bytes = bufferBytes(dataBuf);
  const empties = message.pBuffers.filter((b) =>
    b && baseType(b) === SECBUFFER_EMPTY
  );
  let rec;
  try {
    rec = recordAt(bytes, 0);
  } catch (e) {
    if (e instanceof TlsAlert) return fail(e.status);
    throw e;
  }
  if (typeof rec === "number") {
    markMissing(message, rec);
    return fail(SEC_E_INCOMPLETE_MESSAGE);
  }
  const legacy = engine.version === TLS12;
  if (
    rec.type !== CT_APPLICATION_DATA &&
    (!legacy || (rec.type !== CT_ALERT && rec.type !== CT_HANDSHAKE))
  ) {
    return fail(SEC_E_ILLEGAL_MESSAGE);
  }
  let inner;
  try {
    inner = read.open(rec.header, rec.body);
  } catch (e) {
    if (e instanceof TlsAlert) return fail(e.status);
    throw e;
  }
  let status = SEC_E_OK;
  let keyUpdateRequested = false;
  let plain = inner.data;
  if (inner.type === CT_ALERT) {
    status = inner.data.length === 2 && inner.data[1] === 0
      ? SEC_I_CONTEXT_EXPIRED
      : statusOfPeerAlert(inner.data[1] ?? 255);
    plain = plain.subarray(0, 0);
  } else if (inner.type === CT_HANDSHAKE) {
    // Post-handshake messages yield no application data: NewSessionTicket goes
    // to the session cache, KeyUpdate moves the receiving keys on.
    const p = postHandshake(engine, client, inner.data);
    status = p.status;
    keyUpdateRequested = p.keyUpdateRequested;
    plain = plain.subarray(0, 0);
  } else if (inner.type !== CT_APPLICATION_DATA) {
    status = SEC_E_ILLEGAL_MESSAGE;
  }
  const start = plain.byteOffset - bytes.byteOffset;
  dataBuf.BufferType = SECBUFFER_STREAM_HEADER;
  dataBuf.pvBuffer = bytes.subarray(0, start);
  dataBuf.cbBuffer = start;
  const [d, t, x] = empties;
  if (d) {
    d.BufferType = SECBUFFER_DATA;
    d.pvBuffer = plain;
    d.cbBuffer = plain.length;
  }
  if (t) {
    t.BufferType = SECBUFFER_STREAM_TRAILER;
    t.pvBuffer = bytes.subarray(start + plain.length, rec.end);
    t.cbBuffer = t.pvBuffer.length;
  }
  if (x && rec.end < bytes.length) {
    x.BufferType = SECBUFFER_EXTRA;
    x.pvBuffer = bytes.subarray(rec.end);
    x.cbBuffer = bytes.length - rec.end;
  }
  return { status, keyUpdateRequested };
}

/** NewSessionTicket and KeyUpdate messages, whole within one record. */
function postHandshake(
  engine: TlsClient | TlsServer,
  client: boolean,
  data: Uint8Array,
): DecryptResult {
  const fail = (status: number) => ({ status, keyUpdateRequested: false });
  let keyUpdateRequested = false;
  let at = 0;
  while (at < data.length) {
    if (data.length - at < 4) return fail(SEC_E_ILLEGAL_MESSAGE);
    const type = data[at];
    const n = (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3];
    if (data.length - at - 4 < n) return fail(SEC_E_ILLEGAL_MESSAGE);
    if (engine.version === TLS12) {
      // TLS 1.2: a server's HelloRequest asks for renegotiation, which is not
      // offered; RFC 5246 7.4.1.1 lets a client ignore it.
      if (type !== 0 || n !== 0 || !client) return fail(SEC_E_ILLEGAL_MESSAGE);
    } else if (type === HS_KEY_UPDATE) {
      // The last message of its record (the next ones are under the next keys);
      // request_update is 0 (update_not_requested) or 1 (update_requested).
      if (n !== 1 || data[at + 4] > 1 || at + 5 !== data.length) {
        return fail(SEC_E_ILLEGAL_MESSAGE);
      }
      engine.updateReadKey();
      if (data[at + 4] === 1) keyUpdateRequested = true;
    } else if (type !== HS_NEW_SESSION_TICKET || !client) {
      return fail(SEC_E_ILLEGAL_MESSAGE);
    } else {
      const body = data.subarray(at + 4, at + 4 + n);
      const st = (engine as TlsClient).newSessionTicket(body);
      if (st !== SEC_E_OK) return fail(st);
    }
    at += 4 + n;
  }
  return { status: SEC_E_OK, keyUpdateRequested };
}
