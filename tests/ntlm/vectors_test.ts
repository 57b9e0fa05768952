/**
 * MS-NLMP section 4.2 test vectors: the NTLMv1, NTLMv1-with-client-challenge and
 * NTLMv2 calculations and messages, byte for byte (see data/ms_nlmp_4_2.ts), plus
 * decode-side and negative decode checks. GSS_WrapEx examples: wrap_vectors_test.ts.
 */
import assert from "node:assert/strict";
import {
  computeResponseV1,
  computeResponseV2,
  DESL,
  KXKEY,
  LMOWFv1,
  ntlmv2Temp,
  ntlmv2Values,
  NTOWFv1,
  NTOWFv2,
  rc4K,
  SEALKEY,
  SIGNKEY,
} from "../../src/packages/ntlm/crypto.ts";
import {
  type AuthenticateMessage,
  decodeAuthenticate,
  decodeChallenge,
  encodeAuthenticate,
  encodeChallenge,
} from "../../src/packages/ntlm/messages.ts";
import {
  decodeAvPairs,
  encodeAvPairs,
} from "../../src/packages/ntlm/av_pairs.ts";
import {
  MsvAvNbComputerName,
  MsvAvNbDomainName,
  NTLMSSP_NEGOTIATE_LM_KEY,
  NTLMSSP_REQUEST_NON_NT_SESSION_KEY,
} from "../../src/packages/ntlm/constants.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../src/sspi/status.ts";
import { fromHex, toHex, utf16le } from "../../src/util/bytes.ts";
import { COMMON, V1, V1ESS, V2 } from "./data/ms_nlmp_4_2.ts";

const h = (b: Uint8Array) => toHex(b).toLowerCase();
const randomSessionKey = () => fromHex(COMMON.randomSessionKey);
const serverChallenge = () => fromHex(COMMON.serverChallenge);
const clientChallenge = () => fromHex(COMMON.clientChallenge);

function v1Responses(flags: number) {
  return computeResponseV1(
    flags,
    NTOWFv1(COMMON.password),
    LMOWFv1(COMMON.password),
    serverChallenge(),
    clientChallenge(),
  );
}

function v2Computed() {
  const key = NTOWFv2(NTOWFv1(COMMON.password), COMMON.user, COMMON.userDom);
  const temp = ntlmv2Temp(
    fromHex(COMMON.time),
    clientChallenge(),
    fromHex(V2.targetInfo),
  );
  return {
    key,
    temp,
    r: computeResponseV2(key, serverChallenge(), clientChallenge(), temp),
  };
}

// ---------------------------------------------------------------- 4.2.2 NTLM v1

Deno.test("4.2.2.1.1 LMOWFv1", () => {
  assert.equal(h(LMOWFv1(COMMON.password)), V1.lmowf);
});

Deno.test("4.2.2.1.2 NTOWFv1", () => {
  assert.equal(h(NTOWFv1(COMMON.password)), V1.ntowf);
});

Deno.test("4.2.2.1.3 SessionBaseKey", () => {
  assert.equal(h(v1Responses(V1.flags).sessionBaseKey), V1.sessionBaseKey);
});

Deno.test("4.2.2.1.3 KeyExchangeKey: the example flags (no LM_KEY) give SessionBaseKey", () => {
  const r = v1Responses(V1.flags);
  const kx = KXKEY(
    V1.flags,
    r.sessionBaseKey,
    r.lmResponse,
    serverChallenge(),
    LMOWFv1(COMMON.password),
    false,
  );
  assert.equal(h(kx), V1.sessionBaseKey);
});

Deno.test("4.2.2.1.3 KeyExchangeKey with NTLMSSP_REQUEST_NON_NT_SESSION_KEY", () => {
  const flags = V1.flags | NTLMSSP_REQUEST_NON_NT_SESSION_KEY;
  const r = v1Responses(flags);
  const kx = KXKEY(
    flags,
    r.sessionBaseKey,
    r.lmResponse,
    serverChallenge(),
    LMOWFv1(COMMON.password),
    false,
  );
  assert.equal(h(kx), V1.kxkeyNonNt);
  assert.equal(h(rc4K(kx, randomSessionKey())), V1.encryptedSessionKeyNonNt);
});

