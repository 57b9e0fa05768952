/**
 * The SESSION_SETUP legs of an SMB2 session (MS-SMB2 3.2.4.2.3, 3.2.5.3): the SSPI
 * package's tokens (SPNEGO by default, target `cifs/<host>`, through the async
 * ISC so Kerberos can reach its KDC) carried until the server says success, the
 * 3.1.1 pre-authentication hash carried along, and the package's last token
 * taken. A guest or anonymous session is refused (it has no key to sign with).
 *
 * @module
 */
import { client } from "../friendly/context.ts";
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_LOGON_DENIED } from "../sspi/status.ts";
import { malformed } from "./errors.ts";
import type { SmbSessionOptions } from "./options.ts";
import { preauthStep } from "./signing.ts";
import {
  readSessionSetup,
  type RequestHeader,
  type ResponseHeader,
  sessionSetupRequest,
} from "./wire.ts";

/** NTSTATUS: another leg follows. */
const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
/** Session setup legs the client goes along with. */
const MAX_LEGS = 8;

/** What a session setup settled. */
export interface SetupResult {
  /** The session id (the server's, or the one given). */
  sessionId: bigint;
  /** The SSPI session key (a copy for the caller to wipe). */
  sessionKey: Uint8Array;
  /** The last answer's `SessionFlags`. */
  sessionFlags: number;
  /** The last answer, whose signature the caller checks. */
  answer: Uint8Array;
  /** 3.1.1: the pre-authentication hash up to the last request (else null). */
  preauth: Uint8Array | null;
}

/**
 * Runs the legs through `send` (a SESSION_SETUP exchange that also takes
 * `STATUS_MORE_PROCESSING_REQUIRED`), with `options`' credentials, from the
 * session id `sessionId` (0 for a new session) and the pre-authentication hash
 * `preauth` (3.1.1's so far, else null). Malformed answers are
 * `SEC_E_INVALID_TOKEN` naming `where`.
 */
export async function setUpSession(
  send: (
    build: (h: RequestHeader) => Uint8Array,
    more: readonly number[],
  ) => Promise<[ResponseHeader, Uint8Array]>,
  where: string,
  options: SmbSessionOptions,
  sessionId: bigint,
  preauth: Uint8Array | null,
): Promise<SetupResult> {
  // try/finally, not `using`: Node 20 and the bundles do not have it.
  const ctx = client({
    ...options,
    package: options.package ?? "Negotiate",
    target: options.target ?? `cifs/${options.host}`,
  });
  try {
    let out = (await ctx.stepAsync(null)) ?? new Uint8Array(0);
    for (let leg = 0;; leg++) {
      if (leg === MAX_LEGS) throw malformed(where, "too many session legs");
      const token = out;
      const [h, m] = await send((rh) => {
        const req = sessionSetupRequest(rh, token);
        if (preauth) preauth = preauthStep(preauth, req);
        return req;
      }, [STATUS_MORE_PROCESSING_REQUIRED]);
      if (sessionId === 0n) sessionId = h.sessionId;
      const r = readSessionSetup(m);
      if (!r || h.sessionId !== sessionId || h.sessionId === 0n) {
        throw malformed(where, "malformed SESSION_SETUP");
      }
      if (h.status === STATUS_MORE_PROCESSING_REQUIRED) {
        if (preauth) preauth = preauthStep(preauth, m);
        const next = await ctx.stepAsync(r.token);
        if (!next || next.length === 0) {
          throw malformed(where, "asked for a token the package has not");
        }
        out = next;
        continue;
      }
      if (r.token.length > 0 || !ctx.complete) {
        const extra = await ctx.stepAsync(r.token);
        if ((extra && extra.length > 0) || !ctx.complete) {
          throw malformed(where, "ended the session setup too early");
        }
      }
      if (r.sessionFlags & 3) {
        throw new SspiError(
          SEC_E_LOGON_DENIED,
          `SMB server ${where} took the logon as a ${
            r.sessionFlags & 1 ? "guest" : "anonymous"
          } one`,
        );
      }
      return {
        sessionId,
        sessionKey: ctx.sessionKey,
        sessionFlags: r.sessionFlags,
        answer: m,
        preauth,
      };
    }
  } finally {
    ctx.dispose();
  }
}
