/**
 * The OpenSSL command-line peers of the Schannel interop tests: `openssl s_server`
 * around a test body, and `openssl s_client` into our echo server, each bounded by
 * {@link PEER_TIMEOUT_MS}.
 */
import type { CredHandle } from "../../mod.ts";
import { freePort, SchannelStream } from "./_socket.ts";

const enc = new TextEncoder();

/** Serves one connection with our server: reads a line, answers with it upper-cased. */
export async function echoOnce(
  listener: Deno.Listener,
  cred: CredHandle,
  flags?: number,
): Promise<string> {
  const conn = await listener.accept();
  const tls = await SchannelStream.accept(conn, cred, flags);
  const line = await tls.readText((t) => t.includes("\n"));
  await tls.write(enc.encode(line.toUpperCase()));
  // Let the peer read before the socket goes.
  await new Promise((r) => setTimeout(r, 100));
  tls.close();
  return line;
}

/** How long one OpenSSL subprocess (and our side's wait for it) may take. */
export const PEER_TIMEOUT_MS = 60_000;

/** `p`, or a rejection naming `what` once {@link PEER_TIMEOUT_MS} pass. */
export async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`${what}: no answer in ${PEER_TIMEOUT_MS} ms`)),
          PEER_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `openssl s_server -accept 127.0.0.1:<port> <args>` on a free port, its
 * stdin piped (what it sends the client), its stdout piped (what it prints, and
 * what the client sent) or dropped; ended after 2 x {@link PEER_TIMEOUT_MS} at most.
 */
export function spawnSServer(
  args: string[],
  stdout: "piped" | "null" = "null",
): { port: number; child: Deno.ChildProcess } {
  const port = freePort();
  const child = new Deno.Command("openssl", {
    args: ["s_server", "-accept", `127.0.0.1:${port}`, ...args],
    stdin: "piped",
    stdout,
    stderr: "null",
    signal: AbortSignal.timeout(PEER_TIMEOUT_MS * 2),
  }).spawn();
  return { port, child };
}

/** Runs `fn(port)` while `openssl s_server -accept 127.0.0.1:<port> <args>` runs. */
export async function withSServer(
  args: string[],
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const port = freePort();
  const child = new Deno.Command("openssl", {
    args: ["s_server", "-accept", `127.0.0.1:${port}`, ...args],
    stdout: "null",
    stderr: "null",
    signal: AbortSignal.timeout(PEER_TIMEOUT_MS * 2),
  }).spawn();
  try {
    await within(fn(port), "openssl s_server");
  } finally {
    try {
      child.kill();
    } catch { /* exited */ }
    await child.status;
  }
}

/**
 * `openssl s_client <args>` into our echo server (`echoOnce` with `cred` and
 * `flags`), sending `line`: the line our server read, and what s_client printed.
 */
export async function sClientEcho(
  cred: CredHandle,
  args: string[],
  line: string,
  flags?: number,
): Promise<{ read: string; out: string }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = echoOnce(listener, cred, flags);
  const child = new Deno.Command("openssl", {
    args: ["s_client", "-connect", `127.0.0.1:${port}`, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(enc.encode(line));
  let read: string;
  try {
    read = await within(served, "our server under openssl s_client");
  } finally {
    listener.close();
  }
  await w.close().catch(() => {});
  const output = await child.output();
  return { read, out: new TextDecoder().decode(output.stdout) };
}
