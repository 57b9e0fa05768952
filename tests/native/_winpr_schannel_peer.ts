/**
 * Child process of `winpr_schannel_test.ts`: WinPR's Schannel client, through the native
 * provider, against the portable Schannel server, in memory, with the Win32 buffer
 * conventions. It prints one JSON object per line (`step` plus what was seen), a
 * `*-call` line before every call into WinPR, so the parent can tell where a crash
 * happened. It asserts nothing: the parent judges.
 *
 * Usage: `deno run -A tests/native/_winpr_schannel_peer.ts [--tls12]`
 * (`WINPR_LIBRARY` names the library, as in the other native tests).
 *
 * @module
 */
import { InitSecurityInterface } from "../../src/provider.ts";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import {
  SECBUFFER_DATA,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_MISSING,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
} from "../../src/sspi/flags.ts";
import { CredHandle, CtxtHandle } from "../../src/sspi/handles.ts";
import { SEC_E_OK, statusName } from "../../src/sspi/status.ts";
import type { SecurityFunctionTable } from "../../src/provider.ts";
import { testPki } from "../schannel/_pki.ts";

const SCH_CRED_MANUAL_CRED_VALIDATION = 0x8;
const SCH_CRED_NO_DEFAULT_CREDS = 0x10;
const SP_PROT_TLS1_2_CLIENT = 0x800;
const SP_PROT_TLS1_2_SERVER = 0x400;
const SECPKG_ATTR_CONNECTION_INFO = 0x5a;
/** replay, sequence, confidentiality, allocate memory, stream. */
const ISC_FLAGS = 0x4 | 0x8 | 0x10 | 0x100 | 0x8000;
const ASC_FLAGS = 0x4 | 0x8 | 0x10 | 0x100 | 0x10000;

/** Message sizes sent each way. */
export const SIZES = [1, 2, 100, 1000, 4096, 16383, 16384];

function emit(o: Record<string, unknown>): void {
  console.log(JSON.stringify(o));
}

type Table = SecurityFunctionTable;

/** A sealed message: the bytes on the wire as a Win32 caller sends them. */
interface Sealed {
  status: string;
  header: number;
  trailer: number;
  wire: Uint8Array;
}

function streamSizes(t: Table, ctx: CtxtHandle): Record<string, number> {
  const out: { value?: Record<string, number> } = {};
  const s = t.QueryContextAttributes(ctx, SECPKG_ATTR_STREAM_SIZES, out);
  return s === SEC_E_OK ? out.value! : { status: s };
}

function seal(
  t: Table,
  ctx: CtxtHandle,
  data: Uint8Array,
  sizes: Record<string, number>,
): Sealed {
  const h = new SecBuffer(
    SECBUFFER_STREAM_HEADER,
    new Uint8Array(sizes.cbHeader),
  );
  const d = new SecBuffer(SECBUFFER_DATA, data.slice());
  const tr = new SecBuffer(
    SECBUFFER_STREAM_TRAILER,
    new Uint8Array(sizes.cbTrailer),
  );
  const m = new SecBufferDesc([h, d, tr, new SecBuffer(SECBUFFER_EMPTY)]);
  const status = statusName(t.EncryptMessage(ctx, 0, m, 0));
  const wire = new Uint8Array(h.cbBuffer + d.cbBuffer + tr.cbBuffer);
  wire.set(h.pvBuffer!.subarray(0, h.cbBuffer));
  wire.set(d.pvBuffer!.subarray(0, d.cbBuffer), h.cbBuffer);
  wire.set(tr.pvBuffer!.subarray(0, tr.cbBuffer), h.cbBuffer + d.cbBuffer);
  return { status, header: h.cbBuffer, trailer: tr.cbBuffer, wire };
}

/** What a DecryptMessage of `[DATA(bytes), EMPTY, EMPTY, EMPTY]` gave. */
interface Opened {
  status: string;
  types: number[];
  plain: Uint8Array | null;
  extra: Uint8Array | null;
  missing: number;
}

function open(t: Table, ctx: CtxtHandle, bytes: Uint8Array): Opened {
  const m = new SecBufferDesc([
    new SecBuffer(SECBUFFER_DATA, bytes.slice()),
    new SecBuffer(SECBUFFER_EMPTY),
    new SecBuffer(SECBUFFER_EMPTY),
    new SecBuffer(SECBUFFER_EMPTY),
  ]);
  const status = statusName(t.DecryptMessage(ctx, m, 0, { value: 0 }));
  const find = (type: number) => m.pBuffers.find((b) => b.BufferType === type);
  const d = find(SECBUFFER_DATA);
  const x = find(SECBUFFER_EXTRA);
  return {
    status,
    types: m.pBuffers.map((b) => b.BufferType),
    plain: d?.pvBuffer ? d.pvBuffer.subarray(0, d.cbBuffer).slice() : null,
    extra: x?.pvBuffer ? x.pvBuffer.subarray(0, x.cbBuffer).slice() : null,
    missing: find(SECBUFFER_MISSING)?.cbBuffer ?? 0,
  };
}

