/**
 * A throwaway Active Directory domain controller: Samba's AD DC (`samba`, from
 * Debian's `samba-ad-dc`), provisioned into a temporary directory with a realm,
 * users, groups and service accounts, serving Kerberos (its own KDC, Heimdal with
 * Active Directory's rules: salts, PACs, `msDS-SupportedEncryptionTypes`) on a free
 * port and LDAP on 127.0.0.1:389/636, as a Windows DC does. Nothing here is ours: the
 * directory, the KDC and the LDAP server are Samba's.
 *
 * LDAP's ports are fixed in Samba, so one DC runs at a time on a machine: `withSambaDc`
 * holds a file lock while its DC runs.
 *
 * @module
 */
import { freePort } from "../digest/_peers.ts";
import { isCI } from "./availability.ts";

/** Debian packages that provide the AD DC and `samba-tool`. */
export const SAMBA_AD_INSTALL_HINT =
  "apt-get install -y samba samba-ad-dc samba-ad-provision krb5-user";

/** The DNS realm, NetBIOS domain and DC host name every test DC has. */
export const AD = {
  realm: "AD.EXAMPLE.TEST",
  dnsDomain: "ad.example.test",
  domain: "ADEX",
  dc: "dc1",
  admin: "Administrator",
  adminPassword: "Adm1n!Passw0rd",
} as const;

/** A user of the test domain (`groups` it is made a member of). */
export interface AdUser {
  user: string;
  password: string;
  groups?: readonly string[];
  /** Created with "must change password at next logon" (`pwdLastSet` 0). */
  mustChange?: boolean;
}

/** A service account with SPNs, and the enctypes its tickets may use. */
export interface AdService {
  account: string;
  password: string;
  spns: readonly string[];
  /** `msDS-SupportedEncryptionTypes` (e.g. 0x18 for AES only); unset: AD's RC4. */
  enctypes?: number;
}

/** How to set the DC up beyond its users and services. */
export interface SambaDcOptions {
  /**
   * The KDC's own `krb5.conf` (next to `smb.conf`, which Samba's embedded Heimdal
   * KDC reads its `[kdc]` settings from), e.g.
   * `"[kdc]\n enable_unarmored_pa_enc_timestamp = false\n"`.
   */
  kdcKrb5Conf?: string;
  /**
   * Also serve SMB (Samba's `s3fs` service: smbd, with the DC's named pipes on
   * IPC$) on a free port, given as `smbPort`.
   */
  smb?: boolean;
  /** With `smb`: the server requires SMB encryption (`server smb encrypt`). */
  smbEncrypt?: boolean;
}

/** A running Samba AD DC. */
export interface SambaDc {
  /** The KDC, `127.0.0.1:port` (TCP and UDP). */
  kdc: string;
  /** The kpasswd service (RFC 3244), `127.0.0.1:port`. */
  kpasswd: string;
  /** SMB's port on 127.0.0.1 with the `smb` option, else 0. */
  smbPort: number;
  /** The LDAP port on 127.0.0.1 (389). */
  ldapPort: number;
  /** The LDAPS port on 127.0.0.1 (636), with Samba's self-signed certificate. */
  ldapsPort: number;
  /** The domain's SID (`S-1-5-21-...`). */
  domainSid: string;
  /** Environment for MIT's tools and GSSAPI: `KRB5_CONFIG` for this realm. */
  env: Record<string, string>;
  /** The DC's files. */
  dir: string;
  /** Runs `samba-tool <args>` against the DC's database; its stdout. */
  tool(...args: string[]): Promise<string>;
  /** The `objectSid` of a user, group or computer by its sAMAccountName. */
  sidOf(name: string): Promise<string>;
  /** Sets one attribute of an account under `CN=Users` (e.g. `userPrincipalName`). */
  setAttribute(
    account: string,
    attr: string,
    value: string | number,
  ): Promise<void>;
  /** Exports the keys of `principal` (an account name or SPN) to a new keytab file. */
  exportKeytab(principal: string): Promise<string>;
  /**
   * Joins a computer: creates the account `name$` (a workstation trust account) and
   * sets its password, as a domain member keeps it for its secure channel.
   */
  addComputer(name: string, password: string): Promise<void>;
  /** Stops the DC and removes its files. */
  close(): Promise<void>;
}

const dec = new TextDecoder();

