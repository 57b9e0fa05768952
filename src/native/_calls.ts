/**
 * The calls of the native provider, each split in two halves so the synchronous and the
 * `nonblocking` (async) forms share them: `prepare*` checks the arguments and marshals
 * them into an `Arena`, and the returned `done(status)` copies the results back into
 * the caller's objects and drops the arena. Between the two halves the library may run on
 * another thread; the prepared object holds every block it can see.
 *
 * @module
 */
import {
  type AttributeOut,
  baseType,
  type SecBuffer,
  type SecBufferDesc,
  type TimeStamp,
  type ULongOut,
} from "../sspi/buffers.ts";
import {
  checkAcquireArgs,
  checkHandleArg,
  checkSetAttributeArgs,
  isZero,
  type StepArgs,
} from "../sspi/_dispatch.ts";
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_ALLOCATE_MEMORY,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_PACKAGE_INFO,
} from "../sspi/flags.ts";
import { CredHandle, CtxtHandle } from "../sspi/handles.ts";
import type { SecPkgInfo } from "../sspi/package.ts";
import {
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
} from "../sspi/status.ts";
import {
  ATTRIBUTE_BUFFER_SIZE,
  CONTEXT_ATTRIBUTES,
  contextAttributeIn,
  CREDENTIAL_ATTRIBUTES,
  readContextAttribute,
  SETTABLE_CONTEXT_ATTRIBUTES,
} from "./_attributes.ts";
import { authIdentityIn } from "./_auth_identity.ts";
import { isSchannelPackage, schannelCredIn } from "./_schannel_cred.ts";
import {
  handleIn,
  handleOut,
  LiveHandles,
  prepareRelease,
  SEC_HANDLE_SIZE,
} from "./_handles.ts";
import { Arena, fromAddr, ptr, readAddr, view } from "./_memory.ts";
import { enumeratePackages, queryPackageInfo } from "./_package_info.ts";
import {
  descIn,
  descOut,
  descOutChecked,
  SEC_BUFFER_SIZE,
  secBufferIn,
  secBufferOut,
} from "./_secbuffer.ts";
import type { SspiSymbols } from "./_symbols.ts";
import {
  type NativeOptions,
  type Preparation,
  SECPKG_ATTR_AUTH_NTLM_SAM_FILE,
} from "./_call_types.ts";

interface CredInfo {
  pkg: string;
}

interface CtxInfo {
  pkg: string;
  role: "initiate" | "accept";
}

function u32(b: Uint8Array): number {
  return view(b).getUint32(0, true);
}

function checkOut(name: string, o: unknown): void {
  if (!o || typeof o !== "object") {
    throw new TypeError(`${name} must be an object { value }`);
  }
}

/** The state of one native provider: the bound symbols and the live handles. */
export class NativeCalls {
  /** The bound symbols. */
  readonly sym: SspiSymbols;
  /** The options. */
  readonly options: NativeOptions;
  /** Credential handles handed out and not yet freed. */
  readonly creds: LiveHandles<CredInfo> = new LiveHandles<CredInfo>();
  /** Context handles handed out and not yet deleted. */
  readonly ctxs: LiveHandles<CtxInfo> = new LiveHandles<CtxInfo>();
  #maxToken = new Map<string, number>();

  /** Binds the calls to `sym`. */
  constructor(sym: SspiSymbols, options: NativeOptions) {
    this.sym = sym;
    this.options = options;
  }

  /** Releases memory the library allocated (`FreeContextBuffer`). */
  free = (a: bigint): void => {
    if (a !== 0n) this.sym.FreeContextBuffer(fromAddr(a));
  };

  /** The package's `cbMaxToken` (cached), used for WinPR's scratch output buffers. */
  maxToken(pkg: string): number {
    const known = this.#maxToken.get(pkg.toLowerCase());
    if (known !== undefined) return known;
    const out: AttributeOut<SecPkgInfo> = {};
    const s = this.QuerySecurityPackageInfo(pkg, out);
    const n = s === SEC_E_OK && out.value?.cbMaxToken
      ? Math.max(out.value.cbMaxToken, 4096)
      : 65536;
    this.#maxToken.set(pkg.toLowerCase(), n);
    return n;
  }

  // ---- credentials -------------------------------------------------------------

