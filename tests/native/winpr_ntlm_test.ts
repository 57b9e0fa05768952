/**
 * Native WinPR client <-> native WinPR server through the native function table:
 * handshake, sealing both ways, integrity, attributes, package queries, a wrong password,
 * and the same handshake through the `Sspi*Async` forms (nonblocking FFI).
 */
import assert from "node:assert/strict";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import type {
  SecPkgContext_PackageInfo,
  SecPkgContext_SessionKey,
  SecPkgContext_Sizes,
} from "../../src/sspi/attributes.ts";
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_ALLOCATE_MEMORY,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
} from "../../src/sspi/flags.ts";
import { CredHandle, CtxtHandle } from "../../src/sspi/handles.ts";
import type { SecPkgInfo } from "../../src/sspi/package.ts";
import {
  SEC_E_INVALID_HANDLE,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_ASYNC_CALL_PENDING,
  SEC_I_COMPLETE_NEEDED,
  SEC_I_CONTINUE_NEEDED,
  statusName,
} from "../../src/sspi/status.ts";
import type { SecurityFunctionTable } from "../../src/provider.ts";
import type { SspiAsyncContext } from "../../src/sspi/async.ts";
import {
  ALICE,
  cleanup,
  handshake,
  samFile,
  winprTable,
  winprTest,
} from "./_helpers.ts";

const enc = new TextEncoder();

function sealed(
  t: SecurityFunctionTable,
  from: CtxtHandle,
  to: CtxtHandle,
  text: string,
  seq: number,
): void {
  const plain = enc.encode(text);
  const data = plain.slice();
  const sig = new Uint8Array(16);
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, sig),
    new SecBuffer(SECBUFFER_DATA, data),
  ]);
  assert.equal(statusName(t.EncryptMessage(from, 0, msg, seq)), "SEC_E_OK");
  assert.equal(msg.pBuffers[0].cbBuffer, 16);
  assert.notDeepEqual(data, plain, "EncryptMessage encrypts the data in place");
  assert.notDeepEqual(
    sig,
    new Uint8Array(16),
    "the trailer is written in place",
  );
  const qop = { value: -1 };
  assert.equal(
    statusName(t.DecryptMessage(to, msg, seq, qop)),
    "SEC_E_OK",
  );
  assert.deepEqual(
    data,
    plain,
    "DecryptMessage restores the plaintext in place",
  );
  assert.equal(qop.value, 0);
}

