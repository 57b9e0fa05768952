/**
 * Kerberos message codecs: primitives, round trips of every encodable type, decoding of
 * messages captured from MIT krb5 (`data/README.md`), and a mutation fuzz asserting the
 * decoders only ever throw `DerError`.
 */
import assert from "node:assert/strict";
import { type Der, der, derBytes, DerError } from "../../src/der/mod.ts";
import {
  encodeInt32,
  encodeKerberosFlags,
  encodeKerberosString,
  encodeKerberosTime,
  encodeOctets,
  encodeUInt32,
  fieldsSequence,
} from "../../src/packages/kerberos/asn1.ts";
import {
  AP_OPT_MUTUAL_REQUIRED,
  KDC_ERR_PREAUTH_REQUIRED,
  KDC_OPT_CANONICALIZE,
  KDC_OPT_FORWARDABLE,
  KDC_OPT_RENEWABLE_OK,
  kerberosFlagBit,
  KRB_AS_REP,
  KRB_TGS_REP,
  NT_ENTERPRISE,
  NT_PRINCIPAL,
  NT_SRV_HST,
  NT_SRV_INST,
  PA_ENC_TIMESTAMP,
  PA_ETYPE_INFO2,
  PA_FX_COOKIE,
  PA_FX_FAST,
  PA_PAC_REQUEST,
  PA_TGS_REQ,
  TKT_FLG_FORWARDABLE,
  TKT_FLG_INITIAL,
  TKT_FLG_PRE_AUTHENT,
} from "../../src/packages/kerberos/constants.ts";
import {
  type ApReq,
  type Authenticator,
  decodeApRep,
  decodeApReq,
  decodeAsRep,
  decodeAsReq,
  decodeAuthenticator,
  decodeEncApRepPart,
  decodeEncKdcRepPart,
  decodeEncryptedData,
  decodeEncTicketPart,
  decodeEtypeInfo2,
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
  decodePaEncTsEnc,
  decodePaPacRequest,
  decodeTgsRep,
  decodeTgsReq,
  decodeTicket,
  encodeApRep,
  encodeApReq,
  encodeAsReq,
  encodeAuthenticator,
  encodeEncApRepPart,
  encodeEncryptedData,
  encodeEtypeInfo2,
  encodeKdcReqBody,
  encodeKrbError,
  encodeMethodData,
  encodePaEncTsEnc,
  encodePaPacRequest,
  encodeTgsReq,
  encodeTicket,
  type KdcReq,
  type KrbError,
  parsePrincipal,
  peekMessageType,
  principalToString,
  type Ticket,
} from "../../src/packages/kerberos/messages.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";

const data = (name: string) =>
  Deno.readFileSync(new URL(`./data/${name}.der`, import.meta.url));
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) =>
  Uint8Array.from(
    s.replace(/\s/g, "").match(/../g) ?? [],
    (h) => parseInt(h, 16),
  );
const at = (iso: string) => new Date(iso);

// ---------------------------------------------------------------------------
// Primitives

Deno.test("Int32/UInt32 encode as minimal two's complement", () => {
  const cases: [number, string][] = [
    [0, "020100"],
    [127, "02017f"],
    [128, "02020080"],
    [255, "020200ff"],
    [256, "02020100"],
    [-1, "0201ff"],
    [-128, "020180"],
    [-129, "0202ff7f"],
    [0x7fffffff, "02047fffffff"],
    [-0x80000000, "020480000000"],
  ];
  for (const [v, h] of cases) assert.equal(hex(encodeInt32(v)), h, `${v}`);
  assert.equal(hex(encodeUInt32(0xffffffff)), "020500ffffffff");
  assert.equal(hex(encodeUInt32(0x80000000)), "02050080000000");
  assert.throws(() => encodeInt32(0x80000000), RangeError);
  assert.throws(() => encodeInt32(1.5), RangeError);
  assert.throws(() => encodeUInt32(-1), RangeError);
  assert.throws(() => encodeUInt32(2 ** 32), RangeError);
});

/** A PA-ENC-TS-ENC with `pausec` replaced by raw INTEGER bytes: probes the readers. */
function tsWithInteger(intDer: Uint8Array): Uint8Array {
  return derBytes(fieldsSequence([
    encodeKerberosTime(at("2024-01-02T03:04:05Z")),
    intDer,
  ]));
}

