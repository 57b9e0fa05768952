// The AES Netlogon crypto (src/netlogon/crypto.ts) and the secure channel's RPC
// security provider (src/netlogon/secure_channel.ts): NIST CFB8 vectors, WebCrypto
// for the HMAC, and Impacket (python3-impacket, written apart from Samba and
// Windows) for the session key, the credentials, the authenticator chain and
// sealed PDUs both ways. Then malformed input: every refusal an SspiError with
// the status MS-NRPC names, never a trap or a RangeError.
import assert from "node:assert/strict";
import { pythonPeerStatus, pythonPeerTest } from "../peers/availability.ts";
import { aesCfb8Decrypt, aesCfb8Encrypt } from "../../src/wasm/aes.ts";
import { hmacSha256 } from "../../src/crypto/mod.ts";
import {
  addToCredential,
  computeNetlogonCredential,
  computeSessionKeyAes,
  netlogonAesDecrypt,
  netlogonAesEncrypt,
  NetlogonCredentialChain,
  newClientChallenge,
} from "../../src/netlogon/crypto.ts";
import {
  NetlogonSecureChannel,
  NL_AUTH_SHA2_SIGNATURE_SIZE,
} from "../../src/netlogon/secure_channel.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../src/sspi/status.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";

function rand(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(b.subarray(i, i + 65536));
  }
  return b;
}
const BIND_ACK = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x6c, 0);

function channel(level: 5 | 6, key: Uint8Array): NetlogonSecureChannel {
  const ch = new NetlogonSecureChannel({
    domain: "EXAMPLE",
    computer: "WEB01",
    sessionKey: key,
    authLevel: level,
  });
  ch.bindAck(BIND_ACK);
  return ch;
}

function assertStatus(fn: () => unknown, status: number, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SspiError, `${what}: ${e}`);
    assert.equal(e.status, status >>> 0, `${what}: ${e.message}`);
    return true;
  });
}

// ---- a test-side server end, written from MS-NRPC 3.3.4.2.1 ----------------

/** The 8 sequence bytes of `n` (low then high half, big-endian; 0x80 from clients). */
function seqBytes(n: number, fromClient: boolean): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, n >>> 0);
  v.setUint32(
    4,
    (Math.floor(n / 2 ** 32) | (fromClient ? 0x80000000 : 0)) >>> 0,
  );
  return b;
}

const twice = (b: Uint8Array) => Uint8Array.from([...b, ...b]);

/** A server's signature (and sealing, in place) for the response numbered `n`. */
function serverProtect(
  key: Uint8Array,
  n: number,
  data: Uint8Array,
  seal: boolean,
  confounder: Uint8Array = rand(8),
): Uint8Array {
  const sig = new Uint8Array(56);
  sig.set([0x13, 0, seal ? 0x1a : 0xff, seal ? 0 : 0xff, 0xff, 0xff, 0, 0]);
  const mac = hmacSha256.create(key).update(sig.subarray(0, 8));
  if (seal) mac.update(confounder);
  const checksum = mac.update(data).digest().slice(0, 8);
  sig.set(checksum, 16);
  const seq = seqBytes(n, false);
  if (seal) {
    const sealKey = key.map((b) => b ^ 0xf0);
    const both = Uint8Array.from([...confounder, ...data]);
    aesCfb8Encrypt(sealKey, twice(seq), both);
    sig.set(both.subarray(0, 8), 24);
    data.set(both.subarray(8));
  }
  aesCfb8Encrypt(key, twice(checksum), seq);
  sig.set(seq, 8);
  return sig;
}

/** The sequence number a signature carries, decrypted with the session key. */
function sequenceOf(key: Uint8Array, sig: Uint8Array): Uint8Array {
  const seq = sig.slice(8, 16);
  aesCfb8Decrypt(key, twice(sig.subarray(16, 24)), seq);
  return seq;
}

// ---- AES-CFB8 ----------------------------------------------------------------

