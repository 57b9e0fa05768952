// Interop with ntlm-auth (python3-ntlm-auth), the pure-Python NTLM client behind
// requests-ntlm and pywinrm, written apart from Samba, gss-ntlmssp and WinPR: every
// ntlm_compatibility level against our server (requests-ntlm over HTTP is in
// tests/http/python_requests_test.ts). ntlm-auth hashes with MD4 through OpenSSL, so
// the harness loads OpenSSL 3's legacy provider for it
// (tests/peers/openssl_legacy.cnf).
import assert from "node:assert/strict";
import { GssapiPeer, ntlmAuthPeerTest } from "../peers/gssapi_peer.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import { NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY } from "../../src/packages/ntlm/constants.ts";
import { toHex } from "../../src/util/bytes.ts";
import {
  crossTraffic,
  PEER_USER,
  peerServer,
  runServer,
} from "../negotiate/_helpers.ts";

const ESS = NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
const enc = new TextEncoder();
const dec = new TextDecoder();

await ntlmAuthPeerTest(
  "ntlm-auth client, ntlm_compatibility 0-5 -> our NTLM server: same session key, sealed both ways",
  async () => {
    for (const compat of [0, 1, 2, 3, 4, 5]) {
      const peer = await GssapiPeer.start({
        impl: "ntlm-auth",
        role: "initiator",
        mech: "ntlm",
        ...PEER_USER,
        ntlmCompat: compat,
      });
      const s = peerServer("NTLM", compat < 3);
      try {
        const tokens = await runServer(s, peer);
        const auth = decodeAuthenticate(tokens[2]);
        // 0-2: NTLMv1 (0 without NTLM2 session security); 3-5: NTLMv2.
        assert.equal(
          auth.ntResponse.length === 24,
          compat < 3,
          `level ${compat}`,
        );
        assert.equal((auth.flags & ESS) !== 0, compat > 0, `level ${compat}`);
        assert.equal(s.clientName, "EXAMPLE\\alice");
        assert.equal((await peer.info()).session_key_hex, toHex(s.sessionKey));
        if (compat > 0) {
          await crossTraffic(s, peer);
        } else {
          // Without NTLM2 session security ntlm-auth keeps an RC4 handle per
          // direction, where MS-NLMP, Samba, gss-ntlmssp and we share one: only
          // the first message, before either side used its handle, can agree.
          const w = await peer.wrap(enc.encode("first from ntlm-auth"));
          assert.equal(dec.decode(s.unwrap(w.data)), "first from ntlm-auth");
        }
      } finally {
        s.dispose();
        await peer.close();
      }
    }
  },
);
