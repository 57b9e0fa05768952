/**
 * NTLM's cryptographic functions, named after the MS-NLMP pseudocode (3.3.1, 3.3.2,
 * 3.4.5): NTOWFv1/v2, LMOWFv1, DESL, the v1/v2 responses, KXKEY, SIGNKEY, SEALKEY.
 * The primitives (MD4, MD5, HMAC-MD5, DES, RC4) run in WebAssembly.
 *
 * @module
 */
import {
  desEcbEncrypt,
  desKeyFrom7,
  hmacMd5,
  md4,
  md5,
} from "../../crypto/mod.ts";
import { rc4Of } from "../../crypto/_rc4.ts";
import { concat, oem, utf16le } from "../../util/bytes.ts";
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_INVALID_TOKEN } from "../../sspi/status.ts";
import { hmacMd5Concat, ntlmV2 } from "../../wasm/ntlm.ts";
import {
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_DATAGRAM,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_LM_KEY,
  NTLMSSP_REQUEST_NON_NT_SESSION_KEY,
} from "./constants.ts";

/** NTOWFv1 (3.3.1): MD4 of the UTF-16LE password, the "NT hash". */
export function NTOWFv1(password: string): Uint8Array {
  return md4(utf16le(password));
}

const LM_MAGIC = new TextEncoder().encode("KGS!@#$%");

/** LMOWFv1 (3.3.1): DES of "KGS!@#$%" under the upper-cased OEM password's halves. */
export function LMOWFv1(password: string): Uint8Array {
  const p = new Uint8Array(14);
  p.set(oem(password.toUpperCase()).subarray(0, 14));
  return concat(
    desEcbEncrypt(desKeyFrom7(p.subarray(0, 7)), LM_MAGIC),
    desEcbEncrypt(desKeyFrom7(p.subarray(7, 14)), LM_MAGIC),
  );
}

/** NTOWFv2 (3.3.2) from the NT hash: HMAC_MD5(NTOWFv1, UNICODE(Upper(user) || domain)). */
export function NTOWFv2(
  ntHash: Uint8Array,
  user: string,
  domain: string,
): Uint8Array {
  return hmacMd5(ntHash, utf16le(user.toUpperCase() + domain));
}

/** DESL (6): three DES encryptions of an 8-byte block under a 16-byte key. */
export function DESL(k: Uint8Array, d: Uint8Array): Uint8Array {
  const k3 = new Uint8Array(7);
  k3.set(k.subarray(14, 16));
  return concat(
    desEcbEncrypt(desKeyFrom7(k.subarray(0, 7)), d),
    desEcbEncrypt(desKeyFrom7(k.subarray(7, 14)), d),
    desEcbEncrypt(desKeyFrom7(k3), d),
  );
}

/** The outputs of ComputeResponse. */
export interface Responses {
  /** NtChallengeResponse. */
  ntResponse: Uint8Array;
  /** LmChallengeResponse. */
  lmResponse: Uint8Array;
  /** SessionBaseKey. */
  sessionBaseKey: Uint8Array;
}

/**
 * NTLMv1 ComputeResponse (3.3.1). With extended session security (the "NTLM2 session
 * response") the client challenge goes into the LM response.
 */
export function computeResponseV1(
  flags: number,
  ntHash: Uint8Array,
  lmHash: Uint8Array,
  serverChallenge: Uint8Array,
  clientChallenge: Uint8Array,
): Responses {
  let ntResponse: Uint8Array;
  let lmResponse: Uint8Array;
  if (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
    ntResponse = DESL(
      ntHash,
      md5(concat(serverChallenge, clientChallenge)).subarray(0, 8),
    );
    lmResponse = concat(clientChallenge, new Uint8Array(16));
  } else {
    ntResponse = DESL(ntHash, serverChallenge);
    lmResponse = DESL(lmHash, serverChallenge);
  }
  return { ntResponse, lmResponse, sessionBaseKey: md4(ntHash) };
}

/**
 * The NTLMv2 client blob ("temp" in 3.3.2): versions, time, client challenge and the
 * AV pairs (`serverName`).
 */
