// Headless Chromium (playwright-core httpCredentials) authenticates with NTLM and
// Digest against a withAuthentication server. Chromium answers NTLM over plain http
// with explicit credentials without any allowlist flag (--auth-server-allowlist only
// governs ambient, logged-on-user credentials). It prefers Negotiate when offered and
// does not fall back on Linux without a Kerberos ticket, so each server here offers
// one scheme.
import assert from "node:assert/strict";
import { browserTools, runBrowser, toolTest } from "../runtimes/_tools.ts";
import { allSchemes, DOMAIN, PASSWORD, startServer, USER } from "./_server.ts";

let tools: Awaited<ReturnType<typeof browserTools>>;

await toolTest(
  "Chromium (playwright httpCredentials) NTLM and Digest -> withAuthentication",
  async () => {
    tools = await browserTools();
    return "missing" in tools ? tools : null;
  },
  async () => {
    if ("missing" in tools) return;
    const ntlm = startServer(allSchemes({ packages: ["NTLM"] }));
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
