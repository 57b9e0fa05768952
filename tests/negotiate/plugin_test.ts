// A second mechanism plugs into Negotiate through the package interface alone: a
// test-only mechanism registered as "Kerberos" (`_toy_kerberos.ts`) is offered first,
// chosen, run through its own token shapes, protected by mechListMICs made with
// MakeSignature/VerifySignature, and dropped when it cannot start.
import assert from "node:assert/strict";
import type {
  SecPkgContext_NegotiationInfo,
  SecPkgContext_PackageInfo,
} from "../../src/sspi/attributes.ts";
import {
  type AttributeOut,
  client,
  QueryContextAttributes,
  SEC_E_INTERNAL_ERROR,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_PACKAGE_INFO,
  server,
  SspiError,
} from "../../mod.ts";
import type { SecurityContext } from "../../src/friendly/context.ts";
import {
  ACCEPT_COMPLETED,
  ACCEPT_INCOMPLETE,
  decodeNegotiationToken,
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  KERBEROS_OID,
  MS_KERBEROS_OID,
  NEGOEX_OID,
  NTLM_OID,
  REQUEST_MIC,
} from "../../src/packages/negotiate/mod.ts";
import { findPackage } from "../../src/sspi/registry.ts";
import { pair, run, USER } from "./_helpers.ts";
import { withToyKerberos } from "./_toy_kerberos.ts";
import { mutate } from "./_mutate.ts";
import { NTLMSSP_SIGNATURE } from "../../src/packages/ntlm/constants.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";

const enc = new TextEncoder();

/** The chosen package's name; once established, PACKAGE_INFO names it too (as Windows). */
function chosen(ctx: SecurityContext): string {
  const info: AttributeOut<SecPkgContext_NegotiationInfo> = {};
  QueryContextAttributes(
    ctx.handles.context,
    SECPKG_ATTR_NEGOTIATION_INFO,
    info,
  );
  const pkg: AttributeOut<SecPkgContext_PackageInfo> = {};
  QueryContextAttributes(ctx.handles.context, SECPKG_ATTR_PACKAGE_INFO, pkg);
  assert.equal(
    pkg.value!.PackageInfo.Name,
    ctx.complete ? info.value!.PackageInfo.Name : "Negotiate",
  );
  return info.value!.PackageInfo.Name;
}

function signBothWays(c: SecurityContext, s: SecurityContext): void {
  s.verify(enc.encode("from c"), c.sign(enc.encode("from c")));
  c.verify(enc.encode("from s"), s.sign(enc.encode("from s")));
  const sig = c.sign(enc.encode("original"));
  assert.throws(
    () => s.verify(enc.encode("altered!"), sig),
    (e) => e instanceof SspiError && /MESSAGE_ALTERED/.test(e.message),
  );
}

const magic = (t: Uint8Array | undefined, kind: number) =>
  !!t && t[0] === 0x54 && t[1] === 0x4f && t[2] === 0x59 && t[3] === 0x4b &&
  t[4] === kind;

Deno.test("plug-in: a Kerberos package is offered first and chosen; its AP-REP rides in accept-completed, no mechListMIC", async () => {
  await withToyKerberos({ legs: 2 }, (log) => {
    const { c, s } = pair();
    try {
      const tokens = run(c, s);
      assert.equal(
        tokens.length,
        2,
        "NegTokenInit, then the final NegTokenResp",
      );
      const init = decodeNegotiationToken(tokens[0]);
      assert.ok(init.type === "init");
      assert.deepEqual(init.mechTypes, [
        MS_KERBEROS_OID,
        KERBEROS_OID,
        NTLM_OID,
      ]);
      assert.ok(magic(init.mechToken, 1), "the optimistic token is the AP-REQ");
      const resp = decodeNegotiationToken(tokens[1]);
      assert.ok(resp.type === "resp");
      assert.equal(resp.negState, ACCEPT_COMPLETED);
      assert.equal(resp.supportedMech, MS_KERBEROS_OID);
      assert.ok(magic(resp.responseToken, 2), "the AP-REP");
      assert.equal(resp.mechListMIC, undefined, "optimistic: no MIC needed");
      assert.ok(c.complete && s.complete);
      assert.equal(chosen(c), "Kerberos");
      assert.equal(chosen(s), "Kerberos");
      assert.equal(s.clientName, "TOY\\alice");
      assert.deepEqual(log.created, ["initiate", "accept"]);
      signBothWays(c, s);
    } finally {
      c.dispose();
      s.dispose();
    }
  });
});

