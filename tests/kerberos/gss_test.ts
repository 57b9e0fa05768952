// Kerberos GSS-API framing, the 0x8003 checksum and RFC 4121 per-message tokens, with
// the RFC 3962 AES etypes (12-byte checksums) and RFC 8009's (16 and 24 bytes).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  decodeGssChecksum,
  encodeGssChecksum,
  frameInitialToken,
  GSS_C_CONF_FLAG,
  GSS_C_DELEG_FLAG,
  GSS_C_EXTENDED_ERROR_FLAG,
  GSS_C_INTEG_FLAG,
  GSS_C_MUTUAL_FLAG,
  GSS_C_SEQUENCE_FLAG,
  gssChannelBindingsHash,
  KRB5_OID,
  KRB5_OID_MS_LEGACY,
  KrbMessageCrypto,
  maxSignatureSize,
  securityTrailerSize,
  TOK_AP_REP,
  TOK_AP_REQ,
  TOK_KRB_ERROR,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import {
  checksum,
  decrypt,
  ETYPE_AES128_CTS_HMAC_SHA1_96 as AES128,
  ETYPE_AES128_CTS_HMAC_SHA256_128 as SHA256,
  ETYPE_AES256_CTS_HMAC_SHA1_96 as AES256,
  ETYPE_AES256_CTS_HMAC_SHA384_192 as SHA384,
  type KerberosKey,
  randomKey,
} from "../../src/packages/kerberos/crypto.ts";
import { checksumSize } from "../../src/packages/kerberos/gss_token_types.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../src/sspi/status.ts";
import { secChannelBindings } from "../../src/sspi/buffers.ts";
import { encodeOid } from "../../src/der/encode.ts";

const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (n: number, seed = 1) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const cat = (...p: Uint8Array[]) => {
  const out = new Uint8Array(p.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of p) out.set(x, o), o += x.length;
  return out;
};
const BAD = [SEC_E_MESSAGE_ALTERED, SEC_E_INVALID_TOKEN];

// ---- framing (RFC 2743 3.1, RFC 4121 4.1)

Deno.test("GSS framing: round trip with short and long lengths", () => {
  for (const n of [0, 1, 100, 114, 115, 300, 70000]) {
    const inner = bytes(n);
    const tok = frameInitialToken(TOK_AP_REQ, inner);
    assert.equal(tok[0], 0x60);
    const u = unframeToken(tok);
    assert.ok(u);
    assert.equal(u.tokId, TOK_AP_REQ);
    assert.equal(u.oid, KRB5_OID);
    assert.deepEqual(u.inner, inner);
  }
  const small = frameInitialToken(TOK_AP_REP, Uint8Array.of(0xaa));
  assert.equal(hex(small), "600e" + "06092a864886f712010202" + "0200" + "aa");
  assert.equal(
    unframeToken(frameInitialToken(TOK_KRB_ERROR, bytes(3)))?.tokId,
    0x0300,
  );
});

Deno.test("GSS framing: the MS legacy OID is accepted on input", () => {
  const oid = encodeOid(KRB5_OID_MS_LEGACY);
  assert.equal(hex(oid), "06092a864882f712010202");
  const content = cat(oid, Uint8Array.of(1, 0), bytes(5));
  const tok = cat(Uint8Array.of(0x60, content.length), content);
  const u = unframeToken(tok);
  assert.equal(u?.oid, KRB5_OID_MS_LEGACY);
  assert.equal(u?.tokId, TOK_AP_REQ);
  assert.deepEqual(u?.inner, bytes(5));
});

