/**
 * The main benchmark (`deno task bench`): portable NTLM handshakes and session
 * security against FreeRDP's WinPR SSPI through the native provider, Negotiate
 * against bare NTLM, both handshakes against MIT krb5's GSSAPI with gss-ntlmssp
 * (through FFI), Kerberos against MIT, Schannel against OpenSSL, SMB against Samba's
 * libsmbclient, then the crypto primitives against node:crypto and hash-wasm, all
 * measured in this one run and printed as ratios (ours / peer; above 1 means we are
 * faster).
 *
 * @module
 */
import { Bench } from "tinybench";
import {
  negotiateCredentials,
  negotiateHandshakeAndSealOnce,
  negotiateHandshakeOnce,
  ntlmHandshakeWithMicsOnce,
} from "./negotiate_bench.ts";
import { formatCryptoRows, runCryptoBench } from "./crypto_bench.ts";
import {
  BENCH_USER,
  portableCredentials,
  portableHandshakeAndSealOnce,
  portableHandshakeOnce,
  portableSealRoundTrip,
} from "./ntlm_bench.ts";
import {
  openWinprBench,
  winprHandshake,
  winprHandshakeAndSeal,
  winprSealRoundTrip,
} from "./native_bench.ts";
import { type GssapiFfi, openGssapiFfi } from "../tests/peers/gssapi_ffi.ts";
import { gssWrapRoundTrip, oursWrapRoundTrip } from "./gssapi_bench.ts";
import { openKerberosBench, ROTATE } from "./kerberos_bench.ts";
import { openSchannelBench, schannelPairs } from "./schannel_bench.ts";
import { smbRows } from "./smb_bench.ts";
import type { Pair } from "./pair.ts";

export type { Pair } from "./pair.ts";

const TIME = Number(Deno.env.get("BENCH_TIME_MS") ?? 250);
/** The user of the portable tasks, for the GSSAPI peer. */
const GSS_USER = {
  domain: BENCH_USER.Domain,
  user: BENCH_USER.User,
  password: BENCH_USER.Password,
};
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 9);
// BENCH_ROUNDS_DETAIL=1 also lists every round's ratio under each table.

/**
 * Measures each pair in ROUNDS separate tinybench runs (ours and the peer side by side
 * in each) and reports the median rate of each side and the median of the per-round
 * ratios, so a burst of machine noise in one round does not decide the ratio.
 */
