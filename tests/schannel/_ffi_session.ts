/**
 * Shared steps of the Schannel tests against OpenSSL through FFI
 * (`tests/peers/openssl_ffi.ts`): handshakes in memory with our client or our server,
 * and DecryptMessage/EncryptMessage over many records.
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  SEC_E_OK,
  SEC_I_CONTEXT_EXPIRED,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import type { OpensslEndpoint } from "../peers/openssl_ffi.ts";
import { asc, isc, seal, unseal } from "./_tls.ts";

/** `size` bytes of a pattern that depends on `seed`. */
export function pattern(size: number, seed: number): Uint8Array {
  const d = new Uint8Array(size);
  for (let i = 0; i < size; i++) d[i] = (i * 31 + seed) & 0xff;
  return d;
}

/** The parts one after another. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Our client against an OpenSSL server endpoint: ClientHello, the server's flight,
 * our Finished. Returns our context and any bytes past the handshake.
 */
export function ourClientHandshake(
  cred: CredHandle,
  server: OpensslEndpoint,
  target = "localhost",
): { ctx: CtxtHandle; rest: Uint8Array } {
  const ctx = new CtxtHandle();
  let r = isc(cred, ctx, true, target, null);
  assert.equal(r.status, SEC_I_CONTINUE_NEEDED);
  let pending: Uint8Array = new Uint8Array(0);
  for (let legs = 0; legs < 8; legs++) {
    server.feed(r.token ?? new Uint8Array(0));
    pending = concat([pending, server.take()]);
    r = isc(cred, ctx, false, target, pending);
    pending = r.extra
      ? pending.slice(pending.length - r.extra)
      : new Uint8Array(0);
    if (r.status === SEC_E_OK) {
      // Our Finished goes to the server; what it sends after (tickets) comes back.
      server.feed(r.token ?? new Uint8Array(0));
      assert.ok(server.handshakeDone, "OpenSSL's server did not finish");
      return { ctx, rest: concat([pending, server.take()]) };
    }
    assert.equal(
      r.status,
      SEC_I_CONTINUE_NEEDED,
      `ISC: 0x${(r.status >>> 0).toString(16)}`,
    );
  }
  throw new Error("the handshake did not finish");
}

/** An OpenSSL client endpoint against our server. Returns our context. */
export function ourServerHandshake(
  cred: CredHandle,
  client: OpensslEndpoint,
  flags?: number,
): CtxtHandle {
  const ctx = new CtxtHandle();
  let first = true;
  let pending: Uint8Array = new Uint8Array(0);
  for (let legs = 0; legs < 8; legs++) {
    pending = concat([pending, client.take()]);
    const r = asc(cred, ctx, first, pending, flags);
    first = false;
    pending = r.extra
      ? pending.slice(pending.length - r.extra)
      : new Uint8Array(0);
    if (r.token) client.feed(r.token);
    if (r.status === SEC_E_OK) {
      assert.ok(client.handshakeDone, "OpenSSL's client did not finish");
      assert.equal(pending.length, 0);
      return ctx;
    }
    assert.equal(
      r.status,
      SEC_I_CONTINUE_NEEDED,
      `ASC: 0x${(r.status >>> 0).toString(16)}`,
    );
  }
  throw new Error("the handshake did not finish");
}

/**
 * DecryptMessage over `bytes` until it is used up: the plaintext of every record,
 * and how many records gave no data (tickets) and whether close_notify came.
 */
export function unsealAll(
  ctx: CtxtHandle,
  bytes: Uint8Array,
): { data: Uint8Array; empty: number; records: number; closed: boolean } {
  const parts: Uint8Array[] = [];
  let empty = 0;
  let records = 0;
  let closed = false;
  let rest: Uint8Array | null = bytes.slice();
  while (rest && rest.length) {
    const u = unseal(ctx, rest);
    records++;
    if (u.status === SEC_I_CONTEXT_EXPIRED) {
      closed = true;
      assert.equal(u.extra, null, "bytes after close_notify");
      break;
    }
    assert.equal(
      u.status,
      SEC_E_OK,
      `DecryptMessage: 0x${(u.status >>> 0).toString(16)}`,
    );
    assert.ok(u.data, "no DATA buffer");
    if (u.data.length) parts.push(u.data.slice());
    else empty++;
    rest = u.extra ? u.extra.slice() : null;
  }
  return { data: concat(parts), empty, records, closed };
}

/** Our EncryptMessage in records of at most 16 KiB (one empty record for no data). */
export function sealAll(ctx: CtxtHandle, data: Uint8Array): Uint8Array {
  const records: Uint8Array[] = [];
  for (let at = 0; at === 0 || at < data.length; at += 16384) {
    records.push(seal(ctx, data.subarray(at, at + 16384)));
  }
  return concat(records);
}
