/**
 * Kerberos benchmark tasks, ours against MIT krb5's GSSAPI (`libgssapi_krb5` through
 * FFI, `tests/peers/gssapi_ffi.ts`), both talking to one throwaway MIT KDC
 * (`tests/peers/mit_kdc.ts`) with the service `HTTP/localhost` in a keytab:
 *
 * - the AP-REQ/AP-REP handshake with the service ticket already cached (ours: the
 *   synchronous InitializeSecurityContext, AcceptSecurityContext over the keytab, the
 *   client's second call with the AP-REP; MIT: `gss_init_sec_context` over the MEMORY
 *   ccache of a password credential, `gss_accept_sec_context` over `KRB5_KTNAME`);
 * - wrap+unwrap on established contexts (EncryptMessage on our client and
 *   DecryptMessage on our server; `gss_wrap` on MIT's initiator, `gss_unwrap` on its
 *   acceptor);
 * - a fresh logon through the KDC: AS exchange (the user requires pre-authentication,
 *   so with the PREAUTH_REQUIRED round trip), TGS exchange and the first AP-REQ, over
 *   TCP on both sides.
 *
 * MIT's acceptor runs with `KRB5RCACHETYPE=none` (no replay cache) unless a task says
 * otherwise; ours always checks and records authenticators in memory.
 *
 * @module
 */
import { dirname } from "node:path";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  InitializeSecurityContext,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  SspiInitializeSecurityContextAsync,
  SspiWaitForAsyncCall,
} from "../mod.ts";
import {
  type GssapiKrb5Ffi,
  type GssStepper,
  openGssapiKrb5Ffi,
} from "../tests/peers/gssapi_ffi.ts";
import {
  KDC_INSTALL_HINT,
  KDC_REALM,
  kdcAvailable,
  type MitKdc,
  startKdc,
} from "../tests/peers/mit_kdc.ts";
import { inTok, tok } from "./ntlm_bench.ts";

const USER = { user: "alice", password: "Secret-Passw0rd" };
const SPN = "HTTP/localhost";
const FLAGS = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH |
  ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_SEQUENCE_DETECT |
  ISC_REQ_REPLAY_DETECT;
const ASC = 0x100 | 0x10 | 0x20000 | 0x2; // allocate, confidentiality, integrity, mutual
/** `cbSecurityTrailer` of an AES Wrap token: header, encrypted header, confounder, HMAC. */
const TRAILER = 60;
/** Handshakes between renewals of the acceptor credential of `oursHandshake`. */
export const ROTATE = 1000;
/** The environment MIT reads; set before the library is loaded, restored on close. */
const ENV_NAMES = [
  "KRB5_CONFIG",
  "KRB5CCNAME",
  "KRB5_KTNAME",
  "KRB5RCACHETYPE",
  "KRB5RCACHEDIR",
] as const;

/** An open Kerberos benchmark: a KDC, our credentials, MIT's peer. */
export interface KerberosBench {
  /**
   * Our handshake with the cached ticket: ISC, ASC, ISC with the AP-REP; contexts
   * deleted. The acceptor credential is renewed every `ROTATE` handshakes (its
   * replay cache then never holds more than that many authenticators).
   */
  oursHandshake(): void;
  /**
   * The same with one acceptor credential for the whole run: its replay cache keeps
   * every authenticator for ten minutes (what a busy server's memory holds).
   */
  oursHandshakeOneCredential(): void;
  /** MIT's handshake over the password credential's MEMORY ccache. */
  mitHandshake(): void;
  /** MIT's handshake over the FILE ccache `KRB5CCNAME` names (kinit + ticket). */
  mitHandshakeFileCcache(): void;
  /** MIT's handshake with its default replay cache (`dfl`, a file) on the acceptor. */
  mitHandshakeWithReplayCache(): void;
  /** Our EncryptMessage+DecryptMessage of `size` bytes on one established pair. */
  oursWrap(size: number): () => void;
  /** MIT's `gss_wrap`+`gss_unwrap` of `size` bytes on one established pair. */
  mitWrap(size: number): () => void;
  /** A fresh credential: AS, TGS and the first AP-REQ through our client. */
  oursLogon(): Promise<void>;
  /** The same through MIT: `gss_acquire_cred_with_password` and the first init. */
  mitLogon(): void;
  /**
   * Our handshakes refused as replays so far (two authenticators with the same
   * ctime and cusec; authenticator times are strictly increasing, so none expected).
   */
  readonly replays: number;
  /** Releases everything, stops the KDC, removes its files, restores the env. */
  close(): Promise<void>;
}

