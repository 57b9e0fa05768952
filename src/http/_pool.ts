/**
 * Idle HTTP/1.1 connections kept for the next request to the same place, as Windows'
 * HTTP stacks keep them: NTLM and Negotiate authenticate a connection, and servers
 * such as IIS treat the next request on it as authenticated, so reusing one saves
 * the handshake. A connection is kept only while idle for `idleMs`, is dropped as
 * soon as its server closes it, and never keeps the process alive.
 *
 * @module
 */
import type { Http1Connection } from "./_http1.ts";

interface Idle {
  conn: Http1Connection;
  timer: ReturnType<typeof setTimeout>;
}

/** Lets a timer not hold the process open: Deno's are numbers, Node's objects. */
function unref(timer: ReturnType<typeof setTimeout>): void {
  const deno = (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno;
  if (typeof timer === "number") deno?.unrefTimer(timer);
  else (timer as { unref?(): void }).unref?.();
}

/** Idle connections by destination. */
export class ConnectionPool {
  readonly #idle = new Map<string, Idle[]>();
  readonly #idleMs: number;

  /** A pool whose connections are closed after `idleMs` unused. */
  constructor(idleMs: number) {
    this.#idleMs = idleMs;
  }

  /** An idle connection to `key` that can carry a request now, or null. */
  take(key: string): Http1Connection | null {
    const list = this.#idle.get(key);
    while (list?.length) {
      const { conn, timer } = list.pop()!;
      clearTimeout(timer);
      if (conn.reusable) {
        if (!list.length) this.#idle.delete(key);
        return conn;
      }
      conn.close();
    }
    this.#idle.delete(key);
    return null;
  }

  /** Keeps `conn` for `key` if it can carry another request; closes it otherwise. */
  give(key: string, conn: Http1Connection): void {
    if (!conn.reusable) {
      conn.close();
      return;
    }
    const entry = { conn } as Idle; // its timer is set below
    entry.timer = setTimeout(() => {
      const list = this.#idle.get(key);
      const i = list?.indexOf(entry) ?? -1;
      if (i >= 0) list!.splice(i, 1);
      if (list && !list.length) this.#idle.delete(key);
      conn.close();
    }, this.#idleMs);
    unref(entry.timer);
    const list = this.#idle.get(key);
    if (list) list.push(entry);
    else this.#idle.set(key, [entry]);
  }

  /** Closes every idle connection. */
  close(): void {
    for (const list of this.#idle.values()) {
      for (const { conn, timer } of list) {
        clearTimeout(timer);
        conn.close();
      }
    }
    this.#idle.clear();
  }
}
