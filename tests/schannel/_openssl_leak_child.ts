/**
 * The OpenSSL FFI peer's leak check, run in a process of its own by
 * `openssl_ffi_test.ts`: glibc's `mallinfo2` counts the whole process, and under
 * `deno test --parallel` other test files allocate in the test process at any time.
 * Arguments: the P-256 server certificate, its key, and the CA file. Prints one JSON
 * line: each loop's least heap growth over three runs (null: not glibc).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  opensslConnect,
  OpensslContext,
  OpensslEndpoint,
  opensslHandshake,
  opensslRoundTrip,
} from "../peers/openssl_ffi.ts";

const LIBC_SYMBOLS = {
  mallinfo2: {
    parameters: [],
    result: {
      struct: [
        "usize",
        "usize",
        "usize",
        "usize",
        "usize",
        "usize",
        "usize",
        "usize",
        "usize",
        "usize",
      ],
    },
  },
  malloc_trim: { parameters: ["usize"], result: "i32" },
} as const;
let libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | null | undefined;
let fullGc: (() => void) | undefined;

/** glibc's `mallinfo2`: bytes malloc has handed out (arena + mmapped), or null. */
function heapInUse(): number | null {
  if (libc === undefined) {
    try {
      libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
    } catch {
      libc = null; // not glibc (or too old): the loops run unmeasured
    }
  }
  if (!libc) return null;
  // Buffers the loops made on the JS side hold malloc'd backing stores until V8
  // collects them: collect first, so only what OpenSSL kept is counted.
  fullGc ??= (() => {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  })();
  fullGc();
  fullGc();
  libc.symbols.malloc_trim(0n);
  const m = new BigUint64Array(libc.symbols.mallinfo2().slice().buffer);
  return Number(m[7] + m[4]); // uordblks + hblkhd
}

const [certFile, keyFile, caFile] = Deno.args;
const results: { what: string; n: number; growth: number | null }[] = [];
const sctx = new OpensslContext("server", { certFile, keyFile, tickets: 0 });
const cctx = new OpensslContext("client", { caFile });
try {
  const loops: [string, number, () => void][] = [
    ["SSL_new + ClientHello + SSL_free", 10_000, () => {
      new OpensslEndpoint(cctx, "localhost").free();
    }],
    ["full handshake + SSL_free", 2_000, () => {
      opensslHandshake(cctx, sctx);
    }],
    // Contexts are made once per test or benchmark; each loads a CA file (0.5 ms).
    ["contexts: SSL_CTX_new + settings + SSL_CTX_free", 2_000, () => {
      new OpensslContext("client", { caFile }).free();
    }],
  ];
  const rt = opensslRoundTrip(cctx, sctx, 1024);
  loops.push(["SSL_write + SSL_read 1 KiB", 10_000, rt.task]);
  for (const [what, n, fn] of loops) {
    for (let i = 0; i < 100; i++) fn(); // warm up: lazily made tables
    // A leak grows the heap every time: the least growth of three runs is reported.
    let growth: number | null = Infinity;
    for (let attempt = 0; attempt < 3 && growth! >= 1 << 20; attempt++) {
      const before = heapInUse();
      for (let i = 0; i < n; i++) fn();
      const after = heapInUse();
      if (before === null || after === null) {
        growth = null; // not glibc: unmeasured
        break;
      }
      growth = Math.min(growth!, after - before);
    }
    results.push({ what, n, growth });
  }
  rt.free();
  // The pair connect path with tickets read by the client, too.
  const pair = opensslConnect(cctx, sctx);
  pair.free();
  pair.free(); // twice is harmless
} finally {
  sctx.free();
  cctx.free();
}
console.log(JSON.stringify(results));
