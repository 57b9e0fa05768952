// The Windows PAC reader (MS-PAC) against real PACs and against PACs built here.
//
// Test vectors (hex data only; no code was copied):
// - MS_AD: the annotated example of MS-PAC section 3 ("Structure Examples"), the
//   AD-IF-RELEVANT content around an AD-WIN2K-PAC, as gokrb5 keeps it in
//   v8/test/testdata/test_vectors.go (MarshaledPAC_AuthorizationData_MS). Its
//   signing keys are not published, so it is parsed only.
// - GOKRB5_AD, GOKRB5_KEYTAB, GOKRB5_TRUST_KVI: gokrb5's test_vectors.go
//   (MarshaledPAC_AuthorizationData_GOKRB5, KEYTAB_SYSHTTP_TEST_GOKRB5 and
//   MarshaledPAC_Kerb_Validation_Info_Trust): an AD PAC signed (hmac-sha1-96-aes256)
//   for sysHTTP@TEST.GOKRB5, whose keytab is given, and a logon info with resource
//   groups; the expected field values are the ones gokrb5's tests assert.
// - SAVED_PAC, S4U_PAC_REGULAR, S4U_PAC_XREALM, W2022_TICKET and their keys: MIT
//   krb5 src/lib/krb5/krb/t_pac.c: a PAC from Samba's torture suite (rc4-hmac
//   signatures), S4U2Self PACs from a Windows 2008 KDC (aes256 server signature),
//   and a service ticket from a Windows Server 2022 KDC whose PAC carries the ticket
//   (16) and full PAC (19) signatures.
import assert from "node:assert/strict";
import { parseKeytab } from "../../src/packages/kerberos/keytab.ts";
import {
  checksum,
  decrypt,
  type KerberosKey,
} from "../../src/packages/kerberos/crypto.ts";
import {
  decodeEncTicketPart,
  decodeTicket,
} from "../../src/packages/kerberos/messages.ts";
import { authorizationData } from "../../src/packages/kerberos/messages_read.ts";
import { scanSequence } from "../../src/packages/kerberos/asn1.ts";
import {
  checkPacClientInfo,
  filetimeToDate,
  findPac,
  KERB_NON_KERB_CKSUM_SALT,
  type KerbValidationInfo,
  PAC_CLIENT_INFO,
  PAC_LOGON_INFO,
  PAC_PRIVSVR_CHECKSUM,
  PAC_SERVER_CHECKSUM,
  PAC_UPN_DNS_INFO,
  pacLogonInfo,
  type ParsedPac,
  parsePac,
  readTicketPac,
  verifyPacServerChecksum,
} from "../../src/packages/kerberos/pac.ts";
import { decodeKerbValidationInfo } from "../../src/packages/kerberos/pac_ndr.ts";
import {
  encodeContext,
  encodeOctetString,
  encodeSequence,
} from "../../src/der/mod.ts";
import { encodeInt32 } from "../../src/packages/kerberos/asn1.ts";
import { fromHex } from "../../src/util/bytes.ts";

