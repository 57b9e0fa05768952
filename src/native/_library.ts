/**
 * Opens the native SSPI library (`secur32.dll` on Windows, `libwinpr2.so.2` elsewhere)
 * with `Deno.dlopen`, turning the two ways that fails into clear errors: a missing
 * `--allow-ffi` permission, and a library that cannot be found.
 *
 * @module
 */
import { ALL_SYMBOLS, type SspiLibrary } from "./_symbols.ts";

/** The library the native provider opens when `options.library` is not given. */
export function defaultLibraryName(): string {
  return Deno.build.os === "windows" ? "secur32.dll" : "libwinpr2.so.2";
}

const opened = new Map<string, SspiLibrary>();

function isPermissionError(e: unknown): boolean {
  const errors = Deno.errors as unknown as Record<string, unknown>;
  for (const name of ["NotCapable", "PermissionDenied"]) {
    const cls = errors[name];
    if (typeof cls === "function" && e instanceof (cls as typeof Error)) {
      return true;
    }
  }
  return false;
}

/**
 * Opens (once per name) the SSPI library `name`. Throws an `Error` naming the cause:
 * the missing `ffi` permission, or the library that could not be loaded.
 */
export function openSspiLibrary(name: string): SspiLibrary {
  const known = opened.get(name);
  if (known) return known;
  if (typeof Deno === "undefined" || typeof Deno.dlopen !== "function") {
    throw new Error(
      `Cannot load the native SSPI provider "${name}": this runtime has no Deno.dlopen`,
    );
  }
  let lib: SspiLibrary;
  try {
    lib = Deno.dlopen(name, ALL_SYMBOLS);
  } catch (e) {
    if (isPermissionError(e)) {
      throw new Error(
        `Cannot load the native SSPI provider "${name}": the ffi permission is missing (run with --allow-ffi)`,
        { cause: e },
      );
    }
    const hint = name.includes("winpr")
      ? " (on Debian/Ubuntu: apt-get install -y libwinpr2-2)"
      : "";
    throw new Error(
      `Cannot load the native SSPI provider: library "${name}" could not be opened${hint}: ${
        e instanceof Error ? e.message : String(e)
      }`,
      { cause: e },
    );
  }
  pin(name);
  opened.set(name, lib);
  return lib;
}

/**
 * Keeps a library mapped until the process ends (`dlopen` with `RTLD_NODELETE`). Deno
 * closes `Deno.dlopen` handles when a worker or test runner tears down; WinPR registers
 * exit-time cleanup (`atexit`) in its own code, which then runs from unmapped memory and
 * crashes the process at exit. Pinning costs nothing on a normal run. Best effort:
 * without a reachable libc `dlopen` nothing happens.
 */
function pin(name: string): void {
  const os = Deno.build.os;
  if (os !== "linux" && os !== "darwin") return;
  try {
    const libc = Deno.dlopen(
      os === "darwin" ? "libSystem.B.dylib" : "libc.so.6",
      { dlopen: { parameters: ["buffer", "i32"], result: "pointer" } } as const,
    );
    const RTLD_NOW = 2;
    const RTLD_NODELETE = os === "darwin" ? 0x80 : 0x1000;
    const path = new TextEncoder().encode(name + "\0");
    libc.symbols.dlopen(path, RTLD_NOW | RTLD_NODELETE);
    pinned.push(libc);
  } catch {
    // Not fatal: only the exit-time crash under a tearing-down runner remains possible.
  }
}

const pinned: Deno.DynamicLibrary<{
  dlopen: { parameters: ["buffer", "i32"]; result: "pointer" };
}>[] = [];
