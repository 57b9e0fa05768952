/**
 * A native GSSAPI peer for the handshake benchmark and the FFI interop tests: MIT
 * krb5's SPNEGO mechanism with gss-ntlmssp underneath (or gss-ntlmssp alone), driven
 * through `libgssapi_krb5` with `Deno.dlopen`, no Python in the loop. A handshake runs
 * initiator and acceptor in this process, as our benchmark tasks do: for SPNEGO,
 * NegTokenInit with the NTLM NEGOTIATE, the CHALLENGE, AUTHENTICATE with its MIC and
 * the mechListMIC, and the acceptor's final token. Each side can also be stepped
 * alone, against our packages.
 *
 * The same module drives Heimdal's `libgssapi.so.3` (its own SPNEGO and NTLM) as an
 * initiator with its default credential (`FfiOptions`).
 *
 * Needs `apt-get install -y gss-ntlmssp` (which brings libgssapi-krb5-2); the acceptor
 * reads its users from the file named by `NTLM_USER_FILE`, which this module writes
 * and sets while the peer is open (the previous value comes back on `close`; with
 * several peers open, the last one opened names the file all of them read).
 *
 * @module
 */
import { encodeOidContent } from "../../src/der/oid.ts";
import {
  NTLM_OID,
  SPNEGO_OID,
} from "../../src/packages/negotiate/constants.ts";

/**
 * The mechanisms this peer drives: SPNEGO (with NTLM or Kerberos under it), NTLM
 * alone, or Kerberos alone (default credentials: a ccache).
 */
export type GssMech = "spnego" | "ntlm" | "krb5";
const KRB5_MECH_OID = "1.2.840.113554.1.2.2";
const MECH_OIDS: Record<GssMech, string> = {
  spnego: SPNEGO_OID,
  ntlm: NTLM_OID,
  krb5: KRB5_MECH_OID,
};
const NT_USER_NAME = "1.2.840.113554.1.2.1.1"; // GSS_C_NT_USER_NAME
const NT_HOSTBASED_SERVICE = "1.2.840.113554.1.2.1.4"; // GSS_C_NT_HOSTBASED_SERVICE
const GSS_C_INQ_SSPI_SESSION_KEY = "1.2.840.113554.1.2.2.5.5";
/** What to install when the library or the mechanism is missing. */
export const GSSAPI_FFI_INSTALL_HINT = "apt-get install -y gss-ntlmssp";
const GSS_C_INITIATE = 1;
const GSS_C_ACCEPT = 2;
// GSS_C_MUTUAL | REPLAY | SEQUENCE | CONF | INTEG, as our task's ISC flags ask.
const GSS_FLAGS = 2 | 4 | 8 | 16 | 32;
const GSS_C_INDEFINITE = 0xffffffff;
const GSS_S_COMPLETE = 0;
const GSS_S_CONTINUE_NEEDED = 1;