Deno.test("INTEGER decoding checks ranges and tolerates a negative UInt32", () => {
  const pausec = (b: Uint8Array) => decodePaEncTsEnc(tsWithInteger(b)).pausec;
  assert.equal(pausec(unhex("0203 0f423f")), 999999);
  assert.throws(() => pausec(unhex("0203 0f4240")), DerError); // 1000000
  assert.throws(() => pausec(unhex("0201ff")), DerError); // -1
  assert.throws(() => pausec(unhex("0200")), DerError); // empty
  assert.throws(() => pausec(unhex("0206 010000000000")), DerError);
  // A redundant leading zero is tolerated when the value fits.
  assert.equal(pausec(unhex("0202 0005")), 5);
  // UInt32: a nonce sent as a negative Int32 reads as its two's complement.
  const body = (nonce: Uint8Array) =>
    derBytes(der(
      0x6a,
      fieldsSequence([
        undefined,
        encodeInt32(5),
        encodeInt32(10),
        undefined,
        fieldsSequence([
          encodeKerberosFlags(0),
          undefined,
          encodeKerberosString("R"),
          undefined,
          undefined,
          encodeKerberosTime(at("2024-01-02T03:04:05Z")),
          undefined,
          nonce,
          der(0x30, [encodeInt32(18)]),
        ]),
      ]),
    ));
  assert.equal(decodeAsReq(body(unhex("0201ff"))).nonce, 0xffffffff);
  assert.equal(decodeAsReq(body(unhex("020500ffffffff"))).nonce, 0xffffffff);
  assert.throws(() => decodeAsReq(body(unhex("02050100000000"))), DerError);
  assert.throws(() => decodeAsReq(body(unhex("0205ff7fffffff"))), DerError);
});

Deno.test("KerberosTime: GeneralizedTime YYYYMMDDHHMMSSZ only", () => {
  const d = at("2024-02-29T23:59:59.789Z");
  const der1 = encodeKerberosTime(d);
  assert.equal(
    new TextDecoder().decode(der1.subarray(2)),
    "20240229235959Z",
  );
  assert.equal(der1[0], 0x18);
  const back = decodePaEncTsEnc(encodePaEncTsEnc({ patimestamp: d }));
  assert.deepEqual(back, { patimestamp: at("2024-02-29T23:59:59Z") });
  const withTime = (s: string) =>
    derBytes(
      fieldsSequence([der(0x18, new TextEncoder().encode(s))]),
    );
  for (
    const bad of [
      "20230229000000Z", // not a leap year
      "20241301000000Z",
      "20240100000000Z",
      "20240101240000Z",
      "20240101006000Z",
      "20240101000060Z",
      "20240101000000",
      "20240101000000.5Z",
      "2024010100000Z",
      "2024010100000aZ",
      "+0240101000000Z",
    ]
  ) {
    assert.throws(() => decodePaEncTsEnc(withTime(bad)), DerError, bad);
  }
  // Years below 100 are not shifted to 19xx.
  assert.equal(
    decodePaEncTsEnc(withTime("00010101000000Z")).patimestamp.toISOString(),
    "0001-01-01T00:00:00.000Z",
  );
  assert.throws(() => encodeKerberosTime(new Date(NaN)), RangeError);
  assert.throws(
    () => encodeKerberosTime(new Date(Date.UTC(10000, 0, 1))),
    RangeError,
  );
});

Deno.test("KerberosFlags: 32 bits, bit 0 is the MSB", () => {
  assert.equal(kerberosFlagBit(0), 0x80000000);
  assert.equal(kerberosFlagBit(15), KDC_OPT_CANONICALIZE);
  assert.equal(
    hex(encodeKerberosFlags(KDC_OPT_FORWARDABLE | KDC_OPT_RENEWABLE_OK)),
    "03050040000010",
  );
  // Shorter or longer BIT STRINGs are read leniently (RFC 4120 5.2.8).
  const apReq = (flags: Uint8Array) =>
    derBytes(der(
      0x6e,
      fieldsSequence([
        encodeInt32(5),
        encodeInt32(14),
        flags,
        decodedTicketDer(),
        encodeEncryptedDataDer(),
      ]),
    ));
  assert.equal(
    decodeApReq(apReq(unhex("0302 0520"))).apOptions,
    AP_OPT_MUTUAL_REQUIRED,
  );
  assert.equal(
    decodeApReq(apReq(unhex("0307 00 20000000 ffff"))).apOptions,
    AP_OPT_MUTUAL_REQUIRED,
  );
  assert.throws(() => decodeApReq(apReq(unhex("0301 05"))), DerError);
  assert.throws(() => decodeApReq(apReq(unhex("0300"))), DerError);
});

function decodedTicketDer(): Uint8Array {
  return decodeAsRep(data("as_rep")).ticket.raw!;
}

function encodeEncryptedDataDer(): Uint8Array {
  return encodeEncryptedData({ etype: 18, cipher: new Uint8Array(40).fill(7) });
}

// ---------------------------------------------------------------------------
// Round trips

const ticket: Ticket = {
  tktVno: 5,
  realm: "EXAMPLE.TEST",
  sname: { nameType: NT_SRV_INST, nameString: ["HTTP", "www.example.test"] },
  encPart: { etype: 18, kvno: 3, cipher: Uint8Array.of(1, 2, 3, 4) },
};

