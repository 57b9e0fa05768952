/**
 * Shared pieces of the native provider tests: finding libwinpr2 (skip with an install
 * hint, or fail under `CI=true`), and a client/server NTLM handshake driven through any
 * two function tables.
 *
 * @module
 */
import {
  InitSecurityInterface,
  type SecurityFunctionTable,
} from "../../src/provider.ts";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_CONNECTION,
  ASC_REQ_INTEGRITY,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  SECBUFFER_TOKEN,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
} from "../../src/sspi/flags.ts";
import { CredHandle, CtxtHandle } from "../../src/sspi/handles.ts";
import {
  SEC_E_OK,
  SEC_I_COMPLETE_AND_CONTINUE,
  SEC_I_COMPLETE_NEEDED,
  SEC_I_CONTINUE_NEEDED,
  statusName,
} from "../../src/sspi/status.ts";
import { type SamUser, writeSamFile } from "../peers/winpr_sam.ts";

/** The WinPR library the tests load (`WINPR_LIBRARY` overrides it). */
export const WINPR = Deno.env.get("WINPR_LIBRARY") ?? "libwinpr2.so.2";

/** The install hint printed when it is missing. */
export const WINPR_HINT = "apt-get install -y libwinpr2-2";

/** The test user (in the SAM file / the portable user list). */
export const ALICE: SamUser = {
  User: "alice",
  Domain: "CONTOSO",
  Password: "Pässw0rd!",
};

let probed: string | null | undefined;

/**
 * Null when libwinpr2 loads, otherwise why not. Under `CI=true` a missing peer throws,
 * so CI proves the interop; elsewhere the tests skip and say how to install it.
 */
export function winprMissing(): string | null {
  if (probed !== undefined) return probed;
  // WinPR logs every unsupported call to stdout; keep test output readable.
  if (Deno.env.get("WLOG_LEVEL") === undefined) {
    Deno.env.set("WLOG_LEVEL", "OFF");
  }
  try {
    InitSecurityInterface({ provider: "native", library: WINPR });
    probed = null;
  } catch (e) {
    probed = `${(e as Error).message}; install it with: ${WINPR_HINT}`;
    if (Deno.env.get("CI") === "true") {
      throw new Error(`CI=true and the WinPR peer is missing: ${probed}`);
    }
    console.warn(`skipping native WinPR tests: ${probed}`);
  }
  return probed;
}

/** Options of `Deno.test` that skip (never silently) when WinPR is missing. */
export function winprTest(
  name: string,
  fn: () => void | Promise<void>,
): void {
  const missing = winprMissing();
  Deno.test({
    name: missing ? `${name} (skipped: ${WINPR_HINT})` : name,
    ignore: missing !== null,
    fn,
  });
}

/** A temporary SAM file with `ALICE`, removed on `Symbol.asyncDispose`. */
export async function samFile(
  users: SamUser[] = [ALICE],
): Promise<{ path: string } & AsyncDisposable> {
  const path = await writeSamFile(users);
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path).catch(() => {}),
  };
}

/** The native WinPR table reading users from `sam`. */
export function winprTable(sam: string): SecurityFunctionTable {
  return InitSecurityInterface({
    provider: "native",
    library: WINPR,
    samFile: sam,
  });
}

/** Client flags used by the tests. */
export const ISC_FLAGS = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY |
  ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION;

/** Server flags used by the tests. */
export const ASC_FLAGS = ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONFIDENTIALITY |
  ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION;

/** Both ends of a finished (or failed) handshake. */
export interface Handshake {
  /** Final client status. */
  client: number;
  /** Final server status (after CompleteAuthToken when asked). */
  server: number;
  /** The status AcceptSecurityContext returned last (before CompleteAuthToken). */
  serverAccept: number;
  /** Client credential and context. */
  clientCred: CredHandle;
  /** Client context. */
  clientCtx: CtxtHandle;
  /** Server credential. */
  serverCred: CredHandle;
  /** Server context. */
  serverCtx: CtxtHandle;
  /** Client context attributes. */
  clientAttrs: number;
  /** Server context attributes. */
  serverAttrs: number;
  /** Tokens exchanged, in order. */
  tokens: Uint8Array[];
}

function tokenOut(): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
}

function tokenIn(t: Uint8Array): SecBufferDesc {
  return new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, t)]);
}

function ok(what: string, s: number): void {
  if (s !== SEC_E_OK) throw new Error(`${what}: ${statusName(s)}`);
}