Deno.test("GSS framing: malformed input is null, never a throw", () => {
  for (const n of [0, 20, 200]) {
    const tok = frameInitialToken(TOK_AP_REQ, bytes(n));
    for (let cut = 0; cut < tok.length; cut++) {
      assert.equal(unframeToken(tok.subarray(0, cut)), null, `cut ${cut}/${n}`);
    }
    assert.equal(
      unframeToken(cat(tok, Uint8Array.of(0))),
      null,
      "trailing byte",
    );
  }
  const good = frameInitialToken(TOK_AP_REQ, bytes(10));
  const mutate = (f: (b: Uint8Array) => void) => {
    const b = good.slice();
    f(b);
    return unframeToken(b);
  };
  assert.equal(mutate((b) => b[0] = 0x30), null, "tag");
  assert.equal(mutate((b) => b[1]++), null, "length too long");
  assert.equal(mutate((b) => b[1]--), null, "length too short");
  assert.equal(mutate((b) => b[3] = 0x0a), null, "OID length");
  assert.equal(mutate((b) => b[12] = 0x03), null, "OID arc");
  // SPNEGO's OID is not ours.
  const spnego = cat(encodeOid("1.3.6.1.5.5.2"), Uint8Array.of(1, 0));
  assert.equal(
    unframeToken(cat(Uint8Array.of(0x60, spnego.length), spnego)),
    null,
  );
  // Indefinite and over-long length forms.
  assert.equal(unframeToken(Uint8Array.of(0x60, 0x80, 6, 9)), null);
  assert.equal(unframeToken(Uint8Array.of(0x60, 0x85, 0, 0, 0, 0, 13)), null);
  assert.equal(
    unframeToken(Uint8Array.of(0x60, 0x84, 0xff, 0xff, 0xff, 0xff)),
    null,
  );
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const b = new Uint8Array((seed = (seed * 1103515245 + 12345) >>> 0) % 40);
    for (let j = 0; j < b.length; j++) {
      b[j] = (seed = (seed * 69069 + 1) >>> 0) >>> 24;
    }
    if (i % 2) b.set(good.subarray(0, Math.min(b.length, 13)));
    unframeToken(b);
  }
  assert.throws(() => frameInitialToken(0x10000, bytes(1)), RangeError);
});

// ---- 0x8003 checksum (RFC 4121 4.1.1) and channel bindings

Deno.test("GSS checksum 0x8003: layout and round trip", () => {
  const flags = GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |
    GSS_C_INTEG_FLAG | GSS_C_EXTENDED_ERROR_FLAG;
  const bnd = bytes(16, 9);
  const c = encodeGssChecksum({ bindings: bnd, flags });
  assert.equal(c.length, 24);
  assert.equal(hex(c.subarray(0, 4)), "10000000");
  assert.deepEqual(c.subarray(4, 20), bnd);
  assert.equal(hex(c.subarray(20)), "3a400000");
  assert.deepEqual(decodeGssChecksum(c), { bindings: bnd, flags });
  const none = encodeGssChecksum({ flags: GSS_C_MUTUAL_FLAG });
  assert.equal(hex(none), "10000000" + "00".repeat(16) + "02000000");
  // Trailing delegation/extension bytes are ignored; short or bad Lgth is null.
  assert.equal(decodeGssChecksum(cat(c, bytes(8)))?.flags, flags);
  for (let n = 0; n < 24; n++) {
    assert.equal(decodeGssChecksum(c.subarray(0, n)), null);
  }
  const badLen = c.slice();
  badLen[0] = 24;
  assert.equal(decodeGssChecksum(badLen), null);
  assert.throws(
    () => encodeGssChecksum({ flags: GSS_C_DELEG_FLAG }),
    RangeError,
  );
  assert.throws(
    () => encodeGssChecksum({ bindings: bytes(15), flags: 0 }),
    RangeError,
  );
});

Deno.test("GSS channel bindings: MD5 of gss_channel_bindings_struct", () => {
  const app = new TextEncoder().encode(
    "tls-server-end-point:" + "x".repeat(32),
  );
  const manual = cat(
    new Uint8Array(16),
    Uint8Array.of(app.length, 0, 0, 0),
    app,
  );
  const want = new Uint8Array(createHash("md5").update(manual).digest());
  assert.deepEqual(gssChannelBindingsHash(secChannelBindings(app)), want);
  assert.deepEqual(gssChannelBindingsHash(null), new Uint8Array(16));
  assert.equal(gssChannelBindingsHash(new Uint8Array(31)), null);
  const lying = secChannelBindings(app);
  lying[24] = 200; // application data length past the end
  assert.equal(gssChannelBindingsHash(lying), null);
  // With addresses: type(4 LE) | length(4 LE) | address, twice, then the data.
  const ini = Uint8Array.of(10, 0, 0, 1);
  const acc = Uint8Array.of(10, 0, 0, 2);
  const withAddr = cat(
    Uint8Array.of(2, 0, 0, 0, 4, 0, 0, 0),
    ini,
    Uint8Array.of(2, 0, 0, 0, 4, 0, 0, 0),
    acc,
    Uint8Array.of(0, 0, 0, 0),
  );
  // SEC_CHANNEL_BINDINGS: types, lengths and offsets (LE), then the addresses.
  const sec = new Uint8Array(40);
  const v = new DataView(sec.buffer);
  v.setUint32(0, 2, true);
  v.setUint32(4, 4, true);
  v.setUint32(8, 32, true);
  v.setUint32(12, 2, true);
  v.setUint32(16, 4, true);
  v.setUint32(20, 36, true);
  sec.set(ini, 32);
  sec.set(acc, 36);
  assert.deepEqual(
    gssChannelBindingsHash(sec),
    new Uint8Array(createHash("md5").update(withAddr).digest()),
  );
});

