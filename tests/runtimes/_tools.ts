/**
 * The outside tools of the runtime and browser tests: Node, Chromium (driven by npm
 * `playwright-core` under Node) and Cloudflare's `workerd` (npm `workerd`). The npm
 * packages are installed once, pinned, into a cache directory outside the repository
 * (`$PORTABLE_SSPI_NPM_CACHE`, default `~/.cache/portable-sspi-tests/npm`), so Deno's
 * own npm resolution and the lock file are untouched. A missing tool skips its tests
 * with an install hint, and fails them under `CI=true`.
 *
 * @module
 */
import { isCI, peerMissing } from "../peers/gssapi_peer.ts";

/** Pinned npm packages. */
export const NPM_PACKAGES = [
  "playwright-core@1.65.1",
  "workerd@1.20261117.1",
  "httpntlm@1.8.13",
  "axios-ntlm@1.4.6",
  "ntlm@0.1.3",
  "puppeteer-core@24.43.1",
];

const here = new URL(".", import.meta.url).pathname;
/** The repository root (a path ending in "/"). */
export const ROOT = new URL("../../", import.meta.url).pathname;
/** The Node driver for Chromium. */
export const BROWSER_DRIVER = `${here}_browser_driver.mjs`;

/** The npm cache directory. */
export function npmDir(): string {
  const env = Deno.env.get("PORTABLE_SSPI_NPM_CACHE");
  if (env) return env;
  const home = Deno.env.get("HOME") ?? "/tmp";
  return `${
    Deno.env.get("XDG_CACHE_HOME") ?? `${home}/.cache`
  }/portable-sspi-tests/npm`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[], cwd?: string) {
  try {
    const o = await new Deno.Command(cmd, {
      args,
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const td = new TextDecoder();
    return {
      ok: o.code === 0,
      out: td.decode(o.stdout),
      err: td.decode(o.stderr),
    };
  } catch (e) {
    return { ok: false, out: "", err: String(e) };
  }
}

/** Node's major version, or 0 when `node` is missing. */
export async function nodeMajor(): Promise<number> {
  const r = await run("node", ["--version"]);
  const m = /^v(\d+)/.exec(r.out.trim());
  return r.ok && m ? Number(m[1]) : 0;
}

let npmPromise: Promise<string | null> | null = null;

/** True when `dir/node_modules` holds the pinned versions. */
async function hasPinned(dir: string): Promise<boolean> {
  for (const spec of NPM_PACKAGES) {
    const at = spec.lastIndexOf("@");
    try {
      const pkg = JSON.parse(
        await Deno.readTextFile(
          `${dir}/node_modules/${spec.slice(0, at)}/package.json`,
        ),
      );
      if (pkg.version !== spec.slice(at + 1)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Installs the pinned npm packages into the cache (once; a test file racing another
 * installs into its own temp dir and keeps whichever finished install it finds).
 * Returns the directory holding `node_modules`, or null with a warning when npm
 * failed.
 */
export function npmTools(): Promise<string | null> {
  npmPromise ??= (async () => {
    const dir = npmDir();
    if (await hasPinned(dir)) return dir;
    const parent = dir.replace(/\/[^/]+$/, "");
    await Deno.mkdir(parent, { recursive: true });
    const tmp = await Deno.makeTempDir({ dir: parent, prefix: "npm-" });
    const r = await run("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--no-save",
      "--prefix",
      tmp,
      ...NPM_PACKAGES,
    ]);
    if (!r.ok || !(await hasPinned(tmp))) {
      console.warn(`npm install failed: ${r.err.slice(0, 500)}`);
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      return null;
    }
    try {
      await Deno.rename(tmp, dir); // fails when dir exists and is not empty
      return dir;
    } catch {
      if (await hasPinned(dir)) {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
        return dir;
      }
      return tmp; // a stale cache dir we do not touch: use our own install
    }
  })();
  return npmPromise;
}

/** The Chromium executable, or null. */
export async function chromiumPath(): Promise<string | null> {
  for (
    const p of [
      Deno.env.get("CHROMIUM_PATH"),
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
    ]
  ) {
    if (p && await exists(p)) return p;
  }
  return null;
}

/** The workerd executable (`$WORKERD`, the npm cache, or PATH), or null. */
export async function workerdPath(): Promise<string | null> {
  const env = Deno.env.get("WORKERD");
  if (env && await exists(env)) return env;
  const dir = await npmTools();
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "64";
  const os = Deno.build.os === "darwin" ? "darwin" : "linux";
  const p = `${dir}/node_modules/@cloudflare/workerd-${os}-${arch}/bin/workerd`;
  if (dir && await exists(p)) return p;
  const w = await run("workerd", ["--version"]);
  return w.ok ? "workerd" : null;
}

/** What a browser test needs, or the reason it cannot run. */
export async function browserTools(): Promise<
  { chromium: string; npm: string } | { missing: string; hint: string }
> {
  if (await nodeMajor() < 18) {
    return { missing: "node", hint: "apt-get install -y nodejs (Node >= 18)" };
  }
  const chromium = await chromiumPath();
  if (!chromium) {
    return { missing: "chromium", hint: "apt-get install -y chromium" };
  }
  const npm = await npmTools();
  if (!npm) {
    return {
      missing: "playwright-core",
      hint: `npm install --prefix ${npmDir()} ${NPM_PACKAGES.join(" ")}`,
    };
  }
  return { chromium, npm };
}

/** One page load of the browser driver. */
export interface BrowserTask {
  /** The URL to open. */
  url: string;
  /** Playwright `httpCredentials` for the context. */
  httpCredentials?: { username: string; password: string };
  /** Accept the test server's self-signed certificate. */
  ignoreHTTPSErrors?: boolean;
  /** Wait for `window.__result` and return it. */
  waitForResult?: boolean;
}

/** The outcome of one task. */
export interface BrowserResult {
  /** The main document's status. */
  status: number;
  /** The main document's text. */
  text: string;
  /** `window.__result`, when asked for. */
  result?: unknown;
  /** An error, if the task threw. */
  error?: string;
}

/**
 * Runs tasks in one headless Chromium (via Node + playwright-core), launched with
 * extra `args` and environment when given.
 */
export async function runBrowser(
  tools: { chromium: string; npm: string },
  tasks: BrowserTask[],
  launch: { args?: string[]; env?: Record<string, string> } = {},
): Promise<BrowserResult[]> {
  const r = await run("node", [
    BROWSER_DRIVER,
    JSON.stringify({ chromium: tools.chromium, npm: tools.npm, tasks, launch }),
  ]);
  if (!r.ok) throw new Error(`browser driver failed: ${r.err}${r.out}`);
  return JSON.parse(r.out.trim().split("\n").pop()!);
}

/**
 * Registers a test needing an outside tool (await it at module level): `probe`
 * returns null when everything is there, or what is missing; then the test is
 * ignored with the install hint printed, and fails with it under `CI=true`.
 */
export async function toolTest(
  name: string,
  probe: () => Promise<{ missing: string; hint: string } | null>,
  fn: () => Promise<void>,
): Promise<void> {
  const miss = await probe();
  const skip = miss !== null && !isCI();
  if (miss && skip) peerMissing(miss.missing, miss.hint);
  Deno.test({
    name,
    ignore: skip,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      if (miss) {
        peerMissing(miss.missing, miss.hint); // throws under CI=true
        return;
      }
      await fn();
    },
  });
}

/**
 * A test that runs one of the pinned npm packages under Node: skipped (failed under
 * CI) without Node 18+ or the npm registry. `fn` gets the directory holding
 * `node_modules`.
 */
export function npmToolTest(
  name: string,
  pkg: string,
  fn: (npm: string) => Promise<void>,
): Promise<void> {
  let npm: string | null = null;
  return toolTest(
    name,
    async () => {
      if (await nodeMajor() < 18) {
        return {
          missing: "node",
          hint: "apt-get install -y nodejs (Node >= 18)",
        };
      }
      npm = await npmTools();
      return npm
        ? null
        : { missing: pkg, hint: `npm (registry access) for ${pkg}` };
    },
    () => fn(npm!),
  );
}

/**
 * Runs a script under `node -e` with arguments (and Node options before it); its
 * standard output, trimmed.
 */
export async function nodeOutput(
  script: string,
  args: string[],
  nodeOptions: string[] = [],
): Promise<string> {
  const o = await new Deno.Command("node", {
    args: [...nodeOptions, "-e", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(o.stdout).trim();
}

/** What to install for the Java peers. */
const JAVA_HINT = "apt-get install -y openjdk-17-jdk-headless";

/** Java's major version, or 0 when `java` is missing. */
async function javaMajor(): Promise<number> {
  try {
    const o = await new Deno.Command("java", {
      args: ["-version"],
      stdout: "null",
      stderr: "piped",
    }).output();
    const m = /version "(\d+)/.exec(new TextDecoder().decode(o.stderr));
    return o.success && m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * A test that runs a Java peer (single-file source launch, so Java 11 or later):
 * skipped without it (failed under CI).
 */
export function javaToolTest(
  name: string,
  fn: () => Promise<void>,
): Promise<void> {
  return toolTest(
    name,
    async () =>
      await javaMajor() >= 11
        ? null
        : { missing: "java (11 or later)", hint: JAVA_HINT },
    fn,
  );
}

export { isCI };