  /** `AcquireCredentialsHandleW`. */
  prepareAcquire(
    principal: string | null,
    pkg: string,
    use: number,
    authData: unknown,
    phCredential: CredHandle,
    ptsExpiry: TimeStamp | null | undefined,
  ): Preparation {
    checkAcquireArgs({
      principal,
      packageName: pkg,
      use,
      authData,
      out: phCredential,
      expiry: ptsExpiry,
    });
    const arena = new Arena();
    const identity = isSchannelPackage(pkg)
      ? schannelCredIn(arena, authData)
      : authIdentityIn(arena, authData);
    const hb = arena.bytes(SEC_HANDLE_SIZE);
    const ts = arena.bytes(8);
    if (ptsExpiry) view(ts).setBigInt64(0, BigInt(ptsExpiry.value ?? 0n), true);
    return {
      args: [
        ptr(principal ? arena.wstr(principal) : null),
        ptr(arena.wstr(pkg)),
        use >>> 0,
        null,
        ptr(identity),
        null,
        null,
        ptr(hb),
        ptr(ts),
      ],
      done: (status) => {
        const s = status >>> 0;
        if (s === SEC_E_OK) {
          handleOut(hb, phCredential);
          this.creds.add(phCredential, { pkg });
          if (ptsExpiry) ptsExpiry.value = view(ts).getBigInt64(0, true);
        }
        arena.release();
        return s;
      },
    };
  }

  /** `FreeCredentialsHandle`. */
  prepareFreeCredentials(phCredential: CredHandle): Preparation {
    checkHandleArg("phCredential", phCredential, false);
    return prepareRelease(this.creds, phCredential);
  }

  // ---- handshake ---------------------------------------------------------------

  /**
   * `InitializeSecurityContextW` (`role` "initiate") or `AcceptSecurityContext`, from
   * arguments the caller checked (`checkStepArgs`).
   */
  prepareStep(a: StepArgs): Preparation {
    const {
      role,
      cred,
      ctx,
      target,
      flags,
      dataRep,
      input,
      newCtx,
      output,
      attrs,
      expiry,
    } = a;
    const hasCtx = !isZero(ctx);
    const ctxInfo = hasCtx ? this.ctxs.get(ctx) : undefined;
    if (hasCtx && !ctxInfo) return SEC_E_INVALID_HANDLE;
    const credInfo = isZero(cred) ? undefined : this.creds.get(cred);
    if (!isZero(cred) && !credInfo) return SEC_E_INVALID_HANDLE;
    if (!ctxInfo && !credInfo) return SEC_E_INVALID_HANDLE;
    const pkg = (ctxInfo ?? credInfo)!.pkg;
    const allocFlag = role === "initiate"
      ? ISC_REQ_ALLOCATE_MEMORY
      : ASC_REQ_ALLOCATE_MEMORY;
    const allocate = ((flags >>> 0) & allocFlag) !== 0;
    const arena = new Arena();
    const bare = role === "initiate" && !hasCtx &&
      this.options.firstInputNeedsToken === true &&
      !input?.pBuffers.some((b) => b && baseType(b) === SECBUFFER_TOKEN);
    const inM = descIn(arena, bare ? null : input);
    const outM = descIn(arena, output, {
      allocate,
      scratch: allocate && !this.options.allocates ? this.maxToken(pkg) : 0,
    });
    const credB = isZero(cred) ? null : handleIn(arena, cred);
    const ctxB = hasCtx ? handleIn(arena, ctx) : null;
    const newB = newCtx ? arena.bytes(SEC_HANDLE_SIZE) : null;
    const attrB = arena.bytes(4);
    const tsB = arena.bytes(8);
    if (attrs) view(attrB).setUint32(0, (attrs.value ?? 0) >>> 0, true);
    if (expiry) view(tsB).setBigInt64(0, BigInt(expiry.value ?? 0n), true);
    const common = [
      ptr(credB),
      ptr(ctxB),
    ];
    const args = role === "initiate"
      ? [
        ...common,
        ptr(target ? arena.wstr(target) : null),
        flags >>> 0,
        0,
        dataRep >>> 0,
        ptr(inM?.native ?? null),
        0,
        ptr(newB),
        ptr(outM?.native ?? null),
        ptr(attrB),
        ptr(tsB),
      ]
      : [
        ...common,
        ptr(inM?.native ?? null),
        flags >>> 0,
        dataRep >>> 0,
        ptr(newB),
        ptr(outM?.native ?? null),
        ptr(attrB),
        ptr(tsB),
      ];
    return {
      args,
      done: (status) => {
        const s = status >>> 0;
        descOut(inM, this.free);
        descOut(outM, this.free);
        if (attrs) attrs.value = u32(attrB);
        if (expiry) expiry.value = view(tsB).getBigInt64(0, true);
        if (newCtx && newB) {
          const lower = readAddr(newB, 0);
          const upper = readAddr(newB, 8);
          if (lower !== 0n || upper !== 0n) {
            handleOut(newB, newCtx);
            if (!this.ctxs.get(newCtx)) {
              this.ctxs.add(newCtx, { pkg, role });
              if (!ctxInfo) this.#onNewContext(newCtx, role);
            }
          } else if (hasCtx && newCtx !== ctx) {
            // Some libraries (WinPR) only write phNewContext when they create the context.
            newCtx.dwLower = ctx!.dwLower;
            newCtx.dwUpper = ctx!.dwUpper;
          }
        }
        arena.release();
        return s;
      },
    };
  }

