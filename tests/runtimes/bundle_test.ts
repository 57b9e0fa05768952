// `deno task bundle` output (one ESM file) completes an NTLM handshake in Node, in a
// Chromium page (loaded as a module), and in Cloudflare workerd (WASM handed in as a
// precompiled module through initWasm); in Node, createAuthFetch authenticates too.
import assert from "node:assert/strict";
import { freePort } from "../digest/_peers.ts";
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
import { EXPECTED, handshakeModule } from "./_handshake.ts";
import {
  allSchemes,
  DOMAIN,
  PASSWORD,
  startServer,
  TLS,
  USER,
} from "../http/_server.ts";
import {
  browserTools,
  nodeMajor,
  ROOT,
  runBrowser,
  toolTest,
  workerdPath,
} from "./_tools.ts";

let dir: string | null = null;

/** Builds the bundle once into a temp dir (scripts/bundle.ts, as `deno task bundle`). */
async function bundleDir(): Promise<string> {
  if (dir) return dir;
  const d = await Deno.makeTempDir({ prefix: "sspi-bundle-" });
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/bundle.ts`, `${d}/sspi.mjs`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  await Deno.writeTextFile(`${d}/handshake.mjs`, handshakeModule("./sspi.mjs"));
  await Deno.copyFile(`${ROOT}assembly/build/sspi.wasm`, `${d}/sspi.wasm`);
  dir = d;
  return d;
}

/** Null with Node 18+, else what to install. */
async function nodeMissing() {
  return await nodeMajor() >= 18
    ? null
    : { missing: "node", hint: "apt-get install -y nodejs (Node >= 18)" };
}

globalThis.addEventListener("unload", () => {
  if (dir) Deno.removeSync(dir, { recursive: true });
});

Deno.test("bundle: one ESM file with the public surface", async () => {
  const d = await bundleDir();
  const text = await Deno.readTextFile(`${d}/sspi.mjs`);
  assert.doesNotMatch(text, /^\s*import\s/m, "no imports left");
  for (
    const name of [
      "initWasm",
      "client",
      "server",
      "createAuthFetch",
      "AcquireCredentialsHandle",
    ]
  ) {
    assert.match(text, new RegExp(`\\b${name}\\b`));
  }
});

await toolTest(
  "bundle: NTLM handshake in Node",
  nodeMissing,
  async () => {
    const d = await bundleDir();
    const o = await new Deno.Command("node", {
      args: [
        "--input-type=module",
        "-e",
        `import { handshake } from ${
          JSON.stringify(`${d}/handshake.mjs`)
        }; console.log(JSON.stringify(handshake()));`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
    assert.deepEqual(
      JSON.parse(new TextDecoder().decode(o.stdout)),
      EXPECTED,
    );
  },
);

await toolTest(
  "bundle: createAuthFetch in Node (node:net/node:tls) -> withAuthentication: NTLM, Negotiate and Digest, https with channel binding required, kept connections",
  nodeMissing,
  async () => {
    const d = await bundleDir();
    const users = [{ User: USER, Domain: DOMAIN, Password: PASSWORD }];
    const plain = startServer(allSchemes());
    const secure = startServer(
      allSchemes({
        ntlm: { users, requireChannelBindings: true },
        tlsCertificate: TLS.cert,
      }),
      0,
      { cert: TLS.cert, key: TLS.key },
    );
    const script = `
import { createAuthFetch } from ${JSON.stringify(`${d}/sspi.mjs`)};
const [plain, secure, user, domain, password, cert] = process.argv.slice(1);
const out = [];
for (const scheme of ["NTLM", "Negotiate", "Digest"]) {
  const f = createAuthFetch({
    credentials: { username: user, domain, password },
    packages: [scheme],
    caCerts: [cert],
    keepAliveMs: 2000,
  });
  for (const url of scheme === "Digest" ? [plain] : [plain, secure, secure]) {
    const r = await f(url + "/n");
    out.push([scheme, url.slice(0, 5), r.status, await r.text()]);
  }
  f.close();
}
console.log(JSON.stringify(out));`;
    try {
      const o = await new Deno.Command("node", {
        args: [
          "--input-type=module",
          "-e",
          script,
          plain.url,
          secure.url,
          USER,
          DOMAIN,
          PASSWORD,
          TLS.cert,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
      const who = `${DOMAIN}\\${USER}`;
      assert.deepEqual(JSON.parse(new TextDecoder().decode(o.stdout)), [
        ["NTLM", "http:", 200, `hello ${who} via NTLM`],
        ["NTLM", "https", 200, `hello ${who} via NTLM`],
        ["NTLM", "https", 200, `hello ${who} via NTLM`],
        ["Negotiate", "http:", 200, `hello ${who} via Negotiate`],
        ["Negotiate", "https", 200, `hello ${who} via Negotiate`],
        ["Negotiate", "https", 200, `hello ${who} via Negotiate`],
        ["Digest", "http:", 200, `hello ${USER} via Digest`],
      ]);
      // The two https calls of each scheme shared one connection (kept alive).
      assert.equal(new Set(secure.ports).size, 2);
    } finally {
      await plain.close();
      await secure.close();
    }
  },
);

await toolTest(
  "bundle: NTLM handshake in a Chromium page (module script)",
  async () => {
    const t = await browserTools();
    return "missing" in t ? t : null;
  },
  async () => {
    const tools = await browserTools();
    if ("missing" in tools) return;
    const d = await bundleDir();
    await Deno.writeTextFile(
      `${d}/index.html`,
      `<!doctype html><title>sspi</title><script type="module">
import { handshake } from "./handshake.mjs";
try { globalThis.__result = handshake(); }
catch (e) { globalThis.__result = { error: String(e && e.stack || e) }; }
</script>`,
    );
    const types: Record<string, string> = {
      html: "text/html",
      mjs: "text/javascript",
    };
    const srv = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      async (req) => {
        const name = new URL(req.url).pathname.slice(1) || "index.html";
        if (!/^[a-z]+\.(html|mjs)$/.test(name)) {
          return new Response("not found", { status: 404 });
        }
        const body = await Deno.readFile(`${d}/${name}`);
        return new Response(body, {
          headers: { "content-type": types[name.split(".")[1]] },
        });
      },
    );
    try {
      const port = (srv.addr as Deno.NetAddr).port;
      const [r] = await runBrowser(tools, [
        { url: `http://127.0.0.1:${port}/`, waitForResult: true },
      ]);
      assert.equal(r.error, undefined);
      assert.deepEqual(r.result, EXPECTED);
    } finally {
      await srv.shutdown();
    }
  },
);

