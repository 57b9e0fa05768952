// Interop with a real peer nobody here wrote: gss-ntlmssp (C, through python3-gssapi),
// both directions, then messages sealed on one side and unsealed on the other.
import assert from "node:assert/strict";
import { client, type SecurityContext, server, SspiError } from "../../mod.ts";
import {
  SEC_E_BAD_BINDINGS,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OUT_OF_SEQUENCE,
} from "../../mod.ts";
import { GssapiError, GssapiPeer, peerTest } from "../peers/gssapi_peer.ts";
import {
  crossTraffic,
  peerServer,
  runClient as runPeerClient,
  runServer as runPeerServer,
  sameKeyThenTraffic,
} from "../negotiate/_helpers.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import {
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_LM_KEY,
} from "../../src/packages/ntlm/constants.ts";
import { toHex } from "../../src/util/bytes.ts";
import { clientTargetOf } from "./_helpers.ts";
import {
  decodeNegotiationToken,
  type NegTokenResp,
} from "../../src/packages/negotiate/mod.ts";

const USER = { domain: "EXAMPLE", user: "alice", password: "S3cret!pw" };
const enc = new TextEncoder();
const dec = new TextDecoder();

function status(e: unknown): number {
  assert.ok(e instanceof SspiError, `expected SspiError, got ${e}`);
  return e.status;
}

/** Our client against the gss-ntlmssp acceptor; returns both ends. */
async function ourClient(
  opts: { password?: string; cb?: Uint8Array; peerCb?: Uint8Array } = {},
): Promise<{ c: SecurityContext; peer: GssapiPeer }> {
  const peer = await GssapiPeer.start({
    role: "acceptor",
    mech: "ntlm",
    users: [USER],
    channelBindings: opts.peerCb,
  });
  const c = client({
    username: USER.user,
    domain: USER.domain,
    password: opts.password ?? USER.password,
    target: "host/localhost",
    channelBindings: opts.cb,
  });
  return { c, peer };
}

async function runClient(c: SecurityContext, peer: GssapiPeer): Promise<void> {
  let token = c.step(null);
  while (token) {
    const r = await peer.step(token);
    if (!r.token) break;
    token = c.step(r.token);
    if (token) {
      const last = await peer.step(token);
      assert.ok(last.complete, "gss-ntlmssp acceptor did not complete");
      break;
    }
  }
}

await peerTest(
  "NTLM interop: our client -> gss-ntlmssp acceptor, wrap both ways",
  async () => {
    const { c, peer } = await ourClient();
    try {
      await runClient(c, peer);
      assert.ok(c.complete);
      const info = await peer.info();
      assert.equal(info.peer_name, "EXAMPLE\\alice");
      assert.equal(
        info.session_key_hex,
        toHex(c.sessionKey),
      );
      // ours -> peer
      for (let i = 0; i < 3; i++) {
        const w = c.wrap(enc.encode(`hello gss ${i}`));
        const u = await peer.unwrap(w);
        assert.equal(dec.decode(u.data), `hello gss ${i}`);
        assert.ok(u.encrypted);
      }
      // peer -> ours
      for (let i = 0; i < 3; i++) {
        const w = await peer.wrap(enc.encode(`from gss ${i}`));
        assert.equal(dec.decode(c.unwrap(w.data)), `from gss ${i}`);
      }
      // signatures both ways
      const mic = c.sign(enc.encode("signed"));
      await peer.verifyMic(enc.encode("signed"), mic);
      const pmic = await peer.getMic(enc.encode("peer signed"));
      c.verify(enc.encode("peer signed"), pmic);
    } finally {
      c.dispose();
      await peer.close();
    }
  },
);