Deno.test("4.2.2.1.3 KeyExchangeKey with NTLMSSP_NEGOTIATE_LM_KEY", () => {
  const flags = (V1.flags | NTLMSSP_NEGOTIATE_LM_KEY) >>> 0;
  const r = v1Responses(flags);
  const kx = KXKEY(
    flags,
    r.sessionBaseKey,
    r.lmResponse,
    serverChallenge(),
    LMOWFv1(COMMON.password),
    false,
  );
  assert.equal(h(kx), V1.kxkeyLmKey);
  assert.equal(h(rc4K(kx, randomSessionKey())), V1.encryptedSessionKeyLmKey);
});

Deno.test("4.2.2.2.1 NTLMv1 Response and DESL", () => {
  assert.equal(h(v1Responses(V1.flags).ntResponse), V1.ntResponse);
  assert.equal(
    h(DESL(NTOWFv1(COMMON.password), serverChallenge())),
    V1.ntResponse,
  );
});

Deno.test("4.2.2.2.2 LMv1 Response", () => {
  assert.equal(h(v1Responses(V1.flags).lmResponse), V1.lmResponse);
});

Deno.test("4.2.2.2.3 Encrypted Session Key", () => {
  const kx = v1Responses(V1.flags).sessionBaseKey;
  const esk = rc4K(kx, randomSessionKey());
  assert.equal(h(esk), V1.encryptedSessionKey);
  assert.equal(h(rc4K(kx, esk)), COMMON.randomSessionKey);
});

Deno.test("4.2.2.3 CHALLENGE_MESSAGE decodes", () => {
  const c = decodeChallenge(fromHex(V1.challenge));
  assert.equal(c.flags >>> 0, V1.flags);
  assert.equal(c.targetName, COMMON.serverName);
  assert.equal(h(c.serverChallenge), COMMON.serverChallenge);
  assert.equal(c.targetInfo.length, 0);
  assert.deepEqual(c.version, {
    major: 6,
    minor: 0,
    build: 6000,
    revision: 15,
  });
});

Deno.test("4.2.2.3 CHALLENGE_MESSAGE re-encodes (empty TargetInfo offset aside)", () => {
  const spec = fromHex(V1.challenge);
  const ours = encodeChallenge(decodeChallenge(spec));
  assert.equal(ours.length, spec.length);
  // The spec writes TargetInfoFields of an absent TargetInfo as all zeros (offset 0);
  // our encoder points the empty field at the end of the payload (0x44). Both are valid
  // (a zero-length field's offset is ignored); everything else must match.
  assert.equal(h(ours.subarray(40, 48)), "0000000044000000");
  const norm = ours.slice();
  norm.fill(0, 44, 48);
  assert.equal(h(norm), V1.challenge);
  assert.deepEqual(decodeChallenge(ours), decodeChallenge(spec));
});

function v1Authenticate(): AuthenticateMessage {
  const r = v1Responses(V1.flags);
  return {
    flags: 0xe2808235,
    lmResponse: r.lmResponse,
    ntResponse: r.ntResponse,
    domain: COMMON.userDom,
    user: COMMON.user,
    workstation: COMMON.workstation,
    encryptedRandomSessionKey: rc4K(r.sessionBaseKey, randomSessionKey()),
    version: { major: 5, minor: 1, build: 2600, revision: 15 },
  };
}

Deno.test("4.2.2.3 AUTHENTICATE_MESSAGE encodes byte for byte", () => {
  assert.equal(h(encodeAuthenticate(v1Authenticate(), false)), V1.authenticate);
});

Deno.test("4.2.2.3 AUTHENTICATE_MESSAGE decodes", () => {
  const a = decodeAuthenticate(fromHex(V1.authenticate));
  assert.equal(a.flags >>> 0, 0xe2808235);
  assert.equal(a.user, COMMON.user);
  assert.equal(a.domain, COMMON.userDom);
  assert.equal(a.workstation, COMMON.workstation);
  assert.equal(h(a.lmResponse), V1.lmResponse);
  assert.equal(h(a.ntResponse), V1.ntResponse);
  assert.equal(h(a.encryptedRandomSessionKey), V1.encryptedSessionKey);
  assert.deepEqual(a.version, {
    major: 5,
    minor: 1,
    build: 2600,
    revision: 15,
  });
  assert.equal(a.mic, undefined);
  assert.equal(a.micOffset, undefined);
});

