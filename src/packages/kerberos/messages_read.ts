/**
 * Readers of the Kerberos structures that recur inside messages (`PrincipalName`,
 * `EncryptedData`, `EncryptionKey`, `Checksum`, `PA-DATA`, `HostAddresses`,
 * `AuthorizationData`, `Ticket`) over a scanned `DerTree`, for the decoders in
 * `messages.ts`. Each throws only `DerError`.
 *
 * @module
 */
import { pooledCopy } from "../../util/pool.ts";
import { DerError, type DerTree } from "../../der/mod.ts";
import {
  fields,
  int32,
  kerberosString,
  kerberosTime,
  need,
  octets,
  pvno,
  sequenceOf,
  uint32,
} from "./asn1.ts";
import { APP_TICKET } from "./constants.ts";
import type {
  AuthorizationDataEntry,
  Checksum,
  EncryptedData,
  EncryptionKey,
  HostAddress,
  PAData,
  PrincipalName,
  Ticket,
} from "./messages_types.ts";

/** Reads OPTIONAL field `n` with `read`, or undefined when absent. */
export function opt<T>(
  f: number[],
  n: number,
  read: (i: number) => T,
): T | undefined {
  return f[n] >= 0 ? read(f[n]) : undefined;
}

/** A `PrincipalName` at `i`. */
export function principalName(
  t: DerTree,
  i: number,
  what: string,
): PrincipalName {
  const f = fields(t, i, what);
  const list = need(f, 1, `${what} name-string`);
  return {
    nameType: int32(t, need(f, 0, `${what} name-type`), `${what} name-type`),
    nameString: sequenceOf(t, list, `${what} name-string`).map((c) =>
      kerberosString(t, c, `${what} name-string`)
    ),
  };
}

/** An `EncryptedData` at `i`. */
export function encryptedData(
  t: DerTree,
  i: number,
  what: string,
): EncryptedData {
  const f = fields(t, i, what);
  const out: EncryptedData = {
    etype: int32(t, need(f, 0, `${what} etype`), `${what} etype`),
    cipher: octets(t, need(f, 2, `${what} cipher`), `${what} cipher`),
  };
  if (f[1] >= 0) out.kvno = uint32(t, f[1], `${what} kvno`);
  return out;
}

/** An `EncryptionKey` at `i`. */
export function encryptionKey(
  t: DerTree,
  i: number,
  what: string,
): EncryptionKey {
  const f = fields(t, i, what);
  return {
    keytype: int32(t, need(f, 0, `${what} keytype`), `${what} keytype`),
    keyvalue: octets(t, need(f, 1, `${what} keyvalue`), `${what} keyvalue`),
  };
}

/** A `Checksum` at `i`. */
export function checksum(t: DerTree, i: number, what: string): Checksum {
  const f = fields(t, i, what);
  return {
    cksumtype: int32(t, need(f, 0, `${what} cksumtype`), `${what} cksumtype`),
    checksum: octets(t, need(f, 1, `${what} checksum`), `${what} checksum`),
  };
}

/** A `SEQUENCE OF PA-DATA` at `i`. */
export function paDataList(t: DerTree, i: number, what: string): PAData[] {
  return sequenceOf(t, i, what).map((c) => {
    const f = fields(t, c, what);
    return {
      padataType: int32(t, need(f, 1, `${what} padata-type`), what),
      padataValue: octets(t, need(f, 2, `${what} padata-value`), what),
    };
  });
}

/** A `HostAddresses` at `i`. */
export function hostAddresses(
  t: DerTree,
  i: number,
  what: string,
): HostAddress[] {
  return sequenceOf(t, i, what).map((c) => {
    const f = fields(t, c, what);
    return {
      addrType: int32(t, need(f, 0, `${what} addr-type`), what),
      address: octets(t, need(f, 1, `${what} address`), what),
    };
  });
}

/** An `AuthorizationData` at `i` (entries kept opaque). */
export function authorizationData(
  t: DerTree,
  i: number,
  what: string,
): AuthorizationDataEntry[] {
  return sequenceOf(t, i, what).map((c) => {
    const f = fields(t, c, what);
    return {
      adType: int32(t, need(f, 0, `${what} ad-type`), what),
      adData: octets(t, need(f, 1, `${what} ad-data`), what),
    };
  });
}

/** A `Ticket` (`[APPLICATION 1]`) at `i`, with its DER copied into `raw`. */
export function ticketAt(t: DerTree, i: number, what: string): Ticket {
  t.expect(i, 0x60 | APP_TICKET, what);
  const seq = t.explicit(i, what);
  const f = fields(t, seq, what);
  return {
    tktVno: pvno(t, need(f, 0, `${what} tkt-vno`), `${what} tkt-vno`),
    realm: kerberosString(t, need(f, 1, `${what} realm`), `${what} realm`),
    sname: principalName(t, need(f, 2, `${what} sname`), `${what} sname`),
    encPart: encryptedData(
      t,
      need(f, 3, `${what} enc-part`),
      `${what} enc-part`,
    ),
    raw: pooledCopy(t.raw(i)),
  };
}

/** Checks the `msg-type` INTEGER at `i` equals `expected` (the outer tag). */
export function msgType(
  t: DerTree,
  i: number,
  expected: number,
  what: string,
): number {
  if (int32(t, i, `${what} msg-type`) !== expected) {
    throw new DerError(
      `Cannot decode ${what}: msg-type does not match its tag`,
    );
  }
  return expected;
}

/** The mandatory `KerberosTime` field `n` of `f`. */
export function time(t: DerTree, f: number[], n: number, what: string): Date {
  return kerberosTime(t, need(f, n, what), what);
}

/** Drops keys whose value is undefined, so absent fields are absent keys. */
export function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    if (o[k] === undefined) delete o[k];
  }
  return o;
}