export async function runPairs(title: string, pairs: Pair[]): Promise<void> {
  const rates = new Map<
    string,
    { ours: number[]; peer: number[]; ratio: number[] }
  >();
  for (const p of pairs) rates.set(p.label, { ours: [], peer: [], ratio: [] });
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME, warmupTime: 200 });
    for (const p of pairs) {
      // Alternate the order between rounds so neither side always runs first.
      const tasks: [string, () => void][] = [[`${p.label} | ours`, p.ours]];
      if (p.peer) tasks.push([`${p.label} | ${p.peerName}`, p.peer]);
      if (round % 2) tasks.reverse();
      for (const [name, fn] of tasks) bench.add(name, fn);
    }
    await bench.warmup();
    await bench.run();
    for (const t of bench.tasks) {
      // A task that threw has no rate: say why rather than print a ratio of nothing.
      if (t.result?.error) {
        console.log(`${t.name} failed: ${(t.result.error as Error).message}`);
      }
    }
    const hz = new Map(
      bench.tasks.map((t) => [t.name, t.result?.error ? 0 : t.result?.hz ?? 0]),
    );
    for (const p of pairs) {
      const r = rates.get(p.label)!;
      const o = hz.get(`${p.label} | ours`) ?? 0;
      r.ours.push(o);
      if (p.peer) {
        const q = hz.get(`${p.label} | ${p.peerName}`) ?? 0;
        r.peer.push(q);
        if (q) r.ratio.push(o / q);
      }
    }
  }
  console.log(`\n## ${title}\n`);
  console.log(
    "| operation | ours (ops/s) | peer | peer (ops/s) | ratio ours/peer (median of " +
      ROUNDS + " rounds) |",
  );
  console.log("|---|---:|---|---:|---:|");
  for (const p of pairs) {
    const r = rates.get(p.label)!;
    const ratio = r.ratio.length ? median(r.ratio).toFixed(2) + "x" : "n/a";
    const peer = r.peer.length ? median(r.peer).toFixed(0) : "-";
    console.log(
      `| ${p.label} | ${
        median(r.ours).toFixed(0)
      } | ${p.peerName} | ${peer} | ${ratio} |`,
    );
  }
  if (Deno.env.get("BENCH_ROUNDS_DETAIL")) {
    // Every round's ratio, to judge how stable the medians are.
    for (const p of pairs) {
      const r = rates.get(p.label)!;
      if (r.ratio.length) {
        console.log(
          `- ${p.label}: ${r.ratio.map((x) => x.toFixed(2)).join(" ")}`,
        );
      }
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

if (import.meta.main) {
  const creds = portableCredentials();
  let winpr: Awaited<ReturnType<typeof openWinprBench>> | null = null;
  try {
    winpr = await openWinprBench();
  } catch (e) {
    console.log(
      `WinPR not available (${
        (e as Error).message
      }); install libwinpr2-2 for the native rows`,
    );
  }
  await runPairs(
    "NTLM: portable vs WinPR (native provider, libwinpr2 through FFI)",
    [
      {
        label: "NTLMv2 handshake (client+server, MIC, key exchange)",
        ours: () => portableHandshakeOnce(creds),
        peer: winpr ? winprHandshake(winpr) : undefined,
        peerName: "WinPR",
      },
      {
        label: "NTLMv2 handshake, then the first sealed 64 B message",
        ours: () => portableHandshakeAndSealOnce(creds),
        peer: winpr ? winprHandshakeAndSeal(winpr) : undefined,
        peerName: "WinPR",
      },
      {
        label: "EncryptMessage+DecryptMessage 64 B",
        ours: portableSealRoundTrip(creds, 64),
        peer: winpr ? winprSealRoundTrip(winpr, 64) : undefined,
        peerName: "WinPR",
      },
      {
        label: "EncryptMessage+DecryptMessage 1 KiB",
        ours: portableSealRoundTrip(creds, 1024),
        peer: winpr ? winprSealRoundTrip(winpr, 1024) : undefined,
        peerName: "WinPR",
      },
      {
        label: "EncryptMessage+DecryptMessage 64 KiB",
        ours: portableSealRoundTrip(creds, 65536),
        peer: winpr ? winprSealRoundTrip(winpr, 65536) : undefined,
        peerName: "WinPR",
      },
    ],
  );
  await winpr?.close();
  const nego = negotiateCredentials();
  await runPairs("Negotiate(NTLM) vs bare NTLM (both portable)", [
    {
      label: "full handshake",
      ours: () => negotiateHandshakeOnce(nego),
      peer: () => portableHandshakeOnce(creds),
      peerName: "bare NTLM",
    },
    {
      label: "handshake, then the first sealed 64 B message",
      ours: () => negotiateHandshakeAndSealOnce(nego),
      peer: () => portableHandshakeAndSealOnce(creds),
      peerName: "bare NTLM",
    },
    {
      label: "floor: bare NTLM + the mechListMICs' crypto, no SPNEGO",
      ours: () => ntlmHandshakeWithMicsOnce(creds),
      peer: () => portableHandshakeOnce(creds),
      peerName: "bare NTLM",
    },
  ]);
  // Kerberos against MIT krb5 (first: the environment MIT reads is set before
  // libgssapi_krb5 is loaded, and restored when the section ends).
  await kerberosRows();
  // The same handshakes against a native GSSAPI stack (C, through FFI).
  const gss: Partial<Record<"spnego" | "ntlm", GssapiFfi>> = {};
  for (const mech of ["spnego", "ntlm"] as const) {
    try {
      gss[mech] = await openGssapiFfi(GSS_USER, mech);
    } catch (e) {
      console.log(
        `GSSAPI ${mech} not available (${
          (e as Error).message
        }); install gss-ntlmssp for these rows`,
      );
    }
  }
  await runPairs(
    "Portable vs MIT krb5 GSSAPI + gss-ntlmssp (libgssapi_krb5 through FFI)",
    [
      {
        label: "Negotiate(NTLM) / SPNEGO handshake",
        ours: () => negotiateHandshakeOnce(nego),
        peer: gss.spnego && (() => gss.spnego!.handshake()),
        peerName: "MIT SPNEGO + gss-ntlmssp",
      },
      {
        label: "NTLMv2 handshake",
        ours: () => portableHandshakeOnce(creds),
        peer: gss.ntlm && (() => gss.ntlm!.handshake()),
        peerName: "gss-ntlmssp",
      },
      ...[64, 1024].map((size) => ({
        label: `NTLM wrap+unwrap ${size === 64 ? "64 B" : "1 KiB"}`,
        ours: oursWrapRoundTrip("NTLM", size),
        peer: gss.ntlm && gssWrapRoundTrip(gss.ntlm, size),
        peerName: "gss-ntlmssp",
      })),
    ],
  );
  await gss.spnego?.close();
  await gss.ntlm?.close();
  const tls = await openSchannelBench();
  if (typeof tls === "string") console.log(`\nSchannel rows skipped: ${tls}`);
  else {
    await runPairs(
      "Schannel vs OpenSSL 3 (libssl through FFI)",
      schannelPairs(tls),
    );
    tls.close();
  }
  await smbRows(runPairs);
  console.log("\n## Crypto primitives (ours vs node:crypto and hash-wasm)\n");
  console.log(formatCryptoRows(await runCryptoBench()));
}

/**
 * The Kerberos rows: a throwaway MIT KDC, our client and acceptor against MIT's
 * initiator and acceptor (libgssapi_krb5 through FFI); skipped with a note when the
 * KDC tools or the library are missing.
 */
export async function kerberosRows(): Promise<void> {
  const k = await openKerberosBench();
  if (typeof k === "string") {
    console.log(`\nKerberos rows skipped: ${k}`);
    return;
  }
  try {
    const mit = "MIT krb5 (no rcache)";
    await runPairs(
      "Kerberos: portable vs MIT krb5 1.20 GSSAPI (libgssapi_krb5 through FFI, local MIT KDC)",
      [
        {
          label:
            "AP-REQ/AP-REP handshake, service ticket cached (MIT: MEMORY ccache)",
          ours: () => k.oursHandshake(),
          peer: () => k.mitHandshake(),
          peerName: mit,
        },
        {
          label: "the same, MIT with its default file replay cache (dfl)",
          ours: () => k.oursHandshake(),
          peer: () => k.mitHandshakeWithReplayCache(),
          peerName: "MIT krb5 (rcache dfl)",
        },
        {
          label: "the same, MIT reading the FILE ccache (kinit + kvno)",
          ours: () => k.oursHandshake(),
          peer: () => k.mitHandshakeFileCcache(),
          peerName: "MIT krb5 (FILE ccache)",
        },
        {
          label:
            "the same, ours with one acceptor credential all run (growing replay cache)",
          ours: () => k.oursHandshakeOneCredential(),
          peer: () => k.mitHandshake(),
          peerName: mit,
        },
        ...[64, 1024, 65536].map((size) => ({
          label: `Kerberos wrap+unwrap (sealed, AES256) ${
            size === 64 ? "64 B" : size === 1024 ? "1 KiB" : "64 KiB"
          }`,
          ours: k.oursWrap(size),
          peer: k.mitWrap(size),
          peerName: "MIT krb5",
        })),
      ],
    );
    await runPairs(
      "Kerberos logon through the local KDC (AS with PREAUTH_REQUIRED, TGS, first AP-REQ; TCP both)",
      [
        {
          label: "fresh credential: AS + TGS + AP-REQ",
          ours: () => k.oursLogon(),
          peer: () => k.mitLogon(),
          peerName: "MIT krb5",
        },
      ],
    );
    console.log(
      `\nKerberos notes: MIT's acceptor runs without a replay cache (KRB5RCACHETYPE=none) ` +
        `except in the "rcache dfl" row; ours always keeps one in memory. Our main ` +
        `handshake row renews its acceptor credential every ${ROTATE} handshakes; ` +
        `our AP-REQs refused as replays (same ctime+cusec) and made again: ${k.replays}.`,
    );
  } finally {
    await k.close();
  }
}
