/**
 * An in-memory SMB 2.1 server for the client's edge paths, reached through a
 * connector (no socket): it negotiates 2.1, sets the session up with this
 * project's NTLM acceptor (raw NTLMSSP), signs its answers with the session key,
 * (again on a re-authentication, its key kept), and answers TREE_CONNECT, CREATE,
 * READ, WRITE and a pipe's IOCTL (transceive), or lets a test's `answer` hook
 * replace an answer with what a misbehaving server would send: interim answers,
 * oplock breaks, no credits, other commands, compounded or unsigned answers,
 * oversized frames, silence.
 *
 * @module
 */
import { server } from "../../src/friendly/context.ts";
import { hmacSha256 } from "../../src/crypto/mod.ts";
import type { RpcConnector } from "../../src/rpc/stream.ts";

/** The user the fake server knows. */
export const FAKE_USER = {
  User: "alice",
  Domain: "EXAMPLE",
  Password: "Fake!Pw1",
};

/** A response: command, status, body; flags and credits when not the usual. */
export interface FakeAnswer {
  command: number;
  status?: number;
  body: Uint8Array;
  /** Extra header flags (2 async); SERVER_TO_REDIR is always set. */
  flags?: number;
  credits?: number;
  messageId?: bigint;
  nextCommand?: number;
  /** Leave it unsigned after the session setup. */
  unsigned?: boolean;
}

/**
 * What the server sends for `req` (a whole request message): the usual answers
 * (`usual`), or others. Returning [] sends nothing (a silent server).
 */
export type AnswerHook = (
  req: Uint8Array,
  usual: FakeAnswer[],
) => (FakeAnswer | Uint8Array)[];

const le16 = (m: Uint8Array, o: number) => m[o] | (m[o + 1] << 8);
const body = (size: number, fill: (v: DataView, b: Uint8Array) => void) => {
  const b = new Uint8Array(size);
  fill(new DataView(b.buffer), b);
  return b;
};