export function ntlmv2Temp(
  time: Uint8Array,
  clientChallenge: Uint8Array,
  serverName: Uint8Array,
): Uint8Array {
  const t = new Uint8Array(28 + serverName.length + 4);
  t[0] = 1;
  t[1] = 1;
  t.set(time, 8);
  t.set(clientChallenge, 16);
  t.set(serverName, 28);
  return t;
}

/** NTLMv2 ComputeResponse (3.3.2) from ResponseKeyNT (= ResponseKeyLM) and the blob. */
export function computeResponseV2(
  responseKey: Uint8Array,
  serverChallenge: Uint8Array,
  clientChallenge: Uint8Array,
  temp: Uint8Array,
): Responses {
  const ntProofStr = hmacMd5(responseKey, concat(serverChallenge, temp));
  const lmResponse = concat(
    hmacMd5(responseKey, concat(serverChallenge, clientChallenge)),
    clientChallenge,
  );
  return {
    ntResponse: concat(ntProofStr, temp),
    lmResponse,
    sessionBaseKey: hmacMd5(responseKey, ntProofStr),
  };
}

/** KXKEY (3.4.5.1): the key-exchange key. */
export function KXKEY(
  flags: number,
  sessionBaseKey: Uint8Array,
  lmChallengeResponse: Uint8Array,
  serverChallenge: Uint8Array,
  lmowf: Uint8Array,
  v2: boolean,
): Uint8Array {
  if (v2) return sessionBaseKey;
  if (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
    return hmacMd5(
      sessionBaseKey,
      concat(serverChallenge, lmChallengeResponse.subarray(0, 8)),
    );
  }
  if (flags & NTLMSSP_NEGOTIATE_LM_KEY) {
    const lm8 = lmChallengeResponse.subarray(0, 8);
    const k2 = new Uint8Array([lmowf[7], 0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xbd]);
    return concat(
      desEcbEncrypt(desKeyFrom7(lmowf.subarray(0, 7)), lm8),
      desEcbEncrypt(desKeyFrom7(k2), lm8),
    );
  }
  if (flags & NTLMSSP_REQUEST_NON_NT_SESSION_KEY) {
    return concat(lmowf.subarray(0, 8), new Uint8Array(8));
  }
  return sessionBaseKey;
}

const enc = new TextEncoder();
const C2S_SIGN = enc.encode(
  "session key to client-to-server signing key magic constant\0",
);
const S2C_SIGN = enc.encode(
  "session key to server-to-client signing key magic constant\0",
);
const C2S_SEAL = enc.encode(
  "session key to client-to-server sealing key magic constant\0",
);
const S2C_SEAL = enc.encode(
  "session key to server-to-client sealing key magic constant\0",
);

