/**
 * Portable Negotiate benchmarks: a full Negotiate(NTLM) handshake (SPNEGO framing,
 * NTLMv2 with MIC and key exchange, mechListMIC both ways), as a tinybench task body to
 * compare with the bare NTLM handshake of `ntlm_bench.ts`.
 *
 * @module
 */
import {
  AcceptSecurityContext,
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  InitializeSecurityContext,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  MakeSignature,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  VerifySignature,
} from "../mod.ts";
import { encodeMechTypeList, NTLM_OID } from "../src/packages/negotiate/mod.ts";
import {
  inTok,
  portableCredentials,
  portableHandshake,
  sealOnce,
  tok,
} from "./ntlm_bench.ts";

const FLAGS = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION |
  0x100; // ISC_REQ_ALLOCATE_MEMORY
const ASC = 0x10 | 0x20000 | 0x800 | 0x100; // ... | ASC_REQ_ALLOCATE_MEMORY

/** Credentials for a portable Negotiate client and server, acquired once. */
export function negotiateCredentials(): {
  client: CredHandle;
  server: CredHandle;
} {
  return portableCredentials("Negotiate");
}

/**
 * One full Negotiate(NTLM) handshake with the portable API; deletes its contexts.
 *
 * @example
 * ```ts
 * import { negotiateCredentials, negotiateHandshakeOnce } from "./negotiate_bench.ts";
 * const creds = negotiateCredentials();
 * negotiateHandshakeOnce(creds);
 * ```
 */
export function negotiateHandshakeOnce(
  creds: { client: CredHandle; server: CredHandle },
  target = "HTTP/web.example.com",
): void {
  negotiateHandshakeThen(creds, target);
}

/**
 * A Negotiate handshake, then one message of `size` bytes sealed by the client and
 * unsealed by the server; deletes its contexts. Compared with the same on bare NTLM,
 * which derives its session keys with that first message rather than in the
 * handshake.
 */
export function negotiateHandshakeAndSealOnce(
  creds: { client: CredHandle; server: CredHandle },
  size = 64,
): void {
  negotiateHandshakeThen(
    creds,
    "HTTP/web.example.com",
    (c, s) => sealOnce(c, s, size),
  );
}

/** One Negotiate handshake, then `then` on both contexts; deletes them either way. */
function negotiateHandshakeThen(
  creds: { client: CredHandle; server: CredHandle },
  target: string,
  then?: (client: CtxtHandle, server: CtxtHandle) => void,
): void {
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const a = { value: 0 };
  try {
    let c = tok();
    let st = InitializeSecurityContext(
      creds.client,
      null,
      target,
      FLAGS,
      0,
      16,
      null,
      0,
      cx,
      c,
      a,
      null,
    );
    let first = true;
    while (st === SEC_I_CONTINUE_NEEDED) {
      const s = tok();
      const sst = AcceptSecurityContext(
        creds.server,
        first ? null : sx,
        inTok(c),
        ASC,
        16,
        sx,
        s,
        a,
        null,
      );
      first = false;
      if (sst !== SEC_E_OK && sst !== SEC_I_CONTINUE_NEEDED) {
        throw new Error(`AcceptSecurityContext: 0x${sst.toString(16)}`);
      }
      c = tok();
      st = InitializeSecurityContext(
        creds.client,
        cx,
        target,
        FLAGS,
        0,
        16,
        inTok(s),
        0,
        cx,
        c,
        a,
        null,
      );
    }
    if (st !== SEC_E_OK) {
      throw new Error(`InitializeSecurityContext: 0x${st.toString(16)}`);
    }
    then?.(cx, sx);
  } finally {
    DeleteSecurityContext(cx);
    DeleteSecurityContext(sx);
  }
}

/** The mechanism list Negotiate(NTLM) signs, and one descriptor to sign it with. */
const LIST = encodeMechTypeList([NTLM_OID]);
const MIC = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16));
const MIC_MSG = new SecBufferDesc([new SecBuffer(SECBUFFER_DATA, LIST), MIC]);
const QOP = { value: 0 };

/** One mechListMIC made by `from` and checked by `to`, through the public API. */
function micAcross(from: CtxtHandle, to: CtxtHandle): void {
  MIC.cbBuffer = 16;
  if (MakeSignature(from, 0, MIC_MSG, 0) !== SEC_E_OK) {
    throw new Error("MakeSignature");
  }
  if (VerifySignature(to, MIC_MSG, 0, QOP) !== SEC_E_OK) {
    throw new Error("VerifySignature");
  }
}

/**
 * A bare NTLM handshake plus only the crypto SPNEGO's mechListMIC exchange needs (both
 * sides' session keys, two signatures and two checks, through `MakeSignature` and
 * `VerifySignature`), without any SPNEGO token: what Negotiate(NTLM) cannot go below
 * with this NTLM, measured beside the bare handshake.
 */
export function ntlmHandshakeWithMicsOnce(
  creds: { client: CredHandle; server: CredHandle },
): void {
  const h = portableHandshake(creds);
  try {
    micAcross(h.client, h.server);
    micAcross(h.server, h.client);
  } finally {
    DeleteSecurityContext(h.client);
    DeleteSecurityContext(h.server);
  }
}
