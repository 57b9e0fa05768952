// Framing in place: the inner package writes its token where the SPNEGO message around
// it goes (StepRequest.frame), and the encoders write around it without a copy. The
// bytes must be exactly those of the copying encoders, for every length class of DER.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  type SecBufferDesc,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  tokenArray,
} from "../../mod.ts";
import {
  ACCEPT_INCOMPLETE,
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  negTokenInitFrame,
  negTokenRespFrame,
} from "../../src/packages/negotiate/mod.ts";
import { ntlmPackage } from "../../src/packages/ntlm/package.ts";
import type {
  PackageContext,
  StepRequest,
  StepResult,
} from "../../src/sspi/package.ts";
import { acquire, asc, isc, tokenDesc } from "../sspi/_helpers.ts";
import { USER } from "./_helpers.ts";

// ALLOCATE_MEMORY | CONFIDENTIALITY | INTEGRITY | CONNECTION (same bits both sides).
const FLAGS = 0x100 | 0x10 | 0x20000 | 0x800;

const NTLM_OID = "1.3.6.1.4.1.311.2.2.10";
const MECH_TYPES = [NTLM_OID, "1.2.840.113554.1.2.2"];
const MECH_TYPES_DER = encodeMechTypeList(MECH_TYPES);
// Around every boundary where a DER length or the lengths around it grow a byte.
const LENGTHS = [
  0,
  1,
  40,
  100,
  107,
  108,
  119,
  120,
  121,
  122,
  127,
  128,
  129,
  240,
];
for (const edge of [255, 256, 65535, 65536]) {
  for (let d = -12; d <= 12; d++) LENGTHS.push(edge + d);
}

/** A token of `n` bytes framed by `frame`, holding a recognisable pattern. */
function framed(
  n: number,
  frame: ReturnType<typeof negTokenInitFrame>,
): Uint8Array {
  const t = tokenArray(n, frame);
  for (let i = 0; i < n; i++) t[i] = (i * 7 + 3) & 0xff;
  return t;
}

Deno.test("frame: a framed NegTokenResp token is encoded in place, bytes as copied", () => {
  const mic = new Uint8Array(16).fill(0x5a);
  const shapes = [
    { negState: ACCEPT_INCOMPLETE, supportedMech: NTLM_OID, mic: undefined },
    { negState: ACCEPT_INCOMPLETE, supportedMech: undefined, mic },
    { negState: undefined, supportedMech: undefined, mic: undefined },
  ];
  for (const sh of shapes) {
    const frame = negTokenRespFrame(
      sh.negState,
      sh.supportedMech,
      sh.mic?.length,
    );
    for (const n of LENGTHS) {
      const t = framed(n, frame);
      const fields = {
        negState: sh.negState,
        supportedMech: sh.supportedMech,
        responseToken: t,
        mechListMIC: sh.mic,
      };
      const copied = encodeNegTokenResp({
        ...fields,
        responseToken: t.slice(),
      });
      const out = encodeNegTokenResp(fields, true);
      assert.equal(out.buffer, t.buffer, `in place at ${n}`);
      assert.equal(out.byteOffset, 0);
      assert.deepEqual(out, copied, `same bytes at ${n}`);
    }
  }
});

Deno.test("frame: a framed first token is encoded in place inside the InitialContextToken", () => {
  const frame = negTokenInitFrame(MECH_TYPES_DER);
  for (const n of LENGTHS) {
    const t = framed(n, frame);
    const fields = {
      mechTypes: MECH_TYPES,
      mechTypesDer: MECH_TYPES_DER,
      mechToken: t,
    };
    const copied = encodeNegTokenInit(
      { ...fields, mechToken: t.slice() },
      true,
    );
    const out = encodeNegTokenInit(fields, true, true);
    assert.equal(out.buffer, t.buffer, `in place at ${n}`);
    assert.deepEqual(out, copied, `same bytes at ${n}`);
  }
});