/** SIGNKEY (3.4.5.2); null without extended session security. */
export function SIGNKEY(
  flags: number,
  key: Uint8Array,
  mode: "Client" | "Server",
): Uint8Array | null {
  if (!(flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) return null;
  return md5(concat(key, mode === "Client" ? C2S_SIGN : S2C_SIGN));
}

/** SEALKEY (3.4.5.3). */
export function SEALKEY(
  flags: number,
  key: Uint8Array,
  mode: "Client" | "Server",
): Uint8Array {
  if (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
    const k = flags & NTLMSSP_NEGOTIATE_128
      ? key
      : flags & NTLMSSP_NEGOTIATE_56
      ? key.subarray(0, 7)
      : key.subarray(0, 5);
    return md5(concat(k, mode === "Client" ? C2S_SEAL : S2C_SEAL));
  }
  if (flags & (NTLMSSP_NEGOTIATE_LM_KEY | NTLMSSP_NEGOTIATE_DATAGRAM)) {
    return flags & NTLMSSP_NEGOTIATE_56
      ? concat(key.subarray(0, 7), new Uint8Array([0xa0]))
      : concat(key.subarray(0, 5), new Uint8Array([0xe5, 0x38, 0xb0]));
  }
  return key;
}

/**
 * EncryptedRandomSessionKey = RC4(KeyExchangeKey, ExportedSessionKey) and back, into
 * `into` when given.
 */
export function rc4K(
  key: Uint8Array,
  data: Uint8Array,
  into?: Uint8Array,
): Uint8Array {
  return rc4Of(key, data, into);
}

/**
 * The MIC (3.1.5.1.2): HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
 * AUTHENTICATE), with the AUTHENTICATE message's MIC field (16 bytes at `micAt`, when
 * given) counted as zeros: the receiver checks a MIC without copying the message. The
 * MIC goes into the first 16 bytes of `out` when given (the sender's MIC field).
 */
export function computeMic(
  exportedSessionKey: Uint8Array,
  negotiate: Uint8Array,
  challenge: Uint8Array,
  authenticate: Uint8Array,
  micAt?: number,
  out?: Uint8Array,
): Uint8Array {
  const parts = [negotiate, challenge, authenticate];
  const total = negotiate.length + challenge.length + authenticate.length;
  if (total <= 65536) {
    return hmacMd5Concat(
      exportedSessionKey,
      parts,
      micAt === undefined ? undefined : { part: 2, at: micAt, len: 16 },
      out,
    );
  }
  const h = hmacMd5.create(exportedSessionKey);
  h.update(negotiate);
  h.update(challenge);
  if (micAt === undefined) {
    h.update(authenticate);
  } else {
    const zeroed = authenticate.slice();
    zeroed.fill(0, micAt, micAt + 16);
    h.update(zeroed);
  }
  const mic = h.digest();
  if (!out) return mic;
  out.set(mic);
  mic.fill(0);
  return out;
}

/** The NTLMv2 values a client sends and a server checks. */
export interface V2Values {
  /** NTProofStr. */
  ntProofStr: Uint8Array;
  /** SessionBaseKey. */
  sessionBaseKey: Uint8Array;
  /** The LMv2 HMAC (the LM response is this followed by the client challenge). */
  lmv2: Uint8Array;
}

/**
 * Where the AUTHENTICATE steps of both sides compute their NTLMv2 values: each reads
 * them within its synchronous part and wipes the SessionBaseKey there (as KXKEY).
 */
export const NTLMV2_SCRATCH: Uint8Array = new Uint8Array(48);

/** The values' views of `NTLMV2_SCRATCH`, made once (a view costs an allocation). */
const SCRATCH_VALUES: V2Values = {
  ntProofStr: NTLMV2_SCRATCH.subarray(0, 16),
  sessionBaseKey: NTLMV2_SCRATCH.subarray(16, 32),
  lmv2: NTLMV2_SCRATCH.subarray(32, 48),
};

/**
 * Where the AUTHENTICATE steps of both sides hold the exported session key until the
 * session security copies it; each wipes it before its synchronous part ends.
 */
export const EXPORTED_KEY_SCRATCH: Uint8Array = new Uint8Array(16);

/**
 * The KeyExchangeKey of an anonymous logon, which has no password: Z(16), as Samba's
 * anonymous client and server use it. Never modified.
 */
export const ANONYMOUS_KXKEY: Uint8Array = new Uint8Array(16);

/**
 * NTLMv2 from the NT hash in one WebAssembly call: NTOWFv2, NTProofStr, SessionBaseKey
 * and LMv2 (what `NTOWFv2` + `computeResponseV2` compute step by step). The values are
 * views of `into` (48 bytes) when given, else of a new array.
 */
export function ntlmv2Values(
  ntHash: Uint8Array,
  user: string,
  domain: string,
  serverChallenge: Uint8Array,
  clientChallenge: Uint8Array,
  temp: Uint8Array,
  into?: Uint8Array,
): V2Values {
  // The WebAssembly scratch holds all inputs at once; anything this large is hostile.
  if (temp.length + 2 * (user.length + domain.length) > 60000) {
    throw new SspiError(
      SEC_E_INVALID_TOKEN,
      "NTLMv2 response or names too large",
    );
  }
  const r = ntlmV2(
    ntHash,
    serverChallenge,
    clientChallenge,
    user.toUpperCase() + domain,
    temp,
    into,
  );
  if (r === NTLMV2_SCRATCH) return SCRATCH_VALUES;
  return {
    ntProofStr: r.subarray(0, 16),
    sessionBaseKey: r.subarray(16, 32),
    lmv2: r.subarray(32, 48),
  };
}
