// Negotiate and NTLM interop with Samba's own SPNEGO and NTLMSSP (GENSEC, through
// python3-samba) as the client, against our servers: the code smbclient and
// winbind use against Windows, written apart from MIT krb5 and gss-ntlmssp.
// Samba's settings also give the older peers: no optimistic token, NTLMv1, NTLM
// without its AUTHENTICATE MIC, SPNEGO as Windows 2000 spoke it, anonymous logons
// and integrity only. The other direction is samba_server_interop_test.ts.
import assert from "node:assert/strict";
import {
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  type SecurityContext,
  server,
  SspiError,
} from "../../mod.ts";
import {
  GssapiPeer,
  type GssapiPeerOptions,
  sambaPeerTest,
} from "../peers/gssapi_peer.ts";
import { decodeNegotiationToken } from "../../src/packages/negotiate/mod.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import {
  PEER_USER,
  peerServer,
  runServer,
  sameKeyThenTraffic,
  serverFirstWith,
  USER as USER_ENTRY,
} from "./_helpers.ts";
import {
  authenticateHasMic,
  CLIENT_NO_NTLM_MIC,
  established,
  NO_OPTIMISTIC,
  NTLMV1,
  resp,
  W2K,
} from "./_samba.ts";

const USER = PEER_USER;

/** A Samba initiator (with `opts`) against our server `s`. */
async function sambaClient(
  opts: Partial<GssapiPeerOptions>,
  s: SecurityContext,
  check: (tokens: Uint8Array[], peer: GssapiPeer) => Promise<void>,
): Promise<void> {
  const peer = await GssapiPeer.start({
    impl: "samba",
    role: "initiator",
    mech: "spnego",
    ...USER,
    ...opts,
  });
  try {
    await check(await runServer(s, peer), peer);
  } finally {
    s.dispose();
    await peer.close();
  }
}

await sambaPeerTest(
  "Samba SPNEGO client -> our Negotiate server: mechListMICs, wrap and MIC both ways",
  () => {
    const s = peerServer();
    return sambaClient({}, s, async (tokens, peer) => {
      assert.equal(tokens.length, 4);
      const init = decodeNegotiationToken(tokens[0]);
      assert.ok(init.type === "init" && init.mechToken, "an optimistic token");
      assert.ok(authenticateHasMic(tokens[2]));
      assert.ok(resp(tokens[2]).mechListMIC, "Samba protects the list");
      const last = resp(tokens[3]);
      assert.equal(last.negState, 0);
      assert.ok(last.mechListMIC, "and so do we");
      await established(s, peer);
    });
  },
);

await sambaPeerTest(
  "Samba SPNEGO client without an optimistic token: our server asks for NTLM's first",
  () => {
    const s = peerServer();
    return sambaClient(
      { sambaSettings: NO_OPTIMISTIC },
      s,
      async (tokens, peer) => {
        const init = decodeNegotiationToken(tokens[0]);
        assert.ok(init.type === "init" && !init.mechToken);
        const ask = resp(tokens[1]);
        assert.equal(ask.negState, 1);
        assert.ok(ask.supportedMech && !ask.responseToken);
        assert.equal(tokens.length, 6);
        assert.ok(resp(tokens[5]).mechListMIC);
        await established(s, peer);
      },
    );
  },
);

await sambaPeerTest(
  "Samba raw NTLMSSP client (no SPNEGO) -> our Negotiate server",
  () => {
    const s = peerServer();
    return sambaClient({ mech: "ntlm" }, s, async (tokens, peer) => {
      assert.equal(tokens.length, 3);
      assert.equal(
        new TextDecoder().decode(tokens[0].subarray(0, 7)),
        "NTLMSSP",
      );
      await established(s, peer);
    });
  },
);

