import assert from "node:assert/strict";
import { WASM_BASE64, WASM_SIZE } from "../../src/wasm/_wasm_bytes.ts";

const root = new URL("../../", import.meta.url);

Deno.test("embedded bytes equal assembly/build/sspi.wasm", async () => {
  const file = await Deno.readFile(new URL("assembly/build/sspi.wasm", root));
  const embedded = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
  assert.equal(embedded.length, WASM_SIZE);
  assert.deepEqual(embedded, file);
});

Deno.test("module has no imports and a fixed-size memory", async () => {
  const bytes = await Deno.readFile(new URL("assembly/build/sspi.wasm", root));
  const mod = new WebAssembly.Module(bytes);
  assert.deepEqual(WebAssembly.Module.imports(mod), []);
  const inst = new WebAssembly.Instance(mod, {});
  const mem = inst.exports.memory as WebAssembly.Memory;
  assert.throws(() => mem.grow(1), RangeError, "memory must not be growable");
});

Deno.test("initWasm accepts a precompiled module before first use", async () => {
  // Run in a fresh process so this module's instance is the one initialised.
  const code = `
    import { initWasm, getWasm } from "${
    new URL("src/wasm/mod.ts", root).href
  }";
    import { md5 } from "${new URL("src/crypto/mod.ts", root).href}";
    const bytes = await Deno.readFile(new URL("assembly/build/sspi.wasm", "${root.href}"));
    const mod = await WebAssembly.compile(bytes);
    const orig = WebAssembly.Module;
    // Forbid compiling from bytes, as workerd does.
    (WebAssembly as any).Module = function () { throw new Error("compile from bytes forbidden"); };
    (WebAssembly as any).Module.prototype = orig.prototype;
    Object.defineProperty((WebAssembly as any).Module, Symbol.hasInstance, { value: (v: unknown) => v instanceof orig });
    initWasm(mod);
    initWasm(mod); // second call is a no-op
    const h = Array.from(md5(new TextEncoder().encode("abc")), (b) => b.toString(16).padStart(2, "0")).join("");
    console.log(h, getWasm().scratchSize);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-lock", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(text, "900150983cd24fb0d6963f7d28e17f72 65536");
});
