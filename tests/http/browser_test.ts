// Headless Chromium (playwright-core httpCredentials) authenticates with NTLM and
// Digest against a withAuthentication server. Chromium answers NTLM over plain http
// with explicit credentials without any allowlist flag (--auth-server-allowlist only
// governs ambient, logged-on-user credentials). It prefers Negotiate when offered and
// does not fall back on Linux without a Kerberos ticket, so each server here offers
// one scheme. Negotiate is ambient: Chromium's GSSAPI (MIT SPNEGO with gss-ntlmssp,
// the user from NTLM_USER_FILE) for an allowlisted host.
import assert from "node:assert/strict";
import { browserTools, runBrowser, toolTest } from "../runtimes/_tools.ts";
import {
  allSchemes,
  bindingServers,
  DOMAIN,
  freePort,
  PASSWORD,
  startServer,
  USER,
} from "./_server.ts";
import { GSSAPI_INSTALL_HINT, gssapiAvailable } from "../peers/gssapi_peer.ts";

let tools: Awaited<ReturnType<typeof browserTools>>;

await toolTest(
  "Chromium (playwright httpCredentials) NTLM and Digest -> withAuthentication",
  async () => {
    tools = await browserTools();
    return "missing" in tools ? tools : null;
  },
  async () => {
    if ("missing" in tools) return;
    // Chromium's own NTLMv2 names HTTP/<host>:<port> in MsvAvTargetName: with
    // service binding required, its logon passes only because it names this one.
    const port = freePort();
    const ntlm = startServer(
      allSchemes({
        packages: ["NTLM"],
        serviceNames: [`HTTP/127.0.0.1:${port}`],
        requireServiceName: true,
      }),
      port,
    );
    const digest = startServer(allSchemes({ packages: ["Digest"] }));
    try {
      const r = await runBrowser(tools, [
        {
          url: `${ntlm.url}/ntlm`,
          httpCredentials: {
            username: `${DOMAIN}\\${USER}`,
            password: PASSWORD,
          },
        },
        {
          url: `${digest.url}/digest`,
          httpCredentials: { username: USER, password: PASSWORD },
        },
        {
          url: `${ntlm.url}/bad`,
          httpCredentials: { username: `${DOMAIN}\\${USER}`, password: "nope" },
        },
      ]);
      assert.deepEqual(r[0], {
        status: 200,
        text: `hello ${DOMAIN}\\${USER} via NTLM`,
      });
      assert.deepEqual(r[1], { status: 200, text: `hello ${USER} via Digest` });
      assert.equal(r[2].status, 401);
      // (Chromium also fetches /favicon.ico on the authenticated origin)
      assert.ok(ntlm.seen.length >= 1);
      for (const w of ntlm.seen) {
        assert.equal(`${w.user}@${w.domain}`, `${USER}@${DOMAIN}`);
      }
      assert.equal(digest.seen[0].package, "WDigest");
    } finally {
      await ntlm.close();
      await digest.close();
    }
  },
);

await toolTest(
  "Chromium Negotiate (its GSSAPI: MIT SPNEGO + gss-ntlmssp) -> withAuthentication",
  async () => {
    tools = await browserTools();
    if ("missing" in tools) return tools;
    return await gssapiAvailable()
      ? null
      : { missing: "gss-ntlmssp/python3-gssapi", hint: GSSAPI_INSTALL_HINT };
  },
  async () => {
    if ("missing" in tools) return;
    const srv = startServer(allSchemes({ packages: ["Negotiate"] }));
    const dir = await Deno.makeTempDir({ prefix: "chromium_negotiate_" });
    try {
      await Deno.writeTextFile(
        `${dir}/users`,
        `${DOMAIN}:${USER}:${PASSWORD}\n`,
      );
      const r = await runBrowser(
        tools,
        // Chromium loads its GSSAPI library on the first Negotiate challenge and
        // fails that one (ERR_UNSUPPORTED_AUTH_SCHEME in its net log); a later
        // page load authenticates (the next one, unless the machine is slow).
        ["warm-up", "a", "b", "c"].map((p) => ({ url: `${srv.url}/${p}` })),
        {
          args: ["--auth-server-allowlist=127.0.0.1"],
          env: { NTLM_USER_FILE: `${dir}/users` },
        },
      );
      const first = r.findIndex((x) => x.status === 200);
      assert.ok(first >= 0, JSON.stringify(r));
      for (const x of r.slice(first)) {
        assert.deepEqual(x, {
          status: 200,
          text: `hello ${DOMAIN}\\${USER} via Negotiate`,
        });
      }
      assert.ok(srv.seen.length >= 1);
      for (const w of srv.seen) {
        assert.equal(`${w.domain}\\${w.user}`, `${DOMAIN}\\${USER}`);
        assert.equal(w.package, "Negotiate");
      }
    } finally {
      await srv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

await toolTest(
  "Chromium NTLM over https binds its logon to the TLS connection (Extended Protection)",
  async () => {
    tools = await browserTools();
    return "missing" in tools ? tools : null;
  },
  async () => {
    if ("missing" in tools) return;
    const { required, relayed, close } = bindingServers({
      packages: ["NTLM"],
    });
    try {
      const httpCredentials = {
        username: `${DOMAIN}\\${USER}`,
        password: PASSWORD,
      };
      const r = await runBrowser(tools, [
        {
          url: `${required.url}/cbt`,
          httpCredentials,
          ignoreHTTPSErrors: true,
        },
        { url: `${relayed.url}/cbt`, httpCredentials, ignoreHTTPSErrors: true },
      ]);
      // Chromium's binding matches the one computed from our certificate...
      assert.deepEqual(r[0], {
        status: 200,
        text: `hello ${DOMAIN}\\${USER} via NTLM`,
      });
      // ...and is checked: against another certificate's it is refused.
      assert.equal(r[1].status, 401);
    } finally {
      await close();
    }
  },
);
