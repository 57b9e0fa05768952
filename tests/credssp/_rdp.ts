/**
 * A minimal RDP listener for CredSSP interop: answers the X.224 Connection Request
 * with PROTOCOL_HYBRID selected (MS-RDPBCGR 2.2.1.2), then runs our CREDSSP server
 * (TLS records in and out through AcceptSecurityContext) until it completes or fails.
 */
import {
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  lastErrorDetail,
  QueryContextAttributes,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
  SECPKG_ATTR_NAMES,
} from "../../mod.ts";
import { asc } from "../schannel/_tls.ts";

/** How one NLA connection ended. */
export interface NlaOutcome {
  /** The last AcceptSecurityContext status. */
  status: number;
  /** The requested protocols of the client's X.224 request. */
  requested: number;
  /** The flags of its RDP_NEG_REQ (0x01: RESTRICTED_ADMIN_MODE_REQUIRED). */
  negFlags: number;
  /** The delegated user, domain and password (on success). */
  delegated?: {
    User: string;
    Domain: string;
    Password: string;
    RestrictedAdmin: boolean;
  };
  /** The logged-on identity (`SECPKG_ATTR_NAMES` of the context, on success). */
  names?: string;
  /** Whether the server handed back a token with its failure (the errorCode TSRequest). */
  failureToken?: boolean;
  /** Why it failed. */
  message?: string;
}

async function readAtLeast(
  conn: Deno.Conn,
  have: Uint8Array,
  n: number,
): Promise<Uint8Array> {
  let buf = have;
  const chunk = new Uint8Array(32768);
  while (buf.length < n) {
    const r = await conn.read(chunk);
    if (r === null) throw new Error("closed");
    const b = new Uint8Array(buf.length + r);
    b.set(buf);
    b.set(chunk.subarray(0, r), buf.length);
    buf = b;
  }
  return buf;
}

/** Waits for the client to send more or hang up, at most 3 s (no timer left behind). */
async function hangUpOrWait(conn: Deno.Conn, chunk: Uint8Array): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    conn.read(chunk).catch(() => null),
    new Promise((r) => timer = setTimeout(r, 3000)),
  ]);
  clearTimeout(timer);
}