Deno.test("AES-CFB8: NIST SP 800-38A F.3.7 and F.3.11 (CFB8-AES128/256)", () => {
  const iv = fromHex("000102030405060708090a0b0c0d0e0f");
  const plain = fromHex("6bc1bee22e409f96e93d7e117393172aae2d");
  const cases = [
    [
      "2b7e151628aed2a6abf7158809cf4f3c",
      "3b79424c9c0dd436bace9e0ed4586a4f32b9",
    ],
    [
      "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
      "dc1f1a8520a64db55fcc8ac554844e889700",
    ],
  ];
  for (const [k, c] of cases) {
    const data = plain.slice();
    const next = aesCfb8Encrypt(fromHex(k), iv, data);
    assert.equal(toHex(data), c);
    assert.deepEqual(next, Uint8Array.from([...iv, ...data]).slice(-16));
    aesCfb8Decrypt(fromHex(k), iv, data);
    assert.deepEqual(data, plain);
  }
});

Deno.test("AES-CFB8: pieces chain through the returned IV; big inputs; bad sizes", () => {
  const key = rand(16);
  const iv = rand(16);
  const ivCopy = iv.slice();
  const whole = rand(70_000); // more than the 64 KiB scratch region
  const ct = whole.slice();
  aesCfb8Encrypt(key, iv, ct);
  const parts = whole.slice();
  let next: Uint8Array = iv;
  for (const [a, b] of [[0, 3], [3, 20], [20, 65_600], [65_600, 70_000]]) {
    next = aesCfb8Encrypt(key, next, parts.subarray(a, b));
  }
  assert.deepEqual(parts, ct);
  const back = ct.slice();
  const mid = aesCfb8Decrypt(key, ivCopy, back.subarray(0, 5));
  aesCfb8Decrypt(key, mid, back.subarray(5));
  assert.deepEqual(back, whole);
  assert.deepEqual(iv, ivCopy, "the IV argument is not modified");
  assert.throws(() => aesCfb8Encrypt(rand(15), iv, ct), RangeError);
  assert.throws(() => aesCfb8Encrypt(key, rand(8), ct), RangeError);
  assert.deepEqual(aesCfb8Encrypt(key, iv, new Uint8Array(0)), iv);
});

// ---- session key, credentials, authenticators -----------------------------------

Deno.test("session key is HMAC-SHA256 (WebCrypto) of the challenges, cut to 16 bytes", async () => {
  const nt = rand(16);
  const cc = rand(8);
  const sc = rand(8);
  const k = await crypto.subtle.importKey(
    "raw",
    nt,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", k, Uint8Array.from([...cc, ...sc])),
  );
  assert.deepEqual(computeSessionKeyAes(nt, cc, sc), mac.slice(0, 16));
  assert.throws(() => computeSessionKeyAes(nt, cc, rand(7)), RangeError);
});

Deno.test("credential arithmetic: wrapping 32-bit add, CFB8 with a zero IV", () => {
  const c = fromHex("feffffff01020304");
  assert.equal(toHex(addToCredential(c, 3)), "0100000001020304");
  const key = rand(16);
  const input = rand(8);
  const cred = computeNetlogonCredential(key, input);
  const expect = input.slice();
  aesCfb8Encrypt(key, new Uint8Array(16), expect);
  assert.deepEqual(cred, expect);
  assert.throws(() => computeNetlogonCredential(input, key), RangeError);
  const secret = rand(16);
  const enc = netlogonAesEncrypt(key, secret);
  assert.notDeepEqual(enc, secret);
  assert.deepEqual(netlogonAesDecrypt(key, enc), secret);
});

Deno.test("client challenges never start with five equal bytes (ZeroLogon)", () => {
  for (let i = 0; i < 200; i++) {
    const c = newClientChallenge();
    assert.equal(c.length, 8);
    assert.ok(c.subarray(1, 5).some((b) => b !== c[0]));
  }
});

Deno.test("credential chain: a DC's view agrees; timestamps only go forward", () => {
  const key = rand(16);
  const cc = rand(8);
  const sc = rand(8);
  const chain = new NetlogonCredentialChain(key, cc, sc);
  assert.deepEqual(chain.clientCredential, computeNetlogonCredential(key, cc));
  assert.ok(chain.verifyServerCredential(computeNetlogonCredential(key, sc)));
  assert.ok(!chain.verifyServerCredential(rand(8)));
  // The DC's side (MS-NRPC 3.1.4.5), written out here.
  let dcStored = computeNetlogonCredential(key, cc);
  let last = 0;
  for (
    const now of [1_700_000_000, 1_700_000_000, 1_699_999_000, 1_700_000_100]
  ) {
    const a = chain.nextAuthenticator(now);
    assert.ok(a.timestamp > last, "strictly increasing");
    last = a.timestamp;
    dcStored = addToCredential(dcStored, a.timestamp);
    assert.deepEqual(a.credential, computeNetlogonCredential(key, dcStored));
    dcStored = addToCredential(dcStored, 1);
    assert.ok(!chain.verifyReturnAuthenticator(rand(8)));
    assert.ok(
      chain.verifyReturnAuthenticator(computeNetlogonCredential(key, dcStored)),
    );
  }
  assert.ok(!chain.verifyReturnAuthenticator(rand(8)), "none outstanding");
  chain.dispose();
  assert.throws(() => chain.nextAuthenticator(), /disposed/);
  assert.ok(!Deno.inspect(chain).includes(toHex(key)));
});

