// MIT credential caches: the FILE: caches kinit and kvno write, parsed and checked
// against klist; truncated and lying files; and single sign-on: a Kerberos or
// Negotiate credential acquired with no pAuthData uses the cache's TGT and service
// tickets against our acceptor, and never asks for a TGT itself.
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  lastErrorDetail,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
  statusName,
} from "../../mod.ts";
import {
  defaultCcacheLocation,
  parseCcache,
  selectTickets,
} from "../../src/packages/kerberos/ccache.ts";
import { acquireKerberosCredential } from "../../src/packages/kerberos/credentials_acquire.ts";
import {
  acquireDefault,
  checkAgainstKlist,
  checkTruncations,
  handshake,
  name,
  NOW,
  serverCred,
  synthetic,
  withEnv,
  writeCcache,
} from "./_ccache_helpers.ts";
import {
  iscStep,
  KRB_FLAGS,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

/** The first, synchronous InitializeSecurityContext call for `target`. */
function syncFirst(cred: CredHandle, target: string, ctx = new CtxtHandle()) {
  const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
  const status = InitializeSecurityContext(
    cred,
    null,
    target,
    KRB_FLAGS,
    0,
    SECURITY_NATIVE_DREP,
    null,
    0,
    ctx,
    out,
    { value: 0 },
    null,
  );
  const b = out.pBuffers[0];
  return { status, token: b.pvBuffer?.subarray(0, b.cbBuffer) ?? null };
}

Deno.test("ccache: kinit's and kvno's caches match klist; truncations are errors or shorter caches", () =>
  withKdc(async (kdc) => {
    const file = kdc.env.KRB5CCNAME.slice("FILE:".length);
    const a = await checkAgainstKlist(file);
    assert.deepEqual(a.cc.credentials.map((c) => name(c.server)), [
      `krbtgt/${REALM}@${REALM}`,
    ]);
    assert.deepEqual(a.cc.defaultPrincipal, {
      nameType: 1,
      realm: REALM,
      components: [KRB_USER.user],
    });
    assert.ok(a.cc.timeOffset, "the DeltaTime header field");
    checkTruncations(a.bytes, a.cc, a.entries);
    const o = await new Deno.Command("kvno", { args: [SERVICE], env: kdc.env })
      .output();
    assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
    const b = await checkAgainstKlist(file);
    assert.deepEqual(b.cc.credentials.map((c) => name(c.server)), [
      `krbtgt/${REALM}@${REALM}`,
      `${SERVICE}@${REALM}`,
    ]);
    checkTruncations(b.bytes, b.cc, b.entries);
    const { tgt, services } = selectTickets(b.cc);
    assert.equal(tgt, b.cc.credentials[0]);
    assert.deepEqual([...services.keys()], ["http/localhost"]);
    // Version 3 (the enctype written twice, no header) reads the same.
    const v3 = parseCcache(writeCcache(b.cc, { version: 0x0503 }));
    assert.equal(v3.timeOffset, undefined);
    assert.deepEqual(v3.credentials, b.cc.credentials);
  }));

Deno.test("ccache: configuration entries are skipped; unknown header tags ignored; lying lengths and counts are errors", () => {
  const cc = synthetic();
  assert.deepEqual(parseCcache(writeCcache(cc, { config: true })), cc);
  const withTag = writeCcache(cc);
  const tagged = new Uint8Array([
    ...withTag.subarray(0, 2),
    0,
    18,
    0,
    9,
    0,
    2,
    0xaa,
    0xbb,
    ...withTag.subarray(4),
  ]);
  assert.deepEqual(parseCcache(tagged), cc);
  for (const bad of [[], [5], [5, 2], [5, 1, 0, 0], [4, 4], [5, 5, 0, 0]]) {
    assert.throws(() => parseCcache(new Uint8Array(bad)), /version|offset/);
  }
  // A header field longer than the header.
  assert.throws(
    () => parseCcache(new Uint8Array([5, 4, 0, 4, 0, 1, 0, 8])),
    /offset/,
  );
  const before = Deno.memoryUsage().rss;
  for (
    const field of [
      "header",
      "components",
      "realm",
      "key",
      "addresses",
      "authdata",
      "ticket",
      "secondTicket",
    ] as const
  ) {
    for (const value of [0xffffffff, 0x7fffffff, 0x10000]) {
      const bytes = writeCcache(cc, {
        lie: { field, value: field === "header" ? value & 0xffff : value },
      });
      assert.throws(
        () => parseCcache(bytes),
        /offset \d+/,
        `${field} = ${value}`,
      );
    }
  }
  assert.ok(Deno.memoryUsage().rss - before < 64 << 20, "no huge allocation");
});

Deno.test("ccache: selectTickets keeps the default principal's unexpired AES tickets, the longest-lived per SPN", () => {
  const cc = synthetic();
  const [tgt, http] = cc.credentials;
  const later = { ...http, endtime: http.endtime + 60 };
  cc.credentials.push(
    { ...tgt, endtime: NOW - 1 }, // expired
    {
      ...http,
      server: { ...http.server, components: ["HTTP", "skey"] },
      isSkey: true,
    },
    {
      ...http,
      server: { ...http.server, components: ["HTTP", "des3"] },
      key: { etype: 16, bytes: new Uint8Array(24) },
    },
    {
      ...http,
      server: { ...http.server, components: ["HTTP", "short"] },
      key: { etype: 18, bytes: new Uint8Array(16) },
    },
    {
      ...http,
      server: { ...http.server, components: ["HTTP", "invalid"] },
      ticketFlags: 0x01000000,
    },
    {
      ...http,
      server: { ...http.server, components: ["HTTP", "bob"] },
      client: { ...http.client, components: ["bob"] },
    },
    later,
  );
  const s = selectTickets(cc);
  assert.equal(s.tgt, tgt);
  assert.deepEqual([...s.services], [["http/web", later]]);
  assert.equal(selectTickets(cc, (NOW + 7200) * 1000).tgt, null);
});

Deno.test("ccache: KRB5CCNAME FILE: and bare paths are read; other cache types are refused with the reason", () => {
  const where = (v: string) =>
    withEnv({ KRB5CCNAME: v }, defaultCcacheLocation);
  assert.deepEqual(where("FILE:/tmp/x"), { path: "/tmp/x" });
  assert.deepEqual(where("/tmp/krb5cc_1000"), { path: "/tmp/krb5cc_1000" });
  assert.deepEqual(where("C:\\cc"), { path: "C:\\cc" });
  for (
    const t of [
      "KEYRING:persistent:1000",
      "KCM:",
      "DIR:/run/user/1000/krb5cc",
      "MEMORY:x",
      "API:",
    ]
  ) {
    const r = where(t);
    assert.ok(
      "reason" in r && r.reason.includes(t.slice(0, t.indexOf(":") + 1)),
      JSON.stringify(r),
    );
  }
});

Deno.test("ccache SSO: no cache, another cache type, an absent or expired TGT, or no KDC -> SEC_E_NO_CREDENTIALS, and no AS-REQ", async () => {
  const none = acquireDefault("Kerberos", {
    KRB5CCNAME: "FILE:/nonexistent/cc",
    KRB5_CONFIG: "/nonexistent",
  });
  assert.equal(st(none.status), st(SEC_E_NO_CREDENTIALS));
  assert.match(
    none.message,
    /no credential cache: \/nonexistent\/cc cannot be read/,
  );
  const kcm = acquireDefault("Kerberos", {
    KRB5CCNAME: "KCM:",
    KRB5_CONFIG: "/nonexistent",
  });
  assert.equal(st(kcm.status), st(SEC_E_NO_CREDENTIALS));
  assert.match(kcm.message, /KCM/);
  const neg = acquireDefault("Negotiate", {
    KRB5CCNAME: "KCM:",
    KRB5_CONFIG: "/nonexistent",
  }, { PackageList: "Kerberos" });
  assert.equal(st(neg.status), st(SEC_E_NO_CREDENTIALS));

  const dir = await Deno.makeTempDir();
  try {
    const cc = synthetic();
    const file = `${dir}/cc`;
    const env = { KRB5CCNAME: `FILE:${file}`, KRB5_CONFIG: "/nonexistent" };
    // Only an expired TGT, and no KDC known: nothing to use.
    Deno.writeFileSync(
      file,
      writeCcache({
        ...cc,
        credentials: [{ ...cc.credentials[0], endtime: NOW - 10 }],
      }),
    );
    const noKdc = acquireDefault("Kerberos", env);
    assert.equal(st(noKdc.status), st(SEC_E_NO_CREDENTIALS));
    assert.match(noKdc.message, /no KDC is known for realm EX\.TEST/);
    // With a KDC (a transport that records what it is asked): acquired, but the first
    // step fails, sync or async, without any request.
    const asked: Uint8Array[] = [];
    const KdcTransport = (_realm: string, req: Uint8Array) => {
      asked.push(req);
      return Promise.reject(new Error("unreachable"));
    };
    for (
      const credentials of [[], [{ ...cc.credentials[0], endtime: NOW - 10 }]]
    ) {
      Deno.writeFileSync(file, writeCcache({ ...cc, credentials }));
      const { status, cred } = acquireDefault("Kerberos", env, {
        KdcTransport,
      });
      assert.equal(st(status), st(SEC_E_OK));
      const a = await iscStep(cred, newCtx(), true, "HTTP/web", null);
      assert.equal(st(a.status), st(SEC_E_NO_CREDENTIALS));
      const s = syncFirst(cred, "HTTP/web").status;
      assert.equal(st(s), st(SEC_E_NO_CREDENTIALS));
      assert.match(
        lastErrorDetail()?.message ?? "",
        /no valid TGT .*run kinit/,
      );
      FreeCredentialsHandle(cred);
    }
    assert.equal(asked.length, 0, "no AS-REQ");
    // pszPrincipal naming someone else.
    Deno.writeFileSync(file, writeCcache(cc));
    const other = withEnv(
      env,
      () =>
        AcquireCredentialsHandle(
          "bob@EX.TEST",
          "Kerberos",
          SECPKG_CRED_OUTBOUND,
          null,
          null,
          null,
          null,
          new CredHandle(),
          null,
        ),
    );
    assert.equal(st(other), st(SEC_E_NO_CREDENTIALS));
    // The keys are not visible to inspection, and dispose wipes them.
    const cred = withEnv(
      env,
      () =>
        acquireKerberosCredential(
          {
            use: SECPKG_CRED_OUTBOUND,
            principal: "alice",
            authData: { Kdc: "127.0.0.1:1" },
          } as never,
        ),
    );
    assert.doesNotMatch(
      Deno.inspect(cred, { depth: 10, showHidden: true }),
      /Uint8Array|7, 7/,
    );
    const key = cred.tgt!.key.bytes;
    assert.equal(cred.serviceTicket("HTTP/web")!.key.etype, 17);
    cred.dispose();
    assert.ok(key.every((b) => b === 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ccache SSO: no pAuthData -> the cache's TGT, a TGS exchange, our acceptor (Kerberos, Negotiate); after kvno, synchronously with no KDC", () =>
  withKdc(async (kdc) => {
    const env = {
      KRB5CCNAME: kdc.env.KRB5CCNAME,
      KRB5_CONFIG: kdc.env.KRB5_CONFIG,
    };
    for (const pkg of ["Kerberos", "Negotiate"]) {
      const server = serverCred(pkg, kdc.env.KRB5_KTNAME);
      const { status, cred, message } = acquireDefault(pkg, env);
      assert.equal(st(status), st(SEC_E_OK), message);
      const ctx = newCtx();
      const a = await iscStep(cred, ctx, true, SERVICE, null);
      assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
      await handshake(cred, ctx, a.token!, server);
      FreeCredentialsHandle(cred);
      FreeCredentialsHandle(server);
    }
    const o = await new Deno.Command("kvno", { args: [SERVICE], env: kdc.env })
      .output();
    assert.equal(o.code, 0);
    // No KDC known (an empty krb5.conf): the cached service ticket is enough.
    const empty = await Deno.makeTempFile();
    try {
      const { status, cred } = acquireDefault("Kerberos", {
        ...env,
        KRB5_CONFIG: empty,
      });
      assert.equal(st(status), st(SEC_E_OK));
      const ctx = new CtxtHandle();
      const first = syncFirst(cred, SERVICE, ctx);
      assert.equal(st(first.status), st(SEC_I_CONTINUE_NEEDED));
      // The GSS form of the target names the same cached ticket.
      const gss = syncFirst(cred, "HTTP@localhost");
      assert.equal(st(gss.status), st(SEC_I_CONTINUE_NEEDED));
      const server = serverCred("Kerberos", kdc.env.KRB5_KTNAME);
      await handshake(cred, ctx, first.token!, server);
      FreeCredentialsHandle(cred);
      FreeCredentialsHandle(server);
    } finally {
      await Deno.remove(empty);
    }
  }));
