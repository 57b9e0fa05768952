/**
 * Shared pieces of the Kerberos property tests (`fuzz_*_test.ts`), run against a live
 * MIT KDC: the iteration split, the mutators (lengths, tags, TLVs, bytes), the list of
 * tolerated "changed but the same message" cases, and ISC/ASC wrappers that turn
 * anything but a status into a test failure. Seeded (`FUZZ_SEED`);
 * `KRB_FUZZ_ITERATIONS` sets the total (default 2,000, spread over the four cases).
 *
 * @module
 */
import assert from "node:assert/strict";
import { FUZZ_SEED, fuzzIterations } from "../_fuzz.ts";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  type CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  InitializeSecurityContext,
  lastErrorDetail,
  QueryContextAttributes,
  SEC_E_INTERNAL_ERROR,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_CRED_INBOUND,
  SECQOP_WRAP_NO_ENCRYPT,
  SECURITY_NATIVE_DREP,
  statusName,
} from "../../mod.ts";
import { scanDer } from "../../src/der/mod.ts";
import {
  decodeApRep,
  decodeApReq,
} from "../../src/packages/kerberos/messages.ts";
import {
  TOK_AP_REP,
  TOK_AP_REQ,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_FLAGS,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
  userAuthData,
} from "./_kdc_helpers.ts";

export const TOTAL = fuzzIterations("KRB_FUZZ_ITERATIONS", 2000);
export const SEED = FUZZ_SEED;
// The share of each case: AP-REQ 35 %, AP-REP 20 %, KDC replies 10 %, messages 35 %.
export const N_AP_REQ = Math.max(1, Math.round(TOTAL * 0.35));
export const N_AP_REP = Math.max(1, Math.round(TOTAL * 0.2));
export const N_KDC = Math.max(3, Math.round(TOTAL * 0.1));
export const N_MSG = Math.max(1, TOTAL - N_AP_REQ - N_AP_REP - N_KDC);

export const ASC_FLAGS = 0x100 | 0x10 | 0x20000 | 0x2; // allocate, conf, integrity, mutual
export const ALICE = `${KRB_USER.user}@${REALM}`;
export const st = (s: number) => statusName(s);
export const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export const equal = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * SEC_E_OK for a changed token is allowed only for these differences, each of which
 * leaves every authenticated byte (ticket and authenticator ciphertexts, the AP-REP's
 * enc-part, the Wrap token's checksummed header and body) as it was:
 */
export const TOLERATED = {
  /** GSS framing: Microsoft's legacy Kerberos OID (1.2.840.48018.1.2.2) in place of the standard one. */
  legacyOid: "GSS framing names the legacy MS Kerberos OID",
  /** AP-REQ ap-options other than mutual-required (not integrity protected in RFC 4120). */
  apOptions: "AP-REQ ap-options changed",
  /** Principal name-type (RFC 4120 6.2: not used for comparisons). */
  nameType: "ticket sname name-type changed",
  /**
   * The ticket's sname, outside its encrypted part and not integrity protected: a
   * name the keytab does not list is tried with the realm's keys, as MIT's acceptor
   * does with no acceptor name (an AD account's key serves all its SPNs).
   */
  snameText: "ticket sname changed (the ticket still decrypts with the key)",
  /** The ticket's realm with other letter case (the keytab lookup ignores case, as Windows does). */
  realmCase: "ticket realm letter case changed",
  /** EncryptedData etype label of the authenticator or AP-REP enc-part (decryption uses the session key). */
  etypeLabel: "authenticator/AP-REP etype label changed",
  /** EncryptedData kvno of the authenticator or AP-REP enc-part (not used), or the ticket's removed. */
  kvno: "EncryptedData kvno changed or removed",
  /** Wrap token RRC changed to a rotation that yields the same body (RFC 4121 4.2.5). */
  rrc: "Wrap token RRC changed to an equivalent rotation",
  /**
   * Split form: bytes moved between the token and the data buffer, the two together
   * unchanged; the DATA buffer then receives the authentic message.
   */
  boundary: "split form token/data boundary moved (same bytes)",
} as const;

// ---------------------------------------------------------------------------
// Mutations.

export const LENGTHS = [
  [0x80],
  [0x81, 0x00],
  [0x81, 0x7f],
  [0x82, 0xff, 0xff],
  [0x84, 0xff, 0xff, 0xff, 0xff],
  [0x84, 0x7f, 0xff, 0xff, 0xff],
  [0x85, 1, 0, 0, 0, 0],
  [0xff],
  [0],
];
export const TAGS = [
  0x02,
  0x03,
  0x04,
  0x06,
  0x18,
  0x1b,
  0x1f,
  0x30,
  0x60,
  0x6a,
  0x6b,
  0x6d,
  0x6e,
  0x6f,
  0x7e,
  0xa0,
  0xa1,
  0xa2,
  0xa3,
  0xa4,
  0xbf,
];

export function splice(
  b: Uint8Array,
  at: number,
  del: number,
  ins: ArrayLike<number>,
): Uint8Array {
  at = Math.max(0, Math.min(at, b.length));
  del = Math.min(del, b.length - at);
  const out = new Uint8Array(b.length - del + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at + del), at + ins.length);
  return out;
}

