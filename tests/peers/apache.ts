/**
 * A throwaway Apache httpd on 127.0.0.1 with one protected directory: with
 * `mod_auth_digest` (an htdigest file written by our MD5, no prompt) or with
 * `mod_auth_gssapi` (Negotiate over gss-ntlmssp). Started under `setsid` (on
 * shutdown Apache signals its whole process group, which must not be ours) and
 * removed with its temporary ServerRoot by `close()`.
 *
 * @module
 */
import { md5 } from "../../src/crypto/mod.ts";
import { toHex } from "../../src/util/bytes.ts";
import { freePort } from "../digest/_peers.ts";

/** A running Apache. */
export interface ApacheServer {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** The temporary ServerRoot (holds `error.log`, and `access.log`: a line a request, `status client-port`). */
  dir: string;
  /** Stops Apache and removes its files. */
  close(): Promise<void>;
}

/**
 * Starts Apache protecting `/dir/` (which holds `index.html` = "apache says hi\n")
 * with Digest for one user of `realm`, or as a forward proxy asking for it
 * (`proxy`); resolves once it accepts connections.
 */
export async function startApacheDigest(
  opts: { user: string; password: string; realm: string; proxy?: boolean },
): Promise<ApacheServer> {
  // htdigest's line: user:realm:MD5(user:realm:password).
  const ha1 = toHex(
    md5(
      new TextEncoder().encode(`${opts.user}:${opts.realm}:${opts.password}`),
    ),
  );
  return await startApache(
    "apache-digest-",
    { htdigest: `${opts.user}:${opts.realm}:${ha1}\n` },
    [
      "authn_file_module mod_authn_file.so",
      "auth_digest_module mod_auth_digest.so",
    ],
    (dir) => `
  AuthType Digest
  AuthName "${opts.realm}"
  AuthDigestProvider file
  AuthUserFile ${dir}/htdigest
  Require valid-user`,
    () => ({}),
    opts.proxy,
  );
}

/**
 * Starts Apache protecting `/dir/` with `mod_auth_gssapi` (Negotiate, SPNEGO over
 * gss-ntlmssp: NTLM needs several legs, so the handshake is bound to the
 * connection) for `users`, which gss-ntlmssp reads from `NTLM_USER_FILE`; or as a
 * forward proxy asking for it (`proxy`); over https with `tls` (`mod_ssl`).
 */
export async function startApacheGssapi(
  users: { domain: string; user: string; password: string }[],
  opts: { proxy?: boolean; tls?: { cert: string; key: string } } = {},
): Promise<ApacheServer> {
  return await startApache(
    "apache-gssapi-",
    {
      ntlm_users: users.map((u) => `${u.domain}:${u.user}:${u.password}\n`)
        .join(""),
      ...(opts.tls
        ? { "tls.pem": opts.tls.cert, "tls.key": opts.tls.key }
        : {}),
    },
    ["auth_gssapi_module mod_auth_gssapi.so"],
    () => `
  AuthType GSSAPI
  AuthName "GSSAPI"
  GssapiAllowedMech ntlmssp
  GssapiBasicAuth Off
  GssapiConnectionBound On
  Require valid-user`,
    (dir) => ({ NTLM_USER_FILE: `${dir}/ntlm_users` }),
    opts.proxy,
    opts.tls !== undefined,
  );
}

/**
 * Starts Apache protecting `/dir/` with `mod_auth_gssapi` for Kerberos alone
 * (SPNEGO or raw krb5), the service keys from `keytab` (a copy is kept beside the
 * configuration, readable by the server's user, as is `krb5Conf`, the realm's
 * `krb5.conf` text).
 */
export async function startApacheKerberos(
  keytab: Uint8Array,
  krb5Conf: string,
): Promise<ApacheServer> {
  return await startApache(
    "apache-krb5-",
    { "http.keytab": keytab, "krb5.conf": krb5Conf },
    ["auth_gssapi_module mod_auth_gssapi.so"],
    (dir) => `
  AuthType GSSAPI
  AuthName "GSSAPI"
  GssapiAllowedMech krb5
  GssapiBasicAuth Off
  GssapiCredStore keytab:${dir}/http.keytab
  Require valid-user`,
    (dir) => ({ KRB5_CONFIG: `${dir}/krb5.conf`, KRB5RCACHETYPE: "none" }),
  );
}

/**
 * Apache with `files` beside its configuration, the authentication `modules`
 * (`name file.so`) and the `auth` directives of `/dir/`, and `env` for the server.
 * With `proxy` it is a forward proxy instead (`ProxyRequests On`, and `CONNECT`
 * tunnels to any port), the same directives guarding every proxied request and
 * tunnel: its challenges are `407`s.
 */
async function startApache(
  prefix: string,
  files: Record<string, string | Uint8Array>,
  modules: string[],
  auth: (dir: string) => string,
  env: (dir: string) => Record<string, string> = () => ({}),
  proxy = false,
  tls = false,
): Promise<ApacheServer> {
  const dir = await Deno.makeTempDir({ prefix });
  await Deno.chmod(dir, 0o755);
  const port = freePort();
  const mods = "/usr/lib/apache2/modules";
  await Deno.mkdir(`${dir}/htdocs/dir`, { recursive: true });
  await Deno.writeTextFile(`${dir}/htdocs/dir/index.html`, "apache says hi\n");
  for (const [name, data] of Object.entries(files)) {
    if (typeof data === "string") {
      await Deno.writeTextFile(`${dir}/${name}`, data);
    } else await Deno.writeFile(`${dir}/${name}`, data);
  }
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
LogFormat "%>s %{remote}p" statusport
CustomLog ${dir}/access.log statusport
DefaultRuntimeDir ${dir}
Mutex file:${dir} default
LoadModule mpm_prefork_module ${mods}/mod_mpm_prefork.so
LoadModule authn_core_module ${mods}/mod_authn_core.so
LoadModule authz_core_module ${mods}/mod_authz_core.so
LoadModule authz_user_module ${mods}/mod_authz_user.so
${
      modules.map((m) => {
        const [name, file] = m.split(" ");
        return `LoadModule ${name} ${mods}/${file}`;
      }).join("\n")
    }
${isRoot ? "User nobody\nGroup nogroup" : ""}
DocumentRoot ${dir}/htdocs
${
      tls
        ? `LoadModule ssl_module ${mods}/mod_ssl.so
SSLEngine on
SSLCertificateFile ${dir}/tls.pem
SSLCertificateKeyFile ${dir}/tls.key`
        : ""
    }
${
      proxy
        ? `LoadModule proxy_module ${mods}/mod_proxy.so
LoadModule proxy_http_module ${mods}/mod_proxy_http.so
LoadModule proxy_connect_module ${mods}/mod_proxy_connect.so
ProxyRequests On
AllowCONNECT 1-65535
<Proxy "*">${auth(dir)}
</Proxy>`
        : `<Directory ${dir}/htdocs>${auth(dir)}
</Directory>`
    }
`,
  );
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile) await Deno.chmod(`${dir}/${e.name}`, 0o644);
  }
  const child = new Deno.Command("setsid", {
    args: ["apache2", "-f", `${dir}/httpd.conf`, "-DFOREGROUND"],
    env: env(dir),
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const close = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
    await child.stderr.cancel();
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return {
        base: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
        dir,
        close,
      };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const log = await Deno.readTextFile(`${dir}/error.log`).catch(() => "");
  await close();
  throw new Error(`apache2 did not start: ${log}`);
}
