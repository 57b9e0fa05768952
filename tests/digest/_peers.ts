/**
 * Real-peer plumbing for the WDigest interop tests: which peers exist, and a test
 * wrapper that skips with an install hint (or fails under `CI=true`).
 *
 * @module
 */
import { isCI, peerMissing } from "../peers/gssapi_peer.ts";

/** True when `cmd` runs (`--version` or the given args). */
export async function hasCommand(
  cmd: string,
  args: string[] = ["--version"],
): Promise<boolean> {
  try {
    const o = await new Deno.Command(cmd, {
      args,
      stdout: "null",
      stderr: "null",
    }).output();
    return o.code === 0 || o.code === 1;
  } catch {
    return false;
  }
}

/** Registers a test that needs a peer; skips (or fails in CI) when it is missing. */
export function peerTest(
  name: string,
  peer: string,
  hint: string,
  available: boolean,
  fn: () => Promise<void>,
): void {
  const skip = !available && !isCI();
  if (skip) peerMissing(peer, hint);
  Deno.test({
    name,
    ignore: skip,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      if (!available) {
        peerMissing(peer, hint);
        return;
      }
      await fn();
    },
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
