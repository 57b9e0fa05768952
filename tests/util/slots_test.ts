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
