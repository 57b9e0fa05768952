/**
 * The loop of `winpr_leak_test.ts`, run in its own process so its RSS is its own:
 * `TOTAL` native WinPR handshakes (client + server), printing one JSON line with the RSS
 * at `BASELINE_AT` and at the end, the live handle counts and the time taken.
 *
 * @module
 */
import { nativeLiveHandles } from "../../src/native/table.ts";
import { SecBuffer, SecBufferDesc } from "../../src/sspi/buffers.ts";
import { SECBUFFER_DATA, SECBUFFER_TOKEN } from "../../src/sspi/flags.ts";
import { SEC_E_OK, statusName } from "../../src/sspi/status.ts";
import {
  cleanup,
  handshake,
  samFile,
  winprMissing,
  winprTable,
} from "./_helpers.ts";

const TOTAL = Number(Deno.args[0] ?? 10_000);
const BASELINE_AT = Number(Deno.args[1] ?? 2_000);

const missing = winprMissing();
if (missing) throw new Error(missing);
await using sam = await samFile();
const t = winprTable(sam.path);
const started = performance.now();
let baseline = 0;
for (let i = 1; i <= TOTAL; i++) {
  const h = handshake(t, t);
  if (h.server !== SEC_E_OK || h.client !== SEC_E_OK) {
    throw new Error(
      `handshake ${i}: client ${statusName(h.client)}, server ${
        statusName(h.server)
      }`,
    );
  }
  if (i % 100 === 0) {
    // Touch the message path too, so its marshalling is part of the check.
    const msg = new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
      new SecBuffer(SECBUFFER_DATA, new Uint8Array(1024)),
    ]);
    if (t.EncryptMessage(h.clientCtx, 0, msg, 0) !== SEC_E_OK) {
      throw new Error("EncryptMessage failed");
    }
    if (t.DecryptMessage(h.serverCtx, msg, 0, null) !== SEC_E_OK) {
      throw new Error("DecryptMessage failed");
    }
  }
  cleanup(t, t, h);
  if (i === BASELINE_AT) baseline = Deno.memoryUsage().rss;
}
console.log(JSON.stringify({
  total: TOTAL,
  baselineAt: BASELINE_AT,
  baseline,
  end: Deno.memoryUsage().rss,
  seconds: (performance.now() - started) / 1000,
  live: nativeLiveHandles(t),
}));