function check(what: string, got: number, want: number): void {
  if (got !== want) {
    throw new Error(`${what}: 0x${(got >>> 0).toString(16)}`);
  }
}

/** Our outbound credential for the KDC, through the async form (the KDC is reached). */
function acquireOurs(kdc: string): CredHandle {
  const cred = new CredHandle();
  check(
    "AcquireCredentialsHandle (outbound)",
    AcquireCredentialsHandle(
      null,
      "Kerberos",
      SECPKG_CRED_OUTBOUND,
      null,
      {
        User: USER.user,
        Domain: KDC_REALM,
        Password: USER.password,
        Kdc: kdc,
      },
      null,
      null,
      cred,
      null,
    ),
    SEC_E_OK,
  );
  return cred;
}

/** Our inbound credential over `keytab`. */
function acquireServer(keytab: string): CredHandle {
  const cred = new CredHandle();
  check(
    "AcquireCredentialsHandle (inbound)",
    AcquireCredentialsHandle(
      null,
      "Kerberos",
      SECPKG_CRED_INBOUND,
      null,
      { Keytab: keytab },
      null,
      null,
      cred,
      null,
    ),
    SEC_E_OK,
  );
  return cred;
}

/** The first client step through the async form (reaches the KDC when needed). */
async function firstStepAsync(
  cred: CredHandle,
  ctx: CtxtHandle,
): Promise<Uint8Array> {
  const actx = SspiCreateAsyncContext();
  const out = tok();
  try {
    check(
      "SspiInitializeSecurityContextAsync",
      SspiInitializeSecurityContextAsync(
        actx,
        cred,
        null,
        SPN,
        FLAGS,
        0,
        SECURITY_NATIVE_DREP,
        null,
        0,
        ctx,
        out,
        { value: 0 },
        null,
      ),
      SEC_E_OK,
    );
    check(
      "first InitializeSecurityContext",
      await SspiWaitForAsyncCall(actx),
      SEC_I_CONTINUE_NEEDED,
    );
  } finally {
    SspiFreeAsyncContext(actx);
  }
  const b = out.pBuffers[0];
  return b.pvBuffer!.subarray(0, b.cbBuffer);
}

/**
 * Makes the KDC insist on pre-authentication for the user (as Active Directory does):
 * every AS exchange then takes the PREAUTH_REQUIRED round trip and PA-ENC-TIMESTAMP.
 */
