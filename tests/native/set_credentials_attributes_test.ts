/**
 * The native provider's `SetCredentialsAttributes`: the self-relative
 * `SecPkgCredentials_KdcProxySettingsW` a stand-in library reads for
 * `SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS` (the documented header of two ULONGs and
 * four USHORTs, then the UTF-16 strings at the offsets it names), values that
 * cannot be laid out and attributes it does not marshal refused without a library
 * call, and the library's status passed back. WinPR 2 exports no
 * `SetCredentialsAttributesW`: through its table the call is
 * `SEC_E_UNSUPPORTED_FUNCTION` on a real credential.
 */
import assert from "node:assert/strict";
import { NativeCalls } from "../../src/native/_calls.ts";
import {
  KDC_PROXY_SETTINGS_SIZE,
  setCredentialsAttributes,
} from "../../src/native/_cred_attributes.ts";
import { addr, readBytes } from "../../src/native/_memory.ts";
import type { SspiSymbols } from "../../src/native/_symbols.ts";
import { CredHandle } from "../../src/sspi/handles.ts";
import {
  KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
  KDC_PROXY_SETTINGS_V1,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
  SECPKG_CRED_ATTR_NAMES,
  SECPKG_CRED_OUTBOUND,
  statusName,
} from "../../mod.ts";
import { ALICE, samFile, winprTable, winprTest } from "./_helpers.ts";

/** What the stand-in library saw in one call. */
interface SetCall {
  handle: [bigint, bigint];
  attribute: number;
  cbBuffer: number;
  raw: Uint8Array;
}

function setup(status = SEC_E_OK, withSymbol = true) {
  const sets: SetCall[] = [];
  const sym = {
    SetCredentialsAttributesW(
      h: Deno.PointerValue,
      attribute: number,
      p: Deno.PointerValue,
      cb: number,
    ): number {
      const hv = new Deno.UnsafePointerView(h!);
      sets.push({
        handle: [hv.getBigUint64(0), hv.getBigUint64(8)],
        attribute,
        cbBuffer: cb,
        raw: readBytes(addr(p), cb),
      });
      return status;
    },
  };
  const calls = new NativeCalls(
    (withSymbol ? sym : {}) as unknown as SspiSymbols,
    { library: "secur32.dll", allocates: true },
  );
  const cred = new CredHandle();
  cred.dwLower = 0x0102030405060708n;
  cred.dwUpper = 0x0a0b0c0dn;
  calls.creds.add(cred, { pkg: "Kerberos" });
  const set = (v: unknown, attr = SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS) =>
    setCredentialsAttributes(calls, cred, attr, v, KDC_PROXY_SETTINGS_SIZE);
  return { sets, set, calls, cred };
}

/** The UTF-16LE string at `offset` of `length` bytes in `raw`. */
function utf16(raw: Uint8Array, offset: number, length: number): string {
  const v = new DataView(raw.buffer, raw.byteOffset);
  let s = "";
  for (let i = 0; i < length; i += 2) {
    s += String.fromCharCode(v.getUint16(offset + i, true));
  }
  return s;
}