Deno.test("frame: tokens not owned, or framed for another shape, are copied and left alone", () => {
  const mic = new Uint8Array(16).fill(1);
  const t = framed(300, negTokenRespFrame(ACCEPT_INCOMPLETE, undefined, 16));
  const whole = new Uint8Array(t.buffer).slice();
  // Not owned: a new array, the token's buffer untouched.
  const a = encodeNegTokenResp(
    { negState: ACCEPT_INCOMPLETE, responseToken: t, mechListMIC: mic },
    false,
  );
  assert.notEqual(a.buffer, t.buffer);
  assert.deepEqual(new Uint8Array(t.buffer), whole);
  // Owned but the MIC is absent (the frame left room for one): copied, untouched.
  const b = encodeNegTokenResp(
    { negState: ACCEPT_INCOMPLETE, responseToken: t },
    true,
  );
  assert.notEqual(b.buffer, t.buffer);
  assert.deepEqual(new Uint8Array(t.buffer), whole);
  assert.deepEqual(
    b,
    encodeNegTokenResp({
      negState: ACCEPT_INCOMPLETE,
      responseToken: t.slice(),
    }),
  );
  // A plain array (no frame): copied.
  const plain = t.slice();
  const c = encodeNegTokenResp(
    { negState: ACCEPT_INCOMPLETE, responseToken: plain, mechListMIC: mic },
    true,
  );
  assert.notEqual(c.buffer, plain.buffer);
  assert.deepEqual(c, a);
});

Deno.test("frame: every Negotiate(NTLM) token handed to the caller is a whole array of its own", () => {
  const c = acquire("Negotiate", SECPKG_CRED_OUTBOUND, USER);
  const s = acquire("Negotiate", SECPKG_CRED_INBOUND, { users: [USER] });
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const seen: Uint8Array[] = [];
  /** The step's token, checked to be an array nobody else holds. */
  const own = (r: { status: number; out: SecBufferDesc }) => {
    const b = r.out.pBuffers[0];
    if (!b.cbBuffer) return null;
    const p = b.pvBuffer!;
    assert.equal(p.byteOffset, 0);
    assert.equal(p.buffer.byteLength, p.length);
    assert.equal(b.cbBuffer, p.length);
    for (const q of seen) assert.notEqual(q.buffer, p.buffer);
    seen.push(p);
    return tokenDesc(p);
  };
  try {
    const statuses: number[] = [];
    let r = isc(c.cred, null, cx, FLAGS);
    statuses.push(r.status);
    let t = own(r);
    for (let first = true; t;) {
      const a = asc(first ? s.cred : null, first ? null : sx, sx, FLAGS, t);
      statuses.push(a.status);
      first = false;
      t = own(a);
      if (!t) break;
      r = isc(null, cx, cx, FLAGS, t);
      statuses.push(r.status);
      t = own(r);
    }
    assert.deepEqual(statuses, [
      SEC_I_CONTINUE_NEEDED,
      SEC_I_CONTINUE_NEEDED,
      SEC_I_CONTINUE_NEEDED,
      SEC_E_OK,
      SEC_E_OK,
    ]);
    assert.equal(seen.length, 4);
  } finally {
    DeleteSecurityContext(cx);
    DeleteSecurityContext(sx);
    FreeCredentialsHandle(c.cred);
    FreeCredentialsHandle(s.cred);
  }
});

Deno.test("frame: NTLM's three tokens sit inside the SPNEGO messages that carry them (no copy)", () => {
  // Every token the inner NTLM contexts return, seen through their package.
  const inner: Uint8Array[] = [];
  const create = ntlmPackage.createContext;
  ntlmPackage.createContext = function (cred, role) {
    const x = create.call(this, cred, role) as PackageContext;
    const step = x.step.bind(x);
    x.step = (req: StepRequest) => {
      const r = step(req) as StepResult;
      if (r.token?.length) inner.push(r.token);
      return r;
    };
    return x;
  };
  const c = acquire("Negotiate", SECPKG_CRED_OUTBOUND, USER);
  const s = acquire("Negotiate", SECPKG_CRED_INBOUND, { users: [USER] });
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  try {
    const outer: Uint8Array[] = [];
    const out = (r: { out: SecBufferDesc }) => {
      const b = r.out.pBuffers[0];
      if (!b.cbBuffer) return null;
      outer.push(b.pvBuffer!);
      return tokenDesc(b.pvBuffer!);
    };
    let t = out(isc(c.cred, null, cx, FLAGS));
    t = out(asc(s.cred, null, sx, FLAGS, t!));
    t = out(isc(null, cx, cx, FLAGS, t!));
    t = out(asc(null, sx, sx, FLAGS, t!));
    assert.equal(isc(null, cx, cx, FLAGS, t!).status, SEC_E_OK);
    assert.equal(inner.length, 3, "NEGOTIATE, CHALLENGE, AUTHENTICATE");
    for (let i = 0; i < 3; i++) {
      assert.equal(
        inner[i].buffer,
        outer[i].buffer,
        `NTLM token ${i + 1} is inside SPNEGO message ${i + 1}`,
      );
    }
  } finally {
    ntlmPackage.createContext = create;
    DeleteSecurityContext(cx);
    DeleteSecurityContext(sx);
    FreeCredentialsHandle(c.cred);
    FreeCredentialsHandle(s.cred);
  }
});