const MS_AD = fromHex(`
  308205523082054ea00402020080a182054404820540040000000000000001000000b0040000
  48000000000000000a00000012000000f8040000000000000600000014000000100500000000
  00000700000014000000280500000000000001100800cccccccca00400000000000000000200
  d186660f656ac601ffffffffffffff7fffffffffffffff7f17d439fe784ac6011794a328424b
  c601175424977a81c60108000800040002002400240008000200120012000c00020000000000
  10000200000000001400020000000000180002005410000097792c00010200001a0000001c00
  0200200000000000000000000000000000000000000016001800200002000a000c0024000200
  2800020000000000000000001000000000000000000000000000000000000000000000000000
  0000000000000d0000002c000200000000000000000000000000040000000000000004000000
  6c007a00680075001200000000000000120000004c0069007100690061006e00670028004c00
  6100720072007900290020005a00680075000900000000000000090000006e00740064007300
  32002e0062006100740000000000000000000000000000000000000000000000000000000000
  000000000000000000001a00000061c433000700000009c32d00070000005eb4320007000000
  010200000700000097b92c00070000002bf1320007000000ce30330007000000a72e2e000700
  00002af132000700000098b92c000700000062c4330007000000940133000700000076c43300
  07000000aefe2d000700000032d22c00070000001608320007000000425b2e00070000005fb4
  320007000000ca9c35000700000085442d0007000000c2f0320007000000e9ea310007000000
  ed8e2e0007000000b6eb310007000000ab2e2e0007000000720e2e00070000000c0000000000
  00000b0000004e0054004400450056002d00440043002d003000350000000600000000000000
  050000004e0054004400450056000000040000000104000000000005150000005951b8176672
  5d2564633b0b0d0000003000020007000000340002000700002038000200070000203c000200
  070000204000020007000020440002000700002048000200070000204c000200070000205000
  020007000020540002000700002058000200070000205c000200070000206000020007000020
  05000000010500000000000515000000b9301b2eb7414c6c8c3b351501020000050000000105
  000000000005150000005951b81766725d2564633b0b74542f00050000000105000000000005
  150000005951b81766725d2564633b0be8383200050000000105000000000005150000005951
  b81766725d2564633b0bcd383200050000000105000000000005150000005951b81766725d25
  64633b0b5db43200050000000105000000000005150000005951b81766725d2564633b0b4116
  3500050000000105000000000005150000005951b81766725d2564633b0be8ea310005000000
  0105000000000005150000005951b81766725d2564633b0bc119320005000000010500000000
  0005150000005951b81766725d2564633b0b29f1320005000000010500000000000515000000
  5951b81766725d2564633b0b0f5f2e00050000000105000000000005150000005951b8176672
  5d2564633b0b2f5b2e00050000000105000000000005150000005951b81766725d2564633b0b
  ef8f3100050000000105000000000005150000005951b81766725d2564633b0b075f2e000000
  00000049d90e656ac60108006c007a006800750000000000000076ffffff41edce9a34815d3a
  ef7bc98874805d250000000076fffffff7a534dab2c02986efe0fbe5110a4f3200000000
`);
const GOKRB5_AD = fromHex(`
  3082034730820343a003020101a182033a04820336308203323082032ea00402020080a18203
  24048203200500000000000000010000002802000058000000000000000a0000001c00000080
  020000000000000c00000058000000a0020000000000000600000010000000f8020000000000
  000700000014000000080300000000000001100800cccccccc18020000000000000000020005
  8e4fdd80c6d201ffffffffffffff7fffffffffffffff7fcc27969c39c6d201cce7ffc602c7d2
  01ffffffffffffff7f12001200040002001600160008000200000000000c0002000000000010
  00020000000000140002000000000018000200d80000005104000001020000050000001c0002
  00200000000000000000000000000000000000000008000a002000020008000a002400020028
  0002000000000000000000100200000000000000000000000000000000000000000000000000
  0000000000020000002c00020000000000000000000000000009000000000000000900000074
  006500730074007500730065007200310000000b000000000000000b00000054006500730074
  0031002000550073006500720031000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000000000000000000500000001020000070000
  00540400000700000055040000070000005b040000070000005c040000070000000500000000
  0000000400000041004400440043000500000000000000040000005400450053005400040000
  000104000000000005150000004c86cebca07160e63fdce88702000000300002000700002034
  00020007000020050000000105000000000005150000004c86cebca07160e63fdce8875a0400
  00050000000105000000000005150000004c86cebca07160e63fdce887570400000000000080
  8dd1dc80c6d2011200740065007300740075007300650072003100000000002a001000160040
  000000000000000000740065007300740075007300650072003100400074006500730074002e
  0067006f006b0072006200350000000000000054004500530054002e0047004f004b00520042
  0035000000100000001e251d98d552be7df384f55076ffffff340be28b48765d0519ee9346cf
  53d82200000000
`);
const GOKRB5_KEYTAB = fromHex(`
  0502000000450001000b544553542e474f4b52423500077379734854545000000001590dc5af
  020012002043763702868978d1b6d91a36704b987e27e517250055bdfc40b8a6b3848d9aae
`);
const GOKRB5_TRUST_KVI = fromHex(`
  01100800cccccccc000200000000000000000200c30bcc79e444d301ffffffffffffff7fffff
  ffffffffff7fc764125a0842d301c7247c84d142d301ffffffffffffff7f1200120004000200
  1600160008000200000000000c00020000000000100002000000000014000200000000001800
  02002e0000005204000001020000030000001c00020020020000000000000000000000000000
  00000000060008002000020008000a0024000200280002000000000000000000100200000000
  0000000000000000000000000000000000000000000000000000010000002c00020034000200
  0200000038000200090000000000000009000000740065007300740075007300650072003100
  00000b000000000000000b000000540065007300740031002000550073006500720031000000
  0000000000000000000000000000000000000000000000000000000000000000000000000000
  0000000000000000000003000000560400000700000001020000070000005504000007000000
  0400000000000000030000005500440043000000050000000000000004000000550053004500
  5200040000000104000000000005150000002057308834e7d1d0a2fb04440100000030000200
  07000000010000000101000000000012010000000400000001040000000000051500000062dc
  8db6c8705249b5459e75020000005304000007000020540400000700002000000000
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
const S4U_PAC_REGULAR = fromHex(`
  050000000000000001000000a001000058000000000000000a00000014000000f80100000000
  00000c0000003800000010020000000000000600000010000000480200000000000007000000
  14000000580200000000000001100800cccccccc900100000000000000000200000000000000
  0000ffffffffffffff7fffffffffffffff7fc936fd575b59d401c936fd575b59d401ffffffff
  ffffff7f0a000a00040002000a000a0008000200000000000c00020000000000100002000000
  0000140002000000000018000200000000007604000001020000010000001c00020020000000
  00000000000000000000000000000000060008002000020008000a0024000200280002000000
  0000000000001002000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000050000000000000005000000770032006b00
  380075000000050000000000000005000000770032006b003800750000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000000000000000
  0000010000000102000007000000040000000000000003000000570044004300000005000000
  0000000004000000410043004d0045000400000001040000000000051500000074a08d003fa5
  c2e96091e122000000000089a125d059d4010a00770032006b00380075000000000012001000
  100028000000000000000000770032006b003800750040006100620063000000000000004100
  43004d0045002e0043004f004d0010000000881d40847a017c8074e36a6b76ffffff1a1d97d2
  39f4b8b253ae77db6c02d43d00000000
`);
const S4U_PAC_XREALM = fromHex(`
  050000000000000001000000a001000058000000000000000a00000026000000f80100000000
  00000c0000003800000020020000000000000600000010000000580200000000000007000000
  14000000680200000000000001100800cccccccc900100000000000000000200000000000000
  0000ffffffffffffff7fffffffffffffff7fc936fd575b59d401c936fd575b59d401ffffffff
  ffffff7f0a000a00040002000a000a0008000200000000000c00020000000000100002000000
  0000140002000000000018000200000000007604000001020000010000001c00020020000000
  00000000000000000000000000000000060008002000020008000a0024000200280002000000
  0000000000001002000000000000000000000000000000000000000000000000000000000000
  0000000000000000000000000000000000000000050000000000000005000000770032006b00
  380075000000050000000000000005000000770032006b003800750000000000000000000000
  0000000000000000000000000000000000000000000000000000000000000000000000000000
  0000010000000102000007000000040000000000000003000000570044004300000005000000
  0000000004000000410043004d0045000400000001040000000000051500000074a08d003fa5
  c2e96091e1220000000080a8601b2b5ad4011c00770032006b00380075004000410043004d00
  45002e0043004f004d00000012001000100028000000000000000000770032006b0038007500
  4000610062006300000000000000410043004d0045002e0043004f004d001000000011273aa5
  418487dfc6d7292676ffffffba7c7a84d22b9c58ed2fdf230915056b00000000
`);
const W2022_TICKET = fromHex(`
  6182051730820513a003020105a10f1b0d57323032322d4c372e42415345a22a3028a0030201
  01a121301f1b04636966731b1777323032322d3131382e77323032322d6c372e62617365a382
  04cd308204c9a003020112a103020105a28204bb048204b7445c7b5a3f2ea35034deb069232d
  47892cc0a3f9dd70aaa51efe74e519a24f656c9e00b460007c0c29433199770273edb940f5d2
  d1c9200fe338f9cc5e2abd1f91661ad82a803c2c003c1ec92a29191996185403978f1d5fdbe9
  6668cdb1d50035694945f16a787b377187141c984d69cb1bd8f5a3d8534a757662ba6c3fea8b
  9721ca8a464b38da099f5ac838ff34975ba2e5bac98717d808057a8304d6028e9b18b6401af7
  4725243e371ef6c13a1fcab3435aae948331affbeeed4671efe2373715fe1b0b9ef83e0c4396
  b60a0478f85eaa331fe2075a8dc44e326dd6a0c5ea3d1259d441404ea1d8beed17cb68cc59cb
  53b20e588aa9337f6f2b37890844bac76717bb91f7c30f00f8aaa133a60847cafae849274546
  f1c1c35fe2450a7d64528c2ee1deffb264ec699815df9eb1ebd69d08064e73c10b7121059ebc
  a217cfb370f4efb869a99427fd5e72b12dd2201b5780ab3897cf22684fb8b7175325670bedd1
  58200d45f909fae7613edbc2597b3a3b598151aaa481f4963be16f6ff48e689eba1e0ff24468
  11fc2b5fbef2ea0780b9ca9e41bd2f81f5112a12f34fd612160f2190f1d31ef1a49446ea30f3
  8406c1a451fc4335bdef4d891da544b269c40fbf8601084477d5b4b75c3fa7d42f39738588ee
  b1641d806cee6e3190920da1b7c45cccee91c8cb112d4a1a7d438feb6009ed1b0758bebcbd29
  f3b3a34fc58a3033b9a99f43082715c49c5d8ebd5c05c6059c8760081ee252b8458d28b62c15
  46749f0eaa6b703a2a554526b2584d35a6f196be60b2717bf854b990218eb90f35985e88eb1a
  53b4597faf691c6167f4f6bdac24cdb7a967e8a183855f11741ff74c7836ef507488584b1a9f
  849a9a0592ec1dd5f3c4955128e23f3287b2fd212766e46b852fdc7bc022eb7a94205a7bd37a
  b95bf81a5a844ea1734153d260f77cee68598580fc3d704b0432e7f2fdbdb3d921e23756a216
  ccde8ad3bc71ef58190e458a5b53d677306aa7f868064e07cace30d735ab1ac718d4c62f1aff
  e97a940b765e7e290ce6d33b5b4496a8f1292395d979b339fc76ede11e674ef7e87b7a129ed8
  4b35090af2c1635beefd2ac2a666303c1f95af652295141df5d5dc3879351ccd2447e0fd08c8
  f415559fd9c7ac3f67b34feb267c8ed674b30acde7fabe7ea33eec6150775256cf905d48fbd4
  2c6c618bdd2bf5921f30bf3f800d31dbb20b7d84e3a6427f00384402c5b8d958299d685c328b
  76aeed15f97cae7bb68ed65424fffa8705ef15085e4b21a22f49e70fc3d0b94922efd5cab211
  f217b677246876b207f80a73dd659c7564f7a1c6230884723e542eeb9b40a68387ebb500404f
  e1722a593a0660297e252fd880408c59cacf8e44e42d847ecbfd1e3bd5ff9ab966936d5ec8b7
  1326d6381b2be1879605d5f3ab68f712622c58c1c9853c72f126eec0095f1d4bac0141c812f8
  f3934341ffec0b80e2ee208525cd6c308c0d242eba19ea287fcfd5105ce9b29d5f16e4c0f3cc
  d9684a0508701726c85c4abf946a0ed5da67474baf44e394aa05dba24974fa5c69ab44b7f7ba
  ae7a2387eb547e80f15b60a593e5d42484f70a1610bee94dd86b15405d74da1bff2e4d179d35
  f70dcf66380d8ae4dd6be10f1fbdfd4f30373f96b49254d39a7ad15b5ba95416e624abd42339
  7dd2c709fad486554d60c287676be6
`);

// ---- helpers: an NDR/PAC writer (tests only) --------------------------------

/** A little-endian byte writer with NDR alignment. */
class Writer {
  #b: number[] = [];
  get length(): number {
    return this.#b.length;
  }
  align(n: number): void {
    while (this.#b.length % n) this.#b.push(0);
  }
  u8(v: number): void {
    this.#b.push(v & 0xff);
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  u32(v: number): void {
    for (let i = 0; i < 4; i++) this.u8(v >>> (8 * i));
  }
  u64(v: bigint): void {
    this.u32(Number(v & 0xffffffffn));
    this.u32(Number(v >> 32n));
  }
  bytes(b: Uint8Array): void {
    for (const x of b) this.u8(x);
  }
  utf16(s: string): void {
    for (let i = 0; i < s.length; i++) this.u16(s.charCodeAt(i));
  }
  sid(s: string, conformant: boolean): void {
    const [, , auth, ...subs] = s.split("-");
    if (conformant) {
      this.align(4);
      this.u32(subs.length);
    }
    this.u8(1);
    this.u8(subs.length);
    const a = auth.startsWith("0x")
      ? parseInt(auth.slice(2), 16)
      : Number(auth);
    for (let i = 5; i >= 0; i--) this.u8(Math.floor(a / 256 ** i) % 256);
    for (const x of subs) this.u32(Number(x));
  }
  out(): Uint8Array {
    return Uint8Array.from(this.#b);
  }
}

const STRINGS = [
  "EffectiveName",
  "FullName",
  "LogonScript",
  "ProfilePath",
  "HomeDirectory",
  "HomeDirectoryDrive",
] as const;

/**
 * KERB_VALIDATION_INFO as MS-RPCE type serialization v1: headers, the top-level
 * pointer, the fixed part, then the deferred referents in pointer order.
 */
function encodeKvi(v: KerbValidationInfo, sessionKey: Uint8Array): Uint8Array {
  const w = new Writer();
  let ref = 0x20000;
  const ptr = (present: boolean) => {
    w.u32(present ? ref : 0);
    if (present) ref += 4;
  };
  const header = (s: string) => {
    w.u16(s.length * 2);
    w.u16(s.length * 2 + 2); // MaximumLength above Length, as Windows often has
    ptr(true);
  };
  const deferred = (s: string) => {
    w.align(4);
    w.u32(s.length + 1);
    w.u32(0);
    w.u32(s.length);
    w.utf16(s);
  };
  const groups = (g: { RelativeId: number; Attributes: number }[]) => {
    if (g.length === 0) return;
    w.align(4);
    w.u32(g.length);
    for (const x of g) {
      w.u32(x.RelativeId);
      w.u32(x.Attributes);
    }
  };
  ptr(true);
  for (
    const t of [
      v.LogonTime,
      v.LogoffTime,
      v.KickOffTime,
      v.PasswordLastSet,
      v.PasswordCanChange,
      v.PasswordMustChange,
    ]
  ) w.u64(t);
  for (const n of STRINGS) header(v[n]);
  w.u16(v.LogonCount);
  w.u16(v.BadPasswordCount);
  w.u32(v.UserId);
  w.u32(v.PrimaryGroupId);
  w.u32(v.GroupIds.length);
  ptr(v.GroupIds.length > 0);
  w.u32(v.UserFlags);
  w.bytes(sessionKey);
  header(v.LogonServer);
  header(v.LogonDomainName);
  ptr(v.LogonDomainId !== null);
  w.u64(0n); // Reserved1
  w.u32(v.UserAccountControl);
  w.u32(v.SubAuthStatus);
  w.u64(v.LastSuccessfulILogon);
  w.u64(v.LastFailedILogon);
  w.u32(v.FailedILogonCount);
  w.u32(0); // Reserved3
  w.u32(v.ExtraSids.length);
  ptr(v.ExtraSids.length > 0);
  ptr(v.ResourceGroupDomainSid !== null);
  w.u32(v.ResourceGroupIds.length);
  ptr(v.ResourceGroupIds.length > 0);
  for (const n of STRINGS) deferred(v[n]);
  groups(v.GroupIds);
  deferred(v.LogonServer);
  deferred(v.LogonDomainName);
  if (v.LogonDomainId !== null) w.sid(v.LogonDomainId, true);
  if (v.ExtraSids.length > 0) {
    w.align(4);
    w.u32(v.ExtraSids.length);
    for (const s of v.ExtraSids) {
      ptr(true);
      w.u32(s.Attributes);
    }
    for (const s of v.ExtraSids) w.sid(s.Sid, true);
  }
  if (v.ResourceGroupDomainSid !== null) w.sid(v.ResourceGroupDomainSid, true);
  groups(v.ResourceGroupIds);
  w.align(8);
  const body = w.out();
  const h = new Writer();
  h.u8(1);
  h.u8(0x10);
  h.u16(8);
  h.u32(0xcccccccc);
  h.u32(body.length);
  h.u32(0);
  h.bytes(body);
  return h.out();
}

function clientInfoBuffer(clientId: bigint, name: string): Uint8Array {
  const w = new Writer();
  w.u64(clientId);
  w.u16(name.length * 2);
  w.utf16(name);
  return w.out();
}

function upnDnsBuffer(
  upn: string,
  dns: string,
  extended?: { sam: string; sid: string },
): Uint8Array {
  const strings = new Writer(); // placed after a 24-byte header
  const at = () => 24 + strings.length;
  const put = (s: string) => {
    strings.align(8);
    const o = at();
    strings.utf16(s);
    return o;
  };
  const upnAt = put(upn);
  const dnsAt = put(dns);
  let samAt = 0, sidAt = 0, sidLength = 0;
  if (extended) {
    samAt = put(extended.sam);
    strings.align(8);
    sidAt = at();
    strings.sid(extended.sid, false);
    sidLength = at() - sidAt;
  }
  const w = new Writer();
  w.u16(upn.length * 2);
  w.u16(upnAt);
  w.u16(dns.length * 2);
  w.u16(dnsAt);
  w.u32(extended ? 3 : 0);
  if (extended) {
    w.u16(extended.sam.length * 2);
    w.u16(samAt);
    w.u16(sidLength);
    w.u16(sidAt);
  }
  w.align(8);
  w.align(24);
  w.bytes(strings.out());
  return w.out();
}

function signatureBuffer(
  type: number,
  size: number,
  rodc?: number,
): Uint8Array {
  const w = new Writer();
  w.u32(type);
  w.bytes(new Uint8Array(size));
  if (rodc !== undefined) w.u16(rodc);
  return w.out();
}

/** PACTYPE: the header, then each buffer at the next multiple of 8. */
function buildPac(buffers: { type: number; data: Uint8Array }[]): Uint8Array {
  let offset = 8 + 16 * buffers.length;
  const offsets = buffers.map((b) => {
    offset = Math.ceil(offset / 8) * 8;
    const o = offset;
    offset += b.data.length;
    return o;
  });
  const out = new Uint8Array(Math.ceil(offset / 8) * 8);
  const v = new DataView(out.buffer);
  v.setUint32(0, buffers.length, true);
  buffers.forEach((b, i) => {
    v.setUint32(8 + 16 * i, b.type, true);
    v.setUint32(12 + 16 * i, b.data.length, true);
    v.setUint32(16 + 16 * i, offsets[i], true);
    out.set(b.data, offsets[i]);
  });
  return out;
}

/**
 * Fills the server signature and then the KDC one. The server signature covers the
 * PAC with everything after SignatureType in both signature buffers zeroed (an
 * RODCIdentifier included, as MIT, Heimdal and Samba's tests do).
 */
function signPac(
  pac: Uint8Array,
  serverKey: KerberosKey,
  kdcKey: KerberosKey,
): Uint8Array {
  const p = parsed(pac);
  const buffer = (t: number) => p.Buffers.find((b) => b.Type === t)!;
  const at = (t: number) => buffer(t).Offset + 4;
  const zeroed = pac.slice();
  for (const t of [PAC_SERVER_CHECKSUM, PAC_PRIVSVR_CHECKSUM]) {
    zeroed.fill(0, at(t), buffer(t).Offset + buffer(t).Size);
  }
  const out = pac.slice();
  const server = checksum(serverKey, KERB_NON_KERB_CKSUM_SALT, zeroed);
  out.set(server, at(PAC_SERVER_CHECKSUM));
  out.set(
    checksum(kdcKey, KERB_NON_KERB_CKSUM_SALT, server),
    at(PAC_PRIVSVR_CHECKSUM),
  );
  return out;
}

function parsed(bytes: Uint8Array): ParsedPac {
  const p = parsePac(bytes);
  if ("error" in p) throw new Error(`unexpected: ${p.error}`);
  return p;
}

/** The first index of `pattern` in `b`, or -1. */
function indexOf(b: Uint8Array, pattern: number[]): number {
  outer: for (let i = 0; i + pattern.length <= b.length; i++) {
    for (let j = 0; j < pattern.length; j++) {
      if (b[i + j] !== pattern[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** AuthorizationData DER (tests only). */
function adDer(list: { adType: number; adData: Uint8Array }[]): Uint8Array {
  return encodeSequence(list.map((e) =>
    encodeSequence([
      encodeContext(0, encodeInt32(e.adType)),
      encodeContext(1, encodeOctetString(e.adData)),
    ])
  ));
}

/** `[AD-IF-RELEVANT { AD-WIN2K-PAC pac }]`, as a ticket carries it. */
function ticketAuthData(pac: Uint8Array) {
  return [{ adType: 1, adData: adDer([{ adType: 128, adData: pac }]) }];
}

const key = (etype: number, n: number, seed: number): KerberosKey => ({
  etype,
  bytes: Uint8Array.from({ length: n }, (_, i) => (seed + 7 * i) & 0xff),
});
const AES256 = key(18, 32, 1);
const AES128 = key(17, 16, 2);
const RC4 = key(23, 16, 3);
const KRBTGT = key(18, 32, 4);
const SESSION_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

const FULL: KerbValidationInfo = {
  LogonTime: 133136929195316850n,
  LogoffTime: 0x7fffffffffffffffn,
  KickOffTime: 0x7ffffffffffffffen,
  PasswordLastSet: 132893055467651518n,
  PasswordCanChange: 132893919467651518n,
  PasswordMustChange: 0x7fffffffffffffffn,
  EffectiveName: "zoë",
  FullName: "Zoë Ünïcode 名前",
  LogonScript: "logon.cmd",
  ProfilePath: "\\\\srv\\profiles\\zoe",
  HomeDirectory: "\\\\srv\\home\\zoe",
  HomeDirectoryDrive: "H:",
  LogonCount: 65535,
  BadPasswordCount: 3,
  UserId: 1234,
  PrimaryGroupId: 513,
  GroupIds: [
    { RelativeId: 513, Attributes: 7 },
    { RelativeId: 512, Attributes: 7 },
    { RelativeId: 4294967295, Attributes: 0x20000007 },
  ],
  UserFlags: 0x220,
  LogonServer: "DC1",
  LogonDomainName: "EXAMPLE",
  LogonDomainId: "S-1-5-21-1-2-4294967295",
  UserAccountControl: 0x210,
  SubAuthStatus: 0xc0000071,
  LastSuccessfulILogon: 1n,
  LastFailedILogon: 2n,
  FailedILogonCount: 7,
  ExtraSids: [
    { Sid: "S-1-18-1", Attributes: 7 },
    { Sid: "S-1-5-21-9-8-7-1105", Attributes: 0x20000007 },
    { Sid: "S-1-0x123456789abc-1", Attributes: 4 },
  ],
  ResourceGroupDomainSid: "S-1-5-21-5-6-7",
  ResourceGroupIds: [
    { RelativeId: 572, Attributes: 0x20000007 },
    { RelativeId: 1108, Attributes: 0x20000007 },
  ],
};

const EMPTY: KerbValidationInfo = {
  ...FULL,
  EffectiveName: "",
  FullName: "",
  GroupIds: [],
  LogonDomainId: null,
  ExtraSids: [],
  ResourceGroupDomainSid: null,
  ResourceGroupIds: [],
};

const AUTHTIME = new Date("2024-03-01T12:34:56Z");
const CLIENT_ID = BigInt(AUTHTIME.getTime()) * 10000n + 116444736000000000n;

/** A PAC with every parsed buffer, signed with `serverKey`. */
function fullPac(
  serverKey: KerberosKey,
  v: KerbValidationInfo = FULL,
): Uint8Array {
  const size = serverKey.etype === 23 ? 16 : 12;
  const type = serverKey.etype === 23 ? -138 : serverKey.etype === 17 ? 15 : 16;
  return signPac(
    buildPac([
      { type: PAC_LOGON_INFO, data: encodeKvi(v, SESSION_KEY) },
      { type: PAC_CLIENT_INFO, data: clientInfoBuffer(CLIENT_ID, "zoë") },
      {
        type: PAC_UPN_DNS_INFO,
        data: upnDnsBuffer("zoe@example.com", "EXAMPLE.COM", {
          sam: "zoë",
          sid: "S-1-5-21-1-2-4294967295-1234",
        }),
      },
      { type: 17, data: Uint8Array.of(2, 0, 0, 0, 1, 0, 0, 0) },
      { type: PAC_SERVER_CHECKSUM, data: signatureBuffer(type, size) },
      { type: PAC_PRIVSVR_CHECKSUM, data: signatureBuffer(16, 12, 0x1234) },
    ]),
    serverKey,
    KRBTGT,
  );
}

const CNAME = { nameType: 1, nameString: ["zoë"] };

// ---- real PACs --------------------------------------------------------------

Deno.test("pac: the MS-PAC section 3 example parses to its documented values", () => {
  const bytes = findPac([{ adType: 1, adData: MS_AD }]);
  assert.ok(bytes instanceof Uint8Array);
  const p = parsed(bytes);
  assert.deepEqual(p.Buffers.map((b) => b.Type), [1, 10, 6, 7]);
  const li = p.LogonInfo!;
  assert.equal(li.EffectiveName, "lzhu");
  assert.equal(li.FullName, "Liqiang(Larry) Zhu");
  assert.equal(li.LogonScript, "ntds2.bat");
  assert.equal(li.ProfilePath, "");
  assert.equal(li.LogonCount, 4180);
  assert.equal(li.UserId, 2914711);
  assert.equal(li.GroupIds.length, 26);
  assert.deepEqual(li.GroupIds[0], { RelativeId: 3392609, Attributes: 7 });
  assert.equal(li.LogonServer, "NTDEV-DC-05");
  assert.equal(li.LogonDomainName, "NTDEV");
  assert.equal(li.LogonDomainId, "S-1-5-21-397955417-626881126-188441444");
  assert.equal(li.UserAccountControl, 16);
  assert.equal(li.ExtraSids.length, 13);
  assert.deepEqual(li.ExtraSids[0], {
    Sid: "S-1-5-21-773533881-1816936887-355810188-513",
    Attributes: 7,
  });
  assert.deepEqual(li.ExtraSids[11], {
    Sid: "S-1-5-21-397955417-626881126-188441444-3248111",
    Attributes: 536870919,
  });
  assert.equal(li.ResourceGroupDomainSid, null);
  assert.equal(p.ServerSignature!.SignatureType, -138);
  assert.equal(p.ServerSignature!.Signature.length, 16);
  assert.equal(p.KdcSignature!.SignatureType, -138);
  const info = pacLogonInfo(p, false, false);
  assert.equal(info.UserSid, "S-1-5-21-397955417-626881126-188441444-2914711");
  assert.equal(info.LogonTime?.toISOString(), "2006-04-28T01:42:50.925Z");
  assert.equal(info.ClientName, "lzhu");
  assert.equal(info.UserPrincipalName, null);
  // Its keys are unknown: a key of the right etype still fails, and never throws.
  assert.equal(verifyPacServerChecksum(p, bytes, RC4), false);
  assert.equal(verifyPacServerChecksum(p, bytes, AES256), false);
});

Deno.test("pac: gokrb5's AD PAC verifies with the service keytab", () => {
  const [entry] = parseKeytab(GOKRB5_KEYTAB);
  const ad = authorizationData(scanSequence(GOKRB5_AD, "ad"), 0, "ad");
  const bytes = findPac(ad) as Uint8Array;
  const p = parsed(bytes);
  assert.deepEqual(p.Buffers.map((b) => b.Type), [1, 10, 12, 6, 7]);
  assert.equal(verifyPacServerChecksum(p, bytes, entry.key), true);
  const authtime = new Date("2017-05-06T15:53:11Z");
  assert.equal(
    checkPacClientInfo(p, { nameType: 1, nameString: ["testuser1"] }, authtime),
    true,
  );
  const info = readTicketPac(
    ad,
    entry.key,
    { nameType: 1, nameString: ["TestUser1"] },
    authtime,
  );
  assert.ok(info && !("error" in info));
  assert.equal(info.ServerChecksumVerified, true);
  assert.equal(info.ClientInfoValid, true);
  assert.equal(info.UserSid, "S-1-5-21-3167651404-3865080224-2280184895-1105");
  assert.deepEqual(info.GroupSids.map((g) => g.Sid.split("-").pop()), [
    "513",
    "1108",
    "1109",
    "1115",
    "1116",
  ]);
  assert.deepEqual(info.ExtraSids, [
    {
      Sid: "S-1-5-21-3167651404-3865080224-2280184895-1114",
      Attributes: 536870919,
    },
    {
      Sid: "S-1-5-21-3167651404-3865080224-2280184895-1111",
      Attributes: 536870919,
    },
  ]);
  assert.equal(info.EffectiveName, "testuser1");
  assert.equal(info.FullName, "Test1 User1");
  assert.equal(info.LogonServer, "ADDC");
  assert.equal(info.LogonDomainName, "TEST");
  assert.equal(info.UserPrincipalName, "testuser1@test.gokrb5");
  assert.equal(info.DnsDomainName, "TEST.GOKRB5");
  assert.equal(info.LogonCount, 216);
  assert.equal(info.UserAccountControl, 528);
  assert.equal(info.LogonTime?.toISOString(), "2017-05-06T15:53:11.825Z");
  // A changed byte anywhere outside the signatures fails the server checksum.
  for (const at of [0, 20, 100, 300, 650, 700]) {
    const bad = bytes.slice();
    bad[at] ^= 1;
    const q = parsePac(bad);
    if (!("error" in q)) {
      assert.equal(verifyPacServerChecksum(q, bad, entry.key), false, `${at}`);
    }
  }
  // Other keys, wrong times and names fail.
  assert.equal(verifyPacServerChecksum(p, bytes, AES256), false);
  assert.equal(verifyPacServerChecksum(p, bytes, AES128), false);
  const later = new Date(authtime.getTime() + 1000);
  const user = { nameType: 1, nameString: ["testuser1"] };
  assert.equal(checkPacClientInfo(p, user, later), false);
  assert.equal(
    checkPacClientInfo(p, { nameType: 1, nameString: ["testuser2"] }, authtime),
    false,
  );
});

Deno.test("pac: a logon info with resource groups (gokrb5 trust vector)", () => {
  const li = decodeKerbValidationInfo(GOKRB5_TRUST_KVI);
  assert.ok(!("error" in li));
  assert.equal(li.UserFlags, 544);
  assert.equal(li.LogonServer, "UDC");
  assert.equal(li.LogonDomainId, "S-1-5-21-2284869408-3503417140-1141177250");
  assert.deepEqual(li.ExtraSids, [{ Sid: "S-1-18-1", Attributes: 7 }]);
  assert.equal(
    li.ResourceGroupDomainSid,
    "S-1-5-21-3062750306-1230139592-1973306805",
  );
  assert.deepEqual(li.ResourceGroupIds, [
    { RelativeId: 1107, Attributes: 536870919 },
    { RelativeId: 1108, Attributes: 536870919 },
  ]);
  assert.equal(
    new Date(Number(li.LogonTime / 10000n - 11644473600000n)).toISOString(),
    "2017-10-14T12:03:41.052Z",
  );
});

Deno.test("pac: Samba's saved PAC verifies with rc4-hmac (hmac-md5)", () => {
  const member = {
    etype: 23,
    bytes: fromHex("d217faeae5e6b5f95ccc94077ab8a5fc"),
  };
  const p = parsed(SAVED_PAC);
  assert.deepEqual(p.Buffers.map((b) => b.Type), [1, 10, 6, 7]);
  assert.equal(p.Buffers[0].Size, 472);
  assert.equal(verifyPacServerChecksum(p, SAVED_PAC, member), true);
  const authtime = new Date(1120440609 * 1000);
  const cname = { nameType: 1, nameString: ["W2003FINAL$"] };
  assert.equal(checkPacClientInfo(p, cname, authtime), true);
  assert.equal(checkPacClientInfo(p, cname, new Date(0)), false);
  assert.equal(p.LogonInfo!.EffectiveName, "W2003FINAL$");
  assert.equal(
    p.LogonInfo!.LogonDomainId,
    "S-1-5-21-3048156945-3961193616-3706469200",
  );
  // The KDC key of the same vector is not the server key.
  const kdc = { etype: 23, bytes: fromHex("b286757148af7fd252c53603a150b7e7") };
  assert.equal(verifyPacServerChecksum(p, SAVED_PAC, kdc), false);
});

Deno.test("pac: Windows 2008 S4U2Self PACs, aes256 server signature", () => {
  const srv = {
    etype: 18,
    bytes: fromHex(
      "14dfb5b2cdb42c8894da2fa882e9729f4a4dc74ba02a242cc6a8d71079b9ad9a",
    ),
  };
  const tgtSrv = {
    etype: 18,
    bytes: fromHex(
      "420c39c51a175404451f956b8c58e0f41bca669a644795ca6e3ad55a3b918c9f",
    ),
  };
  const regular = parsed(S4U_PAC_REGULAR);
  assert.equal(regular.ServerSignature!.SignatureType, 16);
  assert.equal(regular.KdcSignature!.SignatureType, -138);
  assert.equal(verifyPacServerChecksum(regular, S4U_PAC_REGULAR, srv), true);
  assert.equal(
    verifyPacServerChecksum(regular, S4U_PAC_REGULAR, tgtSrv),
    false,
  );
  const user = { nameType: 1, nameString: ["w2k8u"] };
  assert.equal(
    checkPacClientInfo(regular, user, new Date(1538430362000), "ACME.COM"),
    true,
  );
  assert.deepEqual(regular.UpnDnsInfo, {
    Upn: "w2k8u@abc",
    DnsDomainName: "ACME.COM",
    Flags: 0,
    SamName: null,
    Sid: null,
  });
  // The cross-realm one names the client with its realm.
  const xrealm = parsed(S4U_PAC_XREALM);
  assert.equal(verifyPacServerChecksum(xrealm, S4U_PAC_XREALM, tgtSrv), true);
  assert.equal(xrealm.ClientInfo!.Name, "w2k8u@ACME.COM");
  const t = new Date(1538469429000);
  assert.equal(checkPacClientInfo(xrealm, user, t, "acme.com"), true);
  assert.equal(checkPacClientInfo(xrealm, user, t), false);
  assert.equal(checkPacClientInfo(xrealm, user, t, "OTHER.COM"), false);
});

Deno.test("pac: a Windows Server 2022 ticket: full PAC and ticket signatures", () => {
  const server = {
    etype: 18,
    bytes: fromHex(
      "114a84e3148faab1fa7b5351b28ac2f1fd196d61e0f3f23e1fdbd3c1797dc1ee",
    ),
  };
  const ticket = decodeTicket(W2022_TICKET);
  const part = decodeEncTicketPart(decrypt(server, 2, ticket.encPart.cipher)!);
  const info = readTicketPac(
    part.authorizationData,
    server,
    part.cname,
    part.authtime,
    part.crealm,
  );
  assert.ok(info && !("error" in info));
  assert.deepEqual(info, {
    UserSid: "S-1-5-21-133451344-1126667713-3548050118-500",
    PrimaryGroupSid: "S-1-5-21-133451344-1126667713-3548050118-513",
    GroupSids: [513, 512, 520, 518, 519].map((rid) => ({
      Sid: `S-1-5-21-133451344-1126667713-3548050118-${rid}`,
      Attributes: 7,
    })),
    ExtraSids: [{ Sid: "S-1-18-1", Attributes: 7 }],
    ResourceGroupSids: [{
      Sid: "S-1-5-21-133451344-1126667713-3548050118-572",
      Attributes: 536870919,
    }],
    EffectiveName: "Administrator",
    FullName: "",
    LogonDomainName: "W2022-L7",
    LogonDomainSid: "S-1-5-21-133451344-1126667713-3548050118",
    LogonServer: "W2022-118",
    UserPrincipalName: "Administrator@w2022-l7.base",
    DnsDomainName: "W2022-L7.BASE",
    SamName: "Administrator",
    UserSidFromUpnDns: "S-1-5-21-133451344-1126667713-3548050118-500",
    UserFlags: 544,
    UserAccountControl: 528,
    LogonTime: new Date("2022-11-23T16:01:59.531Z"),
    LogonCount: 370,
    BadPasswordCount: 0,
    ClientName: "administrator",
    ServerChecksumVerified: true,
    ClientInfoValid: true,
    KdcChecksumPresent: true,
    KdcChecksumVerified: false,
    Buffers: [1, 6, 7, 10, 12, 16, 19],
  });
  // MS-PAC 2.8: the server signature covers the ticket (16) and full PAC (19)
  // signatures as they are; only the server and KDC Signature fields are zeroed.
  const bytes = findPac(part.authorizationData) as Uint8Array;
  const p = parsed(bytes);
  const zeroed = bytes.slice();
  for (const b of p.Buffers) {
    if (b.Type === 6 || b.Type === 7 || b.Type === 19) {
      zeroed.fill(0, b.Offset + 4, b.Offset + b.Size);
    }
  }
  const sig = p.ServerSignature!.Signature;
  assert.notDeepEqual(checksum(server, 17, zeroed), sig);
});

// ---- PACs built here --------------------------------------------------------

Deno.test("pac: KERB_VALIDATION_INFO round trips every field", () => {
  for (const v of [FULL, EMPTY]) {
    const bytes = encodeKvi(v, SESSION_KEY);
    assert.deepEqual(decodeKerbValidationInfo(bytes), v);
  }
  // The session key is read past, never kept.
  const li = decodeKerbValidationInfo(encodeKvi(FULL, SESSION_KEY));
  assert.ok(!("UserSessionKey" in li));
  const text = JSON.stringify(li, (_, x) => typeof x === "bigint" ? `${x}` : x);
  assert.ok(!text.includes("160,161"));
});

Deno.test("pac: built PACs verify with each checksum type; tampering fails", () => {
  for (const k of [AES256, AES128, RC4]) {
    const bytes = fullPac(k);
    const p = parsed(bytes);
    assert.equal(
      verifyPacServerChecksum(p, bytes, k),
      true,
      `etype ${k.etype}`,
    );
    assert.deepEqual(p.LogonInfo, FULL);
    assert.deepEqual(p.ClientInfo, { ClientId: CLIENT_ID, Name: "zoë" });
    assert.deepEqual(p.UpnDnsInfo, {
      Upn: "zoe@example.com",
      DnsDomainName: "EXAMPLE.COM",
      Flags: 3,
      SamName: "zoë",
      Sid: "S-1-5-21-1-2-4294967295-1234",
    });
    assert.equal(p.KdcSignature!.RODCIdentifier, 0x1234);
    assert.deepEqual(p.Other.map((o) => o.Type), [17]);
    assert.equal(checkPacClientInfo(p, CNAME, AUTHTIME), true);
    assert.equal(
      checkPacClientInfo(p, { nameType: 1, nameString: ["ZOË"] }, AUTHTIME),
      true,
    );
    // Other keys and keys of another etype fail.
    for (const other of [AES256, AES128, RC4, KRBTGT]) {
      if (other === k) continue;
      assert.equal(verifyPacServerChecksum(p, bytes, other), false);
    }
    assert.equal(
      verifyPacServerChecksum(p, bytes, { etype: 1, bytes: new Uint8Array(8) }),
      false,
    );
    const kdcSig = p.Buffers.find((b) => b.Type === 7)!;
    for (let at = 0; at < bytes.length; at += 3) {
      const bad = bytes.slice();
      bad[at] ^= 0x40;
      const q = parsePac(bad);
      if ("error" in q) continue;
      // The KDC Signature field is zeroed for the server checksum: changing it
      // does not matter (the KDC signature itself covers the server signature).
      const inKdcSig = at >= kdcSig.Offset + 4 &&
        at < kdcSig.Offset + kdcSig.Size;
      assert.equal(verifyPacServerChecksum(q, bad, k), inKdcSig, `byte ${at}`);
    }
  }
});

Deno.test("pac: readTicketPac over a built ticket's authorization data", () => {
  const bytes = fullPac(AES256);
  const info = readTicketPac(ticketAuthData(bytes), AES256, CNAME, AUTHTIME);
  assert.ok(info && !("error" in info));
  assert.equal(info.UserSid, "S-1-5-21-1-2-4294967295-1234");
  assert.equal(info.PrimaryGroupSid, "S-1-5-21-1-2-4294967295-513");
  assert.deepEqual(info.GroupSids[2], {
    Sid: "S-1-5-21-1-2-4294967295-4294967295",
    Attributes: 0x20000007,
  });
  assert.deepEqual(info.ExtraSids, FULL.ExtraSids);
  assert.deepEqual(info.ResourceGroupSids, [
    { Sid: "S-1-5-21-5-6-7-572", Attributes: 0x20000007 },
    { Sid: "S-1-5-21-5-6-7-1108", Attributes: 0x20000007 },
  ]);
  assert.equal(info.UserPrincipalName, "zoe@example.com");
  assert.equal(info.SamName, "zoë");
  assert.equal(info.UserSidFromUpnDns, "S-1-5-21-1-2-4294967295-1234");
  assert.equal(info.ServerChecksumVerified, true);
  assert.equal(info.ClientInfoValid, true);
  assert.deepEqual(info.Buffers, [1, 10, 12, 17, 6, 7]);
  for (const [k, v] of Object.entries(info)) {
    assert.ok(!/key/i.test(k), k);
    assert.ok(!(v instanceof Uint8Array), k);
  }
  // Wrong key, client or time: the PAC is read but not trusted.
  const other = readTicketPac(ticketAuthData(bytes), AES128, CNAME, new Date());
  assert.ok(other && !("error" in other));
  assert.equal(other.ServerChecksumVerified, false);
  assert.equal(other.ClientInfoValid, false);
  // No PAC: null; a PAC without logon information (as MIT KDCs issue): nulls.
  assert.equal(readTicketPac(undefined, AES256, CNAME, AUTHTIME), null);
  assert.equal(readTicketPac([], AES256, CNAME, AUTHTIME), null);
  const minimal = signPac(
    buildPac([
      { type: PAC_CLIENT_INFO, data: clientInfoBuffer(CLIENT_ID, "zoë") },
      { type: PAC_SERVER_CHECKSUM, data: signatureBuffer(16, 12) },
      { type: PAC_PRIVSVR_CHECKSUM, data: signatureBuffer(16, 12) },
    ]),
    AES256,
    KRBTGT,
  );
  const m = readTicketPac(ticketAuthData(minimal), AES256, CNAME, AUTHTIME);
  assert.ok(m && !("error" in m));
  assert.equal(m.ServerChecksumVerified, true);
  assert.equal(m.UserSid, null);
  assert.deepEqual(m.GroupSids, []);
  assert.equal(m.LogonTime, null);
});

Deno.test("pac: findPac", () => {
  const pac = fullPac(AES256);
  const ifRelevant = adDer([{ adType: 128, adData: pac }]);
  assert.deepEqual(findPac([{ adType: 1, adData: ifRelevant }]), pac);
  assert.deepEqual(findPac([{ adType: 128, adData: pac }]), pac);
  assert.equal(findPac([{ adType: 4, adData: pac }]), null);
  assert.equal(
    findPac([{ adType: 1, adData: adDer([{ adType: 141, adData: pac }]) }]),
    null,
  );
  const two = findPac([
    { adType: 1, adData: ifRelevant },
    { adType: 1, adData: ifRelevant },
  ]);
  assert.ok(two && "error" in two);
  for (const junk of [new Uint8Array(0), Uint8Array.of(0x30, 5, 1), pac]) {
    const r = findPac([{ adType: 1, adData: junk }]);
    assert.ok(r && "error" in r);
  }
});

Deno.test("pac: malformed PACs and logon info give { error }", () => {
  const good = fullPac(AES256);
  const li = parsed(good).Buffers[0];
  const u32 = (b: Uint8Array, at: number, v: number) => {
    const c = b.slice();
    new DataView(c.buffer).setUint32(at, v, true);
    return c;
  };
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["header only", good.subarray(0, 8)],
    ["truncated list", good.subarray(0, 40)],
    ["cBuffers 0", u32(good, 0, 0)],
    ["cBuffers 65", u32(good, 0, 65)],
    ["cBuffers huge", u32(good, 0, 0xffffffff)],
    ["version 1", u32(good, 4, 1)],
    ["offset unaligned", u32(good, 16, li.Offset + 4)],
    ["offset in header", u32(good, 16, 8)],
    ["offset high", u32(good, 20, 1)],
    ["size past end", u32(good, 12, good.length)],
    ["repeated type", u32(good, 24, 1)],
    ["NDR version", u32(good, li.Offset, 0x00081002)],
    ["ObjectBufferLength", u32(good, li.Offset + 8, li.Size)],
    ["null top pointer", u32(good, li.Offset + 16, 0)],
    ["truncated body", good.subarray(0, li.Offset + 200)],
  ];
  for (const [name, bytes] of cases) {
    const p = parsePac(bytes);
    assert.ok("error" in p, name);
    assert.equal(typeof p.error, "string");
  }
  const kvi = (v: KerbValidationInfo) => encodeKvi(v, SESSION_KEY);
  const set = (b: Uint8Array, at: number, v: number) => u32(b, at, v);
  const base = kvi(FULL);
  const fixed = 20; // headers and the top-level pointer
  const bad: [string, Uint8Array][] = [
    // EffectiveName Length odd, or above MaximumLength
    ["odd length", set(base, fixed + 48, 0x00080007)],
    ["length > max", set(base, fixed + 48, 0x0008000a)],
    // GroupCount no longer matches the array's conformance, or is huge
    ["group count", set(base, fixed + 108, 4)],
    ["group count huge", set(base, fixed + 108, 65537)],
    // GroupIds pointer null with a count
    ["null groups", set(base, fixed + 112, 0)],
    // SidCount mismatch, ExtraSids pointer null
    ["sid count", set(base, fixed + 196, 2)],
    ["null sids", set(base, fixed + 200, 0)],
    // ResourceGroupCount mismatch
    ["resource count", set(base, fixed + 208, 3)],
  ];
  // GroupCount and the array's conformance both huge: capped before any loop.
  const groupsAt = indexOf(base, [3, 0, 0, 0, 1, 2, 0, 0, 7, 0, 0, 0]);
  assert.ok(groupsAt > 0);
  for (const n of [65537, 65536, 0xffffffff]) {
    bad.push([`groups ${n}`, set(set(base, fixed + 108, n), groupsAt, n)]);
  }
  // ObjectBufferLength shorter than the data: reads stop at it.
  bad.push(["short ObjectBufferLength", set(base, 8, 200)]);
  bad.push(["truncated", base.subarray(0, 150)]);
  for (const [name, bytes] of bad) {
    const r = decodeKerbValidationInfo(bytes);
    assert.ok("error" in r, name);
  }
  // A SID revision other than 1, and more than 15 sub-authorities.
  const at = indexOf(base, [4, 0, 0, 0, 1, 4, 0, 0]);
  assert.ok(at > 0);
  for (const [k, v] of [[4, 2], [5, 16]]) {
    const b = base.slice();
    b[at + k] = v;
    assert.ok("error" in decodeKerbValidationInfo(b));
  }
});

Deno.test("pac: FILETIME conversion", () => {
  assert.equal(filetimeToDate(0n), null);
  assert.equal(filetimeToDate(0x7fffffffffffffffn), null);
  assert.equal(filetimeToDate(0x7ffffffffffffffen)?.getUTCFullYear(), 30828);
  assert.equal(filetimeToDate(CLIENT_ID)?.getTime(), AUTHTIME.getTime());
  assert.equal(filetimeToDate(116444736000000000n)?.getTime(), 0);
});
