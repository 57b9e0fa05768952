/**
 * What the Kerberos export tests and their worker share: sealing and signing through
 * the SSPI message calls in Windows' split layout, messages both ways between two
 * contexts, exports and imports (asserted to succeed), and the attributes an imported
 * context must report as the original did.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  MakeSignature,
  QueryContextAttributes,
  SEC_E_INVALID_HANDLE,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
  SECPKG_ATTR_FLAGS,
  SECPKG_ATTR_LIFESPAN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NATIVE_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_CONTEXT_EXPORT_DELETE_OLD,
  statusName,
  VerifySignature,
} from "../../mod.ts";
import { exported, imported } from "../ntlm/_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
/**
 * `cbSecurityTrailer` (a Wrap token's non-data part: 60 for AES-SHA1, 64 or 72 for
 * AES-SHA2) and `cbMaxSignature` (a MIC token) of `ctx`.
 */
function sizesOf(
  ctx: CtxtHandle,
): { cbSecurityTrailer: number; cbMaxSignature: number } {
  const out = { value: null as unknown };
  assert.equal(QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, out), SEC_E_OK);
  return out.value as { cbSecurityTrailer: number; cbMaxSignature: number };
}

/** A sealed message in Windows' split form: the token, and the data encrypted in place. */
export interface Sealed {
  /** The `SECBUFFER_TOKEN` part. */
  token: Uint8Array;
  /** The `SECBUFFER_DATA` part. */
  data: Uint8Array;
}

/** `EncryptMessage` of `text` on `ctx` (asserted to succeed). */
export function seal(ctx: CtxtHandle, text: string): Sealed {
  const tok = new SecBuffer(
    SECBUFFER_TOKEN,
    new Uint8Array(sizesOf(ctx).cbSecurityTrailer),
  );
  const data = enc.encode(text);
  const m = new SecBufferDesc([tok, new SecBuffer(SECBUFFER_DATA, data)]);
  assert.equal(statusName(EncryptMessage(ctx, 0, m, 0)), statusName(SEC_E_OK));
  return { token: tok.pvBuffer!.slice(0, tok.cbBuffer), data };
}

/** `DecryptMessage` of (a copy of) `m` on `ctx`: the status and the text. */
export function unseal(ctx: CtxtHandle, m: Sealed): [number, string] {
  const data = new SecBuffer(SECBUFFER_DATA, m.data.slice());
  const st = DecryptMessage(
    ctx,
    new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, m.token.slice()), data]),
    0,
    { value: 0 },
  );
  return [st, dec.decode(data.pvBuffer!.subarray(0, data.cbBuffer))];
}

/** `MakeSignature` over `text` on `ctx` (asserted to succeed): the MIC token. */
export function sign(ctx: CtxtHandle, text: string): Uint8Array {
  const tok = new SecBuffer(
    SECBUFFER_TOKEN,
    new Uint8Array(sizesOf(ctx).cbMaxSignature),
  );
  const m = new SecBufferDesc([
    tok,
    new SecBuffer(SECBUFFER_DATA, enc.encode(text)),
  ]);
  assert.equal(statusName(MakeSignature(ctx, 0, m, 0)), statusName(SEC_E_OK));
  return tok.pvBuffer!.slice(0, tok.cbBuffer);
}

/** `VerifySignature` of `mic` over `text` on `ctx`: the status. */
export function verify(ctx: CtxtHandle, text: string, mic: Uint8Array): number {
  return VerifySignature(
    ctx,
    new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, mic.slice()),
      new SecBuffer(SECBUFFER_DATA, enc.encode(text)),
    ]),
    0,
    { value: 0 },
  );
}

/** `rounds` sealed and signed messages each way between `a` and `b`. */
export function talk(a: CtxtHandle, b: CtxtHandle, tag: string, rounds = 2) {
  const ok = statusName(SEC_E_OK);
  for (let i = 0; i < rounds; i++) {
    for (const [from, to, dir] of [[a, b, "a>b"], [b, a, "b>a"]] as const) {
      const text = `${tag} ${dir} ${i}`;
      const [st, got] = unseal(to, seal(from, text));
      assert.equal(statusName(st), ok, `unseal ${text}`);
      assert.equal(got, text);
      assert.equal(statusName(verify(to, text, sign(from, text))), ok, text);
    }
  }
}

/** Attribute values as one comparable object (a status where a query fails). */
export function attributesOf(ctx: CtxtHandle): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const attrs = {
    names: SECPKG_ATTR_NAMES,
    nativeNames: SECPKG_ATTR_NATIVE_NAMES,
    sessionKey: SECPKG_ATTR_SESSION_KEY,
    sizes: SECPKG_ATTR_SIZES,
    lifespan: SECPKG_ATTR_LIFESPAN,
    flags: SECPKG_ATTR_FLAGS,
    clientTarget: SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
    negotiation: SECPKG_ATTR_NEGOTIATION_INFO,
  };
  for (const [name, attr] of Object.entries(attrs)) {
    const v: { value?: unknown } = {};
    const st = QueryContextAttributes(ctx, attr, v);
    out[name] = st === SEC_E_OK ? v.value : statusName(st);
  }
  return out;
}

/** Exports `ctx` (asserted to succeed). */
export function exportOf(ctx: CtxtHandle, flags = 0): Uint8Array {
  const [s, bytes] = exported(ctx, flags);
  assert.equal(statusName(s), statusName(SEC_E_OK));
  return bytes!;
}

/** Imports `bytes` as `pkg` (asserted to succeed). */
export function importOf(pkg: string, bytes: Uint8Array): CtxtHandle {
  const [s, h] = imported(pkg, bytes);
  assert.equal(statusName(s), statusName(SEC_E_OK));
  return h;
}

/** Exports both sides (the client with DELETE_OLD), imports them, checks attributes. */
export function move(
  pkg: string,
  c: CtxtHandle,
  s: CtxtHandle,
): { c2: CtxtHandle; s2: CtxtHandle } {
  const cAttrs = attributesOf(c);
  const cBytes = exportOf(c, SECPKG_CONTEXT_EXPORT_DELETE_OLD);
  assert.equal(
    statusName(QueryContextAttributes(c, SECPKG_ATTR_NAMES, {})),
    statusName(SEC_E_INVALID_HANDLE),
    "DELETE_OLD deleted the client",
  );
  const s2 = importOf(pkg, exportOf(s));
  const c2 = importOf(pkg, cBytes);
  assert.deepEqual(attributesOf(s2), attributesOf(s));
  assert.deepEqual(attributesOf(c2), cAttrs);
  DeleteSecurityContext(s);
  return { c2, s2 };
}