winprTest("WinPR <-> WinPR: NTLM handshake, sealing, attributes", async () => {
  await using sam = await samFile();
  const t = winprTable(sam.path);
  assert.equal(t.provider, "native");
  assert.equal(t.library, "libwinpr2.so.2");
  assert.equal(winprTable(sam.path), t, "the same options give the same table");
  const h = handshake(t, t);
  assert.equal(statusName(h.client), "SEC_E_OK");
  // WinPR's acceptor checks the password only in CompleteAuthToken.
  assert.equal(statusName(h.serverAccept), "SEC_I_COMPLETE_NEEDED");
  assert.equal(statusName(h.server), "SEC_E_OK");
  assert.equal(h.tokens.length, 3, "NEGOTIATE, CHALLENGE, AUTHENTICATE");
  const sigs = h.tokens.map((x) => new TextDecoder().decode(x.subarray(0, 8)));
  assert.deepEqual(sigs, ["NTLMSSP\0", "NTLMSSP\0", "NTLMSSP\0"]);
  assert.deepEqual(h.tokens.map((x) => x[8]), [1, 2, 3]);
  assert.notEqual(h.clientCtx.dwLower, 0n);
  assert.notEqual(h.serverCtx.dwLower, 0n);

  // Sealing both ways; WinPR signs with the caller's MessageSeqNo.
  sealed(t, h.clientCtx, h.serverCtx, "hello server", 0);
  sealed(t, h.serverCtx, h.clientCtx, "hello client", 0);
  sealed(t, h.clientCtx, h.serverCtx, "x".repeat(70000), 1);
  sealed(t, h.serverCtx, h.clientCtx, "second", 1);

  // A tampered message is refused.
  const data = enc.encode("tamper me");
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
    new SecBuffer(SECBUFFER_DATA, data),
  ]);
  assert.equal(t.EncryptMessage(h.clientCtx, 0, msg, 2), SEC_E_OK);
  data[0] ^= 1;
  assert.equal(
    statusName(t.DecryptMessage(h.serverCtx, msg, 2, null)),
    statusName(SEC_E_MESSAGE_ALTERED),
  );

  // WinPR 2 has no MakeSignature/VerifySignature for NTLM: the status comes through.
  const signMsg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, enc.encode("sign")),
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
  ]);
  const ms = t.MakeSignature(h.clientCtx, 0, signMsg, 3);
  if (ms === SEC_E_OK) {
    assert.equal(
      statusName(t.VerifySignature(h.serverCtx, signMsg, 3, { value: 0 })),
      "SEC_E_OK",
    );
  } else {
    assert.equal(statusName(ms), "SEC_E_UNSUPPORTED_FUNCTION");
    assert.equal(
      t.VerifySignature(h.serverCtx, signMsg, 3, { value: 0 }),
      SEC_E_UNSUPPORTED_FUNCTION,
    );
  }

  // SIZES is answered by WinPR itself.
  for (const ctx of [h.clientCtx, h.serverCtx]) {
    const sizes: { value?: SecPkgContext_Sizes } = {};
    assert.equal(t.QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, sizes), 0);
    assert.deepEqual(sizes.value, {
      cbMaxToken: 2010,
      cbMaxSignature: 16,
      cbBlockSize: 0,
      cbSecurityTrailer: 16,
    });
    // PACKAGE_INFO: WinPR 2 refuses it; the provider answers from the package table.
    const pi: { value?: SecPkgContext_PackageInfo } = {};
    assert.equal(
      t.QueryContextAttributes(ctx, SECPKG_ATTR_PACKAGE_INFO, pi),
      SEC_E_OK,
    );
    assert.equal(pi.value?.PackageInfo.Name, "NTLM");
    assert.equal(pi.value?.PackageInfo.cbMaxToken, 2888);
  }
  // SESSION_KEY and NAMES: equal on both sides where the library has them; WinPR 2
  // answers SEC_E_UNSUPPORTED_FUNCTION (sealing above already proves equal keys).
  const ck: { value?: SecPkgContext_SessionKey } = {};
  const sk: { value?: SecPkgContext_SessionKey } = {};
  const cs = t.QueryContextAttributes(h.clientCtx, SECPKG_ATTR_SESSION_KEY, ck);
  const ss = t.QueryContextAttributes(h.serverCtx, SECPKG_ATTR_SESSION_KEY, sk);
  assert.equal(cs, ss);
  if (cs === SEC_E_OK) {
    assert.equal(ck.value?.SessionKeyLength, 16);
    assert.deepEqual(ck.value, sk.value);
  } else {
    assert.equal(statusName(cs), "SEC_E_UNSUPPORTED_FUNCTION");
  }
  const names: { value?: { sUserName: string } } = {};
  const ns = t.QueryContextAttributes(h.serverCtx, SECPKG_ATTR_NAMES, names);
  if (ns === SEC_E_OK) {
    assert.match(names.value!.sUserName, /alice/i);
  } else {
    assert.equal(statusName(ns), "SEC_E_UNSUPPORTED_FUNCTION");
  }

  // Unknown handles never reach the library.
  const bogus = new CtxtHandle();
  bogus.dwLower = 12345n;
  bogus.dwUpper = 678n;
  assert.equal(t.QueryContextAttributes(bogus, 0, {}), SEC_E_INVALID_HANDLE);

  cleanup(t, t, h);
  // A second delete/free is refused instead of freeing twice.
  assert.equal(t.DeleteSecurityContext(h.clientCtx), SEC_E_INVALID_HANDLE);
  assert.equal(t.FreeCredentialsHandle(h.clientCred), SEC_E_INVALID_HANDLE);
});

