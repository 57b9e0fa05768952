/**
 * `SecPkgInfoW` reading, and the two calls that return it
 * (`EnumerateSecurityPackagesW`, `QuerySecurityPackageInfoW`). Layout on 64-bit targets (32 bytes): `fCapabilities` u32 @0,
 * `wVersion` u16 @4, `wRPCID` u16 @6, `cbMaxToken` u32 @8, `Name*` @16, `Comment*` @24.
 *
 * @module
 */
import type { AttributeOut, ULongOut } from "../sspi/buffers.ts";
import type { SecPkgInfo } from "../sspi/package.ts";
import { SEC_E_OK } from "../sspi/status.ts";
import {
  Arena,
  ptr,
  readAddr,
  readStruct,
  readWString,
  view,
} from "./_memory.ts";
import type { SspiSymbols } from "./_symbols.ts";

/** Size of `SecPkgInfoW`. */
export const SEC_PKG_INFO_SIZE = 32;

/** Reads the `SecPkgInfoW` at address `a` into a JS object (the caller frees `a`). */
export function readPackageInfo(a: bigint): SecPkgInfo {
  if (a === 0n) {
    return {
      fCapabilities: 0,
      wVersion: 0,
      wRPCID: 0,
      cbMaxToken: 0,
      Name: "",
      Comment: "",
    };
  }
  const s = readStruct(a, SEC_PKG_INFO_SIZE);
  const v = view(s);
  return {
    fCapabilities: v.getUint32(0, true),
    wVersion: v.getUint16(4, true),
    wRPCID: v.getUint16(6, true),
    cbMaxToken: v.getUint32(8, true),
    Name: readWString(v.getBigUint64(16, true)),
    Comment: readWString(v.getBigUint64(24, true)),
  };
}

/** Reads an array of `count` `SecPkgInfoW` starting at `a`. */
export function readPackageInfoArray(a: bigint, count: number): SecPkgInfo[] {
  const out: SecPkgInfo[] = [];
  for (let i = 0; i < count; i++) {
    out.push(readPackageInfo(a + BigInt(i * SEC_PKG_INFO_SIZE)));
  }
  return out;
}

/**
 * `EnumerateSecurityPackagesW` with checked out-parameters: the array is read, then
 * freed with `free` (`FreeContextBuffer`).
 */
export function enumeratePackages(
  sym: SspiSymbols,
  free: (a: bigint) => void,
  pcPackages: ULongOut,
  ppPackageInfo: AttributeOut<SecPkgInfo[]>,
): number {
  const arena = new Arena();
  const count = arena.bytes(4);
  const list = arena.bytes(8);
  const s = sym.EnumerateSecurityPackagesW(ptr(count), ptr(list)) >>> 0;
  if (s === SEC_E_OK) {
    const n = view(count).getUint32(0, true);
    const a = readAddr(list, 0);
    pcPackages.value = n;
    ppPackageInfo.value = readPackageInfoArray(a, n);
    free(a);
  }
  arena.release();
  return s;
}

/** `QuerySecurityPackageInfoW`: the structure is read, then freed with `free`. */
export function queryPackageInfo(
  sym: SspiSymbols,
  free: (a: bigint) => void,
  name: string,
  ppPackageInfo: AttributeOut<SecPkgInfo>,
): number {
  const arena = new Arena();
  const out = arena.bytes(8);
  const s = sym.QuerySecurityPackageInfoW(ptr(arena.wstr(name)), ptr(out)) >>>
    0;
  if (s === SEC_E_OK) {
    const a = readAddr(out, 0);
    ppPackageInfo.value = readPackageInfo(a);
    free(a);
  }
  arena.release();
  return s;
}
