// createAuthFetch against Apache httpd with mod_auth_digest (rspauth checked).
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { startApacheDigest } from "../peers/apache.ts";
import { toolTest } from "../runtimes/_tools.ts";
import { hasCommand } from "./_server.ts";

const USER = "Mufasa", PW = "Circle of Life", REALM = "files";

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
