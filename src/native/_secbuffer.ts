/**
 * `SecBufferDesc`/`SecBuffer` marshalling. A descriptor is `{ ulVersion u32, cBuffers u32,
 * pBuffers* }` (16 bytes) over an array of `{ cbBuffer u32, BufferType u32, pvBuffer* }`
 * (16 bytes each). Each caller buffer is copied into its own native block; after the call
 * the results are copied back the way the portable provider writes them: `cbBuffer` and
 * `BufferType` updated, bytes written into the caller's `pvBuffer` in place, and memory
 * the library allocated (`*_ALLOCATE_MEMORY`) copied into a new `Uint8Array` and released
 * with `FreeContextBuffer`.
 *
 * @module
 */
import { SecBuffer, SecBufferDesc } from "../sspi/buffers.ts";
import { SECBUFFER_READONLY, SECBUFFER_VERSION } from "../sspi/flags.ts";
import {
  addr,
  type Arena,
  ptr,
  readAddr,
  readBytes,
  view,
  writeAddr,
} from "./_memory.ts";

/** Size of a `SecBuffer` and of a `SecBufferDesc` on 64-bit targets. */
export const SEC_BUFFER_SIZE = 16;

/** What an output buffer without `pvBuffer` gets when the caller asked for allocation. */
export interface AllocatePolicy {
  /** True when the caller passed `ISC_REQ_ALLOCATE_MEMORY`/`ASC_REQ_ALLOCATE_MEMORY`. */
  allocate: boolean;
  /**
   * Bytes of scratch to hand a library that ignores the flag (WinPR writes into the
   * caller's buffer and fails on an empty one); 0 lets the library allocate (secur32).
   */
  scratch: number;
}

/** A descriptor marshalled for one call. */
export interface MarshalledDesc {
  /** The caller's descriptor. */
  desc: SecBufferDesc;
  /** The native `SecBufferDesc`. */
  native: Uint8Array;
  /** The native `SecBuffer` array. */
  array: Uint8Array;
  /** Per buffer: the native block passed as `pvBuffer` (null when none). */
  blocks: (Uint8Array | null)[];
  /** Per buffer: the address of that block (0n for none). */
  addrs: bigint[];
  /** Per buffer: the caller's original bytes. */
  originals: (Uint8Array | null)[];
  /** Per buffer: true when the block is scratch standing in for an allocation. */
  scratch: boolean[];
  /** Allocation requested for this descriptor. */
  allocate: boolean;
}

/** Marshals a caller descriptor (null stays null). */
export function descIn(
  arena: Arena,
  desc: SecBufferDesc | null | undefined,
  policy: AllocatePolicy = { allocate: false, scratch: 0 },
): MarshalledDesc | null {
  if (desc === null || desc === undefined) return null;
  if (!(desc instanceof SecBufferDesc)) {
    throw new TypeError("expected a SecBufferDesc");
  }
  const n = desc.pBuffers.length;
  const array = arena.bytes(SEC_BUFFER_SIZE * n);
  const av = view(array);
  const m: MarshalledDesc = {
    desc,
    native: arena.bytes(16),
    array,
    blocks: [],
    addrs: [],
    originals: [],
    scratch: [],
    allocate: policy.allocate,
  };
  for (let i = 0; i < n; i++) {
    const b: SecBuffer = desc.pBuffers[i];
    let block: Uint8Array | null = null;
    let cb = b.cbBuffer >>> 0;
    let isScratch = false;
    if (b.pvBuffer) {
      block = arena.copy(b.pvBuffer);
      cb = Math.min(cb, b.pvBuffer.length);
    } else if (policy.allocate && policy.scratch > 0) {
      block = arena.bytes(policy.scratch);
      cb = policy.scratch;
      isScratch = true;
    } else if (policy.allocate) {
      cb = 0;
    }
    const o = i * SEC_BUFFER_SIZE;
    av.setUint32(o, cb, true);
    av.setUint32(o + 4, b.BufferType >>> 0, true);
    const a = addr(ptr(block));
    writeAddr(array, o + 8, a);
    m.blocks.push(block);
    m.addrs.push(a);
    m.originals.push(b.pvBuffer);
    m.scratch.push(isScratch);
  }
  const dv = view(m.native);
  dv.setUint32(0, desc.ulVersion ?? SECBUFFER_VERSION, true);
  dv.setUint32(4, n, true);
  writeAddr(m.native, 8, addr(ptr(array)));
  return m;
}

/**
 * Which block (and offset in it) an address falls in, if any. Blocks of one arena can
 * touch, so an address inside a block wins over the end of the one before it.
 */
function locate(m: MarshalledDesc, a: bigint): [number, number] | null {
  let atEnd: [number, number] | null = null;
  for (let j = 0; j < m.blocks.length; j++) {
    const b = m.blocks[j];
    if (!b) continue;
    const start = m.addrs[j];
    const end = start + BigInt(b.length);
    if (a >= start && a < end) return [j, Number(a - start)];
    if (a === end) atEnd ??= [j, b.length];
  }
  return atEnd;
}