winprTest(
  "WinPR: integrity-only context signs through EncryptMessage",
  async () => {
    await using sam = await samFile();
    const t = winprTable(sam.path);
    const cc = new CredHandle(), sc = new CredHandle();
    const cx = new CtxtHandle(), sx = new CtxtHandle();
    assert.equal(
      t.AcquireCredentialsHandle(
        null,
        "NTLM",
        SECPKG_CRED_OUTBOUND,
        null,
        {
          ...ALICE,
        },
        null,
        null,
        cc,
        null,
      ),
      0,
    );
    assert.equal(
      t.AcquireCredentialsHandle(
        null,
        "NTLM",
        SECPKG_CRED_INBOUND,
        null,
        null,
        null,
        null,
        sc,
        null,
      ),
      0,
    );
    // Caller-supplied output buffers (no ALLOCATE_MEMORY): tokens are written in place.
    let toClient: Uint8Array | null = null;
    const buf = new Uint8Array(4096);
    for (let i = 0; i < 2; i++) {
      const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, buf)]);
      const s = t.InitializeSecurityContext(
        cc,
        i ? cx : null,
        "HOST/peer",
        0,
        0,
        SECURITY_NATIVE_DREP,
        toClient
          ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, toClient)])
          : null,
        0,
        cx,
        out,
        { value: 0 },
        null,
      );
      assert.equal(s, i ? SEC_E_OK : SEC_I_CONTINUE_NEEDED, statusName(s));
      assert.equal(
        out.pBuffers[0].pvBuffer,
        buf,
        "written into the caller's buffer",
      );
      const tok = buf.slice(0, out.pBuffers[0].cbBuffer);
      assert.equal(tok[8], i ? 3 : 1);
      const sbuf = new Uint8Array(4096);
      const sout = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, sbuf)]);
      const a = t.AcceptSecurityContext(
        sc,
        i ? sx : null,
        new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, tok)]),
        0,
        SECURITY_NATIVE_DREP,
        sx,
        sout,
        { value: 0 },
        null,
      );
      if (i === 0) {
        assert.equal(a, SEC_I_CONTINUE_NEEDED);
        toClient = sbuf.slice(0, sout.pBuffers[0].cbBuffer);
        assert.equal(toClient[8], 2);
      } else {
        assert.equal(a, SEC_I_COMPLETE_NEEDED);
        assert.equal(t.CompleteAuthToken(sx, sout), SEC_E_OK);
      }
    }
    const plain = enc.encode("integrity only");
    const data = plain.slice();
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_DATA, data),
      new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
    ]);
    assert.equal(t.EncryptMessage(cx, 0, msg, 0), SEC_E_OK);
    assert.deepEqual(
      data,
      plain,
      "without CONFIDENTIALITY the data is only signed",
    );
    assert.equal(t.DecryptMessage(sx, msg, 0, null), SEC_E_OK);
    data[1] ^= 0x20;
    assert.equal(t.DecryptMessage(sx, msg, 1, null), SEC_E_MESSAGE_ALTERED);
    for (const x of [cx, sx]) assert.equal(t.DeleteSecurityContext(x), 0);
    for (const c of [cc, sc]) assert.equal(t.FreeCredentialsHandle(c), 0);
  },
);

winprTest("WinPR: wrong password and unknown user fail", async () => {
  await using sam = await samFile();
  const t = winprTable(sam.path);
  const bad = handshake(t, t, { ...ALICE, Password: "wrong" });
  // With a MIC (WinPR sends one by default) a wrong password shows as an altered MIC.
  assert.equal(statusName(bad.serverAccept), "SEC_I_COMPLETE_NEEDED");
  assert.equal(statusName(bad.server), "SEC_E_MESSAGE_ALTERED");
  cleanup(t, t, bad);
  const nobody = handshake(t, t, {
    User: "mallory",
    Domain: "X",
    Password: "x",
  });
  // An unknown user (no SAM line) fails CompleteAuthToken with SEC_E_INTERNAL_ERROR.
  assert.equal(statusName(nobody.server), "SEC_E_INTERNAL_ERROR");
  cleanup(t, t, nobody);
  // So does a SAM file that does not exist: proves the samFile option is what WinPR reads.
  const noSam = winprTable("/nonexistent/winpr/SAM");
  const lost = handshake(noSam, noSam);
  assert.equal(statusName(lost.server), "SEC_E_INTERNAL_ERROR");
  cleanup(noSam, noSam, lost);
});

winprTest(
  "WinPR: EnumerateSecurityPackages and QuerySecurityPackageInfo",
  () => {
    const t = winprTable("/nonexistent");
    const count = { value: 0 };
    const list: { value?: SecPkgInfo[] } = {};
    assert.equal(t.EnumerateSecurityPackages(count, list), SEC_E_OK);
    assert.equal(list.value!.length, count.value);
    const names = list.value!.map((p) => p.Name);
    for (const n of ["NTLM", "Negotiate"]) {
      assert.ok(
        names.includes(n),
        names.join(),
      );
    }
    const info: { value?: SecPkgInfo } = {};
    assert.equal(t.QuerySecurityPackageInfo("NTLM", info), SEC_E_OK);
    assert.deepEqual(info.value, list.value!.find((p) => p.Name === "NTLM"));
    assert.equal(info.value!.cbMaxToken, 2888);
    assert.equal(info.value!.Comment, "NTLM Security Package");
    assert.ok(
      t.QuerySecurityPackageInfo("NoSuchPackage", {}) >= 0x80000000,
      "unknown package fails",
    );
  },
);

async function waitOk(
  t: SecurityFunctionTable,
  a: SspiAsyncContext,
  queued: number,
): Promise<number> {
  assert.equal(queued, SEC_E_OK, "queued");
  const s = await t.SspiWaitForAsyncCall(a);
  assert.equal(t.SspiGetAsyncCallStatus(a), s);
  assert.equal(t.SspiReinitAsyncContext(a), SEC_E_OK);
  return s;
}

