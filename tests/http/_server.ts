/**
 * Test plumbing for the HTTP helpers: a `withAuthentication` server on 127.0.0.1 that
 * records the identities its handler saw and the client ports it was reached from,
 * and the real-peer availability checks.
 *
 * @module
 */
import {
  type AuthenticationOptions,
  type Identity,
  identityOf,
  withAuthentication,
} from "../../mod.ts";
import { nodeOutput } from "../runtimes/_tools.ts";

/** The test users: NTLM/Negotiate (domain EXAMPLE) and Digest (realm test@deno). */
export const USER = "alice";
/** The test domain. */
export const DOMAIN = "EXAMPLE";
/** The test password. */
export const PASSWORD = "Passw0rd!";
/** The Digest realm. */
export const REALM = "test@deno";

/** Server options accepting USER with every scheme. */
export function allSchemes(
  extra: Partial<AuthenticationOptions> = {},
): AuthenticationOptions {
  return {
    packages: ["Negotiate", "NTLM", "Digest"],
    ntlm: { users: [{ User: USER, Domain: DOMAIN, Password: PASSWORD }] },
    digest: {
      realm: REALM,
      users: [{ User: USER, Password: PASSWORD }],
      qop: ["auth"],
    },
    ...extra,
  };
}

/** A running test server. */
export interface TestServer {
  /** The port on 127.0.0.1. */
  port: number;
  /** The base URL. */
  url: string;
  /** Identities seen by the handler, in order. */
  seen: Identity[];
  /** Client ports of every request. */
  ports: number[];
  /** Statuses answered, in order. */
  statuses: number[];
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Runs a Node client `script` (argv: npm directory, URL, user, domain, password) that
 * prints the status, a newline and the body: both, as printed. `nodeOptions` go
 * before the script (`--openssl-legacy-provider` for clients that need MD4 or DES).
 */
export async function nodeClient(
  script: string,
  npm: string,
  url: string,
  password: string,
  nodeOptions: string[] = [],
): Promise<{ status: string; body: string }> {
  const out = await nodeOutput(
    script,
    [npm, url, USER, DOMAIN, password],
    nodeOptions,
  );
  return statusAndBody(out);
}

/**
 * What the test clients (Node, Java, Go) print, a status line and then the body,
 * split; no newline means a status (or an error) without a body.
 */
export function statusAndBody(out: string): { status: string; body: string } {
  const i = out.indexOf("\n");
  return i < 0
    ? { status: out, body: "" }
    : { status: out.slice(0, i), body: out.slice(i + 1) };
}

/**
 * Starts a `withAuthentication` server whose handler answers `hello <user>`, on
 * `port` (default: any free one), over TLS with `tls`.
 */
export function startServer(
  options: AuthenticationOptions,
  port = 0,
  tls?: { cert: string; key: string },
): TestServer {
  const seen: Identity[] = [];
  const ports: number[] = [];
  const statuses: number[] = [];
  const wrapped = withAuthentication(async (req) => {
    const who = identityOf(req)!;
    seen.push(who);
    const body = req.body ? await req.text() : "";
    return new Response(
      `hello ${
        who.domain ? who.domain + "\\" : ""
      }${who.user} via ${who.scheme}` +
        (body ? ` body=${body}` : ""),
    );
  }, options);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {}, ...tls },
    async (req, info) => {
      ports.push((info.remoteAddr as Deno.NetAddr).port);
      const res = await wrapped(req, info);
      statuses.push(res.status);
      return res;
    },
  );
  const bound = (server.addr as Deno.NetAddr).port;
  return {
    port: bound,
    url: `${tls ? "https" : "http"}://127.0.0.1:${bound}`,
    seen,
    ports,
    statuses,
    close: () => server.shutdown(),
  };
}

/** True when `cmd args` runs. */
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

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** The test certificate and key for 127.0.0.1 (self-signed), and a relay's. */
export const TLS = {
  cert: Deno.readTextFileSync(new URL("./data/localhost.pem", import.meta.url)),
  key: Deno.readTextFileSync(new URL("./data/localhost.key", import.meta.url)),
  relayCert: Deno.readTextFileSync(
    new URL("./data/relay.pem", import.meta.url),
  ),
};

/**
 * Two https servers for channel-binding tests, both presenting `TLS.cert`: `required`
 * checks bindings against that certificate and requires them; `relayed` checks them
 * against another certificate (`TLS.relayCert`), so a client's binding of what it
 * really saw does not match, as when a relay presents its own. `extra` goes to both.
 */
export function bindingServers(
  extra: Partial<AuthenticationOptions> = {},
): { required: TestServer; relayed: TestServer; close(): Promise<void> } {
  const users = [{ User: USER, Domain: DOMAIN, Password: PASSWORD }];
  const tls = { cert: TLS.cert, key: TLS.key };
  const required = startServer(
    allSchemes({
      ntlm: { users, requireChannelBindings: true },
      tlsCertificate: TLS.cert,
      ...extra,
    }),
    0,
    tls,
  );
  const relayed = startServer(
    allSchemes({ ntlm: { users }, tlsCertificate: TLS.relayCert, ...extra }),
    0,
    tls,
  );
  return {
    required,
    relayed,
    close: async () => {
      await required.close();
      await relayed.close();
    },
  };
}