const SYMBOLS = {
  gss_import_name: {
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "u32",
  },
  gss_acquire_cred: {
    parameters: [
      "buffer",
      "pointer",
      "u32",
      "buffer",
      "i32",
      "buffer",
      "pointer",
      "pointer",
    ],
    result: "u32",
  },
  gss_acquire_cred_with_password: {
    parameters: [
      "buffer",
      "pointer",
      "buffer",
      "u32",
      "buffer",
      "i32",
      "buffer",
      "pointer",
      "pointer",
    ],
    result: "u32",
  },
  gss_init_sec_context: {
    parameters: [
      "buffer", // minor_status
      "pointer", // claimant_cred_handle
      "buffer", // context_handle (in/out)
      "pointer", // target_name
      "buffer", // mech_type
      "u32", // req_flags
      "u32", // time_req
      "pointer", // input_chan_bindings
      "buffer", // input_token
      "pointer", // actual_mech_type
      "buffer", // output_token
      "buffer", // ret_flags
      "pointer", // time_rec
    ],
    result: "u32",
  },
  gss_accept_sec_context: {
    parameters: [
      "buffer", // minor_status
      "buffer", // context_handle (in/out)
      "pointer", // acceptor_cred_handle
      "buffer", // input_token
      "pointer", // input_chan_bindings
      "pointer", // src_name
      "pointer", // mech_type
      "buffer", // output_token
      "buffer", // ret_flags
      "pointer", // time_rec
      "pointer", // delegated_cred_handle
    ],
    result: "u32",
  },
  gss_release_buffer: { parameters: ["buffer", "buffer"], result: "u32" },
  gss_inquire_sec_context_by_oid: {
    // minor, context, desired_object, data_set (out)
    parameters: ["buffer", "pointer", "buffer", "buffer"],
    result: "u32",
  },
  gss_release_buffer_set: { parameters: ["buffer", "buffer"], result: "u32" },
  gss_delete_sec_context: {
    parameters: ["buffer", "buffer", "pointer"],
    result: "u32",
  },
  gss_release_name: { parameters: ["buffer", "buffer"], result: "u32" },
  gss_release_cred: { parameters: ["buffer", "buffer"], result: "u32" },
  gss_wrap: {
    // minor, context, conf_req_flag, qop_req, input, conf_state, output
    parameters: [
      "buffer",
      "pointer",
      "i32",
      "u32",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "u32",
  },
  gss_unwrap: {
    // minor, context, input, output, conf_state, qop_state
    parameters: ["buffer", "pointer", "buffer", "buffer", "buffer", "buffer"],
    result: "u32",
  },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;

/** One GSSAPI context being established, stepped token by token. */
export interface GssStepper {
  /** Feeds the peer's token (null for the initiator's first call); the reply, if any. */
  step(token: Uint8Array | null): Uint8Array | null;
  /** True once this side returned GSS_S_COMPLETE. */
  readonly complete: boolean;
  /** `gss_wrap` (sealed unless `encrypt` is false): the token. */
  wrap(data: Uint8Array, encrypt?: boolean): Uint8Array;
  /** `gss_unwrap`: the data; throws when the token is refused. */
  unwrap(token: Uint8Array): Uint8Array;
  /** The session key (`GSS_C_INQ_SSPI_SESSION_KEY`), or null when not given. */
  sessionKey(): Uint8Array | null;
  /** Deletes the context. */
  dispose(): void;
}

/** One side of a handshake, ours or the peer's: what `exchangeTokens` drives. */
export interface HandshakeSide {
  /** The reply to the other side's token (null: the initiator's first call). */
  step(token: Uint8Array | null): Uint8Array | null;
  /** True once this side has finished. */
  readonly complete: boolean;
}

/**
 * Passes tokens between an initiator and an acceptor until neither has anything more
 * to send; returns how many tokens went across.
 */
export function exchangeTokens(
  initiator: HandshakeSide,
  acceptor: HandshakeSide,
): number {
  let sent = 0;
  let token = initiator.step(null);
  while (token) {
    sent++;
    const reply = acceptor.step(token);
    if (!reply) break;
    sent++;
    token = initiator.complete ? null : initiator.step(reply);
  }
  return sent;
}

/** An open GSSAPI peer: credentials for both sides, acquired once. */
export interface GssapiFfi {
  /** One full handshake, both sides, contexts deleted after (throws on failure). */
  handshake(): void;
  /** A new initiator context (target `host@localhost` unless `target` said). */
  initiator(): GssStepper;
  /** A new acceptor context. */
  acceptor(): GssStepper;
  /** Releases the credentials and names, removes the user file, closes the library. */
  close(): Promise<void>;
}

/**
 * A `gss_buffer_desc` (size_t length, void *value) over `bytes`. The caller keeps
 * `bytes` reachable until the call that reads the descriptor has returned.
 */
function bufferDesc(bytes: Uint8Array): Uint8Array {
  const d = new Uint8Array(16);
  const v = new DataView(d.buffer);
  v.setBigUint64(0, BigInt(bytes.length), true);
  v.setBigUint64(
    8,
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes))),
    true,
  );
  return d;
}

