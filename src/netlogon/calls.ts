/**
 * The three Netlogon calls an NTLM pass-through needs (MS-NRPC 3.5.4), as NDR stubs:
 * NetrServerReqChallenge and NetrServerAuthenticate3 set up the secure channel,
 * NetrLogonSamLogonEx checks a network logon over it. Decoders are bounds-checked;
 * malformed stubs are `SspiError(SEC_E_INVALID_TOKEN)`.
 *
 * @module
 */
import { decodeNdr, type NdrReader } from "../rpc/ndr.ts";
import { NdrWriter } from "../rpc/ndr_writer.ts";
import type { NetlogonValidation, NetworkLogon } from "./logon.ts";
import { readSamInfo4 } from "./validation.ts";

/** The Netlogon RPC interface (MS-NRPC 1.9). */
export const NETLOGON_INTERFACE = {
  uuid: "12345678-1234-abcd-ef00-01234567cffb",
  version: [1, 0] as [number, number],
};

/** Opnums (MS-NRPC 3.5.4). */
export const OP_SERVER_REQ_CHALLENGE = 4;
/** NetrServerAuthenticate3. */
export const OP_SERVER_AUTHENTICATE3 = 26;
/** NetrLogonSamLogonEx. */
export const OP_LOGON_SAM_LOGON_EX = 39;

/** `WorkstationSecureChannel` (NETLOGON_SECURE_CHANNEL_TYPE). */
export const WORKSTATION_SECURE_CHANNEL = 2;
/** `NetlogonGenericInformation` (NETLOGON_LOGON_INFO_CLASS). */
const GENERIC_INFORMATION = 4;
/** `NetlogonValidationGenericInfo2` (NETLOGON_VALIDATION_INFO_CLASS). */
const VALIDATION_GENERIC_INFO2 = 5;
/** `NetlogonNetworkTransitiveInformation` (NETLOGON_LOGON_INFO_CLASS). */
const NETWORK_TRANSITIVE_INFORMATION = 6;
/** `NetlogonValidationSamInfo4` (NETLOGON_VALIDATION_INFO_CLASS): keys not re-encrypted. */
const VALIDATION_SAM_INFO4 = 6;
/**
 * ParameterControl: MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT |
 * MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT, as a member server's NTLM sends (machine
 * accounts may log on too).
 */
const PARAMETER_CONTROL = 0x00000820;

/** The NTSTATUS that ends every Netlogon response stub. */
function status(r: NdrReader): number {
  r.align(4);
  return r.u32("return status");
}

/**
 * NetrServerReqChallenge's request: the DC's name, ours, our 8-byte challenge.
 *
 * @example
 * ```ts
 * import { encodeReqChallenge } from "./calls.ts";
 * const stub = encodeReqChallenge("\\\\DC1", "WEB1", new Uint8Array(8));
 * ```
 */
export function encodeReqChallenge(
  server: string,
  computer: string,
  clientChallenge: Uint8Array,
): Uint8Array {
  const w = new NdrWriter();
  w.pointer(() => w.wstring(server));
  w.wstring(computer);
  w.bytes(clientChallenge);
  return w.finish();
}

/** NetrServerReqChallenge's response: the DC's challenge and the status. */
export function decodeReqChallenge(
  stub: Uint8Array,
): { serverChallenge: Uint8Array; status: number } {
  return decodeNdr(stub, (r) => ({
    serverChallenge: r.bytesOf(8, "ServerChallenge").slice(),
    status: status(r),
  }), "Netlogon");
}

/** NetrServerAuthenticate3's request. */
export function encodeAuthenticate3(
  server: string,
  account: string,
  computer: string,
  clientCredential: Uint8Array,
  negotiateFlags: number,
): Uint8Array {
  const w = new NdrWriter();
  w.pointer(() => w.wstring(server));
  w.wstring(account);
  w.u16(WORKSTATION_SECURE_CHANNEL);
  w.wstring(computer);
  w.bytes(clientCredential);
  w.u32(negotiateFlags);
  return w.finish();
}

/** NetrServerAuthenticate3's response. */
export function decodeAuthenticate3(stub: Uint8Array): {
  serverCredential: Uint8Array;
  negotiateFlags: number;
  accountRid: number;
  status: number;
} {
  return decodeNdr(stub, (r) => {
    const serverCredential = r.bytesOf(8, "ServerCredential").slice();
    r.align(4);
    return {
      serverCredential,
      negotiateFlags: r.u32("NegotiateFlags"),
      accountRid: r.u32("AccountRid"),
      status: status(r),
    };
  }, "Netlogon");
}

/**
 * A NetrLogonSamLogonEx request: the DC's name and ours, the logon level, the
 * NETLOGON_LEVEL union (its tag, then a pointer to the structure `info` writes),
 * the validation level asked for, and ExtraFlags 0.
 */
