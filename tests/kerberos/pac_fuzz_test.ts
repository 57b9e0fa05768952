// Property test of the PAC reader against hostile bytes: mutations of real PACs
// (truncation, byte flips, counts, offsets, lengths and NDR referent IDs replaced by
// edge values, inserted and deleted ranges) fed to parsePac, the NDR decoder alone,
// verifyPacServerChecksum, checkPacClientInfo and, wrapped in AD-IF-RELEVANT (itself
// mutated too), readTicketPac. Every call returns `{ error }` or a result: no
// exception, no hang; a mutated PAC never verifies unless only the KDC Signature
// field (zeroed for the server checksum) changed. Seeded (`FUZZ_SEED`);
// `PAC_FUZZ_ITERATIONS` sets the count (default 20,000).
//
// Seeds (hex data; see pac_test.ts for their sources): the PAC of the Windows
// Server 2022 ticket in MIT krb5's t_pac.c (decrypted with its service key; seven
// buffers, resource groups, extended UPN_DNS_INFO, ticket and full PAC signatures),
// gokrb5's AD PAC (v8/test/testdata/test_vectors.go, MarshaledPAC_AD_WIN2K_PAC) and
// Samba's saved PAC from t_pac.c (rc4-hmac).
import assert from "node:assert/strict";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import {
  encodeContext,
  encodeOctetString,
  encodeSequence,
} from "../../src/der/mod.ts";
import { encodeInt32 } from "../../src/packages/kerberos/asn1.ts";
import type { KerberosKey } from "../../src/packages/kerberos/crypto.ts";
import {
  checkPacClientInfo,
  findPac,
  pacLogonInfo,
  type ParsedPac,
  parsePac,
  readTicketPac,
  verifyPacServerChecksum,
} from "../../src/packages/kerberos/pac.ts";
import { decodeKerbValidationInfo } from "../../src/packages/kerberos/pac_ndr.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";

const ITERATIONS = fuzzIterations("PAC_FUZZ_ITERATIONS", 20_000);

