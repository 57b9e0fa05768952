// createAuthFetch against Apache httpd with mod_auth_digest (rspauth checked).
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { md5 } from "../../src/crypto/mod.ts";
import { toHex } from "../../src/util/bytes.ts";
import { freePort } from "../digest/_peers.ts";
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
    const dir = await Deno.makeTempDir({ prefix: "http-apache-" });
    await Deno.chmod(dir, 0o755);
    const port = freePort();
    const mods = "/usr/lib/apache2/modules";
    await Deno.mkdir(`${dir}/htdocs/dir`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/htdocs/dir/index.html`,
      "apache says hi\n",
    );
    const ha1 = toHex(md5(new TextEncoder().encode(`${USER}:${REALM}:${PW}`)));
    await Deno.writeTextFile(`${dir}/htdigest`, `${USER}:${REALM}:${ha1}\n`);
    const isRoot = Deno.uid?.() === 0;
    await Deno.writeTextFile(
      `${dir}/httpd.conf`,
      `
ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel warn
DefaultRuntimeDir ${dir}
Mutex file:${dir} default
LoadModule mpm_prefork_module ${mods}/mod_mpm_prefork.so
LoadModule authn_core_module ${mods}/mod_authn_core.so
LoadModule authn_file_module ${mods}/mod_authn_file.so
LoadModule authz_core_module ${mods}/mod_authz_core.so
LoadModule authz_user_module ${mods}/mod_authz_user.so
LoadModule auth_digest_module ${mods}/mod_auth_digest.so
${isRoot ? "User nobody\nGroup nogroup" : ""}
DocumentRoot ${dir}/htdocs
<Directory ${dir}/htdocs>
  AuthType Digest
  AuthName "${REALM}"
  AuthDigestProvider file
  AuthUserFile ${dir}/htdigest
  Require valid-user
</Directory>
`,
    );
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile) await Deno.chmod(`${dir}/${e.name}`, 0o644);
    }
    // setsid: Apache signals its whole process group on shutdown.
    const child = new Deno.Command("setsid", {
      args: ["apache2", "-f", `${dir}/httpd.conf`, "-DFOREGROUND"],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const url = `http://127.0.0.1:${port}/dir/index.html`;
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port })).close();
          up = true;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      assert.ok(up, "apache2 did not start");
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
      try {
        child.kill("SIGTERM");
      } catch { /* already exited */ }
      await child.stderr.cancel();
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
