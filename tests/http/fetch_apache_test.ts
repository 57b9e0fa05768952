// createAuthFetch against Apache httpd: mod_auth_digest (rspauth checked), and
// mod_auth_gssapi with gss-ntlmssp as its acceptor (Negotiate: the final SPNEGO
// token, with the server's mechListMIC, checked).
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { startApacheDigest, startApacheGssapi } from "../peers/apache.ts";
import { GSSAPI_INSTALL_HINT, gssapiAvailable } from "../peers/gssapi_peer.ts";
import { decodeNegotiationToken } from "../../src/packages/negotiate/mod.ts";
import { toolTest } from "../runtimes/_tools.ts";
import { allSchemes, hasCommand, startServer, TLS } from "./_server.ts";

const USER = "Mufasa", PW = "Circle of Life", REALM = "files";
/** The user of the Negotiate/NTLM servers and proxies. */
const ALICE = { domain: "EXAMPLE", user: "alice", password: "S3cret!pw" };

await toolTest(
  "createAuthFetch Digest -> Apache mod_auth_digest",
  async () =>
    await hasCommand("apache2", ["-v"]) ? null : {
      missing: "apache2",
      hint: "apt-get install -y apache2 apache2-utils",
    },
  async () => {
    const apache = await startApacheDigest({
      user: USER,
      password: PW,
      realm: REALM,
    });
    try {
      const url = `${apache.base}/dir/index.html`;
      const f = createAuthFetch({
        credentials: { username: USER, password: PW },
      });
      const res = await f(url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "apache says hi\n");
      const bad = await createAuthFetch({
        credentials: { username: USER, password: "nope" },
      })(url);
      assert.equal(bad.status, 401);
      await bad.body?.cancel();
    } finally {
      await apache.close();
    }
  },
);

await toolTest(
  "createAuthFetch Negotiate and NTLM -> Apache mod_auth_gssapi (gss-ntlmssp acceptor)",
  apacheGssapiMissing,
  async () => {
    const user = ALICE;
    const apache = await startApacheGssapi([user]);
    try {
      const url = `${apache.base}/dir/index.html`;
      const f = createAuthFetch({
        credentials: {
          username: user.user,
          domain: user.domain,
          password: user.password,
        },
        packages: ["Negotiate"],
      });
      const res = await f(url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "apache says hi\n");
      // The final token (accept-completed with Apache's mechListMIC) was checked
      // by createAuthFetch before it resolved.
      const final = res.headers.get("www-authenticate")!;
      const t = decodeNegotiationToken(
        Uint8Array.from(atob(final.split(" ")[1]), (c) => c.charCodeAt(0)),
      );
      assert.ok(t.type === "resp" && t.negState === 0 && t.mechListMIC);
      // A wrong password: Apache's 401 carries negState reject; the fetch resolves
      // with that 401, as with a bare one.
      const bad = await createAuthFetch({
        credentials: {
          username: user.user,
          domain: user.domain,
          password: "nope",
        },
        packages: ["Negotiate"],
      })(url);
      assert.equal(bad.status, 401);
      await bad.body?.cancel();
      // mod_auth_gssapi also offers the raw NTLM scheme ("Negotiate, NTLM").
      const cases: [string, number][] = [[user.password, 200], ["nope", 401]];
      for (const [password, status] of cases) {
        const r = await createAuthFetch({
          credentials: { username: user.user, domain: user.domain, password },
          packages: ["NTLM"],
        })(url);
        assert.equal(r.status, status, `NTLM with ${password}`);
        await r.body?.cancel();
      }
    } finally {
      await apache.close();
    }
  },
);

await toolTest(
  "createAuthFetch through Apache as a forward proxy: 407 with Digest, and with Negotiate",
  apacheGssapiMissing,
  async () => {
    const origin = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => new Response(`origin says hi to ${new URL(req.url).pathname}`),
    );
    const target = `http://127.0.0.1:${origin.addr.port}/via-proxy`;
    const user = ALICE;
    try {
      await eachProxy(user, async (scheme, proxy) => {
        const fetchAs = (password: string) =>
          createAuthFetch({
            credentials: {
              username: user.user,
              domain: user.domain,
              password,
            },
            packages: [scheme],
            proxy,
          })(target);
        const res = await fetchAs(user.password);
        assert.equal(res.status, 200, scheme);
        assert.equal(await res.text(), "origin says hi to /via-proxy");
        const bad = await fetchAs("nope");
        assert.equal(bad.status, 407, scheme);
        await bad.body?.cancel();
      });
    } finally {
      await origin.shutdown();
    }
  },
);

