/**
 * Changing a password with Kerberos (RFC 3244, MS-KILE 3.1.5.11), what
 * `ChangeAccountPassword` does with the Kerberos and Negotiate packages: an AS
 * exchange with the old password for an initial ticket to `kadmin/changepw` (which a
 * KDC grants even when the password has expired or must change), then, at the
 * realm's kpasswd service (port 464), an AP-REQ with a fresh subkey and a KRB-PRIV
 * carrying the new password, answered by an AP-REP and a KRB-PRIV with the result.
 *
 * @module
 */
import { randomUint } from "../../crypto/_random.ts";
import { DerError } from "../../der/errors.ts";
import { SspiError } from "../../sspi/errors.ts";
import { SECPKG_CRED_OUTBOUND } from "../../sspi/flags.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  STATUS_PASSWORD_RESTRICTION,
} from "../../sspi/status.ts";
import type { DomainPasswordInformation } from "../../sspi/password.ts";
import { parseIp } from "../../pki/name.ts";
import {
  KEY_USAGE_AP_REQ_AUTH,
  KEY_USAGE_KRB_PRIV_ENC_PART,
  NT_SRV_INST,
} from "./constants.ts";
import { acquireKerberosCredential } from "./credentials_acquire.ts";
import { openApRep } from "./ap_rep.ts";
import {
  decrypt,
  encrypt,
  type KerberosKey,
  randomKey,
  wipeKey,
} from "./crypto.ts";
import { asExchange, authenticatorTime } from "./kdc.ts";
import { kdcAddresses, type KdcOption } from "./kdc_realms.ts";
import {
  decodeEncKrbPrivPart,
  decodeKrbPriv,
  encodeEncKrbPrivPart,
  encodeKrbPriv,
  KPASSWD_VERSION_CHANGE,
  KpasswdFormatError,
  kpasswdRequest,
  type KpasswdResult,
  kpasswdResult,
  parseKpasswdReply,
} from "./kpasswd_messages.ts";
import {
  decodeKrbError,
  encodeApReq,
  encodeAuthenticator,
} from "./messages.ts";
import type { HostAddress } from "./messages_types.ts";
import { exchange, type KdcTransport, parseKdcAddress } from "./transport.ts";

/** The kpasswd service's port (RFC 3244). */
export const KPASSWD_PORT = 464;

/**
 * Where `ChangeAccountPassword` finds the realm's servers: a portable extension
 * (Windows asks its domain controller locator). Without it, the `kdc` lines of
 * `krb5.conf` (`KRB5_CONFIG`, else `/etc/krb5.conf`), port 464 for kpasswd.
 */
export interface ChangePasswordOptions {
  /** The KDCs for the AS exchange, as in `KerberosAuthData.Kdc`. */
  Kdc?: KdcOption;
  /** Another way to reach the KDCs (MS-KKDCP, tests), as in `KerberosAuthData`. */
  KdcTransport?: KdcTransport;
  /** The kpasswd servers (`host[:port]`; default: the KDCs' hosts, port 464). */
  Kpasswd?: string | readonly string[];
  /** Milliseconds for each exchange (default 10,000). */
  KdcTimeoutMs?: number;
}

/** What a change came to: a status, why, and the policy when the DC sent it. */
export interface ChangePasswordResult {
  /** `SEC_E_OK`, or why not. */
  status: number;
  /** One sentence; never holds a password. */
  message: string;
  /** The domain's policy, when Active Directory refused the new password. */
  policy?: DomainPasswordInformation;
}

/**
 * Active Directory's policy blob in a soft-error result (MS-KILE 3.1.5.11.2: two
 * zero bytes, then MinPasswordLength, PasswordHistoryLength, PasswordProperties as
 * 4 bytes and MaxPasswordAge, MinPasswordAge as 8, big-endian); undefined for a text
 * result string.
 */
export function policyOf(
  data: Uint8Array,
): DomainPasswordInformation | undefined {
  if (data.length !== 30 || data[0] !== 0 || data[1] !== 0) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    MinPasswordLength: v.getUint32(2),
    PasswordHistoryLength: v.getUint32(6),
    PasswordProperties: v.getUint32(10),
    MaxPasswordAge: -v.getBigUint64(14),
    MinPasswordAge: -v.getBigUint64(22),
  };
}