/** The fake server's connector, and what it saw. */
export function fakeSmbServer(answer?: AnswerHook): {
  connect: RpcConnector;
  requests: Uint8Array[];
} {
  const requests: Uint8Array[] = [];
  const connect: RpcConnector = () => {
    let ntlm = server({ authData: { users: [FAKE_USER] } });
    let key: Uint8Array | null = null;
    let pending = new Uint8Array(0);
    let waiting: (() => void) | null = null;
    let closed = false;
    let inbuf = new Uint8Array(0);
    const send = (m: Uint8Array) => {
      const f = new Uint8Array(pending.length + 4 + m.length);
      f.set(pending);
      new DataView(f.buffer).setUint32(pending.length, m.length);
      f.set(m, pending.length + 4);
      pending = f;
      waiting?.();
    };
    const build = (req: Uint8Array, a: FakeAnswer): Uint8Array => {
      const m = new Uint8Array(64 + a.body.length);
      const v = new DataView(m.buffer);
      v.setUint32(0, 0xfe534d42);
      v.setUint16(4, 64, true);
      v.setUint32(8, a.status ?? 0, true);
      v.setUint16(12, a.command, true);
      v.setUint16(14, a.credits ?? 16, true);
      v.setUint32(16, 1 | (a.flags ?? 0), true);
      v.setUint32(20, a.nextCommand ?? 0, true);
      m.set(req.subarray(24, 32), 24); // MessageId
      if (a.messageId !== undefined) v.setBigUint64(24, a.messageId, true);
      m.set(req.subarray(36, 48), 36); // TreeId, SessionId
      if (a.command === 1) v.setBigUint64(40, 0x1122n, true);
      if (a.command === 3) v.setUint32(36, 7, true);
      m.set(a.body, 64);
      if (key && !a.unsigned) {
        m[16] |= 8;
        m.set(hmacSha256(key, m).subarray(0, 16), 48);
      }
      return m;
    };
    const usualFor = (req: Uint8Array): FakeAnswer[] => {
      const command = le16(req, 12);
      switch (command) {
        case 0: // NEGOTIATE: 2.1, signing required, large MTU off
          return [{
            command,
            body: body(65, (v) => {
              v.setUint16(0, 65, true);
              v.setUint16(2, 3, true);
              v.setUint16(4, 0x210, true);
              v.setUint32(28, 65536, true);
              v.setUint32(32, 65536, true);
              v.setUint32(36, 65536, true);
              v.setUint16(56, 128, true);
            }),
          }];
        case 1: { // SESSION_SETUP through our NTLM acceptor
          const at = le16(req, 64 + 12);
          const token = req.slice(at, at + le16(req, 64 + 14));
          // A re-authentication: a new acceptor, the session's key kept.
          if (ntlm.complete) {
            ntlm = server({ authData: { users: [FAKE_USER] } });
          }
          let out: Uint8Array;
          try {
            out = ntlm.step(token) ?? new Uint8Array(0);
          } catch {
            // A refused logon: STATUS_LOGON_FAILURE and an error body.
            return [{
              command,
              status: 0xc000006d,
              body: body(9, (v) => v.setUint16(0, 9, true)),
            }];
          }
          const done = ntlm.complete;
          if (done && !key) {
            key = new Uint8Array(16);
            key.set(ntlm.sessionKey.subarray(0, 16));
          }
          return [{
            command,
            status: done ? 0 : 0xc0000016,
            body: body(8 + out.length, (v, b) => {
              v.setUint16(0, 9, true);
              v.setUint16(4, 72, true);
              v.setUint16(6, out.length, true);
              b.set(out, 8);
            }),
          }];
        }
        case 3: // TREE_CONNECT: a pipe share
          return [{
            command,
            body: body(16, (v) => {
              v.setUint16(0, 16, true);
              v.setUint8(2, 2);
            }),
          }];
        case 5: // CREATE
          return [{
            command,
            body: body(88, (v, b) => {
              v.setUint16(0, 89, true);
              b.fill(0xab, 64, 80);
            }),
          }];
        case 8: // READ: "hello"
          return [{
            command,
            body: body(16 + 5, (v, b) => {
              v.setUint16(0, 17, true);
              v.setUint8(2, 80);
              v.setUint32(4, 5, true);
              b.set(new TextEncoder().encode("hello"), 16);
            }),
          }];
        case 9: // WRITE: all of it
          return [{
            command,
            body: body(16, (v) => {
              v.setUint16(0, 17, true);
              v.setUint32(
                4,
                new DataView(req.buffer).getUint32(64 + 4, true),
                true,
              );
            }),
          }];
        case 11: // IOCTL (FSCTL_PIPE_TRANSCEIVE): "hello"
          return [{
            command,
            body: body(48 + 5, (v, b) => {
              v.setUint16(0, 49, true);
              v.setUint32(
                4,
                new DataView(req.buffer).getUint32(68, true),
                true,
              );
              v.setUint32(32, 112, true);
              v.setUint32(36, 5, true);
              b.set(new TextEncoder().encode("hello"), 48);
            }),
          }];
        default: // CLOSE, TREE_DISCONNECT, LOGOFF: an empty success
          return [{ command, body: body(4, (v) => v.setUint16(0, 4, true)) }];
      }
    };
    const onRequest = (req: Uint8Array) => {
      requests.push(req);
      const usual = usualFor(req);
      for (const a of answer ? answer(req, usual) : usual) {
        send(a instanceof Uint8Array ? a : build(req, a));
      }
    };
    return Promise.resolve({
      write(b: Uint8Array) {
        const all = new Uint8Array(inbuf.length + b.length);
        all.set(inbuf);
        all.set(b, inbuf.length);
        let at = 0;
        while (all.length - at >= 4) {
          const n = new DataView(all.buffer, at).getUint32(0);
          if (all.length - at < 4 + n) break;
          onRequest(all.slice(at + 4, at + 4 + n));
          at += 4 + n;
        }
        inbuf = all.slice(at);
        return Promise.resolve(b.length);
      },
      async read(b: Uint8Array) {
        while (pending.length === 0) {
          if (closed) return null;
          await new Promise<void>((r) => waiting = r);
          waiting = null;
        }
        const n = Math.min(b.length, pending.length);
        b.set(pending.subarray(0, n));
        pending = pending.slice(n);
        return n;
      },
      close() {
        closed = true;
        waiting?.();
        ntlm.dispose();
      },
    });
  };
  return { connect, requests };
}
