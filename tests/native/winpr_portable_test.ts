/**
 * Native WinPR <-> the portable provider, both directions, through two function tables
 * from `InitSecurityInterface`: a full NTLM handshake, then sealing across (WinPR signs
 * with the caller's MessageSeqNo, the portable NTLM with its own connection-mode
 * counters, so the messages of each direction are numbered 0, 1, 2... on both sides).
 *
 * These need the portable NTLM package registered under "NTLM" (src/sspi/builtin.ts,
 * loaded by src/sspi/api.ts); without it they fail with SEC_E_SECPKG_NOT_FOUND.
 */
import assert from "node:assert/strict";
import {
  InitSecurityInterface,
  type SecurityFunctionTable,
} from "../../src/provider.ts";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import type {
  SecPkgContext_ClientSpecifiedTarget,
  SecPkgContext_Sizes,
} from "../../src/sspi/attributes.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_SIZES,
} from "../../src/sspi/flags.ts";
import type { CtxtHandle } from "../../src/sspi/handles.ts";
import { SEC_E_OK, statusName } from "../../src/sspi/status.ts";
import {
  ALICE,
  cleanup,
  handshake,
  samFile,
  winprTable,
  winprTest,
} from "./_helpers.ts";

const enc = new TextEncoder();

/** SECPKG_ATTR_CLIENT_SPECIFIED_TARGET of a portable server context. */
function clientTarget(t: SecurityFunctionTable, ctx: CtxtHandle): string {
  const out: { value?: SecPkgContext_ClientSpecifiedTarget } = {};
  assert.equal(
    statusName(
      t.QueryContextAttributes(ctx, SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, out),
    ),
    "SEC_E_OK",
  );
  return out.value!.sTargetName;
}

function seal(
  t: SecurityFunctionTable,
  ctx: CtxtHandle,
  text: string,
  seq: number,
): SecBufferDesc {
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
    new SecBuffer(SECBUFFER_DATA, enc.encode(text)),
  ]);
  assert.equal(statusName(t.EncryptMessage(ctx, 0, msg, seq)), "SEC_E_OK");
  assert.notDeepEqual(msg.pBuffers[1].pvBuffer, enc.encode(text));
  return msg;
}

function unseal(
  t: SecurityFunctionTable,
  ctx: CtxtHandle,
  msg: SecBufferDesc,
  seq: number,
): string {
  assert.equal(
    statusName(t.DecryptMessage(ctx, msg, seq, { value: 0 })),
    "SEC_E_OK",
  );
  const d = msg.pBuffers[1];
  return new TextDecoder().decode(d.pvBuffer!.subarray(0, d.cbBuffer));
}

function across(
  a: SecurityFunctionTable,
  actx: CtxtHandle,
  b: SecurityFunctionTable,
  bctx: CtxtHandle,
): void {
  for (let seq = 0; seq < 3; seq++) {
    const m1 = `a->b #${seq} ${"·".repeat(seq * 500)}`;
    assert.equal(unseal(b, bctx, seal(a, actx, m1, seq), seq), m1);
    const m2 = `b->a #${seq}`;
    assert.equal(unseal(a, actx, seal(b, bctx, m2, seq), seq), m2);
  }
  // Long messages: the 2 KiB MAC/cipher slices and the word-S-box RC4 path, with
  // lengths that are not multiples of the slice or of the 8-byte RC4 step.
  let seq = 3;
  for (const size of [511, 2047, 2048, 2049, 4099, 65536, 100_003]) {
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31 + size) & 255;
    for (
      const [x, xctx, y, yctx] of [[a, actx, b, bctx], [
        b,
        bctx,
        a,
        actx,
      ]] as const
    ) {
      const msg = new SecBufferDesc([
        new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
        new SecBuffer(SECBUFFER_DATA, data.slice()),
      ]);
      assert.equal(statusName(x.EncryptMessage(xctx, 0, msg, seq)), "SEC_E_OK");
      assert.notDeepEqual(msg.pBuffers[1].pvBuffer, data);
      assert.equal(
        statusName(y.DecryptMessage(yctx, msg, seq, { value: 0 })),
        "SEC_E_OK",
        `size ${size}`,
      );
      assert.deepEqual(msg.pBuffers[1].pvBuffer, data, `size ${size}`);
    }
    seq++;
  }
  // Tampering is caught across implementations too.
  const m = seal(a, actx, "tampered", seq);
  m.pBuffers[1].pvBuffer![0] ^= 1;
  assert.equal(
    statusName(b.DecryptMessage(bctx, m, seq, null)),
    "SEC_E_MESSAGE_ALTERED",
  );
}