// ------------------------------------------- 4.2.3 NTLMv1 with Client Challenge

Deno.test("4.2.3.1.3 SessionBaseKey and KeyExchangeKey", () => {
  const r = v1Responses(V1ESS.flags);
  assert.equal(h(r.sessionBaseKey), V1ESS.sessionBaseKey);
  const kx = KXKEY(
    V1ESS.flags,
    r.sessionBaseKey,
    r.lmResponse,
    serverChallenge(),
    LMOWFv1(COMMON.password),
    false,
  );
  assert.equal(h(kx), V1ESS.keyExchangeKey);
});

Deno.test("4.2.3.2.1 LMv1 Response (client challenge)", () => {
  assert.equal(h(v1Responses(V1ESS.flags).lmResponse), V1ESS.lmResponse);
});

Deno.test("4.2.3.2.2 NTLMv1 Response (client challenge)", () => {
  assert.equal(h(v1Responses(V1ESS.flags).ntResponse), V1ESS.ntResponse);
});

Deno.test("4.2.3.4 SEALKEY / SIGNKEY (56-bit, from the KeyExchangeKey)", () => {
  const kx = fromHex(V1ESS.keyExchangeKey);
  assert.equal(h(SEALKEY(V1ESS.flags, kx, "Client")), V1ESS.sealKey);
  assert.equal(h(SIGNKEY(V1ESS.flags, kx, "Client")!), V1ESS.signKey);
});

Deno.test("4.2.3.3 CHALLENGE_MESSAGE decodes", () => {
  const c = decodeChallenge(fromHex(V1ESS.challenge));
  assert.equal(c.flags >>> 0, V1ESS.flags);
  assert.equal(c.targetName, COMMON.serverName);
  assert.equal(h(c.serverChallenge), COMMON.serverChallenge);
  assert.equal(c.targetInfo.length, 0);
});

function v1EssAuthenticate(): AuthenticateMessage {
  const r = v1Responses(V1ESS.flags);
  return {
    flags: 0x82088235,
    lmResponse: r.lmResponse,
    ntResponse: r.ntResponse,
    domain: COMMON.userDom,
    user: COMMON.user,
    workstation: COMMON.workstation,
    encryptedRandomSessionKey: new Uint8Array(0),
    version: { major: 5, minor: 1, build: 2600, revision: 15 },
  };
}

Deno.test("4.2.3.3 AUTHENTICATE_MESSAGE encodes byte for byte", () => {
  assert.equal(
    h(encodeAuthenticate(v1EssAuthenticate(), false)),
    V1ESS.authenticate,
  );
});

Deno.test("4.2.3.3 AUTHENTICATE_MESSAGE decodes", () => {
  const a = decodeAuthenticate(fromHex(V1ESS.authenticate));
  assert.equal(a.flags >>> 0, 0x82088235);
  assert.equal(a.user, COMMON.user);
  assert.equal(a.domain, COMMON.userDom);
  assert.equal(a.workstation, COMMON.workstation);
  assert.equal(h(a.lmResponse), V1ESS.lmResponse);
  assert.equal(h(a.ntResponse), V1ESS.ntResponse);
  assert.equal(a.encryptedRandomSessionKey.length, 0);
});

// ------------------------------------------------------------------ 4.2.4 NTLMv2

Deno.test("4.2.4 TargetInfo AV pairs", () => {
  const pairs = decodeAvPairs(fromHex(V2.targetInfo));
  assert.deepEqual(pairs.map((p) => p.id), [
    MsvAvNbDomainName,
    MsvAvNbComputerName,
  ]);
  assert.deepEqual(pairs[0].value, utf16le(COMMON.userDom));
  assert.deepEqual(pairs[1].value, utf16le(COMMON.serverName));
  assert.equal(h(encodeAvPairs(pairs)), V2.targetInfo);
});

