/**
 * Task bodies for the rows measured against MIT krb5's GSSAPI with gss-ntlmssp
 * (`tests/peers/gssapi_ffi.ts`): wrap+unwrap round trips over established contexts,
 * ours through the `client()`/`server()` API (which, like `gss_wrap`, returns a new
 * token holding signature and data) and the peer's through `gss_wrap`/`gss_unwrap`.
 *
 * @module
 */
import { client, server } from "../mod.ts";
import { exchangeTokens, type GssapiFfi } from "../tests/peers/gssapi_ffi.ts";
import { BENCH_USER } from "./ntlm_bench.ts";

/**
 * Returns a task sealing `size` bytes with our `pkg` client and opening them on our
 * server (contexts established once).
 *
 * @example
 * ```ts
 * import { oursWrapRoundTrip } from "./gssapi_bench.ts";
 * oursWrapRoundTrip("NTLM", 1024)();
 * ```
 */
export function oursWrapRoundTrip(pkg: string, size: number): () => void {
  const c = client({
    package: pkg,
    username: BENCH_USER.User,
    domain: BENCH_USER.Domain,
    password: BENCH_USER.Password,
    target: "host/localhost",
  });
  const s = server({ package: pkg, authData: { users: [BENCH_USER] } });
  exchangeTokens(c, s);
  const data = new Uint8Array(size).fill(7);
  return () => {
    if (s.unwrap(c.wrap(data)).length !== size) throw new Error("unwrap");
  };
}

/** The same task with the peer's contexts: `gss_wrap` then `gss_unwrap`. */
export function gssWrapRoundTrip(g: GssapiFfi, size: number): () => void {
  const c = g.initiator();
  const s = g.acceptor();
  exchangeTokens(c, s);
  const data = new Uint8Array(size).fill(7);
  return () => {
    if (s.unwrap(c.wrap(data)).length !== size) throw new Error("gss_unwrap");
  };
}
