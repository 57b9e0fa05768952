/**
 * A throwaway MIT krb5 KDC on 127.0.0.1 (realm EXAMPLE.TEST) with one user, and a
 * ccache holding that user's TGT: what a Windows client with a Kerberos ticket
 * brings to a Negotiate server. `env` points `KRB5_CONFIG` and `KRB5CCNAME` at them
 * for the GSSAPI peer; `close()` stops the KDC and removes everything.
 *
 * @module
 */
import { freePort } from "../digest/_peers.ts";

/** The realm of the KDC. */
export const KDC_REALM = "EXAMPLE.TEST";

/** Debian packages that provide the KDC and `kinit`. */
export const KDC_INSTALL_HINT =
  "apt-get install -y krb5-kdc krb5-admin-server krb5-user";

/** A running KDC. */
export interface MitKdc {
  /**
   * Environment for a GSSAPI process: `KRB5_CONFIG`, `KRB5CCNAME`, and `KRB5_KTNAME`
   * (a keytab with the keys of the `services` asked for).
   */
  env: Record<string, string>;
  /** The KDC's address, `127.0.0.1:port` (TCP and UDP). */
  kdc: string;
  /** Runs `kadmin.local -q <query>` on this KDC's database; throws if it fails. */
  kadmin(query: string): Promise<void>;
  /** Stops the KDC and removes its files. */
  close(): Promise<void>;
}

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  stdin?: string,
  strict = false,
) {
  const child = new Deno.Command(cmd, {
    args,
    env,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const o = await child.output();
  // kadmin.local exits 0 after many failed queries; `strict` reads its stderr.
  const err = new TextDecoder().decode(o.stderr);
  if (!o.success || (strict && /error|failed|while /i.test(err))) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${err}`,
    );
  }
}

/** Whether the KDC tools and `kinit` are installed. */
export async function kdcAvailable(): Promise<boolean> {
  for (
    const p of [
      "/usr/sbin/krb5kdc",
      "/usr/sbin/kdb5_util",
      "/usr/sbin/kadmin.local",
      "/usr/bin/kinit",
    ]
  ) {
    if (!await Deno.stat(p).then(() => true, () => false)) return false;
  }
  return true;
}

/**
 * Starts a KDC with `user`/`password` and the service `host/localhost`, and puts a
 * TGT for the user in a file ccache. The keys of `services` (e.g. `HTTP/localhost`)
 * go into a keytab for an acceptor.
 */
export async function startKdc(
  user: string,
  password: string,
  services: readonly string[] = [],
): Promise<MitKdc> {
  const dir = await Deno.makeTempDir({ prefix: "mit_kdc_" });
  const port = freePort();
  const env = {
    KRB5_CONFIG: `${dir}/krb5.conf`,
    KRB5_KDC_PROFILE: `${dir}/kdc.conf`,
    KRB5CCNAME: `FILE:${dir}/ccache`,
    KRB5_KTNAME: `FILE:${dir}/keytab`,
  };
  await Deno.writeTextFile(
    env.KRB5_CONFIG,
    `[libdefaults]
  default_realm = ${KDC_REALM}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  dns_canonicalize_hostname = false
  # rc4-hmac (arcfour-hmac) for tests/kerberos/rc4_test.ts: Debian's krb5 refuses it
  # unless allowed; principals still get AES keys only unless made with -e.
  allow_rc4 = true
[realms]
  ${KDC_REALM} = {
    kdc = 127.0.0.1:${port}
  }
`,
  );
  await Deno.writeTextFile(
    env.KRB5_KDC_PROFILE,
    `[kdcdefaults]
  kdc_ports = ${port}
  kdc_tcp_ports = ${port}
[realms]
  ${KDC_REALM} = {
    database_name = ${dir}/principal
    key_stash_file = ${dir}/stash
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
`,
  );
  let kdc: Deno.ChildProcess | null = null;
  const close = async () => {
    try {
      kdc?.kill("SIGTERM");
    } catch { /* already exited */ }
    await kdc?.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const master = crypto.randomUUID();
    await run(
      "kdb5_util",
      ["create", "-s", "-r", KDC_REALM, "-P", master],
      env,
    );
    await run("kadmin.local", ["-q", `addprinc -pw ${password} ${user}`], env);
    // The service the GSSAPI peer names by default (host@localhost), so the
    // client gets a service ticket and offers Kerberos.
    await run("kadmin.local", ["-q", "addprinc -randkey host/localhost"], env);
    for (const spn of services) {
      await run("kadmin.local", ["-q", `addprinc -randkey ${spn}`], env);
      await run("kadmin.local", ["-q", `ktadd -k ${dir}/keytab ${spn}`], env);
    }
    kdc = new Deno.Command("krb5kdc", {
      args: ["-n"],
      env,
      stdout: "null",
      stderr: "null",
    }).spawn();
    // kinit until the KDC answers.
    for (let i = 0;; i++) {
      try {
        await run("kinit", [user], env, `${password}\n`);
        break;
      } catch (e) {
        if (i >= 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await close();
    throw e;
  }
  return {
    env: {
      KRB5_CONFIG: env.KRB5_CONFIG,
      KRB5CCNAME: env.KRB5CCNAME,
      KRB5_KTNAME: env.KRB5_KTNAME,
    },
    kdc: `127.0.0.1:${port}`,
    kadmin: (query) => run("kadmin.local", ["-q", query], env, undefined, true),
    close,
  };
}
