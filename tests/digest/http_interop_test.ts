// Interop with real HTTP peers: curl --digest and Python's HTTPDigestAuthHandler as
// clients of a Deno.serve server built on AcceptSecurityContext, and our client
// (InitializeSecurityContext) against Apache mod_auth_digest.
import assert from "node:assert/strict";
import { type CredHandle, SEC_E_OK, SEC_I_CONTINUE_NEEDED } from "../../mod.ts";
import {
  ascHttp,
  clientCred,
  CtxtHandle,
  iscHttp,
  serverCred,
} from "./_helpers.ts";
import { startApacheDigest } from "../peers/apache.ts";
import { hasCommand, peerTest } from "./_peers.ts";

const USER = "Mufasa";
const PW = "Circle of Life";

/** A Deno.serve server that authenticates every request with WDigest. */
function startServer(cred: CredHandle) {
  const seen: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      const uri = url.pathname + url.search;
      const body = new Uint8Array(await req.arrayBuffer());
      const auth = req.headers.get("authorization");
      const challenge = () => {
        const c = ascHttp(cred, new CtxtHandle(), true, null);
        return new Response("auth needed", {
          status: 401,
          headers: { "www-authenticate": c.token },
        });
      };
      if (!auth) return challenge();
      const r = ascHttp(
        cred,
        new CtxtHandle(),
        true,
        auth,
        req.method,
        uri,
        body,
      );
      if (r.status === SEC_E_OK) {
        seen.push(auth);
        return new Response("hello " + req.method, {
          headers: { "authentication-info": r.token },
        });
      }
      if (r.status === SEC_I_CONTINUE_NEEDED) {
        return new Response("stale", {
          status: 401,
          headers: { "www-authenticate": r.token },
        });
      }
      return challenge();
    },
  );
  const port = (server.addr as Deno.NetAddr).port;
  return { server, port, seen };
}

const curlOk = await hasCommand("curl");
const pyOk = await hasCommand("/usr/bin/python3", [
  "-c",
  "import urllib.request",
]);
const apacheOk = await hasCommand("apache2", ["-v"]) &&
  await hasCommand("htdigest", ["-h"]);