Deno.test("plug-in: a one-token mechanism (no mutual authentication): the server completes without a responseToken", async () => {
  await withToyKerberos({ legs: 1 }, () => {
    const { c, s } = pair();
    try {
      const tokens = run(c, s);
      assert.equal(tokens.length, 2);
      const resp = decodeNegotiationToken(tokens[1]);
      assert.ok(resp.type === "resp");
      assert.equal(resp.negState, ACCEPT_COMPLETED);
      assert.equal(resp.responseToken, undefined);
      assert.ok(c.complete && s.complete);
      signBothWays(c, s);
    } finally {
      c.dispose();
      s.dispose();
    }
  });
});

Deno.test("plug-in: a mechanism that asks for the mechListMIC gets it both ways through MakeSignature/VerifySignature", async () => {
  await withToyKerberos({ legs: 3, requireMic: true }, (log) => {
    const { c, s } = pair();
    try {
      const tokens = run(c, s);
      assert.equal(tokens.length, 4);
      const third = decodeNegotiationToken(tokens[2]);
      assert.ok(third.type === "resp" && magic(third.responseToken, 3));
      assert.ok(
        third.mechListMIC,
        "the client's MIC rides with its last token",
      );
      const last = decodeNegotiationToken(tokens[3]);
      assert.ok(last.type === "resp" && last.negState === ACCEPT_COMPLETED);
      assert.ok(last.mechListMIC, "the server's MIC");
      assert.deepEqual([log.signed, log.verified], [2, 2]);
      assert.ok(c.complete && s.complete);
      // Sequence numbers went on from the MICs on both sides.
      signBothWays(c, s);
    } finally {
      c.dispose();
      s.dispose();
    }
  });
  await withToyKerberos({ legs: 3, requireMic: true }, () => {
    const { c, s } = pair();
    try {
      const t1 = s.step(c.step(null))!;
      const t2 = c.step(t1)!;
      const r = decodeNegotiationToken(t2);
      assert.ok(r.type === "resp" && r.mechListMIC);
      r.mechListMIC[0] ^= 1;
      assert.throws(
        () => s.step(encodeNegTokenResp(r)),
        /SEC_E_MESSAGE_ALTERED/,
      );
      assert.equal(s.complete, false);
    } finally {
      c.dispose();
      s.dispose();
    }
  });
});

Deno.test("plug-in: without a ticket the client drops Kerberos and offers NTLM alone", async () => {
  await withToyKerberos({ legs: 2 }, () => {
    const who = { ...USER, User: "noticket" };
    const c = client({
      package: "Negotiate",
      authData: who,
      target: "HTTP/web.example.com",
    });
    const s = server({ package: "Negotiate", authData: { users: [who] } });
    try {
      const tokens = run(c, s);
      const init = decodeNegotiationToken(tokens[0]);
      assert.ok(init.type === "init");
      assert.deepEqual(init.mechTypes, [NTLM_OID]);
      assert.ok(c.complete && s.complete);
      assert.equal(chosen(c), "NTLM");
      assert.equal(s.clientName, "EXAMPLE\\noticket");
    } finally {
      c.dispose();
      s.dispose();
    }
  });
});

Deno.test("plug-in: a server without Kerberos asks for NTLM with request-mic; both MICs cover the list that named Kerberos", async () => {
  await withToyKerberos({ legs: 2 }, (log) => {
    const { c, s } = pair({ serverList: "!Kerberos" });
    try {
      const tokens = run(c, s);
      const first = decodeNegotiationToken(tokens[1]);
      assert.ok(first.type === "resp");
      assert.equal(first.negState, REQUEST_MIC);
      assert.equal(first.supportedMech, NTLM_OID);
      assert.equal(first.responseToken, undefined);
      const last = decodeNegotiationToken(tokens.at(-1)!);
      assert.ok(last.type === "resp" && last.mechListMIC);
      assert.ok(c.complete && s.complete);
      assert.equal(chosen(c), "NTLM");
      assert.deepEqual(log.created, ["initiate"], "the server never ran it");
    } finally {
      c.dispose();
      s.dispose();
    }
  });
});

