/**
 * The native provider's `SetContextAttributes`: Schannel's
 * `SecPkgContext_KeyingMaterialInfo` marshalled for `SetContextAttributesW` (the bytes a
 * stand-in library reads at the 64-bit Win32 offsets, and what its pointers lead to
 * during the call), attributes it cannot marshal refused without a library call, and
 * `QueryContextAttributesW(SECPKG_ATTR_KEYING_MATERIAL)` read back with the library's
 * buffer copied and released with `FreeContextBuffer`. WinPR's Schannel cannot run a
 * handshake here (see README), so the library is simulated; the table's wiring is
 * checked against WinPR's NTLM, which answers the call without a TLS session.
 */
import assert from "node:assert/strict";
import { NativeCalls } from "../../src/native/_calls.ts";
import { SECPKG_ATTR_AUTH_NTLM_SAM_FILE } from "../../src/native/_call_types.ts";
import {
  KEYING_MATERIAL_INFO_OFFSETS as OFF,
  KEYING_MATERIAL_INFO_SIZE,
  readContextAttribute,
} from "../../src/native/_attributes.ts";
import { addr, fromAddr, ptr, readBytes } from "../../src/native/_memory.ts";
import type { SspiSymbols } from "../../src/native/_symbols.ts";
import {
  SECPKG_ATTR_KEYING_MATERIAL,
  SECPKG_ATTR_KEYING_MATERIAL_INFO,
} from "../../src/packages/schannel/constants.ts";
import type {
  SecPkgContext_KeyingMaterial,
  SecPkgContext_KeyingMaterialInfo,
} from "../../src/packages/schannel/attributes_extra.ts";
import { CtxtHandle } from "../../src/sspi/handles.ts";
import { InitSecurityInterface } from "../../src/provider.ts";
import {
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../../src/sspi/status.ts";
import {
  cleanup,
  handshake,
  samFile,
  winprTable,
  winprTest,
} from "./_helpers.ts";

const ENC = new TextEncoder();
const LABEL = "EXPORTER-Channel-Binding";

/** What the stand-in library saw in one `SetContextAttributesW` call. */
interface SetCall {
  handle: [bigint, bigint];
  attribute: number;
  cbBuffer: number;
  /** The structure's bytes as passed. */
  raw: Uint8Array;
  /** `pszLabel` read up to its NUL (inclusive). */
  label: Uint8Array;
  /** `cbContextValue` bytes at `pbContextValue` (null for a NULL pointer). */
  context: Uint8Array | null;
}

/** A stand-in for secur32's Schannel: records what it is given, hands out one buffer. */
function fakeLibrary(status = SEC_E_OK) {
  const sets: SetCall[] = [];
  const queries: number[] = [];
  const freed: bigint[] = [];
  // "Library memory": a block off the JS heap the test keeps alive.
  const km = new Uint8Array(new ArrayBuffer(48)).map((_, i) => 0xa0 ^ i);
  const view = (p: Deno.PointerValue) => new Deno.UnsafePointerView(p!);
  const sym = {
    SetContextAttributesW(
      h: Deno.PointerValue,
      attribute: number,
      p: Deno.PointerValue,
      cb: number,
    ): number {
      const hv = view(h);
      const raw = readBytes(addr(p), cb);
      const v = view(p);
      const labelAddr = v.getBigUint64(OFF.pszLabel);
      let n = 0;
      while (view(fromAddr(labelAddr)).getUint8(n) !== 0) n++;
      const ctxAddr = v.getBigUint64(OFF.pbContextValue);
      sets.push({
        handle: [hv.getBigUint64(0), hv.getBigUint64(8)],
        attribute,
        cbBuffer: cb,
        raw,
        label: readBytes(labelAddr, n + 1),
        context: ctxAddr === 0n
          ? null
          : readBytes(ctxAddr, v.getUint16(OFF.cbContextValue)),
      });
      return status;
    },
    QueryContextAttributesW(
      _h: Deno.PointerValue,
      attribute: number,
      p: Deno.PointerValue,
    ): number {
      queries.push(attribute);
      if (attribute !== SECPKG_ATTR_KEYING_MATERIAL) {
        return SEC_E_UNSUPPORTED_FUNCTION;
      }
      const out = new Uint8Array(16);
      const dv = new DataView(out.buffer);
      dv.setUint32(0, km.length, true);
      dv.setUint32(4, 0xdeadbeef, true); // padding the reader must skip
      dv.setBigUint64(8, addr(ptr(km)), true);
      new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p!, 16)).set(out);
      return SEC_E_OK;
    },
    FreeContextBuffer(p: Deno.PointerValue): number {
      freed.push(addr(p));
      return SEC_E_OK;
    },
  };
  return { sym, sets, queries, freed, km };
}