Deno.test("Ticket round trip; raw re-sent byte-exact", () => {
  const bytes = encodeTicket(ticket);
  assert.equal(bytes[0], 0x61);
  const back = decodeTicket(bytes);
  assert.deepEqual(back, { ...ticket, raw: bytes });
  assert.deepEqual(encodeTicket(back), bytes);
  // With raw present, the fields are not re-encoded.
  const raw = decodedTicketDer();
  assert.deepEqual(encodeTicket({ ...ticket, raw }), raw);
});

Deno.test("AS-REQ / TGS-REQ / KDC-REQ-BODY round trips", () => {
  const req: KdcReq = {
    padata: [{
      padataType: PA_PAC_REQUEST,
      padataValue: encodePaPacRequest(true),
    }],
    kdcOptions: KDC_OPT_FORWARDABLE | KDC_OPT_CANONICALIZE,
    cname: { nameType: NT_PRINCIPAL, nameString: ["alice"] },
    realm: "EXAMPLE.TEST",
    sname: { nameType: NT_SRV_INST, nameString: ["krbtgt", "EXAMPLE.TEST"] },
    from: at("2024-01-01T00:00:00Z"),
    till: at("2037-09-13T02:48:05Z"),
    rtime: at("2037-09-14T02:48:05Z"),
    nonce: 0xfedcba98,
    etype: [18, 17, 23, -128],
    addresses: [{ addrType: 2, address: Uint8Array.of(127, 0, 0, 1) }],
    encAuthorizationData: { etype: 18, cipher: Uint8Array.of(9, 9) },
    additionalTickets: [ticket],
  };
  const as = encodeAsReq(req);
  assert.equal(peekMessageType(as), 10);
  const back = decodeAsReq(as);
  const { msgType, reqBody, ...fields } = back;
  assert.equal(msgType, 10);
  assert.deepEqual(reqBody, encodeKdcReqBody(req));
  const ticketBack = fields.additionalTickets![0];
  assert.deepEqual(ticketBack, { ...ticket, raw: encodeTicket(ticket) });
  assert.deepEqual(
    { ...fields, additionalTickets: [ticket] },
    req,
  );
  // The TGS-REQ forms: body fields, pre-encoded body in the object, or as argument.
  const body = encodeKdcReqBody(req);
  const t1 = encodeTgsReq(req);
  const t2 = encodeTgsReq({ padata: req.padata, reqBody: body });
  const t3 = encodeTgsReq({ padata: req.padata }, body);
  assert.deepEqual(t1, t2);
  assert.deepEqual(t1, t3);
  const tgs = decodeTgsReq(t1);
  assert.equal(tgs.msgType, 12);
  assert.deepEqual(tgs.reqBody, body);
  assert.throws(() => decodeAsReq(t1), DerError);
  assert.throws(() => decodeTgsReq(as), DerError);
  // Minimal body: absent optionals stay absent.
  const min = decodeAsReq(
    encodeAsReq({
      kdcOptions: 0,
      realm: "R",
      till: at("2024-01-01T00:00:00Z"),
      nonce: 0,
      etype: [],
    }),
  );
  assert.deepEqual(Object.keys(min).sort(), [
    "etype",
    "kdcOptions",
    "msgType",
    "nonce",
    "realm",
    "reqBody",
    "till",
  ]);
});

Deno.test("METHOD-DATA, ETYPE-INFO2, PA-ENC-TS-ENC, PA-PAC-REQUEST round trips", () => {
  const md = [
    { padataType: PA_ETYPE_INFO2, padataValue: Uint8Array.of(1) },
    { padataType: PA_ENC_TIMESTAMP, padataValue: new Uint8Array(0) },
  ];
  assert.deepEqual(decodeMethodData(encodeMethodData(md)), md);
  const info = [
    {
      etype: 18,
      salt: "EXAMPLE.TESTalice",
      s2kparams: Uint8Array.of(0, 0, 16, 0),
    },
    { etype: 23 },
    { etype: 17, salt: "ÄÖ€" },
  ];
  const back = decodeEtypeInfo2(encodeEtypeInfo2(info));
  assert.deepEqual(back.map(({ saltBytes: _, ...e }) => e), info);
  assert.deepEqual(back[2].saltBytes, new TextEncoder().encode("ÄÖ€"));
  // Salt bytes that are not UTF-8 come back as Latin-1 text and exact bytes.
  const latin = decodeEtypeInfo2(
    encodeEtypeInfo2([{ etype: 18, saltBytes: Uint8Array.of(0x41, 0xe9) }]),
  )[0];
  assert.equal(latin.salt, "Aé");
  assert.deepEqual(latin.saltBytes, Uint8Array.of(0x41, 0xe9));
  const ts = { patimestamp: at("2024-05-06T07:08:09Z"), pausec: 123456 };
  assert.deepEqual(decodePaEncTsEnc(encodePaEncTsEnc(ts)), ts);
  assert.throws(
    () => encodePaEncTsEnc({ patimestamp: ts.patimestamp, pausec: 1e6 }),
    RangeError,
  );
  assert.equal(hex(encodePaPacRequest(true)), "3005a0030101ff");
  assert.equal(hex(encodePaPacRequest(false)), "3005a003010100");
  assert.equal(decodePaPacRequest(encodePaPacRequest(true)), true);
  assert.equal(decodePaPacRequest(encodePaPacRequest(false)), false);
  const ed = { etype: 18, kvno: 0xffffffff, cipher: Uint8Array.of(5) };
  assert.deepEqual(decodeEncryptedData(encodeEncryptedData(ed)), ed);
});

