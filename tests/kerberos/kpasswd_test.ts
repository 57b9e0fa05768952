// The change-password protocol's wire formats (RFC 3244) and its client's answers
// to a bad kpasswd server: Active Directory's policy blob as MIT reads it, frames
// that lie about their lengths, and a server answering garbage (after a real AS
// exchange with MIT's KDC): statuses only, never an exception.
import assert from "node:assert/strict";
import {
  ChangeAccountPassword,
  decodeDomainPasswordInformation,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_SECPKG_NOT_FOUND,
  statusName,
} from "../../mod.ts";
import { hostAddress, policyOf } from "../../src/packages/kerberos/kpasswd.ts";
import {
  KpasswdFormatError,
  kpasswdRequest,
  kpasswdResult,
  parseKpasswdReply,
} from "../../src/packages/kerberos/kpasswd_messages.ts";
import { encodeDomainPasswordInformation } from "../../src/sspi/password.ts";
import { freePort } from "../digest/_peers.ts";
import { KRB_USER, krbTest, REALM, withKdc } from "./_kdc_helpers.ts";
import { FUZZ_SEED, rng } from "../_fuzz.ts";

const st = (s: number) => statusName(s);

Deno.test("kpasswd: Active Directory's policy blob (MIT's ad_policy_info layout)", () => {
  const blob = new Uint8Array(30);
  const v = new DataView(blob.buffer);
  v.setUint32(2, 7); // min length
  v.setUint32(6, 24); // history
  v.setUint32(10, 1); // complex
  v.setBigUint64(14, 42n * 86400n * 10_000_000n); // max age: 42 days
  v.setBigUint64(22, 86400n * 10_000_000n); // min age: 1 day
  const p = policyOf(blob)!;
  assert.deepEqual(p, {
    MinPasswordLength: 7,
    PasswordHistoryLength: 24,
    PasswordProperties: 1,
    MaxPasswordAge: -42n * 86400n * 10_000_000n,
    MinPasswordAge: -86400n * 10_000_000n,
  });
  // Through SECBUFFER_CHANGE_PASS_RESPONSE's 24-byte DOMAIN_PASSWORD_INFORMATION.
  assert.deepEqual(
    decodeDomainPasswordInformation(encodeDomainPasswordInformation(p)),
    p,
  );
  assert.equal(
    policyOf(new TextEncoder().encode("Password too short")),
    undefined,
  );
  assert.equal(policyOf(blob.subarray(0, 29)), undefined);
  const r = kpasswdResult(Uint8Array.of(0, 4, ...blob));
  assert.equal(r.code, 4);
  assert.equal(r.data.length, 30);
  assert.throws(() => kpasswdResult(Uint8Array.of(0)), KpasswdFormatError);
});

Deno.test("kpasswd: frames are checked before they are read", () => {
  const req = kpasswdRequest(1, Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5));
  assert.deepEqual([...req], [0, 11, 0, 1, 0, 3, 1, 2, 3, 4, 5]);
  const ok = parseKpasswdReply(Uint8Array.of(0, 9, 0, 1, 0, 2, 7, 8, 9));
  assert.deepEqual([...ok.apRep!], [7, 8]);
  assert.deepEqual([...ok.rest], [9]);
  for (
    const bad of [
      [],
      [0, 5, 0, 1, 0],
      [0, 9, 0, 1, 0, 2, 7, 8], // says 9, has 8
      [0, 8, 0, 1, 0, 9, 7, 8], // AP-REP overruns
    ]
  ) {
    assert.throws(
      () => parseKpasswdReply(Uint8Array.from(bad)),
      KpasswdFormatError,
    );
  }
  // A bare KRB-ERROR (tag 0x7e) is passed on whole.
  const bare = parseKpasswdReply(Uint8Array.of(0x7e, 1, 0));
  assert.equal(bare.apRep, null);
  assert.equal(bare.rest.length, 3);
});

Deno.test("ChangeAccountPassword: arguments and packages", async () => {
  assert.equal(
    st(
      await ChangeAccountPassword("NoSuch", "R", "u", "a", "b", false, 0, null),
    ),
    st(SEC_E_SECPKG_NOT_FOUND),
  );
  await assert.rejects(
    () =>
      ChangeAccountPassword(
        "Kerberos",
        "R",
        "u",
        null as unknown as string,
        "b",
        false,
        0,
        null,
      ),
    TypeError,
  );
  // No kpasswd server answers (nothing listens there): a status, not a throw.
  const port = freePort();
  assert.equal(
    st(
      await ChangeAccountPassword(
        "Kerberos",
        "R.TEST",
        "u",
        "a",
        "b",
        false,
        0,
        null,
        {
          Kdc: `127.0.0.1:${port}`,
          KdcTimeoutMs: 2000,
        },
      ),
    ),
    st(SEC_E_NO_AUTHENTICATING_AUTHORITY),
  );
});

await krbTest(
  `ChangeAccountPassword: a kpasswd server answering garbage gets statuses, never exceptions (seed ${FUZZ_SEED})`,
  () =>
    withKdc(async (kdc) => {
      const port = freePort();
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      const r = rng(FUZZ_SEED);
      const replies: Uint8Array[] = [];
      for (let i = 0; i < 40; i++) {
        const n = r(64);
        const body = new Uint8Array(n);
        for (let j = 0; j < n; j++) body[j] = r(256);
        if (n >= 6 && i % 2 === 0) new DataView(body.buffer).setUint16(0, n);
        if (n >= 6 && i % 4 === 0) body[5] = Math.min(body[5], n - 6);
        replies.push(body);
      }
      const serve = (async () => {
        for (const reply of replies) {
          const conn = await listener.accept();
          const head = new Uint8Array(4);
          await conn.read(head);
          const framed = new Uint8Array(4 + reply.length);
          new DataView(framed.buffer).setUint32(0, reply.length);
          framed.set(reply, 4);
          await conn.write(framed).catch(() => {});
          conn.close();
        }
      })();
      const seen = new Set<string>();
      for (let i = 0; i < replies.length; i++) {
        const s = await ChangeAccountPassword(
          "Kerberos",
          REALM,
          KRB_USER.user,
          KRB_USER.password,
          "N3w-Passw0rd!",
          false,
          0,
          null,
          { Kdc: kdc.kdc, Kpasswd: `127.0.0.1:${port}` },
        );
        seen.add(st(s));
        assert.ok((s >>> 0) & 0x80000000, `garbage reply ${i} gave ${st(s)}`);
      }
      await serve;
      listener.close();
      assert.ok(seen.has(st(SEC_E_INVALID_TOKEN)), [...seen].join(", "));
    }),
);

Deno.test("kpasswd: the KRB-PRIV's sender address, IPv4 and IPv6", () => {
  const hex = (a?: { addrType: number; address: Uint8Array }) =>
    a && `${a.addrType}:${[...a.address].map((b) => b.toString(16)).join(".")}`;
  assert.equal(hex(hostAddress("127.0.0.1")), "2:7f.0.0.1");
  assert.equal(hex(hostAddress("::1")), "24:0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1");
  assert.equal(
    hex(hostAddress("2001:db8::a:1")),
    "24:20.1.d.b8.0.0.0.0.0.0.0.0.0.a.0.1",
  );
  assert.equal(
    hex(hostAddress("fe80::1%eth0")),
    "24:fe.80.0.0.0.0.0.0.0.0.0.0.0.0.0.1",
  );
  for (
    const bad of ["300.1.1.1", "1::2::3", "1:2:3:4:5:6:7", "g::1", "host", null]
  ) {
    assert.equal(hostAddress(bad), undefined, String(bad));
  }
});
