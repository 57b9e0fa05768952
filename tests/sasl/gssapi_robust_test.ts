// The GSSAPI profile between our own client and server (MIT's KDC issues the
// ticket): the exchange to the end with each layer, then every way the security-layer
// messages can be wrong: altered or truncated wraps, offers and choices of the wrong
// size or with bits that break RFC 4752, a non-empty answer where an empty one is due,
// and 300 random mutations of the offer and of the choice. Each ends in a status, the
// context is failed for good (the same status again), and nothing throws.
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_INTEGRITY,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_MUTUAL_AUTH,
  SASL_OPTION_SEND_SIZE,
  SaslGetContextOption,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_CRED_INBOUND,
  statusName,
} from "../../mod.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  acquireKrb,
  keytabPath,
  userAuthData,
} from "../kerberos/_kdc_helpers.ts";
import { krbTest, SERVICE } from "./_krb.ts";
import { saslAsc, saslIsc, unwrapMsg, wrap } from "./_sasl.ts";

const st = (s: number) => statusName(s);
const test = (name: string, fn: (kdc: MitKdc) => Promise<void>) =>
  krbTest("SASL GSSAPI (ours both ways)", name, fn);
const CLIENT = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH;

async function creds(kdc: MitKdc) {
  const { status, cred: client } = await acquireKrb(
    "Kerberos",
    userAuthData(kdc),
  );
  assert.equal(st(status), st(SEC_E_OK));
  const server = new CredHandle();
  assert.equal(
    AcquireCredentialsHandle(
      null,
      "Kerberos",
      SECPKG_CRED_INBOUND,
      null,
      {
        Keytab: keytabPath(kdc),
      },
      null,
      null,
      server,
      null,
    ),
    SEC_E_OK,
  );
  return { client, server };
}

/**
 * Runs both sides until the server has produced its offer, or (`noOffer`) until it
 * would: a test's forged offer then takes the server's first sequence number.
 */
async function toOffer(
  cr: { client: CredHandle; server: CredHandle },
  cFlags: number,
  sFlags: number,
  noOffer = false,
) {
  const c = new CtxtHandle();
  const s = new CtxtHandle();
  let ci = await saslIsc(cr.client, c, true, SERVICE, cFlags, null);
  assert.equal(st(ci.status), st(SEC_I_CONTINUE_NEEDED));
  let si = saslAsc(
    cr.server,
    s,
    true,
    ASC_REQ_ALLOCATE_MEMORY | sFlags,
    ci.token,
  );
  assert.equal(st(si.status), st(SEC_I_CONTINUE_NEEDED));
  if (cFlags & ISC_REQ_MUTUAL_AUTH) {
    // The AP-REP; the client answers with nothing, and the offer follows.
    ci = await saslIsc(cr.client, c, false, SERVICE, cFlags, si.token);
    assert.equal(st(ci.status), st(SEC_I_CONTINUE_NEEDED));
    assert.equal(ci.token.length, 0);
    if (noOffer) return { c, s, offer: new Uint8Array(0) };
    si = saslAsc(cr.server, s, false, ASC_REQ_ALLOCATE_MEMORY | sFlags, null);
    assert.equal(st(si.status), st(SEC_I_CONTINUE_NEEDED));
  }
  return { c, s, offer: si.token };
}

function done(...hs: CtxtHandle[]) {
  for (const h of hs) DeleteSecurityContext(h);
}

test("each layer to the end, then messages both ways", async (kdc) => {
  const cr = await creds(kdc);
  for (
    const [cFlags, sFlags, sealed] of [
      [CLIENT | ISC_REQ_CONFIDENTIALITY, 0, true],
      [ISC_REQ_ALLOCATE_MEMORY, ASC_REQ_INTEGRITY, false],
    ] as const
  ) {
    const { c, s, offer } = await toOffer(cr, cFlags, sFlags);
    const ci = await saslIsc(cr.client, c, false, SERVICE, cFlags, offer);
    assert.equal(st(ci.status), st(SEC_E_OK));
    const si = saslAsc(
      cr.server,
      s,
      false,
      ASC_REQ_ALLOCATE_MEMORY | sFlags,
      ci.token,
    );
    assert.equal(st(si.status), st(SEC_E_OK));
    assert.equal(si.token.length, 0);
    const m = new TextEncoder().encode("across");
    const a = unwrapMsg(s, wrap(c, m, sealed));
    assert.equal(st(a.status), st(SEC_E_OK));
    assert.equal(a.sealed, sealed);
    const b = unwrapMsg(c, wrap(s, m, sealed));
    assert.equal(st(b.status), st(SEC_E_OK));
    const size = { value: 0 as number | Uint8Array };
    assert.equal(
      SaslGetContextOption(s, SASL_OPTION_SEND_SIZE, size, 4),
      SEC_E_OK,
    );
    assert.ok((size.value as number) > 0 && (size.value as number) < 0xffff);
    // The exchange is over: another call is refused, not run again.
    const again = saslAsc(
      cr.server,
      s,
      false,
      ASC_REQ_ALLOCATE_MEMORY,
      ci.token,
    );
    assert.equal(st(again.status), "SEC_E_INVALID_HANDLE");
    done(c, s);
  }
  FreeCredentialsHandle(cr.client);
  FreeCredentialsHandle(cr.server);
});