async function curl(
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command("curl", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const td = new TextDecoder();
  return { code: o.code, out: td.decode(o.stdout), err: td.decode(o.stderr) };
}

for (const alg of ["MD5", "SHA-256", "SHA-512-256"] as const) {
  peerTest(
    `curl --digest (${alg}) -> Deno.serve + AcceptSecurityContext`,
    "curl",
    "apt-get install -y curl",
    curlOk,
    async () => {
      const cred = serverCred({
        realm: "test@deno",
        users: [{ User: USER, Password: PW }],
        algorithms: [alg],
        qop: ["auth"],
      });
      const { server, port, seen } = startServer(cred);
      try {
        const ok = await curl([
          "-sS",
          "--digest",
          "-u",
          `${USER}:${PW}`,
          `http://127.0.0.1:${port}/dir/index.html?a=1`,
          "-w",
          "\n%{http_code}",
        ]);
        if (alg === "SHA-512-256" && !ok.out.endsWith("200")) {
          // curl before 8.8.0 hashes "SHA-512-256" with SHA-256 (fixed upstream in
          // 8.8.0), so its answer is rightly refused; newer curl must succeed.
          console.warn(
            `this curl's SHA-512-256 answer was refused (curl < 8.8.0 computes it with SHA-256)`,
          );
          assert.equal(seen.length, 0);
          return;
        }
        assert.match(ok.out, /hello GET\n200$/);
        assert.match(seen[0], new RegExp(`algorithm="?${alg}"?`, "i"));
        const post = await curl([
          "-sS",
          "--digest",
          "-u",
          `${USER}:${PW}`,
          "-d",
          "x=1",
          `http://127.0.0.1:${port}/p`,
          "-w",
          "\n%{http_code}",
        ]);
        assert.match(post.out, /hello POST\n200$/);
        const bad = await curl([
          "-sS",
          "--digest",
          "-u",
          `${USER}:nope`,
          `http://127.0.0.1:${port}/`,
          "-w",
          "\n%{http_code}",
        ]);
        assert.match(bad.out, /401$/);
      } finally {
        await server.shutdown();
      }
    },
  );
}

peerTest(
  "Python urllib HTTPDigestAuthHandler (MD5) -> Deno.serve + AcceptSecurityContext",
  "python3",
  "apt-get install -y python3",
  pyOk,
  async () => {
    const cred = serverCred({
      realm: "py@deno",
      users: [{ User: USER, Password: PW }],
      algorithms: ["MD5"],
      qop: ["auth"],
      charset: false,
    });
    const { server, port, seen } = startServer(cred);
    try {
      const script = `
import urllib.request, sys
url = sys.argv[1]
pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()
pm.add_password(None, url, sys.argv[2], sys.argv[3])
op = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(pm))
for path in ["/a", "/b?x=y", "/a"]:
    r = op.open(url + path)
    print(r.status, r.read().decode())
try:
    pm2 = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    pm2.add_password(None, url, sys.argv[2], "wrong")
    urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(pm2)).open(url + "/a")
    print("BAD ACCEPTED")
except urllib.error.HTTPError as e:
    print("refused", e.code)
`;
      const o = await new Deno.Command("/usr/bin/python3", {
        args: ["-c", script, `http://127.0.0.1:${port}`, USER, PW],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(o.stdout);
      assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
      assert.equal(
        out,
        "200 hello GET\n200 hello GET\n200 hello GET\nrefused 401\n",
      );
      assert.equal(seen.length, 3);
    } finally {
      await server.shutdown();
    }
  },
);

peerTest(
  "our client (InitializeSecurityContext) -> Apache mod_auth_digest",
  "apache2 + htdigest",
  "apt-get install -y apache2 apache2-utils",
  apacheOk,
  async () => {
    const apache = await startApacheDigest({
      user: USER,
      password: PW,
      realm: "files",
    });
    try {
      const base = apache.base;
      const r0 = await fetch(`${base}/dir/index.html`);
      await r0.body?.cancel();
      assert.equal(r0.status, 401);
      const challenge = r0.headers.get("www-authenticate")!;
      const cc = clientCred(USER, PW);
      const ctx = new CtxtHandle();
      const a = iscHttp(
        cc,
        ctx,
        true,
        "/dir/index.html",
        challenge,
        "GET",
        undefined,
        0x2, /* MUTUAL */
      );
      assert.equal(a.status, SEC_I_CONTINUE_NEEDED);
      const r1 = await fetch(`${base}/dir/index.html`, {
        headers: { authorization: a.token },
      });
      assert.equal(r1.status, 200);
      assert.equal(await r1.text(), "apache says hi\n");
      const info = r1.headers.get("authentication-info");
      assert.ok(info, "apache sent no Authentication-Info");
      assert.equal(
        iscHttp(cc, ctx, false, "/dir/index.html", info).status,
        SEC_E_OK,
      );
      // Next request on the same context: preemptive, nc=2.
      const a2 = iscHttp(cc, ctx, false, "/dir/index.html", null);
      assert.match(a2.token, /nc=00000002/);
      const r2 = await fetch(`${base}/dir/index.html`, {
        headers: { authorization: a2.token },
      });
      await r2.body?.cancel();
      assert.equal(r2.status, 200);
      // Wrong password is refused by Apache.
      const bad = iscHttp(
        clientCred(USER, "nope"),
        new CtxtHandle(),
        true,
        "/dir/index.html",
        challenge,
      );
      const r3 = await fetch(`${base}/dir/index.html`, {
        headers: { authorization: bad.token },
      });
      await r3.body?.cancel();
      assert.equal(r3.status, 401);
    } finally {
      await apache.close();
    }
  },
);
