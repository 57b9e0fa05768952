// krb5.conf reading: parseKrb5Conf takes default_realm and each realm's kdc lines
// (several per realm, comments, nested blocks such as auth_to_local_names, odd
// spacing, CRLF) and never throws; kdcsFor matches a realm written in lower case. An
// outbound Kerberos credential with no Kdc for a realm no krb5.conf lists is
// SEC_E_NO_CREDENTIALS; with KRB5_CONFIG naming a file that lists the realm's KDC it is
// acquired, and a full AS/TGS exchange against the live MIT KDC goes there.
//
// KRB5_CONFIG is process-wide: `deno test --parallel` runs every test file as a worker
// of one process (checked: they share Deno.pid and Deno.env), so a file running at the
// same time would see it. The temporary file is therefore the effective krb5.conf plus
// one realm nobody else uses without a Kdc, set only around the acquisition and
// restored in `finally`.
import assert from "node:assert/strict";
import {
  FreeCredentialsHandle,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  statusName,
} from "../../mod.ts";
import {
  kdcsFor,
  parseKrb5Conf,
  systemKrb5Config,
} from "../../src/packages/kerberos/config.ts";
import { rng } from "../_fuzz.ts";
import {
  acquireKrb,
  iscStep,
  KRB_USER,
  newCtx,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

Deno.test("krb5.conf: several kdc lines per realm, comments, nested blocks, default_realm", () => {
  const c = parseKrb5Conf(`# a comment
; another comment
[libdefaults]
  default_realm = CORP.EXAMPLE.COM
  dns_lookup_kdc = false

[realms]
  CORP.EXAMPLE.COM = {
    kdc = kdc1.corp.example.com
    # kdc = commented.out
    kdc = kdc2.corp.example.com:88
    admin_server = admin.corp.example.com
    auth_to_local_names = {
      kdc = not-a-kdc.example.com
      alice = root
    }
    auth_to_local = RULE:[1:$1@$0](.*@CORP\\.EXAMPLE\\.COM)s/@.*//
    kdc = [2001:db8::1]:750
    kdc = [::1]
  }
  OTHER.TEST = {
    kdc = other.test
  }

[domain_realm]
  .corp.example.com = CORP.EXAMPLE.COM
  kdc = not-a-kdc.either
`);
  assert.equal(c.defaultRealm, "CORP.EXAMPLE.COM");
  assert.deepEqual([...c.realms.keys()], ["CORP.EXAMPLE.COM", "OTHER.TEST"]);
  assert.deepEqual(c.realms.get("CORP.EXAMPLE.COM"), [
    "kdc1.corp.example.com",
    "kdc2.corp.example.com:88",
    "[2001:db8::1]:750",
    "[::1]",
  ]);
  assert.deepEqual(c.realms.get("OTHER.TEST"), ["other.test"]);
});

Deno.test("krb5.conf: odd spacing, tabs, CRLF, no spaces around '=', and the first default_realm wins (as MIT's kinit shows)", () => {
  const c = parseKrb5Conf(
    [
      "   [libdefaults]   ",
      "\tdefault_realm=FIRST.TEST",
      "  default_realm   =    SECOND.TEST   ",
      "[realms]",
      "SECOND.TEST={",
      "\t\tkdc=a.second.test",
      "      kdc     =     b.second.test:750     ",
      "}",
      "  THIRD.TEST   =   {  ",
      "kdc = c.third.test",
      "   }   ",
      "",
      "[libdefaults]",
      "  default_realm = THIRD.TEST",
    ].join("\r\n"),
  );
  // MIT takes a relation's first value: `kinit -V nobody` with this file says
  // "Using principal: nobody@FIRST.TEST".
  assert.equal(c.defaultRealm, "FIRST.TEST");
  assert.deepEqual(c.realms.get("SECOND.TEST"), [
    "a.second.test",
    "b.second.test:750",
  ]);
  assert.deepEqual(c.realms.get("THIRD.TEST"), ["c.third.test"]);
  // default_realm outside [libdefaults], or inside a block, is not the default.
  const d = parseKrb5Conf(
    "[realms]\n default_realm = NO.TEST\n X = {\n default_realm = NO2.TEST\n }\n",
  );
  assert.equal(d.defaultRealm, undefined);
});

Deno.test("krb5.conf: kdcsFor matches a realm written in lower case, an exact match first", () => {
  const c = parseKrb5Conf(`[realms]
  example.test = {
    kdc = lower.example.test
  }
  Mixed.Case.Test = {
    kdc = mixed.example.test:88
  }
`);
  assert.deepEqual(kdcsFor(c, "EXAMPLE.TEST"), ["lower.example.test"]);
  assert.deepEqual(kdcsFor(c, "example.test"), ["lower.example.test"]);
  assert.deepEqual(kdcsFor(c, "MIXED.CASE.TEST"), ["mixed.example.test:88"]);
  assert.deepEqual(kdcsFor(c, "NOWHERE.TEST"), []);
  const both = parseKrb5Conf(
    "[realms]\n a.test = {\n kdc = lower\n }\n A.TEST = {\n kdc = upper\n }\n",
  );
  assert.deepEqual(kdcsFor(both, "A.TEST"), ["upper"]);
  assert.deepEqual(kdcsFor(both, "a.test"), ["lower"]);
  // An unclosed block ends at the next section.
  const open = parseKrb5Conf(
    "[realms]\n R.TEST = {\n kdc = r1\n[domain_realm]\n kdc = nope\n",
  );
  assert.deepEqual(kdcsFor(open, "R.TEST"), ["r1"]);
});

Deno.test("krb5.conf: random lines of brackets, braces, '=' and comments never throw", () => {
  const r = rng(0x6b726235);
  const pieces = [
    "[",
    "]",
    "{",
    "}",
    "=",
    " ",
    "\t",
    "#",
    ";",
    "realms",
    "libdefaults",
    "kdc",
    "default_realm",
    "X.TEST",
    "\n",
    "\r\n",
    "\u0000",
    "é",
  ];
  for (let i = 0; i < 2000; i++) {
    const text = Array.from({ length: r(60) }, () => pieces[r(pieces.length)])
      .join("");
    const c = parseKrb5Conf(text);
    assert.ok(c.realms instanceof Map);
    for (const [realm, list] of c.realms) {
      assert.ok(list.length > 0);
      assert.equal(typeof kdcsFor(c, realm.toLowerCase())[0], "string");
    }
  }
});

/** The krb5.conf text in effect now (KRB5_CONFIG's first readable file, or /etc/krb5.conf). */
function effectiveConfigText(): string {
  for (
    const f of (Deno.env.get("KRB5_CONFIG") ?? "/etc/krb5.conf").split(":")
  ) {
    if (!f) continue;
    try {
      return Deno.readTextFileSync(f);
    } catch { /* the next one */ }
  }
  return "";
}

/** Runs `fn` with KRB5_CONFIG set to `value`, restoring it afterwards. */
async function withKrb5Config<T>(
  value: string,
  fn: () => Promise<T>,
): Promise<T> {
  const before = Deno.env.get("KRB5_CONFIG");
  Deno.env.set("KRB5_CONFIG", value);
  try {
    return await fn();
  } finally {
    if (before === undefined) Deno.env.delete("KRB5_CONFIG");
    else Deno.env.set("KRB5_CONFIG", before);
  }
}

Deno.test("krb5.conf: no Kdc and no krb5.conf entry is SEC_E_NO_CREDENTIALS; KRB5_CONFIG listing the realm's KDC (in lower case) gets a credential that reaches it", () =>
  withKdc(async (kdc) => {
    // A realm no configuration lists.
    const none = await acquireKrb("Kerberos", {
      User: KRB_USER.user,
      Domain: "KRB-CONFIG-TEST.INVALID",
      Password: KRB_USER.password,
    });
    assert.equal(st(none.status), st(SEC_E_NO_CREDENTIALS));
    assert.equal(
      kdcsFor(systemKrb5Config(), "KRB-CONFIG-TEST.INVALID").length,
      0,
    );

    const dir = await Deno.makeTempDir({ prefix: "krb5_config_test_" });
    try {
      // The effective configuration plus the test KDC's realm, written in lower case.
      const file = `${dir}/krb5.conf`;
      await Deno.writeTextFile(
        file,
        `${effectiveConfigText()}\n[realms]\n  example.test = {\n    kdc = ${kdc.kdc}\n  }\n`,
      );
      const user = {
        User: KRB_USER.user,
        Domain: "example.test", // upper-cased to the KDC's realm
        Password: KRB_USER.password,
      };
      // Without it, the realm has no KDC.
      const before = await acquireKrb("Kerberos", user);
      assert.equal(st(before.status), st(SEC_E_NO_CREDENTIALS));
      // With it, alone or after a file that cannot be read.
      for (const value of [file, `${dir}/missing.conf:${file}`]) {
        const { status, cred } = await withKrb5Config(
          value,
          () => acquireKrb("Kerberos", user),
        );
        assert.equal(st(status), st(SEC_E_OK), value);
        try {
          // The credential keeps the KDC it found: the AS and TGS exchanges go there.
          const r = await iscStep(cred, newCtx(), true, SERVICE, null);
          assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
        } finally {
          FreeCredentialsHandle(cred);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }));
