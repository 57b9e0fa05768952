// Property test: mutated SPNEGO tokens (lengths, tags, nesting depth, truncation, huge
// lengths, byte flips) through the DER decoders and through AcceptSecurityContext and
// InitializeSecurityContext with "Negotiate": status codes only, never
// SEC_E_INTERNAL_ERROR, no exception, no trap, no hang.
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
  ISC_REQ_INTEGRITY,
  SEC_E_INTERNAL_ERROR,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
} from "../../mod.ts";
import { DerError } from "../../src/der/mod.ts";
import { decodeNegotiationToken } from "../../src/packages/negotiate/mod.ts";
import { decodeNegotiationTokenGeneric } from "../../src/packages/negotiate/messages.ts";
import { pair, run, USER } from "./_helpers.ts";
import { mutate } from "./_mutate.ts";

const ITERATIONS = fuzzIterations("FUZZ_ITERATIONS", 100_000);
const SEED = FUZZ_SEED;

function desc(token: Uint8Array | null): SecBufferDesc | null {
  return token
    ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, token)])
    : null;
}

function out(): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
}

Deno.test(`Negotiate fuzz: ${ITERATIONS} mutated SPNEGO tokens give status codes only (seed ${SEED})`, () => {
  const r = rng(SEED);
  // Seed tokens: a full handshake of ours, the captured gss-ntlmssp and Samba ones,
  // NegTokenInit2.
  const { c, s } = pair();
  const ours = run(c, s);
  c.dispose();
  s.dispose();
  const captured = (name: string): Uint8Array[] =>
    JSON.parse(Deno.readTextFileSync(
      new URL(`../peers/captured/${name}`, import.meta.url),
    )).tokens.map((t: { token: string }) =>
      Uint8Array.from(atob(t.token), (ch) => ch.charCodeAt(0))
    );
  const gss = captured("gssntlmssp_spnego_handshake.json");
  const samba = captured("samba_spnego_handshake.json");
  const seeds = [...ours, ...gss, ...samba];
  const firsts = [ours[0], gss[0], samba[0]];
  const replies = [ours[1], gss[1], samba[1], ours[3], gss[3], samba[3]];
  const seconds = [ours[2], gss[2], samba[2]];

  const inbound = new CredHandle();
  const outbound = new CredHandle();
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "Negotiate",
      SECPKG_CRED_INBOUND,
      null,
      { users: [USER] },
      null,
      null,
      inbound,
      null,
    ),
    0,
  );
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "Negotiate",
      SECPKG_CRED_OUTBOUND,
      null,
      USER,
      null,
      null,
      outbound,
      null,
    ),
    0,
  );
  const flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | 0x100;
  const statuses = new Map<number, number>();
  const check = (st: number, i: number) => {
    assert.equal(typeof st, "number");
    assert.notEqual(
      st >>> 0,
      SEC_E_INTERNAL_ERROR,
      `internal error at iteration ${i} (seed ${SEED})`,
    );
    statuses.set(st >>> 0, (statuses.get(st >>> 0) ?? 0) + 1);
  };
  const t0 = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const lane = r(20);
    if (lane < 12) {
      // Decoders only; the fast path must agree with the generic decoder.
      const m = mutate(seeds[r(seeds.length)], r);
      const outcome = (f: typeof decodeNegotiationToken) => {
        try {
          return f(m);
        } catch (e) {
          if (!(e instanceof DerError)) {
            throw new Error(`iteration ${i} (seed ${SEED}): ${e}`);
          }
          return e.message;
        }
      };
      assert.deepEqual(
        outcome(decodeNegotiationToken),
        outcome(decodeNegotiationTokenGeneric),
        `fast and generic decoders differ at iteration ${i} (seed ${SEED})`,
      );
    } else if (lane < 16) {
      // AcceptSecurityContext on a fresh context with a mutated first token.
      const ctx = new CtxtHandle();
      const m = mutate(firsts[r(firsts.length)], r);
      check(
        AcceptSecurityContext(inbound, null, desc(m), 0x100, 0x10, ctx, out(), {
          value: 0,
        }, null),
        i,
      );
      DeleteSecurityContext(ctx);
    } else if (lane < 18) {
      // AcceptSecurityContext: a good first token, then a mutated second one.
      const ctx = new CtxtHandle();
      const k = r(2);
      const st = AcceptSecurityContext(
        inbound,
        null,
        desc(firsts[k]),
        0x100,
        0x10,
        ctx,
        out(),
        { value: 0 },
        null,
      );
      check(st, i);
      check(
        AcceptSecurityContext(
          inbound,
          ctx,
          desc(mutate(seconds[k], r)),
          0x100,
          0x10,
          ctx,
          out(),
          { value: 0 },
          null,
        ),
        i,
      );
      DeleteSecurityContext(ctx);
    } else {
      // InitializeSecurityContext: our first token, then a mutated server reply.
      const ctx = new CtxtHandle();
      check(
        InitializeSecurityContext(
          outbound,
          null,
          "HTTP/x",
          flags,
          0,
          0x10,
          null,
          0,
          ctx,
          out(),
          { value: 0 },
          null,
        ),
        i,
      );
      const m = mutate(replies[r(replies.length)], r);
      check(
        InitializeSecurityContext(
          outbound,
          ctx,
          "HTTP/x",
          flags,
          0,
          0x10,
          desc(m),
          0,
          ctx,
          out(),
          { value: 0 },
          null,
        ),
        i,
      );
      DeleteSecurityContext(ctx);
    }
  }
  const ms = performance.now() - t0;
  console.log(
    `${ITERATIONS} iterations in ${ms.toFixed(0)} ms; statuses:`,
    [...statuses].map(([k, v]) => `0x${k.toString(16)}=${v}`).join(" "),
  );
});
