// NTLM message encoders and decoders round trip, in Unicode and OEM, with names
// outside ASCII: the one-array writer writes text fields in place, and the reader
// decodes them straight from the message.
import assert from "node:assert/strict";
import {
  decodeAuthenticate,
  decodeChallenge,
  decodeNegotiate,
  encodeAuthenticate,
  encodeChallenge,
  encodeNegotiate,
  OUR_VERSION,
} from "../../src/packages/ntlm/messages.ts";
import {
  avRewrite,
  decodeAvPairs,
  encodeAvPairs,
} from "../../src/packages/ntlm/av_pairs.ts";

const UNICODE = 0x00000001;
const OEM = 0x00000002;
const VERSION = 0x02000000;

Deno.test("NTLM messages: Unicode and OEM names round trip; OEM maps characters above 0xFF to '?'", () => {
  const names = { domain: "DOMÄIN", user: "Zoë Ωmega", workstation: "WS-1" };
  for (const cs of [UNICODE, OEM]) {
    const flags = (cs | VERSION | 0x00088204) >>> 0;
    const expect = (s: string) =>
      cs === UNICODE
        ? s
        : Array.from(s, (c) => (c.charCodeAt(0) > 0xff ? "?" : c)).join("");

    const neg = decodeNegotiate(encodeNegotiate({
      flags: (OEM | VERSION | 0x00088204) >>> 0,
      domain: "dom",
      workstation: "wsé",
      version: OUR_VERSION,
    }));
    assert.equal(neg.domain, "dom");
    assert.equal(neg.workstation, "wsé");
    assert.deepEqual(neg.version, OUR_VERSION);

    const targetInfo = encodeAvPairs([{
      id: 2,
      value: new Uint8Array([1, 2, 3, 4]),
    }]);
    const chal = decodeChallenge(encodeChallenge({
      flags,
      targetName: names.domain,
      serverChallenge: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      targetInfo,
      version: OUR_VERSION,
    }));
    assert.equal(chal.targetName, expect(names.domain));
    assert.deepEqual(
      chal.serverChallenge,
      Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    );
    assert.deepEqual(chal.targetInfo, targetInfo);

    const lm = new Uint8Array(24).fill(7);
    const nt = new Uint8Array(60).fill(9);
    const key = new Uint8Array(16).fill(5);
    const raw = encodeAuthenticate({
      flags,
      lmResponse: lm,
      ntResponse: nt,
      ...names,
      encryptedRandomSessionKey: key,
      version: OUR_VERSION,
    });
    // The fixed header, then domain, user, workstation, LM, NT, key, in that order.
    const unit = cs === UNICODE ? 2 : 1;
    const textLen = unit *
      (names.domain.length + names.user.length + names.workstation.length);
    assert.equal(raw.length, 88 + textLen + 24 + 60 + 16);
    const auth = decodeAuthenticate(raw);
    assert.equal(auth.domain, expect(names.domain));
    assert.equal(auth.user, expect(names.user));
    assert.equal(auth.workstation, expect(names.workstation));
    assert.deepEqual(auth.lmResponse, lm);
    assert.deepEqual(auth.ntResponse, nt);
    assert.deepEqual(auth.encryptedRandomSessionKey, key);
    assert.equal(auth.micOffset, 72);
    assert.deepEqual(auth.mic, new Uint8Array(16));
  }
});

Deno.test("NTLM messages: AUTHENTICATE strings in the negotiated character set, whatever its own flag says (wget)", () => {
  // OEM strings written under an OEM flag, then the flag turned to Unicode, as wget
  // sends them: odd lengths under a Unicode flag.
  const msg = encodeAuthenticate({
    flags: (OEM | 0x00008200) >>> 0,
    lmResponse: new Uint8Array(24),
    ntResponse: new Uint8Array(24),
    domain: "EXAMPLE",
    user: "alice",
    workstation: "",
    encryptedRandomSessionKey: new Uint8Array(0),
  }, false);
  const view = new DataView(msg.buffer, msg.byteOffset);
  view.setUint32(60, (UNICODE | 0x00008200) >>> 0, true);
  assert.throws(() => decodeAuthenticate(msg), /odd length/);
  const a = decodeAuthenticate(msg, false);
  assert.equal(a.domain, "EXAMPLE");
  assert.equal(a.user, "alice");
  assert.equal(a.flags & UNICODE, UNICODE);
});

Deno.test("NTLM messages: two encoders in a row do not share header bytes", () => {
  const a = encodeNegotiate({
    flags: 0x11111111,
    domain: "",
    workstation: "",
    version: OUR_VERSION,
  });
  const b = encodeNegotiate({ flags: 0x22222222, domain: "", workstation: "" });
  assert.equal(decodeNegotiate(a).flags, 0x11111111);
  assert.equal(decodeNegotiate(b).flags, 0x22222222);
  // b has no VERSION: its header bytes 32..40 are zero, not a's.
  assert.deepEqual(b.subarray(32, 40), new Uint8Array(8));
});

Deno.test("AV pairs: avRewrite drops, keeps and appends (bytes, text, u32) in place", () => {
  const list = encodeAvPairs([
    { id: 1, value: Uint8Array.of(0xaa, 0xbb) },
    { id: 6, value: Uint8Array.of(1, 0, 0, 0) },
    { id: 7, value: new Uint8Array(8).fill(3) },
  ]);
  const out = avRewrite(
    list,
    [6],
    [
      { id: 6, value: 0x12345678 },
      { id: 9, value: "HTTP/é" },
      { id: 10, value: new Uint8Array(16).fill(4) },
    ],
    3,
    2,
  );
  assert.deepEqual(out.subarray(0, 3), new Uint8Array(3));
  assert.deepEqual(out.subarray(out.length - 2), new Uint8Array(2));
  const pairs = decodeAvPairs(out.subarray(3, out.length - 2));
  assert.deepEqual(pairs.map((p) => p.id), [1, 7, 6, 9, 10]);
  assert.deepEqual(pairs[0].value, Uint8Array.of(0xaa, 0xbb));
  assert.deepEqual(pairs[2].value, Uint8Array.of(0x78, 0x56, 0x34, 0x12));
  assert.deepEqual(
    pairs[3].value,
    Uint8Array.of(0x48, 0, 0x54, 0, 0x54, 0, 0x50, 0, 0x2f, 0, 0xe9, 0),
  );
  assert.deepEqual(pairs[4].value, new Uint8Array(16).fill(4));
});