const RESULTS: Record<number, [number, string]> = {
  1: [SEC_E_INVALID_TOKEN, "the kpasswd server found the request malformed"],
  2: [SEC_E_LOGON_DENIED, "the kpasswd server failed (hard error)"],
  3: [SEC_E_LOGON_DENIED, "the kpasswd server refused the authentication"],
  4: [STATUS_PASSWORD_RESTRICTION, "the new password does not meet the policy"],
  5: [SEC_E_LOGON_DENIED, "the kpasswd server denied access"],
  6: [SEC_E_UNSUPPORTED_FUNCTION, "the kpasswd server refused the version"],
  7: [SEC_E_LOGON_DENIED, "the kpasswd server wants an initial ticket"],
};

/** The SSPI result of a kpasswd result code and string. */
function resultOf(r: KpasswdResult): ChangePasswordResult {
  if (r.code === 0) return { status: SEC_E_OK, message: "password changed" };
  const [status, text] = RESULTS[r.code] ??
    [SEC_E_LOGON_DENIED, `kpasswd result ${r.code}`];
  const policy = policyOf(r.data);
  const detail = policy ? "" : new TextDecoder().decode(r.data).trim();
  return {
    status,
    message: detail ? `${text}: ${detail.slice(0, 200)}` : text,
    ...(policy ? { policy } : {}),
  };
}

/** The kpasswd servers for `realm`: `Kpasswd`, else the KDCs' hosts on port 464. */
function kpasswdServers(o: ChangePasswordOptions, realm: string): string[] {
  if (o.Kpasswd !== undefined) {
    return (typeof o.Kpasswd === "string" ? [o.Kpasswd] : [...o.Kpasswd])
      .filter((a) => typeof a === "string" && a.trim() !== "");
  }
  return kdcAddresses(o, realm).filter((a) => !/^https?:/i.test(a)).map((a) => {
    const h = parseKdcAddress(a).hostname;
    return `${h.includes(":") ? `[${h}]` : h}:${KPASSWD_PORT}`;
  });
}

/** A HostAddress for the local end of the connection (IPv4 or IPv6). */
export function hostAddress(host: string | null): HostAddress | undefined {
  const b = host ? parseIp(host.replace(/%.*$/, "")) : null; // no zone id
  return b ? { addrType: b.length === 4 ? 2 : 24, address: b } : undefined;
}

/**
 * Changes `account`'s password in `domain` (a realm) from `oldPassword` to
 * `newPassword`. Never throws for protocol or network failures: the status says
 * (`SEC_E_LOGON_DENIED` for a wrong old password, `STATUS_PASSWORD_RESTRICTION`
 * when the policy refuses the new one, `SEC_E_NO_AUTHENTICATING_AUTHORITY` when no
 * server answers).
 */
