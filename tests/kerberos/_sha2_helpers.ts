/**
 * What the RFC 8009 interop tests (`sha2_interop_test.ts`) share: an MIT realm whose
 * krbtgt, user and service have keys of one SHA-2 enctype only, checks of the
 * enctype of the KDC messages and GSS tokens on the wire, and messages both ways.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  MakeSignature,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_CRED_OUTBOUND,
  SECQOP_WRAP_NO_ENCRYPT,
  statusName,
  VerifySignature,
} from "../../mod.ts";
import type { GssapiPeer } from "../peers/gssapi_peer.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  decodeApRep,
  decodeApReq,
  decodeAsReq,
  decodeEncryptedData,
  decodeEncTicketPart,
  decodeEtypeInfo2,
  decodeKdcRep,
  decodeKrbError,
  decodeMethodData,
  decodeTgsReq,
  type Ticket,
} from "../../src/packages/kerberos/messages.ts";
import { unframeToken } from "../../src/packages/kerberos/gss.ts";
import { parseKeytab } from "../../src/packages/kerberos/keytab.ts";
import {
  KerberosDelegatedTgt,
  SECPKG_ATTR_KERBEROS_DELEGATED_TGT,
} from "../../src/packages/kerberos/mod.ts";
import { decrypt } from "../../src/packages/kerberos/crypto.ts";
import { findPac, parsePac } from "../../src/packages/kerberos/pac.ts";
import {
  KDC_ERR_PREAUTH_REQUIRED,
  KEY_USAGE_KDC_REP_TICKET,
  PA_ENC_TIMESTAMP,
  PA_ETYPE_INFO2,
  PA_TGS_REQ,
} from "../../src/packages/kerberos/constants.ts";
import {
  accept,
  iscStep,
  newCtx,
  REALM,
  sealToWire,
  sizesOf,
} from "./_kdc_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const st = (s: number) => statusName(s);

/** MIT's names of the two enctypes (for kadmin's `-e` and `session_enctypes`). */
export const NAMES: Record<number, string> = {
  19: "aes128-cts-hmac-sha256-128",
  20: "aes256-cts-hmac-sha384-192",
};
/** The checksum size (h) of each etype: the MIC token is the header and h bytes. */
export const H: Record<number, number> = { 19: 16, 20: 24 };
/** Heimdal's GSSAPI library (its initiator runs in a child process). */
const HEIMDAL = "/usr/lib/x86_64-linux-gnu/libgssapi.so.3";
/** Whether Heimdal's GSSAPI is not installed. */
export const heimdalMissing = (): Promise<boolean> =>
  Deno.stat(HEIMDAL).then(() => false, () => true);
/** The user with SHA-2 keys only. */
export const USER = "sha2user";
/** Its password. */
export const PASSWORD = "Sha2-Secret-Passw0rd";
/** The host of the service with SHA-2 keys only. */
export const HOST = "sha2.localhost";
/** The service. */
export const SPN = `HTTP/${HOST}`;

/** What the test's realm holds for one etype. */
export interface Sha2Realm {
  /** A keytab with the service's key of that etype only. */
  keytab: string;
  /** The ccache MIT's kinit filled for the user. */
  ccache: string;
  /** Environment for MIT's GSSAPI peer with that keytab and ccache. */
  env: Record<string, string>;
}

/**
 * Gives the krbtgt, the user and the service keys of `etype` only, and session keys
 * of it; writes the service key to a keytab of its own and kinits the user.
 */