// ---- the secure channel -----------------------------------------------------------

Deno.test("bind token: NL_AUTH_MESSAGE with the OEM NetBIOS domain and computer", () => {
  const ch = new NetlogonSecureChannel({
    domain: "EXAMPLE",
    computer: "WEB01",
    sessionKey: rand(16),
  });
  assert.equal(ch.authType, 68);
  assert.equal(ch.authLevel, 6);
  assert.equal(ch.signatureSize, NL_AUTH_SHA2_SIGNATURE_SIZE);
  assert.deepEqual(
    ch.bindToken(),
    Uint8Array.from([
      0,
      0,
      0,
      0,
      3,
      0,
      0,
      0,
      ...new TextEncoder().encode("EXAMPLE\0WEB01\0"),
    ]),
  );
  assert.throws(() => ch.protect(new Uint8Array(4)), /not bound/);
  for (
    const bad of [
      { domain: "EXAMPLE", computer: "WEB01$", sessionKey: rand(16) },
      { domain: "", computer: "WEB01", sessionKey: rand(16) },
      { domain: "EX\0", computer: "WEB01", sessionKey: rand(16) },
      { domain: "EXAMPLE", computer: "WEB01", sessionKey: rand(15) },
      {
        domain: "EXAMPLE",
        computer: "WEB01",
        sessionKey: rand(16),
        authLevel: 4,
      },
    ]
  ) {
    assert.throws(() => new NetlogonSecureChannel(bad), RangeError);
  }
});

Deno.test("bind ack: at least 12 bytes with MessageType 1, else SEC_E_INVALID_TOKEN", () => {
  const ch = new NetlogonSecureChannel({
    domain: "EXAMPLE",
    computer: "WEB01",
    sessionKey: rand(16),
  });
  assertStatus(
    () => ch.bindAck(new Uint8Array(0)),
    SEC_E_INVALID_TOKEN,
    "empty",
  );
  assertStatus(
    () => ch.bindAck(BIND_ACK.slice(0, 11)),
    SEC_E_INVALID_TOKEN,
    "short",
  );
  const request = BIND_ACK.slice();
  request[0] = 0;
  assertStatus(() => ch.bindAck(request), SEC_E_INVALID_TOKEN, "type 0");
  request[0] = 2;
  assertStatus(() => ch.bindAck(request), SEC_E_INVALID_TOKEN, "type 2");
  ch.bindAck(BIND_ACK);
  ch.protect(new Uint8Array(8));
});