export interface Tlv {
  off: number;
  hdr: number;
  end: number;
}

/** The TLVs of a DER message (or of the GSS-framed one), or the whole as one. */
export function tlvsOf(src: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  try {
    const t = scanDer(src, { maxEntries: 4096, allowTrailing: true });
    for (let i = 0; i < t.count; i++) {
      out.push({
        off: t.offset(i),
        hdr: t.end(i) - t.length(i) - t.offset(i),
        end: t.end(i),
      });
    }
  } catch { /* not DER: positions only */ }
  return out.length ? out : [{ off: 0, hdr: 2, end: src.length }];
}

/** The names of the mutation kinds, for the tallies. */
export const KINDS = [
  "bit flips",
  "byte changes",
  "truncation",
  "insertion",
  "deletion",
  "length bytes",
  "tag change",
  "duplicated run",
  "header bytes",
] as const;

/**
 * One mutation of `src` (DER-aware where `src` is DER): the result differs from
 * `src` except when random bytes happen to write the same values back.
 */
export function mutate(
  src: Uint8Array,
  r: (n: number) => number,
  tlvs = tlvsOf(src),
): { bytes: Uint8Array; kind: string } {
  const tlv = tlvs[r(tlvs.length)];
  const k = r(KINDS.length);
  let b: Uint8Array = src.slice();
  switch (k) {
    case 0: // bit flips
      for (let i = 0, n = 1 + r(4); i < n; i++) b[r(b.length)] ^= 1 << r(8);
      break;
    case 1: // byte changes
      for (let i = 0, n = 1 + r(3); i < n; i++) {
        const at = r(b.length);
        b[at] = (b[at] + 1 + r(255)) & 255;
      }
      break;
    case 2: { // truncation: anywhere, or at each kind of place of a TLV
      const places = [
        r(b.length),
        tlv.off,
        tlv.off + 1,
        tlv.off + tlv.hdr - 1,
        tlv.off + tlv.hdr,
        tlv.end - 1,
        tlv.end,
      ];
      b = b.slice(0, Math.min(places[r(places.length)], b.length - 1));
      break;
    }
    case 3: { // insertion, at a random place or a TLV boundary
      const at = r(2) ? r(b.length + 1) : [tlv.off, tlv.off + tlv.hdr][r(2)];
      const ins = Array.from({ length: 1 + r(4) }, () => r(256));
      b = splice(b, at, 0, ins);
      break;
    }
    case 4: // deletion
      b = splice(b, r(b.length), 1 + r(4), []);
      break;
    case 5: // a length replaced, or off by a little
      if (r(2)) {
        b = splice(
          b,
          tlv.off + 1,
          Math.max(1, tlv.hdr - 1),
          LENGTHS[r(LENGTHS.length)],
        );
      } else {
        const at = Math.min(tlv.off + tlv.hdr - 1, b.length - 1);
        b[at] = (b[at] + (r(2) ? 1 : 255) * (1 + r(3))) & 255;
      }
      break;
    case 6: { // a tag replaced, or its class/constructed bits flipped
      const at = Math.min(tlv.off, b.length - 1);
      b[at] = r(2) ? TAGS[r(TAGS.length)] : b[at] ^ [0x20, 0x40, 0x80][r(3)];
      break;
    }
    case 7: { // a TLV (or a random run) duplicated in place
      const [from, to] = r(2)
        ? [tlv.off, tlv.end]
        : ((s) => [s, Math.min(b.length, s + 1 + r(32))])(r(b.length));
      b = splice(b, to, 0, b.slice(from, to));
      break;
    }
    default: // random bytes over a TLV header
      for (let i = 0, n = 1 + r(4); i < n; i++) {
        b[Math.min(tlv.off + i, b.length - 1)] = r(256);
      }
  }
  return { bytes: b, kind: KINDS[k] };
}