async function run(cmd: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(cmd, {
    args,
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!o.success) {
    throw new Error(
      `${cmd} ${args.slice(0, 3).join(" ")} failed: ${
        dec.decode(o.stderr).trim().split("\n").slice(-4).join("\n")
      }`,
    );
  }
  return dec.decode(o.stdout);
}

/** Why a DC cannot run here (a missing program), or null when it can. */
export async function sambaDcUnavailable(): Promise<string | null> {
  for (const p of ["/usr/sbin/samba", "/usr/bin/samba-tool"]) {
    try {
      await Deno.stat(p);
    } catch {
      return `${p} is missing`;
    }
  }
  return null;
}

async function waitForPort(
  port: number,
  child: Deno.ChildProcess,
  log: string,
) {
  let exited = false;
  child.status.then(() => exited = true);
  for (let i = 0; i < 600; i++) {
    if (exited) {
      const tail = await Deno.readTextFile(log).catch(() => "");
      throw new Error(
        `samba exited while starting:\n${
          tail.split("\n").slice(-8).join("\n")
        }`,
      );
    }
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`samba did not listen on ${port} within a minute`);
}

/**
 * Provisions a domain (`AD`), adds `users` and `services`, and starts the DC. About
 * 10 s. Use `withSambaDc`, which also serializes DCs across test files.
 */
export async function startSambaDc(
  users: readonly AdUser[],
  services: readonly AdService[] = [],
  options: SambaDcOptions = {},
): Promise<SambaDc> {
  const dir = await Deno.makeTempDir({ prefix: "samba_ad_" });
  const conf = `${dir}/etc/smb.conf`;
  const kdcPort = freePort();
  const kpasswdPort = freePort();
  const smbPort = options.smb ? freePort() : 0;
  let child: Deno.ChildProcess | null = null;
  const tool = (...args: string[]) => run("samba-tool", [...args, "-s", conf]);
  const cleanup = async () => {
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.stdin.close().catch(() => {});
      await child.status;
      child = null;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    // An empty base configuration, not the /etc/samba/smb.conf Debian installs.
    const base = `${dir}/base.conf`;
    await Deno.writeTextFile(base, "[global]\n");
    await run("samba-tool", [
      "domain",
      "provision",
      "-s",
      base,
      `--targetdir=${dir}`,
      `--realm=${AD.realm}`,
      `--domain=${AD.domain}`,
      "--server-role=dc",
      "--dns-backend=NONE",
      `--adminpass=${AD.adminPassword}`,
      `--host-name=${AD.dc}`,
      "--host-ip=127.0.0.1",
      "--option=interfaces=127.0.0.1",
      "--option=bind interfaces only=yes",
      `--option=server services=ldap kdc rpc${
        options.smb ? " s3fs winbindd" : ""
      }`,
      ...(options.smb ? [`--option=smb ports=${smbPort}`] : []),
      ...(options.smbEncrypt ? ["--option=server smb encrypt=required"] : []),
      `--option=krb5 port=${kdcPort}`,
      `--option=kpasswd port=${kpasswdPort}`,
      `--option=log file=${dir}/log.%m`,
      `--option=pid directory=${dir}`,
    ]);
    for (const u of users) {
      await tool(
        "user",
        "add",
        u.user,
        u.password,
        ...(u.mustChange ? ["--must-change-at-next-login"] : []),
      );
      for (const g of u.groups ?? []) {
        await tool("group", "add", g).catch(() => {}); // may exist
        await tool("group", "addmembers", g, u.user);
      }
    }
    // A Windows DC registers `ldap/<fqdn>` for itself; Samba's samba_spnupdate
    // would, but only the ldap and kdc services run here.
    await tool(
      "spn",
      "add",
      `ldap/${AD.dc}.${AD.dnsDomain}`,
      `${AD.dc.toUpperCase()}$`,
    );
    for (const s of services) {
      await tool("user", "add", s.account, s.password);
      for (const spn of s.spns) await tool("spn", "add", spn, s.account);
      if (s.enctypes !== undefined) {
        await setAttribute(
          dir,
          s.account,
          "msDS-SupportedEncryptionTypes",
          s.enctypes,
        );
      }
    }
    const domainSid = (await sidOfIn(tool, AD.admin)).replace(/-500$/, "");
    const krb5 = `${dir}/krb5.conf`;
    await Deno.writeTextFile(
      krb5,
      `[libdefaults]\n default_realm = ${AD.realm}\n dns_lookup_kdc = false\n` +
        ` dns_lookup_realm = false\n rdns = false\n` +
        `[realms]\n ${AD.realm} = {\n  kdc = 127.0.0.1:${kdcPort}\n }\n` +
        `[domain_realm]\n .${AD.dnsDomain} = ${AD.realm}\n`,
    );
    if (options.kdcKrb5Conf !== undefined) {
      await Deno.writeTextFile(`${dir}/etc/krb5.conf`, options.kdcKrb5Conf);
    }
    // `-i` keeps samba in the foreground, and it stops when its stdin closes: the
    // pipe stays open until close(). Its log goes to a file for a failed start
    // (SAMBA_DEBUG=10 in the environment for a detailed one).
    const proc = new Deno.Command("/bin/sh", {
      args: [
        "-c",
        'exec /usr/sbin/samba -i -M single -s "$1" --debuglevel=${SAMBA_DEBUG:-1} >"$2" 2>&1',
        "sh",
        conf,
        `${dir}/samba.log`,
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child = proc;
    await waitForPort(kdcPort, proc, `${dir}/samba.log`);
    await waitForPort(389, proc, `${dir}/samba.log`);
    if (smbPort) await waitForPort(smbPort, proc, `${dir}/samba.log`);
    return {
      smbPort,
      kdc: `127.0.0.1:${kdcPort}`,
      kpasswd: `127.0.0.1:${kpasswdPort}`,
      ldapPort: 389,
      ldapsPort: 636,
      domainSid,
      env: { KRB5_CONFIG: krb5 },
      dir,
      tool,
      sidOf: (name) => sidOfIn(tool, name),
      setAttribute: (account, attr, value) =>
        setAttribute(dir, account, attr, value),
      async exportKeytab(principal) {
        const path = `${dir}/${principal.replace(/[^A-Za-z0-9]/g, "_")}.keytab`;
        await tool("domain", "exportkeytab", path, `--principal=${principal}`);
        return path;
      },
      async addComputer(name, password) {
        await tool("computer", "create", name);
        await tool(
          "user",
          "setpassword",
          `${name}$`,
          `--newpassword=${password}`,
        );
      },
      close: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

async function sidOfIn(
  tool: (...a: string[]) => Promise<string>,
  name: string,
): Promise<string> {
  const out = await tool("user", "show", name, "--attributes=objectSid")
    .catch(() => tool("group", "show", name, "--attributes=objectSid"));
  const sid = out.match(/objectSid: (S-1-[\d-]+)/)?.[1];
  if (!sid) throw new Error(`no objectSid for ${name}`);
  return sid;
}

/** Sets one attribute of an account in the DC's database (Samba's Python SamDB). */
async function setAttribute(
  dir: string,
  account: string,
  attr: string,
  value: number | string,
): Promise<void> {
  const base = AD.dnsDomain.split(".").map((p) => `DC=${p}`).join(",");
  const ldif = `dn: CN=${account},CN=Users,${base}\nchangetype: modify\n` +
    `replace: ${attr}\n${attr}: ${value}\n`;
  const py = [
    "import sys",
    "from samba.samdb import SamDB",
    "from samba.param import LoadParm",
    "from samba.auth import system_session",
    "lp = LoadParm(); lp.load(sys.argv[1])",
    "db = SamDB(url=sys.argv[2], session_info=system_session(), lp=lp)",
    "db.modify_ldif(sys.argv[3])",
  ].join("\n");
  await run("/usr/bin/python3", [
    "-c",
    py,
    `${dir}/etc/smb.conf`,
    `${dir}/private/sam.ldb`,
    ldif,
  ]);
}

/**
 * Runs `fn` with a DC holding `users` and `services`, one DC at a time on this
 * machine (a lock file); skips with a message, or fails under CI, when Samba's AD DC
 * is not installed.
 */
export async function withSambaDc(
  users: readonly AdUser[],
  services: readonly AdService[],
  fn: (dc: SambaDc) => Promise<void>,
  options: SambaDcOptions = {},
): Promise<void> {
  const missing = await sambaDcUnavailable();
  if (missing) {
    const msg =
      `Samba AD DC not available (${missing}); ${SAMBA_AD_INSTALL_HINT}`;
    if (isCI()) throw new Error(msg);
    console.warn(`SKIP: ${msg}`);
    return;
  }
  const lock = await Deno.open("/tmp/portable-sspi-samba-ad.lock", {
    create: true,
    write: true,
  });
  await lock.lock(true);
  try {
    const dc = await startSambaDc(users, services, options);
    try {
      await fn(dc);
    } finally {
      await dc.close();
    }
  } finally {
    await lock.unlock();
    lock.close();
  }
}
