// Kerberos armoring (FAST, RFC 6113) of our client's TGS exchange against MIT krb5's
// KDC: TGS-REQs armored with their own TGT (implicit armor, RFC 6113 5.4.1.1), the
// TGS-REP's FAST response checked, and altered or stripped exchanges refused.
import assert from "node:assert/strict";
import {
  FreeCredentialsHandle,
  SEC_E_DOWNGRADE_DETECTED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_E_TARGET_UNKNOWN,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_CRED_OUTBOUND,
} from "../../mod.ts";
import {
  decodeKdcRep,
  decodeTgsReq,
  encodeTgsReq,
} from "../../src/packages/kerberos/messages.ts";
import {
  PA_FX_FAST,
  PA_TGS_REQ,
} from "../../src/packages/kerberos/constants.ts";
import { decodeFastArmoredReq } from "../../src/packages/kerberos/fast_messages.ts";
import { fastTgsEvidence } from "../../src/packages/kerberos/fast_tgs.ts";
import { acquireKerberosCredential } from "../../src/packages/kerberos/credentials_acquire.ts";
import { getTgt, tgsExchange } from "../../src/packages/kerberos/kdc.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  acquireKrb,
  iscStep,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

import {
  armorSetup,
  BOB,
  errorPadataTypes,
  indexOf,
  KRB_USER_AUTH,
  logonAndAp,
  relay,
  type Seen,
  SERVICE_NAME,
  st,
} from "./_fast_helpers.ts";

const isTgsReq = (req: Uint8Array) => req[0] === 0x6c;

/** The PA-FX-FAST of a TGS-REQ, decoded. */
function fastOfTgsReq(req: Uint8Array) {
  const pa = decodeTgsReq(req).padata?.find((p) => p.padataType === PA_FX_FAST);
  assert.ok(pa, "the TGS-REQ has PA-FX-FAST");
  return decodeFastArmoredReq(pa.padataValue);
}

Deno.test("FAST with MIT krb5: TGS-REQs armored with their own TGT (implicit armor); the TGS-REP checked; our acceptor", async () => {
  await withKdc(async (kdc) => {
    const { keytab } = await armorSetup(kdc);
    const log: Seen[] = [];
    const authData = {
      User: BOB.user,
      Domain: REALM,
      Password: BOB.password,
      KdcTransport: relay(kdc, log),
      FastArmor: { Keytab: keytab, Principal: "host/localhost" },
    };
    assert.equal(st(await logonAndAp(kdc, authData)), st(SEC_E_OK));
    const tgs = log.filter((x) => isTgsReq(x.req));
    assert.equal(tgs.length, 1, "one TGS exchange for the service");
    for (const { req, rep } of tgs) {
      assert.deepEqual(
        decodeTgsReq(req).padata?.map((p) => p.padataType),
        [PA_TGS_REQ, PA_FX_FAST],
      );
      assert.equal(fastOfTgsReq(req).armor, undefined, "implicit armor");
      assert.equal(rep[0], 0x6d, "a TGS-REP");
      assert.deepEqual(
        decodeKdcRep(rep).padata?.map((p) => p.padataType),
        [PA_FX_FAST],
        "the TGS-REP is armored",
      );
    }
    // The credential's evidence of the armored TGS exchange.
    const cred = acquireKerberosCredential({
      principal: null,
      use: SECPKG_CRED_OUTBOUND,
      authData,
      async: true,
    });
    try {
      const tgt = await getTgt(cred);
      const t = await tgsExchange(cred, tgt, SERVICE_NAME, 0);
      assert.deepEqual(t.cname.nameString, [BOB.user]);
      assert.deepEqual(fastTgsEvidence(cred), {
        finishedVerified: true,
        strengthened: true,
      });
      // An unknown service: the KDC's error comes inside FAST.
      log.length = 0;
      await assert.rejects(
        tgsExchange(cred, tgt, {
          nameType: 2,
          nameString: ["HTTP", "nowhere.example"],
        }, 0),
        (e) => e instanceof SspiError && e.status === SEC_E_TARGET_UNKNOWN,
      );
      assert.deepEqual(errorPadataTypes(log.at(-1)!.rep), [PA_FX_FAST]);
    } finally {
      cred.dispose();
    }
    // Without FastArmor the TGS-REQ is as before: PA-TGS-REQ alone.
    log.length = 0;
    const plain = {
      ...authData,
      User: KRB_USER.user,
      Password: KRB_USER.password,
    };
    delete (plain as { FastArmor?: unknown }).FastArmor;
    assert.equal(st(await logonAndAp(kdc, plain)), st(SEC_E_OK));
    for (const { req } of log.filter((x) => isTgsReq(x.req))) {
      assert.deepEqual(
        decodeTgsReq(req).padata?.map((p) => p.padataType),
        [PA_TGS_REQ],
      );
    }
  });
});

/** Sends an armored TGS-REQ on without its PA-FX-FAST. */
function stripTgsFast(req: Uint8Array): Uint8Array {
  if (!isTgsReq(req)) return req;
  const r = decodeTgsReq(req);
  return encodeTgsReq({
    padata: r.padata?.filter((p) => p.padataType !== PA_FX_FAST),
  }, r.reqBody);
}

Deno.test("FAST with MIT krb5: an altered or stripped armored TGS exchange is refused with a status", async () => {
  await withKdc(async (kdc) => {
    const { ccache } = await armorSetup(kdc);
    const run = async (
      hooks: Parameters<typeof relay>[2],
      allow = false,
    ) => {
      const { status, cred } = await acquireKrb("Kerberos", {
        ...KRB_USER_AUTH,
        KdcTransport: relay(kdc, [], hooks),
        FastArmor: { Ccache: ccache, AllowFallback: allow },
      });
      assert.equal(st(status), st(SEC_E_OK));
      const r = await iscStep(cred, newCtx(), true, SERVICE, null);
      FreeCredentialsHandle(cred);
      return r.status;
    };
    const flipIn = (rep: Uint8Array, part: Uint8Array) => {
      const at = indexOf(rep, part);
      assert.ok(at >= 0);
      rep[at + part.length - 1] ^= 1;
      return rep;
    };
    assert.equal(
      st(
        await run({
          onRep: (rep, req) =>
            isTgsReq(req) && rep[0] === 0x6d
              ? flipIn(rep, decodeKdcRep(rep).ticket.encPart.cipher)
              : rep,
        }),
      ),
      st(SEC_E_MESSAGE_ALTERED),
      "the TGS-REP's ticket (finished checksum)",
    );
    assert.equal(
      st(
        await run({
          onRep: (rep, req) =>
            isTgsReq(req) && rep[0] === 0x6d
              ? flipIn(rep, decodeKdcRep(rep).padata![0].padataValue)
              : rep,
        }),
      ),
      st(SEC_E_MESSAGE_ALTERED),
      "the TGS-REP's enc-fast-rep",
    );
    assert.equal(
      st(await run({ onReq: stripTgsFast })),
      st(SEC_E_DOWNGRADE_DETECTED),
      "a TGS-REP without FAST",
    );
    assert.equal(
      st(await run({ onReq: stripTgsFast }, true)),
      st(SEC_I_CONTINUE_NEEDED),
      "AllowFallback takes the plain TGS-REP",
    );
  });
});
