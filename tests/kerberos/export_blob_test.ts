// Kerberos context exports without a KDC: a pair of exports made from one key
// imports into an initiator and an acceptor that talk from the exported sequence
// numbers on, and every malformed export (truncations, bit flips, another version,
// absurd lengths, an unsupported etype, a key of the wrong size) is a status code
// from ImportSecurityContext, never an exception.
import assert from "node:assert/strict";
import {
  DeleteSecurityContext,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  statusName,
} from "../../mod.ts";
import { crc32 } from "../../src/crypto/mod.ts";
import {
  encodeKerberosExport,
  type ExportedKerberosContext,
} from "../../src/packages/kerberos/export.ts";
import { encodeNegotiateExport } from "../../src/packages/negotiate/export.ts";
import { imported } from "../ntlm/_helpers.ts";
import { attributesOf, seal, talk, unseal } from "./_export_helpers.ts";

const st = statusName;
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const HOUR = 3_600_000;

/** One side of a context established at `start` with `KEY` (an acceptor subkey). */
function side(role: "initiate" | "accept"): ExportedKerberosContext {
  const initiator = role === "initiate";
  return {
    role,
    key: { etype: 18, bytes: KEY },
    acceptorSubkey: true,
    sendSeq: initiator ? 1000 : 2 ** 40,
    recvSeq: initiator ? 2 ** 40 : 1000,
    retFlags: 0x1001c,
    clientName: "alice@EXAMPLE.COM",
    serverName: initiator
      ? "HTTP/web.example.com"
      : "HTTP/web.example.com@EXAMPLE.COM",
    clientTarget: initiator ? null : "HTTP/web.example.com",
    start: 1_700_000_000_000,
    end: 1_700_000_000_000 + 10 * HOUR,
  };
}

/** Rewrites the trailing CRC-32, so that a change is judged by the field checks. */
function recrc(b: Uint8Array): Uint8Array {
  new DataView(b.buffer, b.byteOffset).setUint32(
    b.length - 4,
    crc32(b.subarray(0, b.length - 4)),
    true,
  );
  return b;
}

/** ImportSecurityContext(pkg, bytes) must return SEC_E_INVALID_TOKEN, not throw. */
function refused(bytes: Uint8Array, why: string, pkg = "Kerberos") {
  let s: number;
  try {
    s = imported(pkg, bytes)[0];
  } catch (e) {
    assert.fail(`${why}: ImportSecurityContext threw ${e}`);
  }
  assert.equal(st(s), st(SEC_E_INVALID_TOKEN), why);
}

Deno.test("Kerberos export blob: two exports of one key import into contexts that talk from the exported sequence numbers", () => {
  const [ist, c] = imported("Kerberos", encodeKerberosExport(side("initiate")));
  const [ast, s] = imported("Kerberos", encodeKerberosExport(side("accept")));
  assert.equal(st(ist), st(SEC_E_OK));
  assert.equal(st(ast), st(SEC_E_OK));
  talk(c, s, "blob", 2);
  const a = attributesOf(s);
  assert.deepEqual(a.names, { sUserName: "alice@EXAMPLE.COM" });
  assert.deepEqual(a.clientTarget, { sTargetName: "HTTP/web.example.com" });
  assert.deepEqual(a.flags, { Flags: 0x1001c });
  assert.deepEqual(
    (a.sessionKey as { SessionKey: Uint8Array }).SessionKey,
    KEY,
  );
  assert.deepEqual(a.sizes, {
    cbMaxToken: 48000,
    cbMaxSignature: 28,
    cbBlockSize: 1,
    cbSecurityTrailer: 60,
  });
  const life = a.lifespan as { tsStart: bigint; tsExpiry: bigint };
  assert.equal(life.tsExpiry - life.tsStart, BigInt(10 * HOUR) * 10_000n);
  assert.equal(
    attributesOf(c).clientTarget,
    "SEC_E_UNSUPPORTED_FUNCTION",
    "an initiator has no client-specified target",
  );
  // Another starting number on one side: the other refuses its first message.
  const off = encodeKerberosExport({ ...side("initiate"), sendSeq: 999 });
  const [, c2] = imported("Kerberos", off);
  assert.equal(st(unseal(s, seal(c2, "off"))[0]), st(SEC_E_OUT_OF_SEQUENCE));
  for (const h of [c, s, c2]) DeleteSecurityContext(h);
});

