/**
 * The sspi.h auth-identity helpers: encode/decode, exclude a package (and Negotiate
 * honouring it), handshakes with an opaque identity, zero/free, process encryption,
 * the SEC_WINNT_AUTH_IDENTITY_EX2 bytes (exact layout and mutated blobs), compare,
 * target host names, and no password in any printed or serialized object.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type AuthIdentityOut,
  CredHandle,
  CtxtHandle,
  QueryContextAttributes,
  SEC_E_INVALID_PARAMETER,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNKNOWN_CREDENTIALS,
  SEC_I_CONTINUE_NEEDED,
  SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  type SecPkgContext_NegotiationInfo,
  SspiCompareAuthIdentities,
  SspiCopyAuthIdentity,
  SspiDecryptAuthIdentity,
  SspiEncodeAuthIdentityAsStrings,
  SspiEncodeStringsAsAuthIdentity,
  SspiEncryptAuthIdentity,
  SspiExcludePackage,
  SspiFreeAuthIdentity,
  SspiGetTargetHostName,
  SspiIsAuthIdentityEncrypted,
  SspiLocalFree,
  SspiMarshalAuthIdentity,
  SspiUnmarshalAuthIdentity,
  SspiValidateAuthIdentity,
  SspiZeroAuthIdentity,
  STATUS_INVALID_PARAMETER,
} from "../../mod.ts";
import { decodeNegotiationToken } from "../../src/packages/negotiate/mod.ts";
import {
  KERBEROS_OID,
  NTLM_OID,
} from "../../src/packages/negotiate/constants.ts";
import {
  acquire,
  asc,
  ASC_SEAL_FLAGS,
  isc,
  ISC_SEAL_FLAGS,
  outToken,
  tokenDesc,
} from "./_helpers.ts";
import {
  ALICE,
  cleanup,
  handshake as nativeHandshake,
  samFile,
  winprTable,
  winprTest,
} from "../native/_helpers.ts";
import { InitSecurityInterface } from "../../src/provider.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";

const PASSWORD = "Zq9-uniquE-pw!";
const USER = { User: "alice", Domain: "EXAMPLE", Password: PASSWORD };

function encode(
  user: string | null = USER.User,
  domain: string | null = USER.Domain,
  pw: string | null = PASSWORD,
) {
  const out: AuthIdentityOut = {};
  assert.equal(
    SspiEncodeStringsAsAuthIdentity(user, domain, pw, out),
    SEC_E_OK,
  );
  return out.value!;
}

/** A full handshake through the Win32 calls; the final statuses and contexts. */
function handshake(pkg: string, clientData: unknown, serverData: unknown) {
  const c = acquire(pkg, SECPKG_CRED_OUTBOUND, clientData);
  if (c.status !== SEC_E_OK) return { client: c.status, server: -1 };
  const s = acquire(pkg, SECPKG_CRED_INBOUND, serverData);
  assert.equal(s.status, SEC_E_OK);
  const cctx = new CtxtHandle(), sctx = new CtxtHandle();
  let r = isc(c.cred, null, cctx, ISC_SEAL_FLAGS);
  const first = outToken(r.out).slice();
  let sr = { status: SEC_I_CONTINUE_NEEDED, out: tokenDesc() };
  for (let i = 0; i < 6; i++) {
    if (r.status !== SEC_E_OK && r.status !== SEC_I_CONTINUE_NEEDED) break;
    if (r.out.pBuffers[0].cbBuffer === 0) break;
    sr = asc(
      s.cred,
      i ? sctx : null,
      sctx,
      ASC_SEAL_FLAGS,
      tokenDesc(outToken(r.out)),
    );
    if (sr.status !== SEC_I_CONTINUE_NEEDED && sr.status !== SEC_E_OK) break;
    if (sr.out.pBuffers[0].cbBuffer === 0) break;
    r = isc(c.cred, cctx, cctx, ISC_SEAL_FLAGS, tokenDesc(outToken(sr.out)));
  }
  return { client: r.status, server: sr.status, cctx, sctx, first };
}

