/**
 * FreeRDP's shadow server (`freerdp-shadow-cli /sec:nla`, WinPR's CredSSP server with
 * a SAM file) on its own Xvfb, for our CREDSSP client; and the small process helpers
 * the interop tests share.
 */
import assert from "node:assert/strict";
import { peerMissing } from "../peers/availability.ts";
import { writeSamFile } from "../peers/winpr_sam.ts";
import { negotiateHybrid } from "./_rdp.ts";

/** Whether `cmd` can be started at all. */
export async function runs(cmd: string, args: string[]): Promise<boolean> {
  try {
    await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether FreeRDP's client (`xfreerdp`) and Xvfb can run; prints the install hint
 * (failing under `CI=true`, as `peerMissing` does) when not.
 */
export async function xfreerdpAvailable(): Promise<boolean> {
  if (
    await runs("xfreerdp", ["--version"]) &&
    await runs("xvfb-run", ["--help"])
  ) return true;
  peerMissing(
    "FreeRDP (xfreerdp) with Xvfb",
    "apt-get install -y freerdp2-x11 xvfb",
  );
  return false;
}

/**
 * `xvfb-run` arguments running `command` on a free display: `-a` from a random
 * display number, so two test files starting it at once do not both take 99.
 */
export function xvfbRunArgs(command: string[]): string[] {
  const from = 100 + Math.floor(Math.random() * 20000);
  return ["-a", `--server-num=${from}`, ...command];
}

/** A running shadow server. */
export interface ShadowServer {
  /** Connects and runs the X.224 negotiation (PROTOCOL_HYBRID expected), `negFlags` in RDP_NEG_REQ. */
  connect(negFlags?: number): Promise<Deno.Conn>;
  /** Its log so far (stderr). */
  log(): string;
  /** Waits (bounded, by polling) until its log matches `re`; false if it never did. */
  waitForLog(re: RegExp): Promise<boolean>;
}

/**
 * Runs `fn` against a shadow server with `users` in its SAM file; false (after
 * `peerMissing`) when FreeRDP's shadow server or Xvfb is not installed.
 */
export async function withShadowServer(
  users: { User: string; Domain: string; Password: string }[],
  fn: (server: ShadowServer) => Promise<void>,
): Promise<boolean> {
  if (
    !(await runs("freerdp-shadow-cli", ["/version"])) ||
    !(await runs("Xvfb", ["-help"]))
  ) {
    peerMissing(
      "FreeRDP's shadow server with Xvfb",
      "apt-get install -y freerdp2-shadow-x11 xvfb",
    );
    return false;
  }
  const sam = await writeSamFile(users);
  const home = await Deno.makeTempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  // Our own Xvfb (not xvfb-run, which leaves its children behind when killed):
  // it picks a free display and writes its number to stdout.
  const startXvfb = async () => {
    const xvfb = new Deno.Command("Xvfb", {
      args: [
        "-displayfd",
        "1",
        "-nolisten",
        "tcp",
        "-screen",
        "0",
        "1024x768x24",
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = xvfb.stdout.getReader();
    let display = "";
    while (!display.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      display += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    xvfb.stdout.cancel().catch(() => {});
    return { xvfb, display: display.trim() };
  };
  let x = await startXvfb();
  let log = "";
  let exited = false;
  const startServer = () => {
    const child = new Deno.Command("freerdp-shadow-cli", {
      args: [
        `/port:${port}`,
        "/bind-address:127.0.0.1",
        "/sec:nla",
        `/sam-file:${sam}`,
        "+auth",
      ],
      // Its log is read below: WinPR's default level, whatever this process set
      // (tests/native/ sets WLOG_LEVEL=OFF for itself, and --parallel shares env).
      env: { HOME: home, DISPLAY: `:${x.display}`, WLOG_LEVEL: "WARN" },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    exited = false;
    const logged = (async () => {
      for await (const chunk of child.stderr) {
        log += new TextDecoder().decode(chunk);
      }
    })();
    child.status.then(() => exited = true);
    return { child, logged };
  };
  let server = startServer();
  /** Both processes stopped. */
  const stop = async () => {
    for (const child of [server.child, x.xvfb]) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
    }
    await server.logged.catch(() => {});
  };
  let restarts = 0;
  const shadow: ShadowServer = {
    async connect(negFlags = 0) {
      let conn: Deno.Conn | undefined;
      // It makes its TLS key and certificate first: up to a minute on a busy machine.
      for (let i = 0; i < 600 && !conn; i++) {
        if (exited) {
          // Another test's Xvfb, shutting down as ours started on the display it
          // left, can take our display's socket with it: a fresh Xvfb, twice at most.
          if (!/failed to open display/.test(log) || restarts >= 2) break;
          restarts++;
          await stop();
          log = "";
          x = await startXvfb();
          server = startServer();
        }
        try {
          conn = await Deno.connect({ hostname: "127.0.0.1", port });
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.ok(
        conn,
        `FreeRDP's shadow server did not start (display :${x.display}, ${restarts} restarts):\n${
          log.slice(-2000)
        }`,
      );
      assert.equal(await negotiateHybrid(conn, negFlags), 2); // PROTOCOL_HYBRID
      return conn;
    },
    log: () => log,
    async waitForLog(re) {
      for (let i = 0; i < 600 && !re.test(log); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      return re.test(log);
    },
  };
  try {
    await fn(shadow);
  } finally {
    await stop();
    await Deno.remove(home, { recursive: true }).catch(() => {});
    await Deno.remove(sam).catch(() => {});
  }
  return true;
}