const W2022_PAC = fromHex(`
  0700000000000000010000001802000078000000000000000600000010000000900200000000
  00000700000010000000a0020000000000000a00000024000000b0020000000000000c000000
  b0000000d8020000000000001000000010000000880300000000000013000000100000009803
  00000000000001100800cccccccc08020000000000000000020072562ceb54ffd801ffffffff
  ffffff7fffffffffffffff7fbe0144a48721d801bec1adce5022d801ffffffffffffff7f1a00
  1a00040002000000000008000200000000000c00020000000000100002000000000014000200
  000000001800020072010000f401000001020000050000001c00020020020000000000000000
  0000000000000000000012001400200002001000120024000200280002000000000000000000
  1002000000000000000000000000000000000000000000000000000000000000010000002c00
  02003400020001000000380002000d000000000000000d000000410064006d0069006e006900
  730074007200610074006f007200000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000000000000000
  0500000001020000070000000002000007000000080200000700000006020000070000000702
  0000070000000a0000000000000009000000570032003000320032002d003100310038000000
  090000000000000008000000570032003000320032002d004c00370004000000010400000000
  000515000000504ef407c1952743c6f27ad30100000030000200070000000100000001010000
  000000120100000004000000010400000000000515000000504ef407c1952743c6f27ad30100
  00003c020000070000201000000047ef6f720f1a8c25c83e5d6810000000347eda7544615d0c
  b9a1757b8035dbea54ffd8011a00610064006d0069006e006900730074007200610074006f00
  720000000000360018001a005000030000001a0070001c00900000000000410064006d006900
  6e006900730074007200610074006f0072004000770032003000320032002d006c0037002e00
  62006100730065000000570032003000320032002d004c0037002e0042004100530045000000
  00000000410064006d0069006e006900730074007200610074006f0072000000000000000105
  00000000000515000000504ef407c1952743c6f27ad3f401000000000000100000008e25f305
  2ee1b94f59ad34d110000000e60cb91c354964a160595204
`);
const GOKRB5_PAC = fromHex(`
  0500000000000000010000002802000058000000000000000a0000001c000000800200000000
  00000c00000058000000a0020000000000000600000010000000f80200000000000007000000
  14000000080300000000000001100800cccccccc180200000000000000000200058e4fdd80c6
  d201ffffffffffffff7fffffffffffffff7fcc27969c39c6d201cce7ffc602c7d201ffffffff
  ffffff7f12001200040002001600160008000200000000000c00020000000000100002000000
  0000140002000000000018000200d80000005104000001020000050000001c00020020000000
  0000000000000000000000000000000008000a002000020008000a0024000200280002000000
  0000000000001002000000000000000000000000000000000000000000000000000000000000
  020000002c000200000000000000000000000000090000000000000009000000740065007300
  74007500730065007200310000000b000000000000000b000000540065007300740031002000
  5500730065007200310000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000005000000010200000700000054040000
  0700000055040000070000005b040000070000005c0400000700000005000000000000000400
  0000410044004400430005000000000000000400000054004500530054000400000001040000
  00000005150000004c86cebca07160e63fdce887020000003000020007000020340002000700
  0020050000000105000000000005150000004c86cebca07160e63fdce8875a04000005000000
  0105000000000005150000004c86cebca07160e63fdce8875704000000000000808dd1dc80c6
  d2011200740065007300740075007300650072003100000000002a0010001600400000000000
  00000000740065007300740075007300650072003100400074006500730074002e0067006f00
  6b0072006200350000000000000054004500530054002e0047004f004b005200420035000000
  100000001e251d98d552be7df384f55076ffffff340be28b48765d0519ee9346cf53d8220000
  0000
`);
const SAVED_PAC = fromHex(`
  040000000000000001000000d801000048000000000000000a00000020000000200200000000
  0000060000001400000040020000000000000700000014000000580200000000000001100800
  ccccccccc8010000000000000000020030dfa6cb4f7dc501ffffffffffffff7fffffffffffff
  ff7fc03c4e596273c501c03c4e596273c501ffffffffffffff7f160016000400020000000000
  08000200000000000c0002000000000010000200000000001400020000000000180002006500
  0000ed03000004020000010000001c0002002000000000000000000000000000000000000000
  1400160020000200160018002400020028000200000000000000000000210000000000000000
  00000000000000000000000000000000000000000000010000002c0002000000000000000000
  000000000b000000000000000b00000057003200300030003300460049004e0041004c002400
  0000000000000000000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000100000004020000070000000b00
  0000000000000a00000057003200300030003300460049004e0041004c000c00000000000000
  0b000000570049004e0032004b0033005400480049004e004b00000004000000010400000000
  000515000000112fafb590041bec503becdc0100000030000200070000000100000001010000
  000000050900000000000000806628ea3780c501160077003200300030003300660069006e00
  61006c00240076ffffff37d5b0f724f0d6d4ec09865aa0e8c3a90000000076ffffffb4d8b8fe
  83b3133ffc5c41ade26483e000000000
`);

interface Seed {
  name: string;
  bytes: Uint8Array;
  key: KerberosKey;
  cname: { nameType: number; nameString: string[] };
  authtime: Date;
  crealm?: string;
}

const SEEDS: Seed[] = [
  {
    name: "w2022",
    bytes: W2022_PAC,
    key: {
      etype: 18,
      bytes: fromHex(
        "114a84e3148faab1fa7b5351b28ac2f1fd196d61e0f3f23e1fdbd3c1797dc1ee",
      ),
    },
    cname: { nameType: 1, nameString: ["administrator"] },
    authtime: new Date("2022-11-23T16:01:59Z"),
    crealm: "W2022-L7.BASE",
  },
  {
    name: "gokrb5",
    bytes: GOKRB5_PAC,
    key: {
      etype: 18,
      bytes: fromHex(
        "43763702868978d1b6d91a36704b987e27e517250055bdfc40b8a6b3848d9aae",
      ),
    },
    cname: { nameType: 1, nameString: ["testuser1"] },
    authtime: new Date("2017-05-06T15:53:11Z"),
  },
  {
    name: "samba",
    bytes: SAVED_PAC,
    key: { etype: 23, bytes: fromHex("d217faeae5e6b5f95ccc94077ab8a5fc") },
    cname: { nameType: 1, nameString: ["w2003final$"] },
    authtime: new Date(1120440609 * 1000),
  },
];

