/**
 * `InitSecurityInterface`: the SSPI functions as one table, from the portable provider
 * (pure TypeScript, the default) or the native one (`secur32.dll` on Windows, FreeRDP's
 * `libwinpr2.so.2` on Linux, through `Deno.dlopen`).
 *
 * @module
 */
import type {
  ProviderName,
  SecurityFunctionTable,
} from "./native/function_table.ts";
import { createNativeTable } from "./native/table.ts";
import { portableTable } from "./sspi/table.ts";

export type { ProviderName, SecurityFunctionTable };

/** Options of `InitSecurityInterface`. */
export interface InitSecurityInterfaceOptions {
  /** `"portable"` (default) or `"native"`. */
  provider?: ProviderName;
  /**
   * The native library: default `secur32.dll` on Windows, `libwinpr2.so.2` elsewhere.
   * Ignored by the portable provider.
   */
  library?: string;
  /**
   * WinPR only: the SAM file its NTLM acceptor reads (`User:Domain::NTHASH:::` lines)
   * instead of `/etc/winpr/SAM`; set on each new server context.
   */
  samFile?: string;
}

/**
 * Returns the SSPI function table of a provider. `{ provider: "portable" }` (the
 * default) wraps the functions of `src/sspi/api.ts` and `src/sspi/async.ts`;
 * `{ provider: "native" }` opens `secur32.dll` on Windows or `options.library`
 * (default `libwinpr2.so.2`) elsewhere, and needs `--allow-ffi`.
 *
 * The native table takes and returns the same shapes as the portable one: handles hold
 * the library's two pointer-sized values in `dwLower`/`dwUpper`, tokens and attribute
 * structures are copied into JS objects (library memory is released at once with the
 * library's `FreeContextBuffer`), and statuses are unsigned numbers. `pAuthData` null
 * means the current user's credentials, as on Windows.
 *
 * Throws an `Error` naming the cause and the library when the `ffi` permission is
 * missing or the library cannot be loaded; the portable provider is unaffected.
 *
 * @example Native NTLM through WinPR on Linux
 * ```ts ignore
 * import { InitSecurityInterface } from "./provider.ts";
 * import { CredHandle } from "./sspi/handles.ts";
 * import { SECPKG_CRED_OUTBOUND } from "./sspi/flags.ts";
 *
 * const sspi = InitSecurityInterface({ provider: "native", library: "libwinpr2.so.2" });
 * const cred = new CredHandle();
 * const status = sspi.AcquireCredentialsHandle(null, "NTLM", SECPKG_CRED_OUTBOUND, null,
 *   { User: "alice", Domain: "CONTOSO", Password: "secret" }, null, null, cred, null);
 * // status === 0 (SEC_E_OK); continue with sspi.InitializeSecurityContext(...)
 * sspi.FreeCredentialsHandle(cred);
 * ```
 *
 * @example The portable provider
 * ```ts
 * import { InitSecurityInterface } from "./provider.ts";
 * const sspi = InitSecurityInterface();
 * console.log(sspi.provider); // "portable"
 * ```
 */
export function InitSecurityInterface(
  options: InitSecurityInterfaceOptions = {},
): SecurityFunctionTable {
  const provider = options.provider ?? "portable";
  if (provider === "portable") return portableTable();
  if (provider === "native") {
    return createNativeTable({
      library: options.library,
      samFile: options.samFile,
    });
  }
  throw new TypeError(
    `InitSecurityInterface: unknown provider "${provider}" (expected "portable" or "native")`,
  );
}
