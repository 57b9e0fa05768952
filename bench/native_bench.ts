/**
 * Native WinPR benchmarks through the native function table: full NTLM handshakes
 * (client + server, with the MIC and key exchange WinPR uses by default, including the
 * server's CompleteAuthToken) and EncryptMessage+DecryptMessage round trips. The
 * exports are tinybench task bodies, so `bench/run.ts` can put them beside the portable
 * rows in one run; run this file directly for the native rows alone:
 *
 * ```sh
 * deno run -A bench/native_bench.ts
 * ```
 *
 * @module
 */
// deno.json has no import map entry for tinybench yet; switch to "tinybench" once it does.
// deno-lint-ignore no-import-prefix
import { Bench } from "npm:tinybench@^2.9.0";
import {
  InitSecurityInterface,
  type SecurityFunctionTable,
} from "../src/provider.ts";
import { SecBuffer, SecBufferDesc } from "../src/sspi/buffers.ts";
import {
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_CONNECTION,
  ASC_REQ_INTEGRITY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
} from "../src/sspi/flags.ts";
import { CredHandle, CtxtHandle } from "../src/sspi/handles.ts";
import {
  SEC_E_OK,
  SEC_I_COMPLETE_NEEDED,
  statusName,
} from "../src/sspi/status.ts";
import { writeSamFile } from "../tests/peers/winpr_sam.ts";
import { inTok } from "./ntlm_bench.ts";

const USER = { User: "alice", Domain: "EXAMPLE", Password: "S3cret!pw" };
const ISC = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION;
const ASC = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION;

/** A WinPR table with a SAM file holding the bench user. */
export interface WinprBench {
  /** The native table. */
  table: SecurityFunctionTable;
  /** The client credential (acquired once). */
  client: CredHandle;
  /** The SAM file (removed by `close`). */
  samPath: string;
  /** Frees the credential and removes the SAM file. */
  close(): Promise<void>;
}

function check(what: string, s: number, want = SEC_E_OK): void {
  if (s !== want) throw new Error(`${what}: ${statusName(s)}`);
}

/**
 * Opens WinPR (`library`, default `libwinpr2.so.2`) with a temporary SAM file and a
 * client credential. Throws when the library is missing (`apt-get install -y libwinpr2-2`).
 */
export async function openWinprBench(
  library = "libwinpr2.so.2",
): Promise<WinprBench> {
  if (Deno.env.get("WLOG_LEVEL") === undefined) {
    Deno.env.set("WLOG_LEVEL", "OFF");
  }
  const samPath = await writeSamFile([USER]);
  const table = InitSecurityInterface({
    provider: "native",
    library,
    samFile: samPath,
  });
  const client = new CredHandle();
  check(
    "AcquireCredentialsHandle",
    table.AcquireCredentialsHandle(
      null,
      "NTLM",
      SECPKG_CRED_OUTBOUND,
      null,
      USER,
      null,
      null,
      client,
      null,
    ),
  );
  return {
    table,
    client,
    samPath,
    async close() {
      table.FreeCredentialsHandle(client);
      await Deno.remove(samPath).catch(() => {});
    },
  };
}

const buf = (n = 4096) =>
  new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(n))]);

/**
 * One full WinPR handshake. The server credential is acquired per handshake: WinPR 2
 * copies each client's name into the acceptor credential without freeing the last one,
 * so a shared server credential would grow for the whole run. Returns the contexts and
 * that credential (the caller deletes/frees them).
 */
