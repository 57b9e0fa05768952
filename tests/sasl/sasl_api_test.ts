// The SASL functions without a KDC: profiles and their packages, identifying a first
// token, the per-context options and their errors, Negotiate (NTLM) passing through
// "GSS-SPNEGO" with no extra round, and a credential without a profile refused.
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  Sasl_AuthZIDForbidden,
  SASL_OPTION_AUTHZ_PROCESSING,
  SASL_OPTION_AUTHZ_STRING,
  SASL_OPTION_RECV_SIZE,
  SASL_OPTION_SEND_SIZE,
  SaslEnumerateProfiles,
  SaslGetContextOption,
  SaslGetProfilePackage,
  SaslIdentifyPackage,
  SaslInitializeSecurityContext,
  SaslSetContextOption,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  type SecPkgInfo,
  SECURITY_NATIVE_DREP,
  statusName,
} from "../../mod.ts";
import { saslAsc, saslIsc } from "./_sasl.ts";

const USER = { User: "alice", Domain: "EXAMPLE", Password: "Secret-Passw0rd" };
const st = (s: number) => statusName(s);

function creds(pkg: string): { client: CredHandle; server: CredHandle } {
  const client = new CredHandle();
  const server = new CredHandle();
  assert.equal(
    AcquireCredentialsHandle(
      null,
      pkg,
      SECPKG_CRED_OUTBOUND,
      null,
      USER,
      null,
      null,
      client,
      null,
    ),
    SEC_E_OK,
  );
  assert.equal(
    AcquireCredentialsHandle(
      null,
      pkg,
      SECPKG_CRED_INBOUND,
      null,
      { users: [USER] },
      null,
      null,
      server,
      null,
    ),
    SEC_E_OK,
  );
  return { client, server };
}

function identify(token: Uint8Array): { status: string; name?: string } {
  const info: { value?: SecPkgInfo } = {};
  const s = SaslIdentifyPackage(
    new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, token)]),
    info,
  );
  return { status: st(s), name: info.value?.Name };
}

Deno.test("SASL: profiles and their packages", () => {
  const list: { value?: string[] } = {};
  const count = { value: 0 };
  assert.equal(SaslEnumerateProfiles(list, count), SEC_E_OK);
  assert.deepEqual(list.value, ["GSSAPI", "GSS-SPNEGO", "DIGEST-MD5"]);
  assert.equal(count.value, 3);
  for (
    const [p, pkg] of [
      ["GSSAPI", "Kerberos"],
      ["gss-spnego", "Negotiate"],
      ["DIGEST-MD5", "WDigest"],
    ]
  ) {
    const info: { value?: SecPkgInfo } = {};
    assert.equal(SaslGetProfilePackage(p, info), SEC_E_OK);
    assert.equal(info.value?.Name, pkg);
  }
  assert.equal(
    st(SaslGetProfilePackage("PLAIN", {})),
    "SEC_E_SECPKG_NOT_FOUND",
  );
});

Deno.test("SASL: SaslIdentifyPackage reads the first token", () => {
  const { client } = creds("NTLM");
  const ctx = new CtxtHandle();
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  InitializeSecurityContext(
    client,
    null,
    "ldap/dc",
    ISC_REQ_ALLOCATE_MEMORY,
    0,
    SECURITY_NATIVE_DREP,
    null,
    0,
    ctx,
    out,
    { value: 0 },
  );
  const negotiate = out.pBuffers[0].pvBuffer!.slice(
    0,
    out.pBuffers[0].cbBuffer,
  );
  DeleteSecurityContext(ctx);
  FreeCredentialsHandle(client);
  assert.deepEqual(identify(negotiate), {
    status: "SEC_E_OK",
    name: "Negotiate",
  });
  // GSS-API framing: [APPLICATION 0] { OID, inner token }.
  const krb = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
  const spnego = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
  const framed = (oid: number[]) =>
    new Uint8Array([
      0x60,
      oid.length + 4,
      0x06,
      oid.length,
      ...oid,
      0x01,
      0x00,
    ]);
  assert.deepEqual(identify(framed(krb)), {
    status: "SEC_E_OK",
    name: "Kerberos",
  });
  assert.deepEqual(identify(framed(spnego)), {
    status: "SEC_E_OK",
    name: "Negotiate",
  });
  assert.deepEqual(
    identify(new TextEncoder().encode('username="alice",realm="x",nonce="n"')),
    { status: "SEC_E_OK", name: "WDigest" },
  );
  assert.equal(identify(framed([0x2a, 0x03])).status, "SEC_E_SECPKG_NOT_FOUND");
  assert.equal(
    identify(new Uint8Array([1, 2, 3])).status,
    "SEC_E_SECPKG_NOT_FOUND",
  );
  assert.equal(identify(new Uint8Array(0)).status, "SEC_E_INVALID_TOKEN");
  // Truncated and lying lengths: a status, never an exception.
  const whole = framed(krb);
  for (let n = 1; n < whole.length; n++) {
    assert.equal(typeof identify(whole.subarray(0, n)).status, "string");
  }
  assert.equal(
    identify(new Uint8Array([0x60, 0x84, 0xff, 0xff, 0xff, 0xff, 0x06])).status,
    "SEC_E_SECPKG_NOT_FOUND",
  );
});