await peerTest(
  "NTLM interop: gss-ntlmssp initiator -> our server, wrap both ways",
  async () => {
    const s = server({
      authData: {
        users: [{
          User: USER.user,
          Domain: USER.domain,
          Password: USER.password,
        }],
      },
    });
    const peer = await GssapiPeer.start({
      role: "initiator",
      mech: "ntlm",
      ...USER,
      target: "host@localhost",
    });
    try {
      await runPeerServer(s, peer);
      assert.ok(s.complete);
      assert.equal(s.clientName, "EXAMPLE\\alice");
      // gss-ntlmssp names its target in MsvAvTargetName as an SPN.
      assert.equal(clientTargetOf(s.handles.context), "host/localhost");
      const info = await peer.info();
      assert.equal(
        info.session_key_hex,
        toHex(s.sessionKey),
      );
      const w = await peer.wrap(enc.encode("to our server"));
      assert.equal(dec.decode(s.unwrap(w.data)), "to our server");
      const back = s.wrap(enc.encode("from our server"));
      assert.equal(
        dec.decode((await peer.unwrap(back)).data),
        "from our server",
      );
      // A replayed sealed message is refused and the context keeps working.
      assert.equal(
        status(catching(() => s.unwrap(w.data))),
        SEC_E_OUT_OF_SEQUENCE,
      );
      const w2 = await peer.wrap(enc.encode("after replay"));
      assert.equal(dec.decode(s.unwrap(w2.data)), "after replay");
      // A tampered sealed message is refused.
      const w3 = await peer.wrap(enc.encode("tamper me"));
      w3.data[w3.data.length - 1] ^= 1;
      assert.equal(
        status(catching(() => s.unwrap(w3.data))),
        SEC_E_MESSAGE_ALTERED,
      );
    } finally {
      s.dispose();
      await peer.close();
    }
  },
);

/** Flips a bit inside the NTLMv2 blob of an AUTHENTICATE message (covered by NTProofStr). */
function flipInNtResponse(auth: Uint8Array): void {
  const v = new DataView(auth.buffer, auth.byteOffset, auth.byteLength);
  const len = v.getUint16(20, true);
  const off = v.getUint32(24, true);
  assert.ok(len > 48, "an NTLMv2 response");
  auth[off + 40] ^= 0x01; // in the blob, past NTProofStr, time and client challenge
}

function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

await peerTest(
  "NTLM interop: wrong password is refused by both sides",
  async () => {
    // our client with a wrong password -> gss-ntlmssp refuses
    const { c, peer } = await ourClient({ password: "wrong" });
    try {
      await assert.rejects(() => runClient(c, peer), GssapiError);
    } finally {
      c.dispose();
      await peer.close();
    }
    // gss-ntlmssp initiator with a wrong password -> our server: SEC_E_LOGON_DENIED
    const s = server({
      authData: {
        users: [{
          User: USER.user,
          Domain: USER.domain,
          Password: USER.password,
        }],
      },
    });
    const p2 = await GssapiPeer.start({
      role: "initiator",
      mech: "ntlm",
      ...USER,
      password: "wrong",
      target: "host@localhost",
    });
    try {
      const e = await runPeerServer(s, p2).then(() => null, (e) => e);
      assert.equal(status(e), SEC_E_LOGON_DENIED);
    } finally {
      s.dispose();
      await p2.close();
    }
  },
);

await peerTest("NTLM interop: channel bindings must match", async () => {
  const cb = enc.encode("tls-server-end-point:0123456789abcdef");
  // matching bindings: our client -> gss acceptor
  const ok = await ourClient({ cb, peerCb: cb });
  try {
    await runClient(ok.c, ok.peer);
    assert.ok((await ok.peer.info()).complete);
  } finally {
    ok.c.dispose();
    await ok.peer.close();
  }
  // gss initiator with other bindings -> our server: SEC_E_BAD_BINDINGS
  const s = server({
    authData: {
      users: [{
        User: USER.user,
        Domain: USER.domain,
        Password: USER.password,
      }],
    },
    channelBindings: cb,
  });
  const p = await GssapiPeer.start({
    role: "initiator",
    mech: "ntlm",
    ...USER,
    target: "host@localhost",
    channelBindings: enc.encode("tls-server-end-point:ffff"),
  });
  try {
    const e = await runPeerServer(s, p).then(() => null, (e) => e);
    assert.equal(status(e), SEC_E_BAD_BINDINGS);
  } finally {
    s.dispose();
    await p.close();
  }
  // gss initiator with the same bindings -> our server: accepted
  const s2 = server({
    authData: {
      users: [{
        User: USER.user,
        Domain: USER.domain,
        Password: USER.password,
      }],
    },
    channelBindings: cb,
  });
  const p2 = await GssapiPeer.start({
    role: "initiator",
    mech: "ntlm",
    ...USER,
    target: "host@localhost",
    channelBindings: cb,
  });
  try {
    await runPeerServer(s2, p2);
    assert.ok(s2.complete);
  } finally {
    s2.dispose();
    await p2.close();
  }
});