Deno.test("4.2.4.1.1 NTOWFv2 (ResponseKeyNT = ResponseKeyLM)", () => {
  assert.equal(h(v2Computed().key), V2.ntowf);
});

Deno.test("4.2.4.1.3 temp", () => {
  assert.equal(h(v2Computed().temp), V2.temp);
});

Deno.test("4.2.4.1.2 SessionBaseKey (= KeyExchangeKey)", () => {
  const { r } = v2Computed();
  assert.equal(h(r.sessionBaseKey), V2.sessionBaseKey);
  const kx = KXKEY(
    V2.flags,
    r.sessionBaseKey,
    r.lmResponse,
    serverChallenge(),
    new Uint8Array(16),
    true,
  );
  assert.equal(h(kx), V2.sessionBaseKey);
});

Deno.test("4.2.4.2.1 LMv2 Response", () => {
  assert.equal(h(v2Computed().r.lmResponse), V2.lmResponse);
});

Deno.test("4.2.4.2.2 NTLMv2 Response = NTProofStr || temp", () => {
  const { r } = v2Computed();
  assert.equal(h(r.ntResponse.subarray(0, 16)), V2.ntProofStr);
  assert.equal(h(r.ntResponse), V2.ntProofStr + V2.temp);
});

Deno.test("4.2.4.2.3 Encrypted Session Key", () => {
  const kx = v2Computed().r.sessionBaseKey;
  assert.equal(h(rc4K(kx, randomSessionKey())), V2.encryptedSessionKey);
  assert.equal(
    h(rc4K(kx, fromHex(V2.encryptedSessionKey))),
    COMMON.randomSessionKey,
  );
});

Deno.test("4.2.4.4 SEALKEY / SIGNKEY (128-bit, from the RandomSessionKey)", () => {
  assert.equal(h(SEALKEY(V2.flags, randomSessionKey(), "Client")), V2.sealKey);
  assert.equal(h(SIGNKEY(V2.flags, randomSessionKey(), "Client")!), V2.signKey);
});

Deno.test("4.2.4.3 CHALLENGE_MESSAGE decodes and re-encodes byte for byte", () => {
  const spec = fromHex(V2.challenge);
  const c = decodeChallenge(spec);
  assert.equal(c.flags >>> 0, V2.flags);
  assert.equal(c.targetName, COMMON.serverName);
  assert.equal(h(c.serverChallenge), COMMON.serverChallenge);
  assert.equal(h(c.targetInfo), V2.targetInfo);
  assert.deepEqual(c.version, {
    major: 6,
    minor: 0,
    build: 6000,
    revision: 15,
  });
  assert.equal(h(encodeChallenge(c)), V2.challenge);
});

function v2Authenticate(): AuthenticateMessage {
  const { r } = v2Computed();
  return {
    flags: 0xe2888235,
    lmResponse: r.lmResponse,
    ntResponse: r.ntResponse,
    domain: COMMON.userDom,
    user: COMMON.user,
    workstation: COMMON.workstation,
    encryptedRandomSessionKey: rc4K(r.sessionBaseKey, randomSessionKey()),
    version: { major: 5, minor: 1, build: 2600, revision: 15 },
  };
}

Deno.test("4.2.4.3 AUTHENTICATE_MESSAGE encodes byte for byte", () => {
  assert.equal(h(encodeAuthenticate(v2Authenticate(), false)), V2.authenticate);
});

Deno.test("4.2.4.3 AUTHENTICATE_MESSAGE decodes", () => {
  const a = decodeAuthenticate(fromHex(V2.authenticate));
  assert.equal(a.flags >>> 0, 0xe2888235);
  assert.equal(a.user, COMMON.user);
  assert.equal(a.domain, COMMON.userDom);
  assert.equal(a.workstation, COMMON.workstation);
  assert.equal(h(a.lmResponse), V2.lmResponse);
  assert.equal(h(a.ntResponse), V2.ntProofStr + V2.temp);
  assert.equal(h(a.encryptedRandomSessionKey), V2.encryptedSessionKey);
  assert.equal(a.mic, undefined);
});

