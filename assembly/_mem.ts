// Fixed static memory regions. The program never allocates: every buffer it
// touches is one of these regions, so linear memory has a fixed size for the
// lifetime of the instance.

/** Size of the input/output scratch region; JS feeds larger inputs in chunks. */
export const SCRATCH_SIZE: i32 = 65536;
/** Input/output scratch region (hash input, cipher data transformed in place). */
export const SCRATCH: usize = memory.data(65536, 16);
/** Streaming state region: JS copies a context's state in before a call and out after. */
export const STATE: usize = memory.data(512, 16);
/** Key region (HMAC key <= block size, RC4 key <= 256 bytes, DES key). Wiped after use. */
export const KEY: usize = memory.data(256, 16);
/** Output region (digests, MACs). */
export const OUT: usize = memory.data(64, 16);
/** Internal temporary state used by one-shot calls. Wiped after keyed use. */
export const TMP: usize = memory.data(512, 16);
/** Internal temporary block (HMAC pads, inner digest). Wiped after use. */
export const PAD: usize = memory.data(128, 16);