function negotiatedName(ctx: CtxtHandle): string {
  const info: { value?: SecPkgContext_NegotiationInfo } = {};
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, info),
    SEC_E_OK,
  );
  return info.value!.PackageInfo.Name;
}

Deno.test("encode/decode round trip, null fields, all-null refused", () => {
  const id = encode();
  const u = { value: null as string | null }, d = { ...u }, p = { ...u };
  assert.equal(SspiEncodeAuthIdentityAsStrings(id, u, d, p), SEC_E_OK);
  assert.deepEqual([u.value, d.value, p.value], ["alice", "EXAMPLE", PASSWORD]);
  const only = encode("bob", null, null);
  assert.equal(SspiEncodeAuthIdentityAsStrings(only, u, d, p), SEC_E_OK);
  assert.deepEqual([u.value, d.value, p.value], ["bob", null, null]);
  const none: AuthIdentityOut = {};
  assert.equal(
    SspiEncodeStringsAsAuthIdentity(null, null, null, none),
    SEC_E_INVALID_PARAMETER,
  );
  assert.equal(none.value, undefined);
  assert.throws(
    () =>
      SspiEncodeStringsAsAuthIdentity(1 as unknown as string, null, null, none),
    TypeError,
  );
  // Plain SEC_WINNT_AUTH_IDENTITY-shaped objects are identities too.
  assert.equal(SspiEncodeAuthIdentityAsStrings(USER, u, d, p), SEC_E_OK);
  assert.equal(p.value, PASSWORD);
  const copy: AuthIdentityOut = {};
  assert.equal(SspiCopyAuthIdentity(id, copy), SEC_E_OK);
  assert.notEqual(copy.value, id);
  SspiFreeAuthIdentity(id);
  assert.equal(SspiEncodeAuthIdentityAsStrings(copy.value, u, d, p), SEC_E_OK);
  assert.equal(p.value, PASSWORD, "a copy outlives the original");
});

Deno.test("NTLM and Negotiate handshakes with an encoded identity; a wrong password fails", () => {
  for (const pkg of ["NTLM", "Negotiate"]) {
    const ok = handshake(pkg, encode(), { users: [USER] });
    assert.equal(ok.client, SEC_E_OK, pkg);
    assert.equal(ok.server, SEC_E_OK, pkg);
    const bad = handshake(pkg, encode("alice", "EXAMPLE", "wrong"), {
      users: [USER],
    });
    assert.equal(bad.server, SEC_E_LOGON_DENIED, pkg);
  }
});

Deno.test("SspiExcludePackage: the excluded package is not used by Negotiate", () => {
  const id = encode();
  const ex: AuthIdentityOut = {};
  assert.equal(SspiExcludePackage(id, "Kerberos", ex), SEC_E_OK);
  assert.match(Deno.inspect(ex.value), /PackageList: "!Kerberos"/);
  const twice: AuthIdentityOut = {};
  assert.equal(SspiExcludePackage(ex.value, "kerberos", twice), SEC_E_OK);
  assert.equal(twice.value!.toJSON().PackageList, "!Kerberos");
  const r = handshake("Negotiate", ex.value, { users: [USER] });
  assert.equal(r.server, SEC_E_OK);
  const t = decodeNegotiationToken(r.first!);
  assert.ok(t.type === "init");
  assert.deepEqual(t.mechTypes, [NTLM_OID]);
  assert.ok(!t.mechTypes.includes(KERBEROS_OID));
  assert.equal(negotiatedName(r.cctx!), "NTLM");
  assert.equal(negotiatedName(r.sctx!), "NTLM");
  // Excluding NTLM too leaves Negotiate nothing (Kerberos has no KDC here), while
  // the same identity without the exclusion acquires: the list reaches Negotiate.
  assert.equal(acquire("Negotiate", SECPKG_CRED_OUTBOUND, id).status, SEC_E_OK);
  const noNtlm: AuthIdentityOut = {};
  assert.equal(SspiExcludePackage(ex.value, "NTLM", noNtlm), SEC_E_OK);
  assert.equal(noNtlm.value!.toJSON().PackageList, "!Kerberos,!NTLM");
  assert.equal(
    acquire("Negotiate", SECPKG_CRED_OUTBOUND, noNtlm.value).status,
    SEC_E_NO_CREDENTIALS,
  );
  assert.equal(SspiExcludePackage(id, "", ex), SEC_E_INVALID_PARAMETER);
});

