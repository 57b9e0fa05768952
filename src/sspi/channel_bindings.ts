/**
 * The `SEC_CHANNEL_BINDINGS` structure of a `SECBUFFER_CHANNEL_BINDINGS` buffer, as
 * the packages that bind to a channel use it: MD5 of the gss_channel_bindings_struct
 * it describes (RFC 2744 / RFC 4121 4.1.1.2), which NTLM sends as
 * MsvAvChannelBindings and Kerberos as the Bnd field of its 0x8003 checksum.
 *
 * @module
 */
import { md5 } from "../crypto/mod.ts";
import { concat } from "../util/bytes.ts";

/**
 * The channel-binding hash: MD5 of gss_channel_bindings_struct, built from a
 * `SEC_CHANNEL_BINDINGS` structure as it arrives in a `SECBUFFER_CHANNEL_BINDINGS`
 * buffer (eight u32 fields, then the data they point at). Returns null when the
 * structure is malformed.
 */
export function channelBindingsHash(sec: Uint8Array): Uint8Array | null {
  if (sec.length < 32) return null;
  const v = new DataView(sec.buffer, sec.byteOffset, sec.byteLength);
  const f = (i: number) => v.getUint32(i * 4, true);
  const part = (len: number, off: number) => {
    if (len === 0) return new Uint8Array(0);
    if (off + len > sec.length || off < 32) return null;
    return sec.subarray(off, off + len);
  };
  const ini = part(f(1), f(2));
  const acc = part(f(4), f(5));
  const app = part(f(6), f(7));
  if (!ini || !acc || !app) return null;
  const u32 = (x: number) =>
    new Uint8Array([x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24]);
  return md5(
    concat(
      u32(f(0)),
      u32(ini.length),
      ini,
      u32(f(3)),
      u32(acc.length),
      acc,
      u32(app.length),
      app,
    ),
  );
}
