/**
 * The pieces of MS-CSSP 3.1.5 around the Negotiate context: sealing with it (token
 * followed by data, as CredSSP carries them), the public-key binding values of
 * versions 2-4 and 5-6, the SubjectPublicKey of a certificate, and the TLS name of
 * an SPN.
 *
 * @module
 */
import { sha256 } from "../../crypto/mod.ts";
import { scanDer } from "../../der/mod.ts";
import { SecBuffer, SecBufferDesc } from "../../sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_SIZES,
} from "../../sspi/flags.ts";
import type { PackageContext, QopResult } from "../../sspi/package.ts";
import {
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
} from "../../sspi/status.ts";
import { parseCertificate } from "../../pki/mod.ts";
import type { CredSspCredential } from "./credentials.ts";

/** `data` encrypted by `ctx` (Negotiate): its token (trailer) followed by the data, or a status. */
export function sealWith(
  ctx: PackageContext,
  data: Uint8Array,
): Uint8Array | number {
  const sizes = ctx.queryAttribute(SECPKG_ATTR_SIZES);
  if (sizes.status !== SEC_E_OK) return sizes.status;
  const trailer =
    (sizes.value as { cbSecurityTrailer: number }).cbSecurityTrailer;
  const tok = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(trailer));
  const d = new SecBuffer(SECBUFFER_DATA, data.slice());
  const st = ctx.encryptMessage?.(0, new SecBufferDesc([tok, d]), 0) ??
    SEC_E_INTERNAL_ERROR;
  if (st !== SEC_E_OK) return st;
  const out = new Uint8Array(tok.cbBuffer + d.cbBuffer);
  out.set(tok.pvBuffer!.subarray(0, tok.cbBuffer));
  out.set(d.pvBuffer!.subarray(0, d.cbBuffer), tok.cbBuffer);
  return out;
}

/** The plaintext of a token-then-data blob sealed by the peer's context, or a status. */
export function unsealWith(
  ctx: PackageContext,
  blob: Uint8Array,
): Uint8Array | number {
  const sizes = ctx.queryAttribute(SECPKG_ATTR_SIZES);
  if (sizes.status !== SEC_E_OK) return sizes.status;
  const trailer =
    (sizes.value as { cbSecurityTrailer: number }).cbSecurityTrailer;
  if (blob.length < trailer) return SEC_E_INVALID_TOKEN;
  const tok = new SecBuffer(SECBUFFER_TOKEN, blob.slice(0, trailer));
  const d = new SecBuffer(SECBUFFER_DATA, blob.slice(trailer));
  const r: QopResult = ctx.decryptMessage?.(new SecBufferDesc([tok, d]), 0) ??
    { status: SEC_E_INTERNAL_ERROR, qop: 0 };
  if (r.status !== SEC_E_OK) return r.status;
  return d.pvBuffer!.subarray(0, d.cbBuffer);
}

/** SHA-256(magic || nonce || SubjectPublicKey) (MS-CSSP 3.1.5, version 5 and later). */
export function bindingHash(
  magic: Uint8Array,
  nonce: Uint8Array,
  spk: Uint8Array,
): Uint8Array {
  const h = sha256.create();
  h.update(magic);
  h.update(nonce);
  h.update(spk);
  return h.digest();
}

/** The public key with 1 added to its first byte (versions 2 to 4). */
export function plusOne(spk: Uint8Array): Uint8Array {
  const out = spk.slice();
  out[0] = (out[0] + 1) & 0xff;
  return out;
}

/** The SubjectPublicKey BIT STRING's bytes of a DER certificate. */
export function subjectPublicKey(certDer: Uint8Array): Uint8Array | null {
  const c = parseCertificate(certDer);
  if (!c) return null;
  try {
    const t = scanDer(c.subjectPublicKeyInfo);
    const bits = t.bitString(t.children(0)[1] ?? -1, "subjectPublicKey");
    return bits.unusedBits === 0 ? bits.bytes : null;
  } catch {
    return null;
  }
}

/** Our own leaf certificate (a server's), DER. */
export function ownLeaf(cred: CredSspCredential): Uint8Array {
  const tls = cred.tls.cred as unknown as { chain?: Uint8Array[] };
  return tls.chain?.[0] ?? new Uint8Array(0);
}

/** The host of an SPN (`TERMSRV/host:port@REALM` → `host`) for the TLS name check. */
export function hostOf(target: string | null): string | null {
  if (!target) return null;
  let h = target.includes("/") ? target.slice(target.indexOf("/") + 1) : target;
  h = h.split("@")[0];
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]"));
  const colon = h.lastIndexOf(":");
  return colon > 0 && h.indexOf(":") === colon ? h.slice(0, colon) : h;
}