Deno.test("Zero and Free wipe the secret; later uses fail with a status", () => {
  for (const wipe of [SspiZeroAuthIdentity, SspiFreeAuthIdentity]) {
    const id = encode();
    wipe(id);
    assert.ok(!Deno.inspect(id).includes("alice"));
    assert.equal(
      acquire("NTLM", SECPKG_CRED_OUTBOUND, id).status,
      SEC_E_UNKNOWN_CREDENTIALS,
    );
    assert.equal(
      acquire("Negotiate", SECPKG_CRED_OUTBOUND, id).status,
      SEC_E_UNKNOWN_CREDENTIALS,
    );
    const u = { value: null as string | null };
    assert.equal(
      SspiEncodeAuthIdentityAsStrings(id, u, u, u),
      SEC_E_INVALID_PARAMETER,
    );
    assert.equal(SspiValidateAuthIdentity(id), SEC_E_INVALID_PARAMETER);
    assert.equal(SspiCopyAuthIdentity(id, {}), SEC_E_INVALID_PARAMETER);
    assert.equal(
      SspiMarshalAuthIdentity(id, { value: 0 }, {}),
      SEC_E_INVALID_PARAMETER,
    );
  }
  const plain = { ...USER };
  SspiZeroAuthIdentity(plain);
  assert.equal(plain.Password, "");
  const buf = new Uint8Array([1, 2, 3]);
  SspiLocalFree(buf);
  assert.deepEqual([...buf], [0, 0, 0]);
});

Deno.test("Encrypt/Decrypt round trip; an encrypted identity still acquires", () => {
  const id = encode();
  assert.equal(SspiIsAuthIdentityEncrypted(id), false);
  assert.equal(SspiEncryptAuthIdentity(id), SEC_E_OK);
  assert.equal(SspiIsAuthIdentityEncrypted(id), true);
  assert.equal(SspiValidateAuthIdentity(id), SEC_E_OK);
  const u = { value: null as string | null };
  assert.equal(
    SspiEncodeAuthIdentityAsStrings(id, u, u, u),
    STATUS_INVALID_PARAMETER,
  );
  for (const pkg of ["NTLM", "Negotiate"]) {
    const r = handshake(pkg, id, { users: [USER] });
    assert.equal(r.server, SEC_E_OK, `${pkg} with an encrypted identity`);
  }
  const same = { value: false }, sameId = { value: false };
  assert.equal(SspiCompareAuthIdentities(id, encode(), same, sameId), SEC_E_OK);
  assert.deepEqual([same.value, sameId.value], [true, true]);
  assert.equal(SspiDecryptAuthIdentity(id), SEC_E_OK);
  assert.equal(SspiIsAuthIdentityEncrypted(id), false);
  const p = { value: null as string | null };
  assert.equal(SspiEncodeAuthIdentityAsStrings(id, u, u, p), SEC_E_OK);
  assert.equal(p.value, PASSWORD);
  assert.equal(SspiEncryptAuthIdentity(USER), SEC_E_INVALID_PARAMETER);
});

