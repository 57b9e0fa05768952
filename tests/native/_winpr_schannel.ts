/**
 * Running `_winpr_schannel_peer.ts` in a child process (WinPR's Schannel may crash the
 * process, so it never runs in the test runner), and building the `LD_PRELOAD` stand-in
 * for the fix of WinPR's BIO setup (`_winpr_bio_shim.c`).
 *
 * @module
 */
import { WINPR } from "./_helpers.ts";

/** One JSON line of the child. */
export type Step = Record<string, unknown> & { step: string };

/** What the child printed and how it ended. */
export interface PeerRun {
  /** Its JSON lines, in order. */
  steps: Step[];
  /** Everything it wrote (stdout and stderr; WinPR logs to stdout). */
  text: string;
  /** Exit code. */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
}

const PEER = new URL("./_winpr_schannel_peer.ts", import.meta.url).pathname;
const SHIM = new URL("./_winpr_bio_shim.c", import.meta.url).pathname;

/** Runs the child (`--tls12` in `args` for TLS 1.2), with `preload` in `LD_PRELOAD`. */
export async function runPeer(
  args: string[] = [],
  preload?: string,
): Promise<PeerRun> {
  const env: Record<string, string> = {
    WLOG_LEVEL: "ERROR",
    WINPR_LIBRARY: WINPR,
  };
  if (preload) env.LD_PRELOAD = preload;
  // WinPR as shipped runs on a freed SSL object: never let that hang the suite.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 120_000);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", PEER, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
    signal: abort.signal,
  }).output().finally(() => clearTimeout(timer));
  const dec = new TextDecoder();
  const text = dec.decode(out.stdout) + dec.decode(out.stderr);
  const steps: Step[] = [];
  for (const line of dec.decode(out.stdout).split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      steps.push(JSON.parse(line));
    } catch { /* a log line that looks like JSON */ }
  }
  return { steps, text, code: out.code, signal: out.signal };
}

/** The first step named `name` (throws with the whole run when there is none). */
export function stepOf(run: PeerRun, name: string): Step {
  const s = run.steps.find((x) => x.step === name);
  if (!s) {
    throw new Error(
      `the child printed no "${name}" (exit ${run.code}, signal ${run.signal}):\n` +
        run.text.slice(-4000),
    );
  }
  return s;
}

/** Every step named `name`. */
export function stepsOf(run: PeerRun, name: string): Step[] {
  return run.steps.filter((x) => x.step === name);
}

/**
 * Builds `_winpr_bio_shim.c` into a temporary directory with `cc`; returns the `.so`
 * path, or the reason it could not (no compiler, no OpenSSL headers).
 */
export async function buildBioShim(): Promise<
  { path: string } | { missing: string }
> {
  const dir = await Deno.makeTempDir({ prefix: "winpr-bio-shim-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone */ }
  });
  const path = `${dir}/bio_shim.so`;
  try {
    const r = await new Deno.Command("cc", {
      args: ["-shared", "-fPIC", "-O2", "-o", path, SHIM, "-ldl", "-lcrypto"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) {
      return {
        missing: `cc failed: ${
          new TextDecoder().decode(r.stderr).slice(0, 300)
        }`,
      };
    }
  } catch (e) {
    return { missing: `cc cannot run: ${(e as Error).message}` };
  }
  return { path };
}
