/**
 * PA-PAC-OPTIONS (MS-KILE 2.2.10, MS-SFU 2.2.5), the padata an S4U2Proxy request
 * carries to ask for resource-based constrained delegation: its DER against bytes
 * worked out by hand from the ASN.1, then read back by two independent codecs,
 * OpenSSL's `asn1parse` and Impacket's pyasn1 PA-PAC-OPTIONS (whose own encoding
 * of the RBCD flag must be byte-identical).
 */
import assert from "node:assert/strict";
import {
  kerberosFlagBit,
  PA_PAC_OPTIONS,
  PAC_OPTION_BRANCH_AWARE,
  PAC_OPTION_CLAIMS,
  PAC_OPTION_FORWARD_TO_FULL_DC,
  PAC_OPTION_RESOURCE_BASED_CONSTRAINED_DELEGATION,
} from "../../src/packages/kerberos/constants.ts";
import { encodePaPacOptions } from "../../src/packages/kerberos/messages.ts";
import { paPacOptionsRbcd } from "../../src/packages/kerberos/s4u.ts";
import { peerMissing } from "../peers/availability.ts";

// PA-PAC-OPTIONS ::= SEQUENCE { [0] KerberosFlags }, KerberosFlags a BIT STRING of
// 32 bits, bit 0 the top bit of the first octet; RBCD is bit 3, so 0x10 first octet:
//   30 09            SEQUENCE, 9 octets
//     a0 07          [0], 7 octets
//       03 05 00     BIT STRING, 5 octets, 0 unused bits
//       10 00 00 00  bit 3
const RBCD_DER = "3009a00703050010000000";
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("PA-PAC-OPTIONS flags are bits 0..3 of MS-KILE/MS-SFU", () => {
  assert.equal(PAC_OPTION_CLAIMS, kerberosFlagBit(0));
  assert.equal(PAC_OPTION_BRANCH_AWARE, kerberosFlagBit(1));
  assert.equal(PAC_OPTION_FORWARD_TO_FULL_DC, kerberosFlagBit(2));
  assert.equal(
    PAC_OPTION_RESOURCE_BASED_CONSTRAINED_DELEGATION,
    kerberosFlagBit(3),
  );
  assert.equal(PA_PAC_OPTIONS, 167);
});

Deno.test("PA-PAC-OPTIONS DER: RBCD, and claims + RBCD", () => {
  assert.equal(
    hex(encodePaPacOptions(PAC_OPTION_RESOURCE_BASED_CONSTRAINED_DELEGATION)),
    RBCD_DER,
  );
  assert.equal(
    hex(encodePaPacOptions(
      PAC_OPTION_CLAIMS | PAC_OPTION_RESOURCE_BASED_CONSTRAINED_DELEGATION,
    )),
    "3009a00703050090000000",
  );
  const pa = paPacOptionsRbcd();
  assert.equal(pa.padataType, PA_PAC_OPTIONS);
  assert.equal(hex(pa.padataValue), RBCD_DER, "what S4U2Proxy sends");
});

async function run(cmd: string, args: string[], input?: Uint8Array) {
  try {
    const child = new Deno.Command(cmd, {
      args,
      stdin: input ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (input) {
      const w = child.stdin.getWriter();
      await w.write(input);
      await w.close();
    }
    const o = await child.output();
    const dec = new TextDecoder();
    return {
      ok: o.success,
      out: dec.decode(o.stdout),
      err: dec.decode(o.stderr),
    };
  } catch (e) {
    return { ok: false, out: "", err: String(e) };
  }
}

Deno.test("PA-PAC-OPTIONS read back by openssl asn1parse", async () => {
  const r = await run(
    "openssl",
    ["asn1parse", "-inform", "DER", "-i", "-dump"],
    paPacOptionsRbcd().padataValue,
  );
  if (!r.ok && /NotFound|No such file/.test(r.err)) {
    peerMissing("openssl", "apt-get install -y openssl", r.err);
    return;
  }
  assert.ok(r.ok, r.err);
  const lines = r.out.trim().split("\n");
  assert.equal(lines.length, 4, r.out);
  assert.match(lines[0], /d=0 +hl=2 l= +9 cons: SEQUENCE/);
  assert.match(lines[1], /d=1 +hl=2 l= +7 cons: +cont \[ 0 \]/);
  assert.match(lines[2], /d=2 +hl=2 l= +5 prim: +BIT STRING/);
  // The BIT STRING's content: no unused bits, then 32 bits with bit 3 alone set.
  assert.match(lines[3], /0000 - 00 10 00 00 00 /);
});

Deno.test("PA-PAC-OPTIONS matches Impacket's encoding and decodes there as RBCD", async () => {
  const py = [
    "import sys, binascii",
    "from pyasn1.codec.der import decoder, encoder",
    "from impacket.krb5.asn1 import PA_PAC_OPTIONS",
    "from impacket.krb5 import constants",
    "ours = binascii.unhexlify(sys.argv[1])",
    "d, rest = decoder.decode(ours, asn1Spec=PA_PAC_OPTIONS())",
    "assert rest == b''",
    "bits = [i for i, b in enumerate(d['flags']) if b]",
    "theirs = PA_PAC_OPTIONS()",
    "theirs['flags'] = constants.encodeFlags((constants.PAPacOptions.resource_based_constrained_delegation.value,))",
    "print(','.join(map(str, bits)), binascii.hexlify(encoder.encode(theirs)).decode())",
  ].join("\n");
  const r = await run("/usr/bin/python3", [
    "-c",
    py,
    hex(paPacOptionsRbcd().padataValue),
  ]);
  if (!r.ok && /No module named 'impacket'|NotFound|No such file/.test(r.err)) {
    peerMissing(
      "Impacket",
      "apt-get install -y python3-impacket",
      r.err.trim(),
    );
    return;
  }
  assert.ok(r.ok, r.err);
  const [bits, theirs] = r.out.trim().split(" ");
  assert.equal(
    bits,
    "3",
    "Impacket reads bit 3 (resource-based constrained delegation) alone",
  );
  assert.equal(theirs, RBCD_DER, "Impacket's own PA-PAC-OPTIONS for RBCD");
});