// ---------------------------------------------------------------------------
// Shared SSPI plumbing.

/** Counts outcomes: `name -> count`. */
export class Tally {
  readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  toString(): string {
    return [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, v]) =>
      `${k}=${v}`
    ).join(" ");
  }
}

/** Prints a run's tally: `n` of `what` since `t0`, statuses and tolerated cases. */
export function report(
  n: number,
  what: string,
  t0: number,
  statuses: Tally,
  tolerated: Tally,
): void {
  console.log(
    `${n} ${what} in ${(performance.now() - t0).toFixed(0)} ms: ${statuses}` +
      (tolerated.counts.size
        ? `; not changed or OK tolerated: ${tolerated}`
        : ""),
  );
}

/**
 * Asserts `s` is a status and not SEC_E_INTERNAL_ERROR (a package exception); call it
 * right after the call, before another one replaces `lastErrorDetail`.
 */
export function checkStatus(
  s: unknown,
  where: string,
  detail = lastErrorDetail()?.message,
): number {
  assert.equal(typeof s, "number", `${where}: not a status: ${s}`);
  const n = (s as number) >>> 0;
  assert.notEqual(st(n), st(SEC_E_INTERNAL_ERROR), `${where}: ${detail}`);
  return n;
}

export function tokenDesc(token: Uint8Array | null): SecBufferDesc | null {
  return token
    ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, token)])
    : null;
}

export function outDesc(): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
}

export function outToken(d: SecBufferDesc): Uint8Array | null {
  const b = d.pBuffers[0];
  return b.pvBuffer && b.cbBuffer ? b.pvBuffer.slice(0, b.cbBuffer) : null;
}

/** A synchronous client step (the service ticket is cached by then). */
export function isc(
  cred: CredHandle,
  ctx: CtxtHandle,
  first: boolean,
  input: Uint8Array | null,
): { status: number; token: Uint8Array | null } {
  const out = outDesc();
  const status = InitializeSecurityContext(
    cred,
    first ? null : ctx,
    SERVICE,
    KRB_FLAGS,
    0,
    SECURITY_NATIVE_DREP,
    tokenDesc(input),
    0,
    ctx,
    out,
    { value: 0 },
    null,
  );
  return { status, token: outToken(out) };
}

/** One AcceptSecurityContext call on a fresh context. */
export function asc(
  cred: CredHandle,
  ctx: CtxtHandle,
  token: Uint8Array,
  extraFlags = 0,
): { status: number; token: Uint8Array | null } {
  const out = outDesc();
  const status = AcceptSecurityContext(
    cred,
    null,
    tokenDesc(token),
    ASC_FLAGS | extraFlags,
    SECURITY_NATIVE_DREP,
    ctx,
    out,
    { value: 0 },
    null,
  );
  return { status, token: outToken(out) };
}

/** The inbound credential over the KDC's keytab (as bytes). */
export function serverCred(kdc: MitKdc): CredHandle {
  const cred = new CredHandle();
  const keytab = Deno.readFileSync(keytabPath(kdc));
  assert.equal(
    st(AcquireCredentialsHandle(
      null,
      "Kerberos",
      SECPKG_CRED_INBOUND,
      null,
      { Keytab: keytab },
      null,
      null,
      cred,
      null,
    )),
    st(SEC_E_OK),
  );
  return cred;
}

/** A client credential for the KDC with the service ticket already cached. */
export async function clientCred(kdc: MitKdc): Promise<CredHandle> {
  const { status, cred } = await acquireKrb("Kerberos", userAuthData(kdc));
  assert.equal(st(status), st(SEC_E_OK));
  const ctx = newCtx();
  const a = await iscStep(cred, ctx, true, SERVICE, null);
  assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
  DeleteSecurityContext(ctx);
  return cred;
}

/** The client name an established acceptor context reports. */
export function clientName(ctx: CtxtHandle): string {
  const names = { value: null as unknown };
  QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, names);
  return (names.value as { sUserName?: string } | null)?.sUserName ?? "";
}

// ---------------------------------------------------------------------------
// Semantic comparisons for the tolerated SEC_E_OK cases.