/** AuthorizationData DER: `[AD-IF-RELEVANT { AD-WIN2K-PAC pac }]`'s ad-data. */
function ifRelevant(pac: Uint8Array): Uint8Array {
  return encodeSequence([
    encodeSequence([
      encodeContext(0, encodeInt32(128)),
      encodeContext(1, encodeOctetString(pac)),
    ]),
  ]);
}

function parsed(b: Uint8Array): ParsedPac {
  const p = parsePac(b);
  if ("error" in p) throw new Error(p.error);
  return p;
}

const EDGES = [
  0,
  1,
  2,
  3,
  4,
  7,
  8,
  15,
  16,
  0x7f,
  0x80,
  0xff,
  0x100,
  0xfffe,
  0xffff,
  0x10000,
  0x10001,
  0x20000,
  0x20004,
  0x7fffffff,
  0x80000000,
  0xfffffffe,
  0xffffffff,
];

/** Mutations of `b`: one to three edits. */
function mutate(b: Uint8Array, r: (n: number) => number): Uint8Array {
  let out = b.slice();
  const edge = () => {
    const k = r(EDGES.length + 4);
    if (k < EDGES.length) return EDGES[k];
    if (k === EDGES.length) return out.length;
    if (k === EDGES.length + 1) return out.length + 8;
    return r(out.length + 16);
  };
  const put32 = (at: number, v: number) => {
    if (at + 4 <= out.length) {
      new DataView(out.buffer).setUint32(at, v >>> 0, true);
    }
  };
  for (let edits = 1 + r(3); edits > 0 && out.length > 0; edits--) {
    switch (r(9)) {
      case 0: // truncate
        out = out.slice(0, r(out.length));
        break;
      case 1: // flip bits
        for (let n = 1 + r(4); n > 0; n--) out[r(out.length)] ^= 1 << r(8);
        break;
      case 2: // a 32-bit field (counts, offsets, referent IDs)
        put32(r(out.length >> 2) * 4, edge());
        break;
      case 3: { // a 16-bit field (string lengths and offsets)
        const at = r(out.length >> 1) * 2;
        if (at + 2 <= out.length) {
          new DataView(out.buffer).setUint16(at, edge() & 0xffff, true);
        }
        break;
      }
      case 4: { // the PACTYPE header: cBuffers or one PAC_INFO_BUFFER field
        const field = r(4 * 4 + 2);
        put32(field < 2 ? field * 4 : 8 + (field - 2) * 4, edge());
        break;
      }
      case 5: { // a type field set to another known type (duplicates, swaps)
        const types = [1, 6, 7, 10, 12, 16, 19, 2, 11];
        put32(8 + 16 * r(8), types[r(types.length)]);
        break;
      }
      case 6: { // insert bytes
        const at = r(out.length + 1);
        const junk = Uint8Array.from({ length: 1 + r(16) }, () => r(256));
        const next = new Uint8Array(out.length + junk.length);
        next.set(out.subarray(0, at));
        next.set(junk, at);
        next.set(out.subarray(at), at + junk.length);
        out = next;
        break;
      }
      case 7: { // delete a range
        const at = r(out.length);
        const n = 1 + r(Math.min(32, out.length - at));
        const next = new Uint8Array(out.length - n);
        next.set(out.subarray(0, at));
        next.set(out.subarray(at + n), at);
        out = next;
        break;
      }
      default: // a byte set to an edge value
        out[r(out.length)] = [0, 1, 0x7f, 0x80, 0xff][r(5)];
    }
  }
  return out;
}

