/**
 * The endpoint mapper (C706 appendix L, MS-RPCE 2.2.1.2): `ept_map` over TCP port 135
 * finds the dynamic TCP port a server listens on for an interface. Protocol towers
 * (C706 appendix L) name an endpoint as floors: interface, transfer syntax, RPC
 * protocol, TCP port and IP address.
 *
 * @module
 */
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_NO_AUTHENTICATING_AUTHORITY } from "../sspi/status.ts";
import { RpcClient, type RpcConnectOptions } from "./client.ts";
import {
  checkCount,
  decodeNdr,
  NdrReader,
  uuidFromBytes,
  uuidToBytes,
} from "./ndr.ts";
import { NdrWriter } from "./ndr_writer.ts";
import { NDR20_SYNTAX, type SyntaxId } from "./pdu.ts";

/** The endpoint mapper interface (`epmp`), v3.0. */
export const EPMAPPER_INTERFACE: SyntaxId = {
  uuid: "e1af8308-5d1f-11c9-91a4-08002b14a0fa",
  version: [3, 0],
};
/** `ept_map`'s opnum. */
export const EPT_MAP = 3;
/** `EPT_S_NOT_REGISTERED`: no endpoint is registered for the interface. */
export const EPT_S_NOT_REGISTERED = 0x16c9a0d6;

/** Tower floor protocol identifiers (C706 appendix I, MS-RPCE 2.2.1.2.3). */
const FLOOR_UUID = 0x0d;
const FLOOR_NCACN = 0x0b;
const FLOOR_TCP = 0x07;
const FLOOR_IP = 0x09;
/** Towers asked for at most. */
const MAX_TOWERS = 4;

/** What a tower says of an endpoint (the floors this module reads). */
export interface Tower {
  /** Floor 1: the interface. */
  iface: SyntaxId | null;
  /** Floor 2: the transfer syntax. */
  transferSyntax: SyntaxId | null;
  /** Floor 3's protocol id (0x0b: connection-oriented RPC), or null. */
  protocol: number | null;
  /** The TCP port (floor id 0x07), or null. */
  port: number | null;
  /** The IPv4 address (floor id 0x09), dotted, or null. */
  ip: string | null;
}

function uuidFloor(s: SyntaxId): [Uint8Array, Uint8Array] {
  const lhs = new Uint8Array(19);
  lhs[0] = FLOOR_UUID;
  lhs.set(uuidToBytes(s.uuid), 1);
  new DataView(lhs.buffer, lhs.byteOffset, lhs.byteLength).setUint16(
    17,
    s.version[0],
    true,
  );
  return [lhs, Uint8Array.of(s.version[1] & 0xff, s.version[1] >>> 8)];
}

/**
 * The `ncacn_ip_tcp` tower of `iface` (NDR20): the floors the map is asked for, with
 * port 0 and address 0.0.0.0 as placeholders.
 */
export function encodeTower(
  iface: SyntaxId,
  port = 0,
  ip = "0.0.0.0",
): Uint8Array {
  const floors: [Uint8Array, Uint8Array][] = [
    uuidFloor(iface),
    uuidFloor(NDR20_SYNTAX),
    [Uint8Array.of(FLOOR_NCACN), Uint8Array.of(0, 0)],
    [Uint8Array.of(FLOOR_TCP), Uint8Array.of(port >>> 8, port & 0xff)],
    [Uint8Array.of(FLOOR_IP), Uint8Array.from(ip.split(".").map(Number))],
  ];
  const w = new NdrWriter().u16(floors.length);
  for (const [lhs, rhs] of floors) {
    w.bytes(Uint8Array.of(lhs.length, 0)).bytes(lhs);
    w.bytes(Uint8Array.of(rhs.length, 0)).bytes(rhs);
  }
  return w.finish();
}