Deno.test("AP-REQ, Authenticator, AP-REP, EncAPRepPart round trips", () => {
  const ap: ApReq = {
    apOptions: AP_OPT_MUTUAL_REQUIRED,
    ticket,
    authenticator: { etype: 18, cipher: Uint8Array.of(1, 2, 3) },
  };
  const apBytes = encodeApReq(ap);
  assert.deepEqual(decodeApReq(apBytes), {
    ...ap,
    ticket: { ...ticket, raw: encodeTicket(ticket) },
  });
  const auth: Authenticator = {
    crealm: "EXAMPLE.TEST",
    cname: { nameType: NT_PRINCIPAL, nameString: ["alice"] },
    cksum: { cksumtype: 0x8003, checksum: new Uint8Array(24) },
    cusec: 999999,
    ctime: at("2024-01-02T03:04:05Z"),
    subkey: { keytype: 18, keyvalue: new Uint8Array(32).fill(0xaa) },
    seqNumber: 0xffffffff,
    authorizationData: [{ adType: 1, adData: Uint8Array.of(0x30, 0) }],
  };
  const authBytes = encodeAuthenticator(auth);
  assert.equal(authBytes[0], 0x62);
  assert.deepEqual(decodeAuthenticator(authBytes), auth);
  const minimal = {
    crealm: "R",
    cname: { nameType: 1, nameString: ["u"] },
    cusec: 0,
    ctime: at("2024-01-02T03:04:05Z"),
  };
  assert.deepEqual(decodeAuthenticator(encodeAuthenticator(minimal)), minimal);
  const rep = { encPart: { etype: 17, cipher: Uint8Array.of(4) } };
  assert.deepEqual(decodeApRep(encodeApRep(rep)), rep);
  const part = {
    ctime: at("2024-01-02T03:04:05Z"),
    cusec: 5,
    subkey: { keytype: 17, keyvalue: new Uint8Array(16) },
    seqNumber: 42,
  };
  assert.deepEqual(decodeEncApRepPart(encodeEncApRepPart(part)), part);
  const part2 = { ctime: part.ctime, cusec: 0 };
  assert.deepEqual(decodeEncApRepPart(encodeEncApRepPart(part2)), part2);
});

Deno.test("KRB-ERROR round trip", () => {
  const e: KrbError = {
    pvno: 5,
    msgType: 30,
    ctime: at("2024-01-02T03:04:05Z"),
    cusec: 1,
    stime: at("2024-01-02T03:04:06Z"),
    susec: 2,
    errorCode: KDC_ERR_PREAUTH_REQUIRED,
    crealm: "EXAMPLE.TEST",
    cname: { nameType: 1, nameString: ["alice"] },
    realm: "EXAMPLE.TEST",
    sname: { nameType: 2, nameString: ["krbtgt", "EXAMPLE.TEST"] },
    eText: "NEEDED_PREAUTH",
    eData: encodeMethodData([{
      padataType: 2,
      padataValue: new Uint8Array(0),
    }]),
  };
  const bytes = encodeKrbError(e);
  assert.equal(peekMessageType(bytes), 30);
  assert.deepEqual(decodeKrbError(bytes), e);
  const min = {
    pvno: 5,
    msgType: 30,
    stime: e.stime,
    susec: 0,
    errorCode: -1,
    realm: "R",
    sname: { nameType: 2, nameString: ["krbtgt", "R"] },
  };
  assert.deepEqual(decodeKrbError(encodeKrbError(min)), min);
});

// ---------------------------------------------------------------------------
// Captured MIT krb5 messages