await peerTest(
  "NTLM interop: a tampered AUTHENTICATE is refused both ways",
  async () => {
    // gss-ntlmssp's AUTHENTICATE altered in flight -> our server refuses it.
    const s = server({
      authData: {
        users: [{
          User: USER.user,
          Domain: USER.domain,
          Password: USER.password,
        }],
      },
    });
    const p = await GssapiPeer.start({
      role: "initiator",
      mech: "ntlm",
      ...USER,
      target: "host@localhost",
    });
    try {
      const neg = (await p.step(null)).token!;
      const chal = s.step(neg)!;
      const auth = (await p.step(chal)).token!;
      flipInNtResponse(auth);
      const e = catching(() => s.step(auth));
      assert.ok(e instanceof SspiError);
      assert.ok(
        [SEC_E_LOGON_DENIED, SEC_E_MESSAGE_ALTERED].includes(e.status),
        `status 0x${e.status.toString(16)}`,
      );
    } finally {
      s.dispose();
      await p.close();
    }
    // Our AUTHENTICATE altered in flight -> gss-ntlmssp refuses it.
    const { c, peer } = await ourClient();
    try {
      const chal = (await peer.step(c.step(null)!)).token!;
      const auth = c.step(chal)!;
      flipInNtResponse(auth);
      await assert.rejects(() => peer.step(auth), GssapiError);
    } finally {
      c.dispose();
      await peer.close();
    }
  },
);

await peerTest(
  "NTLMv1 with gss-ntlmssp: its LM_COMPAT_LEVEL 0-2 initiators (NTLM and SPNEGO) -> our servers, our LmCompatibilityLevel 0-2 -> its acceptor",
  async () => {
    const ESS = NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    // Over SPNEGO too: MIT's SPNEGO with level 0 is the half-duplex RC4 handle
    // around the mechListMICs (MS-SPNG 3.3.5.1), where Samba's client disagrees.
    for (
      const [level, mech] of [0, 1, 2].flatMap((l) =>
        [[l, "ntlm"], [l, "spnego"]] as const
      )
    ) {
      const peer = await GssapiPeer.start({
        role: "initiator",
        mech,
        ...USER,
        env: { LM_COMPAT_LEVEL: String(level) },
      });
      const s = peerServer(mech === "ntlm" ? "NTLM" : "Negotiate", true);
      try {
        const tokens = await runPeerServer(s, peer);
        const third = mech === "ntlm"
          ? tokens[2]
          : (decodeNegotiationToken(tokens[2]) as NegTokenResp).responseToken!;
        const auth = decodeAuthenticate(third);
        assert.equal(auth.ntResponse.length, 24, `level ${level}`);
        // Level 0 is NTLMv1 without NTLM2 session security, with LM_KEY and 56-bit
        // keys: one RC4 handle both ways, and a zero RandomPad in its signatures.
        const want = level === 0
          ? NTLMSSP_NEGOTIATE_LM_KEY | NTLMSSP_NEGOTIATE_56
          : ESS;
        assert.equal(auth.flags & want, want, `level ${level}`);
        if (level === 0) assert.equal(auth.flags & ESS, 0);
        await sameKeyThenTraffic(s, peer);
      } finally {
        s.dispose();
        await peer.close();
      }
    }
    const v1Client = (level: number) =>
      client({
        package: "NTLM",
        authData: {
          User: USER.user,
          Domain: USER.domain,
          Password: USER.password,
          LmCompatibilityLevel: level,
        },
        target: "host/localhost",
      });
    {
      // gss-ntlmssp's acceptor refuses NTLMv1 unless its LM_COMPAT_LEVEL allows it.
      const peer = await GssapiPeer.start({
        role: "acceptor",
        mech: "ntlm",
        users: [USER],
      });
      const c = v1Client(1);
      try {
        await assert.rejects(() => runPeerClient(c, peer), GssapiError);
      } finally {
        c.dispose();
        await peer.close();
      }
    }
    for (const level of [0, 1, 2]) {
      const peer = await GssapiPeer.start({
        role: "acceptor",
        mech: "ntlm",
        users: [USER],
        env: { LM_COMPAT_LEVEL: "2" },
      });
      const c = v1Client(level);
      try {
        const tokens = await runPeerClient(c, peer);
        assert.equal(decodeAuthenticate(tokens[2]).ntResponse.length, 24);
        await crossTraffic(c, peer);
      } finally {
        c.dispose();
        await peer.close();
      }
    }
  },
);