// ---- per-message tokens (RFC 4121 4.2)

interface Pair {
  key: KerberosKey;
  ini: KrbMessageCrypto;
  acc: KrbMessageCrypto;
}

function pair(
  etype: number,
  acceptorSubkey: boolean,
  iSeq = 5,
  aSeq = 0x1_0000_0001,
): Pair {
  const key = randomKey(etype);
  return {
    key,
    ini: new KrbMessageCrypto({
      key,
      isInitiator: true,
      acceptorSubkey,
      sendSeq: iSeq,
      recvSeq: aSeq,
    }),
    acc: new KrbMessageCrypto({
      key,
      isInitiator: false,
      acceptorSubkey,
      sendSeq: aSeq,
      recvSeq: iSeq,
    }),
  };
}

/** The etypes RFC 4121 tokens are made with here. */
const ETYPES = [AES128, AES256, SHA256, SHA384];

const VARIANTS = ETYPES.flatMap((etype) =>
  [false, true].map((sub) => ({
    etype,
    sub,
    name: `etype ${etype} subkey ${sub}`,
  }))
);
const SIZES = [0, 1, 15, 16, 17, 37, 100];

Deno.test("GSS MIC: round trips both ways", () => {
  for (const { etype, sub, name } of VARIANTS) {
    const { ini, acc } = pair(etype, sub);
    for (const n of SIZES) {
      const msg = bytes(n, n);
      const t1 = ini.getMic([msg.subarray(0, n >> 1), msg.subarray(n >> 1)]);
      assert.equal(t1.length, maxSignatureSize(etype));
      assert.equal(acc.verifyMic([msg], t1), SEC_E_OK, name);
      const t2 = acc.getMic([msg]);
      assert.equal(
        ini.verifyMic([msg.subarray(0, 1), msg.subarray(1)], t2),
        SEC_E_OK,
      );
    }
    assert.equal(ini.sendSeq, 5 + SIZES.length);
    assert.equal(acc.recvSeq, 5 + SIZES.length);
  }
});

Deno.test("GSS Wrap: sealed and integrity-only round trips both ways", () => {
  for (const { etype, sub, name } of VARIANTS) {
    const { ini, acc } = pair(etype, sub);
    for (const conf of [true, false]) {
      for (const n of SIZES) {
        const msg = bytes(n, n + 1);
        const t = ini.wrap(msg, conf);
        const c = checksumSize(etype);
        assert.equal(t.length, conf ? 16 + 16 + n + 16 + c : 16 + n + c);
        assert.deepEqual(acc.unwrap(t), {
          status: SEC_E_OK,
          data: msg,
          confidential: conf,
        }, name);
        const back = acc.wrap(msg, conf);
        assert.deepEqual(ini.unwrap(back), {
          status: SEC_E_OK,
          data: msg,
          confidential: conf,
        });
      }
    }
  }
});