/** A `gss_OID_desc` (OM_uint32 length, void *elements); `keep` holds the bytes alive. */
function oidDesc(oid: string, keep: Uint8Array[]): Uint8Array {
  const e = encodeOidContent(oid);
  keep.push(e);
  const d = new Uint8Array(16);
  const v = new DataView(d.buffer);
  v.setUint32(0, e.length, true);
  v.setBigUint64(
    8,
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(e))),
    true,
  );
  return d;
}

/** A `gss_OID_set_desc` (size_t count, gss_OID elements) of one OID. */
function oidSet(oid: Uint8Array): Uint8Array {
  const d = new Uint8Array(16);
  const v = new DataView(d.buffer);
  v.setBigUint64(0, 1n, true);
  v.setBigUint64(
    8,
    BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(oid))),
    true,
  );
  return d;
}

/** The pointer stored in an 8-byte out-parameter. */
function handleOf(slot: Uint8Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(
    new DataView(slot.buffer).getBigUint64(0, true),
  );
}

/** How `openGssapiFfi` sets the peer up, for libraries other than MIT's. */
export interface FfiOptions {
  /** The target, a host-based service name (default `host@localhost`). */
  target?: string;
  /**
   * The initiator's credential: from the password (default), or the library's
   * default for the NTLM mechanism (Heimdal reads `NTLM_USER_FILE`, which this
   * module writes; it has no password call for NTLM).
   */
  initiator?: "password" | "default";
  /** Acquire an acceptor credential (default true). */
  acceptor?: boolean;
}

/**
 * Keeps `library` mapped until the process ends (`dlopen` with `RTLD_NODELETE`), as
 * `src/native/_library.ts` does for WinPR: closing our handle (and Deno closing it
 * when a test worker ends) would otherwise unmap libgssapi_krb5 while the
 * gss-ntlmssp plugin it loaded, and the OpenSSL state that plugin set up, stay
 * behind with exit-time cleanup pointing into it. Best effort.
 */
function pinMapped(library: string): void {
  if (pinned.has(library)) return;
  try {
    const libc = Deno.dlopen(
      "libc.so.6",
      { dlopen: { parameters: ["buffer", "i32"], result: "pointer" } } as const,
    );
    const RTLD_NOW = 2, RTLD_NODELETE = 0x1000;
    libc.symbols.dlopen(
      new TextEncoder().encode(library + "\0"),
      RTLD_NOW | RTLD_NODELETE,
    );
    pinned.add(library);
  } catch {
    // Without libc's dlopen the library may still be unmapped at close.
  }
}
const pinned = new Set<string>();

/**
 * Opens `libgssapi_krb5.so.2` with an initiator credential for the user (password)
 * and an acceptor credential that knows that user, both for `mech`. Throws when the
 * library or the gss-ntlmssp plugin is missing.
 *
 * @example
 * ```ts
 * import { openGssapiFfi } from "./gssapi_ffi.ts";
 * const g = await openGssapiFfi({ domain: "EXAMPLE", user: "alice", password: "pw" });
 * g.handshake();
 * await g.close();
 * ```
 */