/** A bare context of the toy, driven by hand (a client by default). */
function toyContext(role: "initiate" | "accept" = "initiate") {
  const pkg = findPackage("Kerberos")!;
  const cred = pkg.acquireCredentials({
    principal: null,
    use: role === "initiate" ? 2 : 1,
    authData: role === "initiate" ? USER : { users: [USER] },
    async: false,
  });
  const ctx = pkg.createContext(cred as never, role);
  const step = (input: Uint8Array | null) => {
    const r = ctx.step({
      target: null,
      flags: 0,
      dataRep: 16,
      input: input
        ? new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, input)])
        : null,
      output: null,
      async: false,
    }) as { status: number; token?: Uint8Array | null };
    return r;
  };
  const sign = (data: Uint8Array) => {
    const sig = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16));
    ctx.makeSignature!(
      0,
      new SecBufferDesc([new SecBuffer(SECBUFFER_DATA, data), sig]),
      0,
    );
    return sig.pvBuffer!.subarray(0, sig.cbBuffer);
  };
  const verify = (data: Uint8Array, mic: Uint8Array) =>
    ctx.verifySignature!(
      new SecBufferDesc([
        new SecBuffer(SECBUFFER_DATA, data),
        new SecBuffer(SECBUFFER_TOKEN, mic),
      ]),
      0,
    ).status;
  return { step, sign, verify, dispose: () => ctx.dispose() };
}

Deno.test("plug-in: Kerberos chosen after another first mechanism (NEGOEX, as Windows clients may list): the server sends its MIC with the AP-REP and waits for the client's", async () => {
  await withToyKerberos({ legs: 2 }, () => {
    const mechTypes = [NEGOEX_OID, MS_KERBEROS_OID, KERBEROS_OID, NTLM_OID];
    const listDer = encodeMechTypeList(mechTypes);
    for (const tamper of [false, true]) {
      const s = server({ package: "Negotiate", authData: { users: [USER] } });
      const k = toyContext();
      try {
        const r1 = decodeNegotiationToken(
          s.step(encodeNegTokenInit({
            mechTypes,
            mechToken: Uint8Array.of(0x4e, 0x45, 0x47, 0x4f), // not for us
          }, true))!,
        );
        assert.ok(r1.type === "resp");
        assert.equal(r1.negState, REQUEST_MIC);
        assert.equal(r1.supportedMech, MS_KERBEROS_OID);
        assert.equal(r1.responseToken, undefined);

        const apReq = k.step(null).token!;
        const r2 = decodeNegotiationToken(
          s.step(encodeNegTokenResp({ responseToken: apReq }))!,
        );
        assert.ok(r2.type === "resp");
        assert.equal(r2.negState, ACCEPT_INCOMPLETE, "waiting for our MIC");
        assert.ok(magic(r2.responseToken, 2), "the AP-REP");
        assert.ok(r2.mechListMIC, "the server's MIC comes first");
        assert.equal(s.complete, false);

        assert.equal(k.step(r2.responseToken!).status, 0);
        assert.equal(k.verify(listDer, r2.mechListMIC!), 0);
        const mic = k.sign(tamper ? encodeMechTypeList([NTLM_OID]) : listDer);
        const last = s.step(encodeNegTokenResp({
          negState: ACCEPT_INCOMPLETE,
          mechListMIC: mic,
        }));
        assert.ok(!tamper, "an altered list must not get here");
        const r3 = decodeNegotiationToken(last!);
        assert.ok(r3.type === "resp");
        assert.equal(r3.negState, ACCEPT_COMPLETED);
        assert.equal(r3.mechListMIC, undefined, "its MIC was sent already");
        assert.ok(s.complete);
        assert.equal(s.clientName, "TOY\\alice");
      } catch (e) {
        if (!tamper || !/SEC_E_MESSAGE_ALTERED/.test(String(e))) throw e;
        assert.equal(s.complete, false);
      } finally {
        k.dispose();
        s.dispose();
      }
    }
  });
});

