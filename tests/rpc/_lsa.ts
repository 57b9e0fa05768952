/**
 * Two LSA calls (MS-LSAT 3.1.4) for the named-pipe tests: LsarOpenPolicy2 and
 * LsarLookupNames, which Samba and Windows answer over `\pipe\lsarpc` to the SMB
 * session's user (over TCP only the secure channel's two lookups are answered).
 *
 * @module
 */
import {
  checkCount,
  decodeNdr,
  readDeferredUnicodeString,
  readSid,
  readUnicodeStringHeader,
} from "../../src/rpc/ndr.ts";
import { NdrWriter } from "../../src/rpc/ndr_writer.ts";

/** The LSA interface (lsarpc). */
export const LSARPC = {
  uuid: "12345778-1234-abcd-ef00-0123456789ab",
  version: [0, 0] as const,
};

/** Opnums used here. */
export const LSAR_CLOSE = 0;
export const LSAR_LOOKUP_NAMES = 14;
export const LSAR_OPEN_POLICY2 = 44;

/** POLICY_LOOKUP_NAMES. */
const POLICY_LOOKUP_NAMES = 0x00000800;
/** LsapLookupWksta. */
const LOOKUP_WKSTA = 1;

/** LsarOpenPolicy2: no system name, empty object attributes, lookup access. */
export function openPolicy2Request(): Uint8Array {
  const w = new NdrWriter();
  w.pointer(null); // SystemName
  // LSAPR_OBJECT_ATTRIBUTES: Length 24, then null pointers and no attributes.
  w.u32(24).pointer(null).pointer(null).u32(0).pointer(null).pointer(null);
  return w.u32(POLICY_LOOKUP_NAMES).finish();
}

/** LsarLookupNames of `names` on the policy `handle`. */
export function lookupNamesRequest(
  handle: Uint8Array,
  names: readonly string[],
): Uint8Array {
  const w = new NdrWriter().bytes(handle).u32(names.length);
  w.struct(() => {
    w.u32(names.length);
    for (const n of names) w.unicodeString(n);
  });
  // TranslatedSids (none yet), the lookup level, MappedCount.
  return w.u32(0).pointer(null).u16(LOOKUP_WKSTA).u32(0).finish();
}

/** What LsarLookupNames answers: each name's SID ("" unmapped), and the status. */
export function lookupNamesReply(
  stub: Uint8Array,
): { sids: string[]; status: number } {
  return decodeNdr(stub, (r) => {
    const domains: string[] = [];
    if (r.pointer("ReferencedDomains")) {
      const entries = r.u32("Entries");
      const ptr = r.pointer("Domains");
      r.u32("MaxEntries");
      if (ptr) {
        const n = r.u32("conformance");
        if (n !== entries) throw r.error("domain count mismatch");
        checkCount(r, n, 12, "domains");
        const heads: { name: number[]; sid: number }[] = [];
        for (let i = 0; i < n; i++) {
          heads.push({
            name: readUnicodeStringHeader(r, "Name"),
            sid: r.pointer("Sid"),
          });
        }
        for (const h of heads) {
          readDeferredUnicodeString(r, h.name, "Name");
          domains.push(h.sid ? readSid(r, true, "Sid") : "");
        }
      }
    }
    const entries = r.u32("TranslatedSids.Entries");
    const sids: string[] = [];
    if (r.pointer("TranslatedSids.Sids")) {
      const n = r.u32("conformance");
      if (n !== entries) throw r.error("SID count mismatch");
      checkCount(r, n, 12, "translated SIDs");
      for (let i = 0; i < n; i++) {
        r.align(4);
        const use = r.u16("Use");
        r.align(4);
        const rid = r.u32("RelativeId");
        const index = r.u32("DomainIndex") | 0;
        const domain = domains[index];
        // SidTypeUser..: a RID under its domain; SidTypeDomain: the domain itself.
        sids.push(
          index < 0 || domain === undefined
            ? ""
            : use === 3
            ? domain
            : `${domain}-${rid}`,
        );
      }
    }
    r.u32("MappedCount");
    const status = r.u32("status");
    if (r.remaining !== 0) throw r.error("has trailing bytes");
    return { sids, status };
  });
}
