// Property test of the SMB client against Samba's AD DC: 150 sessions a run, each
// with one of the server's first five messages changed in transit (a byte flipped,
// the message cut short or lengthened, a 16- or 32-bit field set to all ones). The
// client ends every run with the session, tree and pipe open or with an SspiError,
// never another exception or a hang. A fifth of the runs speak SMB 3.1.1 signed
// (AES-GMAC), a fifth 3.1.1 encrypted (the tree connect and create answers come
// sealed; each of the four ciphers in turn), whose keys cover the whole
// negotiation: there every change is refused. The other fifths speak 2.1, 3.0.2
// signed (its negotiation validated after the tree connect) and 3.0.2 encrypted
// (AES-128-CCM): there a change from the signed last session setup answer on is
// refused.
import assert from "node:assert/strict";
import { openPipe } from "../../src/smb/pipe.ts";
import { SmbSession } from "../../src/smb/session.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { statusName } from "../../src/sspi/status.ts";
import { AD, withSambaDc } from "../peers/samba_ad.ts";
import { tap } from "./_tap.ts";

const USER = { user: "fuzzuser", password: "Fuzz!Passw0rd1" };
const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 150);

Deno.test({
  name: "smb mutation: 150 sessions with one changed server message",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      let seed = Number(Deno.env.get("FUZZ_SEED") ?? 0x5b2) >>> 0;
      const rnd = (n: number) => {
        seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
        return seed % n;
      };
      const outcomes = new Map<string, number>();
      for (let run = 0; run < RUNS; run++) {
        // Negotiate over NTLM: NEGOTIATE, two SESSION_SETUP answers (the last one
        // signed), TREE_CONNECT, CREATE.
        const target = rnd(5);
        const kind = rnd(4);
        let changed = false;
        const wire = tap((m, i) => {
          if (i !== target) return m;
          let out = m;
          if (kind === 0) out[rnd(m.length)] ^= 1 << rnd(8);
          else if (kind === 1) out = m.slice(0, rnd(m.length));
          else if (kind === 2) {
            out = new Uint8Array(m.length + 1 + rnd(64));
            out.set(m);
            out.fill(rnd(256), m.length);
          } else {
            const at = rnd(Math.max(1, m.length - 3));
            out.fill(0xff, at, at + (rnd(2) ? 2 : 4));
          }
          changed = out.length !== m.length || out.some((b, j) => b !== m[j]);
          return out;
        });
        const mode = run % 5;
        let outcome = "open";
        try {
          const smb = await SmbSession.connect({
            host: "127.0.0.1",
            port: dc.smbPort,
            package: "Negotiate",
            username: USER.user,
            domain: AD.domain,
            password: USER.password,
            timeoutMs: 2000,
            dialects: [[0x311, 0x210, 0x311, 0x302, 0x302][mode]],
            encrypt: mode === 2 || mode === 4,
            ...(mode === 2
              ? { ciphers: [[2], [1], [4], [3]][Math.floor(run / 5) % 4] }
              : {}),
            connect: wire.connect,
          });
          try {
            const pipe = await openPipe(smb, await smb.treeConnect(), "samr");
            pipe.close();
          } finally {
            await smb.close();
          }
        } catch (e) {
          if (!(e instanceof SspiError)) {
            throw new Error(
              `run ${run} (message ${target}, change ${kind}): not an SspiError`,
              { cause: e },
            );
          }
          outcome = statusName(e.status);
        }
        if (changed && (mode === 0 || mode === 2 || target >= 2)) {
          assert.notEqual(
            outcome,
            "open",
            `run ${run}: a changed message ${target} was taken`,
          );
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      console.log(`smb mutation outcomes: ${JSON.stringify([...outcomes])}`);
      assert.ok((outcomes.get("open") ?? 0) < RUNS);
    }, { smb: true }),
});
