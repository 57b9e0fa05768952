/**
 * The real `openssl` peer for the PKI tests: running it, and registering tests that
 * need it (skipped with a message when it is missing, failing under `CI=true`).
 *
 * @module
 */
import { isCI, peerMissing } from "../peers/availability.ts";

/** How to install the peer. */
export const OPENSSL_INSTALL_HINT = "apt-get install -y openssl";

/** Runs openssl with `args` (in `cwd`), returns stdout; throws with stderr on failure. */
export async function openssl(
  args: string[],
  opts: { cwd?: string; stdin?: Uint8Array } = {},
): Promise<Uint8Array> {
  const cmd = new Deno.Command("openssl", {
    args,
    cwd: opts.cwd,
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  if (opts.stdin) {
    const w = child.stdin.getWriter();
    await w.write(opts.stdin);
    await w.close();
  }
  const out = await child.output();
  if (!out.success) {
    throw new Error(
      `openssl ${args.join(" ")} failed: ${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return out.stdout;
}

/** Like {@link openssl} but returns whether it succeeded. */
export async function opensslOk(
  args: string[],
  cwd?: string,
): Promise<boolean> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd,
    stdout: "null",
    stderr: "null",
  }).output();
  return out.success;
}

let availability: Promise<{ available: boolean; reason?: string }> | undefined;

/** Whether `openssl` runs here (cached). */
export function opensslStatus(): Promise<
  { available: boolean; reason?: string }
> {
  availability ??= (async () => {
    try {
      await openssl(["version"]);
      return { available: true };
    } catch (e) {
      return { available: false, reason: (e as Error).message };
    }
  })();
  return availability;
}

const status = await opensslStatus();
const skip = !status.available && !isCI();
if (skip) peerMissing("openssl", OPENSSL_INSTALL_HINT, status.reason);

/**
 * Registers a test that needs openssl: ignored (with the printed message) when it is
 * missing, failing under `CI=true`.
 */
export function opensslTest(
  name: string,
  fn: () => Promise<void> | void,
): void {
  Deno.test({
    name,
    ignore: skip,
    fn: async () => {
      if (!status.available) {
        peerMissing("openssl", OPENSSL_INSTALL_HINT, status.reason);
        return;
      }
      await fn();
    },
  });
}
