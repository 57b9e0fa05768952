/**
 * `SEC_I_INCOMPLETE_CREDENTIALS` on the client: how a handshake stops for the
 * caller's certificate and takes the same input again on the next call.
 *
 * Windows' contract: when the server asks for a client certificate (a
 * CertificateRequest) and the credential has none the server can take, and the
 * caller did not pass `ISC_REQ_USE_SUPPLIED_CREDS`, `InitializeSecurityContext`
 * returns `SEC_I_INCOMPLETE_CREDENTIALS`, consumes nothing (no `SECBUFFER_EXTRA`,
 * no token) and expects the same input on the next call, with either a credential
 * holding a certificate in `phCredential` (a new one, e.g. chosen from
 * `SECPKG_ATTR_ISSUER_LIST_EX`) or `ISC_REQ_USE_SUPPLIED_CREDS` to go on without
 * one (what curl does).
 *
 * How: the engine is not rewound nor snapshotted. The state machine runs the
 * server's flight to the point where our flight starts and pauses there
 * (`TlsEngine.paused`): in TLS 1.3 after the server's Finished has been checked
 * (the CertificateRequest is encrypted inside that flight, so the whole flight is
 * decrypted, its chain and signature checked, and the application secrets derived;
 * nothing of ours is sent), in TLS 1.2 after ServerHelloDone (the plaintext
 * CertificateRequest came before it; nothing of ours is sent). Both are key-change
 * boundaries: no partial handshake message is left. The bytes consumed by that
 * call (every record up to the one that paused) are kept here; the next call must
 * start with them: they are skipped, not read twice, our flight is made with the
 * certificate that call offers, and whatever follows them is read as usual.
 * Another input fails the call with `SEC_E_INVALID_TOKEN` (the context stays
 * paused and usable).
 *
 * @module
 */
import type { FeedResult } from "./engine.ts";
import type { TlsClient } from "./client.ts";
import { SchannelCredential } from "./credentials.ts";
import { constantTimeEqual } from "../../util/bytes.ts";
import { findBuffer } from "../../sspi/buffers.ts";
import {
  ISC_REQ_USE_SUPPLIED_CREDS,
  SECBUFFER_TOKEN,
} from "../../sspi/flags.ts";
import type { StepRequest } from "../../sspi/package.ts";
import {
  SEC_E_INVALID_TOKEN,
  SEC_I_INCOMPLETE_CREDENTIALS,
} from "../../sspi/status.ts";

/** The outcome of {@link CredentialPause.feed}. */
export type PausedFeed =
  | { kind: "fed"; result: FeedResult }
  | { kind: "paused" }
  | { kind: "mismatch" };

/** A step's end short of feeding: its status (and why, for a failure). */
export interface PausedStatus {
  /** `SEC_I_INCOMPLETE_CREDENTIALS`, or `SEC_E_INVALID_TOKEN` for another input. */
  status: number;
  /** Why, for the failure. */
  message?: string;
}

/** The bytes a paused client step consumed, and the replay of them. */
export class CredentialPause {
  #replay: Uint8Array | null = null;

  /** True while the client waits for a credential. */
  get paused(): boolean {
    return this.#replay !== null;
  }

  /**
   * One client step: sets where `client` takes a certificate from on this call
   * (the credential `req` names when it is another Schannel credential than
   * `own`; asking the caller only without `ISC_REQ_USE_SUPPLIED_CREDS` and with an
   * output buffer), then feeds `input` ({@link feed}): what was consumed, or the
   * status the step ends with.
   */
  step(
    client: TlsClient,
    req: StepRequest,
    own: SchannelCredential,
    input: Uint8Array,
  ): FeedResult | PausedStatus {
    const named = req.credential;
    client.certSource = {
      supplied: named instanceof SchannelCredential && named !== own
        ? named
        : null,
      mayAsk: (req.flags & ISC_REQ_USE_SUPPLIED_CREDS) === 0 &&
        findBuffer(req.output, SECBUFFER_TOKEN) !== undefined,
    };
    const f = this.feed(client, input);
    if (f.kind === "fed") return f.result;
    return f.kind === "paused" ? { status: SEC_I_INCOMPLETE_CREDENTIALS } : {
      status: SEC_E_INVALID_TOKEN,
      message:
        "after SEC_I_INCOMPLETE_CREDENTIALS, call again with the same input",
    };
  }

  /**
   * Feeds `input` to `client` (whose `certSource` the caller set for this step):
   * after a pause, the replayed bytes are skipped and the held-back flight made
   * first. `paused`: the client (again) needs a certificate it was not given,
   * nothing counts as consumed; `mismatch`: the input does not repeat the paused
   * call's.
   */
  feed(client: TlsClient, input: Uint8Array): PausedFeed {
    let skip = 0;
    const replay = this.#replay;
    if (replay) {
      if (
        input.length < replay.length ||
        !constantTimeEqual(input.subarray(0, replay.length), replay)
      ) {
        return { kind: "mismatch" };
      }
      if (!client.resumeFlight()) return { kind: "paused" };
      this.#replay = null;
      skip = replay.length;
    }
    const r = client.feed(input.subarray(skip));
    if (client.paused) {
      this.#replay = input.slice(0, skip + r.consumed);
      return { kind: "paused" };
    }
    return {
      kind: "fed",
      result: r.missing === undefined
        ? { consumed: skip + r.consumed }
        : { consumed: skip + r.consumed, missing: r.missing },
    };
  }

  /** Forgets the kept bytes. */
  clear(): void {
    this.#replay = null;
  }
}