function same(a: Uint8Array | null, b: Uint8Array): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The first TLS record of `wire` (its length from the record header). */
function firstRecord(wire: Uint8Array): Uint8Array {
  return wire.subarray(0, 5 + ((wire[3] << 8) | wire[4]));
}

function pattern(n: number, seed: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31 + seed) & 255);
}

function tokenIn(t: Uint8Array): SecBufferDesc {
  return new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, t),
    new SecBuffer(SECBUFFER_EMPTY),
  ]);
}

function tokenOf(d: SecBufferDesc): Uint8Array | null {
  const b = d.pBuffers[0];
  return b.pvBuffer && b.cbBuffer
    ? b.pvBuffer.subarray(0, b.cbBuffer).slice()
    : null;
}

/** Both contexts of one connection, and the ticket the server sent last. */
interface Connection {
  cx: CtxtHandle;
  sx: CtxtHandle;
  ticket: Uint8Array | null;
}

/**
 * WinPR's client (`native`) against the portable server, tokens in memory; the first
 * ClientHello also goes to a second server context in two parts (`asc-split`). Null
 * when either side failed (the steps say how).
 */
function connect(
  native: Table,
  portable: Table,
  cc: CredHandle,
  sc: CredHandle,
  tag: string,
): Connection | null {
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  let input: Uint8Array | null = null;
  let ticket: Uint8Array | null = null;
  let clientOk = false;
  let serverOk = false;
  for (let leg = 0; leg < 6 && !(clientOk && serverOk); leg++) {
    const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
    emit({ step: "isc-call", tag, leg });
    const s = native.InitializeSecurityContext(
      cc,
      leg === 0 ? null : cx,
      "localhost",
      ISC_FLAGS,
      0,
      0,
      input ? tokenIn(input) : null,
      0,
      cx,
      out,
      { value: 0 },
      null,
    );
    const token = tokenOf(out);
    emit({
      step: "isc",
      tag,
      leg,
      status: statusName(s),
      out: token?.length ?? 0,
    });
    clientOk = s === SEC_E_OK;
    if (!clientOk && statusName(s) !== "SEC_I_CONTINUE_NEEDED") return null;
    if (!token) break;
    if (leg === 0) {
      // The ClientHello split across two AcceptSecurityContext calls.
      const part = tokenIn(token.subarray(0, 7));
      const other = new CtxtHandle();
      const ps = portable.AcceptSecurityContext(
        sc,
        null,
        part,
        ASC_FLAGS,
        0,
        other,
        new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]),
        { value: 0 },
        null,
      );
      emit({
        step: "asc-split",
        tag,
        token: token.length,
        status: statusName(ps),
        type: part.pBuffers[1].BufferType,
        missing: part.pBuffers[1].cbBuffer,
      });
      portable.DeleteSecurityContext(other);
    }
    const sout = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
    const ss = portable.AcceptSecurityContext(
      sc,
      leg === 0 ? null : sx,
      tokenIn(token),
      ASC_FLAGS,
      0,
      sx,
      sout,
      { value: 0 },
      null,
    );
    emit({
      step: "asc",
      tag,
      leg,
      status: statusName(ss),
      out: tokenOf(sout)?.length ?? 0,
    });
    serverOk = ss === SEC_E_OK;
    if (!serverOk && statusName(ss) !== "SEC_I_CONTINUE_NEEDED") return null;
    input = tokenOf(sout);
    if (clientOk) ticket = input;
  }
  const conn: { value?: { dwProtocol: number } } = {};
  portable.QueryContextAttributes(sx, SECPKG_ATTR_CONNECTION_INFO, conn);
  emit({
    step: "handshake",
    tag,
    client: clientOk,
    server: serverOk,
    protocol: conn.value?.dwProtocol ?? 0,
  });
  return clientOk && serverOk ? { cx, sx, ticket } : null;
}