function setup(status = SEC_E_OK, withSymbol = true) {
  const lib = fakeLibrary(status);
  const sym = withSymbol
    ? lib.sym
    : { ...lib.sym, SetContextAttributesW: undefined };
  const calls = new NativeCalls(sym as unknown as SspiSymbols, {
    library: "secur32.dll",
    allocates: true,
  });
  const ctx = new CtxtHandle();
  ctx.dwLower = 0x1122334455667788n;
  ctx.dwUpper = 0x0badf00dn;
  calls.ctxs.add(ctx, { pkg: "Schannel", role: "initiate" });
  return { ...lib, calls, ctx };
}

function info(
  over: Partial<SecPkgContext_KeyingMaterialInfo> = {},
): SecPkgContext_KeyingMaterialInfo {
  return {
    cbLabel: LABEL.length + 1,
    pszLabel: LABEL,
    cbContextValue: 0,
    pbContextValue: null,
    cbKeyingMaterial: 32,
    ...over,
  };
}

Deno.test("native SetContextAttributes: SecPkgContext_KeyingMaterialInfo at the Win32 x64 offsets", () => {
  const { calls, ctx, sets } = setup();
  assert.equal(
    calls.SetContextAttributes(
      ctx,
      SECPKG_ATTR_KEYING_MATERIAL_INFO,
      info(),
      KEYING_MATERIAL_INFO_SIZE,
    ),
    SEC_E_OK,
  );
  assert.equal(sets.length, 1);
  const c = sets[0];
  assert.deepEqual(c.handle, [ctx.dwLower, ctx.dwUpper]);
  assert.equal(c.attribute, 0x6a);
  assert.equal(c.cbBuffer, 40);
  assert.deepEqual(OFF, {
    cbLabel: 0,
    pszLabel: 8,
    cbContextValue: 16,
    pbContextValue: 24,
    cbKeyingMaterial: 32,
  });
  const v = new DataView(c.raw.buffer);
  assert.equal(v.getUint16(0, true), 25, "cbLabel counts the NUL");
  assert.notEqual(v.getBigUint64(8, true), 0n, "pszLabel");
  assert.equal(v.getUint16(16, true), 0, "cbContextValue");
  assert.equal(v.getBigUint64(24, true), 0n, "pbContextValue NULL");
  assert.equal(v.getUint32(32, true), 32, "cbKeyingMaterial");
  // The padding after each WORD and after the DWORD is zero.
  for (const [from, to] of [[2, 8], [18, 24], [36, 40]]) {
    assert.deepEqual(c.raw.subarray(from, to), new Uint8Array(to - from));
  }
  assert.deepEqual(c.label, ENC.encode(`${LABEL}\0`));
  assert.equal(c.context, null);
});

Deno.test("native SetContextAttributes: the context value, label forms and the library's status", () => {
  const { calls, ctx, sets } = setup(SEC_E_UNSUPPORTED_FUNCTION);
  const value = ENC.encode("context value");
  const set = (i: SecPkgContext_KeyingMaterialInfo, cb?: number) =>
    calls.SetContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, i, cb);
  // The library's status comes back as it is (unsigned).
  assert.equal(
    set(info({ cbContextValue: value.length, pbContextValue: value })),
    SEC_E_UNSUPPORTED_FUNCTION,
  );
  assert.deepEqual(sets[0].context, value);
  assert.equal(new DataView(sets[0].raw.buffer).getUint16(16, true), 13);
  // cbContextValue defaults to the array's length; a shorter one sends a prefix.
  set({ pszLabel: LABEL, pbContextValue: value, cbKeyingMaterial: 100 });
  assert.deepEqual(sets[1].context, value);
  set(info({ cbContextValue: 7, pbContextValue: value }));
  assert.deepEqual(sets[2].context, value.subarray(0, 7));
  // An empty context value is a NULL pointer, as schannel.h asks.
  set(info({ cbContextValue: 0, pbContextValue: new Uint8Array(0) }));
  assert.equal(sets[3].context, null);
  // cbLabel: default with the NUL; without it is accepted as the portable one does;
  // a NUL already in pszLabel is not doubled. cbBuffer is always the structure's.
  set({ pszLabel: "EXPERIMENTAL-x", cbKeyingMaterial: 1 }, 9999);
  assert.equal(new DataView(sets[4].raw.buffer).getUint16(0, true), 15);
  assert.equal(sets[4].cbBuffer, 40);
  set(info({ cbLabel: LABEL.length }));
  assert.equal(new DataView(sets[5].raw.buffer).getUint16(0, true), 24);
  set(info({ pszLabel: `${LABEL}\0` }));
  assert.deepEqual(sets[6].label, ENC.encode(`${LABEL}\0`));
  assert.equal(new DataView(sets[6].raw.buffer).getUint16(0, true), 25);
  const big = new DataView(sets[1].raw.buffer);
  assert.equal(big.getUint32(32, true), 100);
  assert.equal(sets.length, 7);
});

