/**
 * The main benchmark (`deno task bench`): portable NTLM handshakes and session
 * security against FreeRDP's WinPR SSPI through the native provider, then the crypto
 * primitives against node:crypto and hash-wasm, all measured in this one run and
 * printed as ratios (ours / peer; above 1 means we are faster).
 *
 * @module
 */
import { Bench } from "tinybench";
import {
  negotiateCredentials,
  negotiateHandshakeOnce,
} from "./negotiate_bench.ts";
import { formatCryptoRows, runCryptoBench } from "./crypto_bench.ts";
import {
  portableCredentials,
  portableHandshakeOnce,
  portableSealRoundTrip,
} from "./ntlm_bench.ts";
import {
  openWinprBench,
  winprHandshake,
  winprSealRoundTrip,
} from "./native_bench.ts";

/** One comparison: our task and the peer's, measured in the same Bench. */
interface Pair {
  label: string;
  ours: () => void;
  peer?: () => void;
  peerName: string;
}

const TIME = Number(Deno.env.get("BENCH_TIME_MS") ?? 1000);

async function runPairs(title: string, pairs: Pair[]): Promise<void> {
  const bench = new Bench({ time: TIME, warmupTime: 200 });
  for (const p of pairs) {
    bench.add(`${p.label} | ours`, p.ours);
    if (p.peer) bench.add(`${p.label} | ${p.peerName}`, p.peer);
  }
  await bench.warmup();
  await bench.run();
  const hz = new Map(bench.tasks.map((t) => [t.name, t.result?.hz ?? 0]));
  console.log(`\n## ${title}\n`);
  console.log(
    "| operation | ours (ops/s) | peer | peer (ops/s) | ratio ours/peer |",
  );
  console.log("|---|---:|---|---:|---:|");
  for (const p of pairs) {
    const o = hz.get(`${p.label} | ours`) ?? 0;
    const q = p.peer ? hz.get(`${p.label} | ${p.peerName}`) ?? 0 : 0;
    const ratio = q ? (o / q).toFixed(2) + "x" : "n/a";
    console.log(
      `| ${p.label} | ${o.toFixed(0)} | ${p.peerName} | ${
        q ? q.toFixed(0) : "-"
      } | ${ratio} |`,
    );
  }
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
  ]);
  console.log("\n## Crypto primitives (ours vs node:crypto and hash-wasm)\n");
  console.log(formatCryptoRows(await runCryptoBench()));
}
