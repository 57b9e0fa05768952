/**
 * Our NTLM client and server paired, and the handshake the NTLM tests repeat.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type AttributeOut,
  client,
  CtxtHandle,
  DecryptMessage,
  EncryptMessage,
  ExportSecurityContext,
  ImportSecurityContext,
  QueryContextAttributes,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
  SECPKG_ATTR_SESSION_KEY,
  type SecurityContext,
  server,
  SspiError,
} from "../../mod.ts";

/** The one user the servers know. */
export const USERS = [{
  User: "alice",
  Domain: "EXAMPLE",
  Password: "S3cret!pw",
}];

/** Our client (alice) and our server, each with extra auth data. */
export function pair(
  password = "S3cret!pw",
  serverData: Record<string, unknown> = {},
  clientData: Record<string, unknown> = {},
) {
  const c = client({
    authData: {
      User: "alice",
      Domain: "EXAMPLE",
      Password: password,
      ...clientData,
    },
    target: "HTTP/web.example.com",
  });
  const s = server({ authData: { users: USERS, ...serverData } });
  return { c, s };
}

/** NEGOTIATE, CHALLENGE, AUTHENTICATE (optionally altered); the server completes. */
export function handshake(
  c: SecurityContext,
  s: SecurityContext,
  tamper?: (auth: Uint8Array) => void,
): void {
  const neg = c.step(null)!;
  const chal = s.step(neg)!;
  const auth = c.step(chal)!;
  tamper?.(auth);
  assert.equal(s.step(auth), null);
}

/** The status of the SspiError `f` throws. */
export function statusOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SspiError, String(e));
    return e.status;
  }
  throw new Error("expected an SspiError");
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Seals `text` on `ctx` through `EncryptMessage`: the 16-byte trailer, then the data. */
export function seal(ctx: CtxtHandle, text: string): Uint8Array {
  const data = enc.encode(text);
  const out = new Uint8Array(16 + data.length);
  out.set(data, 16);
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, out.subarray(0, 16)),
    new SecBuffer(SECBUFFER_DATA, out.subarray(16)),
  ]);
  assert.equal(EncryptMessage(ctx, 0, msg, 0), SEC_E_OK);
  return out;
}

/** Opens what `seal` made (a copy) through `DecryptMessage`: the status and the text. */
export function unseal(ctx: CtxtHandle, wrapped: Uint8Array): [number, string] {
  const copy = wrapped.slice();
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, copy.subarray(0, 16)),
    new SecBuffer(SECBUFFER_DATA, copy.subarray(16)),
  ]);
  const st = DecryptMessage(ctx, msg, 0, { value: 0 });
  return [st, dec.decode(copy.subarray(16))];
}

/** `ExportSecurityContext` with `flags`: the status and the packed bytes, if any. */
export function exported(
  ctx: CtxtHandle,
  flags = 0,
): [number, Uint8Array | undefined] {
  const packed: AttributeOut<SecBuffer> = {};
  const st = ExportSecurityContext(ctx, flags, packed, null);
  return [st, packed.value?.pvBuffer ?? undefined];
}

/** `ImportSecurityContext(pkg, bytes)`: the status and the new handle. */
export function imported(
  pkg: string,
  bytes: Uint8Array,
): [number, CtxtHandle] {
  const h = new CtxtHandle();
  const st = ImportSecurityContext(
    pkg,
    new SecBuffer(SECBUFFER_TOKEN, bytes),
    null,
    h,
  );
  return [st, h];
}

/** The session key `ctx` reports (`SECPKG_ATTR_SESSION_KEY`). */
export function sessionKeyOf(ctx: CtxtHandle): Uint8Array | undefined {
  const k: AttributeOut<{ SessionKey: Uint8Array }> = {};
  QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_KEY, k);
  return k.value?.SessionKey;
}

/**
 * `SECPKG_ATTR_CLIENT_SPECIFIED_TARGET` of `ctx`: the SPN the client named, or the
 * status when there is none to give.
 */
export function clientTargetOf(ctx: CtxtHandle): string | number {
  const t: AttributeOut<{ sTargetName: string }> = {};
  const st = QueryContextAttributes(
    ctx,
    SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
    t,
  );
  return st === SEC_E_OK ? t.value!.sTargetName : st;
}
