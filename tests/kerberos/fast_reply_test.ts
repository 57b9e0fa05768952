// The checks of a KDC's FAST reply (RFC 6113 5.4.3) without a KDC: the finished
// checksum over the ticket, the client names, the nonce, the armor key, the FAST
// error's PA-FX-FAST/PA-FX-ERROR, the strengthen-key and the KDC's encrypted
// challenge, each altered in turn and refused with a status; the DER round trips of
// the FAST messages; and a seeded mutation test of the reply decoding (mutated
// ciphertext wrappers, and mutated plaintexts encrypted under the armor key so the
// decoders see them), where only `SspiError`s with a status may come out.
import assert from "node:assert/strict";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_MUTUAL_AUTH_FAILED,
  statusName,
} from "../../mod.ts";
import { DerError } from "../../src/der/mod.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  checksum,
  encrypt,
  type KerberosKey,
  randomKey,
} from "../../src/packages/kerberos/crypto.ts";
import { cf2 } from "../../src/packages/kerberos/crypto_prf.ts";
import {
  decodeTicket,
  encodeEncryptedData,
  encodeKrbError,
  encodeMethodData,
  encodePaEncTsEnc,
  encodeTicket,
  type KdcRep,
  type KrbError,
  type PAData,
} from "../../src/packages/kerberos/messages.ts";
import {
  PA_ENCRYPTED_CHALLENGE,
  PA_ETYPE_INFO2,
  PA_FX_COOKIE,
  PA_FX_ERROR,
  PA_FX_FAST,
} from "../../src/packages/kerberos/constants.ts";
import {
  decodeFastArmoredRep,
  decodeFastArmoredReq,
  decodeKrbFastReq,
  decodeKrbFastResponse,
  encodeFastArmoredRep,
  encodeKrbFastResponse,
  KEY_USAGE_ENC_CHALLENGE_KDC,
  KEY_USAGE_FAST_ENC,
  KEY_USAGE_FAST_FINISHED,
  KEY_USAGE_FAST_REP,
  type KrbFastResponse,
} from "../../src/packages/kerberos/fast_messages.ts";
import {
  armoredPaData,
  checkFinished,
  checkKdcChallenge,
  type FastArmorState,
  openFastError,
  openFastResponse,
  strengthenedKey,
} from "../../src/packages/kerberos/fast.ts";
import { decrypt } from "../../src/packages/kerberos/crypto.ts";

const st = (s: number) => statusName(s);
const NONCE = 123456789;

/** A throwaway armor state (the armor itself is not looked at by the checks). */
function armorState(etype = 18): FastArmorState {
  return {
    armorKey: randomKey(etype),
    armor: { armorType: 1, armorValue: Uint8Array.of(1, 2, 3) },
  };
}

/** An AS-REP (its fields) with a ticket whose DER is in `raw`, as decoded. */
function asRep(): KdcRep {
  const ticket = decodeTicket(encodeTicket({
    tktVno: 5,
    realm: "EXAMPLE.TEST",
    sname: { nameType: 2, nameString: ["krbtgt", "EXAMPLE.TEST"] },
    encPart: { etype: 18, kvno: 1, cipher: new Uint8Array(64).fill(7) },
  }));
  return {
    msgType: 11,
    crealm: "EXAMPLE.TEST",
    cname: { nameType: 1, nameString: ["alice"] },
    ticket,
    encPart: { etype: 18, cipher: new Uint8Array(48) },
  };
}

/** The KDC's KrbFastResponse for `rep`, finished checksum and all. */
function response(state: FastArmorState, rep: KdcRep): KrbFastResponse {
  return {
    padata: [{
      padataType: PA_ETYPE_INFO2,
      padataValue: Uint8Array.of(0x30, 0),
    }],
    strengthenKey: { keytype: 18, keyvalue: randomKey(18).bytes },
    finished: {
      timestamp: new Date(Math.floor(Date.now() / 1000) * 1000),
      usec: 5,
      crealm: rep.crealm,
      cname: rep.cname,
      ticketChecksum: {
        cksumtype: 16,
        checksum: checksum(
          state.armorKey,
          KEY_USAGE_FAST_FINISHED,
          rep.ticket.raw!,
        ),
      },
    },
    nonce: NONCE,
  };
}

