// Our SSPI against a real Active Directory domain controller, Samba 4.17's AD DC
// (tests/peers/samba_ad.ts), over LDAP: SASL GSS-SPNEGO binds with our Negotiate
// package choosing Kerberos (tickets from Samba's KDC for the DC's `ldap/` SPN) or
// NTLM (NTLMv2 checked against the DC's SAM), then every PDU through our
// EncryptMessage/DecryptMessage as the SASL security layer (tests/ad/_ldap.ts has the
// wire layouts); the DC's refusals (wrong password, no security layer on plain 389);
// and LDAPS through our Schannel client against Samba's GnuTLS. One DC for every
// step: starting it takes ~15 s.
//
// Integrity only: AD takes a Kerberos context's GSS flags as the layer the client
// wants (MS-KILE 3.2.5.2: GSS_C_CONF_FLAG only with ISC_REQ_CONFIDENTIALITY), and its
// Wrap tokens without confidentiality are checked with the SEAL key usage (RFC 4121);
// NTLM contexts that negotiated only signing are sealed anyway, as Windows does.
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_USE_SUPPLIED_CREDS,
  QueryContextAttributes,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_CONNECTION_INFO,
} from "../../mod.ts";
import { acquireKrb, iscStep } from "../kerberos/_kdc_helpers.ts";
import { saslIsc } from "../sasl/_sasl.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";
import { acquire, ISC_FLAGS } from "../schannel/_tls.ts";
import { SchannelStream } from "../schannel/_socket.ts";
import {
  type BindResult,
  decodeSid,
  LdapClient,
  packageOf,
  sspiSaslLayer,
} from "./_ldap.ts";

const ALICE = {
  user: "alice",
  password: "Al1ce!Passw0rd",
  groups: ["Engineers"],
};
const WRONG = "Wr0ng!Passw0rd";
const TARGET = `ldap/${AD.dc}.${AD.dnsDomain}`;
const BASE = AD.dnsDomain.split(".").map((p) => `DC=${p}`).join(",");
const BARE = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH;
const SIGN = BARE | ISC_REQ_INTEGRITY;
const SEAL = SIGN | ISC_REQ_CONFIDENTIALITY;
const KRB = { User: ALICE.user, Domain: AD.realm, PackageList: "Kerberos" };
const NTLM = { User: `${AD.domain}\\${ALICE.user}`, PackageList: "NTLM" };
const LDAP_SUCCESS = 0;
const LDAP_PROTOCOL_ERROR = 2;
const LDAP_STRONG_AUTH_REQUIRED = 8;
const LDAP_SASL_BIND_IN_PROGRESS = 14;
const LDAP_INVALID_CREDENTIALS = 49;

const dec = new TextDecoder();
const hex = (s: number) => `0x${(s >>> 0).toString(16)}`;

/** How a GSS-SPNEGO bind ended: the client's last status and the last BindResponse. */
interface SpnegoBind {
  ctx: CtxtHandle;
  status: number;
  bind: BindResult | null;
}

/** InitializeSecurityContext / BindRequest until success (context complete) or failure. */
async function spnegoBind(
  ldap: LdapClient,
  cred: CredHandle,
  flags: number,
): Promise<SpnegoBind> {
  const ctx = new CtxtHandle();
  let r = await iscStep(cred, ctx, true, TARGET, null, flags);
  let bind: BindResult | null = null;
  while (r.status === SEC_E_OK || r.status === SEC_I_CONTINUE_NEEDED) {
    bind = await ldap.bindSasl("GSS-SPNEGO", r.token);
    const creds = bind.serverSaslCreds?.length ? bind.serverSaslCreds : null;
    if (bind.resultCode === LDAP_SASL_BIND_IN_PROGRESS && creds) {
      r = await iscStep(cred, ctx, false, TARGET, creds, flags);
      continue;
    }
    if (
      bind.resultCode === LDAP_SUCCESS && r.status === SEC_I_CONTINUE_NEEDED
    ) {
      // The DC's last SPNEGO token: Kerberos' AP-REP, or NTLM's mechListMIC.
      assert.ok(creds, "a success that completes the context carries a token");
      r = await iscStep(cred, ctx, false, TARGET, creds, flags);
    }
    break;
  }
  return { ctx, status: r.status, bind };
}