async function main(): Promise<void> {
  const tls12 = Deno.args.includes("--tls12");
  const library = Deno.env.get("WINPR_LIBRARY") ?? "libwinpr2.so.2";
  const pki = await testPki();
  if (!pki) return emit({ step: "skip", reason: "openssl is missing" });
  const native = InitSecurityInterface({ provider: "native", library });
  const portable = InitSecurityInterface({ provider: "portable" });
  emit({ step: "start", tls12 });

  const cc = new CredHandle();
  const sc = new CredHandle();
  emit({ step: "acquire-call" });
  const ca = native.AcquireCredentialsHandle(
    null,
    "Schannel",
    SECPKG_CRED_OUTBOUND,
    null,
    {
      dwFlags: SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS,
      grbitEnabledProtocols: tls12 ? SP_PROT_TLS1_2_CLIENT : 0,
    },
    null,
    null,
    cc,
    null,
  );
  const sa = portable.AcquireCredentialsHandle(
    null,
    "Schannel",
    SECPKG_CRED_INBOUND,
    null,
    {
      Certificate: pki.rsaServer.cert,
      PrivateKey: pki.rsaServer.key,
      grbitEnabledProtocols: tls12 ? SP_PROT_TLS1_2_SERVER : 0,
    },
    null,
    null,
    sc,
    null,
  );
  emit({ step: "acquire", client: statusName(ca), server: statusName(sa) });
  if (ca !== SEC_E_OK || sa !== SEC_E_OK) return;

  // ---- handshake -------------------------------------------------------------
  const c1 = connect(native, portable, cc, sc, "main");
  if (!c1) return;
  const { cx, sx, ticket } = c1;
  emit({ step: "sizes-call" });
  const nSizes = streamSizes(native, cx);
  const pSizes = streamSizes(portable, sx);
  emit({ step: "sizes", native: nSizes, portable: pSizes });

  if (ticket) {
    emit({ step: "ticket-call" });
    const o = open(native, cx, ticket);
    emit({ step: "ticket", status: o.status, data: o.plain?.length ?? null });
  }

  // ---- messages, every size, both ways ---------------------------------------
  for (const size of SIZES) {
    const data = pattern(size, 1);
    emit({ step: "n2p-call", size });
    const e = seal(native, cx, data, nSizes);
    const o = open(portable, sx, e.wire);
    emit({
      step: "n2p",
      size,
      enc: e.status,
      header: e.header,
      trailer: e.trailer,
      dec: o.status,
      ok: same(o.plain, data),
      extra: o.extra?.length ?? 0,
    });
    const back = pattern(size, 2);
    const e2 = seal(portable, sx, back, pSizes);
    emit({ step: "p2n-call", size });
    const o2 = open(native, cx, e2.wire);
    emit({
      step: "p2n",
      size,
      enc: e2.status,
      dec: o2.status,
      types: o2.types,
      ok: same(o2.plain, back),
      extra: o2.extra?.length ?? 0,
    });
  }

  // ---- WinPR's records, split and two in one buffer, into the portable side ----
  {
    const r1 = firstRecord(seal(native, cx, pattern(300, 3), nSizes).wire);
    const part = open(portable, sx, r1.subarray(0, 7));
    const whole = open(portable, sx, r1);
    const r2 = firstRecord(seal(native, cx, pattern(40, 4), nSizes).wire);
    const r3 = firstRecord(seal(native, cx, pattern(50, 5), nSizes).wire);
    const two = open(portable, sx, new Uint8Array([...r2, ...r3]));
    const rest = two.extra ? open(portable, sx, two.extra) : null;
    emit({
      step: "n2p-split",
      partial: part.status,
      missing: part.missing,
      whole: whole.status,
      ok: same(whole.plain, pattern(300, 3)),
      two: two.status,
      twoOk: same(two.plain, pattern(40, 4)),
      extra: two.extra?.length ?? 0,
      extraIsSecond: same(two.extra, r3),
      rest: rest?.status ?? null,
      restOk: same(rest?.plain ?? null, pattern(50, 5)),
    });
  }

  // ---- ours, two records in one buffer, into WinPR ------------------------------
  {
    const r2 = seal(portable, sx, pattern(40, 7), pSizes).wire;
    const r3 = seal(portable, sx, pattern(50, 8), pSizes).wire;
    emit({ step: "p2n-two-call" });
    const two = open(native, cx, new Uint8Array([...r2, ...r3]));
    const rest = two.extra ? open(native, cx, two.extra) : null;
    emit({
      step: "p2n-two",
      status: two.status,
      types: two.types,
      ok: same(two.plain, pattern(40, 7)),
      extra: two.extra?.length ?? 0,
      extraIsSecond: same(two.extra, r3),
      rest: rest?.status ?? null,
      restOk: same(rest?.plain ?? null, pattern(50, 8)),
    });
  }
  // ---- ours, split, into WinPR, on a second connection (last: may break it) ------
  const c2 = connect(native, portable, cc, sc, "split");
  if (c2) {
    if (c2.ticket) open(native, c2.cx, c2.ticket);
    const r1 = seal(portable, c2.sx, pattern(300, 6), pSizes).wire;
    emit({ step: "p2n-split-call" });
    const part = open(native, c2.cx, r1.subarray(0, 7));
    // The Win32 convention: the caller passes every byte again, more appended.
    const whole = open(native, c2.cx, r1);
    emit({
      step: "p2n-split",
      partial: part.status,
      partialTypes: part.types,
      missing: part.missing,
      whole: whole.status,
      ok: same(whole.plain, pattern(300, 6)),
    });
    native.DeleteSecurityContext(c2.cx);
    portable.DeleteSecurityContext(c2.sx);
  }
  emit({ step: "delete-call" });
  native.DeleteSecurityContext(cx);
  native.FreeCredentialsHandle(cc);
  portable.DeleteSecurityContext(sx);
  portable.FreeCredentialsHandle(sc);
  emit({ step: "end" });
}

if (import.meta.main) await main();
