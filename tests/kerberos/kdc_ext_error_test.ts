// The NTSTATUS in an Active Directory KDC's KRB-ERROR e-data (MS-KILE 2.2.1), from
// e-data captured from Samba 4.17's AD DC: a disabled account (error 18) and a
// password that must change (error 23); e-data without it, and malformed e-data.
import assert from "node:assert/strict";
import {
  extendedStatus,
  extendedStatusText,
  statusOfExtended,
} from "../../src/packages/kerberos/kdc_ext_error.ts";
import { STATUS_PASSWORD_MUST_CHANGE } from "../../mod.ts";

const unhex = (h: string) =>
  Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));

// METHOD-DATA: PA-ETYPE-INFO2 (salt AD.EXAMPLE.TESTbob), PA-PW-SALT with
// KERB-EXT-ERROR { 0xC0000072, 0, 1 }.
const DISABLED = unhex(
  "30493030a103020113a229042730253023a003020112a1141b1241442e4558414d504c452e54455354626f62a2060404000010003015a103020103a20e040c720000c00000000001000000",
);
// The same for carol, { 0xC0000224, 0, 1 }.
const MUST_CHANGE = unhex(
  "304b3032a103020113a22b042930273025a003020112a1161b1441442e4558414d504c452e544553546361726f6ca2060404000010003015a103020103a20e040c240200c00000000001000000",
);
// A wrong password: PA-ETYPE-INFO2 only.
const NO_STATUS = unhex(
  "30343032a103020113a22b042930273025a003020112a1161b1441442e4558414d504c452e54455354616c696365a206040400001000",
);

Deno.test("KDC extended errors: AD's NTSTATUS in the e-data", () => {
  assert.equal(extendedStatus(DISABLED), 0xC0000072);
  assert.match(extendedStatusText(0xC0000072), /disabled/);
  assert.equal(statusOfExtended(0xC0000072), null, "logon denied stays");
  assert.equal(extendedStatus(MUST_CHANGE), STATUS_PASSWORD_MUST_CHANGE);
  assert.equal(
    statusOfExtended(STATUS_PASSWORD_MUST_CHANGE),
    STATUS_PASSWORD_MUST_CHANGE,
  );
  assert.equal(extendedStatus(NO_STATUS), null);
  assert.equal(extendedStatus(undefined), null);
  assert.equal(extendedStatusText(null), "");
  assert.equal(extendedStatusText(0x12345678), "");
  // Truncated or altered e-data: no status, never an exception.
  for (let n = 0; n < DISABLED.length; n++) {
    const cut = DISABLED.subarray(0, n);
    const flipped = DISABLED.slice();
    flipped[n] ^= 0xff;
    for (const b of [cut, flipped]) {
      const s = extendedStatus(b);
      assert.ok(s === null || typeof s === "number");
    }
  }
});