export async function sha2Realm(
  kdc: MitKdc,
  etype: number,
): Promise<Sha2Realm> {
  const e = `${NAMES[etype]}:normal`;
  const dir = kdc.env.KRB5_CONFIG.replace(/\/krb5\.conf$/, "");
  const keytab = `${dir}/sha2.keytab`;
  const ccache = `FILE:${dir}/sha2.ccache`;
  await kdc.kadmin(`cpw -randkey -e ${e} krbtgt/${REALM}`);
  await kdc.kadmin(
    `addprinc +requires_preauth -pw ${PASSWORD} -e ${e} ${USER}`,
  );
  await kdc.kadmin(`addprinc -randkey -e ${e} ${SPN}`);
  await kdc.kadmin(`ktadd -k ${keytab} -e ${e} ${SPN}`);
  for (const p of [`krbtgt/${REALM}`, SPN]) {
    await kdc.kadmin(`set_string ${p} session_enctypes ${NAMES[etype]}`);
  }
  const env = { ...kdc.env, KRB5_KTNAME: `FILE:${keytab}`, KRB5CCNAME: ccache };
  const kinit = new Deno.Command("kinit", {
    args: ["-f", USER],
    env,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = kinit.stdin.getWriter();
  await w.write(enc.encode(`${PASSWORD}\n`));
  await w.close();
  const out = await kinit.output();
  assert.ok(out.success, `kinit: ${dec.decode(out.stderr)}`);
  // The keytab holds the SHA-2 key and nothing else.
  const entries = parseKeytab(await Deno.readFile(keytab));
  assert.deepEqual(entries.map((x) => x.key.etype), [etype]);
  return { keytab, ccache, env };
}

/** The AP-REQ inside a GSS initial context token. */
export function apReqOf(token: Uint8Array) {
  const u = unframeToken(token);
  assert.ok(u, "a framed token");
  return decodeApReq(u.inner);
}

/** The AP-REP inside a GSS initial context token. */
export function apRepOf(token: Uint8Array) {
  const u = unframeToken(token);
  assert.ok(u, "a framed token");
  return decodeApRep(u.inner);
}

/**
 * Checks what our client sent and got from the KDC: PREAUTH_REQUIRED naming
 * `etype` in ETYPE-INFO2, the encrypted timestamp, the AS-REP, and for each TGS
 * exchange (the forwarded TGT, the service ticket) the TGS-REQ's authenticator (the
 * TGT session key) and the TGS-REP, all of `etype`.
 */
export function checkKdcTraffic(
  log: { req: Uint8Array; rep: Uint8Array }[],
  etype: number,
): void {
  const kinds = log.map(({ req, rep }) => `${req[0] & 0x1f}->${rep[0] & 0x1f}`);
  assert.deepEqual(
    kinds,
    ["10->30", "10->11", "12->13", "12->13"],
    "AS twice, TGS for the forwarded TGT and the service",
  );
  const err = decodeKrbError(log[0].rep);
  assert.equal(err.errorCode, KDC_ERR_PREAUTH_REQUIRED);
  const info = decodeMethodData(err.eData!).find((p) =>
    p.padataType === PA_ETYPE_INFO2
  );
  assert.ok(info, "ETYPE-INFO2 in the KRB-ERROR");
  const entries = decodeEtypeInfo2(info.padataValue);
  assert.equal(entries[0].etype, etype, "the KDC names the SHA-2 key");
  assert.equal(entries[0].salt, `${REALM}${USER}`);
  // Our AS-REQ asks for the SHA-2 enctypes, after the AES-SHA1 pair.
  const asReq = decodeAsReq(log[1].req);
  assert.deepEqual(asReq.etype.slice(0, 4), [18, 17, 20, 19]);
  const ts = asReq.padata?.find((p) => p.padataType === PA_ENC_TIMESTAMP);
  assert.ok(ts, "encrypted-timestamp pre-authentication");
  assert.equal(decodeEncryptedData(ts.padataValue).etype, etype);
  const asRep = decodeKdcRep(log[1].rep);
  assert.equal(asRep.encPart.etype, etype, "AS-REP enc-part (the user's key)");
  assert.equal(asRep.ticket.encPart.etype, etype, "TGT (krbtgt's key)");
  for (const { req, rep } of log.slice(2)) {
    const tgsReq = decodeTgsReq(req);
    const pa = tgsReq.padata?.find((p) => p.padataType === PA_TGS_REQ);
    assert.ok(pa);
    assert.equal(
      decodeApReq(pa.padataValue).authenticator.etype,
      etype,
      "TGS-REQ authenticator (the TGT session key)",
    );
    const tgsRep = decodeKdcRep(rep);
    assert.equal(tgsRep.encPart.etype, etype, "TGS-REP enc-part");
    assert.equal(tgsRep.ticket.encPart.etype, etype, "the ticket");
  }
}

/** MIT's context key and its enctype, as GSS_C_INQ_SSPI_SESSION_KEY reports them. */
export async function mitSessionKey(peer: GssapiPeer) {
  const info = await peer.info() as unknown as Record<string, string | null>;
  const oid = info.session_key_enctype_hex ?? "";
  // GSS_KRB5_SESSION_KEY_ENCTYPE_OID (1.2.840.113554.1.2.2.4) then the enctype.
  assert.ok(oid.startsWith("2a864886f71201020204"), oid);
  return {
    key: info.session_key_hex,
    etype: parseInt(oid.slice(20), 16),
  };
}

/** Our context key, hex. */
export function ourSessionKey(ctx: CtxtHandle): string {
  const v = { value: null as unknown };
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_KEY, v),
    SEC_E_OK,
  );
  const k = (v.value as { SessionKey: Uint8Array }).SessionKey;
  return Array.from(k, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Sealed and integrity-only Wrap tokens and MICs both ways. */
export async function traffic(
  ctx: CtxtHandle,
  peer: GssapiPeer,
  etype: number,
) {
  const sizes = sizesOf(ctx);
  assert.equal(sizes.cbMaxSignature, 16 + H[etype], "the MIC of a SHA-2 key");
  assert.equal(sizes.cbSecurityTrailer, 16 + 16 + H[etype] + 16);
  for (let i = 0; i < 2; i++) {
    // Ours -> MIT: EncryptMessage's token (RRC 16 + h) and data as one Wrap token.
    const wire = sealToWire(ctx, enc.encode(`sealed by us ${i}`));
    const u = await peer.unwrap(wire);
    assert.ok(u.encrypted);
    assert.equal(dec.decode(u.data), `sealed by us ${i}`);
    // MIT -> ours: gss_wrap's single buffer (RRC 0), read as a stream.
    const w = await peer.wrap(enc.encode(`sealed by MIT ${i}`));
    const out = new SecBuffer(SECBUFFER_DATA, null);
    const q = { value: -1 };
    assert.equal(
      st(DecryptMessage(
        ctx,
        new SecBufferDesc([new SecBuffer(SECBUFFER_STREAM, w.data), out]),
        0,
        q,
      )),
      st(SEC_E_OK),
    );
    assert.equal(q.value, 0);
    assert.equal(
      dec.decode(out.pvBuffer!.subarray(0, out.cbBuffer)),
      `sealed by MIT ${i}`,
    );
  }
  // Integrity only both ways: EC is the 16- or 24-byte checksum's length.
  const signed = await peer.wrap(enc.encode("wrapped by MIT"), false);
  assert.equal(signed.encrypted, false);
  assert.equal(signed.data[5], H[etype], "MIT's EC");
  const out = new SecBuffer(SECBUFFER_DATA, null);
  const qop = { value: 0 };
  assert.equal(
    st(DecryptMessage(
      ctx,
      new SecBufferDesc([new SecBuffer(SECBUFFER_STREAM, signed.data), out]),
      0,
      qop,
    )),
    st(SEC_E_OK),
  );
  assert.equal(qop.value, SECQOP_WRAP_NO_ENCRYPT);
  assert.equal(
    dec.decode(out.pvBuffer!.subarray(0, out.cbBuffer)),
    "wrapped by MIT",
  );
  const tok = new SecBuffer(
    SECBUFFER_TOKEN,
    new Uint8Array(sizesOf(ctx).cbSecurityTrailer),
  );
  const data = new SecBuffer(SECBUFFER_DATA, enc.encode("wrapped by us"));
  assert.equal(
    st(
      EncryptMessage(
        ctx,
        SECQOP_WRAP_NO_ENCRYPT,
        new SecBufferDesc([tok, data]),
        0,
      ),
    ),
    st(SEC_E_OK),
  );
  assert.equal(tok.cbBuffer, 16 + H[etype]);
  const joined = new Uint8Array(tok.cbBuffer + data.cbBuffer);
  joined.set(tok.pvBuffer!.subarray(0, tok.cbBuffer));
  joined.set(data.pvBuffer!, tok.cbBuffer);
  const back = await peer.unwrap(joined);
  assert.equal(back.encrypted, false);
  assert.equal(dec.decode(back.data), "wrapped by us");
  // MICs both ways.
  const mine = enc.encode("signed by us");
  const sig = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(64));
  assert.equal(
    MakeSignature(
      ctx,
      0,
      new SecBufferDesc([new SecBuffer(SECBUFFER_DATA, mine), sig]),
      0,
    ),
    SEC_E_OK,
  );
  assert.equal(sig.cbBuffer, 16 + H[etype]);
  await peer.verifyMic(mine, sig.pvBuffer!.subarray(0, sig.cbBuffer));
  const theirs = enc.encode("signed by MIT");
  const mic = await peer.getMic(theirs);
  assert.equal(mic.length, 16 + H[etype]);
  assert.equal(
    st(VerifySignature(
      ctx,
      new SecBufferDesc([
        new SecBuffer(SECBUFFER_DATA, theirs),
        new SecBuffer(SECBUFFER_TOKEN, mic),
      ]),
      0,
      { value: 0 },
    )),
    st(SEC_E_OK),
  );
}

/**
 * Takes the TGT delegated in `sctx` (its session key of `etype`), gets a ticket for
 * the service with it and has `server` accept it.
 */
export async function secondHop(
  kdc: MitKdc,
  server: CredHandle,
  sctx: CtxtHandle,
  etype: number,
): Promise<void> {
  const out: { value?: unknown } = {};
  assert.equal(
    st(QueryContextAttributes(sctx, SECPKG_ATTR_KERBEROS_DELEGATED_TGT, out)),
    st(SEC_E_OK),
  );
  const d = out.value as KerberosDelegatedTgt;
  assert.ok(d instanceof KerberosDelegatedTgt);
  assert.equal(d.clientName, `${USER}@${REALM}`);
  const asUser = new CredHandle();
  assert.equal(
    st(AcquireCredentialsHandle(
      null,
      "Kerberos",
      SECPKG_CRED_OUTBOUND,
      null,
      { DelegatedFrom: d, Kdc: kdc.kdc },
      null,
      null,
      asUser,
      null,
    )),
    st(SEC_E_OK),
  );
  const cctx = newCtx();
  const hop = new CtxtHandle();
  try {
    const a = await iscStep(asUser, cctx, true, SPN, null);
    assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
    assert.equal(apReqOf(a.token!).authenticator.etype, etype);
    const r = accept(server, hop, a.token!);
    assert.equal(st(r.status), st(SEC_E_OK));
    const b = await iscStep(asUser, cctx, false, SPN, r.token);
    assert.equal(st(b.status), st(SEC_E_OK));
    const names = { value: null as unknown };
    QueryContextAttributes(hop, SECPKG_ATTR_NAMES, names);
    assert.deepEqual(names.value, { sUserName: `${USER}@${REALM}` });
  } finally {
    DeleteSecurityContext(cctx);
    DeleteSecurityContext(hop);
    FreeCredentialsHandle(asUser);
  }
}

/** The ticket's PAC signature types, read with the service key of the keytab. */
export async function pacSignatureTypes(
  keytab: string,
  ticket: Ticket,
): Promise<[number, number]> {
  const [entry] = parseKeytab(await Deno.readFile(keytab));
  const plain = decrypt(
    entry.key,
    KEY_USAGE_KDC_REP_TICKET,
    ticket.encPart.cipher,
  );
  assert.ok(plain, "the ticket decrypts with the SHA-2 service key");
  const pacBytes = findPac(decodeEncTicketPart(plain).authorizationData);
  assert.ok(pacBytes instanceof Uint8Array, "MIT 1.20 puts a PAC in tickets");
  const pac = parsePac(pacBytes);
  assert.ok(!("error" in pac));
  return [pac.ServerSignature!.SignatureType, pac.KdcSignature!.SignatureType];
}