export async function openGssapiFfi(
  id: { domain: string; user: string; password: string },
  mech: GssMech = "spnego",
  library = "libgssapi_krb5.so.2",
  opts: FfiOptions = {},
): Promise<GssapiFfi> {
  const dir = await Deno.makeTempDir({ prefix: "gssapi_ffi_" });
  const userFile = `${dir}/ntlm_users`;
  await Deno.writeTextFile(
    userFile,
    `${id.domain}:${id.user}:${id.password}\n`,
  );
  const previousUserFile = Deno.env.get("NTLM_USER_FILE");
  Deno.env.set("NTLM_USER_FILE", userFile);
  const restoreEnv = () => {
    if (previousUserFile === undefined) Deno.env.delete("NTLM_USER_FILE");
    else Deno.env.set("NTLM_USER_FILE", previousUserFile);
  };
  let lib: Lib;
  try {
    lib = Deno.dlopen(library, SYMBOLS);
    pinMapped(library);
  } catch (e) {
    restoreEnv();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
  const keep: Uint8Array[] = [];
  const mechOid = oidDesc(MECH_OIDS[mech], keep);
  const sessionKeyOid = oidDesc(GSS_C_INQ_SSPI_SESSION_KEY, keep);
  const mechs = oidSet(mechOid);
  const minor = new Uint8Array(4);
  const fail = (what: string, major: number): never => {
    throw new Error(
      `${what}: GSS major 0x${major.toString(16)}, minor ${
        new DataView(minor.buffer).getUint32(0, true)
      }`,
    );
  };
  const importName = (text: string, type: string): Uint8Array => {
    const bytes = new TextEncoder().encode(text);
    keep.push(bytes);
    const slot = new Uint8Array(8);
    const st = lib.symbols.gss_import_name(
      minor,
      bufferDesc(bytes),
      oidDesc(type, keep),
      slot,
    );
    if (st !== GSS_S_COMPLETE) fail(`gss_import_name(${text})`, st);
    return slot;
  };
  const userName = new Uint8Array(8);
  const target = new Uint8Array(8);
  const initCred = new Uint8Array(8);
  const acceptCred = new Uint8Array(8);
  const release = () => {
    // Releasing an empty handle (GSS_C_NO_NAME, GSS_C_NO_CREDENTIAL) does nothing.
    lib.symbols.gss_release_cred(minor, initCred);
    lib.symbols.gss_release_cred(minor, acceptCred);
    lib.symbols.gss_release_name(minor, userName);
    lib.symbols.gss_release_name(minor, target);
    lib.close();
    keep.length = 0;
    restoreEnv();
    return Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    acquire();
  } catch (e) {
    await release();
    throw e;
  }

  /** Imports the names and acquires both credentials. */
  function acquire(): void {
    if (opts.initiator !== "default") {
      userName.set(importName(`${id.domain}\\${id.user}`, NT_USER_NAME));
    }
    target.set(
      importName(opts.target ?? "host@localhost", NT_HOSTBASED_SERVICE),
    );
    let st: number;
    if (opts.initiator === "default") {
      // GSS_C_NO_CREDENTIAL: the library's default. (Heimdal's SPNEGO refuses a
      // credential acquired for NTLM alone; without a Kerberos ticket it offers NTLM.)
      st = GSS_S_COMPLETE;
    } else {
      // gss-ntlmssp reads the password as a C string: end it with a NUL (not counted).
      const password = new TextEncoder().encode(`${id.password}\0`);
      keep.push(password);
      st = lib.symbols.gss_acquire_cred_with_password(
        minor,
        handleOf(userName),
        bufferDesc(password.subarray(0, password.length - 1)),
        GSS_C_INDEFINITE,
        mechs,
        GSS_C_INITIATE,
        initCred,
        null,
        null,
      );
      if (st !== GSS_S_COMPLETE) fail("gss_acquire_cred_with_password", st);
    }
    if (opts.acceptor === false) return;
    st = lib.symbols.gss_acquire_cred(
      minor,
      null,
      GSS_C_INDEFINITE,
      mechs,
      GSS_C_ACCEPT,
      acceptCred,
      null,
      null,
    );
    if (st !== GSS_S_COMPLETE) fail("gss_acquire_cred (accept)", st);
  }

  const retFlags = new Uint8Array(4);
  const state = new Uint8Array(4);
  const qop = new Uint8Array(4);
  const noToken = new Uint8Array(16);
  /** Takes the library's output token into JS memory and releases it. */
  const takeOutput = (out: Uint8Array): Uint8Array | null => {
    const v = new DataView(out.buffer);
    const len = Number(v.getBigUint64(0, true));
    const p = Deno.UnsafePointer.create(v.getBigUint64(8, true));
    const bytes = len && p
      ? new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, len).slice(0))
      : null;
    lib.symbols.gss_release_buffer(minor, out);
    return bytes;
  };
  /** A stepper over one context; `call` runs one init or accept call. */
  const stepper = (
    what: string,
    call: (ctx: Uint8Array, input: Uint8Array, out: Uint8Array) => number,
  ): GssStepper => {
    const ctx = new Uint8Array(8);
    let complete = false;
    return {
      step(token) {
        if (complete) throw new Error(`${what}: already complete`);
        const out = new Uint8Array(16);
        const major = call(ctx, token ? bufferDesc(token) : noToken, out);
        const reply = takeOutput(out);
        if (major === GSS_S_COMPLETE) complete = true;
        else if (major !== GSS_S_CONTINUE_NEEDED) fail(what, major);
        return reply;
      },
      get complete() {
        return complete;
      },
      wrap(data, encrypt = true) {
        const out = new Uint8Array(16);
        const major = lib.symbols.gss_wrap(
          minor,
          handleOf(ctx),
          encrypt ? 1 : 0,
          0,
          bufferDesc(data),
          state,
          out,
        );
        const token = takeOutput(out);
        if (major !== GSS_S_COMPLETE || !token) fail("gss_wrap", major);
        return token!;
      },
      unwrap(token) {
        const out = new Uint8Array(16);
        const major = lib.symbols.gss_unwrap(
          minor,
          handleOf(ctx),
          bufferDesc(token),
          out,
          state,
          qop,
        );
        const data = takeOutput(out) ?? new Uint8Array(0);
        if (major !== GSS_S_COMPLETE) fail("gss_unwrap", major);
        return data;
      },
      sessionKey() {
        const set = new Uint8Array(8);
        const major = lib.symbols.gss_inquire_sec_context_by_oid(
          minor,
          handleOf(ctx),
          sessionKeyOid,
          set,
        );
        const p = handleOf(set);
        if (major !== GSS_S_COMPLETE || !p) return null;
        // gss_buffer_set_desc: size_t count, gss_buffer_desc *elements.
        const v = new Deno.UnsafePointerView(p);
        const first = Deno.UnsafePointer.create(v.getBigUint64(8));
        let key: Uint8Array | null = null;
        if (v.getBigUint64(0) > 0n && first) {
          const e = new Deno.UnsafePointerView(first);
          const len = Number(e.getBigUint64(0));
          const at = Deno.UnsafePointer.create(e.getBigUint64(8));
          if (len && at) {
            key = new Uint8Array(
              Deno.UnsafePointerView.getArrayBuffer(at, len).slice(0),
            );
          }
        }
        lib.symbols.gss_release_buffer_set(minor, set);
        return key;
      },
      dispose() {
        lib.symbols.gss_delete_sec_context(minor, ctx, null);
      },
    };
  };
  const initiator = () =>
    stepper(
      "gss_init_sec_context",
      (ctx, input, out) =>
        lib.symbols.gss_init_sec_context(
          minor,
          handleOf(initCred),
          ctx,
          handleOf(target),
          mechOid,
          GSS_FLAGS,
          0,
          null,
          input,
          null,
          out,
          retFlags,
          null,
        ),
    );
  const acceptor = () =>
    stepper(
      "gss_accept_sec_context",
      (ctx, input, out) =>
        lib.symbols.gss_accept_sec_context(
          minor,
          ctx,
          handleOf(acceptCred),
          input,
          null,
          null,
          null,
          out,
          retFlags,
          null,
          null,
        ),
    );

  return {
    initiator,
    acceptor,
    handshake() {
      const c = initiator();
      const s = acceptor();
      try {
        exchangeTokens(c, s);
        if (!c.complete || !s.complete) {
          throw new Error(
            `the ${mech} handshake did not complete (initiator ${c.complete}, acceptor ${s.complete})`,
          );
        }
      } finally {
        c.dispose();
        s.dispose();
      }
    },
    async close() {
      await release();
    },
  };
}