Deno.test("MIT: AS-REQ without preauth, then KRB-ERROR 25 with ETYPE-INFO2", () => {
  const req = decodeAsReq(data("as_req_1"));
  assert.equal(req.realm, "EXAMPLE.TEST");
  assert.deepEqual(req.cname, {
    nameType: NT_PRINCIPAL,
    nameString: ["alice"],
  });
  assert.deepEqual(req.sname, {
    nameType: NT_SRV_INST,
    nameString: ["krbtgt", "EXAMPLE.TEST"],
  });
  assert.deepEqual(req.etype, [18, 17, 20, 19, 16, 23, 25, 26]);
  assert.equal(req.kdcOptions, KDC_OPT_FORWARDABLE | KDC_OPT_RENEWABLE_OK);
  assert.deepEqual(req.padata!.map((p) => p.padataType), [150, 149]);
  // Every field is understood: the request re-encodes byte-exact.
  assert.deepEqual(encodeAsReq(req), data("as_req_1"));

  const bytes = data("krb_error_preauth");
  assert.equal(peekMessageType(bytes), 30);
  const e = decodeKrbError(bytes);
  assert.equal(e.errorCode, KDC_ERR_PREAUTH_REQUIRED);
  assert.equal(e.realm, "EXAMPLE.TEST");
  assert.equal(e.crealm, "EXAMPLE.TEST");
  assert.deepEqual(e.cname, { nameType: 1, nameString: ["alice"] });
  assert.deepEqual(e.sname.nameString, ["krbtgt", "EXAMPLE.TEST"]);
  assert.equal(e.eText, "NEEDED_PREAUTH");
  assert.equal(e.ctime, undefined);
  assert.ok(e.stime.getTime() > Date.UTC(2020, 0, 1));
  const md = decodeMethodData(e.eData!);
  assert.deepEqual(md.map((p) => p.padataType), [
    PA_FX_FAST,
    PA_ETYPE_INFO2,
    PA_ENC_TIMESTAMP,
    PA_FX_COOKIE,
  ]);
  const info = decodeEtypeInfo2(md[1].padataValue);
  assert.equal(info.length, 1);
  assert.equal(info[0].etype, 18);
  assert.equal(info[0].salt, "EXAMPLE.TESTalice");
  assert.equal(info[0].s2kparams, undefined);
  assert.deepEqual(encodeKrbError(e), bytes);
});

Deno.test("MIT: AS-REQ with PA-ENC-TIMESTAMP, AS-REP and its EncASRepPart", () => {
  const req = decodeAsReq(data("as_req_2"));
  assert.deepEqual(req.padata!.map((p) => p.padataType), [
    PA_FX_COOKIE,
    PA_ENC_TIMESTAMP,
    150,
    149,
  ]);
  const encTs = decodeEncryptedData(req.padata![1].padataValue);
  assert.equal(encTs.etype, 18);
  assert.equal(encTs.kvno, undefined);
  assert.deepEqual(encodeEncryptedData(encTs), req.padata![1].padataValue);
  assert.deepEqual(encodeAsReq(req), data("as_req_2"));
  // Its plaintext (decrypted once with alice's key; see data/README.md).
  const ts = decodePaEncTsEnc(data("pa_enc_ts_enc"));
  assert.ok(ts.pausec !== undefined && ts.pausec < 1e6);
  assert.deepEqual(encodePaEncTsEnc(ts), data("pa_enc_ts_enc"));

  const bytes = data("as_rep");
  const rep = decodeAsRep(bytes);
  assert.deepEqual(decodeKdcRep(bytes), rep);
  assert.equal(rep.msgType, KRB_AS_REP);
  assert.equal(rep.crealm, "EXAMPLE.TEST");
  assert.deepEqual(rep.cname, { nameType: 1, nameString: ["alice"] });
  assert.equal(rep.ticket.realm, "EXAMPLE.TEST");
  assert.deepEqual(rep.ticket.sname.nameString, ["krbtgt", "EXAMPLE.TEST"]);
  assert.equal(rep.ticket.encPart.etype, 18);
  assert.equal(rep.ticket.encPart.kvno, 1);
  assert.equal(rep.encPart.etype, 18);
  assert.deepEqual(rep.padata!.map((p) => p.padataType), [PA_ETYPE_INFO2]);
  assert.equal(
    decodeEtypeInfo2(rep.padata![0].padataValue)[0].salt,
    "EXAMPLE.TESTalice",
  );
  // The ticket's raw bytes are exactly its TLV inside the reply.
  const raw = rep.ticket.raw!;
  assert.equal(raw[0], 0x61);
  assert.ok(hex(bytes).includes(hex(raw)));
  assert.deepEqual(decodeTicket(raw), rep.ticket);
  assert.throws(() => decodeTgsRep(bytes), DerError);

  // MIT tags the AS reply's encrypted part [APPLICATION 26]: accepted.
  const part = decodeEncKdcRepPart(data("enc_as_rep_part"));
  assert.equal(part.app, 26);
  assert.equal(part.nonce, req.nonce);
  assert.equal(part.key.keytype, 18);
  assert.equal(part.key.keyvalue.length, 32);
  assert.equal(part.srealm, "EXAMPLE.TEST");
  assert.deepEqual(part.sname.nameString, ["krbtgt", "EXAMPLE.TEST"]);
  assert.equal(part.lastReq.length, 1);
  for (
    const f of [TKT_FLG_FORWARDABLE, TKT_FLG_INITIAL, TKT_FLG_PRE_AUTHENT]
  ) assert.ok(part.flags & f);
  assert.ok(part.endtime > part.authtime);
  assert.deepEqual(
    part.encryptedPaData!.map((p) => p.padataType),
    [149, PA_FX_FAST],
  );
  // ...and [APPLICATION 25] the same.
  const as25 = data("enc_as_rep_part").slice();
  as25[0] = 0x79;
  assert.deepEqual(decodeEncKdcRepPart(as25), { ...part, app: 25 });
  as25[0] = 0x7b;
  assert.throws(() => decodeEncKdcRepPart(as25), DerError);
});