await toolTest(
  "bundle: NTLM handshake in workerd (sspi.wasm as a module binding + initWasm)",
  async () =>
    await workerdPath() ? null : {
      missing: "workerd",
      hint: "npm install workerd (or set WORKERD=/path/to/workerd)",
    },
  async () => {
    const workerd = (await workerdPath())!;
    const d = await bundleDir();
    await Deno.writeTextFile(
      `${d}/worker.mjs`,
      `import wasm from "./sspi.wasm";
import { handshake, sspi } from "./handshake.mjs";
export default {
  async fetch(req) {
    if (new URL(req.url).pathname === "/no-init") {
      try { handshake(); return Response.json({ compiledFromBytes: true }); }
      catch (e) { return Response.json({ error: String(e) }); }
    }
    sspi.initWasm(wasm);
    try { return Response.json(handshake()); }
    catch (e) { return Response.json({ error: String(e && e.stack || e) }, { status: 500 }); }
  },
};
`,
    );
    const port = freePort();
    await Deno.writeTextFile(
      `${d}/config.capnp`,
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "handshake.mjs", esModule = embed "handshake.mjs"),
    (name = "sspi.mjs", esModule = embed "sspi.mjs"),
    (name = "sspi.wasm", wasm = embed "sspi.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
`,
    );
    const child = new Deno.Command(workerd, {
      args: ["serve", `${d}/config.capnp`],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const errText = new Response(child.stderr).text();
    child.stdout.cancel();
    const exited = child.status.then(() => true);
    try {
      let res: Response | null = null;
      for (let i = 0; i < 100 && !res; i++) {
        if (await Promise.race([exited, delay(100).then(() => false)])) break;
        res = await fetch(`http://127.0.0.1:${port}/no-init`).catch(() => null);
      }
      if (!res) {
        const err = await errText;
        assert.fail(
          /within global scope/.test(err)
            ? "workerd refused the bundle at load time: module evaluation generates " +
              "random values at global scope (HandleTable's randomTag() in " +
              "src/sspi/handles.ts must run lazily, on first use)\n" + err
            : `workerd did not start: ${err}`,
        );
      }
      const noInit = await res.json();
      // workerd refuses to compile WebAssembly from bytes: initWasm is required there
      assert.match(String(noInit.error), /Wasm code generation disallowed/);
      const ok = await (await fetch(`http://127.0.0.1:${port}/`)).json();
      assert.deepEqual(ok, EXPECTED);
    } finally {
      if (!(await Promise.race([exited, delay(0).then(() => false)]))) {
        child.kill("SIGTERM");
      }
      await child.status;
      await errText;
    }
  },
);
