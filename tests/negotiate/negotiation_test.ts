// Negotiate: captured gss-ntlmssp SPNEGO tokens, downgrade protection, raw NTLMSSP to
// the Negotiate server, PackageList filtering, NegTokenInit2 and non-preferred mechs.
import assert from "node:assert/strict";
import {
  client,
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  server,
} from "../../mod.ts";
import {
  ACCEPT_COMPLETED,
  ACCEPT_INCOMPLETE,
  decodeNegotiationToken,
  encodeNegTokenInit,
  encodeNegTokenResp,
  filterPackages,
  KERBEROS_OID,
  MS_KERBEROS_OID,
  NEG_HINT_IGNORE,
  NEGOEX_OID,
  NTLM_OID,
  REQUEST_MIC,
} from "../../src/packages/negotiate/mod.ts";
import { pair, run } from "./_helpers.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import { NtlmSessionSecurity } from "../../src/packages/ntlm/security.ts";
import { concat, fromHex } from "../../src/util/bytes.ts";
import { statusOf } from "../ntlm/_helpers.ts";

const CAPTURED = new URL(
  "../peers/captured/gssntlmssp_spnego_handshake.json",
  import.meta.url,
);
const CAPTURED_SAMBA = new URL(
  "../peers/captured/samba_spnego_handshake.json",
  import.meta.url,
);
const b64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const isNtlmssp = (b: Uint8Array | undefined, type: number) =>
  !!b && new TextDecoder().decode(b.subarray(0, 8)) === "NTLMSSP\0" &&
  b[8] === type;

Deno.test("captured gss-ntlmssp SPNEGO tokens decode to the expected structure", async () => {
  const cap = JSON.parse(await Deno.readTextFile(CAPTURED));
  const [t1, t2, t3, t4] = cap.tokens.map((t: { token: string }) =>
    decodeNegotiationToken(b64(t.token))
  );
  assert.equal(t1.type, "init");
  assert.ok(t1.type === "init");
  assert.deepEqual(t1.mechTypes, [NTLM_OID]);
  assert.ok(isNtlmssp(t1.mechToken, 1));
  assert.equal(t1.mechListMIC, undefined);
  assert.ok(t2.type === "resp");
  assert.equal(t2.negState, ACCEPT_INCOMPLETE);
  assert.equal(t2.supportedMech, NTLM_OID);
  assert.ok(isNtlmssp(t2.responseToken, 2));
  assert.ok(t3.type === "resp");
  assert.equal(t3.negState, ACCEPT_INCOMPLETE);
  assert.equal(t3.supportedMech, undefined);
  assert.ok(isNtlmssp(t3.responseToken, 3));
  assert.equal(t3.mechListMIC?.length, 16);
  assert.ok(t4.type === "resp");
  assert.equal(t4.negState, ACCEPT_COMPLETED);
  assert.equal(t4.responseToken, undefined);
  assert.equal(t4.mechListMIC?.length, 16);
  // Both mechListMICs are NTLM signatures with sequence number 0; the first wrap that
  // follows is sequence number 1 (the counters continue, only RC4 is reset).
  const seq = (b: Uint8Array) =>
    new DataView(b.buffer, b.byteOffset).getUint32(12, true);
  assert.equal(seq(t3.mechListMIC!), 0);
  assert.equal(seq(t4.mechListMIC!), 0);
  assert.equal(seq(b64(cap.wraps[0].token)), 1);
  assert.equal(seq(b64(cap.mics[0].mic)), 2);
});