/** Serves one RDP client on `listener` up to the end of CredSSP. */
export async function serveNlaOnce(
  listener: Deno.Listener,
  cred: CredHandle,
): Promise<NlaOutcome> {
  const conn = await listener.accept();
  const ctx = new CtxtHandle();
  try {
    // TPKT header, then the X.224 Connection Request with its RDP_NEG_REQ.
    let buf = await readAtLeast(conn, new Uint8Array(0), 4);
    const len = (buf[2] << 8) | buf[3];
    buf = await readAtLeast(conn, buf, len);
    const cr = buf.subarray(0, len);
    let requested = 0;
    let negFlags = 0;
    if (cr.length >= 19 && cr[len - 8] === 0x01) {
      negFlags = cr[len - 7];
      requested = cr[len - 4] | (cr[len - 3] << 8) | (cr[len - 2] << 16) |
        (cr[len - 1] << 24);
    }
    await conn.write(Uint8Array.of(
      0x03,
      0x00,
      0x00,
      0x13, // TPKT, 19 bytes
      0x0e,
      0xd0,
      0x00,
      0x00,
      0x12,
      0x34,
      0x00, // X.224 Connection Confirm
      0x02,
      0x00,
      0x08,
      0x00,
      0x02,
      0x00,
      0x00,
      0x00, // RDP_NEG_RSP: PROTOCOL_HYBRID
    ));
    buf = buf.slice(len);
    let first = true;
    const chunk = new Uint8Array(32768);
    for (;;) {
      if (!buf.length) {
        const r = await conn.read(chunk);
        if (r === null) {
          return {
            status: -1,
            requested,
            negFlags,
            message: "the client closed the connection",
          };
        }
        buf = chunk.slice(0, r);
      }
      const s = asc(cred, ctx, first, buf);
      if (s.status === SEC_E_INCOMPLETE_MESSAGE) {
        const r = await conn.read(chunk);
        if (r === null) {
          return {
            status: -1,
            requested,
            negFlags,
            message: "the client closed the connection",
          };
        }
        const b = new Uint8Array(buf.length + r);
        b.set(buf);
        b.set(chunk.subarray(0, r), buf.length);
        buf = b;
        continue;
      }
      first = false;
      if (s.token) await conn.write(s.token);
      buf = s.extra ? buf.slice(buf.length - s.extra) : new Uint8Array(0);
      if (s.status === SEC_E_OK) {
        const out: {
          value?: NonNullable<NlaOutcome["delegated"]>;
        } = {};
        QueryContextAttributes(
          ctx,
          SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
          out,
        );
        const v = out.value!;
        const names: { value?: { sUserName: string } } = {};
        QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, names);
        // Leave the connection to the client: RDP would go on with MCS here, and a
        // client in authentication-only mode hangs up by itself.
        await hangUpOrWait(conn, chunk);
        return {
          status: s.status,
          requested,
          negFlags,
          delegated: {
            User: v.User,
            Domain: v.Domain,
            Password: v.Password,
            RestrictedAdmin: v.RestrictedAdmin,
          },
          names: names.value?.sUserName,
        };
      }
      if (s.status !== SEC_I_CONTINUE_NEEDED) {
        const message = lastErrorDetail()?.message;
        // Leave the client time to read the errorCode before the connection closes.
        if (s.token) {
          await hangUpOrWait(conn, chunk);
        }
        return {
          status: s.status,
          requested,
          negFlags,
          message,
          failureToken: s.token !== null,
        };
      }
    }
  } finally {
    DeleteSecurityContext(ctx);
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

/**
 * The client side of the X.224 negotiation (MS-RDPBCGR 2.2.1.1): asks for TLS or
 * CredSSP (PROTOCOL_SSL | PROTOCOL_HYBRID), with `negFlags` in its RDP_NEG_REQ
 * (0x01: RESTRICTED_ADMIN_MODE_REQUIRED), and returns the protocol the server
 * selected (2: HYBRID), or throws when it refused.
 */
export async function negotiateHybrid(
  conn: Deno.Conn,
  negFlags = 0,
): Promise<number> {
  await conn.write(Uint8Array.of(
    0x03,
    0x00,
    0x00,
    0x13, // TPKT, 19 bytes
    0x0e,
    0xe0,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00, // X.224 Connection Request
    0x01,
    negFlags, // 0x01: RESTRICTED_ADMIN_MODE_REQUIRED
    0x08,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00, // RDP_NEG_REQ: SSL | HYBRID
  ));
  let buf = await readAtLeast(conn, new Uint8Array(0), 4);
  const len = (buf[2] << 8) | buf[3];
  buf = await readAtLeast(conn, buf, len);
  const cc = buf.subarray(0, len);
  if (cc.length < 19 || cc[5] !== 0xd0) {
    throw new Error("no X.224 Connection Confirm");
  }
  const type = cc[11];
  const value = cc[15] | (cc[16] << 8) | (cc[17] << 16) | (cc[18] << 24);
  if (type !== 0x02) {
    throw new Error(
      `the server refused the negotiation (failure code ${value})`,
    );
  }
  return value;
}

/** Serves one connection of the client `client(port)` starts, with our CREDSSP server credential `cred`. */
export async function serveClient(
  cred: CredHandle,
  client: (port: number) => Promise<Deno.CommandOutput>,
): Promise<{ outcome: NlaOutcome; out: Deno.CommandOutput }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const served = serveNlaOnce(listener, cred);
    const out = await client((listener.addr as Deno.NetAddr).port);
    return { outcome: await served, out };
  } finally {
    listener.close();
  }
}