Deno.test("GSS Wrap SSPI split: data in place, token is the trailer", () => {
  assert.equal(securityTrailerSize(AES128), 60);
  assert.equal(securityTrailerSize(AES256), 60);
  assert.equal(maxSignatureSize(AES256), 28);
  // RFC 8009: 16- and 24-byte checksums.
  assert.deepEqual([checksumSize(SHA256), checksumSize(SHA384)], [16, 24]);
  assert.deepEqual(
    [securityTrailerSize(SHA256), securityTrailerSize(SHA384)],
    [64, 72],
  );
  assert.deepEqual([maxSignatureSize(SHA256), maxSignatureSize(SHA384)], [
    32,
    40,
  ]);
  assert.throws(() => securityTrailerSize(16), RangeError);
  assert.equal(
    securityTrailerSize(23),
    48,
    "rc4-hmac: framing, header, confounder",
  );
  assert.equal(maxSignatureSize(23), 37, "rc4-hmac: a framed MIC token");
  for (const { etype, sub, name } of VARIANTS) {
    const { ini, acc } = pair(etype, sub);
    for (const conf of [true, false]) {
      for (const n of SIZES) {
        const msg = bytes(n, 3);
        const buf = msg.slice();
        const { token } = ini.wrapSspi(buf, conf);
        assert.equal(
          token.length,
          conf ? securityTrailerSize(etype) : maxSignatureSize(etype),
        );
        // Encrypted in place: changed (a 1-byte message stays the same once in 256
        // runs by chance, so only messages of 8 bytes or more are compared).
        if (conf && n >= 8) assert.notDeepEqual(buf, msg);
        if (!conf) assert.deepEqual(buf, msg);
        const r = acc.unwrapSspi(token, buf);
        assert.equal(r.status, SEC_E_OK, name);
        assert.equal(r.confidential, conf);
        assert.equal(r.data, buf, "decrypted in place");
        assert.deepEqual(buf, msg);
      }
    }
  }
});

Deno.test("GSS Wrap: each entry point reads the other's form", () => {
  for (const etype of [AES256, SHA384]) {
    const { ini, acc } = pair(etype, true);
    const c = checksumSize(etype);
    for (const conf of [true, false]) {
      const msg = bytes(37);
      const buf = msg.slice();
      const { token } = ini.wrapSspi(buf, conf);
      // The stream form: token then data in one buffer.
      assert.deepEqual(acc.unwrap(cat(token, buf)), {
        status: SEC_E_OK,
        data: msg,
        confidential: conf,
      });
      // A single-buffer token cut anywhere after its header (the last cut leaves
      // the data buffer empty).
      const end = conf ? 16 + 16 + 37 + 16 + c : 16 + 37 + c;
      for (const cut of [16, 17, 40, end]) {
        const single = ini.wrap(msg, conf);
        const r = acc.unwrapSspi(single.subarray(0, cut), single.slice(cut));
        assert.equal(r.status, SEC_E_OK, `${etype} cut ${cut}`);
        assert.deepEqual(r.data, msg);
      }
    }
  }
});

Deno.test("GSS Wrap: any RRC is accepted", () => {
  for (
    const [etype, conf] of [AES128, SHA256, SHA384].flatMap((e) => [
      [e, true] as const,
      [e, false] as const,
    ])
  ) {
    const { ini, acc } = pair(etype, false);
    const msg = bytes(37);
    for (const rrc of [0, 1, 12, 28, 44, 65, 81, 1000, 0xffff]) {
      const t = ini.wrap(msg, conf);
      const body = t.subarray(16);
      const k = rrc % body.length;
      const rotated = cat(
        t.subarray(0, 16),
        body.subarray(body.length - k),
        body.subarray(0, body.length - k),
      );
      rotated[6] = rrc >> 8;
      rotated[7] = rrc & 0xff;
      assert.deepEqual(acc.unwrap(rotated), {
        status: SEC_E_OK,
        data: msg,
        confidential: conf,
      }, `etype ${etype} rrc ${rrc}`);
    }
  }
});