Deno.test("Marshal/Unmarshal round trip, also encrypted", () => {
  for (const encrypted of [false, true]) {
    const ex: AuthIdentityOut = {};
    SspiExcludePackage(encode(), "Kerberos", ex);
    if (encrypted) SspiEncryptAuthIdentity(ex.value);
    const len = { value: 0 }, bytes: { value?: Uint8Array } = {};
    assert.equal(SspiMarshalAuthIdentity(ex.value, len, bytes), SEC_E_OK);
    assert.equal(len.value, bytes.value!.length);
    const back: AuthIdentityOut = {};
    assert.equal(
      SspiUnmarshalAuthIdentity(len.value, bytes.value!, back),
      SEC_E_OK,
    );
    assert.equal(SspiIsAuthIdentityEncrypted(back.value), encrypted);
    const same = { value: false }, sameId = { value: false };
    assert.equal(
      SspiCompareAuthIdentities(ex.value, back.value, same, sameId),
      SEC_E_OK,
    );
    assert.ok(same.value && sameId.value);
    assert.equal(
      handshake("Negotiate", back.value, { users: [USER] }).server,
      SEC_E_OK,
    );
    SspiLocalFree(bytes.value);
  }
});

Deno.test("the EX2 bytes, field by field", () => {
  const id = encode("bob", "EX", "pw");
  const ex: AuthIdentityOut = {};
  SspiExcludePackage(id, "Kerberos", ex);
  const len = { value: 0 }, out: { value?: Uint8Array } = {};
  assert.equal(SspiMarshalAuthIdentity(ex.value, len, out), SEC_E_OK);
  const b = out.value!;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const u16 = (s: string) => [...s].flatMap((c) => [c.charCodeAt(0), 0]);
  // Header: 48 bytes, data in the order user, domain, packed credentials, list.
  assert.equal(b.length, 48 + 6 + 4 + (28 + 4) + 18);
  assert.equal(v.getUint32(0, true), 0x201); // Version
  assert.equal(v.getUint16(4, true), 48); // cbHeaderLength
  assert.equal(v.getUint32(8, true), b.length); // cbStructureLength
  assert.deepEqual([v.getUint32(12, true), v.getUint16(16, true)], [48, 6]);
  assert.deepEqual([v.getUint32(20, true), v.getUint16(24, true)], [54, 4]);
  assert.deepEqual([v.getUint32(28, true), v.getUint16(32, true)], [58, 32]);
  assert.equal(v.getUint32(36, true), 0x2 | 0x4); // UNICODE | MARSHALLED
  assert.deepEqual([v.getUint32(40, true), v.getUint16(44, true)], [90, 18]);
  assert.deepEqual([...b.subarray(48, 54)], u16("bob"));
  assert.deepEqual([...b.subarray(54, 58)], u16("EX"));
  assert.deepEqual([...b.subarray(90, 108)], u16("!Kerberos"));
  // SEC_WINNT_AUTH_PACKED_CREDENTIALS at 58.
  const p = 58;
  assert.equal(v.getUint16(p, true), 28);
  assert.equal(v.getUint16(p + 2, true), 32);
  // SEC_WINNT_AUTH_DATA_TYPE_PASSWORD {28bfc32f-10f6-4738-98d1-1ac061df716a}
  assert.equal(v.getUint32(p + 4, true), 0x28bfc32f);
  assert.equal(v.getUint16(p + 8, true), 0x10f6);
  assert.equal(v.getUint16(p + 10, true), 0x4738);
  assert.deepEqual([...b.subarray(p + 12, p + 20)], [
    0x98,
    0xd1,
    0x1a,
    0xc0,
    0x61,
    0xdf,
    0x71,
    0x6a,
  ]);
  assert.equal(v.getUint32(p + 20, true), 28); // ByteArrayOffset
  assert.equal(v.getUint16(p + 24, true), 4); // ByteArrayLength
  assert.deepEqual([...b.subarray(p + 28, p + 32)], u16("pw"));
  // Flags of an encrypted identity.
  SspiEncryptAuthIdentity(ex.value);
  SspiMarshalAuthIdentity(ex.value, len, out);
  const f = new DataView(out.value!.buffer).getUint32(36, true);
  assert.ok(f & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED);
});

