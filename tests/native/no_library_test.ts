/**
 * The native provider without its library or without `--allow-ffi`: a clear Error that
 * names the cause and the library, nothing crashes, and the portable provider works.
 */
import assert from "node:assert/strict";
import { InitSecurityInterface } from "../../src/provider.ts";
import { SEC_E_OK } from "../../src/sspi/status.ts";

Deno.test("native provider: a missing library throws an Error naming it", () => {
  assert.throws(
    () =>
      InitSecurityInterface({
        provider: "native",
        library: "libdoesnotexist.so",
      }),
    (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /libdoesnotexist\.so/);
      assert.match(e.message, /could not be opened/);
      return true;
    },
  );
  // The portable provider keeps working.
  const p = InitSecurityInterface({ provider: "portable" });
  assert.equal(p.provider, "portable");
  assert.equal(p.library, null);
  assert.equal(p.EnumerateSecurityPackages({ value: 0 }, {}), SEC_E_OK);
  assert.equal(InitSecurityInterface(), p, "portable is the default");
});

Deno.test("native provider: an unknown provider name is a TypeError", () => {
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => InitSecurityInterface({ provider: "magic" as any }),
    TypeError,
  );
});

Deno.test("native provider: without --allow-ffi the Error names the permission", async () => {
  const script = `
    import { InitSecurityInterface } from ${
    JSON.stringify(new URL("../../src/provider.ts", import.meta.url).href)
  };
    try {
      InitSecurityInterface({ provider: "native", library: "libwinpr2.so.2" });
      console.log("LOADED");
    } catch (e) {
      console.log("ERROR " + e.constructor.name + ": " + e.message);
    }
    console.log("PORTABLE " + InitSecurityInterface().provider);
  `;
  const dir = await Deno.makeTempDir();
  const file = `${dir}/no_ffi.ts`;
  await Deno.writeTextFile(file, script);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--allow-read", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /^ERROR Error: /m);
    assert.match(text, /ffi permission is missing/);
    assert.match(text, /--allow-ffi/);
    assert.match(text, /libwinpr2\.so\.2/);
    assert.match(text, /^PORTABLE portable$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function runWinprTests(
  env: Record<string, string>,
): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "-A",
      "--no-check",
      new URL("./winpr_ntlm_test.ts", import.meta.url).pathname,
    ],
    env: { ...env, NO_COLOR: "1", WINPR_LIBRARY: "libwinpr-missing.so.2" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, text: d.decode(out.stdout) + d.decode(out.stderr) };
}

Deno.test("a missing WinPR skips with the install hint, but fails under CI=true", async () => {
  const dev = await runWinprTests({ CI: "false" });
  assert.equal(dev.code, 0, dev.text);
  assert.match(dev.text, /apt-get install -y libwinpr2-2/);
  assert.match(dev.text, /libwinpr-missing\.so\.2/);
  assert.match(dev.text, /ignored/);
  assert.doesNotMatch(dev.text, /\d+ passed \| 0 failed \| 0 ignored/);

  const ci = await runWinprTests({ CI: "true" });
  assert.notEqual(ci.code, 0, ci.text);
  assert.match(ci.text, /CI=true and the WinPR peer is missing/);
  assert.match(ci.text, /apt-get install -y libwinpr2-2/);
});