export async function changePassword(
  domain: string,
  account: string,
  oldPassword: string,
  newPassword: string,
  o: ChangePasswordOptions = {},
): Promise<ChangePasswordResult> {
  let cred;
  try {
    cred = acquireKerberosCredential({
      principal: null,
      use: SECPKG_CRED_OUTBOUND,
      async: true,
      authData: {
        User: account,
        Domain: domain,
        Password: oldPassword,
        Kdc: o.Kdc,
        KdcTransport: o.KdcTransport,
        KdcTimeoutMs: o.KdcTimeoutMs,
      },
    });
  } catch (e) {
    if (e instanceof SspiError) return { status: e.status, message: e.message };
    throw e;
  }
  const keys: KerberosKey[] = [];
  try {
    const t = await asExchange(cred, {
      nameType: NT_SRV_INST,
      nameString: ["kadmin", "changepw"],
    }, 0);
    keys.push(t.key);
    const servers = kpasswdServers(o, cred.realm);
    if (!servers.length) {
      return {
        status: SEC_E_NO_AUTHENTICATING_AUTHORITY,
        message: `no kpasswd server is known for realm ${cred.realm}`,
      };
    }
    const subkey = randomKey(t.key.etype);
    keys.push(subkey);
    const seq = randomUint(30);
    const when = authenticatorTime();
    const auth = encodeAuthenticator({
      crealm: t.crealm,
      cname: t.cname,
      subkey: { keytype: subkey.etype, keyvalue: subkey.bytes },
      seqNumber: seq,
      ...when,
    });
    const apReq = encodeApReq({
      apOptions: 0,
      ticket: t.ticket,
      authenticator: {
        etype: t.key.etype,
        cipher: encrypt(t.key, KEY_USAGE_AP_REQ_AUTH, auth),
      },
    });
    auth.fill(0);
    const build = (local: string | null) => {
      const plain = encodeEncKrbPrivPart({
        userData: new TextEncoder().encode(newPassword),
        seqNumber: seq,
        sAddress: hostAddress(local),
      });
      const priv = encodeKrbPriv({
        encPart: {
          etype: subkey.etype,
          cipher: encrypt(subkey, KEY_USAGE_KRB_PRIV_ENC_PART, plain),
        },
      });
      plain.fill(0);
      return kpasswdRequest(KPASSWD_VERSION_CHANGE, apReq, priv);
    };
    const reasons: string[] = [];
    for (const server of servers) {
      let reply: Uint8Array;
      try {
        reply = await exchange(server, build, o.KdcTimeoutMs ?? 10_000);
      } catch (e) {
        reasons.push(`${server}: ${e instanceof Error ? e.message : e}`);
        continue;
      }
      return readReply(reply, t.key, subkey, when.ctime, keys);
    }
    return {
      status: SEC_E_NO_AUTHENTICATING_AUTHORITY,
      message: `no kpasswd server answered (${reasons.join("; ")})`,
    };
  } catch (e) {
    if (e instanceof SspiError) return { status: e.status, message: e.message };
    throw e;
  } finally {
    for (const k of keys) wipeKey(k);
    cred.dispose();
  }
}

/** Checks the reply's AP-REP and reads its KRB-PRIV (or KRB-ERROR). */
function readReply(
  reply: Uint8Array,
  session: KerberosKey,
  subkey: KerberosKey,
  ctime: Date,
  wipe: KerberosKey[],
): ChangePasswordResult {
  try {
    const r = parseKpasswdReply(reply);
    if (!r.apRep) {
      const err = decodeKrbError(r.rest);
      if (err.eData && err.eData.length >= 2) {
        return resultOf(kpasswdResult(err.eData));
      }
      return {
        status: SEC_E_LOGON_DENIED,
        message: `the kpasswd server answered with error ${err.errorCode}`,
      };
    }
    const part = openApRep(r.apRep, session);
    if (!part) {
      return {
        status: SEC_E_LOGON_DENIED,
        message: "the kpasswd server's AP-REP does not decrypt",
      };
    }
    if (part.ctime.getTime() !== ctime.getTime()) {
      return {
        status: SEC_E_LOGON_DENIED,
        message: "the kpasswd server's AP-REP answers another request",
      };
    }
    const theirs = part.subkey
      ? { etype: part.subkey.keytype, bytes: part.subkey.keyvalue }
      : null;
    if (theirs) wipe.push(theirs);
    const priv = decodeKrbPriv(r.rest);
    for (const k of [theirs, subkey, session]) {
      if (!k || k.etype !== priv.encPart.etype) continue;
      const p = decrypt(k, KEY_USAGE_KRB_PRIV_ENC_PART, priv.encPart.cipher);
      if (p) return resultOf(kpasswdResult(decodeEncKrbPrivPart(p).userData));
    }
    return {
      status: SEC_E_LOGON_DENIED,
      message: "the kpasswd server's KRB-PRIV does not decrypt",
    };
  } catch (e) {
    if (e instanceof DerError || e instanceof KpasswdFormatError) {
      return {
        status: SEC_E_INVALID_TOKEN,
        message: `malformed kpasswd reply: ${e.message}`,
      };
    }
    throw e;
  }
}