Deno.test("Unmarshal refuses malformed headers with SEC_E_INVALID_TOKEN", () => {
  const len = { value: 0 }, out: { value?: Uint8Array } = {};
  SspiMarshalAuthIdentity(encode(), len, out);
  const b = out.value!;
  const edit = (f: (v: DataView) => void) => {
    const c = b.slice();
    f(new DataView(c.buffer));
    return SspiUnmarshalAuthIdentity(c.length, c, {});
  };
  assert.equal(edit((v) => v.setUint32(0, 0x200, true)), SEC_E_INVALID_TOKEN);
  assert.equal(
    edit((v) => v.setUint32(8, b.length + 1, true)),
    SEC_E_INVALID_TOKEN,
  );
  assert.equal(edit((v) => v.setUint16(4, 47, true)), SEC_E_INVALID_TOKEN);
  assert.equal(
    edit((v) => v.setUint32(12, 0xfffffff0, true)),
    SEC_E_INVALID_TOKEN,
  );
  assert.equal(edit((v) => v.setUint16(16, 0xffff, true)), SEC_E_INVALID_TOKEN);
  assert.equal(edit((v) => v.setUint16(16, 5, true)), SEC_E_INVALID_TOKEN);
  assert.equal(edit((v) => v.setUint32(12, 10, true)), SEC_E_INVALID_TOKEN);
  assert.equal(
    edit((v) => v.setUint8(48 + 10 + 14 + 4, 0)),
    SEC_E_UNKNOWN_CREDENTIALS,
  );
  assert.equal(
    SspiUnmarshalAuthIdentity(20, b.subarray(0, 20), {}),
    SEC_E_INVALID_TOKEN,
  );
  assert.equal(
    SspiUnmarshalAuthIdentity(b.length + 1, b, {}),
    SEC_E_INVALID_PARAMETER,
  );
});

Deno.test(`20,000 mutated EX2 blobs give statuses only (seed ${FUZZ_SEED})`, () => {
  const ex: AuthIdentityOut = {};
  SspiExcludePackage(encode(), "Kerberos", ex);
  const len = { value: 0 }, out: { value?: Uint8Array } = {};
  SspiMarshalAuthIdentity(ex.value, len, out);
  const r = rng(FUZZ_SEED);
  const allowed = new Set([
    SEC_E_OK,
    SEC_E_INVALID_TOKEN,
    SEC_E_UNKNOWN_CREDENTIALS,
  ]);
  const n = fuzzIterations("FUZZ_ITERATIONS_AUTH_IDENTITY", 20000);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const m = mutate(out.value!, r);
    const back: AuthIdentityOut = {};
    const st = SspiUnmarshalAuthIdentity(m.length, m, back);
    assert.ok(allowed.has(st), `iteration ${i}: status 0x${st.toString(16)}`);
    if (st === SEC_E_OK) {
      ok++;
      if (i % 50 === 0) {
        const s = acquire("NTLM", SECPKG_CRED_OUTBOUND, back.value).status;
        assert.equal(typeof s, "number");
      }
    }
  }
  assert.ok(ok > 0, "some mutations still parse");
});

Deno.test("SspiCompareAuthIdentities: same user, same identity", () => {
  const a = encode();
  const cases: [unknown, boolean, boolean][] = [
    [encode(), true, true],
    [encode("ALICE", "example", PASSWORD), true, true],
    [encode("alice", "EXAMPLE", "other"), true, false],
    [encode("bob", "EXAMPLE", PASSWORD), false, false],
    [encode("alice", "OTHER", PASSWORD), false, false],
    [USER, true, true],
  ];
  for (const [b, user, ident] of cases) {
    const su = { value: false }, si = { value: false };
    assert.equal(SspiCompareAuthIdentities(a, b, su, si), SEC_E_OK);
    assert.deepEqual([su.value, si.value], [user, ident], Deno.inspect(b));
  }
  const ex: AuthIdentityOut = {};
  SspiExcludePackage(a, "Kerberos", ex);
  const su = { value: false }, si = { value: false };
  SspiCompareAuthIdentities(a, ex.value, su, si);
  assert.deepEqual([su.value, si.value], [true, false], "package list differs");
  assert.equal(
    SspiCompareAuthIdentities(a, null, su, si),
    SEC_E_INVALID_PARAMETER,
  );
});

