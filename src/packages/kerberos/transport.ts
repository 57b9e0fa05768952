/**
 * Talking to a KDC: Kerberos over TCP (RFC 4120 section 7.2.2: each message preceded
 * by its length as four big-endian bytes), with a timeout, trying each KDC of a realm
 * in turn. A transport is a plain async function, so a caller can bring another one
 * (MS-KKDCP over HTTPS, in `kkdcp.ts`; a Cloudflare socket; a test relay).
 *
 * @module
 */

import { connect, type Stream } from "../../net/tcp.ts";

/** Sends one KDC request and resolves with the KDC's reply message. */
export type KdcTransport = (
  realm: string,
  request: Uint8Array,
) => Promise<Uint8Array>;

/** No KDC of the realm could be reached or answered in time. */
export class KdcUnreachableError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KdcUnreachableError";
  }
}

/** The largest KDC reply accepted (replies carrying large PACs stay far below). */
export const MAX_KDC_REPLY = 1 << 20;

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port`; the default port is 88. */
export function parseKdcAddress(
  address: string,
): { hostname: string; port: number } {
  const a = address.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(a);
  if (v6) return { hostname: v6[1], port: v6[2] ? Number(v6[2]) : 88 };
  const colon = a.lastIndexOf(":");
  if (colon > 0 && a.indexOf(":") === colon) {
    const port = Number(a.slice(colon + 1));
    if (Number.isInteger(port) && port > 0 && port < 65536) {
      return { hostname: a.slice(0, colon), port };
    }
  }
  return { hostname: a, port: 88 };
}

/** The framed request: four big-endian length bytes, then the message. */
function frame(request: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + request.length);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(
    0,
    request.length,
  );
  out.set(request, 4);
  return out;
}

/** Reads exactly `n` bytes, or throws when the stream ends first. */
async function readExactly(s: Stream, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const got = await s.read(out.subarray(at));
    if (got === null) throw new Error("the KDC closed the connection early");
    at += got;
  }
  return out;
}

/**
 * One request/reply exchange with one server (4-byte length framing, RFC 4120
 * 7.2.2), bounded by `timeoutMs`. `request` may be built once connected, from the
 * local address (a kpasswd KRB-PRIV names its sender).
 */
export async function exchange(
  address: string,
  request: Uint8Array | ((localHost: string | null) => Uint8Array),
  timeoutMs: number,
): Promise<Uint8Array> {
  const { hostname, port } = parseKdcAddress(address);
  let stream: Stream | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(
      () => rej(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  const work = (async () => {
    const st = await connect(hostname, port);
    stream = st;
    const bytes = typeof request === "function"
      ? request(st.localAddr?.hostname ?? null)
      : request;
    await st.write(frame(bytes));
    const head = await readExactly(st, 4);
    const n = new DataView(head.buffer, head.byteOffset, head.byteLength)
      .getUint32(0);
    if (n > MAX_KDC_REPLY) {
      throw new Error(`a reply of ${n} bytes is too large`);
    }
    return await readExactly(st, n);
  })();
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    try {
      (stream as Stream | null)?.close();
    } catch { /* already closed */ }
    work.catch(() => {}); // settles after a timeout; nobody waits for it
  }
}

/** One way to send a request to one KDC: what `failoverTransport` tries in turn. */
export interface KdcExchanger {
  /** The KDC's address as configured (named in errors). */
  readonly address: string;
  /** One request/reply exchange; throws (any error) when this KDC fails. */
  send(realm: string, request: Uint8Array): Promise<Uint8Array>;
}

/** An exchanger over TCP to `address` (`host[:port]`), bounded by `timeoutMs`. */
export function tcpExchanger(address: string, timeoutMs: number): KdcExchanger {
  return {
    address,
    send: (_realm, request) => exchange(address, request, timeoutMs),
  };
}

/**
 * A transport trying `exchangers` in order until one answers; when all fail, a
 * `KdcUnreachableError` naming each address and why.
 *
 * @example
 * ```ts ignore
 * import { failoverTransport, tcpExchanger } from "./transport.ts";
 * const send = failoverTransport([tcpExchanger("kdc1.example.com", 5000)]);
 * ```
 */
export function failoverTransport(
  exchangers: readonly KdcExchanger[],
): KdcTransport {
  const list = [...exchangers];
  return async (realm, request) => {
    if (list.length === 0) {
      throw new KdcUnreachableError(`no KDC is known for realm ${realm}`);
    }
    const why: string[] = [];
    for (const x of list) {
      try {
        return await x.send(realm, request);
      } catch (e) {
        why.push(`${x.address}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    throw new KdcUnreachableError(
      `no KDC of realm ${realm} answered (${why.join("; ")})`,
    );
  };
}

/**
 * A transport over TCP to `kdcs` (tried in order until one answers), each exchange
 * bounded by `timeoutMs` (default 10 s). Needs `--allow-net` in Deno.
 *
 * @example
 * ```ts ignore
 * import { tcpTransport } from "./transport.ts";
 * const send = tcpTransport(["kdc.example.com:88"]);
 * // const reply = await send("EXAMPLE.COM", asReqBytes);
 * ```
 */
export function tcpTransport(
  kdcs: readonly string[],
  timeoutMs = 10_000,
): KdcTransport {
  return failoverTransport(kdcs.map((k) => tcpExchanger(k, timeoutMs)));
}