await toolTest(
  "createAuthFetch to an https origin through Apache's CONNECT tunnel: 407 with Digest, and with Negotiate, then NTLM bound to the origin's TLS",
  apacheGssapiMissing,
  async () => {
    const user = ALICE;
    const users = [{
      User: user.user,
      Domain: user.domain,
      Password: user.password,
    }];
    // The origin asks for NTLM itself and requires channel bindings of its own
    // certificate: only a logon bound to the TLS run through the tunnel passes.
    const origin = startServer(
      allSchemes({
        packages: ["NTLM"],
        ntlm: { users, requireChannelBindings: true },
        tlsCertificate: TLS.cert,
      }),
      0,
      { cert: TLS.cert, key: TLS.key },
    );
    try {
      await eachProxy(user, async (scheme, proxy) => {
        const fetchAs = (password: string) =>
          createAuthFetch({
            credentials: {
              username: user.user,
              domain: user.domain,
              password,
            },
            packages: [scheme, "NTLM"],
            proxy,
            caCerts: [TLS.cert],
          })(`${origin.url}/tunnelled`);
        const res = await fetchAs(user.password);
        assert.equal(res.status, 200, scheme);
        assert.equal(
          await res.text(),
          `hello ${user.domain}\\${user.user} via NTLM`,
        );
        const bad = await fetchAs("nope");
        assert.equal(bad.status, 407, scheme);
        await bad.body?.cancel();
      });
      assert.equal(origin.seen.length, 2);
    } finally {
      await origin.close();
    }
  },
);

await toolTest(
  "createAuthFetch Negotiate and NTLM -> Apache mod_auth_gssapi over https (bindings sent, not checked there)",
  apacheGssapiMissing,
  async () => {
    // mod_auth_gssapi passes no channel bindings to gss-ntlmssp: a client that binds
    // its logon (as ours does over https) must still get in, as Windows clients do.
    const user = ALICE;
    const apache = await startApacheGssapi([user], {
      tls: { cert: TLS.cert, key: TLS.key },
    });
    try {
      assert.ok(apache.base.startsWith("https:"));
      for (const scheme of ["Negotiate", "NTLM"] as const) {
        const cases = [[user.password, 200], ["nope", 401]] as const;
        for (const [password, status] of cases) {
          const r = await createAuthFetch({
            credentials: { username: user.user, domain: user.domain, password },
            packages: [scheme],
            caCerts: [TLS.cert],
          })(`${apache.base}/dir/index.html`);
          assert.equal(r.status, status, `${scheme} with ${password}`);
          if (status === 200) assert.equal(await r.text(), "apache says hi\n");
          else await r.body?.cancel();
        }
      }
    } finally {
      await apache.close();
    }
  },
);

await toolTest(
  "createAuthFetch keepAliveMs -> Apache mod_auth_gssapi: the connection stays authenticated, the next calls need no handshake",
  apacheGssapiMissing,
  async () => {
    const apache = await startApacheGssapi([ALICE]);
    const f = createAuthFetch({
      credentials: {
        username: ALICE.user,
        domain: ALICE.domain,
        password: ALICE.password,
      },
      packages: ["Negotiate"],
      keepAliveMs: 5000,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await f(`${apache.base}/dir/index.html`);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), "apache says hi\n");
      }
      // One connection; one handshake (401, 401, 200), then two plain 200s:
      // GssapiConnectionBound keeps the logon with the connection, as IIS does.
      // Apache logs a request after answering it: wait for the fifth line.
      let lines: string[] = [];
      for (let i = 0; i < 100 && lines.length < 5; i++) {
        if (i) await new Promise((r) => setTimeout(r, 20));
        lines = (await Deno.readTextFile(`${apache.dir}/access.log`)).trim()
          .split("\n");
      }
      const log = lines.map((l) => l.split(" "));
      assert.deepEqual(log.map(([status]) => status), [
        "401",
        "401",
        "200",
        "200",
        "200",
      ]);
      assert.equal(new Set(log.map(([, port]) => port)).size, 1);
    } finally {
      f.close();
      await apache.close();
    }
  },
);

/**
 * Runs `use` with Apache as a forward proxy asking for Digest, then for Negotiate
 * (mod_auth_gssapi, gss-ntlmssp), each knowing `user`; each proxy is closed after.
 */
async function eachProxy(
  user: { domain: string; user: string; password: string },
  use: (scheme: "Digest" | "Negotiate", proxy: string) => Promise<void>,
): Promise<void> {
  const proxies = [
    {
      scheme: "Digest" as const,
      start: () =>
        startApacheDigest({
          user: user.user,
          password: user.password,
          realm: "proxy",
          proxy: true,
        }),
    },
    {
      scheme: "Negotiate" as const,
      start: () => startApacheGssapi([user], { proxy: true }),
    },
  ];
  for (const { scheme, start } of proxies) {
    const apache = await start();
    try {
      await use(scheme, apache.base);
    } finally {
      await apache.close();
    }
  }
}

/** What Apache with mod_auth_gssapi over gss-ntlmssp lacks here, if anything. */
async function apacheGssapiMissing() {
  if (!await hasCommand("apache2", ["-v"])) {
    return { missing: "apache2", hint: "apt-get install -y apache2" };
  }
  const mod = "/usr/lib/apache2/modules/mod_auth_gssapi.so";
  if (!await Deno.stat(mod).then(() => true, () => false)) {
    return {
      missing: "mod_auth_gssapi",
      hint: "apt-get install -y libapache2-mod-auth-gssapi",
    };
  }
  return await gssapiAvailable()
    ? null
    : { missing: "gss-ntlmssp", hint: GSSAPI_INSTALL_HINT };
}