Deno.test("SspiGetTargetHostName on SPN forms", () => {
  const cases: [string, string][] = [
    ["HTTP/web.contoso.com:8080/svc", "web.contoso.com"],
    ["HTTP/web.contoso.com", "web.contoso.com"],
    ["HTTP/web.contoso.com:443", "web.contoso.com"],
    ["host/dc1.contoso.com/contoso.com", "dc1.contoso.com"],
    ["HTTP/web.contoso.com@CONTOSO.COM", "web.contoso.com"],
    ["web.contoso.com", "web.contoso.com"],
    ["HTTP/[fe80::1]:8080", "fe80::1"],
  ];
  for (const [spn, host] of cases) {
    const out: { value?: string } = {};
    assert.equal(SspiGetTargetHostName(spn, out), SEC_E_OK, spn);
    assert.equal(out.value, host, spn);
  }
  assert.equal(SspiGetTargetHostName("", {}), SEC_E_INVALID_PARAMETER);
  assert.equal(SspiGetTargetHostName("HTTP/", {}), SEC_E_INVALID_PARAMETER);
});

Deno.test("the password never appears in inspect or JSON of any returned object", () => {
  const id = encode();
  const ex: AuthIdentityOut = {},
    copy: AuthIdentityOut = {},
    back: AuthIdentityOut = {};
  SspiExcludePackage(id, "Kerberos", ex);
  SspiCopyAuthIdentity(id, copy);
  const len = { value: 0 }, bytes: { value?: Uint8Array } = {};
  SspiMarshalAuthIdentity(id, len, bytes);
  SspiUnmarshalAuthIdentity(len.value, bytes.value!, back);
  const enc = encode();
  SspiEncryptAuthIdentity(enc);
  for (
    const o of [id, ex.value, copy.value, back.value, enc, { ex, copy, back }]
  ) {
    for (
      const text of [
        Deno.inspect(o, { depth: 10 }),
        JSON.stringify(o),
        String(o),
      ]
    ) {
      assert.ok(!text.includes(PASSWORD), text);
    }
  }
  assert.match(Deno.inspect(id), /alice/);
  assert.match(Deno.inspect(id), /Password: <hidden>/);
  // A failed acquire's sentence does not hold it either.
  SspiZeroAuthIdentity(copy.value);
  acquire("NTLM", SECPKG_CRED_OUTBOUND, copy.value);
  assert.ok(!Deno.inspect(new CredHandle()).includes(PASSWORD));
});

winprTest(
  "native WinPR client with an opaque identity -> portable NTLM server",
  async () => {
    await using sam = await samFile();
    const native = winprTable(sam.path);
    const portable = InitSecurityInterface({ provider: "portable" });
    const id = encode(ALICE.User, ALICE.Domain, ALICE.Password);
    const h = nativeHandshake(native, portable, ALICE, undefined, "NTLM", id);
    try {
      assert.equal(h.client, SEC_E_OK);
      assert.equal(h.server, SEC_E_OK);
    } finally {
      cleanup(native, portable, h);
    }
    SspiZeroAuthIdentity(id);
    assert.equal(
      native.AcquireCredentialsHandle(
        null,
        "NTLM",
        SECPKG_CRED_OUTBOUND,
        null,
        id,
        null,
        null,
        new CredHandle(),
        null,
      ),
      SEC_E_UNKNOWN_CREDENTIALS,
    );
  },
);