Deno.test("SASL: GSS-SPNEGO passes through Negotiate (NTLM) with no extra round", () => {
  const { client, server } = creds("Negotiate");
  const c = new CtxtHandle();
  const s = new CtxtHandle();
  const flags = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY;
  let rounds = 0;
  let input: Uint8Array | null = null;
  let cs = SEC_I_CONTINUE_NEEDED;
  let ss = SEC_I_CONTINUE_NEEDED;
  for (; rounds < 6 && (cs !== SEC_E_OK || ss !== SEC_E_OK); rounds++) {
    if (cs !== SEC_E_OK) {
      const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
      cs = SaslInitializeSecurityContext(
        client,
        rounds === 0 ? null : c,
        "ldap/dc",
        flags,
        0,
        SECURITY_NATIVE_DREP,
        input
          ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, input)])
          : null,
        0,
        c,
        out,
        { value: 0 },
      );
      input = out.pBuffers[0].pvBuffer?.slice(0, out.pBuffers[0].cbBuffer) ??
        null;
      if (!input?.length) input = null;
    }
    if (input && ss !== SEC_E_OK) {
      const r = saslAsc(server, s, rounds === 0, 0x100, input);
      ss = r.status;
      input = r.token.length ? r.token : null;
    }
  }
  assert.equal(st(cs), "SEC_E_OK");
  assert.equal(st(ss), "SEC_E_OK");
  // NEGOTIATE, CHALLENGE, AUTHENTICATE and the server's MIC: as plain Negotiate.
  assert.equal(rounds, 3);
  // The sealing is the context's own (NTLM's): a message across.
  const msg = () => [
    new SecBuffer(SECBUFFER_TOKEN, sig),
    new SecBuffer(SECBUFFER_DATA, data),
  ];
  const sig = new Uint8Array(16);
  const data = new TextEncoder().encode("hello");
  assert.equal(EncryptMessage(c, 0, new SecBufferDesc(msg()), 0), SEC_E_OK);
  assert.notEqual(new TextDecoder().decode(data), "hello");
  assert.equal(
    DecryptMessage(s, new SecBufferDesc(msg()), 0, { value: 0 }),
    SEC_E_OK,
  );
  assert.equal(new TextDecoder().decode(data), "hello");
  const v = { value: 0 as number | Uint8Array };
  assert.equal(SaslGetContextOption(c, SASL_OPTION_SEND_SIZE, v, 4), SEC_E_OK);
  assert.equal(v.value, 0xffff);
  for (const h of [c, s]) DeleteSecurityContext(h);
  FreeCredentialsHandle(client);
  FreeCredentialsHandle(server);
});

Deno.test("SASL: options, their errors, and contexts that are not SASL's", async () => {
  const { client, server } = creds("Negotiate");
  const c = new CtxtHandle();
  const first = await saslIsc(client, c, true, "ldap/dc", 0x100, null);
  assert.equal(st(first.status), "SEC_I_CONTINUE_NEEDED");
  const v = { value: undefined as number | Uint8Array | undefined };
  const need = { value: 0 };
  assert.equal(
    st(SaslGetContextOption(c, SASL_OPTION_RECV_SIZE, v, 2, need)),
    "SEC_E_BUFFER_TOO_SMALL",
  );
  assert.equal(need.value, 4);
  assert.equal(
    SaslSetContextOption(c, SASL_OPTION_RECV_SIZE, 4096, 4),
    SEC_E_OK,
  );
  assert.equal(SaslGetContextOption(c, SASL_OPTION_RECV_SIZE, v, 4), SEC_E_OK);
  assert.equal(v.value, 4096);
  assert.equal(
    st(SaslSetContextOption(c, SASL_OPTION_RECV_SIZE, 0x1000000, 4)),
    "SEC_E_INVALID_PARAMETER",
  );
  assert.equal(
    SaslSetContextOption(c, SASL_OPTION_AUTHZ_STRING, "admin-extra", 5),
    SEC_E_OK,
  );
  assert.equal(
    SaslGetContextOption(c, SASL_OPTION_AUTHZ_STRING, v, 16),
    SEC_E_OK,
  );
  assert.equal(
    new TextDecoder().decode(v.value as unknown as Uint8Array),
    "admin",
  );
  assert.equal(
    SaslSetContextOption(
      c,
      SASL_OPTION_AUTHZ_PROCESSING,
      Sasl_AuthZIDForbidden,
      4,
    ),
    SEC_E_OK,
  );
  assert.equal(
    st(SaslGetContextOption(c, SASL_OPTION_AUTHZ_STRING, v, 16)),
    "SEC_E_UNSUPPORTED_FUNCTION",
  );
  assert.equal(
    st(SaslSetContextOption(c, SASL_OPTION_AUTHZ_PROCESSING, 7, 4)),
    "SEC_E_INVALID_PARAMETER",
  );
  assert.equal(
    st(SaslGetContextOption(c, 99, v, 4)),
    "SEC_E_UNSUPPORTED_FUNCTION",
  );
  // A context from plain InitializeSecurityContext is not in the SASL list.
  const plain = new CtxtHandle();
  InitializeSecurityContext(
    client,
    null,
    "ldap/dc",
    0x100,
    0,
    SECURITY_NATIVE_DREP,
    null,
    0,
    plain,
    new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]),
    { value: 0 },
  );
  assert.equal(
    st(SaslGetContextOption(plain, SASL_OPTION_SEND_SIZE, v, 4)),
    "SEC_E_INVALID_HANDLE",
  );
  DeleteSecurityContext(plain);
  DeleteSecurityContext(c);
  assert.equal(
    st(SaslGetContextOption(c, SASL_OPTION_SEND_SIZE, v, 4)),
    "SEC_E_INVALID_HANDLE",
  );
  FreeCredentialsHandle(client);
  FreeCredentialsHandle(server);
});

Deno.test("SASL: a package without a profile is refused", async () => {
  const { client, server } = creds("NTLM");
  const r = await saslIsc(
    client,
    new CtxtHandle(),
    true,
    "ldap/dc",
    0x100,
    null,
  );
  assert.equal(st(r.status), "SEC_E_SECPKG_NOT_FOUND");
  FreeCredentialsHandle(client);
  FreeCredentialsHandle(server);
});
