// The pool of fixed-size secret slots that NTLM keeps its keys in.
import assert from "node:assert/strict";
import { SecretSlots } from "../../src/util/slots.ts";

Deno.test("SecretSlots: slots are zeroed, distinct, and wiped when given back", () => {
  const pool = new SecretSlots(24, 4, 8);
  const a = pool.take();
  const b = pool.take();
  assert.equal(a.length, 24);
  assert.deepEqual(a, new Uint8Array(24));
  a.fill(0xaa);
  assert.deepEqual(b, new Uint8Array(24), "slots do not overlap");
  assert.equal(pool.slots, 4, "one chunk of four");
  pool.give(a);
  assert.deepEqual(a, new Uint8Array(24), "wiped on give");
  const c = pool.take();
  assert.equal(c, a, "the freed slot is the next one taken");
  assert.deepEqual(c, new Uint8Array(24));
});

Deno.test("SecretSlots: giving back twice frees a slot once", () => {
  const pool = new SecretSlots(8, 2, 8);
  const a = pool.take();
  const free = pool.freeSlots;
  pool.give(a);
  pool.give(a);
  assert.equal(pool.freeSlots, free + 1);
  const x = pool.take();
  const y = pool.take();
  assert.notEqual(x, y, "two takers never share a slot");
});

Deno.test("SecretSlots: past maxSlots, ordinary arrays (wiped, not pooled)", () => {
  const pool = new SecretSlots(8, 2, 4);
  const taken = [pool.take(), pool.take(), pool.take(), pool.take()];
  assert.equal(pool.slots, 4);
  const extra = pool.take();
  assert.equal(extra.length, 8);
  assert.equal(pool.slots, 4, "no chunk past the limit");
  assert.ok(taken.every((t) => t.buffer !== extra.buffer));
  extra.fill(1);
  pool.give(extra);
  assert.deepEqual(extra, new Uint8Array(8));
  assert.equal(pool.freeSlots, 0, "a foreign array is not pooled");
  pool.give(taken[0]);
  assert.equal(pool.freeSlots, 1);
});

Deno.test("SecretSlots: a slot whose view is collected without give comes back wiped", async () => {
  // Needs a collectable heap on demand: run in a child with --expose-gc.
  const url = new URL("../../src/util/slots.ts", import.meta.url).href;
  const code = `
    import { SecretSlots } from ${JSON.stringify(url)};
    const pool = new SecretSlots(32, 8, 64);
    (() => { for (let i = 0; i < 16; i++) pool.take().fill(0xee); })();
    const before = pool.freeSlots;
    for (let i = 0; i < 20 && pool.freeSlots < 16; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    const reclaimed = pool.freeSlots;
    const again = Array.from({ length: 16 }, () => pool.take());
    console.log(JSON.stringify({
      before,
      reclaimed,
      slots: pool.slots,
      clean: again.every((v) => v.every((b) => b === 0)),
    }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-lock", "--v8-flags=--expose-gc", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(r.before, 0, "all sixteen slots were out");
  assert.equal(
    r.reclaimed,
    16,
    "all sixteen came back when their views were collected",
  );
  assert.equal(r.slots, 16, "and were reused: no new chunk");
  assert.ok(r.clean, "reclaimed slots are wiped");
});
