/**
 * Mutations of TLS flights and records for the Schannel property tests
 * (`fuzz_test.ts`, `tls10_fuzz_test.ts`), and what they may and may not change.
 *
 * @module
 */
import { statusName } from "../../mod.ts";

/** A mutated input: `changed` lists the positions changed in place (null: resized). */
export type Mutation = { bytes: Uint8Array; changed: number[] | null };

/** One random mutation of `b`. */
export function mutate(b: Uint8Array, r: (n: number) => number): Mutation {
  const out = b.slice();
  switch (r(7)) {
    case 0: {
      const i = r(out.length);
      out[i] ^= 1 << r(8);
      return { bytes: out, changed: [i] };
    }
    case 1: {
      const changed: number[] = [];
      for (let k = 0, n = 1 + r(8); k < n; k++) {
        const i = r(out.length);
        out[i] = r(256);
        changed.push(i);
      }
      return { bytes: out, changed };
    }
    case 2:
      return { bytes: out.slice(0, r(out.length)), changed: null };
    case 3: {
      const i = r(out.length + 1);
      const ins = crypto.getRandomValues(new Uint8Array(1 + r(40)));
      const res = new Uint8Array(out.length + ins.length);
      res.set(out.subarray(0, i));
      res.set(ins, i);
      res.set(out.subarray(i), i + ins.length);
      return { bytes: res, changed: null };
    }
    case 4: {
      const i = r(out.length);
      const n = 1 + r(Math.min(64, out.length - i));
      const res = new Uint8Array(out.length - n);
      res.set(out.subarray(0, i));
      res.set(out.subarray(i + n), i);
      return { bytes: res, changed: null };
    }
    case 5: {
      // A length field: the 2-byte record length or a 3-byte handshake length.
      const at = r(2) ? 3 : 6;
      if (at + 1 >= out.length) return { bytes: out, changed: [] };
      out[at] = r(256);
      out[at + 1] = r(256);
      return { bytes: out, changed: [at, at + 1] };
    }
    default: {
      const i = r(out.length);
      out[i] = [0, 0xff, 0x7f, 0x80][r(4)];
      return { bytes: out, changed: [i] };
    }
  }
}

/** Offsets of the version bytes of plaintext records (handshake, ChangeCipherSpec): not authenticated. */
function plainVersionBytes(b: Uint8Array): Set<number> {
  const out = new Set<number>();
  for (let at = 0; at + 5 <= b.length;) {
    if (b[at] === 22 || b[at] === 20) {
      out.add(at + 1);
      out.add(at + 2);
    }
    at += 5 + ((b[at + 3] << 8) | b[at + 4]);
  }
  return out;
}

/**
 * True when the authenticated bytes are unchanged: nothing changed, only the version
 * bytes of plaintext record headers, or bytes appended after the original (the next
 * record's, which the handshake leaves as SECBUFFER_EXTRA).
 */
export function harmless(m: Mutation, original: Uint8Array): boolean {
  if (!m.changed) {
    return m.bytes.length >= original.length &&
      original.every((v, i) => v === m.bytes[i]);
  }
  const free = plainVersionBytes(original);
  return m.changed.every((i) => m.bytes[i] === original[i] || free.has(i));
}

/** A status with a name (not a stray number). */
export function known(status: number): boolean {
  return !statusName(status).startsWith("0x");
}
