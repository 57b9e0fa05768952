/**
 * An in-memory DCE/RPC peer for the client tests: a stream that hands each whole PDU
 * the client writes to a handler and queues the handler's answer for reading, in
 * small pieces (so partial reads and writes are exercised), and a toy `RpcAuth`.
 *
 * @module
 */
import type { RpcAuth } from "../../src/rpc/auth.ts";
import type { RpcConnector, RpcStream } from "../../src/rpc/stream.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
} from "../../src/sspi/status.ts";

/** What the handler does with one PDU: answer with PDUs, stay silent, or hang up. */
export type Answer = Uint8Array[] | "close";

/** A stream whose far end is `handler`. */
export class FakeStream implements RpcStream {
  /** Every PDU the client wrote, whole. */
  readonly written: Uint8Array[] = [];
  #in = new Uint8Array(0);
  #out: Uint8Array[] = [];
  #closed = false;
  #wake: (() => void) | null = null;

  /** A stream answering through `handler`, reading and writing at most `piece` bytes. */
  constructor(
    readonly handler: (pdu: Uint8Array) => Answer,
    readonly piece = 7,
  ) {}

  /** Writes up to `piece` bytes; hands complete PDUs to the handler. */
  write(b: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Error("closed"));
    const n = Math.min(b.length, this.piece);
    const all = new Uint8Array(this.#in.length + n);
    all.set(this.#in);
    all.set(b.subarray(0, n), this.#in.length);
    this.#in = all;
    while (this.#in.length >= 10) {
      const len = this.#in[8] | (this.#in[9] << 8);
      if (this.#in.length < len) break;
      const pdu = this.#in.slice(0, len);
      this.#in = this.#in.slice(len);
      this.written.push(pdu);
      const answer = this.handler(pdu);
      if (answer === "close") this.close();
      else this.#out.push(...answer);
      this.#notify();
    }
    return Promise.resolve(n);
  }

  /** Reads up to `piece` bytes of queued answers; waits when there are none. */
  async read(b: Uint8Array): Promise<number | null> {
    while (this.#out.length === 0) {
      if (this.#closed) return null;
      await new Promise<void>((r) => this.#wake = r);
    }
    const head = this.#out[0];
    const n = Math.min(head.length, b.length, this.piece);
    b.set(head.subarray(0, n));
    if (n === head.length) this.#out.shift();
    else this.#out[0] = head.subarray(n);
    return n;
  }

  /** Ends the stream; a pending read returns null. */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  /** Whether the client (or the handler) closed it. */
  get closed(): boolean {
    return this.#closed;
  }

  #notify() {
    this.#wake?.();
    this.#wake = null;
  }
}

/** A connector that opens `FakeStream`s on `handler`; `streams` lists them. */
export function fakeConnector(
  handler: (pdu: Uint8Array) => Answer,
): { connect: RpcConnector; streams: FakeStream[] } {
  const streams: FakeStream[] = [];
  return {
    streams,
    connect: () => {
      const s = new FakeStream(handler);
      streams.push(s);
      return Promise.resolve(s);
    },
  };
}

/** The toy provider's signature: a byte sum and XOR of the data, and a sequence. */
function toySignature(data: Uint8Array, seq: number): Uint8Array {
  const sig = new Uint8Array(12);
  let sum = 0;
  let x = 0;
  for (const b of data) {
    sum = (sum + b) >>> 0;
    x ^= b;
  }
  new DataView(sig.buffer).setUint32(0, sum, true);
  sig[4] = x;
  new DataView(sig.buffer).setUint32(8, seq, true);
  return sig;
}

/**
 * A toy `RpcAuth` (and the matching server side): "seals" by XOR with 0x5a at privacy
 * level, signs with a sum and a sequence number. Not security: it shows the client
 * hands the provider the right bytes in the right order.
 */
export class ToyAuth implements RpcAuth {
  readonly authType = 68;
  readonly signatureSize = 12;
  /** The token the server answered the bind with. */
  ackToken: Uint8Array | null = null;
  #sendSeq = 0;
  #recvSeq = 0;

  /** A provider at `authLevel` (5 integrity, 6 privacy). */
  constructor(readonly authLevel = 6) {}

  /** "BIND". */
  bindToken(): Uint8Array {
    return new TextEncoder().encode("BIND");
  }

  /** Accepts "ACK" only. */
  bindAck(token: Uint8Array): void {
    if (new TextDecoder().decode(token) !== "ACK") {
      throw new SspiError(SEC_E_LOGON_DENIED, "toy bind refused");
    }
    this.ackToken = token;
  }

  /** Signs, then seals in place. */
  protect(data: Uint8Array): Uint8Array {
    const sig = toySignature(data, this.#sendSeq++);
    if (this.authLevel === 6) {
      for (let i = 0; i < data.length; i++) data[i] ^= 0x5a;
    }
    return sig;
  }

  /** Unseals in place, then checks. */
  unprotect(data: Uint8Array, signature: Uint8Array): void {
    if (this.authLevel === 6) {
      for (let i = 0; i < data.length; i++) data[i] ^= 0x5a;
    }
    const want = toySignature(data, this.#recvSeq++);
    if (want.some((b, i) => b !== signature[i]) || signature.length !== 12) {
      throw new SspiError(SEC_E_MESSAGE_ALTERED, "toy signature mismatch");
    }
  }
}
