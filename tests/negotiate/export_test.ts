// ExportSecurityContext / ImportSecurityContext for Negotiate: an established context
// moves to a new handle with its chosen package, which keeps its keys and sequence
// numbers (the mechListMIC's included).
import assert from "node:assert/strict";
import type { SecPkgContext_NegotiationInfo } from "../../src/sspi/attributes.ts";
import {
  type AttributeOut,
  type CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  QueryContextAttributes,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_TOKEN,
  SEC_E_NO_CONTEXT,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
} from "../../mod.ts";
import { encodeNegotiateExport } from "../../src/packages/negotiate/export.ts";
import { negotiatePackage } from "../../src/packages/negotiate/mod.ts";
import type { StepResult } from "../../src/sspi/package.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { pair, run } from "./_helpers.ts";
import { withToyKerberos } from "./_toy_kerberos.ts";
import {
  clientTargetOf,
  exported,
  imported as importedAs,
  seal,
  sessionKeyOf,
  unseal,
} from "../ntlm/_helpers.ts";

/** `ImportSecurityContext("Negotiate", bytes)`. */
const imported = (bytes: Uint8Array) => importedAs("Negotiate", bytes);

Deno.test("Negotiate(NTLM): export both sides after the mechListMICs, import, and messages continue in sequence", () => {
  const { c, s } = pair();
  try {
    run(c, s);
    assert.deepEqual(
      unseal(s.handles.context, seal(c.handles.context, "before")),
      [SEC_E_OK, "before"],
    );
    const [sst, sPacked] = exported(s.handles.context);
    assert.equal(sst, SEC_E_OK);
    const [cst, cPacked] = exported(c.handles.context);
    assert.equal(cst, SEC_E_OK);
    const [ist, server] = imported(sPacked!);
    assert.equal(ist, SEC_E_OK);
    const [jst, client] = imported(cPacked!);
    assert.equal(jst, SEC_E_OK);
    // The originals are gone; the moved contexts talk to each other.
    const key = sessionKeyOf(s.handles.context);
    c.dispose();
    s.dispose();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(unseal(server, seal(client, `c${i}`)), [
        SEC_E_OK,
        `c${i}`,
      ]);
      assert.deepEqual(unseal(client, seal(server, `s${i}`)), [
        SEC_E_OK,
        `s${i}`,
      ]);
    }
    const info: AttributeOut<SecPkgContext_NegotiationInfo> = {};
    assert.equal(
      QueryContextAttributes(server, SECPKG_ATTR_NEGOTIATION_INFO, info),
      SEC_E_OK,
    );
    assert.equal(info.value!.PackageInfo.Name, "NTLM");
    const names: AttributeOut<{ sUserName: string }> = {};
    QueryContextAttributes(server, SECPKG_ATTR_NAMES, names);
    assert.equal(names.value!.sUserName, "EXAMPLE\\alice");
    assert.equal(clientTargetOf(server), "HTTP/web.example.com");
    assert.deepEqual(sessionKeyOf(server), key);
    assert.equal(DeleteSecurityContext(server), SEC_E_OK);
    assert.equal(DeleteSecurityContext(client), SEC_E_OK);
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("Negotiate export: refused before completion; bad bytes, unknown packages and packages that cannot export are status codes", async () => {
  const { c, s } = pair();
  try {
    const challenge = s.step(c.step(null)!)!;
    assert.equal(exported(s.handles.context)[0], SEC_E_NO_CONTEXT);
    c.step(s.step(c.step(challenge)!)!);
    assert.ok(c.complete && s.complete);
    const bytes = exported(s.handles.context)[1]!;
    for (
      const bad of [bytes.slice(0, 6), bytes.slice(0, 11), new Uint8Array(40)]
    ) {
      assert.equal(imported(bad)[0], SEC_E_INVALID_TOKEN);
    }
    assert.equal(
      (negotiatePackage.importContext!(bytes).step({} as never) as StepResult)
        .status,
      SEC_E_OUT_OF_SEQUENCE,
      "an imported context's handshake is over",
    );
    const version = bytes.slice();
    version[4] = 9;
    assert.equal(imported(version)[0], SEC_E_INVALID_TOKEN);
    // The inner package judges its own bytes.
    const inner = bytes.subarray(7 + 4);
    assert.equal(
      imported(encodeNegotiateExport("NTLM", "accept", inner.slice(0, 20)))[0],
      SEC_E_INVALID_TOKEN,
    );
    assert.equal(
      imported(encodeNegotiateExport("NoSuchPackage", "accept", inner))[0],
      SEC_E_SECPKG_NOT_FOUND,
    );
  } finally {
    c.dispose();
    s.dispose();
  }
  await withToyKerberos({ legs: 2 }, () => {
    const { c, s } = pair();
    try {
      run(c, s);
      assert.equal(exported(s.handles.context)[0], SEC_E_UNSUPPORTED_FUNCTION);
      assert.equal(
        imported(
          encodeNegotiateExport("Kerberos", "accept", Uint8Array.of(1)),
        )[0],
        SEC_E_UNSUPPORTED_FUNCTION,
      );
    } finally {
      c.dispose();
      s.dispose();
    }
  });
});

const IMPORT_ITERATIONS = fuzzIterations("FUZZ_IMPORT_ITERATIONS", 5_000);

Deno.test(`Negotiate import fuzz: ${IMPORT_ITERATIONS} mutated exports give status codes only, and what imports can be used and deleted (seed ${FUZZ_SEED})`, () => {
  const r = rng(FUZZ_SEED);
  const { c, s } = pair();
  try {
    run(c, s);
    const good = exported(s.handles.context)[1]!;
    let imports = 0;
    for (let n = 0; n < IMPORT_ITERATIONS; n++) {
      let b = good.slice();
      const k = r(5);
      if (k === 0) b = b.slice(0, r(b.length));
      else if (k === 1) b[r(b.length)] = r(256);
      else if (k === 2) { // a length field of the inner export
        const at = 7 + 4 + 33 + r(40);
        if (at < b.length) b[at] = r(256);
      } else if (k === 3) b[6] = r(256); // the name's length
      else for (let i = 0; i < 8; i++) b[r(b.length)] ^= 1 << r(8);
      let st: number, h: CtxtHandle;
      try {
        [st, h] = imported(b);
      } catch (e) {
        assert.fail(`import threw ${e}`);
      }
      assert.equal(typeof st, "number");
      assert.notEqual(st, SEC_E_INTERNAL_ERROR);
      if (st !== SEC_E_OK) continue;
      imports++;
      // Whatever state came in, messages and deletion are status codes.
      const msg = new SecBufferDesc([
        new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
        new SecBuffer(SECBUFFER_DATA, new Uint8Array(1 + r(64))),
      ]);
      const e1 = EncryptMessage(h, 0, msg, 0);
      const e2 = DecryptMessage(h, msg, 0, { value: 0 });
      for (const x of [e1, e2]) {
        assert.equal(typeof x, "number");
        assert.notEqual(x, SEC_E_INTERNAL_ERROR);
      }
      assert.equal(DeleteSecurityContext(h), SEC_E_OK);
    }
    assert.ok(imports > 0, "some mutations still import");
  } finally {
    c.dispose();
    s.dispose();
  }
});