Deno.test("MIT: TGS-REQ with its AP-REQ, and TGS-REP", () => {
  const bytes = data("tgs_req");
  const req = decodeTgsReq(bytes);
  assert.equal(req.msgType, 12);
  assert.deepEqual(req.sname, {
    nameType: NT_PRINCIPAL,
    nameString: ["host", "localhost"],
  });
  assert.equal(req.cname, undefined);
  assert.deepEqual(req.padata!.map((p) => p.padataType), [
    PA_TGS_REQ,
    PA_FX_FAST,
  ]);
  // The body bytes the PA-TGS-REQ checksum covers, re-encoded byte-exact.
  assert.deepEqual(encodeKdcReqBody(req), req.reqBody);
  assert.deepEqual(encodeTgsReq({ padata: req.padata }, req.reqBody), bytes);
  assert.deepEqual(encodeTgsReq(req), bytes);

  const apBytes = req.padata![0].padataValue;
  assert.equal(peekMessageType(apBytes), 14);
  const ap = decodeApReq(apBytes);
  assert.equal(ap.apOptions, 0);
  assert.equal(ap.authenticator.etype, 18);
  // The TGT from the AS-REP travels byte-exact inside the AP-REQ.
  const tgt = decodeAsRep(data("as_rep")).ticket;
  assert.deepEqual(ap.ticket.raw, tgt.raw);
  assert.deepEqual(encodeApReq(ap), apBytes);
  assert.deepEqual(
    encodeApReq({ ...ap, ticket: tgt }),
    apBytes,
  );

  const rep = decodeTgsRep(data("tgs_rep"));
  assert.equal(rep.msgType, KRB_TGS_REP);
  assert.equal(rep.crealm, "EXAMPLE.TEST");
  assert.deepEqual(rep.cname.nameString, ["alice"]);
  assert.deepEqual(rep.ticket.sname.nameString, ["host", "localhost"]);
  assert.equal(rep.ticket.encPart.kvno, 1);
  assert.deepEqual(rep.padata!.map((p) => p.padataType), [PA_FX_FAST]);
  assert.deepEqual(decodeKdcRep(data("tgs_rep")), rep);
  assert.throws(() => decodeAsRep(data("tgs_rep")), DerError);
});

// ---------------------------------------------------------------------------
// Malformed input and extensions

Deno.test("decoders reject wrong tags, pvno, msg-type and missing fields", () => {
  const rep = encodeApRep({ encPart: { etype: 17, cipher: Uint8Array.of(4) } });
  const wrongTag = rep.slice();
  wrongTag[0] = 0x70;
  assert.throws(() => decodeApRep(wrongTag), /unexpected outer tag/);
  const apRep = (parts: (Der | undefined)[]) =>
    derBytes(der(0x6f, fieldsSequence(parts)));
  const enc = encodeEncryptedData({ etype: 1, cipher: new Uint8Array(0) });
  assert.throws(
    () => decodeApRep(apRep([encodeInt32(4), encodeInt32(15), enc])),
    /not Kerberos version 5/,
  );
  assert.throws(
    () => decodeApRep(apRep([encodeInt32(5), encodeInt32(14), enc])),
    /msg-type/,
  );
  assert.throws(
    () => decodeApRep(apRep([encodeInt32(5), encodeInt32(15)])),
    /enc-part: missing/,
  );
  // Fields out of order.
  const swapped = derBytes(der(
    0x6f,
    der(0x30, [
      der(0xa1, encodeInt32(15)),
      der(0xa0, encodeInt32(5)),
      der(0xa2, enc),
    ]),
  ));
  assert.throws(() => decodeApRep(swapped), /unexpected field tag/);
  // Wrong universal type inside a field.
  assert.throws(
    () => decodeApRep(apRep([encodeInt32(5), encodeKerberosString("x"), enc])),
    DerError,
  );
  // Trailing bytes.
  assert.throws(() => decodeApRep(Uint8Array.of(...rep, 0)), DerError);
  // Not bytes at all.
  assert.throws(() => decodeApRep(null as unknown as Uint8Array), DerError);
  assert.throws(() => decodeApRep(new Uint8Array(0)), DerError);
});

Deno.test("unknown higher-numbered fields are skipped", () => {
  const apRep = derBytes(der(
    0x6f,
    fieldsSequence([
      encodeInt32(5),
      encodeInt32(15),
      encodeEncryptedData({ etype: 1, cipher: Uint8Array.of(1) }),
      encodeOctets(Uint8Array.of(0xee)),
      undefined,
      encodeInt32(7),
    ]),
  ));
  assert.deepEqual(decodeApRep(apRep), {
    encPart: { etype: 1, cipher: Uint8Array.of(1) },
  });
});

