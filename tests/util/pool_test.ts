import assert from "node:assert/strict";
import { pooledBytes, pooledCopy, pooledInt32 } from "../../src/util/pool.ts";

Deno.test("pool: small arrays are zeroed, 8-byte aligned views that never overlap", () => {
  const got: Uint8Array[] = [];
  for (let n = 0; n < 3000; n++) {
    const a = pooledBytes(n % 97);
    assert.equal(a.length, n % 97);
    assert.equal(a.byteOffset % 8, 0);
    assert.ok(a.every((b) => b === 0), "a new region is zero");
    a.fill(0xa5); // a later array must not see these bytes
    got.push(a);
  }
  // Views over the same slab never share a byte.
  const bySlab = new Map<ArrayBufferLike, Uint8Array[]>();
  for (const a of got) {
    const list = bySlab.get(a.buffer) ?? [];
    list.push(a);
    bySlab.set(a.buffer, list);
  }
  assert.ok(bySlab.size > 1, "3000 arrays span several slabs");
  for (const list of bySlab.values()) {
    const spans = list.filter((a) => a.length > 0)
      .map((a) => [a.byteOffset, a.byteOffset + a.length])
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i][0] >= spans[i - 1][1], "no overlap");
    }
  }
});

Deno.test("pool: copies are equal and independent; large arrays get their own buffer", () => {
  const src = Uint8Array.from({ length: 40 }, (_, i) => i);
  const c = pooledCopy(src);
  assert.deepEqual([...c], [...src]);
  src[0] = 99;
  assert.equal(c[0], 0, "a copy, not a view");
  const big = pooledBytes(70_000);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 70_000, "not from a slab");
  const ints = pooledInt32(10);
  assert.equal(ints.length, 10);
  assert.ok(ints.every((v) => v === 0));
  assert.equal(ints.byteOffset % 8, 0);
  assert.throws(() => pooledBytes(-1), RangeError);
});