winprTest(
  "native WinPR client -> portable NTLM server, sealing across",
  async () => {
    await using sam = await samFile();
    const native = winprTable(sam.path);
    const portable = InitSecurityInterface({ provider: "portable" });
    const h = handshake(native, portable);
    assert.equal(statusName(h.client), "SEC_E_OK");
    assert.equal(statusName(h.server), "SEC_E_OK");
    assert.equal(h.tokens.length, 3);
    const sizes: { value?: SecPkgContext_Sizes } = {};
    assert.equal(
      portable.QueryContextAttributes(h.serverCtx, SECPKG_ATTR_SIZES, sizes),
      0,
    );
    assert.equal(sizes.value?.cbSecurityTrailer, 16);
    // WinPR names the target it was given in MsvAvTargetName.
    assert.equal(
      clientTarget(portable, h.serverCtx),
      "HTTP/server.contoso.com",
    );
    across(native, h.clientCtx, portable, h.serverCtx);
    cleanup(native, portable, h);

    const bad = handshake(native, portable, { ...ALICE, Password: "nope" });
    assert.notEqual(bad.server, SEC_E_OK);
    assert.ok(bad.server >= 0x80000000, statusName(bad.server));
    cleanup(native, portable, bad);
  },
);

winprTest(
  "portable NTLM client -> native WinPR server, sealing across",
  async () => {
    await using sam = await samFile();
    const native = winprTable(sam.path);
    const portable = InitSecurityInterface({ provider: "portable" });
    const h = handshake(portable, native);
    assert.equal(statusName(h.client), "SEC_E_OK");
    assert.equal(statusName(h.serverAccept), "SEC_I_COMPLETE_NEEDED");
    assert.equal(statusName(h.server), "SEC_E_OK");
    across(portable, h.clientCtx, native, h.serverCtx);
    cleanup(portable, native, h);

    const bad = handshake(portable, native, { ...ALICE, Password: "nope" });
    assert.ok(bad.server >= 0x80000000, statusName(bad.server));
    cleanup(portable, native, bad);
  },
);

winprTest(
  "native WinPR Negotiate client (raw NTLMSSP) -> portable Negotiate server, sealing across",
  async () => {
    // WinPR 2's Negotiate sends NTLM's tokens without SPNEGO framing; a Negotiate
    // acceptor takes them as plain NTLM, as Windows does.
    await using sam = await samFile();
    const native = winprTable(sam.path);
    const portable = InitSecurityInterface({ provider: "portable" });
    const h = handshake(
      native,
      portable,
      ALICE,
      "HTTP/server.contoso.com",
      "Negotiate",
    );
    assert.equal(statusName(h.client), "SEC_E_OK");
    assert.equal(statusName(h.server), "SEC_E_OK");
    assert.deepEqual(
      h.tokens.map((t) => new TextDecoder().decode(t.subarray(0, 7))),
      ["NTLMSSP", "NTLMSSP", "NTLMSSP"],
    );
    const info: { value?: { PackageInfo: { Name: string } } } = {};
    assert.equal(
      portable.QueryContextAttributes(
        h.serverCtx,
        SECPKG_ATTR_NEGOTIATION_INFO,
        info,
      ),
      SEC_E_OK,
    );
    assert.equal(info.value!.PackageInfo.Name, "NTLM");
    assert.equal(
      clientTarget(portable, h.serverCtx),
      "HTTP/server.contoso.com",
    );
    across(native, h.clientCtx, portable, h.serverCtx);
    cleanup(native, portable, h);

    const bad = handshake(
      native,
      portable,
      { ...ALICE, Password: "nope" },
      "HTTP/server.contoso.com",
      "Negotiate",
    );
    assert.equal(statusName(bad.server), "SEC_E_LOGON_DENIED");
    cleanup(native, portable, bad);
  },
);