/** The PA-FX-FAST a KDC would send with `resp`, under `key`. */
function fxFast(key: KerberosKey, plain: Uint8Array): PAData {
  return {
    padataType: PA_FX_FAST,
    padataValue: encodeFastArmoredRep({
      etype: key.etype,
      cipher: encrypt(key, KEY_USAGE_FAST_REP, plain),
    }),
  };
}

/** Runs `fn`; the status of the SspiError it throws (fails on anything else). */
function statusOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof SspiError) return e.status;
    throw e;
  }
}

Deno.test("FAST reply: a genuine one passes; each altered part is refused with a status", () => {
  const state = armorState();
  const rep = asRep();
  const good = response(state, rep);
  const pa = [fxFast(state.armorKey, encodeKrbFastResponse(good))];
  const opened = openFastResponse(state, pa, NONCE)!;
  assert.equal(opened.nonce, NONCE);
  checkFinished(state, rep, opened);

  const altered = (r: KrbFastResponse) =>
    st(statusOf(() => checkFinished(state, rep, r))!);
  const fin = good.finished!;
  const flipped = fin.ticketChecksum.checksum.slice();
  flipped[3] ^= 0x40;
  assert.equal(
    altered({
      ...good,
      finished: {
        ...fin,
        ticketChecksum: { cksumtype: 16, checksum: flipped },
      },
    }),
    st(SEC_E_MESSAGE_ALTERED),
    "finished checksum",
  );
  assert.equal(
    altered({
      ...good,
      finished: {
        ...fin,
        ticketChecksum: { ...fin.ticketChecksum, cksumtype: 15 },
      },
    }),
    st(SEC_E_MESSAGE_ALTERED),
    "another checksum type",
  );
  assert.equal(
    altered({
      ...good,
      finished: { ...fin, cname: { nameType: 1, nameString: ["mallory"] } },
    }),
    st(SEC_E_MESSAGE_ALTERED),
    "another client",
  );
  assert.equal(
    altered({ ...good, finished: { ...fin, crealm: "EVIL.TEST" } }),
    st(SEC_E_MESSAGE_ALTERED),
    "another realm",
  );
  assert.equal(
    altered({ ...good, finished: undefined }),
    st(SEC_E_MESSAGE_ALTERED),
  );
  // A ticket swapped after the KDC checksummed it.
  const other = asRep();
  other.ticket = decodeTicket(
    encodeTicket({
      ...rep.ticket,
      raw: undefined,
      realm: "EXAMPLE.TEST",
      encPart: { etype: 18, cipher: new Uint8Array(64).fill(8) },
    }),
  );
  assert.equal(
    st(statusOf(() => checkFinished(state, other, good))!),
    st(SEC_E_MESSAGE_ALTERED),
  );

  // The wrapper: another nonce, another key, junk, the empty advertisement.
  assert.equal(
    st(statusOf(() => openFastResponse(state, pa, NONCE + 1))!),
    st(SEC_E_MESSAGE_ALTERED),
  );
  assert.equal(
    st(statusOf(() => openFastResponse(armorState(), pa, NONCE))!),
    st(SEC_E_MESSAGE_ALTERED),
  );
  assert.equal(
    st(statusOf(() => openFastResponse(armorState(17), pa, NONCE))!),
    st(SEC_E_MESSAGE_ALTERED),
    "another armor enctype",
  );
  assert.equal(
    st(
      statusOf(() =>
        openFastResponse(state, [{
          padataType: PA_FX_FAST,
          padataValue: Uint8Array.of(0xa0, 1, 0),
        }], NONCE)
      )!,
    ),
    st(SEC_E_INVALID_TOKEN),
  );
  assert.equal(
    openFastResponse(state, [{
      padataType: PA_FX_FAST,
      padataValue: new Uint8Array(),
    }], NONCE),
    null,
  );
  assert.equal(openFastResponse(state, [], NONCE), null);
  const junk = fxFast(state.armorKey, Uint8Array.of(0x30, 3, 1, 1, 0));
  assert.equal(
    st(statusOf(() => openFastResponse(state, [junk], NONCE))!),
    st(SEC_E_INVALID_TOKEN),
  );

  // The strengthen-key: one of an enctype we lack is a bad reply.
  const sk = strengthenedKey(good, randomKey(18))!;
  assert.equal(sk.etype, 18);
  assert.equal(
    st(
      statusOf(() =>
        strengthenedKey({
          ...good,
          strengthenKey: { keytype: 1, keyvalue: new Uint8Array(8) },
        }, randomKey(18))
      )!,
    ),
    st(SEC_E_INVALID_TOKEN),
  );
});

