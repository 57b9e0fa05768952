/**
 * Checking logons with a domain controller over this server's Netlogon secure
 * channel (`channel.ts`): NTLM pass-through (MS-APDS 3.1.5, a network logon by
 * NetrLogonSamLogonEx) and Kerberos PAC validation (MS-APDS 3.2.5.1, the PAC's KDC
 * signature checked by the DC, which holds the `krbtgt` key).
 *
 * @module
 */
import { md4 } from "../crypto/mod.ts";
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_UNKNOWN_CREDENTIALS } from "../sspi/status.ts";
import { fromHex, utf16le } from "../util/bytes.ts";
import {
  decodeGenericLogonEx,
  decodeSamLogonEx,
  encodeGenericLogonEx,
  encodeSamLogonEx,
  OP_LOGON_SAM_LOGON_EX,
  type SamLogonExReply,
} from "./calls.ts";
import { SecureChannel, STATUS_ACCESS_DENIED } from "./channel.ts";
import { netlogonAesEncrypt } from "./crypto.ts";
import type {
  NetworkLogon,
  NetworkLogonResult,
  NetworkLogonVerifier,
} from "./logon.ts";

/**
 * Where the domain controller is and this server's machine account (the `$` account
 * a domain join creates), for NTLM pass-through.
 */
export interface NetlogonOptions {
  /** The DC's host name or address. */
  Server: string;
  /** Netlogon's TCP port; by default the DC's endpoint mapper (port 135) is asked. */
  Port?: number;
  /** The machine account's name without `$` (default: the credential's ComputerName). */
  Account?: string;
  /** The machine account's password. */
  Password?: string;
  /** Its NT hash instead (32 hex digits or 16 bytes). */
  NtHash?: string | Uint8Array;
  /** The account's NetBIOS domain (default: the credential's DomainName). */
  Domain?: string;
  /** Milliseconds to wait for the DC at each step (default 10,000). */
  TimeoutMs?: number;
  /**
   * Most calls to the DC in flight at once, each on a sealed connection of its own
   * (Windows' `MaxConcurrentApi`; default 4). Credentials sharing a channel share
   * the first one's limit.
   */
  MaxConcurrentApi?: number;
}

/** A PAC's signatures, for the DC to check the KDC's (MS-PAC 2.8). */
export interface PacSignatures {
  /** The server signature's Signature bytes (what the KDC signature signs). */
  serverChecksum: Uint8Array;
  /** The KDC signature's SignatureType. */
  kdcType: number;
  /** The KDC signature's Signature bytes. */
  kdcSignature: Uint8Array;
}

/** `KerbVerifyPacMessage` (MS-APDS 2.2.2.1). */
const KERB_VERIFY_PAC_MESSAGE = 3;

/**
 * Checks logons with a domain controller over this server's secure channel, which
 * every verifier of the same DC and machine account shares.
 *
 * @example
 * ```ts ignore
 * import { NetlogonVerifier } from "./pass_through.ts";
 * const dc = new NetlogonVerifier(
 *   { Server: "dc1.corp.example.com", Password: "machine account password" },
 *   { computer: "WEB1", domain: "CORP" },
 * );
 * const r = await dc.logon(logonFromAnAuthenticateMessage);
 * dc.close();
 * ```
 */
export class NetlogonVerifier implements NetworkLogonVerifier {
  #channel: SecureChannel | null;