for (const level of [6, 5] as const) {
  const seal = level === 6;
  const name = seal ? "privacy" : "integrity";

  Deno.test(`${name}: one counter for both directions: requests 0, 2.., responses 1, 3..`, () => {
    const key = rand(16);
    const ch = channel(level, key);
    for (let call = 0; call < 3; call++) {
      const stub = rand(40 + call);
      const data = stub.slice();
      const sig = ch.protect(data);
      assert.equal(sig.length, 56);
      assert.deepEqual(
        sig.subarray(0, 8),
        Uint8Array.of(
          0x13,
          0,
          seal ? 0x1a : 0xff,
          seal ? 0 : 0xff,
          0xff,
          0xff,
          0,
          0,
        ),
      );
      assert.deepEqual(
        sig.subarray(seal ? 32 : 24),
        new Uint8Array(seal ? 24 : 32),
      );
      assert.deepEqual(sequenceOf(key, sig), seqBytes(2 * call, true));
      assert.equal(
        toHex(data) === toHex(stub),
        !seal,
        "sealed only at privacy",
      );
      const reply = rand(30);
      const wire = reply.slice();
      ch.unprotect(wire, serverProtect(key, 2 * call + 1, wire, seal));
      assert.deepEqual(wire, reply);
    }
    // Fragments count one each: two requests, then the response is 8.
    assert.deepEqual(sequenceOf(key, ch.protect(rand(8))), seqBytes(6, true));
    assert.deepEqual(sequenceOf(key, ch.protect(rand(8))), seqBytes(7, true));
    const r = rand(8);
    ch.unprotect(r, serverProtect(key, 8, r, seal));
    ch.dispose();
  });

  Deno.test(`${name}: refusals carry MS-NRPC's statuses and do not advance`, () => {
    const key = rand(16);
    const ch = channel(level, key);
    const reply = rand(24);
    const wire = reply.slice();
    const sig = serverProtect(key, 0, wire, seal);
    const tryWith = (
      s: Uint8Array,
      d: Uint8Array = wire.slice(),
    ) =>
    () => ch.unprotect(d, s);
    const altered = (at: number, s = sig) => {
      const c = s.slice();
      c[at] ^= 0x01;
      return c;
    };
    // Too short to hold the fields read.
    const min = seal ? 32 : 24;
    for (const n of [0, 8, min - 1]) {
      assertStatus(tryWith(sig.slice(0, n)), SEC_E_INVALID_TOKEN, `${n} bytes`);
    }
    // Algorithms and pad.
    for (const at of [0, 1, 2, 3, 4, 5]) {
      assertStatus(
        tryWith(altered(at)),
        SEC_E_MESSAGE_ALTERED,
        `header byte ${at}`,
      );
    }
    const other = serverProtect(key, 0, rand(24), !seal);
    assertStatus(
      tryWith(other),
      SEC_E_MESSAGE_ALTERED,
      "the other level's algorithm",
    );
    // Checksum, confounder, data.
    for (const at of [16, 23, ...(seal ? [24, 31] : [])]) {
      assertStatus(
        tryWith(altered(at)),
        SEC_E_MESSAGE_ALTERED,
        `signature byte ${at}`,
      );
    }
    // The sequence field: sealed, it is the IV of the data, so a changed number
    // breaks the checksum; signed only, nothing but the number itself shows it.
    for (const at of [8, 15]) {
      assertStatus(
        tryWith(altered(at)),
        seal ? SEC_E_MESSAGE_ALTERED : SEC_E_OUT_OF_SEQUENCE,
        `sequence byte ${at}`,
      );
    }
    const bad = wire.slice();
    bad[5] ^= 0x80;
    assertStatus(tryWith(sig, bad), SEC_E_MESSAGE_ALTERED, "data");
    if (seal) {
      assert.deepEqual(
        bad,
        new Uint8Array(24),
        "unverified plaintext is not left",
      );
    }
    // Authentic, but another number: a later one, and our own request reflected.
    const later = rand(24);
    assertStatus(
      tryWith(serverProtect(key, 1, later, seal), later),
      SEC_E_OUT_OF_SEQUENCE,
      "skipped",
    );
    const mine = rand(24);
    const mySig = channel(level, key).protect(mine);
    assertStatus(
      tryWith(mySig, mine),
      SEC_E_OUT_OF_SEQUENCE,
      "reflected request",
    );
    // Flags are ignored, trailing bytes too; nothing above advanced the counter.
    const flagged = sig.slice();
    flagged[6] = 0x01;
    const ok = wire.slice();
    ch.unprotect(ok, flagged);
    assert.deepEqual(ok, reply);
    // Replaying it is out of sequence now.
    assertStatus(tryWith(sig), SEC_E_OUT_OF_SEQUENCE, "replay");
    // Random junk never escapes as anything but an SspiError.
    for (let i = 0; i < 300; i++) {
      const junk = rand(i % 70);
      if (i % 3 === 0 && junk.length >= 8) junk.set(sig.subarray(0, 8));
      assert.throws(() => ch.unprotect(rand(i % 50), junk), SspiError);
    }
    ch.dispose();
    assert.throws(() => ch.protect(new Uint8Array(4)), /disposed/);
  });
}

Deno.test("the session key does not show in Deno.inspect, before or after dispose", () => {
  const key = rand(16);
  const ch = channel(6, key);
  const sealKey = key.map((b) => b ^ 0xf0);
  for (let i = 0; i < 2; i++) {
    const shown = Deno.inspect(ch, { depth: 10, showHidden: true });
    for (const k of [key, sealKey]) {
      assert.ok(!shown.includes(toHex(k)));
      assert.ok(!shown.includes(Array.from(k).join(", ")));
    }
    assert.ok(!JSON.stringify(ch).includes(String(key[0]) + "," + key[1]));
    ch.dispose();
  }
});