/** A KRB-ERROR answering an armored request: PA-FX-FAST around `inner` padata. */
function fastErrorOf(
  state: FastArmorState,
  inner: PAData[],
  nonce = NONCE,
): KrbError {
  const resp = encodeKrbFastResponse({ padata: inner, nonce });
  return {
    pvno: 5,
    msgType: 30,
    stime: new Date(),
    susec: 0,
    errorCode: 25,
    realm: "EXAMPLE.TEST",
    sname: { nameType: 2, nameString: ["krbtgt", "EXAMPLE.TEST"] },
    eData: encodeMethodData([fxFast(state.armorKey, resp)]),
  };
}

const innerError = (code: number) =>
  encodeKrbError({
    stime: new Date(),
    susec: 0,
    errorCode: code,
    realm: "EXAMPLE.TEST",
    sname: { nameType: 2, nameString: ["krbtgt", "EXAMPLE.TEST"] },
  });

Deno.test("FAST error: the inner KRB-ERROR and METHOD-DATA come out; a forgery is refused", () => {
  const state = armorState();
  const cookie = { padataType: PA_FX_COOKIE, padataValue: Uint8Array.of(1, 2) };
  const fx = openFastError(
    state,
    fastErrorOf(state, [cookie, {
      padataType: PA_FX_ERROR,
      padataValue: innerError(24),
    }]),
    NONCE,
  )!;
  assert.equal(fx.error.errorCode, 24);
  assert.deepEqual(fx.padata.map((p) => p.padataType), [PA_FX_COOKIE]);
  assert.equal(
    st(
      statusOf(() =>
        openFastError(state, fastErrorOf(state, [cookie]), NONCE)
      )!,
    ),
    st(SEC_E_INVALID_TOKEN),
    "no PA-FX-ERROR",
  );
  assert.equal(
    st(
      statusOf(() =>
        openFastError(state, fastErrorOf(armorState(), [cookie]), NONCE)
      )!,
    ),
    st(SEC_E_MESSAGE_ALTERED),
    "made with another armor key",
  );
  const plain = fastErrorOf(state, []);
  assert.equal(
    openFastError(state, { ...plain, eData: undefined }, NONCE),
    null,
  );
  assert.equal(
    openFastError(state, { ...plain, eData: Uint8Array.of(1, 2, 3) }, NONCE),
    null,
  );
});

Deno.test("FAST: the KDC's encrypted challenge verifies with the KDC challenge key only", () => {
  const state = armorState();
  const longTerm = randomKey(18);
  const kdcKey = cf2(
    state.armorKey,
    longTerm,
    "kdcchallengearmor",
    "challengelongterm",
  );
  const ts = encodePaEncTsEnc({
    patimestamp: new Date(Math.floor(Date.now() / 1000) * 1000),
    pausec: 1,
  });
  const challenge = (
    key: KerberosKey,
    usage = KEY_USAGE_ENC_CHALLENGE_KDC,
  ) => [{
    padataType: PA_ENCRYPTED_CHALLENGE,
    padataValue: encodeEncryptedData({
      etype: key.etype,
      cipher: encrypt(key, usage, ts),
    }),
  }];
  assert.equal(
    checkKdcChallenge(state.armorKey, longTerm, challenge(kdcKey)),
    true,
  );
  assert.equal(checkKdcChallenge(state.armorKey, longTerm, []), false);
  const client = cf2(
    state.armorKey,
    longTerm,
    "clientchallengearmor",
    "challengelongterm",
  );
  for (
    const bad of [
      challenge(client, 54),
      challenge(kdcKey, 54),
      challenge(randomKey(18)),
    ]
  ) {
    assert.equal(
      st(statusOf(() => checkKdcChallenge(state.armorKey, longTerm, bad))!),
      st(SEC_E_MUTUAL_AUTH_FAILED),
    );
  }
});

