// Shared helpers of the Negotiate tests.
import { client, server } from "../../mod.ts";
import type { SecurityContext } from "../../src/friendly/context.ts";

/** The user both sides know. */
export const USER = { User: "alice", Domain: "EXAMPLE", Password: "S3cret!pw" };

/** A Negotiate client and server (friendly layer). */
export function pair(
  opts: { password?: string; clientList?: string; serverList?: string } = {},
): { c: SecurityContext; s: SecurityContext } {
  const c = client({
    package: "Negotiate",
    authData: {
      User: USER.User,
      Domain: USER.Domain,
      Password: opts.password ?? USER.Password,
      ...(opts.clientList ? { PackageList: opts.clientList } : {}),
    },
    target: "HTTP/web.example.com",
  });
  const s = server({
    package: "Negotiate",
    authData: {
      users: [USER],
      ...(opts.serverList ? { PackageList: opts.serverList } : {}),
    },
  });
  return { c, s };
}

/** Runs the handshake; returns the tokens in order. */
export function run(c: SecurityContext, s: SecurityContext): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  let t: Uint8Array | null = c.step(null);
  for (let i = 0; i < 10 && t; i++) {
    tokens.push(t);
    t = s.step(t);
    if (!t) break;
    tokens.push(t);
    t = c.step(t);
  }
  return tokens;
}
