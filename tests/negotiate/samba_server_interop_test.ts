// Our Negotiate and NTLM clients against Samba's own SPNEGO and NTLMSSP acceptor
// (GENSEC, through python3-samba), which checks passwords in a SAM database
// provisioned for the test: the plain handshake, the acceptor speaking first,
// NTLMv1, anonymous logons, integrity only, weaker keys, wrong passwords and the
// Windows 2000 acceptor (which copies its responseToken into the mechListMIC
// field). The other direction is samba_client_interop_test.ts.
import assert from "node:assert/strict";
import {
  client,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_RET_CONFIDENTIALITY,
  SEC_E_MESSAGE_ALTERED,
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
  NTLM_OID,
} from "../../src/packages/negotiate/mod.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import { toHex } from "../../src/util/bytes.ts";
import { crossTraffic, PEER_USER, peerClient, runClient } from "./_helpers.ts";
import {
  authenticateHasMic,
  established,
  resp,
  SERVER_NO_NTLM_MIC,
  W2K,
} from "./_samba.ts";

const USER = PEER_USER;

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
