/**
 * Our NTLM client and server paired, and the handshake the NTLM tests repeat.
 *
 * @module
 */
import assert from "node:assert/strict";
import { client, type SecurityContext, server, SspiError } from "../../mod.ts";

/** The one user the servers know. */
export const USERS = [{
  User: "alice",
  Domain: "EXAMPLE",
  Password: "S3cret!pw",
}];

/** Our client (alice) and our server, each with extra auth data. */
export function pair(
  password = "S3cret!pw",
  serverData: Record<string, unknown> = {},
  clientData: Record<string, unknown> = {},
) {
  const c = client({
    authData: {
      User: "alice",
      Domain: "EXAMPLE",
      Password: password,
      ...clientData,
    },
    target: "HTTP/web.example.com",
  });
  const s = server({ authData: { users: USERS, ...serverData } });
  return { c, s };
}

/** NEGOTIATE, CHALLENGE, AUTHENTICATE (optionally altered); the server completes. */
export function handshake(
  c: SecurityContext,
  s: SecurityContext,
  tamper?: (auth: Uint8Array) => void,
): void {
  const neg = c.step(null)!;
  const chal = s.step(neg)!;
  const auth = c.step(chal)!;
  tamper?.(auth);
  assert.equal(s.step(auth), null);
}

/** The status of the SspiError `f` throws. */
export function statusOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SspiError, String(e));
    return e.status;
  }
  throw new Error("expected an SspiError");
}