/** The inner message of a GSS-framed token with `tokId`, or a bare one with `tag`. */
export function innerOf(
  token: Uint8Array,
  tokId: number,
  tag: number,
): { inner: Uint8Array; legacy: boolean } | null {
  const u = unframeToken(token);
  if (u) {
    return u.tokId === tokId
      ? { inner: u.inner, legacy: u.oid !== "1.2.840.113554.1.2.2" }
      : null;
  }
  return token[0] === tag ? { inner: token, legacy: false } : null;
}

/**
 * Why a changed AP-REQ may legitimately be accepted: the reasons when its ticket and
 * authenticator are the original's byte for byte (and it names the same service,
 * realm case aside), else null.
 */
export function apReqSameAs(
  orig: Uint8Array,
  mut: Uint8Array,
): string[] | null {
  const a = innerOf(orig, TOK_AP_REQ, 0x6e)!;
  const b = innerOf(mut, TOK_AP_REQ, 0x6e);
  if (!b) return null;
  let x, y;
  try {
    x = decodeApReq(a.inner);
    y = decodeApReq(b.inner);
  } catch {
    return null;
  }
  const tx = x.ticket, ty = y.ticket;
  if (
    !equal(tx.encPart.cipher, ty.encPart.cipher) ||
    tx.encPart.etype !== ty.encPart.etype ||
    !equal(x.authenticator.cipher, y.authenticator.cipher) ||
    tx.realm.toUpperCase() !== ty.realm.toUpperCase()
  ) return null;
  const why: string[] = [];
  if (b.legacy) why.push(TOLERATED.legacyOid);
  if (x.apOptions !== y.apOptions) why.push(TOLERATED.apOptions);
  if (tx.sname.nameType !== ty.sname.nameType) why.push(TOLERATED.nameType);
  if (tx.sname.nameString.join("/") !== ty.sname.nameString.join("/")) {
    why.push(TOLERATED.snameText);
  }
  if (tx.realm !== ty.realm) why.push(TOLERATED.realmCase);
  if (x.authenticator.etype !== y.authenticator.etype) {
    why.push(TOLERATED.etypeLabel);
  }
  if (
    tx.encPart.kvno !== ty.encPart.kvno ||
    x.authenticator.kvno !== y.authenticator.kvno
  ) why.push(TOLERATED.kvno);
  if (!why.length) why.push("re-encoding only (same fields)");
  return why;
}

/** Same for an AP-REP: the reasons when its enc-part ciphertext is the original's. */
export function apRepSameAs(
  orig: Uint8Array,
  mut: Uint8Array,
): string[] | null {
  const a = innerOf(orig, TOK_AP_REP, 0x6f)!;
  const b = innerOf(mut, TOK_AP_REP, 0x6f);
  if (!b) return null;
  let x, y;
  try {
    x = decodeApRep(a.inner);
    y = decodeApRep(b.inner);
  } catch {
    return null;
  }
  if (!equal(x.encPart.cipher, y.encPart.cipher)) return null;
  const why: string[] = [];
  if (b.legacy) why.push(TOLERATED.legacyOid);
  if (x.encPart.etype !== y.encPart.etype) why.push(TOLERATED.etypeLabel);
  if (x.encPart.kvno !== y.encPart.kvno) why.push(TOLERATED.kvno);
  if (!why.length) why.push("re-encoding only (same fields)");
  return why;
}

/** EncryptMessage in the split form: the token and the data (encrypted in place). */
export function wrapSplit(
  ctx: CtxtHandle,
  plain: Uint8Array,
  seal: boolean,
): { token: Uint8Array; data: Uint8Array } {
  const tok = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(64));
  const data = new SecBuffer(SECBUFFER_DATA, plain.slice());
  assert.equal(
    st(EncryptMessage(
      ctx,
      seal ? 0 : SECQOP_WRAP_NO_ENCRYPT,
      new SecBufferDesc([tok, data]),
      0,
    )),
    st(SEC_E_OK),
  );
  return {
    token: tok.pvBuffer!.slice(0, tok.cbBuffer),
    data: data.pvBuffer!.slice(0, data.cbBuffer),
  };
}

/** DecryptMessage in the split form. */
export function unwrapSplit(
  ctx: CtxtHandle,
  token: Uint8Array,
  data: Uint8Array,
): { status: number; data: Uint8Array } {
  const d = new SecBuffer(SECBUFFER_DATA, data);
  const status = DecryptMessage(
    ctx,
    new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, token), d]),
    0,
    { value: 0 },
  );
  return { status, data: d.pvBuffer!.subarray(0, d.cbBuffer) };
}