/** Reads a tower's octets (bounds-checked: throws `NdrError`). */
export function decodeTower(r: NdrReader): Tower {
  const t: Tower = {
    iface: null,
    transferSyntax: null,
    protocol: null,
    port: null,
    ip: null,
  };
  const count = r.u16("tower floor count");
  checkCount(r, count, 4, "tower floor");
  for (let i = 0; i < count; i++) {
    const lhs = r.bytesOf(r.u16("floor lhs"), "floor lhs");
    const rhs = r.bytesOf(r.u16("floor rhs"), "floor rhs");
    if (lhs.length === 0) throw r.error("tower floor has no protocol id");
    if (lhs[0] === FLOOR_UUID && lhs.length === 19 && rhs.length === 2) {
      const s: SyntaxId = {
        uuid: uuidFromBytes(lhs.subarray(1, 17)),
        version: [lhs[17] | (lhs[18] << 8), rhs[0] | (rhs[1] << 8)],
      };
      if (i === 0) t.iface = s;
      else if (i === 1) t.transferSyntax = s;
    } else if (i === 2) {
      t.protocol = lhs[0];
    } else if (lhs[0] === FLOOR_TCP && rhs.length === 2) {
      t.port = (rhs[0] << 8) | rhs[1];
    } else if (lhs[0] === FLOOR_IP && rhs.length === 4) {
      t.ip = rhs.join(".");
    }
  }
  return t;
}

/** The `ept_map` request stub: nil object, the tower, a null handle, MAX_TOWERS. */
function mapRequest(iface: SyntaxId): Uint8Array {
  const w = new NdrWriter();
  w.pointer(() => w.bytes(new Uint8Array(16))); // object: the nil UUID
  const tower = encodeTower(iface);
  w.pointer(() => w.u32(tower.length).u32(tower.length).bytes(tower));
  w.u32(0).bytes(new Uint8Array(16)); // entry_handle: a null context handle
  w.u32(MAX_TOWERS);
  return w.finish();
}

/** The towers and status of an `ept_map` response. */
function mapResponse(r: NdrReader): { towers: Tower[]; status: number } {
  r.take(20, "entry_handle");
  r.u32("num_towers");
  const max = r.u32("towers");
  const offset = r.u32("towers");
  const actual = r.u32("towers");
  if (offset !== 0 || actual > max) {
    throw r.error("towers array bounds are inconsistent");
  }
  checkCount(r, actual, 4, "towers");
  const pointers: number[] = [];
  for (let i = 0; i < actual; i++) pointers.push(r.u32("tower pointer"));
  const towers: Tower[] = [];
  for (const p of pointers) {
    if (p === 0) continue;
    r.align(4);
    const size = r.u32("tower");
    const length = r.u32("tower_length");
    if (size !== length) throw r.error("tower length does not match its size");
    const octets = r.bytesOf(length, "tower_octet_string");
    towers.push(decodeTower(new NdrReader(octets, 0, length, r.label)));
  }
  r.align(4);
  return { towers, status: r.u32("status") };
}

/** What {@linkcode mapEndpoint} may be told. */
export type MapEndpointOptions =
  & Pick<
    RpcConnectOptions,
    "timeoutMs" | "connect"
  >
  & {
    /** The endpoint mapper's port (default 135). */
    port?: number;
  };

/**
 * Asks the endpoint mapper on `host` (TCP 135) for the TCP port of `iface`.
 * Unreachable mappers and unregistered interfaces are
 * `SspiError(SEC_E_NO_AUTHENTICATING_AUTHORITY)`; a malformed answer is
 * `SEC_E_INVALID_TOKEN`.
 *
 * @example
 * ```ts ignore
 * import { mapEndpoint } from "./epmapper.ts";
 * const netlogon = {
 *   uuid: "12345678-1234-abcd-ef00-01234567cffb",
 *   version: [1, 0] as const,
 * };
 * const port = await mapEndpoint("dc1.example.com", netlogon); // e.g. 49152
 * ```
 */
export async function mapEndpoint(
  host: string,
  iface: SyntaxId,
  options: MapEndpointOptions = {},
): Promise<number> {
  const rpc = await RpcClient.connect({
    host,
    port: options.port ?? 135,
    iface: EPMAPPER_INTERFACE,
    timeoutMs: options.timeoutMs,
    connect: options.connect,
  });
  let reply: Uint8Array;
  try {
    reply = await rpc.call(EPT_MAP, mapRequest(iface));
  } finally {
    rpc.close();
  }
  const { towers, status } = decodeNdr(reply, mapResponse, "ept_map");
  const name = `${iface.uuid} v${iface.version.join(".")}`;
  const tower = towers.find((t) =>
    t.iface?.uuid === iface.uuid.toLowerCase() &&
    t.iface.version[0] === iface.version[0] &&
    t.protocol === FLOOR_NCACN && t.port
  );
  if (status !== 0 || !tower) {
    throw new SspiError(
      SEC_E_NO_AUTHENTICATING_AUTHORITY,
      `the endpoint mapper on ${host} has no TCP endpoint for ${name} (status 0x${
        status.toString(16)
      })`,
    );
  }
  return tower.port!;
}
