/**
 * The native provider's attribute decoding, on structures laid out in memory as a
 * 64-bit Windows or WinPR would return them: strings the library allocated are read
 * and handed to `free` (FreeContextBuffer). Needs --allow-ffi, no library.
 */
import assert from "node:assert/strict";
import {
  ATTRIBUTE_BUFFER_SIZE,
  CONTEXT_ATTRIBUTES,
  readContextAttribute,
} from "../../src/native/_attributes.ts";
import { addr, ptr, writeAddr } from "../../src/native/_memory.ts";
import {
  SECPKG_ATTR_CLIENT_SPECIFIED_TARGET,
  SECPKG_ATTR_NATIVE_NAMES,
} from "../../src/sspi/flags.ts";

/** A NUL-terminated UTF-16LE string in memory the test keeps alive. */
function wstring(s: string): Uint8Array {
  const b = new Uint8Array((s.length + 1) * 2);
  for (let i = 0; i < s.length; i++) {
    b[i * 2] = s.charCodeAt(i) & 255;
    b[i * 2 + 1] = s.charCodeAt(i) >> 8;
  }
  return b;
}

Deno.test("native attributes: SecPkgContext_ClientSpecifiedTarget and NativeNames are read and their strings freed", () => {
  const freed: bigint[] = [];
  const free = (a: bigint) => freed.push(a);

  assert.ok(CONTEXT_ATTRIBUTES.has(SECPKG_ATTR_CLIENT_SPECIFIED_TARGET));
  const spn = wstring("HTTP/web.contoso.com");
  const b = new Uint8Array(ATTRIBUTE_BUFFER_SIZE);
  writeAddr(b, 0, addr(ptr(spn)));
  assert.deepEqual(
    readContextAttribute(SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, b, free),
    { sTargetName: "HTTP/web.contoso.com" },
  );
  assert.deepEqual(freed, [addr(ptr(spn))]);

  const client = wstring("CONTOSO\\alice"), server = wstring("HTTP/web");
  const n = new Uint8Array(ATTRIBUTE_BUFFER_SIZE);
  writeAddr(n, 0, addr(ptr(client)));
  writeAddr(n, 8, addr(ptr(server)));
  assert.deepEqual(readContextAttribute(SECPKG_ATTR_NATIVE_NAMES, n, free), {
    sClientName: "CONTOSO\\alice",
    sServerName: "HTTP/web",
  });
  assert.equal(freed.length, 3);

  // A null pointer is an empty name, and nothing to free.
  const z = new Uint8Array(ATTRIBUTE_BUFFER_SIZE);
  assert.deepEqual(
    readContextAttribute(SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, z, free),
    { sTargetName: "" },
  );
  assert.equal(freed.length, 3);
});