await sambaPeerTest(
  "Samba NTLMv1 client: refused by default, accepted with allowNtlmV1",
  async () => {
    const refused = peerServer();
    await sambaClient({ sambaSettings: NTLMV1 }, refused, () => {
      throw new Error("unreachable");
    }).then(
      () => assert.fail("NTLMv1 was accepted"),
      (e) => {
        assert.ok(e instanceof SspiError, `expected SspiError, got ${e}`);
        assert.equal(e.status, SEC_E_LOGON_DENIED);
      },
    );
    const s = peerServer("Negotiate", true);
    await sambaClient({ sambaSettings: NTLMV1 }, s, async (tokens, peer) => {
      const a = decodeAuthenticate(resp(tokens[2]).responseToken!);
      assert.equal(a.ntResponse.length, 24, "an NTLMv1 response");
      await established(s, peer);
    });
  },
);

await sambaPeerTest(
  "Windows 2000 style client (no NTLM MIC, no mechListMIC): accepted without MICs",
  () => {
    const s = peerServer();
    return sambaClient(
      { sambaSettings: { ...W2K, ...CLIENT_NO_NTLM_MIC } },
      s,
      async (tokens, peer) => {
        assert.ok(!authenticateHasMic(tokens[2]));
        assert.equal(resp(tokens[2]).mechListMIC, undefined);
        const last = resp(tokens[3]);
        assert.equal(last.negState, 0);
        assert.equal(last.mechListMIC, undefined, "no MIC it would not check");
        // No MIC was signed, so no RC4 reset and no sequence number was spent.
        await established(s, peer);
      },
    );
  },
);

await sambaPeerTest(
  "a client whose NTLM has a MIC but who sends no mechListMIC is refused (downgrade)",
  async () => {
    const e = await sambaClient({ sambaSettings: W2K }, peerServer(), () => {
      throw new Error("unreachable");
    }).then(() => null, (e) => e);
    assert.ok(e instanceof SspiError, `expected SspiError, got ${e}`);
    assert.equal(e.status, SEC_E_INVALID_TOKEN);
    assert.match(e.message, /mechListMIC/);
  },
);

await sambaPeerTest(
  "Samba anonymous client -> our servers: refused unless allowAnonymous, then sealed both ways",
  async () => {
    for (
      const [pkg, mech] of [["NTLM", "ntlm"], ["Negotiate", "spnego"]] as const
    ) {
      const refused = await sambaClient(
        { mech, anonymous: true },
        peerServer(pkg),
        () => Promise.resolve(),
      ).then(() => null, (e) => e);
      assert.ok(
        refused instanceof SspiError,
        `expected SspiError, got ${refused}`,
      );
      assert.equal(refused.status, SEC_E_LOGON_DENIED);
      const s = server({
        package: pkg,
        authData: { users: [USER_ENTRY], allowAnonymous: true },
      });
      await sambaClient({ mech, anonymous: true }, s, async (tokens, peer) => {
        const third = pkg === "NTLM"
          ? tokens[2]
          : resp(tokens[2]).responseToken!;
        const auth = decodeAuthenticate(third);
        assert.equal(auth.user, "");
        assert.equal(auth.ntResponse.length, 0);
        assert.equal(s.clientName, "");
        await sameKeyThenTraffic(s, peer);
      });
    }
  },
);

await sambaPeerTest(
  "Samba client with a wrong password: SEC_E_LOGON_DENIED",
  async () => {
    const e = await sambaClient(
      { password: "wrong" },
      peerServer(),
      () => {
        throw new Error("unreachable");
      },
    ).then(() => null, (e) => e);
    assert.ok(e instanceof SspiError, `expected SspiError, got ${e}`);
    assert.equal(e.status, SEC_E_LOGON_DENIED);
  },
);

await sambaPeerTest(
  "server first: our NegTokenInit2 (NTLM, Windows' negHints), then Samba's SPNEGO client",
  async () =>
    await serverFirstWith(
      await GssapiPeer.start({
        impl: "samba",
        role: "initiator",
        mech: "spnego",
        ...USER,
      }),
    ),
);
