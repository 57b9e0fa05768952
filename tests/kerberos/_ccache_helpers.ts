/**
 * What the credential-cache tests share: a writer for MIT `FILE:` caches (with
 * lengths and counts that can be made to lie), a synthetic cache, the comparison
 * with `klist` (run in UTC), and the SSPI calls of a client acquired with no
 * `pAuthData` under a given environment and of our acceptor.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  lastErrorDetail,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_NAMES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  statusName,
} from "../../mod.ts";
import {
  type Ccache,
  type CcacheCredential,
  parseCcache,
} from "../../src/packages/kerberos/ccache.ts";
import {
  decodeTicket,
  encodeTicket,
} from "../../src/packages/kerberos/messages.ts";
import { accept, iscStep, KRB_USER, REALM, SERVICE } from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);
/** Now, in seconds since the epoch. */
export const NOW = Math.floor(Date.now() / 1000);

/** A length or count to write instead of the true one. */
export type Lie = {
  field:
    | "header"
    | "components"
    | "realm"
    | "key"
    | "addresses"
    | "authdata"
    | "ticket"
    | "secondTicket";
  value: number;
};

/** Serialises `cc` as a version 3 or 4 file; `config` adds one X-CACHECONF entry. */
export function writeCcache(
  cc: Ccache,
  opts: { version?: number; lie?: Lie; config?: boolean } = {},
): Uint8Array {
  const version = opts.version ?? 0x0504;
  const out: number[] = [];
  const len = (field: Lie["field"], n: number) =>
    opts.lie?.field === field ? opts.lie.value : n;
  const u16 = (v: number) => out.push(v >> 8 & 0xff, v & 0xff);
  const u32 = (v: number) =>
    out.push(v >>> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff);
  const data = (b: Uint8Array, field: Lie["field"] | null = null) => {
    u32(field ? len(field, b.length) : b.length);
    out.push(...b);
  };
  const text = (s: string, field: Lie["field"] | null = null) =>
    data(new TextEncoder().encode(s), field);
  const principal = (p: Ccache["defaultPrincipal"]) => {
    u32(p.nameType);
    u32(len("components", p.components.length));
    text(p.realm, "realm");
    for (const c of p.components) text(c);
  };
  u16(version);
  if (version === 0x0504) {
    u16(len("header", 12));
    u16(1);
    u16(8);
    u32(cc.timeOffset?.seconds ?? 0);
    u32(cc.timeOffset?.microseconds ?? 0);
  }
  principal(cc.defaultPrincipal);
  const creds = [...cc.credentials];
  if (opts.config) {
    creds.unshift({
      ...creds[0],
      server: {
        nameType: 0,
        realm: "X-CACHECONF:",
        components: ["krb5_ccache_conf_data", "fast_avail"],
      },
      key: { etype: 0, bytes: new Uint8Array(0) },
      ticket: new TextEncoder().encode("yes"),
    });
  }
  for (const c of creds) {
    principal(c.client);
    principal(c.server);
    u16(c.key.etype);
    if (version === 0x0503) u16(c.key.etype);
    data(c.key.bytes, "key");
    for (const t of [c.authtime, c.starttime, c.endtime, c.renewTill]) u32(t);
    out.push(c.isSkey ? 1 : 0);
    u32(c.ticketFlags);
    u32(len("addresses", c.addresses.length));
    for (const a of c.addresses) u16(a.addrType), data(a.address);
    u32(len("authdata", c.authdata.length));
    for (const a of c.authdata) u16(a.adType), data(a.data);
    data(c.ticket, "ticket");
    data(c.secondTicket, "secondTicket");
  }
  return new Uint8Array(out);
}