export function winprHandshakeContexts(
  b: WinprBench,
): { client: CtxtHandle; server: CtxtHandle; serverCred: CredHandle } {
  const t = b.table;
  const sc = new CredHandle();
  check(
    "server AcquireCredentialsHandle",
    t.AcquireCredentialsHandle(
      null,
      "NTLM",
      SECPKG_CRED_INBOUND,
      null,
      null,
      null,
      null,
      sc,
      null,
    ),
  );
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const a = { value: 0 };
  const c1 = buf();
  t.InitializeSecurityContext(
    b.client,
    null,
    "HTTP/web.example.com",
    ISC,
    0,
    SECURITY_NATIVE_DREP,
    null,
    0,
    cx,
    c1,
    a,
    null,
  );
  const s1 = buf();
  t.AcceptSecurityContext(
    sc,
    null,
    inTok(c1),
    ASC,
    SECURITY_NATIVE_DREP,
    sx,
    s1,
    a,
    null,
  );
  const c2 = buf();
  check(
    "InitializeSecurityContext",
    t.InitializeSecurityContext(
      b.client,
      cx,
      "HTTP/web.example.com",
      ISC,
      0,
      SECURITY_NATIVE_DREP,
      inTok(s1),
      0,
      cx,
      c2,
      a,
      null,
    ),
  );
  const s2 = buf();
  check(
    "AcceptSecurityContext",
    t.AcceptSecurityContext(
      sc,
      sx,
      inTok(c2),
      ASC,
      SECURITY_NATIVE_DREP,
      sx,
      s2,
      a,
      null,
    ),
    SEC_I_COMPLETE_NEEDED,
  );
  check("CompleteAuthToken", t.CompleteAuthToken(sx, s2));
  return { client: cx, server: sx, serverCred: sc };
}

/** A task body: one full WinPR handshake, then its contexts deleted. */
export function winprHandshake(b: WinprBench): () => void {
  return () => {
    const h = winprHandshakeContexts(b);
    b.table.DeleteSecurityContext(h.client);
    b.table.DeleteSecurityContext(h.server);
    b.table.FreeCredentialsHandle(h.serverCred);
  };
}

/**
 * A task body: one full WinPR handshake, one message of `size` bytes sealed by the
 * client and unsealed by the server, then its contexts deleted.
 */
export function winprHandshakeAndSeal(b: WinprBench, size = 64): () => void {
  return () => {
    const h = winprHandshakeContexts(b);
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
      new SecBuffer(SECBUFFER_DATA, new Uint8Array(size)),
    ]);
    try {
      check("EncryptMessage", b.table.EncryptMessage(h.client, 0, msg, 0));
      check(
        "DecryptMessage",
        b.table.DecryptMessage(h.server, msg, 0, { value: 0 }),
      );
    } finally {
      b.table.DeleteSecurityContext(h.client);
      b.table.DeleteSecurityContext(h.server);
      b.table.FreeCredentialsHandle(h.serverCred);
    }
  };
}

/** A task body: EncryptMessage on the client and DecryptMessage on the server of `size` bytes. */
export function winprSealRoundTrip(b: WinprBench, size: number): () => void {
  const h = winprHandshakeContexts(b);
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
    new SecBuffer(SECBUFFER_DATA, new Uint8Array(size)),
  ]);
  const q = { value: 0 };
  return () => {
    check("EncryptMessage", b.table.EncryptMessage(h.client, 0, msg, 0));
    check("DecryptMessage", b.table.DecryptMessage(h.server, msg, 0, q));
  };
}

/** The native rows as `{ name, fn }` tasks for a shared tinybench run. */
export function nativeBenchTasks(
  b: WinprBench,
): { name: string; fn: () => void }[] {
  return [
    { name: "NTLM handshake (native WinPR)", fn: winprHandshake(b) },
    {
      name: "seal+unseal 1 KiB (native WinPR)",
      fn: winprSealRoundTrip(b, 1024),
    },
    {
      name: "seal+unseal 64 KiB (native WinPR)",
      fn: winprSealRoundTrip(b, 65536),
    },
  ];
}

/** Runs the native rows alone and prints the table. */
export async function runNativeBench(time = 1000): Promise<Bench> {
  const b = await openWinprBench();
  const bench = new Bench({ time });
  for (const t of nativeBenchTasks(b)) bench.add(t.name, t.fn);
  await bench.warmup();
  await bench.run();
  await b.close();
  return bench;
}

if (import.meta.main) {
  const bench = await runNativeBench();
  console.table(bench.table());
}
