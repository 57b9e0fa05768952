// Shared pieces of the FAST tests against MIT krb5's KDC (fast_test.ts and
// fast_tgs_test.ts): the armor setup, a relay that may alter or strip what crosses,
// and readers of what the wire shows.
import assert from "node:assert/strict";
import {
  DeleteSecurityContext,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_NAMES,
  statusName,
} from "../../mod.ts";
import {
  type KdcTransport,
  tcpTransport,
} from "../../src/packages/kerberos/transport.ts";
import {
  decodeAsReq,
  decodeKrbError,
  decodeMethodData,
  encodeAsReq,
  encodePaPacRequest,
} from "../../src/packages/kerberos/messages.ts";
import {
  PA_FX_FAST,
  PA_PAC_REQUEST,
} from "../../src/packages/kerberos/constants.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
} from "./_kdc_helpers.ts";

export const st = (s: number) => statusName(s);

/** The test service's principal name. */
export const SERVICE_NAME = { nameType: 2, nameString: SERVICE.split("/") };
/** alice's `pAuthData` without a transport. */
export const KRB_USER_AUTH = {
  User: KRB_USER.user,
  Domain: REALM,
  Password: KRB_USER.password,
};

/** A user whose principal requires pre-authentication (encrypted challenge in FAST). */
export const BOB = { user: "bob", password: "Bob-Passw0rd" };

/** The armor ccache and keytab this KDC's `host/localhost` gets, and bob. */
export async function armorSetup(
  kdc: MitKdc,
): Promise<{ ccache: string; keytab: string }> {
  const dir = kdc.env.KRB5_CONFIG.replace(/\/krb5\.conf$/, "");
  const keytab = `${dir}/armor.keytab`;
  const ccache = `${dir}/armor.ccache`;
  await kdc.kadmin(
    `addprinc +requires_preauth -pw ${BOB.password} ${BOB.user}`,
  );
  await kdc.kadmin(`ktadd -k ${keytab} host/localhost`);
  const o = await new Deno.Command("kinit", {
    args: ["-k", "-t", keytab, "-c", `FILE:${ccache}`, "host/localhost"],
    env: kdc.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(o.success, new TextDecoder().decode(o.stderr));
  return { ccache, keytab };
}

/** One KDC message pair seen by the relay. */
export interface Seen {
  req: Uint8Array;
  rep: Uint8Array;
}

/**
 * A relay to the KDC that logs every exchange and may rewrite the request
 * (`onReq`) or the reply (`onRep`).
 */
export function relay(
  kdc: MitKdc,
  log: Seen[],
  hooks: {
    onReq?: (req: Uint8Array) => Uint8Array;
    onRep?: (rep: Uint8Array, req: Uint8Array) => Uint8Array;
  } = {},
): KdcTransport {
  const tcp = tcpTransport([kdc.kdc], 5000);
  return async (realm, req) => {
    const sent = hooks.onReq ? hooks.onReq(req) : req;
    let rep = await tcp(realm, sent);
    if (hooks.onRep) rep = hooks.onRep(rep.slice(), req);
    log.push({ req: req.slice(), rep: rep.slice() });
    return rep;
  };
}

/** Whether `req` is an AS-REQ for `user` (not the armor principal's own logon). */
export function isAsReqOf(req: Uint8Array, user: string): boolean {
  if (req[0] !== 0x6a) return false;
  return decodeAsReq(req).cname?.nameString.join("/") === user;
}

/** The offset of `part` inside `whole` (a subarray search). */
export function indexOf(whole: Uint8Array, part: Uint8Array): number {
  outer: for (let i = 0; i + part.length <= whole.length; i++) {
    for (let j = 0; j < part.length; j++) {
      if (whole[i + j] !== part[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** The padata types of the METHOD-DATA in a KRB-ERROR's e-data. */
export function errorPadataTypes(rep: Uint8Array): number[] {
  const e = decodeKrbError(rep);
  return e.eData ? decodeMethodData(e.eData).map((p) => p.padataType) : [];
}

/** Our client logs on, gets a ticket for SERVICE and completes an AP exchange with our acceptor. */
export async function logonAndAp(
  kdc: MitKdc,
  authData: unknown,
): Promise<number> {
  const { status, cred } = await acquireKrb("Kerberos", authData);
  assert.equal(st(status), st(SEC_E_OK));
  const inbound = acquireInbound("Kerberos", { Keytab: keytabPath(kdc) });
  assert.equal(st(inbound.status), st(SEC_E_OK));
  const ctx = newCtx();
  const sctx = newCtx();
  try {
    const a = await iscStep(cred, ctx, true, SERVICE, null);
    if (a.status !== SEC_I_CONTINUE_NEEDED) return a.status;
    const s = accept(inbound.cred, sctx, a.token!);
    assert.equal(st(s.status), st(SEC_E_OK));
    const b = await iscStep(cred, ctx, false, SERVICE, s.token);
    assert.equal(st(b.status), st(SEC_E_OK));
    const names = { value: null as unknown };
    assert.equal(QueryContextAttributes(sctx, SECPKG_ATTR_NAMES, names), 0);
    return b.status;
  } finally {
    DeleteSecurityContext(ctx);
    DeleteSecurityContext(sctx);
    FreeCredentialsHandle(cred);
    FreeCredentialsHandle(inbound.cred);
  }
}

/** Sends an armored AS-REQ on without its PA-FX-FAST: what a KDC without FAST sees. */
export function stripFast(req: Uint8Array): Uint8Array {
  if (req[0] !== 0x6a) return req;
  const r = decodeAsReq(req);
  if (!r.padata?.some((p) => p.padataType === PA_FX_FAST)) return req;
  return encodeAsReq({
    padata: [{
      padataType: PA_PAC_REQUEST,
      padataValue: encodePaPacRequest(true),
    }],
  }, r.reqBody);
}