winprTest(
  "WinPR: the same handshake through the Sspi*Async functions",
  async () => {
    await using sam = await samFile();
    const t = winprTable(sam.path);
    const a = t.SspiCreateAsyncContext();
    let notified = 0;
    assert.equal(t.SspiSetAsyncNotifyCallback(a, () => notified++, null), 0);
    const cc = new CredHandle(), sc = new CredHandle();
    const cx = new CtxtHandle(), sx = new CtxtHandle();
    const q = t.SspiAcquireCredentialsHandleAsync(
      a,
      null,
      "NTLM",
      SECPKG_CRED_OUTBOUND,
      null,
      { ...ALICE },
      null,
      null,
      cc,
      null,
    );
    assert.equal(t.SspiGetAsyncCallStatus(a), SEC_I_ASYNC_CALL_PENDING);
    assert.equal(await waitOk(t, a, q), SEC_E_OK);
    assert.equal(
      await waitOk(
        t,
        a,
        t.SspiAcquireCredentialsHandleAsync(
          a,
          null,
          "NTLM",
          SECPKG_CRED_INBOUND,
          null,
          null,
          null,
          null,
          sc,
          null,
        ),
      ),
      SEC_E_OK,
    );
    let toServer: Uint8Array | null = null;
    let toClient: Uint8Array | null = null;
    const tokens: number[] = [];
    for (let i = 0; i < 2; i++) {
      const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
      const cs = await waitOk(
        t,
        a,
        t.SspiInitializeSecurityContextAsync(
          a,
          cc,
          i ? cx : null,
          "HTTP/web",
          ISC_REQ_ALLOCATE_MEMORY | 0x10,
          0,
          SECURITY_NATIVE_DREP,
          toClient
            ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, toClient)])
            : null,
          0,
          cx,
          out,
          { value: 0 },
          null,
        ),
      );
      assert.equal(cs, i ? SEC_E_OK : SEC_I_CONTINUE_NEEDED, statusName(cs));
      toServer = out.pBuffers[0].pvBuffer!;
      assert.equal(toServer.length, out.pBuffers[0].cbBuffer);
      tokens.push(toServer[8]);
      const sout = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
      const ss = await waitOk(
        t,
        a,
        t.SspiAcceptSecurityContextAsync(
          a,
          sc,
          i ? sx : null,
          new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, toServer)]),
          ASC_REQ_ALLOCATE_MEMORY | 0x10,
          SECURITY_NATIVE_DREP,
          sx,
          sout,
          { value: 0 },
          null,
        ),
      );
      if (i === 0) {
        assert.equal(ss, SEC_I_CONTINUE_NEEDED, statusName(ss));
        toClient = sout.pBuffers[0].pvBuffer!;
        tokens.push(toClient[8]);
      } else {
        assert.equal(ss, SEC_I_COMPLETE_NEEDED, statusName(ss));
        assert.equal(t.CompleteAuthToken(sx, sout), SEC_E_OK);
      }
    }
    assert.deepEqual(tokens, [1, 2, 3]);
    sealed(t, cx, sx, "async handshake sealed", 0);
    sealed(t, sx, cx, "and back", 0);
    // DELEGATE is refused by the async form, as documented for sspi.h.
    assert.equal(
      await waitOk(
        t,
        a,
        t.SspiInitializeSecurityContextAsync(
          a,
          cc,
          null,
          "x",
          1,
          0,
          0,
          null,
          0,
          new CtxtHandle(),
          null,
          null,
          null,
        ),
      ),
      SEC_E_UNSUPPORTED_FUNCTION,
    );
    for (const x of [cx, sx]) {
      assert.equal(
        await waitOk(t, a, t.SspiDeleteSecurityContextAsync(a, x)),
        0,
      );
    }
    for (const c of [cc, sc]) {
      assert.equal(
        await waitOk(t, a, t.SspiFreeCredentialsHandleAsync(a, c)),
        0,
      );
    }
    assert.equal(
      await waitOk(t, a, t.SspiDeleteSecurityContextAsync(a, cx)),
      SEC_E_INVALID_HANDLE,
    );
    assert.ok(notified >= 11, `callback fired ${notified} times`);
    assert.equal(t.SspiFreeAsyncContext(a), SEC_E_OK);
  },
);

winprTest(
  "WinPR: a test runner that used the library exits cleanly",
  async () => {
    // Deno closes dlopen handles when the runner tears down; WinPR's exit-time cleanup
    // would then run from unmapped code (SIGSEGV, exit code 139) unless the provider pins
    // the library. Run one test of this file in a fresh runner and check its exit code.
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "test",
        "-A",
        "--no-check",
        "--filter",
        "EnumerateSecurityPackages",
        new URL(import.meta.url).pathname,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.match(text, /1 passed/);
    assert.equal(out.code, 0, `exit code ${out.code}, signal ${out.signal}`);
  },
);