async function requirePreauth(kdc: MitKdc): Promise<void> {
  const o = await new Deno.Command("kadmin.local", {
    args: ["-q", `modprinc +requires_preauth ${USER.user}`],
    env: {
      KRB5_CONFIG: kdc.env.KRB5_CONFIG,
      KRB5_KDC_PROFILE: `${dirname(kdc.env.KRB5_CONFIG)}/kdc.conf`,
    },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!o.success) {
    throw new Error(
      `kadmin.local modprinc: ${new TextDecoder().decode(o.stderr)}`,
    );
  }
}

/** A krb5.conf like the KDC's that sends MIT's KDC requests over TCP, as ours go. */
async function tcpConfig(kdc: MitKdc): Promise<string> {
  const path = `${dirname(kdc.env.KRB5_CONFIG)}/krb5_bench.conf`;
  const conf = await Deno.readTextFile(kdc.env.KRB5_CONFIG);
  await Deno.writeTextFile(
    path,
    conf.replace(
      "[libdefaults]\n",
      "[libdefaults]\n  udp_preference_limit = 1\n",
    ),
  );
  return path;
}

/**
 * Starts a KDC, sets MIT's environment, acquires our credentials (the service ticket
 * fetched once) and opens MIT's; returns why not (a sentence) when the KDC tools or
 * `libgssapi_krb5.so.2` are missing or do not start.
 *
 * @example
 * ```ts ignore
 * import { openKerberosBench } from "./kerberos_bench.ts";
 * const k = await openKerberosBench();
 * if (typeof k !== "string") {
 *   k.oursHandshake();
 *   await k.close();
 * }
 * ```
 */
export async function openKerberosBench(): Promise<KerberosBench | string> {
  if (Deno.build.os !== "linux") return "the MIT peer runs on Linux only";
  if (!await kdcAvailable()) return `MIT KDC missing (${KDC_INSTALL_HINT})`;
  const previous = new Map(ENV_NAMES.map((n) => [n, Deno.env.get(n)]));
  const restoreEnv = () => {
    for (const [n, v] of previous) {
      if (v === undefined) Deno.env.delete(n);
      else Deno.env.set(n, v);
    }
  };
  let kdc: MitKdc;
  try {
    kdc = await startKdc(USER.user, USER.password, [SPN]);
  } catch (e) {
    return `the MIT KDC did not start (${(e as Error).message.split("\n")[0]})`;
  }
  const ours: {
    client?: CredHandle;
    server?: CredHandle;
    rotated?: CredHandle;
  } = {};
  let mit: GssapiKrb5Ffi | null = null;
  const contexts: CtxtHandle[] = [];
  const gssContexts: GssStepper[] = [];
  const closeAll = async () => {
    for (const c of contexts) DeleteSecurityContext(c);
    for (const c of gssContexts) c.dispose();
    if (ours.client) FreeCredentialsHandle(ours.client);
    if (ours.server) FreeCredentialsHandle(ours.server);
    if (ours.rotated) FreeCredentialsHandle(ours.rotated);
    await mit?.close();
    await kdc.close();
    restoreEnv();
  };
  try {
    const dir = dirname(kdc.env.KRB5_CONFIG);
    await requirePreauth(kdc);
    // Before libgssapi_krb5 is loaded: MIT reads these when it runs.
    Deno.env.set("KRB5_CONFIG", await tcpConfig(kdc));
    Deno.env.set("KRB5CCNAME", kdc.env.KRB5CCNAME);
    Deno.env.set("KRB5_KTNAME", kdc.env.KRB5_KTNAME);
    Deno.env.set("KRB5RCACHETYPE", "none");
    Deno.env.set("KRB5RCACHEDIR", dir);
    ours.client = acquireOurs(kdc.kdc);
    ours.server = acquireServer(kdc.env.KRB5_KTNAME);
    ours.rotated = acquireServer(kdc.env.KRB5_KTNAME);
    // The TGT and the service ticket, into our credential's cache.
    const first = new CtxtHandle();
    contexts.push(first);
    await firstStepAsync(ours.client, first);
    try {
      mit = await openGssapiKrb5Ffi(
        `${USER.user}@${KDC_REALM}`,
        USER.password,
        "HTTP@localhost",
      );
    } catch (e) {
      await closeAll();
      return `libgssapi_krb5.so.2 not usable (${
        (e as Error).message
      }; apt-get install -y libgssapi-krb5-2)`;
    }
    // The service ticket, into the password credential's ccache and the FILE one.
    mit.handshake("password");
    await new Deno.Command("kvno", {
      args: [SPN],
      env: { ...kdc.env, KRB5_CONFIG: Deno.env.get("KRB5_CONFIG")! },
      stdout: "null",
      stderr: "null",
    }).output();
    mit.handshake("default");
  } catch (e) {
    await closeAll();
    throw e;
  }
  const client = ours.client!, gss = mit!;
  let replays = 0;
  let sinceRotation = 0;

  /** One handshake of ours; the contexts are the caller's to delete. */
  const handshake = (
    server: CredHandle,
  ): { cx: CtxtHandle; sx: CtxtHandle } => {
    for (;;) {
      const cx = new CtxtHandle();
      const sx = new CtxtHandle();
      const a = { value: 0 };
      const c1 = tok();
      check(
        "InitializeSecurityContext",
        InitializeSecurityContext(
          client,
          null,
          SPN,
          FLAGS,
          0,
          SECURITY_NATIVE_DREP,
          null,
          0,
          cx,
          c1,
          a,
          null,
        ),
        SEC_I_CONTINUE_NEEDED,
      );
      const s1 = tok();
      const st = AcceptSecurityContext(
        server,
        null,
        inTok(c1),
        ASC,
        SECURITY_NATIVE_DREP,
        sx,
        s1,
        a,
        null,
      );
      if (st === SEC_E_LOGON_DENIED) {
        // A replay: another authenticator of this credential had the same ctime and
        // cusec. Counted, and the handshake is made again (its time counts).
        replays++;
        DeleteSecurityContext(cx);
        DeleteSecurityContext(sx);
        continue;
      }
      check("AcceptSecurityContext", st, SEC_E_OK);
      check(
        "InitializeSecurityContext (AP-REP)",
        InitializeSecurityContext(
          client,
          cx,
          SPN,
          FLAGS,
          0,
          SECURITY_NATIVE_DREP,
          inTok(s1),
          0,
          cx,
          tok(),
          a,
          null,
        ),
        SEC_E_OK,
      );
      return { cx, sx };
    }
  };

  return {
    oursHandshake() {
      if (++sinceRotation > ROTATE) {
        FreeCredentialsHandle(ours.rotated!);
        ours.rotated = undefined;
        ours.rotated = acquireServer(kdc.env.KRB5_KTNAME);
        sinceRotation = 1;
      }
      const { cx, sx } = handshake(ours.rotated!);
      DeleteSecurityContext(cx);
      DeleteSecurityContext(sx);
    },
    oursHandshakeOneCredential() {
      const { cx, sx } = handshake(ours.server!);
      DeleteSecurityContext(cx);
      DeleteSecurityContext(sx);
    },
    mitHandshake() {
      gss.handshake("password");
    },
    mitHandshakeFileCcache() {
      gss.handshake("default");
    },
    mitHandshakeWithReplayCache() {
      Deno.env.set("KRB5RCACHETYPE", "dfl");
      try {
        gss.handshake("password");
      } finally {
        Deno.env.set("KRB5RCACHETYPE", "none");
      }
    },
    oursWrap(size) {
      const { cx, sx } = handshake(ours.server!);
      contexts.push(cx, sx);
      const msg = new SecBufferDesc([
        new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(TRAILER)),
        new SecBuffer(SECBUFFER_DATA, new Uint8Array(size).fill(7)),
      ]);
      const q = { value: 0 };
      return () => {
        check("EncryptMessage", EncryptMessage(cx, 0, msg, 0), SEC_E_OK);
        check("DecryptMessage", DecryptMessage(sx, msg, 0, q), SEC_E_OK);
      };
    },
    mitWrap(size) {
      const c = gss.initiator("password");
      const s = gss.acceptor();
      gssContexts.push(c, s);
      let token = c.step(null);
      while (token) {
        const reply = s.step(token);
        token = reply && !c.complete ? c.step(reply) : null;
      }
      if (!c.complete || !s.complete) throw new Error("MIT handshake");
      const data = new Uint8Array(size).fill(7);
      return () => {
        if (s.unwrap(c.wrap(data)).length !== size) {
          throw new Error("gss_unwrap");
        }
      };
    },
    async oursLogon() {
      const cred = acquireOurs(kdc.kdc);
      const ctx = new CtxtHandle();
      try {
        await firstStepAsync(cred, ctx);
      } finally {
        DeleteSecurityContext(ctx);
        FreeCredentialsHandle(cred);
      }
    },
    mitLogon() {
      gss.logon();
    },
    get replays() {
      return replays;
    },
    close: closeAll,
  };
}