  /**
   * Checks the options (an `SspiError(SEC_E_UNKNOWN_CREDENTIALS)` when they are
   * unusable); connects on first use. `defaults` are the credential's names.
   */
  constructor(
    options: NetlogonOptions,
    defaults: { computer?: string; domain?: string } = {},
  ) {
    if (!options || typeof options.Server !== "string" || !options.Server) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "DomainController.Server must name the domain controller",
      );
    }
    const account = (options.Account ?? defaults.computer ?? "").replace(
      /\$$/,
      "",
    );
    const domain = options.Domain ?? defaults.domain ?? "";
    if (!account || !domain) {
      throw new SspiError(
        SEC_E_UNKNOWN_CREDENTIALS,
        "DomainController needs the machine account (Account or ComputerName) and its domain (Domain or DomainName)",
      );
    }
    const hash = machineHash(options);
    this.#channel = SecureChannel.acquire({
      host: options.Server,
      port: options.Port,
      account: account.toUpperCase(),
      domain: domain.toUpperCase(),
      timeoutMs: options.TimeoutMs ?? 10_000,
      maxConcurrent: concurrency(options.MaxConcurrentApi),
    }, hash);
    hash.fill(0);
  }

  #open(): SecureChannel {
    const ch = this.#channel;
    if (!ch) throw new SspiError(SEC_E_UNKNOWN_CREDENTIALS, "closed");
    return ch;
  }

  /** Passes one logon through (see {@linkcode NetworkLogonVerifier.logon}). */
  async logon(logon: NetworkLogon): Promise<NetworkLogonResult> {
    const ch = this.#open();
    const reply = await ch.call(
      OP_LOGON_SAM_LOGON_EX,
      () => encodeSamLogonEx(`\\\\${ch.host}`, ch.account, logon),
      // The answer holds the session key: read it, then wipe the buffer.
      (answer) => {
        try {
          return decodeSamLogonEx(answer);
        } finally {
          answer.fill(0);
        }
      },
      (r: SamLogonExReply) => r.status === STATUS_ACCESS_DENIED,
    );
    const v = reply.validation;
    if (reply.status !== 0 || !v) {
      v?.userSessionKey.fill(0);
      v?.lmSessionKey.fill(0);
      return {
        status: reply.status || STATUS_ACCESS_DENIED,
        sessionKey: null,
        lmSessionKey: null,
        validation: null,
      };
    }
    return {
      status: 0,
      sessionKey: v.userSessionKey,
      lmSessionKey: v.lmSessionKey,
      validation: v.info,
    };
  }

  /**
   * Asks the DC to check a PAC's KDC signature (MS-APDS 3.2.5.1): a generic logon
   * to the "Kerberos" package carrying a `KERB_VERIFY_PAC_REQUEST`. Resolves with
   * the DC's NTSTATUS (0: the KDC signed that server checksum).
   */
  validatePac(sigs: PacSignatures): Promise<number> {
    const ch = this.#open();
    const c = sigs.serverChecksum;
    const k = sigs.kdcSignature;
    const msg = new Uint8Array(16 + c.length + k.length);
    const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
    v.setUint32(0, KERB_VERIFY_PAC_MESSAGE, true);
    v.setUint32(4, c.length, true);
    v.setInt32(8, sigs.kdcType, true);
    v.setUint32(12, k.length, true);
    msg.set(c, 16);
    msg.set(k, 16 + c.length);
    return ch.call(
      OP_LOGON_SAM_LOGON_EX,
      // The generic logon's data goes encrypted with the session key, sealed
      // channel or not (AES-CFB8, zero IV, as for the other encrypted logon fields;
      // the DC decrypts it before reading it).
      (key) =>
        encodeGenericLogonEx(
          `\\\\${ch.host}`,
          ch.account,
          ch.domain,
          "Kerberos",
          netlogonAesEncrypt(key, msg),
        ),
      decodeGenericLogonEx,
      (status) => status === STATUS_ACCESS_DENIED,
    );
  }

  /** Gives up this verifier's use of the channel (the last one closes it). */
  close(): void {
    this.#channel?.release();
    this.#channel = null;
  }
}

/** `MaxConcurrentApi`, checked: a whole number from 1 to 64 (default 4). */
function concurrency(n: number | undefined): number {
  if (n === undefined) return 4;
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new SspiError(
      SEC_E_UNKNOWN_CREDENTIALS,
      "DomainController.MaxConcurrentApi must be a whole number from 1 to 64",
    );
  }
  return n;
}

/** The machine account's NT hash from the options. */
function machineHash(o: NetlogonOptions): Uint8Array {
  if (o.NtHash instanceof Uint8Array && o.NtHash.length === 16) {
    return o.NtHash.slice();
  }
  if (typeof o.NtHash === "string" && /^[0-9a-fA-F]{32}$/.test(o.NtHash)) {
    return fromHex(o.NtHash);
  }
  if (o.NtHash === undefined && typeof o.Password === "string" && o.Password) {
    return md4(utf16le(o.Password));
  }
  throw new SspiError(
    SEC_E_UNKNOWN_CREDENTIALS,
    "DomainController needs the machine account's Password or NtHash (16 bytes or 32 hex digits)",
  );
}
