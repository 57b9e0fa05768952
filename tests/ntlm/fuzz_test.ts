// Property test: mutated NEGOTIATE/CHALLENGE/AUTHENTICATE messages (bit flips,
// truncation, huge offsets and lengths, overlapping fields) never throw, never trap and
// never hang: every result is an SSPI status, and never SEC_E_INTERNAL_ERROR.
import assert from "node:assert/strict";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  InitializeSecurityContext,
  ISC_REQ_CONFIDENTIALITY,
  SEC_E_INTERNAL_ERROR,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SspiError,
} from "../../mod.ts";
import {
  decodeAuthenticate,
  decodeChallenge,
  decodeNegotiate,
} from "../../src/packages/ntlm/messages.ts";
import { decodeAvPairs } from "../../src/packages/ntlm/av_pairs.ts";

const ITERATIONS = fuzzIterations("FUZZ_ITERATIONS", 100_000);
const SEED = FUZZ_SEED;

const HUGE = [0xffff, 0xfffe, 0x8000, 0x7fff, 0, 1];
const HUGE32 = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0, 1, 88];

function mutate(src: Uint8Array, r: (n: number) => number): Uint8Array {
  let b = src.slice();
  const kind = r(6);
  if (kind === 0) {
    for (let i = 0, n = 1 + r(8); i < n; i++) b[r(b.length)] ^= 1 << r(8);
  } else if (kind === 1) {
    b = b.slice(0, r(b.length));
  } else if (kind === 2) {
    // A (Len, MaxLen, Offset) field of the header gets a huge length or offset.
    const fields = [12, 20, 28, 36, 44, 52, 16, 24, 40];
    const o = fields[r(fields.length)];
    if (o + 8 <= b.length) {
      const v = new DataView(b.buffer);
      if (r(2)) v.setUint16(o, HUGE[r(HUGE.length)] || r(0x10000), true);
      else {v.setUint32(
          o + 4,
          HUGE32[r(HUGE32.length)] || r(b.length + 64),
          true,
        );}
    }
  } else if (kind === 3) {
    // Overlapping fields: copy one field descriptor onto another.
    const fields = [12, 20, 28, 36, 44, 52];
    const a = fields[r(6)], c = fields[r(6)];
    if (Math.max(a, c) + 8 <= b.length) b.copyWithin(a, c, c + 8);
  } else if (kind === 4) {
    const extra = new Uint8Array(r(64));
    for (let i = 0; i < extra.length; i++) extra[i] = r(256);
    const out = new Uint8Array(b.length + extra.length);
    out.set(b);
    out.set(extra, b.length);
    b = out;
  } else {
    // Random bytes inside the payload (AV pairs, responses).
    for (let i = 0, n = 1 + r(16); i < n; i++) {
      b[32 + r(Math.max(1, b.length - 32))] = r(256);
    }
  }
  return b;
}

function creds() {
  const cc = new CredHandle();
  const sc = new CredHandle();
  AcquireCredentialsHandle(
    null,
    "NTLM",
    SECPKG_CRED_OUTBOUND,
    null,
    { User: "alice", Domain: "EXAMPLE", Password: "pw" },
    null,
    null,
    cc,
    null,
  );
  AcquireCredentialsHandle(
    null,
    "NTLM",
    SECPKG_CRED_INBOUND,
    null,
    { users: [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }] },
    null,
    null,
    sc,
    null,
  );
  return { cc, sc };
}

const desc = (t: Uint8Array | null) =>
  new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, t)]);
const outDesc = () => desc(new Uint8Array(4096));
const bytesOf = (d: SecBufferDesc) =>
  d.pBuffers[0].pvBuffer!.slice(0, d.pBuffers[0].cbBuffer);

function decodersOnly(b: Uint8Array): void {
  for (
    const f of [
      decodeNegotiate,
      decodeChallenge,
      decodeAuthenticate,
      decodeAvPairs,
    ]
  ) {
    try {
      f(b);
    } catch (e) {
      if (!(e instanceof SspiError)) throw e;
    }
  }
}

Deno.test(`NTLM fuzz: ${ITERATIONS} mutated messages give status codes only (seed ${SEED})`, () => {
  const r = rng(SEED);
  const { cc, sc } = creds();
  const f = ISC_REQ_CONFIDENTIALITY;
  const a = { value: 0 };
  // One valid exchange to mutate.
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  let o = outDesc();
  InitializeSecurityContext(
    cc,
    null,
    "HTTP/x",
    f,
    0,
    16,
    null,
    0,
    cx,
    o,
    a,
    null,
  );
  const negotiate = bytesOf(o);
  const so = outDesc();
  AcceptSecurityContext(sc, null, desc(negotiate), 0, 16, sx, so, a, null);
  const challenge = bytesOf(so);
  o = outDesc();
  InitializeSecurityContext(
    cc,
    cx,
    "HTTP/x",
    f,
    0,
    16,
    desc(challenge),
    0,
    cx,
    o,
    a,
    null,
  );
  const authenticate = bytesOf(o);
  DeleteSecurityContext(cx);
  DeleteSecurityContext(sx);
  const seen = new Map<number, number>();
  const deadline = Date.now() + 240_000;
  for (let i = 0; i < ITERATIONS; i++) {
    const which = r(3);
    const base = which === 0
      ? negotiate
      : which === 1
      ? challenge
      : authenticate;
    const m = mutate(base, r);
    decodersOnly(m);
    let status: number;
    if (which === 0) {
      const ctx = new CtxtHandle();
      status = AcceptSecurityContext(
        sc,
        null,
        desc(m),
        0,
        16,
        ctx,
        outDesc(),
        a,
        null,
      );
      DeleteSecurityContext(ctx);
    } else if (which === 1) {
      const ctx = new CtxtHandle();
      InitializeSecurityContext(
        cc,
        null,
        "HTTP/x",
        f,
        0,
        16,
        null,
        0,
        ctx,
        outDesc(),
        a,
        null,
      );
      status = InitializeSecurityContext(
        cc,
        ctx,
        "HTTP/x",
        f,
        0,
        16,
        desc(m),
        0,
        ctx,
        outDesc(),
        a,
        null,
      );
      DeleteSecurityContext(ctx);
    } else {
      const ctx = new CtxtHandle();
      AcceptSecurityContext(
        sc,
        null,
        desc(negotiate),
        0,
        16,
        ctx,
        outDesc(),
        a,
        null,
      );
      status = AcceptSecurityContext(
        sc,
        ctx,
        desc(m),
        0,
        16,
        ctx,
        outDesc(),
        a,
        null,
      );
      DeleteSecurityContext(ctx);
    }
    assert.equal(typeof status, "number");
    assert.notEqual(
      status,
      SEC_E_INTERNAL_ERROR,
      `internal error at iteration ${i} (seed ${SEED})`,
    );
    seen.set(status, (seen.get(status) ?? 0) + 1);
    assert.ok(Date.now() < deadline, "fuzz loop took too long (hang?)");
  }
  // The mutations reached both accepting and refusing paths.
  assert.ok(seen.size >= 2, `only statuses ${[...seen.keys()]}`);
});