/** Server credentials for a table (the portable NTLM gets an in-memory user list). */
export function serverAuthData(
  t: SecurityFunctionTable,
  users = [ALICE],
): unknown {
  return t.provider === "portable" ? { users } : null;
}

/**
 * A full handshake of `pkg` (NTLM by default): `client` table initiates, `server`
 * table accepts, including `CompleteAuthToken` after `SEC_I_COMPLETE_NEEDED`. Stops at
 * the first failure. `clientAuthData` defaults to `user` as a plain identity object.
 */
export function handshake(
  client: SecurityFunctionTable,
  server: SecurityFunctionTable,
  user: SamUser = ALICE,
  target = "HTTP/server.contoso.com",
  pkg = "NTLM",
  clientAuthData: unknown = {
    User: user.User,
    Domain: user.Domain,
    Password: user.Password,
  },
): Handshake {
  const h: Handshake = {
    client: SEC_I_CONTINUE_NEEDED,
    server: SEC_I_CONTINUE_NEEDED,
    serverAccept: SEC_I_CONTINUE_NEEDED,
    clientCred: new CredHandle(),
    clientCtx: new CtxtHandle(),
    serverCred: new CredHandle(),
    serverCtx: new CtxtHandle(),
    clientAttrs: 0,
    serverAttrs: 0,
    tokens: [],
  };
  ok(
    "client AcquireCredentialsHandle",
    client.AcquireCredentialsHandle(
      null,
      pkg,
      SECPKG_CRED_OUTBOUND,
      null,
      clientAuthData,
      null,
      null,
      h.clientCred,
      null,
    ),
  );
  ok(
    "server AcquireCredentialsHandle",
    server.AcquireCredentialsHandle(
      null,
      pkg,
      SECPKG_CRED_INBOUND,
      null,
      serverAuthData(server),
      null,
      null,
      h.serverCred,
      null,
    ),
  );
  let fromServer: Uint8Array | null = null;
  let clientStarted = false;
  let serverStarted = false;
  for (let round = 0; round < 4; round++) {
    const out = tokenOut();
    const ca = { value: 0 };
    h.client = client.InitializeSecurityContext(
      h.clientCred,
      clientStarted ? h.clientCtx : null,
      target,
      ISC_FLAGS,
      0,
      SECURITY_NATIVE_DREP,
      fromServer ? tokenIn(fromServer) : null,
      0,
      h.clientCtx,
      out,
      ca,
      null,
    );
    clientStarted = true;
    h.clientAttrs = ca.value;
    if (h.client !== SEC_E_OK && h.client !== SEC_I_CONTINUE_NEEDED) return h;
    const tok = out.pBuffers[0];
    const toServer = tok.pvBuffer?.subarray(0, tok.cbBuffer) ?? null;
    if (!toServer || toServer.length === 0) return h;
    h.tokens.push(toServer.slice());
    const sout = tokenOut();
    const sa = { value: 0 };
    h.serverAccept = server.AcceptSecurityContext(
      h.serverCred,
      serverStarted ? h.serverCtx : null,
      tokenIn(toServer),
      ASC_FLAGS,
      SECURITY_NATIVE_DREP,
      h.serverCtx,
      sout,
      sa,
      null,
    );
    serverStarted = true;
    h.serverAttrs = sa.value;
    h.server = h.serverAccept;
    if (
      h.server === SEC_I_COMPLETE_NEEDED ||
      h.server === SEC_I_COMPLETE_AND_CONTINUE
    ) {
      h.server = server.CompleteAuthToken(h.serverCtx, sout);
    }
    const st = sout.pBuffers[0];
    fromServer = st.pvBuffer && st.cbBuffer
      ? st.pvBuffer.subarray(0, st.cbBuffer).slice()
      : null;
    if (fromServer) h.tokens.push(fromServer);
    if (h.server !== SEC_E_OK && h.server !== SEC_I_CONTINUE_NEEDED) return h;
    if (h.server === SEC_E_OK && h.client === SEC_E_OK && !fromServer) return h;
    if (h.server === SEC_E_OK && !fromServer) return h;
  }
  return h;
}

/** Deletes both contexts and frees both credentials of a handshake. */
export function cleanup(
  client: SecurityFunctionTable,
  server: SecurityFunctionTable,
  h: Handshake,
): void {
  client.DeleteSecurityContext(h.clientCtx);
  server.DeleteSecurityContext(h.serverCtx);
  client.FreeCredentialsHandle(h.clientCred);
  server.FreeCredentialsHandle(h.serverCred);
}