// ---- Impacket --------------------------------------------------------------------

// Impacket's nrpc.py, driven with a JSON list of operations on stdin. Impacket
// 0.10's ComputeNetlogonSignatureAES pads its result with a str (a TypeError on
// Python 3), so the one below replaces it with the same HMAC-SHA256 over the same
// inputs, first 8 bytes. Its deriveSequenceNumber always marks the client's
// direction; the server's is that with the 0x80 bit cleared.
const IMPACKET_NRPC = String.raw`
import hashlib, hmac, json, struct, sys
from impacket.dcerpc.v5 import nrpc

def checksum_aes(auth_signature, message, confounder, session_key):
    h = hmac.new(session_key, digestmod=hashlib.sha256)
    h.update(auth_signature.getData()[:8])
    h.update(confounder.encode() if isinstance(confounder, str) else confounder)
    h.update(bytes(message))
    return h.digest()[:8]

nrpc.ComputeNetlogonSignatureAES = checksum_aes
client_derive = nrpc.deriveSequenceNumber
def server_derive(n):
    d = client_derive(n)
    return d[:4] + bytes([d[4] & 0x7f]) + d[5:]

def add(cred, n):
    return struct.pack('<I', (struct.unpack('<I', cred[:4])[0] + n) & 0xffffffff) + cred[4:]

def run(op):
    h = {k: bytes.fromhex(v) if isinstance(v, str) else v for k, v in op.items() if k != 'op'}
    kind = op['op']
    if kind == 'session_key':
        return {'key': nrpc.ComputeSessionKeyAES('', h['cc'], h['sc'], h['nt']).hex()}
    if kind == 'credential':
        return {'cred': nrpc.ComputeNetlogonCredentialAES(h['input'], h['key']).hex()}
    if kind == 'chain':
        key = h['key']
        stored = nrpc.ComputeNetlogonCredentialAES(h['cc'], key)
        out = {'client': stored.hex(), 'server': nrpc.ComputeNetlogonCredentialAES(h['sc'], key).hex(), 'steps': []}
        for t in op['times']:
            stored = add(stored, t)
            sent = nrpc.ComputeNetlogonCredentialAES(stored, key)
            stored = add(stored, 1)
            back = nrpc.ComputeNetlogonCredentialAES(stored, key)
            out['steps'].append([sent.hex(), back.hex()])
        return out
    if kind == 'server_protect':
        nrpc.deriveSequenceNumber = server_derive
        try:
            if op['seal']:
                data, sig = nrpc.SEAL(h['data'], h['confounder'], op['seq'], h['key'], True)
            else:
                data, sig = h['data'], nrpc.SIGN(h['data'], '', op['seq'], h['key'], True)
        finally:
            nrpc.deriveSequenceNumber = client_derive
        raw = sig.getData()
        return {'data': data.hex(), 'sig': (raw + bytes(56 - len(raw))).hex()}
    if kind == 'client_check':
        data, sig, key, seq = h['data'], h['sig'], h['key'], op['seq']
        if op['seal']:
            plain, conf = nrpc.UNSEAL(data, sig[:32], key, True)
            again, sig2 = nrpc.SEAL(plain, conf[:8], seq, key, True)
            same = again == data and sig2.getData()[:32] == sig[:32]
        else:
            plain = data
            same = nrpc.SIGN(data, '', seq, key, True).getData()[:24] == sig[:24]
        return {'plain': plain.hex(), 'same': same}
    raise ValueError(kind)

json.dump([run(op) for op in json.load(sys.stdin)], sys.stdout)
`;

type Op = Record<string, string | number | boolean | number[]>;
type Result = Record<string, string | boolean | string[][]>;

async function impacket(python: string, ops: Op[]): Promise<Result[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 60_000);
  try {
    const child = new Deno.Command(python, {
      args: ["-c", IMPACKET_NRPC],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal: ac.signal,
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(ops)));
    await w.close();
    const out = await child.output();
    const err = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `Impacket script failed: ${err}`);
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    clearTimeout(timer);
  }
}

async function impacketPython(): Promise<string> {
  const st = await pythonPeerStatus("impacket");
  return st.python!;
}