/**
 * The buffers whose length, as the library wrote it, runs past the marshalled block
 * their pointer falls in (WinPR's Schannel `DecryptMessage` returns `SEC_E_OK` with
 * `cbBuffer = (ULONG)-1` when OpenSSL's `SSL_read` fails or wants more bytes). Buffers
 * pointing at library memory are not checked (their size is the library's).
 */
export function overrunBuffers(m: MarshalledDesc | null): number[] {
  if (!m) return [];
  const av = view(m.array);
  const bad: number[] = [];
  for (let i = 0; i < m.blocks.length; i++) {
    const o = i * SEC_BUFFER_SIZE;
    const a = readAddr(m.array, o + 8);
    if (a === 0n) continue;
    const at = locate(m, a);
    if (!at) continue;
    const [j, off] = at;
    if (av.getUint32(o, true) > m.blocks[j]!.length - off) bad.push(i);
  }
  return bad;
}

/**
 * Copies the library's results back into the caller's descriptor. `free` releases memory
 * the library allocated for this call (`FreeContextBuffer`).
 */
export function descOut(
  m: MarshalledDesc | null,
  free: (a: bigint) => void,
): void {
  if (!m) return;
  const av = view(m.array);
  const n = m.blocks.length;
  const results: { cb: number; type: number; a: bigint }[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * SEC_BUFFER_SIZE;
    results.push({
      cb: av.getUint32(o, true),
      type: av.getUint32(o + 4, true),
      a: readAddr(m.array, o + 8),
    });
  }
  // First the bytes of buffers that still point at their own block (in place).
  for (let i = 0; i < n; i++) {
    const r = results[i];
    const block = m.blocks[i];
    const orig = m.originals[i];
    if (!block || r.a !== m.addrs[i] || m.scratch[i]) continue;
    if (orig && !(r.type & SECBUFFER_READONLY)) {
      orig.set(block.subarray(0, orig.length));
    }
  }
  // Then every buffer's type, length and where its bytes are.
  for (let i = 0; i < n; i++) {
    const r = results[i];
    const b = m.desc.pBuffers[i];
    const block = m.blocks[i];
    b.BufferType = r.type >>> 0;
    if (r.a === 0n) {
      b.cbBuffer = r.cb;
      if (m.scratch[i]) b.pvBuffer = null;
      continue;
    }
    if (block && r.a === m.addrs[i]) {
      const cb = Math.min(r.cb, block.length);
      b.cbBuffer = cb;
      if (m.scratch[i]) b.pvBuffer = cb ? block.slice(0, cb) : null;
      continue;
    }
    const at = locate(m, r.a);
    if (at) {
      // The library pointed this buffer into another one (SECBUFFER_EXTRA, a stream
      // cipher's data inside the message): show the same bytes of the caller's array.
      const [j, off] = at;
      const src = m.originals[j] ?? m.desc.pBuffers[j].pvBuffer;
      const len = Math.min(r.cb, (m.blocks[j]!.length) - off);
      b.pvBuffer = src
        ? src.subarray(off, off + len)
        : m.blocks[j]!.slice(off, off + len);
      b.cbBuffer = len;
      continue;
    }
    // Memory the library allocated: copy it out, then give it back.
    b.pvBuffer = readBytes(r.a, r.cb);
    b.cbBuffer = r.cb;
    if (m.allocate) free(r.a);
  }
}

/**
 * Marshals one caller `SecBuffer` (a packed context for `ImportSecurityContextW`): its
 * bytes copied into the arena, the native `SecBuffer` returned.
 */
export function secBufferIn(
  arena: Arena,
  b: SecBuffer | null | undefined,
): Uint8Array {
  const bytes = b?.pvBuffer ?? new Uint8Array(0);
  const data = arena.copy(bytes);
  const sb = arena.bytes(SEC_BUFFER_SIZE);
  const v = view(sb);
  v.setUint32(0, Math.min(b?.cbBuffer ?? 0, bytes.length), true);
  v.setUint32(4, b?.BufferType ?? 0, true);
  v.setBigUint64(8, addr(ptr(data)), true);
  return sb;
}

/**
 * Reads a native `SecBuffer` the library filled (`ExportSecurityContext`): its bytes
 * copied into a new `SecBuffer`, the library's block released with `free`.
 */
export function secBufferOut(
  sb: Uint8Array,
  free: (a: bigint) => void,
): SecBuffer {
  const v = view(sb);
  const a = readAddr(sb, 8);
  const out = new SecBuffer(
    v.getUint32(4, true),
    readBytes(a, v.getUint32(0, true)),
  );
  free(a);
  return out;
}

/**
 * `descOut` for messages the library decrypted or verified: buffers whose length runs
 * past the caller's bytes (`overrunBuffers`) get `cbBuffer` 0, so ciphertext is never
 * shown as data. True when there were any (the call failed, whatever it returned).
 */
export function descOutChecked(
  m: MarshalledDesc,
  free: (a: bigint) => void,
): boolean {
  const overrun = overrunBuffers(m);
  descOut(m, free);
  for (const i of overrun) m.desc.pBuffers[i].cbBuffer = 0;
  return overrun.length > 0;
}
