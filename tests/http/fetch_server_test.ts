// createAuthFetch against withAuthentication: every scheme, one connection for the
// connection-bound ones, bodies, wrong passwords, mutual authentication.
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { allSchemes, DOMAIN, PASSWORD, startServer, USER } from "./_server.ts";

const creds = { username: USER, domain: DOMAIN, password: PASSWORD };

for (const scheme of ["NTLM", "Negotiate", "Digest"] as const) {
  Deno.test(`createAuthFetch ${scheme} -> withAuthentication`, async () => {
    const srv = startServer(allSchemes());
    try {
      const f = createAuthFetch({ credentials: creds, packages: [scheme] });
      const res = await f(`${srv.url}/a?b=c`);
      assert.equal(res.status, 200);
      const who = scheme === "Digest" ? USER : `${DOMAIN}\\${USER}`;
      assert.equal(await res.text(), `hello ${who} via ${scheme}`);
      assert.equal(srv.seen[0].scheme, scheme);
      assert.equal(srv.seen[0].user, USER);
      if (scheme !== "Digest") {
        assert.equal(srv.seen[0].domain, DOMAIN);
        assert.equal(new Set(srv.ports).size, 1, "one connection");
        assert.equal(srv.ports.length, 3);
      }
      const post = await f(`${srv.url}/p`, { method: "POST", body: "x=1" });
      assert.equal(await post.text(), `hello ${who} via ${scheme} body=x=1`);
    } finally {
      await srv.close();
    }
  });
}
