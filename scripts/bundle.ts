/**
 * `deno task bundle [out] [entry]`: bundles `mod.ts` (or `entry`) into one ESM
 * file (default `dist/sspi.mjs`) with `deno bundle` (esbuild under the hood), for
 * Node/Bun, browsers and Cloudflare workerd. The WASM bytes travel inside the bundle (base64)
 * and are compiled on first use; hosts that forbid compiling WebAssembly from bytes
 * (workerd, Vercel Edge) import `assembly/build/sspi.wasm` as a module and call
 * `initWasm(module)` first.
 *
 * @module
 */
const out = Deno.args[0] ?? "dist/sspi.mjs";
const root = new URL("../", import.meta.url);
const cmd = new Deno.Command(Deno.execPath(), {
  args: [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "--format",
    "esm",
    "-o",
    out,
    // Another entry (a path) bundles that module instead, e.g. src/smb/mod.ts.
    Deno.args[1] ?? new URL("mod.ts", root).pathname,
  ],
  stdout: "inherit",
  stderr: "inherit",
});
const { code } = await cmd.output();
if (code !== 0) {
  console.error(`deno bundle failed (exit ${code})`);
  Deno.exit(code);
}
const size = (await Deno.stat(out)).size;
console.log(`wrote ${out} (${(size / 1024).toFixed(0)} KiB)`);