/**
 * A SASL "GSSAPI" bind (RFC 4752) through SaslInitializeSecurityContext with a
 * Kerberos credential: the AP-REQ, an empty answer to the AP-REP, then our choice
 * in answer to the DC's security-layer offer.
 */
async function gssapiBind(
  ldap: LdapClient,
  cred: CredHandle,
  flags: number,
): Promise<SpnegoBind> {
  const ctx = new CtxtHandle();
  let r = await saslIsc(cred, ctx, true, TARGET, flags, null);
  let bind: BindResult | null = null;
  for (let i = 0; i < 6; i++) {
    if (r.status !== SEC_E_OK && r.status !== SEC_I_CONTINUE_NEEDED) break;
    bind = await ldap.bindSasl("GSSAPI", r.token);
    if (r.status === SEC_E_OK) break;
    if (bind.resultCode !== LDAP_SASL_BIND_IN_PROGRESS) break;
    r = await saslIsc(
      cred,
      ctx,
      false,
      TARGET,
      flags,
      bind.serverSaslCreds ?? new Uint8Array(0),
    );
  }
  return { ctx, status: r.status, bind };
}

/** Runs `fn` with a Negotiate credential for alice (`fields` added or overriding). */
async function withCred(
  dc: SambaDc,
  fields: Record<string, unknown>,
  fn: (cred: CredHandle) => Promise<void>,
): Promise<void> {
  const a = await acquireKrb("Negotiate", {
    Password: ALICE.password,
    Kdc: dc.kdc,
    ...fields,
  });
  assert.equal(
    a.status,
    SEC_E_OK,
    `AcquireCredentialsHandle: ${hex(a.status)}`,
  );
  try {
    await fn(a.cred);
  } finally {
    FreeCredentialsHandle(a.cred);
  }
}

/** A GSS-SPNEGO bind on a new connection: `fn` gets the result; both are closed after. */
async function withBind(
  dc: SambaDc,
  cred: CredHandle,
  flags: number,
  fn: (b: SpnegoBind, ldap: LdapClient) => void | Promise<void>,
): Promise<void> {
  const ldap = await LdapClient.connect(dc.ldapPort);
  try {
    const b = await spnegoBind(ldap, cred, flags);
    try {
      await fn(b, ldap);
    } finally {
      DeleteSecurityContext(b.ctx);
    }
  } finally {
    ldap.close();
  }
}

/**
 * Who the connection is bound as. "Who am I?" answers `u:ADEX\alice` where the DC
 * implements it (Windows; Samba from 4.20); Samba 4.17 answers protocolError (2),
 * "not supported", through the same security layer. Either way the rootDSE's
 * `tokenGroups` (the SIDs of the connection's token) must hold alice's and Engineers'.
 */
async function assertAlice(dc: SambaDc, ldap: LdapClient): Promise<void> {
  const who = await ldap.whoAmI();
  if (who.resultCode === LDAP_SUCCESS) {
    assert.equal(who.authzId, `u:${AD.domain}\\${ALICE.user}`);
  } else {
    assert.equal(who.resultCode, LDAP_PROTOCOL_ERROR, who.diagnosticMessage);
    assert.match(
      who.diagnosticMessage,
      /\(1\.3\.6\.1\.4\.1\.4203\.1\.11\.3\) not supported/,
    );
  }
  const root = await ldap.search("", { present: "objectClass" }, [
    "tokenGroups",
  ], 0);
  assert.equal(
    root.result.resultCode,
    LDAP_SUCCESS,
    root.result.diagnosticMessage,
  );
  const sids = (root.entries[0]?.attributes.tokengroups ?? []).map(decodeSid);
  assert.ok(sids.includes(await dc.sidOf(ALICE.user)), `tokenGroups: ${sids}`);
  assert.ok(sids.includes(await dc.sidOf("Engineers")), `tokenGroups: ${sids}`);
}

/**
 * Binds, checks the package Negotiate chose, installs the security layer, then checks
 * the identity and alice's entry (objectSid, memberOf) through it.
 */