Deno.test("EncTicketPart decodes", () => {
  const key = { keytype: 18, keyvalue: new Uint8Array(32).fill(1) };
  const bytes = derBytes(der(
    0x63,
    fieldsSequence([
      encodeKerberosFlags(TKT_FLG_FORWARDABLE | TKT_FLG_INITIAL),
      fieldsSequence([encodeInt32(key.keytype), encodeOctets(key.keyvalue)]),
      encodeKerberosString("EXAMPLE.TEST"),
      fieldsSequence([
        encodeInt32(1),
        der(0x30, [encodeKerberosString("alice")]),
      ]),
      fieldsSequence([encodeInt32(1), encodeOctets(new Uint8Array(0))]),
      encodeKerberosTime(at("2024-01-01T00:00:00Z")),
      undefined,
      encodeKerberosTime(at("2024-01-01T10:00:00Z")),
      encodeKerberosTime(at("2024-01-08T00:00:00Z")),
      undefined,
      der(0x30, [
        fieldsSequence([encodeInt32(1), encodeOctets(Uint8Array.of(0x30, 0))]),
      ]),
    ]),
  ));
  assert.deepEqual(decodeEncTicketPart(bytes), {
    flags: TKT_FLG_FORWARDABLE | TKT_FLG_INITIAL,
    key,
    crealm: "EXAMPLE.TEST",
    cname: { nameType: 1, nameString: ["alice"] },
    transited: { trType: 1, contents: new Uint8Array(0) },
    authtime: at("2024-01-01T00:00:00Z"),
    endtime: at("2024-01-01T10:00:00Z"),
    renewTill: at("2024-01-08T00:00:00Z"),
    authorizationData: [{ adType: 1, adData: Uint8Array.of(0x30, 0) }],
  });
});

Deno.test("decoded octet strings are copies, not views of the input", () => {
  const bytes = data("as_rep").slice();
  const rep = decodeAsRep(bytes);
  const before = hex(rep.encPart.cipher);
  bytes.fill(0);
  assert.equal(hex(rep.encPart.cipher), before);
  assert.equal(rep.ticket.raw![0], 0x61);
});

// ---------------------------------------------------------------------------
// Principal names

Deno.test("parsePrincipal / principalToString", () => {
  assert.deepEqual(parsePrincipal("alice", "EXAMPLE.TEST"), {
    name: { nameType: NT_PRINCIPAL, nameString: ["alice"] },
    realm: "EXAMPLE.TEST",
  });
  assert.deepEqual(parsePrincipal("alice@OTHER.TEST", "EXAMPLE.TEST"), {
    name: { nameType: NT_PRINCIPAL, nameString: ["alice"] },
    realm: "OTHER.TEST",
  });
  assert.deepEqual(parsePrincipal("HTTP/host.example.com", "EXAMPLE.TEST"), {
    name: { nameType: NT_SRV_INST, nameString: ["HTTP", "host.example.com"] },
    realm: "EXAMPLE.TEST",
  });
  assert.deepEqual(parsePrincipal("HTTP/host@REALM", undefined, NT_SRV_HST), {
    name: { nameType: NT_SRV_HST, nameString: ["HTTP", "host"] },
    realm: "REALM",
  });
  assert.deepEqual(parsePrincipal("a\\/b\\@c\\\\d\\n@R"), {
    name: { nameType: NT_PRINCIPAL, nameString: ["a/b@c\\d\n"] },
    realm: "R",
  });
  assert.deepEqual(
    parsePrincipal("alice@corp.example", "EXAMPLE.TEST", NT_ENTERPRISE),
    {
      name: { nameType: NT_ENTERPRISE, nameString: ["alice@corp.example"] },
      realm: "EXAMPLE.TEST",
    },
  );
  assert.deepEqual(
    parsePrincipal("alice@corp.example@EXAMPLE.TEST", undefined, NT_ENTERPRISE),
    {
      name: { nameType: NT_ENTERPRISE, nameString: ["alice@corp.example"] },
      realm: "EXAMPLE.TEST",
    },
  );
  assert.throws(() => parsePrincipal("", "R"), RangeError);
  assert.throws(() => parsePrincipal("alice"), RangeError);
  assert.throws(() => parsePrincipal("alice\\", "R"), RangeError);
  assert.throws(() => parsePrincipal("a@b@c"), RangeError);
  assert.throws(() => parsePrincipal("a@R/x"), RangeError);

  assert.equal(
    principalToString({ nameType: 2, nameString: ["HTTP", "h.example"] }, "R"),
    "HTTP/h.example@R",
  );
  assert.equal(
    principalToString({ nameType: 1, nameString: ["alice"] }),
    "alice",
  );
  for (
    const comps of [["a/b", "c@d"], ["back\\slash", "tab\there"], ["x"]]
  ) {
    const name = {
      nameType: comps.length > 1 ? NT_SRV_INST : NT_PRINCIPAL,
      nameString: comps,
    };
    const s = principalToString(name, "RE@LM/X");
    assert.deepEqual(parsePrincipal(s), { name, realm: "RE@LM/X" });
  }
});