Deno.test("GSS tokens: every altered byte is rejected, counters hold", () => {
  for (
    const [etype, sub] of [AES256, SHA256, SHA384].flatMap((e) => [
      [e, false] as const,
      [e, true] as const,
    ])
  ) {
    const { ini, acc } = pair(etype, sub);
    const msg = bytes(37);
    const mic = ini.getMic([msg]);
    const sealed = ini.wrap(msg, true);
    const integ = ini.wrap(msg, false);
    const sspiBuf = msg.slice();
    const sspi = ini.wrapSspi(sspiBuf, true).token;
    for (const bit of [0x01, 0x80]) {
      for (let i = 0; i < mic.length; i++) {
        const t = mic.slice();
        t[i] ^= bit;
        assert.ok(BAD.includes(acc.verifyMic([msg], t)), `MIC byte ${i}`);
      }
      for (let i = 0; i < msg.length; i++) {
        const m = msg.slice();
        m[i] ^= bit;
        assert.equal(acc.verifyMic([m], mic), SEC_E_MESSAGE_ALTERED);
      }
      for (
        const [name, tok] of [["sealed", sealed], ["integ", integ]] as const
      ) {
        for (let i = 0; i < tok.length; i++) {
          const t = tok.slice();
          t[i] ^= bit;
          // The RRC field is unprotected: a changed RRC must still fail through rotation.
          assert.ok(BAD.includes(acc.unwrap(t).status), `${name} byte ${i}`);
        }
      }
      for (let i = 0; i < sspi.length + sspiBuf.length; i++) {
        const t = sspi.slice();
        const d = sspiBuf.slice();
        if (i < t.length) t[i] ^= bit;
        else d[i - t.length] ^= bit;
        assert.ok(BAD.includes(acc.unwrapSspi(t, d).status), `sspi byte ${i}`);
      }
    }
    for (let cut = 0; cut < sealed.length; cut++) {
      assert.ok(BAD.includes(acc.unwrap(sealed.subarray(0, cut)).status));
      assert.ok(
        BAD.includes(
          acc.unwrap(integ.subarray(0, Math.min(cut, integ.length - 1))).status,
        ),
      );
    }
    for (let cut = 0; cut < mic.length; cut++) {
      assert.equal(
        acc.verifyMic([msg], mic.subarray(0, cut)),
        SEC_E_INVALID_TOKEN,
      );
    }
    // Nothing advanced: the genuine tokens still verify, in order.
    assert.equal(acc.verifyMic([msg], mic), SEC_E_OK);
    assert.equal(acc.unwrap(sealed).status, SEC_E_OK);
    assert.equal(acc.unwrap(integ).status, SEC_E_OK);
    assert.equal(acc.unwrapSspi(sspi, sspiBuf).status, SEC_E_OK);
  }
});

Deno.test("GSS tokens: replays and gaps are out of sequence", () => {
  const { ini, acc } = pair(AES128, true);
  const a = ini.wrap(bytes(4), true);
  const b = ini.getMic([bytes(4)]);
  const c = ini.wrap(bytes(4), false);
  assert.equal(acc.unwrap(a).status, SEC_E_OK);
  assert.equal(acc.unwrap(a).status, SEC_E_OUT_OF_SEQUENCE, "replay");
  assert.equal(acc.unwrap(c).status, SEC_E_OUT_OF_SEQUENCE, "gap");
  assert.equal(acc.verifyMic([bytes(4)], b), SEC_E_OK);
  assert.equal(acc.verifyMic([bytes(4)], b), SEC_E_OUT_OF_SEQUENCE, "replay");
  assert.equal(acc.unwrap(c).status, SEC_E_OK);
  assert.equal(acc.recvSeq, 8);
});

Deno.test("GSS tokens: own-direction and wrong-subkey tokens are rejected", () => {
  const { key, ini, acc } = pair(AES128, true);
  const msg = bytes(9);
  assert.equal(ini.unwrap(ini.wrap(msg, true)).status, SEC_E_INVALID_TOKEN);
  assert.equal(acc.verifyMic([msg], acc.getMic([msg])), SEC_E_INVALID_TOKEN);
  // A second initiator context with the same key sends as initiator: still not ours.
  const twin = new KrbMessageCrypto({
    key,
    isInitiator: true,
    acceptorSubkey: true,
    sendSeq: 5,
    recvSeq: 0,
  });
  assert.equal(twin.unwrap(ini.wrap(msg, false)).status, SEC_E_INVALID_TOKEN);
  const noSub = new KrbMessageCrypto({
    key,
    isInitiator: false,
    acceptorSubkey: false,
    sendSeq: 0,
    recvSeq: 5,
  });
  assert.equal(noSub.unwrap(twin.wrap(msg, true)).status, SEC_E_INVALID_TOKEN);
  assert.equal(acc.unwrap(Uint8Array.of(4, 4)).status, SEC_E_INVALID_TOKEN);
  assert.equal(
    acc.verifyMic([msg], ini.wrap(msg, false).subarray(0, 28)),
    SEC_E_INVALID_TOKEN,
  );
});

