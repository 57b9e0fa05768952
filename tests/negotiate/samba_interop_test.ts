// Negotiate interop with Samba's own SPNEGO and NTLMSSP (GENSEC, through
// python3-samba): the code smbclient, smbd and winbind use against Windows,
// written apart from MIT krb5 and gss-ntlmssp. Both directions; the Samba acceptor
// checks passwords in a SAM database provisioned for the test. Samba's settings
// also give the older peers: a client that sends no optimistic token, NTLMv1 with
// NTLM2 session security, NTLM without its AUTHENTICATE MIC, and SPNEGO as
// Windows 2000 spoke it (its acceptor copies the responseToken into the
// mechListMIC field).
import assert from "node:assert/strict";
import {
  client,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_RET_CONFIDENTIALITY,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  type SecurityContext,
  server,
  SspiError,
} from "../../mod.ts";
import {
  GssapiError,
  GssapiPeer,
  type GssapiPeerOptions,
  provisionSamba,
  sambaPeerTest,
} from "../peers/gssapi_peer.ts";
import {
  decodeNegotiationToken,
  KERBEROS_OID,
  MS_KERBEROS_OID,
  type NegTokenResp,
  NTLM_OID,
} from "../../src/packages/negotiate/mod.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import { avFind } from "../../src/packages/ntlm/av_pairs.ts";
import {
  MSV_AV_FLAG_MIC,
  MsvAvFlags,
} from "../../src/packages/ntlm/constants.ts";
import { readU32le, toHex } from "../../src/util/bytes.ts";
import {
  crossTraffic,
  PEER_USER,
  peerClient,
  peerServer,
  runClient,
  runServer,
  runServerFirst,
  USER as USER_ENTRY,
} from "./_helpers.ts";

const USER = PEER_USER;

// Samba parameters that make it an older peer (see samba_peer.py).
const NO_OPTIMISTIC = { "spnego:client_no_optimistic": "yes" };
const NTLMV1 = { "client ntlmv2 auth": "no" };
const W2K = { "spnego:simulate_w2k": "yes" };
const CLIENT_NO_NTLM_MIC = { "ntlmssp_client:force_old_spnego": "yes" };
const SERVER_NO_NTLM_MIC = { "ntlmssp_server:force_old_spnego": "yes" };

function resp(token: Uint8Array): NegTokenResp {
  const t = decodeNegotiationToken(token);
  assert.equal(t.type, "resp");
  return t as NegTokenResp;
}

/**
 * Whether the AUTHENTICATE inside a client NegTokenResp says it carries a MIC
 * (MsvAvFlags in the NTLMv2 response's AV pairs, which start at byte 44).
 */
function authenticateHasMic(token: Uint8Array): boolean {
  const nt = decodeAuthenticate(resp(token).responseToken!).ntResponse;
  const at = avFind(nt.subarray(44), MsvAvFlags);
  return at !== null && (readU32le(nt, 44 + at[0]) & MSV_AV_FLAG_MIC) !== 0;
}

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

/**
 * Both sides completed with the same session key, the acceptor names the user, and
 * traffic flows both ways. Samba's standalone acceptor names the user by its own
 * domain; ours keeps the client's.
 */