// ---------------------------------------------------------------------------
// Mutation fuzz

const DECODERS: ((b: Uint8Array) => unknown)[] = [
  decodeAsReq,
  decodeTgsReq,
  decodeAsRep,
  decodeTgsRep,
  decodeKdcRep,
  decodeEncKdcRepPart,
  decodeKrbError,
  decodeMethodData,
  decodeEtypeInfo2,
  decodePaEncTsEnc,
  decodePaPacRequest,
  decodeApReq,
  decodeApRep,
  decodeAuthenticator,
  decodeEncApRepPart,
  decodeEncTicketPart,
  decodeTicket,
  decodeEncryptedData,
];

function corpus(): Uint8Array[] {
  const out: Uint8Array[] = [
    "as_req_1",
    "as_req_2",
    "krb_error_preauth",
    "as_rep",
    "tgs_req",
    "tgs_rep",
    "enc_as_rep_part",
    "pa_enc_ts_enc",
  ].map(data);
  const e = decodeKrbError(data("krb_error_preauth"));
  out.push(e.eData!, decodeMethodData(e.eData!)[1].padataValue);
  out.push(decodeTgsReq(data("tgs_req")).padata![0].padataValue);
  out.push(
    encodeAuthenticator({
      crealm: "R",
      cname: { nameType: 1, nameString: ["u"] },
      cksum: { cksumtype: 16, checksum: new Uint8Array(12) },
      cusec: 7,
      ctime: at("2024-01-02T03:04:05Z"),
      subkey: { keytype: 18, keyvalue: new Uint8Array(32) },
      seqNumber: 5,
    }),
    encodeEncApRepPart({
      ctime: at("2024-01-02T03:04:05Z"),
      cusec: 1,
      seqNumber: 2,
    }),
    encodeApRep({ encPart: { etype: 18, cipher: new Uint8Array(30) } }),
    encodePaPacRequest(true),
    encodeTicket(ticket),
  );
  return out;
}

function mutate(src: Uint8Array, r: (n: number) => number): Uint8Array {
  const b = src.slice();
  const rounds = 1 + r(3);
  let out = b;
  for (let k = 0; k < rounds; k++) {
    const pos = out.length ? r(out.length) : 0;
    switch (r(7)) {
      case 0: // truncate
        out = out.slice(0, r(out.length + 1));
        break;
      case 1: // bit flip
        if (out.length) out[pos] ^= 1 << r(8);
        break;
      case 2: // random byte
        if (out.length) out[pos] = r(256);
        break;
      case 3: { // length byte: small change or long form
        if (out.length) {
          const v = [0x80, 0x81, 0x84, 0xff, 0, 0x7f][r(6)];
          out[pos] = r(2) ? v : (out[pos] + r(5) - 2) & 0xff;
        }
        break;
      }
      case 4: // tag byte
        if (out.length) {
          out[pos] = [
            0x30,
            0xa0,
            0xa1,
            0xa3,
            0x02,
            0x04,
            0x18,
            0x1b,
            0x03,
            0x01,
            0x61,
            0x7e,
            0x1f,
          ][r(13)];
        }
        break;
      case 5: { // delete a run
        const n = 1 + r(4);
        out = Uint8Array.of(...out.subarray(0, pos), ...out.subarray(pos + n));
        break;
      }
      default: { // insert bytes
        const ins = Array.from({ length: 1 + r(4) }, () => r(256));
        out = Uint8Array.of(
          ...out.subarray(0, pos),
          ...ins,
          ...out.subarray(pos),
        );
      }
    }
  }
  return out;
}

const ITER = fuzzIterations("KRB_MESSAGES_FUZZ_ITERATIONS", 3000);

Deno.test(`decoders only throw DerError on mutated input (seed ${FUZZ_SEED})`, () => {
  const r = rng(FUZZ_SEED);
  const inputs = corpus();
  // Every corpus entry decodes with at least one decoder.
  for (const b of inputs) {
    assert.ok(
      DECODERS.some((d) => {
        try {
          d(b);
          return true;
        } catch {
          return false;
        }
      }),
    );
  }
  let decoded = 0;
  const start = performance.now();
  for (let i = 0; i < ITER; i++) {
    const m = mutate(inputs[r(inputs.length)], r);
    for (const d of DECODERS) {
      try {
        d(m);
        decoded++;
      } catch (e) {
        if (!(e instanceof DerError)) {
          throw new Error(
            `${d.name} threw ${(e as Error)?.name} on ${
              hex(m)
            } (seed ${FUZZ_SEED}, i ${i})`,
            { cause: e },
          );
        }
      }
    }
  }
  assert.ok(decoded > 0);
  assert.ok(performance.now() - start < 60_000, "fuzz took too long");
});
