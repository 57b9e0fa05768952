// Property test of the Kerberos package against hostile bytes, with a live MIT KDC:
// mutated AP-REQs (ours) into our acceptor, mutated AP-REPs (ours) into our client's
// second step, mutated KDC replies (KRB-ERROR with ETYPE-INFO2, AS-REP, TGS-REP) on
// the way from the real KDC to our client, and mutated Wrap and MIC tokens into
// DecryptMessage (stream and split forms) and VerifySignature. Every call returns a
// status (no exception, no rejected promise, no SEC_E_INTERNAL_ERROR, no hang), and a
// changed token never gives SEC_E_OK unless it is provably the same message (the
// tolerated cases are listed in `TOLERATED` below and counted in the output). After a
// refused per-message token the context still reads the next genuine one: the
// sequence counters did not move. Seeded (`FUZZ_SEED`); `KRB_FUZZ_ITERATIONS` sets
// the total (default 2,000, spread over the four cases).
import assert from "node:assert/strict";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  lastErrorDetail,
  MakeSignature,
  QueryContextAttributes,
  SEC_E_INTERNAL_ERROR,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_CRED_INBOUND,
  SECQOP_WRAP_NO_ENCRYPT,
  SECURITY_NATIVE_DREP,
  statusName,
  VerifySignature,
} from "../../mod.ts";
import { scanDer } from "../../src/der/mod.ts";
import {
  decodeApRep,
  decodeApReq,
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
  encodeEtypeInfo2,
  encodeKrbError,
  encodeMethodData,
  type KrbError,
} from "../../src/packages/kerberos/messages.ts";
import {
  TOK_AP_REP,
  TOK_AP_REQ,
  TOK_KRB_ERROR,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import {
  type KdcTransport,
  tcpTransport,
} from "../../src/packages/kerberos/transport.ts";
import { authenticatorTime } from "../../src/packages/kerberos/kdc.ts";
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
  withKdc,
} from "./_kdc_helpers.ts";

const TOTAL = fuzzIterations("KRB_FUZZ_ITERATIONS", 2000);
const SEED = FUZZ_SEED;
// The share of each case: AP-REQ 35 %, AP-REP 20 %, KDC replies 10 %, messages 35 %.
const N_AP_REQ = Math.max(1, Math.round(TOTAL * 0.35));
const N_AP_REP = Math.max(1, Math.round(TOTAL * 0.2));
const N_KDC = Math.max(3, Math.round(TOTAL * 0.1));
const N_MSG = Math.max(1, TOTAL - N_AP_REQ - N_AP_REP - N_KDC);

