// Authenticator times (ctime, cusec): strictly increasing within a process, so
// two AP-REQs never share them (replay caches key on them), but following a clock
// set back (NTP stepping it) at once instead of staying ahead of the service.
import assert from "node:assert/strict";
import { authenticatorTime } from "../../src/packages/kerberos/kdc_shared.ts";
import { at } from "../schannel/_resume.ts";

const micros = (t: { ctime: Date; cusec: number }) =>
  t.ctime.getTime() * 1000 + t.cusec;

Deno.test("authenticatorTime: strictly increasing, and a clock set back 10 minutes is followed at once", () => {
  let last = micros(authenticatorTime());
  for (let i = 0; i < 10_000; i++) {
    const t = micros(authenticatorTime());
    assert.ok(t > last, "strictly later");
    last = t;
  }
  // The clock runs 10 minutes ahead, then is set back.
  const ahead = at(10 * 60_000, () => micros(authenticatorTime()));
  assert.ok(ahead - Date.now() * 1000 > 9 * 60e6);
  const back = micros(authenticatorTime());
  assert.ok(Math.abs(back - Date.now() * 1000) < 2e6, "the real time again");
});
