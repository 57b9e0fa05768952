// The keytab reader against MIT krb5: parseKeytab reads keytabs written by
// `kadmin.local ktadd` (several principals, a 32-bit kvno above 255, entries deleted
// by `ktremove`, non-AES enctypes) exactly as `klist -k -t -e -K` lists them (keys in
// hex, kvno, enctype, principal). Malformed keytabs (every truncation of a real one,
// bad versions, negative sizes, huge counts and lengths) and keytabs without an AES
// key make AcquireCredentialsHandle(SECPKG_CRED_INBOUND, { Keytab }) return
// SEC_E_NO_CREDENTIALS, never throw; pszPrincipal keeps only that principal's keys.
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  type CredHandle,
  CtxtHandle,
  FreeCredentialsHandle,
  QueryCredentialsAttributes,
  SEC_E_NO_CREDENTIALS,
  SEC_E_NO_KERB_KEY,
  SEC_E_OK,
  SEC_E_WRONG_PRINCIPAL,
  SecBuffer,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_ATTR_NAMES,
  SECURITY_NATIVE_DREP,
  statusName,
} from "../../mod.ts";
import {
  type KeytabEntry,
  parseKeytab,
} from "../../src/packages/kerberos/keytab.ts";
import {
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** MIT's enctype names (as `klist -e` prints them) and their numbers. */
const ENCTYPES: Record<string, number> = {
  "des3-cbc-sha1": 16,
  "aes128-cts-hmac-sha1-96": 17,
  "aes256-cts-hmac-sha1-96": 18,
  "aes128-cts-hmac-sha256-128": 19,
  "aes256-cts-hmac-sha384-192": 20,
  "arcfour-hmac": 23,
  "camellia128-cts-cmac": 25,
  "camellia256-cts-cmac": 26,
};

/** One line of `klist -k -t -e -K`. */
interface KlistEntry {
  kvno: number;
  principal: string;
  etype: number;
  key: string;
}

/** Runs `klist -k -t -e -K file` and reads its table. */
async function klist(file: string): Promise<KlistEntry[]> {
  const o = await new Deno.Command("klist", {
    args: ["-k", "-t", "-e", "-K", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(o.success, new TextDecoder().decode(o.stderr));
  const out: KlistEntry[] = [];
  for (const line of new TextDecoder().decode(o.stdout).split("\n")) {
    // "   2 11/22/26 11:35:48 HTTP/localhost@EXAMPLE.TEST (aes256-cts-hmac-sha1-96)  (0x4b06...)"
    const m =
      /^\s*(\d+)\s+\S+\s+\S+\s+(\S+)\s+\((?:DEPRECATED:)?([^)]+)\)\s+\(0x([0-9a-f]+)\)\s*$/
        .exec(line);
    if (!m) continue;
    const etype = ENCTYPES[m[3]];
    assert.ok(etype, `unknown enctype name ${m[3]}`);
    out.push({ kvno: Number(m[1]), principal: m[2], etype, key: m[4] });
  }
  return out;
}

/** parseKeytab's entries in klist's shape. */
function asKlist(entries: KeytabEntry[]): KlistEntry[] {
  return entries.map((e) => ({
    kvno: e.kvno,
    principal: `${e.components.join("/")}@${e.realm}`,
    etype: e.key.etype,
    key: hex(e.key.bytes),
  }));
}

/** The status of acquiring over `bytes`; the handle is freed. */
function statusFor(bytes: Uint8Array, principal: string | null = null): number {
  const { status, cred } = acquireInbound(
    "Kerberos",
    { Keytab: bytes },
    principal,
  );
  if (status === SEC_E_OK) FreeCredentialsHandle(cred);
  return status;
}

/** The size field and end of each record of a keytab (holes included), read independently. */
function records(bytes: Uint8Array): { size: number; end: number }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { size: number; end: number }[] = [];
  for (let at = 2; at + 4 <= bytes.length;) {
    const size = v.getInt32(at);
    at += 4 + Math.abs(size);
    out.push({ size, end: at });
  }
  return out;
}

// ---------------------------------------------------------------------------
// A keytab writer for crafted files (format 0x0502, RFC-less but documented by MIT).

interface Entry {
  realm?: string;
  components?: string[];
  nameType?: number;
  kvno?: number;
  etype?: number;
  key?: Uint8Array;
  /** The trailing 32-bit kvno; omitted when undefined. */
  kvno32?: number;
  /** Overrides the component count written. */
  count?: number;
}

function u16(n: number): number[] {
  return [(n >>> 8) & 255, n & 255];
}
function i32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}
function str(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...u16(b.length), ...b];
}