async function bindAndQuery(
  dc: SambaDc,
  cred: CredHandle,
  flags: number,
  protection: "seal" | "sign",
  pkg: string,
): Promise<void> {
  await withBind(dc, cred, flags, async (b, ldap) => {
    assert.equal(
      b.status,
      SEC_E_OK,
      `InitializeSecurityContext: ${hex(b.status)}`,
    );
    assert.equal(b.bind?.resultCode, LDAP_SUCCESS, b.bind?.diagnosticMessage);
    assert.equal(packageOf(b.ctx), pkg, "SECPKG_ATTR_NEGOTIATION_INFO");
    ldap.layer = sspiSaslLayer(b.ctx, protection);
    await assertAlice(dc, ldap);
    const s = await ldap.search(BASE, {
      equals: ["sAMAccountName", ALICE.user],
    }, [
      "objectSid",
      "memberOf",
    ]);
    assert.equal(s.result.resultCode, LDAP_SUCCESS, s.result.diagnosticMessage);
    assert.equal(s.entries.length, 1);
    const e = s.entries[0].attributes;
    assert.equal(decodeSid(e.objectsid[0]), await dc.sidOf(ALICE.user));
    const groups = (e.memberof ?? []).map((v) => dec.decode(v));
    assert.ok(
      groups.some((g) => /^CN=Engineers,/i.test(g)),
      `memberOf: ${groups}`,
    );
    await ldap.unbind();
  });
}