Deno.test("4.2.4.3 AUTHENTICATE_MESSAGE with the 88-byte MIC layout round-trips", () => {
  const m = { ...v2Authenticate(), mic: new Uint8Array(16).fill(0x11) };
  const b = encodeAuthenticate(m);
  const a = decodeAuthenticate(b);
  assert.equal(a.micOffset, 72);
  assert.deepEqual(a.mic, m.mic);
  assert.equal(a.user, COMMON.user);
  assert.equal(h(a.ntResponse), V2.ntProofStr + V2.temp);
  // Same payload as the spec's message, moved 16 bytes further.
  assert.equal(h(b.subarray(88)), V2.authenticate.slice(72 * 2));
});

// ------------------------------------------------------------ negative decoding

function assertInvalidToken(f: () => unknown): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof SspiError, `expected SspiError, got ${e}`);
    assert.equal(e.status, SEC_E_INVALID_TOKEN);
    assert.equal(e.status, 0x80090308);
    return true;
  });
}

Deno.test("decode: truncated AUTHENTICATE (inside the header) is SEC_E_INVALID_TOKEN", () => {
  assertInvalidToken(() =>
    decodeAuthenticate(fromHex(V2.authenticate).slice(0, 50))
  );
});

Deno.test("decode: truncated AUTHENTICATE (payload cut) is SEC_E_INVALID_TOKEN", () => {
  const b = fromHex(V2.authenticate);
  assertInvalidToken(() => decodeAuthenticate(b.slice(0, b.length - 1)));
});

Deno.test("decode: truncated CHALLENGE is SEC_E_INVALID_TOKEN", () => {
  assertInvalidToken(() => decodeChallenge(fromHex(V1.challenge).slice(0, 20)));
  const b = fromHex(V2.challenge);
  assertInvalidToken(() => decodeChallenge(b.slice(0, b.length - 4)));
});

Deno.test("decode: a field offset past the end is SEC_E_INVALID_TOKEN", () => {
  const b = fromHex(V1.authenticate);
  new DataView(b.buffer).setUint32(24, b.length + 100, true); // NtChallengeResponse
  assertInvalidToken(() => decodeAuthenticate(b));
  const c = fromHex(V2.challenge);
  new DataView(c.buffer).setUint32(44, 0xfffffff0, true); // TargetInfo
  assertInvalidToken(() => decodeChallenge(c));
});

Deno.test("decode: a length past the end is SEC_E_INVALID_TOKEN", () => {
  const b = fromHex(V1.authenticate);
  new DataView(b.buffer).setUint16(52, 0x7fff, true); // EncryptedRandomSessionKey
  assertInvalidToken(() => decodeAuthenticate(b));
});

Deno.test("decode: wrong signature or message type is SEC_E_INVALID_TOKEN", () => {
  const b = fromHex(V1.authenticate);
  b[0] = 0x4f; // "OTLMSSP"
  assertInvalidToken(() => decodeAuthenticate(b));
  const c = fromHex(V1.challenge);
  c[7] = 0x20; // missing NUL
  assertInvalidToken(() => decodeChallenge(c));
  // A CHALLENGE fed to the AUTHENTICATE decoder and vice versa.
  assertInvalidToken(() => decodeAuthenticate(fromHex(V2.challenge)));
  assertInvalidToken(() => decodeChallenge(fromHex(V2.authenticate)));
});

Deno.test("4.2.4 the WebAssembly path (ntlmv2Values) gives the same NTProofStr, SessionBaseKey and LMv2", () => {
  const { temp } = v2Computed();
  const v = ntlmv2Values(
    NTOWFv1(COMMON.password),
    COMMON.user,
    COMMON.userDom,
    serverChallenge(),
    clientChallenge(),
    temp,
  );
  assert.equal(h(v.ntProofStr), V2.ntProofStr);
  assert.equal(h(v.sessionBaseKey), V2.sessionBaseKey);
  assert.equal(h(v.lmv2) + h(clientChallenge()), V2.lmResponse);
});
