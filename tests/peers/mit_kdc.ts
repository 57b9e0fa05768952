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

/** Options of {@link startKdc}. */
export interface StartKdcOptions {
  /**
   * More relations for the realm's stanza of `kdc.conf` (e.g. PKINIT's
   * `pkinit_identity = FILE:kdc.pem,kdc.key` and `pkinit_anchors = FILE:ca.pem`).
   */
  realmConf?: string;
  /** A file the KDC logs its requests to (`[logging] kdc = FILE:...`). */
  logFile?: string;
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
  options: StartKdcOptions = {},
): Promise<MitKdc> {
  const dir = await Deno.makeTempDir({ prefix: "mit_kdc_" });
  let port = 0;
  const env = {
    KRB5_CONFIG: `${dir}/krb5.conf`,
    KRB5_KDC_PROFILE: `${dir}/kdc.conf`,
    KRB5CCNAME: `FILE:${dir}/ccache`,
    KRB5_KTNAME: `FILE:${dir}/keytab`,
  };
  const writeConfs = async () => {
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
${options.realmConf ?? ""}
  }
${options.logFile ? `[logging]\n  kdc = FILE:${options.logFile}\n` : ""}`,
    );
  };
  let kdc: Deno.ChildProcess | null = null;
  const stop = async () => {
    try {
      kdc?.kill("SIGTERM");
    } catch { /* already exited */ }
    await kdc?.status;
    kdc = null;
  };
  const close = async () => {
    await stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    port = freePort();
    await writeConfs();
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
    // A principal only this KDC knows: the port freePort() gave may be taken by
    // another test's KDC (same realm, same user) before ours binds it, and then
    // ours exits and the other answers. Its password proves which KDC answers.
    const probe = crypto.randomUUID();
    await run("kadmin.local", ["-q", `addprinc -pw ${probe} kdcprobe`], env);
    for (let attempt = 0;; attempt++) {
      kdc = new Deno.Command("krb5kdc", {
        args: ["-n"],
        env,
        stdout: "null",
        stderr: "null",
      }).spawn();
      let exited = false;
      kdc.status.then(() => exited = true);
      // kinit until the KDC answers.
      let up = false;
      for (let i = 0; i <= 50 && !exited; i++) {
        try {
          await run(
            "kinit",
            ["-c", `FILE:${dir}/probe.ccache`, "kdcprobe"],
            env,
            `${probe}\n`,
          );
          up = true;
          break;
        } catch (e) {
          if (i >= 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      if (up) break;
      // Ours exited (its port was taken): another port.
      await stop();
      if (attempt >= 4) {
        throw new Error("krb5kdc exited 5 times (ports taken?)");
      }
      port = freePort();
      await writeConfs();
    }
    await run("kinit", [user], env, `${password}\n`);
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

/** One realm of {@link startRealms}. */
export interface RealmSpec {
  /** The realm, e.g. `A.TEST`. */
  realm: string;
  /** Users (`name` without realm) and their passwords. */
  users?: readonly { name: string; password: string }[];
  /** Services (`HTTP/localhost`, without realm) whose keys go into the realm's keytab. */
  services?: readonly string[];
  /**
   * `[domain_realm]` of this KDC only (in its `kdc.conf`): hosts it refers to another
   * realm (MIT's KDC answers a TGS-REQ for an unknown `NT-SRV-HST` service on such
   * a host with a referral TGT, RFC 6806).
   */
  domainRealm?: Readonly<Record<string, string>>;
}

/** A realm running in {@link startRealms}. */
export interface RunningRealm {
  /** The realm. */
  realm: string;
  /** Its KDC's address, `127.0.0.1:port` (TCP and UDP). */
  kdc: string;
  /** The path of its keytab (the keys of its `services`). */
  keytab: string;
  /** Runs `kadmin.local -q <query>` on its database; throws if it fails. */
  kadmin(query: string): Promise<void>;
}

/** Several throwaway MIT realms with cross-realm trusts, one KDC process each. */
export interface MitRealms {
  /** The realms, by name. */
  realms: Record<string, RunningRealm>;
  /**
   * Environment for MIT's tools and GSSAPI: `KRB5_CONFIG` (every realm, `[capaths]`
   * of the trusts, and `[domain_realm]` from `startRealms`' options) and `KRB5CCNAME`
   * (empty until {@link MitRealms.kinit}).
   */
  env: Record<string, string>;
  /** `kinit principal` (with the realm) into `env.KRB5CCNAME`. */
  kinit(principal: string, password: string): Promise<void>;
  /** Runs an MIT tool (`kvno`, `klist`) with `env`; throws if it fails. */
  tool(cmd: string, args: string[]): Promise<void>;
  /** Stops the KDCs and removes their files. */
  close(): Promise<void>;
}

/** Options of {@link startRealms}. */
export interface RealmsOptions {
  /**
   * Trusts `[from, to]`: `krbtgt/to@from` in both realms' databases with the same
   * key, so users of `from` reach services of `to`.
   */
  trusts?: readonly (readonly [string, string])[];
  /** `[domain_realm]` of the shared `krb5.conf` (what MIT's clients map). */
  domainRealm?: Readonly<Record<string, string>>;
}

/** Waits until something accepts TCP connections on `port` (a KDC started). */
async function waitForPort(port: number): Promise<void> {
  for (let i = 0;; i++) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch (e) {
      if (i >= 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Starts one KDC per realm of `specs` (each its own database, `kdc.conf` and port on
 * 127.0.0.1), with the cross-realm `trusts` (`krbtgt/B@A` with one password and
 * aes256-cts-hmac-sha1-96 in both databases, as an Active Directory trust has), the
 * users and services of each realm, and one `krb5.conf` naming every realm for MIT's
 * tools. The first realm is the default realm.
 */
export async function startRealms(
  specs: readonly RealmSpec[],
  options: RealmsOptions = {},
): Promise<MitRealms> {
  const dir = await Deno.makeTempDir({ prefix: "mit_realms_" });
  const ports = new Map(specs.map((s) => [s.realm, freePort()]));
  const krb5Conf = `${dir}/krb5.conf`;
  const trusts = options.trusts ?? [];
  const capaths = new Map<string, string[]>();
  for (const [from, to] of trusts) {
    capaths.set(from, [...capaths.get(from) ?? [], `    ${to} = .`]);
  }
  const section = (m: Readonly<Record<string, string>> | undefined) =>
    Object.entries(m ?? {}).map(([h, r]) => `  ${h} = ${r}`).join("\n");
  await Deno.writeTextFile(
    krb5Conf,
    `[libdefaults]
  default_realm = ${specs[0].realm}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  dns_canonicalize_hostname = false
[realms]
${
      specs.map((s) =>
        `  ${s.realm} = {\n    kdc = 127.0.0.1:${ports.get(s.realm)}\n  }`
      ).join("\n")
    }
[capaths]
${
      [...capaths].map(([from, lines]) =>
        `  ${from} = {\n${lines.join("\n")}\n  }`
      )
        .join("\n")
    }
[domain_realm]
${section(options.domainRealm)}
`,
  );
  const kdcs: Deno.ChildProcess[] = [];
  const close = async () => {
    for (const k of kdcs) {
      try {
        k.kill("SIGTERM");
      } catch { /* already exited */ }
      await k.status;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const realms: Record<string, RunningRealm> = {};
  const env = { KRB5_CONFIG: krb5Conf, KRB5CCNAME: `FILE:${dir}/ccache` };
  try {
    for (const s of specs) {
      const rdir = `${dir}/${s.realm}`;
      await Deno.mkdir(rdir);
      const port = ports.get(s.realm)!;
      const renv = {
        ...env,
        KRB5_KDC_PROFILE: `${rdir}/kdc.conf`,
        KRB5_KTNAME: `FILE:${rdir}/keytab`,
      };
      await Deno.writeTextFile(
        renv.KRB5_KDC_PROFILE,
        `[kdcdefaults]
  kdc_ports = ${port}
  kdc_tcp_ports = ${port}
[realms]
  ${s.realm} = {
    database_name = ${rdir}/principal
    key_stash_file = ${rdir}/stash
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
[domain_realm]
${section(s.domainRealm)}
`,
      );
      const kadmin = (q: string, strict = false) =>
        run("kadmin.local", ["-r", s.realm, "-q", q], renv, undefined, strict);
      await run(
        "kdb5_util",
        ["create", "-s", "-r", s.realm, "-P", crypto.randomUUID()],
        renv,
      );
      for (const u of s.users ?? []) {
        await kadmin(`addprinc -pw ${u.password} ${u.name}@${s.realm}`, true);
      }
      for (const spn of s.services ?? []) {
        await kadmin(`addprinc -randkey ${spn}@${s.realm}`, true);
        await kadmin(`ktadd -k ${rdir}/keytab ${spn}@${s.realm}`, true);
      }
      for (const [from, to] of trusts) {
        if (from !== s.realm && to !== s.realm) continue;
        const pw = `trust-${from}-${to}-Passw0rd`;
        await kadmin(
          `addprinc -pw ${pw} -e aes256-cts-hmac-sha1-96:normal krbtgt/${to}@${from}`,
          true,
        );
      }
      kdcs.push(
        new Deno.Command("krb5kdc", {
          args: ["-n", "-r", s.realm],
          env: renv,
          stdout: "null",
          stderr: "null",
        }).spawn(),
      );
      realms[s.realm] = {
        realm: s.realm,
        kdc: `127.0.0.1:${port}`,
        keytab: `${rdir}/keytab`,
        kadmin: (q) => kadmin(q, true),
      };
    }
    for (const port of ports.values()) await waitForPort(port);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    realms,
    env,
    kinit: (principal, password) =>
      run("kinit", [principal], env, `${password}\n`),
    tool: (cmd, args) => run(cmd, args, env),
    close,
  };
}