/** True when `b` differs from `seed` only inside the KDC Signature field. */
function onlyKdcSignatureChanged(seed: Uint8Array, b: Uint8Array): boolean {
  if (seed.length !== b.length) return false;
  const kdc = parsed(seed).Buffers.find((x) => x.Type === 7)!;
  for (let i = 0; i < b.length; i++) {
    const inside = i >= kdc.Offset + 4 && i < kdc.Offset + kdc.Size;
    if (b[i] !== seed[i] && !inside) return false;
  }
  return true;
}

Deno.test(
  `pac fuzz: ${ITERATIONS} mutations of real PACs (seed ${FUZZ_SEED})`,
  () => {
    const r = rng(FUZZ_SEED);
    for (const s of SEEDS) {
      const p = parsed(s.bytes);
      assert.equal(verifyPacServerChecksum(p, s.bytes, s.key), true, s.name);
      assert.equal(
        checkPacClientInfo(p, s.cname, s.authtime, s.crealm),
        true,
        s.name,
      );
    }
    const counts = { parsed: 0, errors: 0, verified: 0, ndr: 0, ad: 0 };
    let slowest = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = SEEDS[r(SEEDS.length)];
      const target = r(10);
      let input = seed.bytes;
      const started = performance.now();
      try {
        if (target < 3) {
          // The logon information's NDR alone.
          const li = parsed(seed.bytes).Buffers.find((b) => b.Type === 1)!;
          input = mutate(
            seed.bytes.subarray(li.Offset, li.Offset + li.Size),
            r,
          );
          const v = decodeKerbValidationInfo(input);
          assert.equal(typeof v, "object");
          if ("error" in v) assert.equal(typeof v.error, "string");
          else counts.ndr++;
        } else if (target < 5) {
          // The AD-IF-RELEVANT DER around the PAC, then the PAC.
          input = mutate(ifRelevant(seed.bytes), r);
          const ad = [{ adType: 1, adData: input }];
          const found = findPac(ad);
          const info = readTicketPac(
            ad,
            seed.key,
            seed.cname,
            seed.authtime,
            seed.crealm,
          );
          if (found === null) assert.equal(info, null);
          else if ("error" in found) assert.ok(info && "error" in info);
          else {
            counts.ad++;
            if (info && !("error" in info) && info.ServerChecksumVerified) {
              assert.ok(onlyKdcSignatureChanged(seed.bytes, found));
            }
          }
        } else {
          // The PAC itself.
          input = mutate(seed.bytes, r);
          const p = parsePac(input);
          if ("error" in p) {
            assert.equal(typeof p.error, "string");
            counts.errors++;
          } else {
            counts.parsed++;
            for (const b of p.Buffers) {
              assert.ok(
                b.Offset % 8 === 0 && b.Offset + b.Size <= input.length,
              );
            }
            const ok = verifyPacServerChecksum(p, input, seed.key);
            const client = checkPacClientInfo(
              p,
              seed.cname,
              seed.authtime,
              seed.crealm,
            );
            assert.equal(typeof client, "boolean");
            const info = pacLogonInfo(p, ok, client);
            assert.equal(info.Buffers.length, p.Buffers.length);
            if (ok) {
              counts.verified++;
              assert.ok(onlyKdcSignatureChanged(seed.bytes, input));
            }
          }
        }
      } catch (e) {
        throw new Error(
          `iteration ${i} (seed ${FUZZ_SEED}, ${seed.name}, target ${target}): ${e}\n${
            toHex(input)
          }`,
        );
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    console.log(
      `pac fuzz: ${JSON.stringify(counts)}, slowest ${slowest.toFixed(1)} ms`,
    );
    assert.ok(slowest < 2000, `an input took ${slowest} ms`);
    assert.ok(counts.errors > 0 && counts.parsed > 0);
  },
);
