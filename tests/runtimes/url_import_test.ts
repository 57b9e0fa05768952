// The module, WASM included, imported over http:// by a process that has only
// --allow-import and --allow-net for that host (no read, env, write or run
// permission), completes an NTLM handshake through client()/server().
import assert from "node:assert/strict";
import { EXPECTED, handshakeModule } from "./_handshake.ts";
import { ROOT } from "./_tools.ts";

Deno.test("import mod.ts from http://127.0.0.1:PORT/ with only --allow-import/--allow-net for it", async () => {
  const served: string[] = [];
  const srv = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      if (
        !/^\/(mod\.ts|src\/[\w/.-]+\.ts)$/.test(path) || path.includes("..")
      ) {
        return new Response("not found", { status: 404 });
      }
      try {
        const body = await Deno.readFile(`${ROOT}${path.slice(1)}`);
        served.push(path);
        return new Response(body, {
          headers: { "content-type": "application/typescript; charset=utf-8" },
        });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const dir = await Deno.makeTempDir({ prefix: "sspi-url-" });
  try {
    const port = (srv.addr as Deno.NetAddr).port;
    const host = `127.0.0.1:${port}`;
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      handshakeModule(`http://${host}/mod.ts`) +
        "console.log(JSON.stringify(handshake()));\n",
    );
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-lock",
        "--no-prompt",
        // Deno 2 fetches remote modules under the import permission (only a few
        // registries are allowed by default); the module itself needs nothing else
        `--allow-import=${host}`,
        `--allow-net=${host}`,
        `${dir}/main.ts`,
      ],
      cwd: dir,
      env: { DENO_DIR: `${dir}/deno_dir`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(o.stderr);
    assert.equal(o.code, 0, err);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(o.stdout)), EXPECTED);
    assert.ok(
      served.includes("/src/wasm/_wasm_bytes.ts"),
      "WASM came over HTTP",
    );
  } finally {
    await srv.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
