// Property test of Kerberos per-message tokens against hostile bytes, with a live MIT
// KDC: mutated Wrap and MIC tokens into DecryptMessage (stream and split forms) and
// VerifySignature. A changed token never gives SEC_E_OK unless it is provably the
// same message, and after a refused token the context still reads the next genuine
// one: the sequence counters did not move. Seeded (`FUZZ_SEED`);
// `KRB_FUZZ_ITERATIONS` sets the total.
import assert from "node:assert/strict";
import { rng } from "../_fuzz.ts";
import {
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  MakeSignature,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  VerifySignature,
} from "../../mod.ts";
import { newCtx, withKdc } from "./_kdc_helpers.ts";

import {
  asc,
  checkStatus,
  clientCred,
  equal,
  hex,
  isc,
  mutate,
  N_MSG,
  report,
  SEED,
  serverCred,
  st,
  Tally,
  TOLERATED,
  unwrapSplit,
  wrapSplit,
} from "./_fuzz_krb.ts";

// ---------------------------------------------------------------------------
// d. Per-message tokens.

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
    report(N_MSG, "messages", t0, statuses, tolerated);
  }));

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
