// Interop with Impacket (python3-impacket), the pure-Python protocol suite behind
// most Windows security tooling, whose NTLM and SPNEGO are written apart from Samba,
// gss-ntlmssp, WinPR and ntlm-auth: its client against our NTLM server and, through
// its own SPNEGO, our Negotiate server; NTLMv2 and NTLMv1 with NTLM2 session
// security. Impacket sends no MIC in AUTHENTICATE and no mechListMIC, so none is
// required of it. It has no acceptor outside its SMB server.
import assert from "node:assert/strict";
import { GssapiPeer, pythonPeerTest } from "../peers/gssapi_peer.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import { decodeNegotiationToken } from "../../src/packages/negotiate/mod.ts";
import { toHex } from "../../src/util/bytes.ts";
import {
  assertRefused,
  crossTraffic,
  PEER_USER,
  peerServer,
  runServer,
} from "../negotiate/_helpers.ts";

/** The AUTHENTICATE among the tokens of a handshake (raw or in SPNEGO). */
function authenticate(tokens: Uint8Array[], spnego: boolean) {
  const t = tokens[2];
  if (!spnego) return decodeAuthenticate(t);
  const d = decodeNegotiationToken(t);
  assert.ok(d.type === "resp" && d.responseToken);
  assert.equal(d.mechListMIC, undefined, "Impacket sends no mechListMIC");
  return decodeAuthenticate(d.responseToken);
}

for (const mech of ["ntlm", "spnego"] as const) {
  const server = mech === "spnego" ? "Negotiate" : "NTLM";
  await pythonPeerTest(
    "impacket",
    `Impacket ${
      mech === "spnego" ? "SPNEGO" : "NTLM"
    } client, NTLMv2 and NTLMv1 -> our ${server} server: same session key, sealed and signed both ways`,
    async () => {
      for (const ntlmV1 of [false, true]) {
        const peer = await GssapiPeer.start({
          impl: "impacket",
          role: "initiator",
          mech,
          ...PEER_USER,
          ntlmV1,
        });
        const s = peerServer(server, ntlmV1);
        try {
          const tokens = await runServer(s, peer);
          assert.equal(s.complete, true);
          const auth = authenticate(tokens, mech === "spnego");
          assert.equal(auth.ntResponse.length === 24, ntlmV1);
          assert.equal(auth.mic, undefined, "no MIC in AUTHENTICATE");
          assert.equal(s.clientName, "EXAMPLE\\alice");
          const info = await peer.info();
          assert.equal(info.complete, true);
          assert.equal(info.session_key_hex, toHex(s.sessionKey));
          await crossTraffic(s, peer);
        } finally {
          s.dispose();
          await peer.close();
        }
      }
    },
  );
}

await pythonPeerTest(
  "impacket",
  "Impacket client with a wrong password, or NTLMv1 where it is not allowed: refused",
  async () => {
    for (
      const [password, ntlmV1] of [["wrong", false], [
        PEER_USER.password,
        true,
      ]] as const
    ) {
      const peer = await GssapiPeer.start({
        impl: "impacket",
        role: "initiator",
        mech: "ntlm",
        ...PEER_USER,
        password,
        ntlmV1,
      });
      await assertRefused(peerServer("NTLM", false), peer);
    }
  },
);