/** `klist` on a cache file, in UTC and the C locale. */
export async function klist(file: string, args: string[]): Promise<string> {
  const o = await new Deno.Command("klist", {
    args: [...args, "-c", `FILE:${file}`],
    env: { TZ: "UTC", LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  assert.equal(o.code, 0, dec.decode(o.stderr));
  return dec.decode(o.stdout);
}

/** Runs `fn` with environment variables set, restoring them at once after. */
export function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const before = new Map(
    Object.keys(vars).map((k) => [k, Deno.env.get(k)] as const),
  );
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    return fn();
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  }
}

/**
 * `AcquireCredentialsHandle(null, pkg, SECPKG_CRED_OUTBOUND, null, authData)` with
 * `KRB5CCNAME` and `KRB5_CONFIG` set only around the (synchronous) call: other test
 * files run in this process at the same time.
 */
export function acquireDefault(
  pkg: string,
  env: { KRB5CCNAME: string; KRB5_CONFIG: string },
  authData: unknown = null,
): { status: number; cred: CredHandle; message: string } {
  const cred = new CredHandle();
  const status = withEnv(env, () =>
    AcquireCredentialsHandle(
      null,
      pkg,
      SECPKG_CRED_OUTBOUND,
      null,
      authData,
      null,
      null,
      cred,
      null,
    ));
  return { status, cred, message: lastErrorDetail()?.message ?? "" };
}

/** klist's flag letters, in its order (klist.c flags_string). */
const FLAGS: [number, string][] = [
  [0x40000000, "F"],
  [0x20000000, "f"],
  [0x10000000, "P"],
  [0x08000000, "p"],
  [0x04000000, "D"],
  [0x02000000, "d"],
  [0x01000000, "i"],
  [0x00800000, "R"],
  [0x00400000, "I"],
  [0x00100000, "H"],
  [0x00200000, "A"],
  [0x00080000, "T"],
  [0x00040000, "O"],
  [0x00008000, "a"],
];
const ETYPES: Record<number, string> = {
  17: "aes128-cts-hmac-sha1-96",
  18: "aes256-cts-hmac-sha1-96",
};
export const name = (p: Ccache["defaultPrincipal"]) =>
  `${p.components.join("/")}@${p.realm}`;
/** klist's time format in the C locale and UTC. */
const time = (s: number) =>
  new Date(s * 1000).toISOString().replace(
    /^\d\d(\d\d)-(\d\d)-(\d\d)T(\S{8}).*$/,
    "$2/$3/$1 $4",
  );

/** Parses `file`, checks it against `klist -e -f` and `klist -C`. */
export async function checkAgainstKlist(file: string) {
  const bytes = Deno.readFileSync(file);
  const cc = parseCcache(bytes);
  assert.equal(cc.version, 0x0504);
  const out = await klist(file, ["-e", "-f"]);
  assert.match(
    out,
    new RegExp(`^Default principal: ${name(cc.defaultPrincipal)}$`, "m"),
  );
  const rows = [
    ...out.matchAll(
      /^(\S+ \S+) {2}(\S+ \S+) {2}(\S+)\n\t(?:Flags: (\S+), )?Etype \(skey, tkt\): (\S+), (\S+) *$/gm,
    ),
  ];
  assert.equal(rows.length, cc.credentials.length, out);
  cc.credentials.forEach((c, i) => {
    const [, start, end, server, flags, skey, tkt] = rows[i];
    assert.equal(start, time(c.starttime || c.authtime));
    assert.equal(end, time(c.endtime));
    assert.equal(server, name(c.server));
    const letters = FLAGS.filter(([f]) => c.ticketFlags & f).map(([, l]) => l);
    assert.equal(flags ?? "", letters.join(""));
    assert.equal(skey, ETYPES[c.key.etype]);
    assert.equal(tkt, ETYPES[decodeTicket(c.ticket).encPart.etype]);
    assert.deepEqual(c.client, cc.defaultPrincipal);
  });
  const configs = (await klist(file, ["-C"])).match(/^config: /gm)?.length ?? 0;
  assert.ok(configs > 0, "kinit writes configuration entries");
  return { cc, bytes, entries: cc.credentials.length + configs };
}

/** Every truncation is an Error, or a valid shorter cache at an entry boundary. */
export function checkTruncations(
  bytes: Uint8Array,
  full: Ccache,
  entries: number,
) {
  let whole = 0;
  for (let n = 0; n < bytes.length; n++) {
    let cc: Ccache;
    try {
      cc = parseCcache(bytes.subarray(0, n));
    } catch (e) {
      assert.match((e as Error).message, /offset \d+|version/);
      continue;
    }
    whole++;
    assert.deepEqual(cc.defaultPrincipal, full.defaultPrincipal);
    assert.deepEqual(
      cc.credentials,
      full.credentials.slice(0, cc.credentials.length),
    );
  }
  // One after the default principal, then one after each entry but the last.
  assert.equal(whole, entries);
}

/** A synthetic cache: alice's TGT (fake ticket bytes) and one service ticket. */
export function synthetic(): Ccache {
  const me = { nameType: 1, realm: "EX.TEST", components: ["alice"] };
  const entry = (server: string[], etype = 18): CcacheCredential => ({
    client: me,
    server: { nameType: 2, realm: "EX.TEST", components: server },
    key: { etype, bytes: new Uint8Array(etype === 18 ? 32 : 16).fill(7) },
    authtime: NOW,
    starttime: NOW,
    endtime: NOW + 3600,
    renewTill: 0,
    isSkey: false,
    ticketFlags: 0x00400000,
    addresses: [{ addrType: 2, address: new Uint8Array([127, 0, 0, 1]) }],
    authdata: [{ adType: 1, data: new Uint8Array([1, 2]) }],
    ticket: encodeTicket({
      tktVno: 5,
      realm: "EX.TEST",
      sname: { nameType: 2, nameString: server },
      encPart: { etype: 18, kvno: 1, cipher: new Uint8Array(40) },
    }),
    secondTicket: new Uint8Array(0),
  });
  return {
    version: 0x0504,
    timeOffset: { seconds: -5, microseconds: 250 },
    defaultPrincipal: me,
    credentials: [entry(["krbtgt", "EX.TEST"]), entry(["HTTP", "web"], 17)],
  };
}

/** An inbound credential over the KDC's keytab. */
export function serverCred(pkg: string, keytab: string): CredHandle {
  const cred = new CredHandle();
  const s = AcquireCredentialsHandle(
    null,
    pkg,
    SECPKG_CRED_INBOUND,
    null,
    { Keytab: keytab },
    null,
    null,
    cred,
    null,
  );
  assert.equal(st(s), st(SEC_E_OK));
  return cred;
}

/** A whole handshake from `client` (first step done: `first`) to our acceptor. */
export async function handshake(
  client: CredHandle,
  ctx: CtxtHandle,
  first: Uint8Array,
  server: CredHandle,
) {
  const sctx = new CtxtHandle();
  let tok: Uint8Array | null = first;
  for (let i = 0; tok; i++) {
    const r = accept(server, sctx, tok, { first: i === 0 });
    assert.ok(
      r.status === SEC_E_OK || r.status === SEC_I_CONTINUE_NEEDED,
      st(r.status),
    );
    if (!r.token) break;
    const c = await iscStep(client, ctx, false, SERVICE, r.token);
    assert.ok(
      c.status === SEC_E_OK || c.status === SEC_I_CONTINUE_NEEDED,
      st(c.status),
    );
    tok = c.token;
  }
  const names = { value: null as unknown };
  QueryContextAttributes(sctx, SECPKG_ATTR_NAMES, names);
  assert.deepEqual(names.value, { sUserName: `${KRB_USER.user}@${REALM}` });
}