const ASC_FLAGS = 0x100 | 0x10 | 0x20000 | 0x2; // allocate, conf, integrity, mutual
const ALICE = `${KRB_USER.user}@${REALM}`;
const st = (s: number) => statusName(s);
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const equal = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * SEC_E_OK for a changed token is allowed only for these differences, each of which
 * leaves every authenticated byte (ticket and authenticator ciphertexts, the AP-REP's
 * enc-part, the Wrap token's checksummed header and body) as it was:
 */
const TOLERATED = {
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

const LENGTHS = [
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
const TAGS = [
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

function splice(
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

interface Tlv {
  off: number;
  hdr: number;
  end: number;
}

/** The TLVs of a DER message (or of the GSS-framed one), or the whole as one. */
function tlvsOf(src: Uint8Array): Tlv[] {
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
const KINDS = [
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
function mutate(
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
class Tally {
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

/**
 * Asserts `s` is a status and not SEC_E_INTERNAL_ERROR (a package exception); call it
 * right after the call, before another one replaces `lastErrorDetail`.
 */
function checkStatus(
  s: unknown,
  where: string,
  detail = lastErrorDetail()?.message,
): number {
  assert.equal(typeof s, "number", `${where}: not a status: ${s}`);
  const n = (s as number) >>> 0;
  assert.notEqual(st(n), st(SEC_E_INTERNAL_ERROR), `${where}: ${detail}`);
  return n;
}

function tokenDesc(token: Uint8Array | null): SecBufferDesc | null {
  return token
    ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, token)])
    : null;
}

function outDesc(): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
}

function outToken(d: SecBufferDesc): Uint8Array | null {
  const b = d.pBuffers[0];
  return b.pvBuffer && b.cbBuffer ? b.pvBuffer.slice(0, b.cbBuffer) : null;
}

/** A synchronous client step (the service ticket is cached by then). */
function isc(
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
function asc(
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
function serverCred(kdc: MitKdc): CredHandle {
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
async function clientCred(kdc: MitKdc): Promise<CredHandle> {
  const { status, cred } = await acquireKrb("Kerberos", userAuthData(kdc));
  assert.equal(st(status), st(SEC_E_OK));
  const ctx = newCtx();
  const a = await iscStep(cred, ctx, true, SERVICE, null);
  assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
  DeleteSecurityContext(ctx);
  return cred;
}

/** The client name an established acceptor context reports. */
function clientName(ctx: CtxtHandle): string {
  const names = { value: null as unknown };
  QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, names);
  return (names.value as { sUserName?: string } | null)?.sUserName ?? "";
}

// ---------------------------------------------------------------------------
// Semantic comparisons for the tolerated SEC_E_OK cases.

/** The inner message of a GSS-framed token with `tokId`, or a bare one with `tag`. */
function innerOf(
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
function apReqSameAs(orig: Uint8Array, mut: Uint8Array): string[] | null {
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
function apRepSameAs(orig: Uint8Array, mut: Uint8Array): string[] | null {
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

// ---------------------------------------------------------------------------
// a. AP-REQ -> acceptor.

Deno.test(`Kerberos fuzz a: ${N_AP_REQ} mutated AP-REQs into AcceptSecurityContext give status codes, SEC_E_OK only for the same ticket and authenticator (seed ${SEED})`, () =>
  withKdc(async (kdc) => {
    const r = rng(SEED);
    const client = await clientCred(kdc);
    const server = serverCred(kdc);
    const statuses = new Tally();
    const tolerated = new Tally();
    const t0 = performance.now();
    try {
      // Genuine tokens made back to back are all accepted: no two share an
      // authenticator time, which the replay cache keys on (several fit in 1 ms).
      for (let k = 0; k < 300; k++) {
        const c0 = newCtx();
        const g = isc(client, c0, true, null);
        const s0 = new CtxtHandle();
        assert.equal(
          st(asc(server, s0, g.token!).status),
          st(SEC_E_OK),
          `genuine AP-REQ ${k}`,
        );
        DeleteSecurityContext(c0);
        DeleteSecurityContext(s0);
      }
      for (let i = 0; i < N_AP_REQ; i++) {
        // A fresh AP-REQ each time (a fresh authenticator: no replay-cache hits).
        const cctx = newCtx();
        const a = isc(client, cctx, true, null);
        assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
        DeleteSecurityContext(cctx);
        const orig = a.token!;
        const m = mutate(orig, r);
        const sctx = new CtxtHandle();
        const where = `AP-REQ iteration ${i} (${m.kind}, seed ${SEED})`;
        let res;
        // Every other one with ASC_REQ_EXTENDED_ERROR: a refusal then may carry a
        // KRB-ERROR, which must be well formed.
        const extended = i % 2 === 1 ? 0x8000 : 0;
        try {
          res = asc(server, sctx, m.bytes, extended);
        } catch (e) {
          throw new Error(`${where}: threw ${e}\n${hex(m.bytes)}`);
        }
        const s = checkStatus(res.status, where);
        if (s !== SEC_E_OK && res.token) {
          assert.ok(extended, `${where}: an error token without the flag`);
          const u = unframeToken(res.token);
          assert.ok(u && u.tokId === TOK_KRB_ERROR, `${where}: KRB-ERROR`);
          decodeKrbError(u.inner);
          tolerated.add("refused with a KRB-ERROR");
        }
        statuses.add(st(s));
        if (equal(orig, m.bytes)) tolerated.add("unchanged by chance");
        else if (s === SEC_E_OK) {
          const why = apReqSameAs(orig, m.bytes);
          assert.ok(
            why,
            `${where}: a changed AP-REQ was accepted\n${hex(orig)}\n${
              hex(m.bytes)
            }`,
          );
          assert.equal(clientName(sctx), ALICE, where);
          for (const w of why) tolerated.add(w);
        }
        DeleteSecurityContext(sctx);
      }
    } finally {
      FreeCredentialsHandle(client);
      FreeCredentialsHandle(server);
    }
    console.log(
      `${N_AP_REQ} AP-REQs in ${
        (performance.now() - t0).toFixed(0)
      } ms: ${statuses}` +
        (tolerated.counts.size
          ? `; not changed or OK tolerated: ${tolerated}`
          : ""),
    );
  }));

Deno.test("Kerberos: authenticator times (ctime, cusec) are strictly increasing within the process", () => {
  let last = -1;
  for (let i = 0; i < 10_000; i++) {
    const { ctime, cusec } = authenticatorTime();
    assert.equal(ctime.getTime() % 1000, 0);
    assert.ok(cusec >= 0 && cusec < 1_000_000);
    const us = ctime.getTime() * 1000 + cusec;
    assert.ok(us > last, `${us} after ${last}`);
    last = us;
  }
  assert.ok(Math.abs(last / 1000 - Date.now()) < 5_000);
});

// ---------------------------------------------------------------------------
// b. AP-REP -> client.

Deno.test(`Kerberos fuzz b: ${N_AP_REP} mutated AP-REPs into the client's second step give status codes, SEC_E_OK only for the same enc-part (seed ${SEED})`, () =>
  withKdc(async (kdc) => {
    const r = rng(SEED ^ 0x5a5a5a5a);
    const client = await clientCred(kdc);
    const server = serverCred(kdc);
    const statuses = new Tally();
    const tolerated = new Tally();
    const t0 = performance.now();
    try {
      for (let i = 0; i < N_AP_REP; i++) {
        const cctx = newCtx();
        const sctx = new CtxtHandle();
        const a = isc(client, cctx, true, null);
        const b = asc(server, sctx, a.token!);
        assert.equal(st(b.status), st(SEC_E_OK));
        const orig = b.token!;
        const m = mutate(orig, r);
        const where = `AP-REP iteration ${i} (${m.kind}, seed ${SEED})`;
        let res;
        try {
          res = isc(client, cctx, false, m.bytes);
        } catch (e) {
          throw new Error(`${where}: threw ${e}\n${hex(m.bytes)}`);
        }
        const s = checkStatus(res.status, where);
        statuses.add(st(s));
        if (equal(orig, m.bytes)) tolerated.add("unchanged by chance");
        if (s === SEC_E_OK) {
          if (!equal(orig, m.bytes)) {
            const why = apRepSameAs(orig, m.bytes);
            assert.ok(
              why,
              `${where}: a changed AP-REP was accepted\n${hex(orig)}\n${
                hex(m.bytes)
              }`,
            );
            for (const w of why) tolerated.add(w);
          }
          // Whatever was accepted established the same keys on both sides.
          const w = wrapSplit(cctx, new Uint8Array([1, 2, 3]), true);
          assert.equal(
            st(unwrapSplit(sctx, w.token, w.data.slice()).status),
            st(SEC_E_OK),
            where,
          );
        }
        DeleteSecurityContext(cctx);
        DeleteSecurityContext(sctx);
      }
    } finally {
      FreeCredentialsHandle(client);
      FreeCredentialsHandle(server);
    }
    console.log(
      `${N_AP_REP} AP-REPs in ${
        (performance.now() - t0).toFixed(0)
      } ms: ${statuses}` +
        (tolerated.counts.size
          ? `; not changed or OK tolerated: ${tolerated}`
          : ""),
    );
  }));

// ---------------------------------------------------------------------------
// c. KDC replies -> client.

/** What a relay reply is: the KRB-ERROR, the AS-REP or the TGS-REP. */
type ReplyKind = "KRB-ERROR" | "AS-REP" | "TGS-REP";

function replyKind(reply: Uint8Array): ReplyKind | null {
  return reply[0] === 0x7e
    ? "KRB-ERROR"
    : reply[0] === 0x6b
    ? "AS-REP"
    : reply[0] === 0x6d
    ? "TGS-REP"
    : null;
}

/**
 * Runs one client exchange (AS with pre-authentication, TGS, AP-REQ) through a relay
 * to the real KDC that replaces the reply of kind `target` with `rewrite(reply)`.
 */
async function throughRelay(
  kdc: MitKdc,
  target: ReplyKind,
  rewrite: (reply: Uint8Array) => Uint8Array,
): Promise<
  {
    status: number;
    detail?: string;
    token: Uint8Array | null;
    genuine?: Uint8Array;
    sent?: Uint8Array;
  }
> {
  const real = tcpTransport([kdc.kdc], 5000);
  let genuine: Uint8Array | undefined;
  let sent: Uint8Array | undefined;
  const relay: KdcTransport = async (realm, request) => {
    const reply = await real(realm, request);
    if (genuine === undefined && replyKind(reply) === target) {
      genuine = reply;
      sent = rewrite(reply);
      return sent;
    }
    return reply;
  };
  const { status, cred } = await acquireKrb("Kerberos", {
    User: KRB_USER.user,
    Domain: REALM,
    Password: KRB_USER.password,
    KdcTransport: relay,
  });
  assert.equal(st(status), st(SEC_E_OK));
  try {
    const ctx = newCtx();
    const r = await iscStep(cred, ctx, true, SERVICE, null);
    const detail = lastErrorDetail()?.message;
    DeleteSecurityContext(ctx);
    return {
      status: r.status,
      detail,
      token: r.token?.slice() ?? null,
      genuine,
      sent,
    };
  } finally {
    FreeCredentialsHandle(cred);
  }
}

Deno.test(`Kerberos fuzz c: ${N_KDC} mutated KDC replies (KRB-ERROR with ETYPE-INFO2, AS-REP, TGS-REP) give status codes, success only with the KDC's own enc-part (seed ${SEED})`, () =>
  withKdc(async (kdc) => {
    // Pre-authentication required: the first AS-REQ is answered with a KRB-ERROR.
    await kdc.kadmin(`modprinc +requires_preauth ${KRB_USER.user}`);
    const r = rng(SEED ^ 0x3c3c3c3c);
    const server = serverCred(kdc);
    const statuses = new Tally();
    const accepted = new Tally();
    const t0 = performance.now();
    const kinds: ReplyKind[] = ["KRB-ERROR", "AS-REP", "TGS-REP"];
    try {
      // Unmutated, each reply is seen and the exchange succeeds.
      for (const target of kinds) {
        const ok = await throughRelay(kdc, target, (b) => b);
        assert.ok(ok.genuine, `no ${target} from the KDC`);
        assert.equal(st(ok.status), st(SEC_I_CONTINUE_NEEDED));
      }
      for (let i = 0; i < N_KDC; i++) {
        const target = kinds[i % 3];
        let kind = "";
        const where = () => `${target} iteration ${i} (${kind}, seed ${SEED})`;
        let res;
        try {
          res = await throughRelay(kdc, target, (b) => {
            const m = mutate(b, r);
            kind = m.kind;
            return m.bytes;
          });
        } catch (e) {
          throw new Error(`${where()}: rejected ${e}`);
        }
        const s = checkStatus(res.status, where(), res.detail);
        statuses.add(`${target}:${st(s)}`);
        if (s === SEC_E_OK) assert.fail(`${where()}: SEC_E_OK on a first step`);
        if (s !== SEC_I_CONTINUE_NEEDED) continue;
        // A ticket was obtained. For a mutated AS-REP or TGS-REP that needs the KDC's
        // enc-part unchanged (it is the only thing the client can authenticate).
        if (target !== "KRB-ERROR" && !equal(res.genuine!, res.sent!)) {
          let same = false;
          try {
            same = equal(
              decodeKdcRep(res.genuine!).encPart.cipher,
              decodeKdcRep(res.sent!).encPart.cipher,
            );
          } catch { /* undecodable: not the same */ }
          assert.ok(
            same,
            `${where()}: success with a changed enc-part\n${hex(res.sent!)}`,
          );
        }
        // The AP-REQ built on it is ours: the acceptor either refuses it (the
        // client cannot check a ticket) or sees alice.
        const sctx = new CtxtHandle();
        const a = asc(server, sctx, res.token!);
        const sa = checkStatus(a.status, where());
        if (sa === SEC_E_OK) assert.equal(clientName(sctx), ALICE, where());
        accepted.add(`${target}:${st(sa)}`);
        DeleteSecurityContext(sctx);
      }
    } finally {
      FreeCredentialsHandle(server);
    }
    console.log(
      `${N_KDC} KDC exchanges in ${
        (performance.now() - t0).toFixed(0)
      } ms: ${statuses}; ` +
        `AP-REQs after a success: ${accepted}`,
    );
  }));

Deno.test("Kerberos fuzz c: hostile ETYPE-INFO2 values (s2kparams, salts, etypes) in the KRB-ERROR give status codes quickly", () =>
  withKdc(async (kdc) => {
    await kdc.kadmin(`modprinc +requires_preauth ${KRB_USER.user}`);
    const rewrite =
      (entries: Parameters<typeof encodeEtypeInfo2>[0]) =>
      (reply: Uint8Array) => {
        const e: KrbError = decodeKrbError(reply);
        const methods = decodeMethodData(e.eData!).map((pa) =>
          pa.padataType === 19
            ? { padataType: 19, padataValue: encodeEtypeInfo2(entries) }
            : pa
        );
        return encodeKrbError({ ...e, eData: encodeMethodData(methods) });
      };
    const salt = `${REALM}${KRB_USER.user}`;
    const cases: [string, Parameters<typeof encodeEtypeInfo2>[0]][] = [
      ["no entries", []],
      ["only RC4", [{ etype: 23 }]],
      ["unknown etype", [{ etype: 0x7fffffff, salt }]],
      ["negative etype", [{ etype: -1, salt }]],
      ["s2kparams of 3 bytes", [{
        etype: 18,
        salt,
        s2kparams: new Uint8Array(3),
      }]],
      ["s2kparams of 0 iterations", [{
        etype: 18,
        salt,
        s2kparams: new Uint8Array(4),
      }]],
      ["s2kparams of 2^32-1 iterations", [{
        etype: 18,
        salt,
        s2kparams: new Uint8Array([255, 255, 255, 255]),
      }]],
      ["empty salt", [{ etype: 18, salt: "" }]],
      ["a 100 kB salt", [{ etype: 18, salt: "x".repeat(100_000) }]],
      ["another salt", [{ etype: 17, salt: "OTHER.REALMbob" }]],
      // RFC 8009 enctypes the account has no key of; SHA-384's PBKDF2 is bounded lower.
      ["etype 20, which alice lacks", [{ etype: 20, salt }]],
      ["etype 19, s2kparams of 0 iterations", [{
        etype: 19,
        salt,
        s2kparams: new Uint8Array(4),
      }]],
      ["etype 20, s2kparams of 262,145 iterations", [{
        etype: 20,
        salt,
        s2kparams: Uint8Array.of(0, 4, 0, 1),
      }]],
      ["etype 20, s2kparams of 2^32-1 iterations", [{
        etype: 20,
        salt,
        s2kparams: new Uint8Array([255, 255, 255, 255]),
      }]],
    ];
    for (const [name, entries] of cases) {
      const t0 = performance.now();
      const res = await throughRelay(kdc, "KRB-ERROR", rewrite(entries));
      const s = checkStatus(res.status, name, res.detail);
      assert.ok(s >= 0x80000000, `${name}: ${st(s)}`);
      assert.ok(performance.now() - t0 < 3000, `${name}: too slow`);
    }
  }));

// ---------------------------------------------------------------------------
// d. Per-message tokens.

/** EncryptMessage in the split form: the token and the data (encrypted in place). */
function wrapSplit(
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
function unwrapSplit(
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

/** DecryptMessage of a whole token in a SECBUFFER_STREAM. */
function unwrapStream(
  ctx: CtxtHandle,
  token: Uint8Array,
): { status: number; data: Uint8Array | null } {
  const d = new SecBuffer(SECBUFFER_DATA, null);
  const status = DecryptMessage(
    ctx,
    new SecBufferDesc([new SecBuffer(SECBUFFER_STREAM, token), d]),
    0,
    { value: 0 },
  );
  return {
    status,
    data: d.pvBuffer ? d.pvBuffer.subarray(0, d.cbBuffer) : null,
  };
}

function sign(ctx: CtxtHandle, data: Uint8Array): Uint8Array {
  const sig = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(64));
  assert.equal(
    MakeSignature(
      ctx,
      0,
      new SecBufferDesc([new SecBuffer(SECBUFFER_DATA, data), sig]),
      0,
    ),
    SEC_E_OK,
  );
  return sig.pvBuffer!.slice(0, sig.cbBuffer);
}

function verify(ctx: CtxtHandle, data: Uint8Array, mic: Uint8Array): number {
  return VerifySignature(
    ctx,
    new SecBufferDesc([
      new SecBuffer(SECBUFFER_DATA, data),
      new SecBuffer(SECBUFFER_TOKEN, mic),
    ]),
    0,
    { value: 0 },
  );
}

/**
 * One mutation of a per-message token (16-byte RFC 4121 header, then the body):
 * a header field (TOK_ID, flags, filler, EC, RRC, SND_SEQ) or the generic mutations.
 */
function mutateGss(
  src: Uint8Array,
  r: (n: number) => number,
): { bytes: Uint8Array; kind: string } {
  if (r(3) > 0) return mutate(src, r, [{ off: 0, hdr: 2, end: src.length }]);
  const b = src.slice();
  const field = r(6);
  const at = [0, 2, 3, 4, 6, 8][field] + (field === 5 ? r(8) : r(2));
  if (at < b.length) b[at] = r(2) ? b[at] ^ (1 << r(8)) : r(256);
  return {
    bytes: b,
    kind: ["TOK_ID", "flags", "filler", "EC", "RRC", "SND_SEQ"][field],
  };
}

/**
 * Whether `mut` differs from `orig` only in a Wrap token's RRC, and the receiver's
 * rotation by the new RRC (or by RRC + EC, MS-KILE's reading) is, modulo the body's
 * length, the original rotation: the same body.
 */
function rrcEquivalent(
  orig: Uint8Array,
  mut: Uint8Array,
  bodyLength: number,
): boolean {
  if (orig.length !== mut.length || orig[0] !== 5 || orig[1] !== 4) {
    return false;
  }
  for (let i = 0; i < orig.length; i++) {
    if ((i < 6 || i > 7) && orig[i] !== mut[i]) return false;
  }
  const u16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
  const ec = u16(orig, 4);
  const was = u16(orig, 6);
  const now = u16(mut, 6);
  return [now, now + ec].some((rot) => (rot - was) % bodyLength === 0);
}

Deno.test(`Kerberos fuzz d: ${N_MSG} mutated Wrap and MIC tokens into DecryptMessage (stream and split forms) and VerifySignature: never SEC_E_OK for a changed token, counters unchanged after a refusal (seed ${SEED})`, () =>
  withKdc(async (kdc) => {
    const r = rng(SEED ^ 0x0f0f0f0f);
    const client = await clientCred(kdc);
    const server = serverCred(kdc);
    const cctx = newCtx();
    const sctx = new CtxtHandle();
    const a = isc(client, cctx, true, null);
    const b = asc(server, sctx, a.token!);
    assert.equal(st(b.status), st(SEC_E_OK));
    assert.equal(st(isc(client, cctx, false, b.token).status), st(SEC_E_OK));
    const statuses = new Tally();
    const tolerated = new Tally();
    // The last genuine message each side received (for replays).
    const last = new Map<CtxtHandle, { token: Uint8Array; data: Uint8Array }>();
    const t0 = performance.now();
    try {
      for (let i = 0; i < N_MSG; i++) {
        const toServer = r(2) === 0;
        const [from, to] = toServer ? [cctx, sctx] : [sctx, cctx];
        const form = ["stream", "split", "mic"][r(3)];
        const seal = r(3) > 0;
        const plain = Uint8Array.from({ length: r(70) }, () => r(256));
        let kind = "";
        const where = () =>
          `${form}${
            form === "mic" ? "" : seal ? " sealed" : " signed"
          } iteration ${i} (${kind}, seed ${SEED})`;
        const g = form === "mic"
          ? { token: sign(from, plain), data: plain }
          : wrapSplit(from, plain, seal);
        const stream = new Uint8Array(g.token.length + g.data.length);
        stream.set(g.token);
        stream.set(g.data, g.token.length);
        // The altered message: a replay, a reflection, a moved token/data
        // boundary, a changed data part, or a changed token.
        let token = form === "stream" ? stream : g.token;
        let data = g.data;
        const choice = r(20);
        if (choice === 0 && last.get(to)) {
          kind = "replay";
          ({ token, data } = last.get(to)!);
          if (form === "stream") token = join(token, data);
        } else if (choice === 1) {
          kind = "reflection";
          // The sender's own message given back to it.
          const res = form === "mic"
            ? { status: verify(from, data, token) }
            : form === "stream"
            ? unwrapStream(from, token.slice())
            : unwrapSplit(from, token.slice(), data.slice());
          const s = checkStatus(res.status, where());
          statuses.add(`${form}:${st(s)}`);
          assert.notEqual(st(s), st(SEC_E_OK), `${where()}: accepted`);
          kind = "(genuine)";
        } else if (choice === 2 && form === "split" && g.data.length) {
          kind = "moved boundary";
          const k = 1 + r(Math.min(16, g.data.length));
          if (r(2)) {
            token = join(g.token, g.data.subarray(0, k));
            data = g.data.slice(k);
          } else {
            token = g.token.slice(0, g.token.length - k);
            data = join(g.token.subarray(g.token.length - k), g.data);
          }
        } else if (choice < 6 && form !== "stream") {
          const m = mutate(g.data.length ? g.data : new Uint8Array(1), r);
          kind = `data ${m.kind}`;
          data = m.bytes;
        } else {
          const m = mutateGss(token, r);
          kind = m.kind;
          token = m.bytes;
        }
        const changed = kind !== "(genuine)" &&
          !(equal(token, form === "stream" ? stream : g.token) &&
            equal(data, g.data));
        if (!changed && kind !== "(genuine)") {
          tolerated.add("unchanged by chance");
        }
        if (changed) {
          let res;
          try {
            res = form === "mic"
              ? { status: verify(to, data, token), data: null }
              : form === "stream"
              ? unwrapStream(to, token)
              : unwrapSplit(to, token, data.slice());
          } catch (e) {
            throw new Error(`${where()}: threw ${e}\n${hex(token)}`);
          }
          const s = checkStatus(res.status, where());
          statuses.add(`${form}:${st(s)}`);
          if (s === SEC_E_OK) {
            // Only an equivalent RRC or a moved split-form boundary may pass, and
            // then the DATA buffer holds the genuine message.
            const orig = form === "stream" ? stream : g.token;
            const bodyLength = stream.length - 16;
            const moved = form === "split" && !equal(data, g.data) &&
              equal(join(token, data), stream);
            assert.ok(
              moved ||
                equal(data, g.data) && rrcEquivalent(orig, token, bodyLength),
              `${where()}: a changed token was accepted\n${hex(orig)} ${
                hex(g.data)
              }\n${hex(token)} ${hex(data)}`,
            );
            assert.ok(res.data && equal(res.data, plain), where());
            tolerated.add(moved ? TOLERATED.boundary : TOLERATED.rrc);
            last.set(to, { token: g.token, data: g.data });
            continue; // consumed: the genuine one would now be a replay
          }
        }
        // The genuine message still goes through: nothing moved the counters.
        const ok = form === "mic"
          ? { status: verify(to, g.data, g.token), data: g.data }
          : form === "stream"
          ? unwrapStream(to, stream.slice())
          : unwrapSplit(to, g.token.slice(), g.data.slice());
        assert.equal(
          st(ok.status),
          st(SEC_E_OK),
          `${where()}: the genuine message after the altered one`,
        );
        assert.ok(ok.data && equal(ok.data, plain), where());
        last.set(to, { token: g.token, data: g.data });
      }
    } finally {
      DeleteSecurityContext(cctx);
      DeleteSecurityContext(sctx);
      FreeCredentialsHandle(client);
      FreeCredentialsHandle(server);
    }
    console.log(
      `${N_MSG} messages in ${
        (performance.now() - t0).toFixed(0)
      } ms: ${statuses}` +
        (tolerated.counts.size
          ? `; not changed or OK tolerated: ${tolerated}`
          : ""),
    );
  }));

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
