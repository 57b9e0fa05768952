// Headless Chromium with a Kerberos ticket (`kinit` into an MIT ccache; Chromium's
// GSSAPI is MIT's) opens pages on a withAuthentication server holding the service
// keytab: ambient Negotiate, as on a domain-joined desktop, for an allowlisted host.
import assert from "node:assert/strict";
import { browserTools, runBrowser, toolTest } from "../runtimes/_tools.ts";
import { startServer } from "../http/_server.ts";
import { KRB_USER, REALM, withKdc } from "./_kdc_helpers.ts";

let tools: Awaited<ReturnType<typeof browserTools>>;

await toolTest(
  "Chromium with a Kerberos ticket -> withAuthentication (keytab): Negotiate chooses Kerberos",
  async () => {
    tools = await browserTools();
    return "missing" in tools ? tools : null;
  },
  () =>
    withKdc(async (kdc) => {
      if ("missing" in tools) return;
      // Chromium names the host as its resolver canonicalises it: HTTP@127.0.0.1.
      const keytab = kdc.env.KRB5_KTNAME.replace(/^FILE:/, "");
      await kdc.kadmin("addprinc -randkey HTTP/127.0.0.1");
      await kdc.kadmin(`ktadd -k ${keytab} HTTP/127.0.0.1`);
      const srv = startServer({
        packages: ["Negotiate"],
        negotiate: { Keytab: keytab },
        serviceNames: ["HTTP/127.0.0.1"],
        requireServiceName: true,
      });
      try {
        const url = srv.url;
        const r = await runBrowser(
          tools,
          // As with its NTLM, Chromium may fail the very first challenge while it
          // loads its GSSAPI library; a later page load authenticates.
          ["warm-up", "a", "b"].map((p) => ({ url: `${url}/${p}` })),
          {
            args: ["--auth-server-allowlist=127.0.0.1"],
            env: {
              KRB5_CONFIG: kdc.env.KRB5_CONFIG,
              KRB5CCNAME: kdc.env.KRB5CCNAME,
            },
          },
        );
        const first = r.findIndex((x) => x.status === 200);
        assert.ok(first >= 0, JSON.stringify(r));
        for (const x of r.slice(first)) {
          assert.deepEqual(x, {
            status: 200,
            text: `hello ${KRB_USER.user}@${REALM} via Negotiate`,
          });
        }
        assert.ok(srv.seen.length >= 1);
      } finally {
        await srv.close();
      }
    }),
);