await pythonPeerTest(
  "impacket",
  "Impacket: same session keys, credentials and authenticator chains",
  async () => {
    const python = await impacketPython();
    const cases = Array.from({ length: 8 }, () => ({
      nt: rand(16),
      cc: rand(8),
      sc: rand(8),
      key: rand(16),
      input: rand(8),
      times: [1_700_000_000 + Math.floor(Math.random() * 1e6), 0xffff_fff0],
    }));
    const ops: Op[] = cases.flatMap((c): Op[] => [
      { op: "session_key", nt: toHex(c.nt), cc: toHex(c.cc), sc: toHex(c.sc) },
      { op: "credential", key: toHex(c.key), input: toHex(c.input) },
      {
        op: "chain",
        key: toHex(c.key),
        cc: toHex(c.cc),
        sc: toHex(c.sc),
        times: c.times,
      },
    ]);
    const res = await impacket(python, ops);
    cases.forEach((c, i) => {
      const [sk, cred, chainRes] = res.slice(3 * i, 3 * i + 3);
      assert.equal(toHex(computeSessionKeyAes(c.nt, c.cc, c.sc)), sk.key);
      assert.equal(toHex(computeNetlogonCredential(c.key, c.input)), cred.cred);
      const chain = new NetlogonCredentialChain(c.key, c.cc, c.sc);
      assert.equal(toHex(chain.clientCredential), chainRes.client);
      assert.ok(
        chain.verifyServerCredential(fromHex(chainRes.server as string)),
      );
      // Timestamps far enough apart that the chain takes them as given; the
      // second wraps the 32-bit sum.
      const steps = chainRes.steps as string[][];
      for (let s = 0; s < c.times.length; s++) {
        const a = chain.nextAuthenticator(c.times[s]);
        assert.equal(a.timestamp, c.times[s]);
        assert.equal(toHex(a.credential), steps[s][0]);
        assert.ok(chain.verifyReturnAuthenticator(fromHex(steps[s][1])));
      }
      chain.dispose();
    });
  },
);

await pythonPeerTest(
  "impacket",
  "Impacket: sealed and signed PDUs both ways, with the sequence numbers of a real exchange",
  async () => {
    const python = await impacketPython();
    for (const level of [6, 5] as const) {
      const seal = level === 6;
      const key = rand(16);
      const calls = 3;
      // The DC's responses (numbers 1, 3, 5) made by Impacket, and the same made
      // by this file's server end with the same confounders: identical bytes.
      const replies = Array.from({ length: calls }, (_, i) => ({
        plain: rand(17 + 13 * i),
        confounder: rand(8),
        seq: 2 * i + 1,
      }));
      const server = await impacket(
        python,
        replies.map((r) => ({
          op: "server_protect",
          key: toHex(key),
          data: toHex(r.plain),
          confounder: toHex(r.confounder),
          seq: r.seq,
          seal,
        })),
      );
      replies.forEach((r, i) => {
        const data = r.plain.slice();
        const sig = serverProtect(key, r.seq, data, seal, r.confounder);
        assert.equal(toHex(data), server[i].data);
        assert.equal(toHex(sig), server[i].sig);
      });
      // Our client: request, Impacket's response, request...
      const ch = channel(level, key);
      const requests: {
        plain: Uint8Array;
        data: Uint8Array;
        sig: Uint8Array;
      }[] = [];
      replies.forEach((r, i) => {
        const plain = rand(40 + 7 * i);
        const data = plain.slice();
        const sig = ch.protect(data);
        requests.push({ plain, data, sig });
        const wire = fromHex(server[i].data as string);
        ch.unprotect(wire, fromHex(server[i].sig as string));
        assert.deepEqual(wire, r.plain);
      });
      // ...and Impacket reads our requests as numbers 0, 2, 4 from a client.
      const checked = await impacket(
        python,
        requests.map((q, i) => ({
          op: "client_check",
          key: toHex(key),
          data: toHex(q.data),
          sig: toHex(q.sig),
          seq: 2 * i,
          seal,
        })),
      );
      requests.forEach((q, i) => {
        assert.equal(
          checked[i].plain,
          toHex(q.plain),
          `request ${i} plaintext`,
        );
        assert.equal(checked[i].same, true, `request ${i} signature`);
      });
      ch.dispose();
    }
  },
);
