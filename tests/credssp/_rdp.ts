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
} from "../../mod.ts";
import { asc } from "../schannel/_tls.ts";

/** How one NLA connection ended. */
export interface NlaOutcome {
  /** The last AcceptSecurityContext status. */
  status: number;
  /** The requested protocols of the client's X.224 request. */
  requested: number;
  /** The delegated user, domain and password (on success). */
  delegated?: { User: string; Domain: string; Password: string };
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
    if (cr.length >= 19 && cr[len - 8] === 0x01) {
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
          value?: { User: string; Domain: string; Password: string };
        } = {};
        QueryContextAttributes(
          ctx,
          SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
          out,
        );
        const v = out.value!;
        // Leave the connection to the client: RDP would go on with MCS here, and a
        // client in authentication-only mode hangs up by itself.
        await Promise.race([
          conn.read(chunk).catch(() => null),
          new Promise((r) => setTimeout(r, 3000)),
        ]);
        return {
          status: s.status,
          requested,
          delegated: { User: v.User, Domain: v.Domain, Password: v.Password },
        };
      }
      if (s.status !== SEC_I_CONTINUE_NEEDED) {
        return {
          status: s.status,
          requested,
          message: lastErrorDetail()?.message,
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
 * CredSSP (PROTOCOL_SSL | PROTOCOL_HYBRID) and returns the protocol the server
 * selected (2: HYBRID), or throws when it refused.
 */
export async function negotiateHybrid(conn: Deno.Conn): Promise<number> {
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
    0x00,
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
