// The server's nonce-count replay window: constant memory per nonce, replays refused.
import assert from "node:assert/strict";
import { NonceCounts } from "../../src/packages/digest/nonce.ts";

Deno.test("NonceCounts: each nc once, out of order within the window, old ones refused", () => {
  const c = new NonceCounts(4);
  assert.ok(c.use("n", 1));
  assert.ok(!c.use("n", 1), "replay");
  assert.ok(c.use("n", 5));
  assert.ok(c.use("n", 3), "late but new, inside the window");
  assert.ok(!c.use("n", 3), "replay of the late one");
  assert.ok(c.use("n", 100));
  assert.ok(!c.use("n", 5), "more than 32 below the highest: refused");
  assert.ok(c.use("n", 90));
  assert.ok(!c.use("n", 90));
  // Other nonces are independent, and the table is bounded (oldest evicted).
  for (let i = 0; i < 10; i++) assert.ok(c.use(`m${i}`, 1));
  assert.ok(
    c.use("n", 1),
    "the first nonce was evicted from the bounded table",
  );
});

Deno.test("NonceCounts: a million counts on one nonce keep constant state", () => {
  const c = new NonceCounts(1);
  for (let nc = 1; nc <= 1_000_000; nc++) assert.ok(c.use("n", nc));
  assert.ok(!c.use("n", 999_999));
});