Deno.test("Samba AD DC: LDAP with our Negotiate (Kerberos, NTLM) and Schannel", async (t) => {
  await withSambaDc([ALICE], [], async (dc) => {
    // The harness registers the DC's `ldap/<fqdn>` SPN, as a Windows DC does.

    await t.step("Kerberos (Negotiate's first choice), sealed", async () => {
      await withCred(
        dc,
        { User: ALICE.user, Domain: AD.realm },
        (cred) => bindAndQuery(dc, cred, SEAL, "seal", "Kerberos"),
      );
    });

    await t.step(
      "Kerberos through SASL GSSAPI (SaslInitializeSecurityContext, RFC 4752 layers)",
      async () => {
        const a = await acquireKrb("Kerberos", {
          User: ALICE.user,
          Domain: AD.realm,
          Password: ALICE.password,
          Kdc: dc.kdc,
        });
        assert.equal(a.status, SEC_E_OK, hex(a.status));
        for (
          const [flags, protection] of [[SEAL, "seal"], [SIGN, "sign"]] as const
        ) {
          const ldap = await LdapClient.connect(dc.ldapPort);
          const b = await gssapiBind(ldap, a.cred, flags);
          try {
            assert.equal(
              b.status,
              SEC_E_OK,
              `SaslInitializeSecurityContext: ${hex(b.status)}`,
            );
            assert.equal(
              b.bind?.resultCode,
              LDAP_SUCCESS,
              b.bind?.diagnosticMessage,
            );
            ldap.layer = sspiSaslLayer(b.ctx, protection);
            await assertAlice(dc, ldap);
            await ldap.unbind();
          } finally {
            DeleteSecurityContext(b.ctx);
            ldap.close();
          }
        }
        FreeCredentialsHandle(a.cred);
      },
    );

    await t.step(
      "NTLM (PackageList), sealed: NTLMv2 against the SAM",
      async () => {
        await withCred(
          dc,
          NTLM,
          (cred) => bindAndQuery(dc, cred, SEAL, "seal", "NTLM"),
        );
      },
    );

    await t.step(
      "Kerberos, integrity only: unsealed Wrap tokens both ways",
      async () => {
        await withCred(
          dc,
          KRB,
          (cred) => bindAndQuery(dc, cred, SIGN, "sign", "Kerberos"),
        );
      },
    );

    await t.step(
      "NTLM, integrity only: AD's LDAP seals anyway, and so do we",
      async () => {
        // Samba (GENSEC_FEATURE_LDAP_STYLE, force_wrap_seal), like Windows, treats an
        // NTLM context with SIGN and no SEAL as sealed in LDAP: it refuses a signature
        // over clear data, and accepts and answers RC4-sealed PDUs.
        await withCred(
          dc,
          NTLM,
          (cred) => bindAndQuery(dc, cred, SIGN, "seal", "NTLM"),
        );
      },
    );

    await t.step(
      "a wrong password: LDAP 49 for NTLM, SEC_E_LOGON_DENIED for Kerberos",
      async () => {
        await withCred(
          dc,
          { ...NTLM, Password: WRONG },
          (cred) =>
            withBind(dc, cred, SEAL, (b) => {
              assert.equal(
                b.bind?.resultCode,
                LDAP_INVALID_CREDENTIALS,
                b.bind?.diagnosticMessage,
              );
            }),
        );
        // The KDC refuses the AS-REQ's pre-authentication: the first ISC fails.
        await withCred(dc, { ...KRB, Password: WRONG }, async (cred) => {
          const ctx = new CtxtHandle();
          const r = await iscStep(cred, ctx, true, TARGET, null, SEAL);
          DeleteSecurityContext(ctx);
          assert.equal(hex(r.status), hex(SEC_E_LOGON_DENIED));
        });
      },
    );

    await t.step(
      "no security layer on plain 389: strongAuthRequired (8)",
      async () => {
        // `ldap server require strong auth = yes`, the default: a simple bind with a DN
        // on a connection without TLS is refused before the password is looked at; an
        // anonymous one is not.
        const ldap = await LdapClient.connect(dc.ldapPort);
        try {
          const simple = await ldap.bindSimple(
            `alice@${AD.dnsDomain}`,
            ALICE.password,
          );
          assert.equal(simple.resultCode, LDAP_STRONG_AUTH_REQUIRED);
          assert.match(
            simple.diagnosticMessage,
            /BindSimple: Transport encryption required/,
          );
          const anon = await ldap.bindSimple("", "");
          assert.equal(anon.resultCode, LDAP_SUCCESS, anon.diagnosticMessage);
        } finally {
          ldap.close();
        }
        // A SASL bind that negotiates neither sign nor seal is refused after it
        // authenticated.
        await withCred(
          dc,
          NTLM,
          (cred) =>
            withBind(dc, cred, BARE, (b) => {
              assert.equal(
                b.bind?.resultCode,
                LDAP_STRONG_AUTH_REQUIRED,
                b.bind?.diagnosticMessage,
              );
              assert.match(
                b.bind!.diagnosticMessage,
                /SASL:\[GSS-SPNEGO\]: Sign or Seal are required/,
              );
            }),
        );
      },
    );

    await t.step(
      "Kerberos without sign or seal: strongAuthRequired (8)",
      async () => {
        await withCred(
          dc,
          KRB,
          (cred) =>
            withBind(dc, cred, BARE, (b) => {
              // Asked for neither, the authenticator claims neither
              // GSS_C_INTEG_FLAG nor GSS_C_CONF_FLAG: the DC refuses the bind.
              assert.equal(
                b.bind?.resultCode,
                LDAP_STRONG_AUTH_REQUIRED,
                b.bind?.diagnosticMessage,
              );
            }),
        );
      },
    );

    await t.step(
      "LDAPS through our Schannel (Samba's GnuTLS): simple bind",
      async () => {
        const cred = acquire("client", {
          dwFlags: SCH_CRED_MANUAL_CRED_VALIDATION,
        });
        const conn = await Deno.connect({
          hostname: "127.0.0.1",
          port: dc.ldapsPort,
        });
        // Samba's LDAPS asks for a client certificate (optional): as on Windows,
        // the client without one gets SEC_I_INCOMPLETE_CREDENTIALS and goes on
        // with ISC_REQ_USE_SUPPLIED_CREDS (an empty Certificate), as curl does.
        let asked = false;
        const tls = await SchannelStream.connect(
          conn,
          cred,
          `${AD.dc}.${AD.dnsDomain}`,
          undefined,
          () => {
            asked = true;
            return { flags: ISC_FLAGS | ISC_REQ_USE_SUPPLIED_CREDS };
          },
        );
        assert.ok(asked, "Samba's LDAPS asked for a client certificate");
        const ldap = new LdapClient({
          read: () => tls.read(),
          write: (d) => tls.write(d),
          close: () => tls.close(),
        });
        try {
          const info = { value: null as unknown };
          assert.equal(
            QueryContextAttributes(
              tls.context,
              SECPKG_ATTR_CONNECTION_INFO,
              info,
            ),
            SEC_E_OK,
          );
          // SP_PROT_TLS1_3_CLIENT: GnuTLS and our client agree on TLS 1.3.
          assert.equal(
            hex((info.value as { dwProtocol: number }).dwProtocol),
            hex(0x2000),
          );
          const b = await ldap.bindSimple(
            `alice@${AD.dnsDomain}`,
            ALICE.password,
          );
          assert.equal(b.resultCode, LDAP_SUCCESS, b.diagnosticMessage);
          await assertAlice(dc, ldap);
          await ldap.unbind();
        } finally {
          ldap.close();
          FreeCredentialsHandle(cred);
        }
      },
    );
  });
});