/** The Kerberos V5 mechanism (RFC 1964 / RFC 4121). */

/** Where `openGssapiKrb5Ffi`'s initiator takes its tickets from. */
export type Krb5InitiatorCred = "password" | "default";

/** An open MIT krb5 GSSAPI peer for the Kerberos mechanism alone. */
export interface GssapiKrb5Ffi extends GssapiFfi {
  /**
   * A new initiator context over the password credential (its MEMORY ccache, which
   * holds the service ticket once one context has been made), or with `"default"`
   * over `GSS_C_NO_CREDENTIAL`: the ccache `KRB5CCNAME` names.
   */
  initiator(cred?: Krb5InitiatorCred): GssStepper;
  /** One full handshake with the chosen initiator credential, contexts deleted. */
  handshake(cred?: Krb5InitiatorCred): void;
  /**
   * A fresh logon: `gss_acquire_cred_with_password` (AS exchange), the first
   * `gss_init_sec_context` (TGS exchange, AP-REQ), then context and credential
   * released.
   */
  logon(): void;
}

/**
 * Opens `libgssapi_krb5.so.2` for the Kerberos mechanism: an initiator credential for
 * `principal` from its password (MIT keeps it in a MEMORY ccache) and an acceptor
 * credential over the default keytab (`KRB5_KTNAME`). The environment that MIT reads
 * (`KRB5_CONFIG`, `KRB5CCNAME`, `KRB5_KTNAME`, `KRB5RCACHETYPE`) must be set by the
 * caller, before the library is first loaded. Throws when the library is missing or a
 * credential cannot be acquired (e.g. the KDC does not answer).
 *
 * @example
 * ```ts ignore
 * import { openGssapiKrb5Ffi } from "./gssapi_ffi.ts";
 * const g = await openGssapiKrb5Ffi("alice@EXAMPLE.TEST", "pw", "HTTP@localhost");
 * g.handshake();
 * await g.close();
 * ```
 */