Deno.test("native SetContextAttributes: values that cannot be laid out never reach the library", () => {
  const { calls, ctx, sets } = setup();
  const value = new Uint8Array(4);
  const bad: unknown[] = [
    {},
    { ...info(), pszLabel: 42 },
    info({ pszLabel: "EXPORTER\0x" }),
    info({ cbLabel: 3 }),
    info({ cbLabel: LABEL.length + 2 }),
    info({ cbContextValue: 5, pbContextValue: value }), // past the array
    info({ cbContextValue: 2, pbContextValue: null }),
    { ...info(), pbContextValue: [1, 2] },
    info({ cbContextValue: 0x10000, pbContextValue: new Uint8Array(0x10000) }),
    info({ cbKeyingMaterial: -1 }),
    info({ cbKeyingMaterial: 1.5 }),
    info({ cbKeyingMaterial: 2 ** 32 }),
    { ...info(), cbKeyingMaterial: "32" },
  ];
  for (const b of bad) {
    assert.equal(
      calls.SetContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, b),
      SEC_E_INVALID_PARAMETER,
      JSON.stringify(b),
    );
  }
  assert.equal(sets.length, 0);
  assert.throws(
    () =>
      calls.SetContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, null),
    TypeError,
  );
  assert.throws(
    () =>
      calls.SetContextAttributes(
        ctx,
        SECPKG_ATTR_KEYING_MATERIAL_INFO,
        info(),
        "40" as unknown as number,
      ),
    TypeError,
  );
});

Deno.test("native SetContextAttributes: other attributes, unknown handles and a missing export", () => {
  const { calls, ctx, sets } = setup();
  for (
    const a of [
      0,
      SECPKG_ATTR_KEYING_MATERIAL,
      0x6c,
      SECPKG_ATTR_AUTH_NTLM_SAM_FILE,
      0xffffffff,
    ]
  ) {
    assert.equal(
      calls.SetContextAttributes(ctx, a, info()),
      SEC_E_UNSUPPORTED_FUNCTION,
      `attribute ${a}`,
    );
  }
  const stranger = new CtxtHandle();
  stranger.dwLower = 7n;
  assert.equal(
    calls.SetContextAttributes(
      stranger,
      SECPKG_ATTR_KEYING_MATERIAL_INFO,
      info(),
    ),
    SEC_E_INVALID_HANDLE,
  );
  assert.equal(sets.length, 0);
  const old = setup(SEC_E_OK, false);
  assert.equal(
    old.calls.SetContextAttributes(
      old.ctx,
      SECPKG_ATTR_KEYING_MATERIAL_INFO,
      info(),
    ),
    SEC_E_UNSUPPORTED_FUNCTION,
  );
  assert.equal(old.sets.length, 0);
});

Deno.test("native QueryContextAttributes: SecPkgContext_KeyingMaterial is copied and its buffer freed", () => {
  const { calls, ctx, queries, freed, km } = setup();
  const out: { value?: SecPkgContext_KeyingMaterial } = {};
  assert.equal(
    calls.QueryContextAttributes(ctx, SECPKG_ATTR_KEYING_MATERIAL, out),
    SEC_E_OK,
  );
  assert.deepEqual(queries, [0x6b]);
  assert.equal(out.value!.cbKeyingMaterial, 48);
  assert.deepEqual(out.value!.pbKeyingMaterial, km);
  assert.notEqual(out.value!.pbKeyingMaterial.buffer, km.buffer, "a JS copy");
  assert.deepEqual(freed, [addr(ptr(km))]);
  // A NULL pointer is no material and nothing to free.
  const z = new Uint8Array(64);
  new DataView(z.buffer).setUint32(0, 32, true);
  const none = [] as bigint[];
  assert.deepEqual(
    readContextAttribute(SECPKG_ATTR_KEYING_MATERIAL, z, (a) => none.push(a)),
    { cbKeyingMaterial: 0, pbKeyingMaterial: new Uint8Array(0) },
  );
  assert.deepEqual(none, []);
});

winprTest(
  "native table: SetContextAttributes reaches WinPR's SetContextAttributesW",
  async () => {
    await using sam = await samFile();
    const t = winprTable(sam.path);
    assert.equal(typeof t.SetContextAttributes, "function");
    // The native table has every member the portable one has.
    assert.deepEqual(
      Object.keys(t).sort(),
      Object.keys(InitSecurityInterface()).sort(),
    );
    const h = handshake(t, t);
    try {
      assert.equal(h.client, SEC_E_OK);
      // Not one it can marshal: refused here.
      assert.equal(
        t.SetContextAttributes(h.clientCtx, 0x6c, info()),
        SEC_E_UNSUPPORTED_FUNCTION,
      );
      // Marshalled and passed to WinPR's NTLM, which sets no such attribute.
      const s = t.SetContextAttributes(
        h.clientCtx,
        SECPKG_ATTR_KEYING_MATERIAL_INFO,
        info(),
        KEYING_MATERIAL_INFO_SIZE,
      );
      assert.notEqual(s, SEC_E_OK);
      assert.equal(
        t.SetContextAttributes(
          new CtxtHandle(),
          SECPKG_ATTR_KEYING_MATERIAL_INFO,
          info(),
        ),
        SEC_E_INVALID_HANDLE,
      );
    } finally {
      cleanup(t, t, h);
    }
  },
);