async function established(
  ours: SecurityContext,
  peer: GssapiPeer,
  acceptor: "ours" | "samba" = "ours",
) {
  assert.ok(ours.complete, "our side did not complete");
  const info = await peer.info();
  assert.ok(info.complete, "the Samba side did not complete");
  if (acceptor === "ours") assert.equal(ours.clientName, "EXAMPLE\\alice");
  else assert.equal(info.peer_name, "SAMBAPEER\\alice");
  assert.equal(info.session_key_hex, toHex(ours.sessionKey));
  await crossTraffic(ours, peer);
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
        assert.equal((await peer.info()).session_key_hex, toHex(s.sessionKey));
        await crossTraffic(s, peer);
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
  "our clients -> Samba GENSEC acceptor (SAM provisioned for the test)",
  async (t) => {
    const dir = await provisionSamba(USER);
    const acceptor = (opts: Partial<GssapiPeerOptions> = {}) =>
      GssapiPeer.start({
        impl: "samba",
        role: "acceptor",
        mech: "spnego",
        sambaDir: dir,
        ...opts,
      });
    try {
      await t.step(
        "Negotiate: mechListMICs, wrap and MIC both ways",
        async () => {
          await using peer = await acceptor();
          const c = peerClient();
          try {
            const tokens = await runClient(c, peer);
            assert.equal(tokens.length, 4);
            assert.ok(resp(tokens[2]).mechListMIC);
            const last = resp(tokens[3]);
            assert.equal(last.negState, 0);
            assert.ok(last.mechListMIC, "Samba signed the list");
            await established(c, peer, "samba");
          } finally {
            c.dispose();
          }
        },
      );
      await t.step(
        "server first (as SMB does): Samba's NegTokenInit2, then our client with NTLM",
        async () => {
          await using peer = await acceptor();
          const c = peerClient();
          try {
            const first = await peer.step(null);
            const hint = decodeNegotiationToken(first.token!);
            assert.ok(hint.type === "init" && !hint.mechToken);
            assert.deepEqual(hint.mechTypes, [
              MS_KERBEROS_OID,
              KERBEROS_OID,
              NTLM_OID,
            ]);
            assert.equal(
              hint.negHints?.hintName,
              "not_defined_in_RFC4178@please_ignore",
            );
            const ours = c.step(first.token!)!;
            const init = decodeNegotiationToken(ours);
            assert.ok(init.type === "init" && init.mechToken);
            assert.deepEqual(init.mechTypes, [NTLM_OID]);
            const r = await peer.step(ours);
            let token = c.step(r.token!);
            while (token) {
              const next = await peer.step(token);
              if (!next.token) break;
              token = c.step(next.token);
            }
            await established(c, peer, "samba");
          } finally {
            c.dispose();
          }
        },
      );
      await t.step("NTLM (raw NTLMSSP)", async () => {
        await using peer = await acceptor({ mech: "ntlm" });
        const c = peerClient("NTLM");
        try {
          assert.equal((await runClient(c, peer)).length, 3);
          await established(c, peer, "samba");
        } finally {
          c.dispose();
        }
      });
      await t.step(
        "NTLMv1 (LmCompatibilityLevel 1): refused by Samba's default, accepted with ntlm auth = yes",
        async () => {
          const v1Client = (pkg: "NTLM" | "Negotiate") =>
            client({
              package: pkg,
              authData: {
                User: USER.user,
                Domain: USER.domain,
                Password: USER.password,
                LmCompatibilityLevel: 1,
              },
              target: "host/localhost",
            });
          {
            await using peer = await acceptor({ mech: "ntlm" });
            const c = v1Client("NTLM");
            try {
              const e = await runClient(c, peer).then(() => null, (e) => e);
              assert.ok(
                e instanceof GssapiError,
                `expected GssapiError, got ${e}`,
              );
            } finally {
              c.dispose();
            }
          }
          for (const pkg of ["NTLM", "Negotiate"] as const) {
            await using peer = await acceptor({
              mech: pkg === "NTLM" ? "ntlm" : "spnego",
              sambaSettings: { "ntlm auth": "yes" },
            });
            const c = v1Client(pkg);
            try {
              const tokens = await runClient(c, peer);
              const auth = pkg === "NTLM"
                ? tokens[2]
                : resp(tokens[2]).responseToken!;
              assert.equal(decodeAuthenticate(auth).ntResponse.length, 24);
              await established(c, peer, "samba");
            } finally {
              c.dispose();
            }
          }
        },
      );
      await t.step(
        "anonymous: our NULL-session client, its session key exchanged, seals both ways",
        async () => {
          for (const pkg of ["NTLM", "Negotiate"] as const) {
            await using peer = await acceptor({
              mech: pkg === "NTLM" ? "ntlm" : "spnego",
            });
            const c = client({
              package: pkg,
              authData: { User: "", Password: "" },
              target: "host/localhost",
            });
            try {
              await runClient(c, peer);
              const info = await peer.info();
              assert.equal(info.peer_name, "NT AUTHORITY\\ANONYMOUS LOGON");
              assert.equal(info.session_key_hex, toHex(c.sessionKey));
              await crossTraffic(c, peer);
            } finally {
              c.dispose();
            }
          }
        },
      );
      await t.step(
        "integrity only: our client asks for no confidentiality, wraps are signed in clear both ways",
        async () => {
          const enc = new TextEncoder();
          const dec = new TextDecoder();
          for (const pkg of ["NTLM", "Negotiate"] as const) {
            await using peer = await acceptor({
              mech: pkg === "NTLM" ? "ntlm" : "spnego",
              signOnly: true,
            });
            const c = client({
              package: pkg,
              username: USER.user,
              domain: USER.domain,
              password: USER.password,
              target: "host/localhost",
              flags: ISC_REQ_CONNECTION | ISC_REQ_INTEGRITY |
                ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT,
            });
            try {
              await runClient(c, peer);
              assert.equal(c.contextAttributes & ISC_RET_CONFIDENTIALITY, 0);
              const theirs = (await peer.wrap(enc.encode("from Samba"))).data;
              assert.equal(dec.decode(theirs.subarray(16)), "from Samba");
              assert.equal(dec.decode(c.unwrap(theirs)), "from Samba");
              const ours = c.wrap(enc.encode("from us"), false);
              assert.equal(
                dec.decode((await peer.unwrap(ours)).data),
                "from us",
              );
              await peer.verifyMic(enc.encode("m"), c.sign(enc.encode("m")));
              c.verify(enc.encode("n"), await peer.getMic(enc.encode("n")));
            } finally {
              c.dispose();
            }
          }
        },
      );
      await t.step(
        "Samba's acceptor set to 40/56-bit keys, no key exchange, no NTLM2 session security",
        async () => {
          const S = "ntlmssp_server:";
          const variants: [Record<string, string>, ("NTLM" | "Negotiate")[]][] =
            [
              [{ [S + "128bit"]: "no" }, ["NTLM", "Negotiate"]],
              [{ [S + "128bit"]: "no", [S + "56bit"]: "yes" }, [
                "NTLM",
                "Negotiate",
              ]],
              [{ [S + "keyexchange"]: "no" }, ["NTLM", "Negotiate"]],
              // Without NTLM2 session security inside SPNEGO Samba keeps the shared
              // RC4 keystream running across both mechListMICs (see the README).
              [{ [S + "ntlm2"]: "no" }, ["NTLM"]],
            ];
          for (const [sambaSettings, pkgs] of variants) {
            for (const pkg of pkgs) {
              await using peer = await acceptor({
                mech: pkg === "NTLM" ? "ntlm" : "spnego",
                sambaSettings,
              });
              const c = peerClient(pkg);
              try {
                await runClient(c, peer);
                await established(c, peer, "samba");
              } finally {
                c.dispose();
              }
            }
          }
        },
      );
      await t.step("a wrong password is refused by Samba", async () => {
        await using peer = await acceptor();
        const c = peerClient("Negotiate", "wrong");
        try {
          const e = await runClient(c, peer).then(() => null, (e) => e);
          assert.ok(e instanceof GssapiError, `expected GssapiError, got ${e}`);
          assert.equal(e.major >>> 0, 0xc000006a, "STATUS_WRONG_PASSWORD");
        } finally {
          c.dispose();
        }
      });
      await t.step(
        "Windows 2000 acceptor, old NTLM: the echoed 'MIC' is ignored, no MIC sent",
        async () => {
          await using peer = await acceptor({
            sambaSettings: { ...W2K, ...SERVER_NO_NTLM_MIC },
          });
          const c = peerClient();
          try {
            const tokens = await runClient(c, peer);
            const first = resp(tokens[1]);
            assert.ok(first.mechListMIC, "Samba copied the token into the MIC");
            assert.deepEqual(first.mechListMIC, first.responseToken);
            assert.ok(!authenticateHasMic(tokens[2]));
            assert.equal(resp(tokens[2]).mechListMIC, undefined);
            await established(c, peer, "samba");
          } finally {
            c.dispose();
          }
        },
      );
      await t.step(
        "Windows 2000 acceptor, NTLM with a MIC: no mechListMIC back, refused",
        async () => {
          await using peer = await acceptor({ sambaSettings: W2K });
          const c = peerClient();
          try {
            const e = await runClient(c, peer).then(() => null, (e) => e);
            assert.ok(e instanceof SspiError, `expected SspiError, got ${e}`);
            assert.equal(e.status, SEC_E_MESSAGE_ALTERED);
          } finally {
            c.dispose();
          }
        },
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

await sambaPeerTest(
  "server first: our NegTokenInit2 (NTLM, Windows' negHints), then Samba's SPNEGO client",
  async () => {
    const peer = await GssapiPeer.start({
      impl: "samba",
      role: "initiator",
      mech: "spnego",
      ...USER,
    });
    const s = peerServer();
    try {
      const tokens = await runServerFirst(s, peer);
      const hint = decodeNegotiationToken(tokens[0]);
      assert.ok(hint.type === "init" && !hint.mechToken);
      assert.equal(
        hint.negHints?.hintName,
        "not_defined_in_RFC4178@please_ignore",
      );
      const init = decodeNegotiationToken(tokens[1]);
      assert.ok(
        init.type === "init" && init.mechToken,
        "the client's own init",
      );
      assert.ok(s.complete);
      assert.equal(s.clientName, "EXAMPLE\\alice");
      await crossTraffic(s, peer);
    } finally {
      s.dispose();
      await peer.close();
    }
  },
);