  #onNewContext(h: CtxtHandle, role: "initiate" | "accept"): void {
    const sam = this.options.samFile;
    if (role !== "accept" || !sam || !this.sym.SetContextAttributesW) return;
    const arena = new Arena();
    const path = arena.cstr(sam);
    this.sym.SetContextAttributesW(
      ptr(handleIn(arena, h)),
      SECPKG_ATTR_AUTH_NTLM_SAM_FILE,
      ptr(path),
      path.length,
    );
    arena.release();
  }

  /** `DeleteSecurityContext`. */
  prepareDeleteContext(phContext: CtxtHandle): Preparation {
    checkHandleArg("phContext", phContext, false);
    return prepareRelease(this.ctxs, phContext);
  }

  /** Runs a preparation synchronously with `f`. */
  run(
    p: Preparation,
    f: (...args: (Deno.PointerValue | number)[]) => number,
  ): number {
    if (typeof p === "number") return p >>> 0;
    return p.done(f(...p.args));
  }

  /** `CompleteAuthToken`. */
  CompleteAuthToken(
    phContext: CtxtHandle,
    pToken: SecBufferDesc | null,
  ): number {
    checkHandleArg("phContext", phContext, false);
    if (!this.ctxs.get(phContext)) return SEC_E_INVALID_HANDLE;
    const arena = new Arena();
    const m = descIn(arena, pToken);
    const empty = arena.bytes(16); // ulVersion 0, cBuffers 0, pBuffers NULL
    const s = this.sym.CompleteAuthToken(
      ptr(handleIn(arena, phContext)),
      ptr(m?.native ?? empty),
    ) >>> 0;
    descOut(m, this.free);
    arena.release();
    return s;
  }

  // ---- attributes --------------------------------------------------------------

  /** `QueryContextAttributesW`, decoding the structures of `_attributes.ts`. */
  QueryContextAttributes(
    phContext: CtxtHandle,
    ulAttribute: number,
    pBuffer: AttributeOut,
  ): number {
    checkHandleArg("phContext", phContext, false);
    checkOut("pBuffer", pBuffer);
    const info = this.ctxs.get(phContext);
    if (!info) return SEC_E_INVALID_HANDLE;
    const attr = ulAttribute >>> 0;
    if (!CONTEXT_ATTRIBUTES.has(attr)) return SEC_E_UNSUPPORTED_FUNCTION;
    const arena = new Arena();
    const b = arena.bytes(ATTRIBUTE_BUFFER_SIZE);
    const s = this.sym.QueryContextAttributesW(
      ptr(handleIn(arena, phContext)),
      attr,
      ptr(b),
    ) >>> 0;
    if (s === SEC_E_OK) {
      pBuffer.value = readContextAttribute(attr, b, this.free);
    } else if (
      s === SEC_E_UNSUPPORTED_FUNCTION && attr === SECPKG_ATTR_PACKAGE_INFO
    ) {
      // WinPR 2 answers no standard attribute but SIZES; the package of a context is the
      // package its credential was acquired for, so answer from the package table.
      const out: AttributeOut<SecPkgInfo> = {};
      const q = this.QuerySecurityPackageInfo(info.pkg, out);
      arena.release();
      if (q === SEC_E_OK) pBuffer.value = { PackageInfo: out.value };
      return q;
    }
    arena.release();
    return s;
  }

  /**
   * `SetContextAttributesW` for the attributes of `SETTABLE_CONTEXT_ATTRIBUTES`,
   * marshalled by `_attributes.ts`; any other is `SEC_E_UNSUPPORTED_FUNCTION` without
   * a library call, a value that cannot be laid out `SEC_E_INVALID_PARAMETER`. The
   * library gets the size of the structure marshalled, whatever `cbBuffer` says.
   */
  SetContextAttributes(
    phContext: CtxtHandle,
    ulAttribute: number,
    pBuffer: unknown,
    cbBuffer = 0,
  ): number {
    checkSetAttributeArgs(phContext, pBuffer, cbBuffer);
    if (!this.ctxs.get(phContext)) return SEC_E_INVALID_HANDLE;
    const attr = ulAttribute >>> 0;
    const f = this.sym.SetContextAttributesW;
    if (!SETTABLE_CONTEXT_ATTRIBUTES.has(attr) || !f) {
      return SEC_E_UNSUPPORTED_FUNCTION;
    }
    // The arena holds the structure and what it points to until the call returns.
    const arena = new Arena();
    const b = contextAttributeIn(arena, attr, pBuffer);
    const s = b
      ? f(ptr(handleIn(arena, phContext)), attr, ptr(b), b.length) >>> 0
      : SEC_E_INVALID_PARAMETER;
    arena.release();
    return s;
  }

  /** `QueryCredentialsAttributesW`. */
  QueryCredentialsAttributes(
    phCredential: CredHandle,
    ulAttribute: number,
    pBuffer: AttributeOut,
  ): number {
    checkHandleArg("phCredential", phCredential, false);
    checkOut("pBuffer", pBuffer);
    if (!this.creds.get(phCredential)) return SEC_E_INVALID_HANDLE;
    const attr = ulAttribute >>> 0;
    const f = this.sym.QueryCredentialsAttributesW;
    if (!CREDENTIAL_ATTRIBUTES.has(attr) || !f) {
      return SEC_E_UNSUPPORTED_FUNCTION;
    }
    const arena = new Arena();
    const b = arena.bytes(ATTRIBUTE_BUFFER_SIZE);
    const s = f(ptr(handleIn(arena, phCredential)), attr, ptr(b)) >>> 0;
    if (s === SEC_E_OK) {
      pBuffer.value = readContextAttribute(attr, b, this.free);
    }
    arena.release();
    return s;
  }

  // ---- messages ----------------------------------------------------------------

  /** `MakeSignature`/`EncryptMessage`: `(ctx, fQOP, pMessage, seqNo)`. */
  protect(
    which: "MakeSignature" | "EncryptMessage",
    phContext: CtxtHandle,
    fQOP: number,
    pMessage: SecBufferDesc,
    MessageSeqNo: number,
  ): number {
    checkHandleArg("phContext", phContext, false);
    if (!this.ctxs.get(phContext)) return SEC_E_INVALID_HANDLE;
    const arena = new Arena();
    const m = descIn(arena, pMessage);
    if (!m) throw new TypeError("pMessage must be a SecBufferDesc");
    const s = this.sym[which](
      ptr(handleIn(arena, phContext)),
      fQOP >>> 0,
      ptr(m.native),
      MessageSeqNo >>> 0,
    ) >>> 0;
    descOut(m, this.free);
    arena.release();
    return s;
  }

  /** `VerifySignature`/`DecryptMessage`: `(ctx, pMessage, seqNo, pfQOP)`. */
  unprotect(
    which: "VerifySignature" | "DecryptMessage",
    phContext: CtxtHandle,
    pMessage: SecBufferDesc,
    MessageSeqNo: number,
    pfQOP: ULongOut | null,
  ): number {
    checkHandleArg("phContext", phContext, false);
    if (!this.ctxs.get(phContext)) return SEC_E_INVALID_HANDLE;
    const arena = new Arena();
    const m = descIn(arena, pMessage);
    if (!m) throw new TypeError("pMessage must be a SecBufferDesc");
    const qop = arena.bytes(4);
    let s = this.sym[which](
      ptr(handleIn(arena, phContext)),
      ptr(m.native),
      MessageSeqNo >>> 0,
      ptr(qop),
    ) >>> 0;
    // WinPR's Schannel says SEC_E_OK with cbBuffer (ULONG)-1 when OpenSSL failed.
    if (descOutChecked(m, this.free) && s === SEC_E_OK) {
      s = SEC_E_INTERNAL_ERROR;
    }
    if (pfQOP) pfQOP.value = u32(qop);
    arena.release();
    return s;
  }

  // ---- packages ----------------------------------------------------------------

  /** `EnumerateSecurityPackagesW`. */
  EnumerateSecurityPackages(
    pcPackages: ULongOut,
    ppPackageInfo: AttributeOut<SecPkgInfo[]>,
  ): number {
    checkOut("pcPackages", pcPackages);
    checkOut("ppPackageInfo", ppPackageInfo);
    return enumeratePackages(this.sym, this.free, pcPackages, ppPackageInfo);
  }

  /** `QuerySecurityPackageInfoW`. */
  QuerySecurityPackageInfo(
    pszPackageName: string,
    ppPackageInfo: AttributeOut<SecPkgInfo>,
  ): number {
    if (typeof pszPackageName !== "string") {
      throw new TypeError("pszPackageName must be a string");
    }
    checkOut("ppPackageInfo", ppPackageInfo);
    return queryPackageInfo(this.sym, this.free, pszPackageName, ppPackageInfo);
  }

  // ---- export / import / control tokens ----------------------------------------

  /** `ExportSecurityContext` (the packed context is copied and freed). */
  ExportSecurityContext(
    phContext: CtxtHandle,
    fFlags: number,
    pPackedContext: AttributeOut<SecBuffer>,
    pToken: AttributeOut | null,
  ): number {
    checkHandleArg("phContext", phContext, false);
    checkOut("pPackedContext", pPackedContext);
    if (!this.ctxs.get(phContext)) return SEC_E_INVALID_HANDLE;
    const f = this.sym.ExportSecurityContext;
    if (!f) return SEC_E_UNSUPPORTED_FUNCTION;
    const arena = new Arena();
    const sb = arena.bytes(SEC_BUFFER_SIZE);
    const tok = arena.bytes(8);
    const s = f(
      ptr(handleIn(arena, phContext)),
      fFlags >>> 0,
      ptr(sb),
      ptr(tok),
    ) >>> 0;
    if (s === SEC_E_OK) {
      pPackedContext.value = secBufferOut(sb, this.free);
      if (pToken) pToken.value = readAddr(tok, 0);
    }
    arena.release();
    return s;
  }

  /** `ImportSecurityContextW`. */
  ImportSecurityContext(
    pszPackage: string,
    pPackedContext: SecBuffer,
    _Token: unknown,
    phContext: CtxtHandle,
  ): number {
    if (typeof pszPackage !== "string") {
      throw new TypeError("pszPackage must be a string");
    }
    if (!(phContext instanceof CtxtHandle)) {
      throw new TypeError("phContext must be a CtxtHandle");
    }
    const f = this.sym.ImportSecurityContextW;
    if (!f) return SEC_E_UNSUPPORTED_FUNCTION;
    const arena = new Arena();
    const sb = secBufferIn(arena, pPackedContext);
    const hb = arena.bytes(SEC_HANDLE_SIZE);
    const s = f(ptr(arena.wstr(pszPackage)), ptr(sb), null, ptr(hb)) >>> 0;
    if (s === SEC_E_OK) {
      handleOut(hb, phContext);
      this.ctxs.add(phContext, { pkg: pszPackage, role: "accept" });
    }
    arena.release();
    return s;
  }

  /** `ApplyControlToken`. */
  ApplyControlToken(phContext: CtxtHandle, pInput: SecBufferDesc): number {
    checkHandleArg("phContext", phContext, false);
    if (!this.ctxs.get(phContext)) return SEC_E_INVALID_HANDLE;
    const f = this.sym.ApplyControlToken;
    if (!f) return SEC_E_UNSUPPORTED_FUNCTION;
    const arena = new Arena();
    const m = descIn(arena, pInput);
    const s = f(ptr(handleIn(arena, phContext)), ptr(m?.native ?? null)) >>> 0;
    descOut(m, this.free);
    arena.release();
    return s;
  }
}

export { CredHandle, CtxtHandle };