export function openGssapiKrb5Ffi(
  principal: string,
  password: string,
  target: string,
  library = "libgssapi_krb5.so.2",
): Promise<GssapiKrb5Ffi> {
  const lib: Lib = Deno.dlopen(library, SYMBOLS);
  pinMapped(library);
  const keep: Uint8Array[] = [];
  const mechOid = oidDesc(KRB5_MECH_OID, keep);
  const mechs = oidSet(mechOid);
  const minor = new Uint8Array(4);
  const fail = (what: string, major: number): never => {
    throw new Error(
      `${what}: GSS major 0x${major.toString(16)}, minor ${
        new DataView(minor.buffer).getUint32(0, true)
      }`,
    );
  };
  const importName = (slot: Uint8Array, text: string, type: string) => {
    const bytes = new TextEncoder().encode(text);
    keep.push(bytes);
    const st = lib.symbols.gss_import_name(
      minor,
      bufferDesc(bytes),
      oidDesc(type, keep),
      slot,
    );
    if (st !== GSS_S_COMPLETE) fail(`gss_import_name(${text})`, st);
  };
  // Ended with a NUL (not counted), as for gss-ntlmssp above.
  const pw = new TextEncoder().encode(`${password}\0`);
  keep.push(pw);
  const pwDesc = bufferDesc(pw.subarray(0, pw.length - 1));
  const userName = new Uint8Array(8);
  const targetName = new Uint8Array(8);
  const initCred = new Uint8Array(8);
  const acceptCred = new Uint8Array(8);
  const noCred = new Uint8Array(8);
  /** `gss_acquire_cred_with_password` for the user into `slot`. */
  const acquirePassword = (slot: Uint8Array) => {
    const st = lib.symbols.gss_acquire_cred_with_password(
      minor,
      handleOf(userName),
      pwDesc,
      GSS_C_INDEFINITE,
      mechs,
      GSS_C_INITIATE,
      slot,
      null,
      null,
    );
    if (st !== GSS_S_COMPLETE) fail("gss_acquire_cred_with_password", st);
  };
  const release = () => {
    lib.symbols.gss_release_cred(minor, initCred);
    lib.symbols.gss_release_cred(minor, acceptCred);
    lib.symbols.gss_release_name(minor, userName);
    lib.symbols.gss_release_name(minor, targetName);
    lib.close();
    keep.length = 0;
  };
  try {
    importName(userName, principal, NT_USER_NAME);
    importName(targetName, target, NT_HOSTBASED_SERVICE);
    acquirePassword(initCred);
    const st = lib.symbols.gss_acquire_cred(
      minor,
      null,
      GSS_C_INDEFINITE,
      mechs,
      GSS_C_ACCEPT,
      acceptCred,
      null,
      null,
    );
    if (st !== GSS_S_COMPLETE) fail("gss_acquire_cred (accept)", st);
  } catch (e) {
    release();
    return Promise.reject(e);
  }

  const retFlags = new Uint8Array(4);
  const state = new Uint8Array(4);
  const qop = new Uint8Array(4);
  const noToken = new Uint8Array(16);
  const takeOutput = (out: Uint8Array): Uint8Array | null => {
    const v = new DataView(out.buffer);
    const len = Number(v.getBigUint64(0, true));
    const p = Deno.UnsafePointer.create(v.getBigUint64(8, true));
    const bytes = len && p
      ? new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, len).slice(0))
      : null;
    lib.symbols.gss_release_buffer(minor, out);
    return bytes;
  };
  const stepper = (
    what: string,
    call: (ctx: Uint8Array, input: Uint8Array, out: Uint8Array) => number,
  ): GssStepper => {
    const ctx = new Uint8Array(8);
    let complete = false;
    return {
      step(token) {
        if (complete) throw new Error(`${what}: already complete`);
        const out = new Uint8Array(16);
        const major = call(ctx, token ? bufferDesc(token) : noToken, out);
        const reply = takeOutput(out);
        if (major === GSS_S_COMPLETE) complete = true;
        else if (major !== GSS_S_CONTINUE_NEEDED) fail(what, major);
        return reply;
      },
      get complete() {
        return complete;
      },
      wrap(data, encrypt = true) {
        const out = new Uint8Array(16);
        const major = lib.symbols.gss_wrap(
          minor,
          handleOf(ctx),
          encrypt ? 1 : 0,
          0,
          bufferDesc(data),
          state,
          out,
        );
        const token = takeOutput(out);
        if (major !== GSS_S_COMPLETE || !token) fail("gss_wrap", major);
        return token!;
      },
      unwrap(token) {
        const out = new Uint8Array(16);
        const major = lib.symbols.gss_unwrap(
          minor,
          handleOf(ctx),
          bufferDesc(token),
          out,
          state,
          qop,
        );
        const data = takeOutput(out) ?? new Uint8Array(0);
        if (major !== GSS_S_COMPLETE) fail("gss_unwrap", major);
        return data;
      },
      sessionKey() {
        return null;
      },
      dispose() {
        lib.symbols.gss_delete_sec_context(minor, ctx, null);
      },
    };
  };
  const initiatorWith = (cred: Uint8Array) =>
    stepper(
      "gss_init_sec_context",
      (ctx, input, out) =>
        lib.symbols.gss_init_sec_context(
          minor,
          handleOf(cred),
          ctx,
          handleOf(targetName),
          mechOid,
          GSS_FLAGS,
          0,
          null,
          input,
          null,
          out,
          retFlags,
          null,
        ),
    );
  const initiator = (cred: Krb5InitiatorCred = "password") =>
    initiatorWith(cred === "password" ? initCred : noCred);
  const acceptor = () =>
    stepper(
      "gss_accept_sec_context",
      (ctx, input, out) =>
        lib.symbols.gss_accept_sec_context(
          minor,
          ctx,
          handleOf(acceptCred),
          input,
          null,
          null,
          null,
          out,
          retFlags,
          null,
          null,
        ),
    );
  return Promise.resolve({
    initiator,
    acceptor,
    handshake(cred: Krb5InitiatorCred = "password") {
      const c = initiator(cred);
      const s = acceptor();
      try {
        exchangeTokens(c, s);
        if (!c.complete || !s.complete) {
          throw new Error(
            `the Kerberos handshake did not complete (initiator ${c.complete}, acceptor ${s.complete})`,
          );
        }
      } finally {
        c.dispose();
        s.dispose();
      }
    },
    logon() {
      const cred = new Uint8Array(8);
      acquirePassword(cred);
      const c = initiatorWith(cred);
      try {
        if (!c.step(null)) throw new Error("gss_init_sec_context: no AP-REQ");
      } finally {
        c.dispose();
        lib.symbols.gss_release_cred(minor, cred);
      }
    },
    close() {
      release();
      return Promise.resolve();
    },
  });
}
