/**
 * A few SAMR calls (MS-SAMR 3.1.5) for the authenticated RPC tests: Samba's AD DC
 * serves SAMR over TCP to authenticated callers only (LSA over TCP answers only the
 * two lookups that need the Netlogon secure channel).
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

/** The SAMR interface. */
export const SAMR = {
  uuid: "12345778-1234-abcd-ef00-0123456789ac",
  version: [1, 0] as const,
};

/** Opnums used here. */
export const SAMR_CLOSE_HANDLE = 1;
export const SAMR_LOOKUP_DOMAIN = 5;
export const SAMR_ENUMERATE_DOMAINS = 6;
export const SAMR_CONNECT2 = 57;

/** MAXIMUM_ALLOWED. */
const MAXIMUM_ALLOWED = 0x02000000;

/** SamrConnect2: no server name, maximum access. */
export function connect2Request(): Uint8Array {
  return new NdrWriter().pointer(null).u32(MAXIMUM_ALLOWED).finish();
}

/** SamrConnect2's answer: the server handle and the status. */
export function handleReply(
  stub: Uint8Array,
): { handle: Uint8Array; status: number } {
  return decodeNdr(stub, (r) => {
    const handle = r.bytesOf(20, "handle").slice();
    const status = r.u32("status");
    if (r.remaining !== 0) throw r.error("has trailing bytes");
    return { handle, status };
  });
}

/** SamrEnumerateDomainsInSamServer from the start, without a size limit. */
export function enumerateDomainsRequest(handle: Uint8Array): Uint8Array {
  return new NdrWriter().bytes(handle).u32(0).u32(0xffffffff).finish();
}

/** The domain names, and the status. */
export function enumerateDomainsReply(
  stub: Uint8Array,
): { names: string[]; status: number } {
  return decodeNdr(stub, (r) => {
    r.u32("EnumerationContext");
    const names: string[] = [];
    if (r.pointer("Buffer")) {
      r.u32("EntriesRead");
      if (r.pointer("Buffer.Buffer")) {
        const n = r.u32("conformance");
        checkCount(r, n, 12, "entries");
        const headers = [];
        for (let i = 0; i < n; i++) {
          r.u32("RelativeId");
          headers.push(readUnicodeStringHeader(r, "Name"));
        }
        for (const h of headers) {
          names.push(readDeferredUnicodeString(r, h, "Name"));
        }
      }
    }
    r.align(4);
    r.u32("CountReturned");
    const status = r.u32("status");
    if (r.remaining !== 0) throw r.error("has trailing bytes");
    return { names, status };
  });
}

/** SamrLookupDomainInSamServer of `name`. */
export function lookupDomainRequest(
  handle: Uint8Array,
  name: string,
): Uint8Array {
  return new NdrWriter().bytes(handle).unicodeString(name).finish();
}

/** The domain's SID ("" when none came back), and the status. */
export function lookupDomainReply(
  stub: Uint8Array,
): { sid: string; status: number } {
  return decodeNdr(stub, (r) => {
    const sid = r.pointer("DomainId") ? readSid(r, true, "DomainId") : "";
    const status = r.u32("status");
    if (r.remaining !== 0) throw r.error("has trailing bytes");
    return { sid, status };
  });
}

/**
 * SamrConnect2, then SamrLookupDomainInSamServer of `domain` over `rpc`: the
 * domain's SID (an Error for a failure status of either).
 */
export async function domainSidOver(
  rpc: { call(opnum: number, stub: Uint8Array): Promise<Uint8Array> },
  domain: string,
): Promise<string> {
  const h = handleReply(await rpc.call(SAMR_CONNECT2, connect2Request()));
  if (h.status !== 0) throw new Error(`SamrConnect2: status ${h.status}`);
  const r = lookupDomainReply(
    await rpc.call(SAMR_LOOKUP_DOMAIN, lookupDomainRequest(h.handle, domain)),
  );
  if (r.status !== 0) throw new Error(`SamrLookupDomain: status ${r.status}`);
  return r.sid;
}