Deno.test("GSS tokens: header bytes field by field (RFC 4121 4.2.6)", () => {
  const key = randomKey(AES128);
  const seq = 0x01_0203_0405;
  const mk = (isInitiator: boolean, acceptorSubkey: boolean) =>
    new KrbMessageCrypto({
      key,
      isInitiator,
      acceptorSubkey,
      sendSeq: seq,
      recvSeq: 0,
    });
  const msg = new TextEncoder().encode("hello, RFC 4121");
  const seqBytes = "0000000102030405";
  // Sealed, from the acceptor with its subkey: TOK_ID 05 04, Flags 07, filler FF,
  // EC 0000, RRC 0000, SND_SEQ big-endian.
  const sealed = mk(false, true).wrap(msg, true);
  assert.equal(hex(sealed.subarray(0, 2)), "0504", "TOK_ID");
  assert.equal(
    sealed[2],
    0x01 | 0x02 | 0x04,
    "SentByAcceptor|Sealed|AcceptorSubkey",
  );
  assert.equal(sealed[3], 0xff, "filler");
  assert.equal(hex(sealed.subarray(4, 6)), "0000", "EC");
  assert.equal(hex(sealed.subarray(6, 8)), "0000", "RRC");
  assert.equal(hex(sealed.subarray(8, 16)), seqBytes, "SND_SEQ");
  // The ciphertext is E(data | header) with KG-USAGE-ACCEPTOR-SEAL (22).
  assert.deepEqual(
    decrypt(key, 22, sealed.subarray(16)),
    cat(msg, sealed.subarray(0, 16)),
  );
  assert.equal(decrypt(key, 24, sealed.subarray(16)), null);
  // Integrity only, from the initiator without acceptor subkey: EC = 12, checksum
  // over data | header with EC and RRC zeroed, KG-USAGE-INITIATOR-SEAL (24): Wrap
  // tokens use the SEAL usage with or without confidentiality (RFC 4121 4.2.4; MIT's
  // and Heimdal's gss_unwrap check it so).
  const integ = mk(true, false).wrap(msg, false);
  assert.equal(hex(integ.subarray(0, 16)), "050400ff000c0000" + seqBytes);
  assert.deepEqual(integ.subarray(16, 16 + msg.length), msg);
  const zeroed = integ.slice(0, 16).fill(0, 4, 8);
  assert.deepEqual(
    integ.subarray(16 + msg.length),
    checksum(key, 24, cat(msg, zeroed)),
  );
  // MIC from the initiator with acceptor subkey: 04 04, Flags 04, five FF, SND_SEQ.
  const mic = mk(true, true).getMic([msg]);
  assert.equal(hex(mic.subarray(0, 16)), "040404ffffffffff" + seqBytes);
  assert.deepEqual(
    mic.subarray(16),
    checksum(key, 25, cat(msg, mic.subarray(0, 16))),
  );
  // SSPI split, sealed: EC = 0, RRC = 28; token = header | rotated trailer; undoing a
  // right rotation of 28 gives E(data | header copy) | HMAC, as gss_unwrap reads it.
  const buf = msg.slice();
  const { token } = mk(false, false).wrapSspi(buf, true);
  assert.equal(hex(token.subarray(0, 16)), "050403ff0000001c" + seqBytes);
  const body = cat(token.subarray(16), buf);
  const unrotated = cat(body.subarray(28), body.subarray(0, 28));
  const plain = decrypt(key, 22, unrotated);
  assert.ok(plain);
  assert.deepEqual(plain.subarray(0, msg.length), msg);
  const copy = token.slice(0, 16).fill(0, 6, 8);
  assert.deepEqual(
    plain.subarray(msg.length),
    copy,
    "encrypted header copy has RRC 0",
  );
  // SSPI split, integrity: EC = 12, RRC = 12, token = header | checksum (SEAL usage).
  const { token: it } = mk(true, false).wrapSspi(msg.slice(), false);
  assert.equal(hex(it.subarray(0, 16)), "050400ff000c000c" + seqBytes);
  assert.deepEqual(
    it.subarray(16),
    checksum(key, 24, cat(msg, it.slice(0, 16).fill(0, 4, 8))),
  );
});