Deno.test("captured Samba SPNEGO tokens: the structure, and our NTLM session security makes its mechListMICs, wraps and MICs byte for byte", async () => {
  const cap = JSON.parse(await Deno.readTextFile(CAPTURED_SAMBA));
  const [t1, t2, t3, t4] = cap.tokens.map((t: { token: string }) =>
    decodeNegotiationToken(b64(t.token))
  );
  assert.ok(t1.type === "init" && isNtlmssp(t1.mechToken, 1));
  assert.deepEqual(t1.mechTypes, [NTLM_OID]);
  assert.ok(t2.type === "resp" && isNtlmssp(t2.responseToken, 2));
  assert.equal(t2.negState, ACCEPT_INCOMPLETE);
  assert.equal(t2.supportedMech, NTLM_OID);
  assert.ok(t3.type === "resp" && isNtlmssp(t3.responseToken, 3));
  assert.equal(t3.mechListMIC?.length, 16);
  assert.ok(t4.type === "resp" && t4.mechListMIC);
  assert.equal(t4.negState, ACCEPT_COMPLETED);

  const flags = decodeAuthenticate(t3.responseToken!).flags;
  const key = fromHex(cap.initiator_info.session_key_hex);
  assert.equal(
    cap.acceptor_info.session_key_hex,
    cap.initiator_info.session_key_hex,
  );
  const sides = {
    initiator: new NtlmSessionSecurity(flags, key, "Client"),
    acceptor: new NtlmSessionSecurity(flags, key, "Server"),
  };
  const { initiator: c, acceptor: s } = sides;
  try {
    const list = t1.mechTypesDer;
    assert.deepEqual(c.sign([list]), t3.mechListMIC);
    assert.equal(s.verify([list], t3.mechListMIC!), SEC_E_OK);
    assert.deepEqual(s.sign([list]), t4.mechListMIC);
    assert.equal(c.verify([list], t4.mechListMIC), SEC_E_OK);
    for (const side of [c, s]) {
      side.resetCrypto("send");
      side.resetCrypto("recv");
    }
    // Wraps are signature || ciphertext; then each side's first MIC.
    for (const w of cap.wraps) {
      const data = b64(w.plaintext);
      const sig = sides[w.from as "initiator" | "acceptor"].seal([data], [
        data,
      ]);
      assert.deepEqual(concat(sig, data), b64(w.token), `wrap by ${w.from}`);
    }
    for (const m of cap.mics) {
      const sig = sides[m.from as "initiator" | "acceptor"].sign([b64(m.data)]);
      assert.deepEqual(sig, b64(m.mic), `MIC by ${m.from}`);
    }
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("our tokens re-encode identically after decoding", () => {
  const { c, s } = pair();
  try {
    for (const tok of run(c, s)) {
      const t = decodeNegotiationToken(tok);
      const again = t.type === "init"
        ? encodeNegTokenInit(t, true)
        : encodeNegTokenResp(t);
      assert.deepEqual(again, tok);
    }
  } finally {
    c.dispose();
    s.dispose();
  }
});

/** Rewrites the client's first token with another mechanism list. */
function alterMechTypes(tok: Uint8Array, mechTypes: string[]): Uint8Array {
  const t = decodeNegotiationToken(tok);
  assert.ok(t.type === "init");
  return encodeNegTokenInit({ mechTypes, mechToken: t.mechToken }, true);
}

Deno.test("downgrade: an altered mechTypes list fails at mechListMIC verification", () => {
  for (const list of [[NTLM_OID, NEGOEX_OID], [NTLM_OID, NTLM_OID]]) {
    const { c, s } = pair();
    try {
      const t1 = alterMechTypes(c.step(null)!, list);
      const t2 = s.step(t1)!;
      const t3 = c.step(t2)!;
      assert.equal(statusOf(() => s.step(t3)), SEC_E_MESSAGE_ALTERED);
    } finally {
      c.dispose();
      s.dispose();
    }
  }
});

Deno.test("the server keeps its own copy of the mechanism list: a reused input buffer changes nothing", () => {
  for (const reuse of [false, true]) {
    const { c, s } = pair();
    try {
      // The caller's buffer holds the first token, then is overwritten before the
      // next call, as a network read loop reusing one buffer does.
      const t1 = c.step(null)!;
      const shared = new Uint8Array(4096);
      shared.set(t1);
      const t2 = s.step(shared.subarray(0, t1.length))!;
      if (reuse) shared.fill(0xa5);
      const t3 = c.step(t2)!;
      const t4 = s.step(t3);
      assert.ok(t4 && s.complete);
      assert.equal(c.step(t4), null);
      assert.ok(c.complete);
    } finally {
      c.dispose();
      s.dispose();
    }
  }
});

Deno.test("downgrade: a stripped mechListMIC is refused (NTLM sent a MIC)", () => {
  const { c, s } = pair();
  try {
    const t2 = s.step(c.step(null)!)!;
    const t3 = decodeNegotiationToken(c.step(t2)!);
    assert.ok(t3.type === "resp" && t3.mechListMIC);
    const stripped = encodeNegTokenResp({ ...t3, mechListMIC: undefined });
    assert.equal(statusOf(() => s.step(stripped)), SEC_E_INVALID_TOKEN);
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("downgrade: an altered server mechListMIC is refused by the client", () => {
  const { c, s } = pair();
  try {
    const t2 = s.step(c.step(null)!)!;
    const t4 = decodeNegotiationToken(s.step(c.step(t2)!)!);
    assert.ok(t4.type === "resp" && t4.mechListMIC);
    t4.mechListMIC[5] ^= 1;
    assert.equal(
      statusOf(() => c.step(encodeNegTokenResp(t4))),
      SEC_E_MESSAGE_ALTERED,
    );
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("raw NTLMSSP: our NTLM client -> our Negotiate server", () => {
  const c = client({
    package: "NTLM",
    username: "alice",
    domain: "EXAMPLE",
    password: "S3cret!pw",
  });
  const s = server({
    package: "Negotiate",
    authData: {
      users: [{ User: "alice", Domain: "EXAMPLE", Password: "S3cret!pw" }],
    },
  });
  try {
    const tokens = run(c, s);
    assert.ok(tokens.every((t) => isNtlmssp(t, t[8])));
    assert.ok(c.complete && s.complete);
    const enc = new TextEncoder();
    assert.equal(
      new TextDecoder().decode(s.unwrap(c.wrap(enc.encode("raw")))),
      "raw",
    );
    assert.equal(s.clientName, "EXAMPLE\\alice");
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("PackageList filters the inner packages", () => {
  assert.deepEqual(filterPackages(["Kerberos", "NTLM"], "NTLM"), ["NTLM"]);
  assert.deepEqual(filterPackages(["Kerberos", "NTLM"], "!NTLM"), [
    "Kerberos",
  ]);
  assert.deepEqual(filterPackages(["Kerberos", "NTLM"], "Kerberos, ntlm"), [
    "Kerberos",
    "NTLM",
  ]);
  assert.deepEqual(filterPackages(["Kerberos", "NTLM"], undefined), [
    "Kerberos",
    "NTLM",
  ]);
  // No Kerberos package is registered: "!NTLM" leaves nothing.
  assert.equal(
    statusOf(() => pair({ clientList: "!NTLM" })),
    SEC_E_NO_CREDENTIALS,
  );
  const { c, s } = pair({ clientList: "Kerberos,NTLM", serverList: "NTLM" });
  try {
    run(c, s);
    assert.ok(c.complete && s.complete);
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("server-initiated: NegTokenInit2 with Windows' negHints, then the client", () => {
  const { c, s } = pair();
  try {
    const hint = s.step(null)!;
    const t = decodeNegotiationToken(hint);
    assert.ok(t.type === "init");
    assert.deepEqual(t.mechTypes, [NTLM_OID]);
    assert.equal(t.negHints?.hintName, NEG_HINT_IGNORE);
    let tok: Uint8Array | null = c.step(hint);
    while (tok) {
      tok = s.step(tok);
      if (tok) tok = c.step(tok);
    }
    assert.ok(c.complete && s.complete);
  } finally {
    c.dispose();
    s.dispose();
  }
});

Deno.test("server: a non-preferred mechanism gets request-mic and no token", () => {
  const { c, s } = pair();
  try {
    const ntlm = decodeNegotiationToken(c.step(null)!);
    assert.ok(ntlm.type === "init");
    const init = encodeNegTokenInit({
      mechTypes: [MS_KERBEROS_OID, KERBEROS_OID, NTLM_OID],
      mechToken: Uint8Array.of(0x60, 0x00),
    }, true);
    const r = decodeNegotiationToken(s.step(init)!);
    assert.ok(r.type === "resp");
    assert.equal(r.negState, REQUEST_MIC);
    assert.equal(r.supportedMech, NTLM_OID);
    assert.equal(r.responseToken, undefined);
    // The client's NTLM NEGOTIATE follows in a NegTokenResp.
    const next = decodeNegotiationToken(
      s.step(encodeNegTokenResp({ responseToken: ntlm.mechToken }))!,
    );
    assert.ok(next.type === "resp" && next.negState === ACCEPT_INCOMPLETE);
    // supportedMech only in the first reply (RFC 4178 4.2.2).
    assert.equal(next.supportedMech, undefined);
    assert.ok(isNtlmssp(next.responseToken, 2));
  } finally {
    c.dispose();
    s.dispose();
  }
});