test("wrong messages end in a status, and the context stays failed", async (kdc) => {
  const cr = await creds(kdc);
  const F = CLIENT | ISC_REQ_CONFIDENTIALITY;
  // An altered offer.
  {
    const { c, s, offer } = await toOffer(cr, F, 0);
    const bad = offer.slice();
    bad[bad.length - 1] ^= 1;
    const r = await saslIsc(cr.client, c, false, SERVICE, F, bad);
    assert.equal(st(r.status), "SEC_E_MESSAGE_ALTERED");
    const r2 = await saslIsc(cr.client, c, false, SERVICE, F, offer);
    assert.equal(st(r2.status), "SEC_E_MESSAGE_ALTERED");
    done(c, s);
  }
  // A non-empty answer to the AP-REP.
  {
    const c = new CtxtHandle();
    const s = new CtxtHandle();
    const ci = await saslIsc(cr.client, c, true, SERVICE, F, null);
    const si = saslAsc(cr.server, s, true, ASC_REQ_ALLOCATE_MEMORY, ci.token);
    const r = saslAsc(cr.server, s, false, ASC_REQ_ALLOCATE_MEMORY, si.token);
    assert.equal(st(r.status), "SEC_E_INVALID_TOKEN");
    done(c, s);
  }
  // Offers of the wrong size, and with no layer the client takes.
  for (
    const [data, want] of [
      [[7, 0, 0xff, 0xff, 0], "SEC_E_INVALID_TOKEN"],
      [[7, 0, 0xff], "SEC_E_INVALID_TOKEN"],
      [[], "SEC_E_INVALID_TOKEN"],
      [[3, 0, 0xff, 0xff], "SEC_E_ALGORITHM_MISMATCH"],
      [[0, 0, 0, 0], "SEC_E_ALGORITHM_MISMATCH"],
    ] as const
  ) {
    const { c, s } = await toOffer(cr, F, 0, true);
    const forged = wrap(s, new Uint8Array(data), false);
    const r = await saslIsc(cr.client, c, false, SERVICE, F, forged);
    assert.equal(st(r.status), want, JSON.stringify(data));
    done(c, s);
  }
  // Choices with no bit, two bits, a layer not offered, or too short.
  for (
    const [data, want] of [
      [[0, 0, 0, 0], "SEC_E_INVALID_TOKEN"],
      [[6, 0, 0x10, 0], "SEC_E_INVALID_TOKEN"],
      [[1, 0, 0, 0], "SEC_E_ALGORITHM_MISMATCH"],
      [[4, 0, 0x10], "SEC_E_INVALID_TOKEN"],
      [[4, 0, 0x10, 0, 0xc3, 0x28], "SEC_E_INVALID_TOKEN"], // authz not UTF-8
    ] as const
  ) {
    const { c, s } = await toOffer(cr, F, ASC_REQ_INTEGRITY);
    const forged = wrap(c, new Uint8Array(data), false);
    const r = saslAsc(
      cr.server,
      s,
      false,
      ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_INTEGRITY,
      forged,
    );
    assert.equal(st(r.status), want, JSON.stringify(data));
    const r2 = saslAsc(cr.server, s, false, ASC_REQ_ALLOCATE_MEMORY, forged);
    assert.equal(st(r2.status), want);
    done(c, s);
  }
  FreeCredentialsHandle(cr.client);
  FreeCredentialsHandle(cr.server);
});

test("300 mutated offers and choices: statuses only", async (kdc) => {
  const cr = await creds(kdc);
  const F = CLIENT | ISC_REQ_CONFIDENTIALITY;
  const seen = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const { c, s, offer } = await toOffer(cr, F, 0);
    const onOffer = i % 2 === 0;
    let token = offer;
    if (!onOffer) {
      const ci = await saslIsc(cr.client, c, false, SERVICE, F, offer);
      assert.equal(st(ci.status), st(SEC_E_OK));
      token = ci.token;
    }
    const m = token.slice(0, 1 + Math.floor(Math.random() * token.length));
    const flips = 1 + Math.floor(Math.random() * 3);
    for (let k = 0; k < flips && m.length; k++) {
      m[Math.floor(Math.random() * m.length)] ^= 1 +
        Math.floor(Math.random() * 255);
    }
    const status = onOffer
      ? (await saslIsc(cr.client, c, false, SERVICE, F, m)).status
      : saslAsc(cr.server, s, false, ASC_REQ_ALLOCATE_MEMORY, m).status;
    const name = st(status);
    seen.set(name, (seen.get(name) ?? 0) + 1);
    assert.ok(name.startsWith("SEC_E_"), `mutation ${i}: ${name}`);
    assert.notEqual(name, "SEC_E_INTERNAL_ERROR");
    done(c, s);
  }
  assert.ok(seen.size >= 1);
  FreeCredentialsHandle(cr.client);
  FreeCredentialsHandle(cr.server);
});