Deno.test("plug-in: a client's mechListMIC after an optimistic completion is verified and keeps the sequence numbers in step; a second one, or one after NTLM's MICs, is out of sequence", async () => {
  await withToyKerberos({ legs: 2 }, () => {
    const listDer = encodeMechTypeList([
      MS_KERBEROS_OID,
      KERBEROS_OID,
      NTLM_OID,
    ]);
    for (const tamper of [false, true]) {
      const { c, s } = pair();
      try {
        run(c, s);
        assert.ok(c.complete && s.complete);
        // What a client that sends its MIC anyway puts in it: the offered list,
        // signed with its first sequence number.
        const mic = c.sign(listDer);
        if (tamper) mic[0] ^= 1;
        const late = encodeNegTokenResp({ mechListMIC: mic });
        if (tamper) {
          assert.throws(() => s.step(late), /SEC_E_MESSAGE_ALTERED/);
          continue;
        }
        assert.equal(s.step(late), null, "nothing to send back");
        signBothWays(c, s);
        assert.throws(() => s.step(late), /SEC_E_OUT_OF_SEQUENCE/);
      } finally {
        c.dispose();
        s.dispose();
      }
    }
  });
  const { c, s } = pair({ clientList: "NTLM" });
  try {
    run(c, s);
    assert.equal(chosen(s), "NTLM");
    const late = encodeNegTokenResp({
      mechListMIC: c.sign(encodeMechTypeList([NTLM_OID])),
    });
    assert.throws(() => s.step(late), /SEC_E_OUT_OF_SEQUENCE/);
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("plug-in: the client takes a server that answers with the standard Kerberos OID and its mechListMIC beside the AP-REP, and sends its own MIC with SEC_E_OK", async () => {
  await withToyKerberos({ legs: 2 }, () => {
    for (const tamper of [false, true]) {
      const { c, s } = pair();
      const k = toyContext("accept");
      try {
        const init = decodeNegotiationToken(c.step(null)!);
        assert.ok(init.type === "init" && init.mechToken);
        const apRep = k.step(init.mechToken).token!;
        const mic = k.sign(init.mechTypesDer);
        if (tamper) mic[3] ^= 0x40;
        const reply = encodeNegTokenResp({
          negState: ACCEPT_COMPLETED,
          supportedMech: KERBEROS_OID,
          responseToken: apRep,
          mechListMIC: mic,
        });
        if (tamper) {
          assert.throws(() => c.step(reply), /SEC_E_MESSAGE_ALTERED/);
          assert.equal(c.complete, false);
          continue;
        }
        const last = decodeNegotiationToken(c.step(reply)!);
        assert.ok(c.complete);
        assert.ok(last.type === "resp" && last.mechListMIC);
        assert.equal(last.responseToken, undefined);
        assert.equal(k.verify(init.mechTypesDer, last.mechListMIC), 0);
      } finally {
        k.dispose();
        c.dispose();
        s.dispose();
      }
    }
  });
});

Deno.test("plug-in: a server that counter-proposes NTLM but sends a token with it is refused (SEC_E_INVALID_TOKEN)", async () => {
  await withToyKerberos({ legs: 2 }, () => {
    const { c, s } = pair();
    try {
      c.step(null);
      const bogus = new Uint8Array(12); // an NTLMSSP CHALLENGE's start
      bogus.set(NTLMSSP_SIGNATURE);
      bogus[8] = 2;
      assert.throws(
        () =>
          c.step(encodeNegTokenResp({
            negState: REQUEST_MIC,
            supportedMech: NTLM_OID,
            responseToken: bogus,
          })),
        /SEC_E_INVALID_TOKEN/,
      );
      assert.equal(c.complete, false);
    } finally {
      c.dispose();
      s.dispose();
    }
  });
});

Deno.test("plug-in: an empty responseToken after a one-token mechanism finished (old IIS) is taken as none; a real one is refused", async () => {
  await withToyKerberos({ legs: 1 }, () => {
    for (const token of [new Uint8Array(0), Uint8Array.of(1)]) {
      const { c, s } = pair();
      try {
        c.step(null);
        const reply = encodeNegTokenResp({
          negState: ACCEPT_COMPLETED,
          supportedMech: MS_KERBEROS_OID,
          responseToken: token,
        });
        if (token.length) {
          assert.throws(() => c.step(reply), /SEC_E_INVALID_TOKEN/);
          assert.equal(c.complete, false);
        } else {
          assert.equal(c.step(reply), null);
          assert.ok(c.complete);
        }
      } finally {
        c.dispose();
        s.dispose();
      }
    }
  });
});

const PLUGIN_ITERATIONS = fuzzIterations("FUZZ_PLUGIN_ITERATIONS", 3_000);

Deno.test(`plug-in fuzz: ${PLUGIN_ITERATIONS} mutated tokens at every step of the Kerberos flows (the server waiting for the client's MIC, tokens after completion) give status codes only (seed ${FUZZ_SEED})`, async () => {
  const r = rng(FUZZ_SEED);
  const statuses = new Map<number, number>();
  /** Runs a step; a failure must be an SspiError with a real status. */
  const attempt = (f: () => unknown): boolean => {
    try {
      f();
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
      return true;
    } catch (e) {
      assert.ok(e instanceof SspiError, `not an SspiError: ${e}`);
      assert.notEqual(e.status >>> 0, SEC_E_INTERNAL_ERROR);
      statuses.set(e.status >>> 0, (statuses.get(e.status >>> 0) ?? 0) + 1);
      return false;
    }
  };
  await withToyKerberos({ legs: 2 }, () => {
    const mechTypes = [NEGOEX_OID, MS_KERBEROS_OID, KERBEROS_OID, NTLM_OID];
    const listDer = encodeMechTypeList(mechTypes);
    for (let i = 0; i < PLUGIN_ITERATIONS; i++) {
      const lane = r(3);
      if (lane === 0) {
        // The NEGOEX-first flow: a mutated AP-REQ reply or a mutated late MIC.
        const s = server({ package: "Negotiate", authData: { users: [USER] } });
        const k = toyContext();
        try {
          s.step(
            encodeNegTokenInit(
              { mechTypes, mechToken: Uint8Array.of(1) },
              true,
            ),
          );
          const resp = encodeNegTokenResp({
            responseToken: k.step(null).token!,
          });
          if (r(2)) {
            attempt(() => s.step(mutate(resp, r)));
            continue;
          }
          const r2 = decodeNegotiationToken(s.step(resp)!);
          assert.ok(r2.type === "resp" && r2.responseToken);
          k.step(r2.responseToken);
          const late = encodeNegTokenResp({
            negState: ACCEPT_INCOMPLETE,
            mechListMIC: k.sign(listDer),
          });
          if (attempt(() => s.step(mutate(late, r)))) {
            // A mutation that still verifies completes the server, and only then.
            assert.ok(s.complete);
          } else assert.equal(s.complete, false);
        } finally {
          k.dispose();
          s.dispose();
        }
      } else {
        // The optimistic flow: a mutated reply to the client, or a mutated token to
        // a completed server.
        const { c, s } = pair();
        try {
          const init = c.step(null)!;
          const reply = s.step(init)!;
          if (lane === 1) attempt(() => c.step(mutate(reply, r)));
          else {
            c.step(reply);
            const late = encodeNegTokenResp({ mechListMIC: c.sign(listDer) });
            attempt(() => s.step(mutate(r(2) ? late : init, r)));
          }
        } finally {
          c.dispose();
          s.dispose();
        }
      }
    }
  });
  console.log(
    "statuses:",
    [...statuses].map(([k, v]) => `0x${k.toString(16)}=${v}`).join(" "),
  );
  assert.ok(statuses.size > 2, "the mutations reached several outcomes");
});