Deno.test("GSS tokens with RFC 8009 keys: EC and RRC count the 16- and 24-byte checksums", () => {
  for (const etype of [SHA256, SHA384]) {
    const c = checksumSize(etype);
    const key = randomKey(etype);
    const mk = (isInitiator: boolean) =>
      new KrbMessageCrypto({
        key,
        isInitiator,
        acceptorSubkey: false,
        sendSeq: 7,
        recvSeq: 7,
      });
    const msg = new TextEncoder().encode("hello, RFC 8009");
    const seq = "0000000000000007";
    const h16 = (n: number) => n.toString(16).padStart(4, "0");
    // Sealed: E(confounder | data | header) | HMAC(IV | C), h = c bytes.
    const sealed = mk(false).wrap(msg, true);
    assert.equal(sealed.length, 16 + 16 + msg.length + 16 + c);
    assert.deepEqual(
      decrypt(key, 22, sealed.subarray(16)),
      cat(msg, sealed.subarray(0, 16)),
    );
    // Integrity only: EC = c, checksum of data | header (EC, RRC zeroed).
    const integ = mk(true).wrap(msg, false);
    assert.equal(hex(integ.subarray(0, 16)), `050400ff${h16(c)}0000${seq}`);
    assert.deepEqual(
      integ.subarray(16 + msg.length),
      checksum(key, 24, cat(msg, integ.slice(0, 16).fill(0, 4, 8))),
    );
    // MIC: c bytes of checksum after the header.
    const mic = mk(true).getMic([msg]);
    assert.equal(mic.length, 16 + c);
    assert.deepEqual(
      mic.subarray(16),
      checksum(key, 25, cat(msg, mic.subarray(0, 16))),
    );
    // SSPI split, sealed: RRC = 16 + c; undoing the rotation gives C | HMAC.
    const buf = msg.slice();
    const { token } = mk(false).wrapSspi(buf, true);
    assert.equal(token.length, securityTrailerSize(etype));
    assert.equal(
      hex(token.subarray(0, 16)),
      `050403ff0000${h16(16 + c)}${seq}`,
    );
    const body = cat(token.subarray(16), buf);
    const unrotated = cat(body.subarray(16 + c), body.subarray(0, 16 + c));
    const plain = decrypt(key, 22, unrotated);
    assert.ok(plain);
    assert.deepEqual(plain.subarray(0, msg.length), msg);
    // SSPI split, integrity: EC = RRC = c.
    const { token: it } = mk(true).wrapSspi(msg.slice(), false);
    assert.equal(hex(it.subarray(0, 16)), `050400ff${h16(c)}${h16(c)}${seq}`);
    // An AES-SHA1 context with the same key bytes reads none of them.
    const sha1 = new KrbMessageCrypto({
      key: { etype: etype === SHA256 ? AES128 : AES256, bytes: key.bytes },
      isInitiator: false,
      acceptorSubkey: false,
      sendSeq: 7,
      recvSeq: 7,
    });
    assert.ok(BAD.includes(sha1.unwrap(integ).status));
    assert.ok(BAD.includes(sha1.verifyMic([msg], mic)));
  }
});

Deno.test("KrbMessageCrypto: key copy, dispose, argument checks", () => {
  const key = randomKey(AES256);
  const before = key.bytes.slice();
  const c = new KrbMessageCrypto({
    key,
    isInitiator: true,
    acceptorSubkey: false,
    sendSeq: 0,
    recvSeq: 0,
  });
  c.dispose();
  assert.deepEqual(key.bytes, before, "the caller's key is untouched");
  assert.throws(() => c.wrap(bytes(1), true), TypeError);
  assert.throws(() => c.unwrap(bytes(40)), TypeError);
  const rc4 = { etype: 23, bytes: new Uint8Array(16) };
  assert.throws(
    () =>
      new KrbMessageCrypto({
        key: rc4,
        isInitiator: true,
        acceptorSubkey: false,
        sendSeq: 0,
        recvSeq: 0,
      }),
    RangeError,
  );
  assert.throws(
    () =>
      new KrbMessageCrypto({
        key,
        isInitiator: true,
        acceptorSubkey: false,
        sendSeq: -1,
        recvSeq: 0,
      }),
    RangeError,
  );
});
