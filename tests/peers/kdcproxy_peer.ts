/**
 * FreeIPA's kdcproxy (an MS-KKDCP server; Debian's python3-kdcproxy) in front of a
 * KDC: `kdcproxy_peer.py` under wsgiref on 127.0.0.1, over plain HTTP or over HTTPS
 * with a certificate for 127.0.0.1 issued by a throwaway CA (made with `openssl`:
 * rustls, under Deno's fetch, refuses a self-signed CA certificate as a server's, so
 * `tests/http/data/localhost.pem` does not do). `close()` stops it.
 *
 * @module
 */
import { pythonProbeStatus, pythonProbeTest } from "./availability.ts";

/** The Debian package that provides kdcproxy. */
export const KDCPROXY_INSTALL_HINT = "apt-get install -y python3-kdcproxy";
const PROBE = "import kdcproxy, wsgiref.simple_server";

/**
 * A Deno test that needs python3-kdcproxy: skipped with the install hint when it is
 * missing, failed under `CI=true`.
 */
export const kdcproxyTest = (
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): Promise<void> =>
  pythonProbeTest(
    "FreeIPA kdcproxy/python3-kdcproxy",
    KDCPROXY_INSTALL_HINT,
    PROBE,
    name,
    fn,
  );

/** A running proxy. */
export interface KdcProxy {
  /** Its URL, `http(s)://127.0.0.1:<port>/KdcProxy`. */
  url: string;
  /** A `fetch` that trusts the test certificate (for `https`). */
  fetch: typeof fetch;
  /** Stops the proxy. */
  close(): Promise<void>;
}

/**
 * Reads the child's stdout until the `PORT <n>` line; the rest is drained until the
 * child exits (`drained`).
 */
async function readPort(
  stream: ReadableStream<Uint8Array>,
): Promise<{ port: number; drained: Promise<void> }> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`kdcproxy_peer.py exited: ${text.trim()}`);
    text += dec.decode(value, { stream: true });
    const m = /^PORT (\d+)$/m.exec(text);
    if (m) {
      const drained = (async () => {
        while (!(await reader.read()).done) { /* discard */ }
      })().catch(() => {});
      return { port: Number(m[1]), drained };
    }
  }
}

/** Runs openssl with `command` (split at spaces); throws with its stderr on failure. */
async function openssl(command: string, cwd: string): Promise<void> {
  const args = command.split(" ");
  const o = await new Deno.Command("openssl", {
    args,
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!o.success) {
    throw new Error(
      `openssl ${args[0]} failed: ${new TextDecoder().decode(o.stderr)}`,
    );
  }
}

/** A CA and a server certificate for 127.0.0.1 it issued, in a new directory. */
async function makeCertificates(): Promise<{ dir: string; ca: string }> {
  const dir = await Deno.makeTempDir({ prefix: "kdcproxy_tls_" });
  try {
    const ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    await openssl(
      `req -x509 ${ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca ` +
        "-addext basicConstraints=critical,CA:TRUE " +
        "-addext keyUsage=critical,keyCertSign",
      dir,
    );
    await openssl(
      `req ${ec} -keyout server.key -out server.csr -subj /CN=127.0.0.1`,
      dir,
    );
    await Deno.writeTextFile(
      `${dir}/server.ext`,
      "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n" +
        "extendedKeyUsage=serverAuth\n",
    );
    await openssl(
      "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial " +
        "-days 2 -extfile server.ext -out server.pem",
      dir,
    );
    return { dir, ca: await Deno.readTextFile(`${dir}/ca.pem`) };
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/**
 * Starts kdcproxy for `realm` in front of the KDC at `kdc` (`host:port`, TCP).
 * Throws when python3-kdcproxy is missing (`kdcproxyTest` skips before that).
 */
export async function startKdcProxy(
  realm: string,
  kdc: string,
  tls: boolean,
): Promise<KdcProxy> {
  const st = await pythonProbeStatus(PROBE);
  if (!st.available) throw new Error(`python3-kdcproxy missing: ${st.reason}`);
  const script = new URL("./kdcproxy_peer.py", import.meta.url).pathname;
  const args = [script, realm, kdc];
  const certs = tls ? await makeCertificates() : null;
  if (certs) args.push(`${certs.dir}/server.pem`, `${certs.dir}/server.key`);
  const child = new Deno.Command(st.python!, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let started: { port: number; drained: Promise<void> };
  try {
    started = await readPort(child.stdout);
  } catch (e) {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await child.stdin.close().catch(() => {});
    await child.status;
    if (certs) await Deno.remove(certs.dir, { recursive: true });
    throw e;
  }
  const { port, drained } = started;
  const client = certs ? Deno.createHttpClient({ caCerts: [certs.ca] }) : null;
  const f: typeof fetch = client
    ? (input, init) => fetch(input, { ...init, client })
    : fetch;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}/KdcProxy`,
    fetch: f,
    async close() {
      client?.close();
      try {
        child.kill("SIGTERM");
      } catch { /* already exited */ }
      await child.stdin.close().catch(() => {});
      await child.status;
      await drained;
      if (certs) await Deno.remove(certs.dir, { recursive: true });
    },
  };
}