Deno.test("FAST request: PA-FX-FAST decodes back to the armor, checksum and the inner request", () => {
  const state = armorState(17);
  const body = Uint8Array.of(0x30, 5, 0xa0, 3, 2, 1, 0);
  const pa = armoredPaData(state, body, [{
    padataType: 128,
    padataValue: Uint8Array.of(0x30, 0),
  }]);
  assert.equal(pa.padataType, PA_FX_FAST);
  const req = decodeFastArmoredReq(pa.padataValue);
  assert.deepEqual(req.armor, state.armor);
  assert.equal(req.reqChecksum.cksumtype, 15);
  const inner = decrypt(
    state.armorKey,
    KEY_USAGE_FAST_ENC,
    req.encFastReq.cipher,
  )!;
  const fastReq = decodeKrbFastReq(inner);
  assert.equal(fastReq.fastOptions, 0);
  assert.deepEqual(fastReq.reqBody, body);
  assert.deepEqual(fastReq.padata.map((p) => p.padataType), [128]);
  assert.deepEqual(
    decodeFastArmoredRep(
      encodeFastArmoredRep({ etype: 17, cipher: Uint8Array.of(9) }),
    ),
    { etype: 17, cipher: Uint8Array.of(9) },
  );
});

/** One random mutation of `b`: flipped bits, a changed length, a cut or an insertion. */
function mutate(b: Uint8Array, r: (n: number) => number): Uint8Array {
  const out = Array.from(b);
  const n = 1 + r(4);
  for (let k = 0; k < n && out.length; k++) {
    const at = r(out.length);
    switch (r(5)) {
      case 0:
        out[at] ^= 1 << r(8);
        break;
      case 1:
        out[at] = [0, 0x7f, 0x80, 0x81, 0x84, 0xff][r(6)];
        break;
      case 2:
        out.splice(at, 1 + r(4));
        break;
      case 3:
        out.splice(at, 0, r(256));
        break;
      default:
        out.length = at;
    }
  }
  return Uint8Array.from(out);
}

Deno.test(`FAST reply mutation test (seed ${FUZZ_SEED}): statuses only`, () => {
  const r = rng(FUZZ_SEED);
  const total = fuzzIterations("FAST_FUZZ_ITERATIONS", 4000);
  const state = armorState();
  const rep = asRep();
  const plain = encodeKrbFastResponse(response(state, rep));
  const errPlain = encodeKrbFastResponse({
    padata: [
      { padataType: PA_FX_COOKIE, padataValue: Uint8Array.of(1) },
      { padataType: PA_FX_ERROR, padataValue: innerError(25) },
    ],
    nonce: NONCE,
  });
  const wire = fxFast(state.armorKey, plain).padataValue;
  const counts = new Map<string, number>();
  for (let i = 0; i < total; i++) {
    let outcome: string;
    try {
      switch (i % 4) {
        case 0: { // the wrapper as received
          const resp = openFastResponse(state, [{
            padataType: PA_FX_FAST,
            padataValue: mutate(wire, r),
          }], NONCE);
          if (resp) checkFinished(state, rep, resp);
          break;
        }
        case 1: { // the plaintext, as if the KDC had sent it
          const resp = openFastResponse(state, [
            fxFast(state.armorKey, mutate(plain, r)),
          ], NONCE);
          if (resp) checkFinished(state, rep, resp);
          break;
        }
        case 2: { // an armored error's plaintext
          const e = fastErrorOf(state, []);
          e.eData = encodeMethodData([
            fxFast(state.armorKey, mutate(errPlain, r)),
          ]);
          openFastError(state, e, NONCE);
          break;
        }
        default: { // the decoders alone: DerError only
          try {
            decodeKrbFastResponse(mutate(plain, r));
            decodeFastArmoredRep(mutate(wire, r));
          } catch (e) {
            if (!(e instanceof DerError)) throw e;
          }
        }
      }
      outcome = "accepted";
    } catch (e) {
      if (!(e instanceof SspiError)) {
        throw new Error(`iteration ${i} (seed ${FUZZ_SEED}) threw ${e}`);
      }
      assert.ok(
        e.status === SEC_E_INVALID_TOKEN || e.status === SEC_E_MESSAGE_ALTERED,
        `iteration ${i}: ${e.message}`,
      );
      outcome = st(e.status);
    }
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }
  assert.ok(
    (counts.get(st(SEC_E_INVALID_TOKEN)) ?? 0) > 0,
    "decoders refused some",
  );
  assert.ok(
    (counts.get(st(SEC_E_MESSAGE_ALTERED)) ?? 0) > 0,
    "checks refused some",
  );
  console.log(`${total} mutations:`, Object.fromEntries(counts));
});