/** The body of one entry (without its size). */
function entryBody(e: Entry): number[] {
  const components = e.components ?? ["HTTP", "web.example.test"];
  const key = e.key ?? new Uint8Array(32).fill(7);
  return [
    ...u16(e.count ?? components.length),
    ...str(e.realm ?? "EXAMPLE.TEST"),
    ...components.flatMap(str),
    ...i32(e.nameType ?? 1),
    ...i32(1_700_000_000),
    (e.kvno ?? 3) & 255,
    ...u16(e.etype ?? 18),
    ...u16(key.length),
    ...key,
    ...(e.kvno32 === undefined ? [] : i32(e.kvno32)),
  ];
}

/** A keytab of `records`: entries (sized by their body) or raw byte runs. */
function keytab(...records: (Entry | number[])[]): Uint8Array {
  const out = [5, 2];
  for (const r of records) {
    if (Array.isArray(r)) out.push(...r);
    else {
      const body = entryBody(r);
      out.push(...i32(body.length), ...body);
    }
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------

Deno.test("keytab: parseKeytab reads MIT ktadd keytabs as klist -k -t -e -K lists them (several principals, kvno 300, ktremove holes)", () =>
  withKdc(async (kdc) => {
    // The KDC's own keytab (HTTP/localhost).
    const own = keytabPath(kdc);
    const ownEntries = parseKeytab(await Deno.readFile(own));
    assert.deepEqual(asKlist(ownEntries), await klist(own));
    assert.ok(ownEntries.length >= 2);
    for (const e of ownEntries) {
      assert.deepEqual(e.components, SERVICE.split("/"));
      assert.equal(e.realm, REALM);
      assert.equal(e.nameType, 1); // KRB5_NT_PRINCIPAL, as ktadd writes it
    }

    // A richer one: three principals, one with a kvno that needs the 32-bit field.
    const dir = await Deno.makeTempDir({ prefix: "keytab_test_" });
    try {
      const file = `${dir}/many.keytab`;
      await kdc.kadmin("addprinc -randkey HTTP/big.kvno.test");
      await kdc.kadmin("modprinc -kvno 300 HTTP/big.kvno.test");
      await kdc.kadmin(
        `ktadd -k ${file} -norandkey HTTP/localhost host/localhost HTTP/big.kvno.test`,
      );
      const listed = await klist(file);
      assert.equal(listed.length, 6);
      assert.ok(listed.some((e) => e.kvno === 300));
      const bytes = await Deno.readFile(file);
      assert.deepEqual(asKlist(parseKeytab(bytes)), listed);
      assert.equal(statusFor(bytes), SEC_E_OK);

      // ktremove leaves holes (negative sizes) that are skipped.
      await kdc.kadmin(`ktremove -k ${file} host/localhost all`);
      const holed = await Deno.readFile(file);
      assert.equal(holed.length, bytes.length, "ktremove keeps the file size");
      assert.equal(records(holed).filter((r) => r.size < 0).length, 2);
      const after = await klist(file);
      assert.equal(after.length, 4);
      assert.deepEqual(asKlist(parseKeytab(holed)), after);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }));

Deno.test("keytab: every truncation of a real keytab is SEC_E_NO_CREDENTIALS, except at a record boundary (a shorter valid keytab)", () =>
  withKdc(async (kdc) => {
    const bytes = await Deno.readFile(keytabPath(kdc));
    const full = parseKeytab(bytes);
    const ends = records(bytes).map((r) => r.end);
    assert.equal(ends.at(-1), bytes.length);
    let refused = 0;
    for (let n = 0; n < bytes.length; n++) {
      const cut = bytes.slice(0, n);
      const k = ends.indexOf(n);
      if (n === 2 || k >= 0) {
        // Header plus whole records: a valid keytab of the first records.
        const entries = parseKeytab(cut);
        assert.deepEqual(asKlist(entries), asKlist(full.slice(0, k + 1)));
        assert.equal(
          st(statusFor(cut)),
          st(entries.length ? SEC_E_OK : SEC_E_NO_CREDENTIALS),
          `cut at ${n}`,
        );
      } else {
        assert.throws(() => parseKeytab(cut), Error, `cut at ${n}`);
        assert.equal(
          st(statusFor(cut)),
          st(SEC_E_NO_CREDENTIALS),
          `cut at ${n}`,
        );
        refused++;
      }
    }
    assert.ok(refused > bytes.length - 5);
  }));

Deno.test("keytab: malformed keytabs (bad version, negative sizes, huge counts and lengths) are SEC_E_NO_CREDENTIALS, never an exception", () => {
  const good = keytab({});
  assert.equal(st(statusFor(good)), st(SEC_E_OK), "the crafted base is valid");
  const body = entryBody({});
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["one byte", Uint8Array.of(5)],
    [
      "version 0x0501 (native byte order)",
      Uint8Array.of(5, 1, ...good.slice(2)),
    ],
    ["version 0x0402", Uint8Array.of(4, 2, ...good.slice(2))],
    ["only the version", Uint8Array.of(5, 2)],
    ["a size of zero first", keytab(i32(0), body)],
    ["negative size past the end", keytab(i32(-1000), body)],
    ["negative size INT32_MIN", keytab(i32(-0x80000000), body)],
    ["only a hole", keytab(i32(-8), new Array(8).fill(0))],
    ["size INT32_MAX", keytab(i32(0x7fffffff), body)],
    ["size 2^31-1 in a short file", keytab(i32(0x7fffffff))],
    ["size larger than the entry by one", keytab(i32(body.length + 1), body)],
    ["size smaller than the entry", keytab(i32(body.length - 5), body)],
    ["three size bytes only", Uint8Array.of(5, 2, 0, 0, 0)],
    ["component count 65535", keytab({ count: 0xffff })],
    [
      "component count 65535, more entries after",
      keytab({ count: 0xffff }, {}, {}, {}),
    ],
    ["component count 0", keytab({ count: 0 })],
    [
      "realm length 65535",
      keytab(i32(body.length), [0, 2, 0xff, 0xff, ...body.slice(4)]),
    ],
    [
      "key length 65535",
      keytab(i32(body.length), [
        ...body.slice(0, body.length - 34),
        0xff,
        0xff,
        ...body.slice(-32),
      ]),
    ],
    ["key length 0", keytab({ key: new Uint8Array(0) })],
    [
      "AES256 with a 16-byte key",
      keytab({ etype: 18, key: new Uint8Array(16) }),
    ],
    [
      "AES128 with a 32-byte key",
      keytab({ etype: 17, key: new Uint8Array(32) }),
    ],
    ["garbage after the entries", Uint8Array.of(...good, 1, 2, 3)],
  ];
  for (const [name, bytes] of cases) {
    const s = statusFor(bytes);
    assert.equal(st(s), st(SEC_E_NO_CREDENTIALS), name);
  }
  // A hole followed by a good entry, and the 32-bit kvno, are read.
  const holed = keytab(i32(-12), new Array(12).fill(0), { kvno32: 300 });
  assert.deepEqual(
    parseKeytab(holed).map((e) => [e.kvno, e.components.join("/")]),
    [[300, "HTTP/web.example.test"]],
  );
  assert.equal(st(statusFor(holed)), st(SEC_E_OK));
  // A 32-bit kvno of zero means "use the 8-bit one" (MIT).
  assert.equal(parseKeytab(keytab({ kvno: 9, kvno32: 0 }))[0].kvno, 9);
});

Deno.test("keytab: keytabs with no AES or rc4-hmac key are SEC_E_NO_CREDENTIALS (MIT's DES3 and Camellia, crafted ones); AES-SHA2 keys are used", async () => {
  for (const etype of [1, 3, 16, 25, 26, 0, 0xffff]) {
    assert.equal(
      st(statusFor(keytab({ etype }, { etype, components: ["host", "x"] }))),
      st(SEC_E_NO_CREDENTIALS),
      `etype ${etype}`,
    );
  }
  // RFC 8009 keys of the wrong size (the crafted 32 bytes for etype 19) are not.
  assert.equal(
    st(statusFor(keytab({ etype: 19 }))),
    st(SEC_E_NO_CREDENTIALS),
  );
  // An AES key beside them is enough: AES-SHA1 or, RFC 8009, AES-SHA2.
  for (const [etype, size] of [[17, 16], [19, 16], [20, 32]]) {
    assert.equal(
      st(statusFor(
        keytab({ etype: 16 }, { etype, key: new Uint8Array(size) }),
      )),
      st(SEC_E_OK),
      `etype ${etype}`,
    );
  }
  await withKdc(async (kdc) => {
    const dir = await Deno.makeTempDir({ prefix: "keytab_test_" });
    try {
      for (
        const [spn, enctypes] of [
          ["HTTP/des3.test", "des3-cbc-sha1:normal"],
          [
            "HTTP/camellia.test",
            "camellia128-cts-cmac:normal,camellia256-cts-cmac:normal",
          ],
        ]
      ) {
        const file = `${dir}/${spn.replace("/", "_")}.keytab`;
        await kdc.kadmin(`addprinc -randkey -e ${enctypes} ${spn}`);
        await kdc.kadmin(`ktadd -k ${file} -norandkey ${spn}`);
        const bytes = await Deno.readFile(file);
        // Read all the same (klist agrees), but no key this package can use.
        assert.deepEqual(asKlist(parseKeytab(bytes)), await klist(file));
        assert.equal(st(statusFor(bytes)), st(SEC_E_NO_CREDENTIALS), spn);
        // Also given as a path, with MIT's FILE: prefix.
        const { status } = acquireInbound("Kerberos", {
          Keytab: `FILE:${file}`,
        });
        assert.equal(st(status), st(SEC_E_NO_CREDENTIALS), spn);
      }
      // MIT's AES-SHA2 keys beside Camellia: acquired.
      const spn = "HTTP/sha2.test";
      const file = `${dir}/sha2.keytab`;
      await kdc.kadmin(
        `addprinc -randkey -e aes128-cts-hmac-sha256-128:normal,camellia256-cts-cmac:normal ${spn}`,
      );
      await kdc.kadmin(`ktadd -k ${file} -norandkey ${spn}`);
      const bytes = await Deno.readFile(file);
      assert.deepEqual(asKlist(parseKeytab(bytes)), await klist(file));
      assert.equal(st(statusFor(bytes)), st(SEC_E_OK));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("keytab: pszPrincipal keeps only that principal's keys; one the keytab lacks is SEC_E_NO_CREDENTIALS", () =>
  withKdc(async (kdc) => {
    const dir = await Deno.makeTempDir({ prefix: "keytab_test_" });
    try {
      const file = `${dir}/two.keytab`;
      await kdc.kadmin(
        `ktadd -k ${file} -norandkey HTTP/localhost host/localhost`,
      );
      const bytes = await Deno.readFile(file);
      for (
        const p of [
          "HTTP/localhost",
          `HTTP/localhost@${REALM}`,
          "http/LOCALHOST@example.test", // compared ignoring case, as Windows does
          "host/localhost",
        ]
      ) {
        const { status, cred } = acquireInbound(
          "Kerberos",
          { Keytab: bytes },
          p,
        );
        assert.equal(st(status), st(SEC_E_OK), p);
        const names = { value: null as unknown };
        assert.equal(
          QueryCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES, names),
          SEC_E_OK,
        );
        assert.equal(
          (names.value as { sUserName: string }).sUserName.toLowerCase(),
          (p.includes("@") ? p : `${p}@${REALM}`).toLowerCase(),
        );
        FreeCredentialsHandle(cred);
      }
      for (
        const p of [
          "HTTP/other",
          "HTTP/localhost@OTHER.TEST",
          "HTTP",
          "localhost",
          "HTTP/localhost/extra",
          "",
          `${KRB_USER.user}@${REALM}`,
        ]
      ) {
        const { status } = acquireInbound("Kerberos", { Keytab: bytes }, p);
        // "" is no principal at all: the whole keytab.
        assert.equal(
          st(status),
          st(p === "" ? SEC_E_OK : SEC_E_NO_CREDENTIALS),
          JSON.stringify(p),
        );
      }

      // The narrowing is real: a ticket for host/localhost is refused by a credential
      // narrowed to HTTP/localhost and accepted by one over the whole keytab.
      const { cred: client } = await acquireKrb("Kerberos", {
        User: KRB_USER.user,
        Domain: REALM,
        Password: KRB_USER.password,
        Kdc: kdc.kdc,
      });
      const narrowed =
        acquireInbound("Kerberos", { Keytab: bytes }, SERVICE).cred;
      const whole = acquireInbound("Kerberos", { Keytab: bytes }).cred;
      const accept = async (server: CredHandle, spn: string) => {
        const a = await iscStep(client, newCtx(), true, spn, null);
        return AcceptSecurityContext(
          server,
          null,
          new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, a.token)]),
          0x100,
          SECURITY_NATIVE_DREP,
          new CtxtHandle(),
          new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]),
          { value: 0 },
          null,
        );
      };
      assert.equal(
        st(await accept(narrowed, "host/localhost")),
        st(SEC_E_WRONG_PRINCIPAL),
      );
      assert.equal(st(await accept(narrowed, SERVICE)), st(SEC_E_OK));
      assert.equal(st(await accept(whole, "host/localhost")), st(SEC_E_OK));
      for (const c of [client, narrowed, whole]) FreeCredentialsHandle(c);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }));

Deno.test("keytab: an AES entry whose key has the wrong size is unusable: SEC_E_NO_KERB_KEY when a ticket needs it, not an internal error", () =>
  withKdc(async (kdc) => {
    const real = parseKeytab(await Deno.readFile(keytabPath(kdc)));
    const aes128 = real.find((e) => e.key.etype === 17)!;
    const aes256 = real.find((e) => e.key.etype === 18)!;
    const [service, host] = SERVICE.split("/");
    const bytes = keytab(
      // The AES256 key cut to 16 bytes (the KDC encrypts the ticket with AES256).
      {
        components: [service, host],
        kvno: aes256.kvno,
        etype: 18,
        key: aes256.key.bytes.slice(0, 16),
      },
      {
        components: [service, host],
        kvno: aes128.kvno,
        etype: 17,
        key: aes128.key.bytes,
      },
    );
    const server = acquireInbound("Kerberos", { Keytab: bytes }).cred;
    const { cred: client } = await acquireKrb("Kerberos", {
      User: KRB_USER.user,
      Domain: REALM,
      Password: KRB_USER.password,
      Kdc: kdc.kdc,
    });
    const a = await iscStep(client, newCtx(), true, SERVICE, null);
    const s = AcceptSecurityContext(
      server,
      null,
      new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, a.token)]),
      0x100,
      SECURITY_NATIVE_DREP,
      new CtxtHandle(),
      new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]),
      { value: 0 },
      null,
    );
    assert.equal(st(s), st(SEC_E_NO_KERB_KEY));
    FreeCredentialsHandle(server);
    FreeCredentialsHandle(client);
  }));
