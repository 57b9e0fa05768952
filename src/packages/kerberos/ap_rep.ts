/**
 * AP-REPs made and checked beside the handshakes: the acceptor's answer to a mutual
 * AP-REQ (RFC 4120 3.2.4), and DCE style's third leg (`GSS_C_DCE_STYLE`, MS-KILE
 * 3.4.5.1), as RPC binds use Kerberos: after the acceptor's AP-REP the initiator sends
 * an AP-REP of its own, under the ticket's session key, echoing its authenticator's
 * time and the acceptor's sequence number, without a subkey. MIT's `krb5_rd_rep_dce`
 * and Heimdal's acceptor check it so; the tokens of a DCE-style exchange go bare (no
 * GSS framing).
 *
 * @module
 */
import { DerError } from "../../der/errors.ts";
import { derBytes } from "../../der/encode.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
} from "../../sspi/status.ts";
import { randomUint } from "../../crypto/_random.ts";
import type { Der } from "../../der/encode.ts";
import {
  decrypt,
  encrypt,
  ETYPE_RC4_HMAC,
  type KerberosKey,
  randomKey,
} from "./crypto.ts";
import { KEY_USAGE_AP_REP_ENC_PART } from "./constants.ts";
import {
  apRepDer,
  decodeApRep,
  decodeEncApRepPart,
  encodeEncApRepPart,
} from "./messages.ts";
import { TOK_AP_REP, unframeOrBare } from "./gss.ts";
import type { EncApRepPart } from "./messages_types.ts";

/** An acceptor's AP-REP (unserialized), with the subkey and sequence number it sets. */
export interface AcceptorApRep {
  /** The AP-REP. */
  rep: Der;
  /** The acceptor subkey it carries (the caller wipes it), or null. */
  sub: KerberosKey | null;
  /** The acceptor's initial sequence number. */
  seq: number;
}

/**
 * The acceptor's AP-REP for an authenticator of time `ctime`/`cusec` whose subkey
 * (or the session key) has enctype `etype`: a fresh subkey of that enctype but for
 * rc4-hmac (RFC 4757 tokens have no AcceptorSubkey flag and MIT's initiator ignores
 * one), and a random sequence number.
 */
export function acceptorApRep(
  session: KerberosKey,
  ctime: Date,
  cusec: number,
  etype: number,
): AcceptorApRep {
  const sub = etype === ETYPE_RC4_HMAC ? null : randomKey(etype);
  const seq = randomUint(30);
  const part = encodeEncApRepPart({
    ctime,
    cusec,
    subkey: sub ? { keytype: sub.etype, keyvalue: sub.bytes } : undefined,
    seqNumber: seq,
  });
  const rep = apRepDer({
    encPart: {
      etype: session.etype,
      cipher: encrypt(session, KEY_USAGE_AP_REP_ENC_PART, part),
    },
  });
  part.fill(0);
  return { rep, sub, seq };
}

/**
 * The EncAPRepPart of an AP-REP under `key` (key usage 12), or null when the AP-REP
 * is under another enctype (MIT refuses it too) or does not decrypt. Throws
 * `DerError` when malformed.
 */
export function openApRep(
  apRep: Uint8Array,
  key: KerberosKey,
): EncApRepPart | null {
  const rep = decodeApRep(apRep);
  if (rep.encPart.etype !== key.etype) return null;
  const plain = decrypt(key, KEY_USAGE_AP_REP_ENC_PART, rep.encPart.cipher);
  if (!plain) return null;
  try {
    return decodeEncApRepPart(plain);
  } finally {
    plain.fill(0);
  }
}

/** The initiator's AP-REP (bare), for the acceptor whose AP-REP carried `acceptorSeq`. */
export function dceApRep(
  session: KerberosKey,
  ctime: number,
  cusec: number,
  acceptorSeq: number,
): Uint8Array {
  const part = encodeEncApRepPart({
    ctime: new Date(ctime),
    cusec,
    seqNumber: acceptorSeq,
  });
  try {
    return derBytes(apRepDer({
      encPart: {
        etype: session.etype,
        cipher: encrypt(session, KEY_USAGE_AP_REP_ENC_PART, part),
      },
    }));
  } finally {
    part.fill(0);
  }
}

/**
 * Checks the initiator's AP-REP on the acceptor: it decrypts under the session key,
 * names the acceptor's sequence number and carries no subkey. `SEC_E_OK`, or the
 * status with a reason.
 */
export function checkDceApRep(
  token: Uint8Array | null,
  session: KerberosKey,
  acceptorSeq: number,
): { status: number; message?: string } {
  const u = token ? unframeOrBare(token) : null;
  if (!u || u.tokId !== TOK_AP_REP) {
    return {
      status: SEC_E_INVALID_TOKEN,
      message: "expected the client's AP-REP (DCE style)",
    };
  }
  try {
    const part = openApRep(u.inner, session);
    if (!part) {
      return {
        status: SEC_E_LOGON_DENIED,
        message: "the client's AP-REP does not decrypt under the session key",
      };
    }
    if ((part.seqNumber ?? 0) !== acceptorSeq || part.subkey) {
      return {
        status: SEC_E_LOGON_DENIED,
        message: "the client's AP-REP does not answer ours",
      };
    }
    return { status: SEC_E_OK };
  } catch (e) {
    if (e instanceof DerError) {
      return {
        status: SEC_E_INVALID_TOKEN,
        message: `malformed AP-REP: ${e.message}`,
      };
    }
    throw e;
  }
}