function logonExStub(
  server: string,
  computer: string,
  logonLevel: number,
  validationLevel: number,
  info: (w: NdrWriter) => void,
): Uint8Array {
  const w = new NdrWriter();
  w.pointer(() => w.wstring(server));
  w.pointer(() => w.wstring(computer));
  w.u16(logonLevel);
  w.struct(() => {
    w.u16(logonLevel);
    w.pointer(() => info(w));
  });
  w.u16(validationLevel);
  w.u32(0); // ExtraFlags
  return w.finish();
}

/** NetrLogonSamLogonEx's request for a network logon, asking for SAM_INFO4. */
export function encodeSamLogonEx(
  server: string,
  computer: string,
  logon: NetworkLogon,
): Uint8Array {
  return logonExStub(
    server,
    computer,
    NETWORK_TRANSITIVE_INFORMATION,
    VALIDATION_SAM_INFO4,
    (w) => {
      // NETLOGON_NETWORK_INFO
      w.unicodeString(logon.domain || null);
      w.u32(PARAMETER_CONTROL);
      w.u32(0).u32(0); // Reserved
      w.unicodeString(logon.user);
      w.unicodeString(logon.workstation || null);
      w.bytes(logon.challenge);
      w.countedBytes(logon.ntResponse.length ? logon.ntResponse : null);
      w.countedBytes(logon.lmResponse.length ? logon.lmResponse : null);
    },
  );
}

/**
 * NetrLogonSamLogonEx's request for a generic logon (MS-NRPC 2.2.1.4.2): `data`
 * for the DC's `packageName` package, e.g. a Kerberos PAC validation (MS-APDS
 * 3.2.5.1), in the account `domain`.
 */
export function encodeGenericLogonEx(
  server: string,
  computer: string,
  domain: string,
  packageName: string,
  data: Uint8Array,
): Uint8Array {
  return logonExStub(
    server,
    computer,
    GENERIC_INFORMATION,
    VALIDATION_GENERIC_INFO2,
    (w) => {
      // NETLOGON_GENERIC_INFO
      w.unicodeString(domain || null);
      w.u32(0); // ParameterControl
      w.u32(0).u32(0); // Reserved
      w.unicodeString(null); // UserName
      w.unicodeString(null); // Workstation
      w.unicodeString(packageName);
      w.u32(data.length);
      w.pointer(() => w.u32(data.length).bytes(data));
    },
  );
}

/**
 * Reads a NetrLogonSamLogonEx response: the validation union (read by `validation`
 * when its pointer is not null, which must be at `level`), Authoritative,
 * ExtraFlags and the status.
 */
function readLogonExReply<T>(
  stub: Uint8Array,
  level: number,
  validation: (r: NdrReader) => T,
): { status: number; authoritative: boolean; validation: T | null } {
  return decodeNdr(stub, (r) => {
    r.align(2);
    const got = r.u16("ValidationLevel");
    let v: T | null = null;
    if (r.pointer("ValidationInformation") !== 0) {
      if (got !== level) {
        throw r.error(`validation level ${got} was not asked for`);
      }
      v = validation(r);
    }
    const authoritative = r.u8("Authoritative") !== 0;
    r.align(4);
    r.u32("ExtraFlags");
    return { status: status(r), authoritative, validation: v };
  }, "Netlogon");
}

/** The status of a generic NetrLogonSamLogonEx (its validation data is not kept). */
export function decodeGenericLogonEx(stub: Uint8Array): number {
  return readLogonExReply(stub, VALIDATION_GENERIC_INFO2, (r) => {
    // NETLOGON_VALIDATION_GENERIC_INFO2
    const length = r.u32("DataLength");
    if (r.pointer("ValidationData") !== 0) {
      if (r.u32("ValidationData size") !== length) {
        throw r.error("ValidationData size does not match its length");
      }
      r.take(length, "ValidationData");
    }
  }).status;
}

/** NetrLogonSamLogonEx's response. */
export interface SamLogonExReply {
  /** The NTSTATUS of the logon. */
  status: number;
  /** Authoritative: the DC's answer is final (no other DC would say otherwise). */
  authoritative: boolean;
  /** The validation (on success), with its two keys. */
  validation: {
    info: NetlogonValidation;
    userSessionKey: Uint8Array;
    lmSessionKey: Uint8Array;
  } | null;
}

/** Decodes NetrLogonSamLogonEx's response (ValidationLevel 6). */
export function decodeSamLogonEx(stub: Uint8Array): SamLogonExReply {
  return readLogonExReply(stub, VALIDATION_SAM_INFO4, readSamInfo4);
}