Deno.test("Kerberos export blob: contexts with RFC 8009 keys (etypes 19, 20) export and import, with their sizes", () => {
  for (const [etype, size, mic] of [[19, 16, 32], [20, 32, 40]]) {
    const key = { etype, bytes: KEY.slice(0, size) };
    const [ist, c] = imported(
      "Kerberos",
      encodeKerberosExport({ ...side("initiate"), key }),
    );
    const [ast, s] = imported(
      "Kerberos",
      encodeKerberosExport({ ...side("accept"), key }),
    );
    assert.equal(st(ist), st(SEC_E_OK));
    assert.equal(st(ast), st(SEC_E_OK));
    talk(c, s, `etype ${etype}`, 2);
    const sizes = attributesOf(s).sizes as {
      cbMaxSignature: number;
      cbSecurityTrailer: number;
    };
    assert.equal(sizes.cbMaxSignature, mic);
    assert.equal(sizes.cbSecurityTrailer, 16 + mic + 16);
    for (const h of [c, s]) DeleteSecurityContext(h);
  }
});

Deno.test("Kerberos export blob: every truncation and every bit flip is SEC_E_INVALID_TOKEN", () => {
  for (const role of ["initiate", "accept"] as const) {
    const good = encodeKerberosExport(side(role));
    for (let n = 0; n < good.length; n++) {
      refused(good.slice(0, n), `${role} cut to ${n}`);
    }
    for (let i = 0; i < good.length * 8; i++) {
      const b = good.slice();
      b[i >> 3] ^= 1 << (i & 7);
      refused(b, `${role} bit ${i}`);
    }
    refused(new Uint8Array([...good, 0]), `${role} with a byte more`);
    // Wrapped by Negotiate, the inner bytes are judged the same way.
    const cut = good.slice(0, good.length - 1);
    refused(
      encodeNegotiateExport("Kerberos", role, cut),
      "Negotiate",
      "Negotiate",
    );
  }
});

Deno.test("Kerberos export blob: wrong version, role, flags, absurd lengths and out-of-range numbers are SEC_E_INVALID_TOKEN", () => {
  const good = encodeKerberosExport(side("accept"));
  const v = (b: Uint8Array) => new DataView(b.buffer);
  const cases: Record<string, (b: Uint8Array) => void> = {
    "version 0": (b) => (b[4] = 0),
    "version 2": (b) => (b[4] = 2),
    "role 2": (b) => (b[5] = 2),
    "flag 4": (b) => (b[6] |= 4),
    "a nonzero reserved byte": (b) => (b[7] = 1),
    "a client target on an initiator": (b) => (b[5] = 0),
    "sequence number 2^53": (b) => v(b).setBigUint64(16, 2n ** 53n, true),
    "sequence number 2^64 - 1": (b) =>
      v(b).setBigUint64(24, 2n ** 64n - 1n, true),
    "start at 2^63 ms": (b) => v(b).setBigUint64(32, 2n ** 63n, true),
    "end past the last Date": (b) =>
      v(b).setBigUint64(40, 8_640_000_000_000_001n, true),
    "key length 0xffff": (b) => v(b).setUint16(48, 0xffff, true),
    "key length 0": (b) => v(b).setUint16(48, 0, true),
    "client name length 0xffff": (b) => v(b).setUint16(82, 0xffff, true),
    "a name that is not UTF-8": (b) => b.fill(0xff, 84, 86),
    "no client target": (b) => (b[6] &= ~2),
    // "HTTP/web.example.com" (20 bytes) and the CRC follow its length.
    "a client target past the end": (b) =>
      v(b).setUint16(b.length - 26, 21, true),
  };
  for (const [why, mutate] of Object.entries(cases)) {
    const b = good.slice();
    mutate(b);
    refused(recrc(b), why);
  }
  for (
    const [etype, size] of [
      [16, 24],
      [19, 32],
      [20, 16],
      [23, 32],
      [18, 16],
      [17, 32],
      [0, 32],
      [
        2 ** 31,
        32,
      ],
    ]
  ) {
    const b = encodeKerberosExport({
      ...side("accept"),
      key: { etype, bytes: new Uint8Array(size) },
    });
    refused(b, `etype ${etype} with a ${size}-byte key`);
  }
  for (
    const b of [
      new Uint8Array(0),
      Uint8Array.of(0x4b, 0x52, 0x42, 0x43, 1),
      new Uint8Array(70),
    ]
  ) {
    refused(b, `${b.length} bytes without an export`);
  }
});
