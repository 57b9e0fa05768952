// Headless Firefox ESR (driven by puppeteer-core over WebDriver BiDi) with its own,
// generic NTLM module (network.auth.force-generic-ntlm: NTLMv2 written in Firefox,
// not the system's GSSAPI) against withAuthentication. Given a user name without a
// domain it sends none, so the logon is one to the server's DomainName; given
// `DOMAIN\user` through the automation API it does not split it (the prompt does),
// so the test passes the bare name, as a user of a server in their own domain would.
import assert from "node:assert/strict";
import { nodeMajor, npmTools, ROOT, toolTest } from "../runtimes/_tools.ts";
import { allSchemes, DOMAIN, PASSWORD, startServer, USER } from "./_server.ts";

const DRIVER = `${ROOT}tests/runtimes/_firefox_driver.mjs`;
const FIREFOX = "/usr/bin/firefox-esr";
const HINT = "apt-get install -y firefox-esr (and npm registry access)";
let npm: string | null = null;

await toolTest(
  "Firefox ESR (its generic NTLM, NTLMv2) -> withAuthentication: a logon without a domain",
  async () => {
    try {
      await Deno.stat(FIREFOX);
    } catch {
      return { missing: "firefox-esr", hint: HINT };
    }
    if (await nodeMajor() < 18) return { missing: "node", hint: HINT };
    npm = await npmTools();
    return npm ? null : { missing: "puppeteer-core", hint: HINT };
  },
  async () => {
    const srv = startServer(allSchemes({
      packages: ["NTLM"],
      ntlm: {
        users: [{ User: USER, Domain: DOMAIN, Password: PASSWORD }],
        DomainName: DOMAIN,
      },
    }));
    try {
      const job = {
        firefox: FIREFOX,
        npm,
        prefs: {
          "network.auth.force-generic-ntlm": true,
          "network.automatic-ntlm-auth.trusted-uris": "http://127.0.0.1",
          "network.automatic-ntlm-auth.allow-non-fqdn": true,
        },
        tasks: [
          { url: `${srv.url}/bad`, username: USER, password: "nope" },
          { url: `${srv.url}/ntlm`, username: USER, password: PASSWORD },
        ],
      };
      const o = await new Deno.Command("node", {
        args: [DRIVER, JSON.stringify(job)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(o.stdout).trim().split("\n").pop()!;
      assert.ok(o.success, new TextDecoder().decode(o.stderr).slice(-800));
      const [bad, good] = JSON.parse(out);
      assert.equal(bad.status, 401);
      assert.deepEqual(good, {
        status: 200,
        text: `hello ${DOMAIN}\\${USER} via NTLM`,
      });
      // (Firefox also fetches /favicon.ico on the authenticated origin)
      assert.ok(srv.seen.length >= 1);
      for (const w of srv.seen) {
        assert.deepEqual(w, {
          domain: DOMAIN,
          user: USER,
          package: "NTLM",
          scheme: "NTLM",
        });
      }
    } finally {
      await srv.close();
    }
  },
);