Deno.test("native SetCredentialsAttributes: SecPkgCredentials_KdcProxySettingsW as the library reads it", () => {
  const { sets, set, cred } = setup();
  const server = "gw.example.com:443:KdcProxy";
  assert.equal(
    set({
      Version: KDC_PROXY_SETTINGS_V1,
      Flags: KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
      ProxyServer: server,
      Fetch: fetch, // the portable provider's; not marshalled
    }),
    SEC_E_OK,
  );
  assert.equal(sets.length, 1);
  const c = sets[0];
  assert.deepEqual(c.handle, [cred.dwLower, cred.dwUpper]);
  assert.equal(c.attribute, 3);
  assert.equal(c.cbBuffer, 16 + 2 * server.length);
  const v = new DataView(c.raw.buffer, c.raw.byteOffset);
  assert.equal(v.getUint32(0, true), 1, "Version");
  assert.equal(v.getUint32(4, true), 1, "Flags");
  assert.equal(v.getUint16(8, true), 16, "ProxyServerOffset");
  assert.equal(v.getUint16(10, true), 2 * server.length, "ProxyServerLength");
  assert.equal(v.getUint16(12, true), 0, "ClientTlsCredOffset");
  assert.equal(v.getUint16(14, true), 0, "ClientTlsCredLength");
  assert.equal(utf16(c.raw, 16, 2 * server.length), server);
  // Both strings, non-ASCII included.
  set({ Version: 1, Flags: 0, ProxyServer: "pröxy", ClientTlsCred: "CN=é" });
  const d = sets[1].raw;
  const w = new DataView(d.buffer, d.byteOffset);
  assert.equal(w.getUint32(4, true), 0);
  assert.deepEqual([w.getUint16(8, true), w.getUint16(10, true)], [16, 10]);
  assert.deepEqual([w.getUint16(12, true), w.getUint16(14, true)], [26, 8]);
  assert.equal(utf16(d, 16, 10), "pröxy");
  assert.equal(utf16(d, 26, 8), "CN=é");
  assert.equal(d.length, 34);
  // No proxy: the header alone (what removes the settings).
  set({ Version: 1, Flags: 0, ProxyServer: null });
  assert.equal(sets[2].raw.length, 16);
  assert.deepEqual(sets[2].raw.subarray(8), new Uint8Array(8));
});

Deno.test("native SetCredentialsAttributes: refusals without a library call, and the library's status", () => {
  const { sets, set, calls } = setup(SEC_E_UNSUPPORTED_FUNCTION);
  for (
    const bad of [
      { Flags: 0, ProxyServer: "gw" },
      { Version: -1, ProxyServer: "gw" },
      { Version: 1, Flags: 2 ** 32, ProxyServer: "gw" },
      { Version: 1, ProxyServer: 42 },
      { Version: 1, ClientTlsCred: {} },
      { Version: 1, ProxyServer: "x".repeat(40000) },
    ]
  ) {
    assert.equal(statusName(set(bad)), "SEC_E_INVALID_PARAMETER");
  }
  assert.equal(
    set({ sUserName: "bob" }, SECPKG_CRED_ATTR_NAMES),
    SEC_E_UNSUPPORTED_FUNCTION,
  );
  assert.equal(sets.length, 0, "the library was not called");
  assert.equal(
    set({ Version: 1, ProxyServer: "gw" }),
    SEC_E_UNSUPPORTED_FUNCTION,
  );
  assert.equal(sets.length, 1);
  assert.equal(
    setCredentialsAttributes(
      calls,
      new CredHandle(),
      SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
      { Version: 1 },
    ),
    SEC_E_INVALID_HANDLE,
  );
  // A library without the export.
  const none = setup(SEC_E_OK, false);
  assert.equal(
    none.set({ Version: 1, ProxyServer: "gw" }),
    SEC_E_UNSUPPORTED_FUNCTION,
  );
  assert.equal(SEC_E_INVALID_PARAMETER >>> 0, 0x8009035d);
});

winprTest(
  "WinPR: SetCredentialsAttributes through the native table",
  async () => {
    await using sam = await samFile();
    const t = winprTable(sam.path);
    const cred = new CredHandle();
    assert.equal(
      t.AcquireCredentialsHandle(
        null,
        "NTLM",
        SECPKG_CRED_OUTBOUND,
        null,
        ALICE,
        null,
        null,
        cred,
        null,
      ),
      SEC_E_OK,
    );
    try {
      assert.equal(
        statusName(
          t.SetCredentialsAttributes(
            cred,
            SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
            {
              Version: 1,
              Flags: 0,
              ProxyServer: "gw.example.com",
            },
          ),
        ),
        "SEC_E_UNSUPPORTED_FUNCTION",
      );
    } finally {
      assert.equal(t.FreeCredentialsHandle(cred), SEC_E_OK);
    }
    assert.equal(
      statusName(
        t.SetCredentialsAttributes(cred, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, {
          Version: 1,
        }),
      ),
      "SEC_E_INVALID_HANDLE",
    );
  },
);
