// Interop with ldap3's NTLM client (python3-ldap3), the pure-Python LDAP client most
// Python Active Directory tooling binds with, written apart from the other peers:
// against our NTLM server. It sends NTLMv2 without key exchange, in an AUTHENTICATE
// laid out for a MIC (payload at 88) whose MIC and Version fields are zeros, while
// its NTLMv2 blob copies the server's TargetInfo without the MsvAvFlags bit that
// would announce a MIC: the server must not check that field (MS-NLMP 3.2.5.1.2;
// Samba does the same), and the blob is covered by NTProofStr. It hashes with
// hashlib's MD4, so the harness loads OpenSSL 3's legacy provider for it.
import assert from "node:assert/strict";
import { GssapiPeer, pythonPeerTest } from "../peers/gssapi_peer.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import {
  assertRefused,
  PEER_USER,
  peerServer,
  runServer,
} from "../negotiate/_helpers.ts";

await pythonPeerTest(
  "ldap3",
  "ldap3 NTLM client -> our NTLM server: NTLMv2 with an empty MIC field; a wrong password is refused",
  async () => {
    for (const password of [PEER_USER.password, "wrong"]) {
      const peer = await GssapiPeer.start({
        impl: "ldap3",
        role: "initiator",
        mech: "ntlm",
        ...PEER_USER,
        password,
      });
      if (password !== PEER_USER.password) {
        await assertRefused(peerServer("NTLM"), peer);
        continue;
      }
      const s = peerServer("NTLM");
      try {
        const tokens = await runServer(s, peer);
        assert.equal(s.complete, true);
        assert.equal(s.clientName, "EXAMPLE\\alice");
        const auth = decodeAuthenticate(tokens[2]);
        assert.ok(auth.ntResponse.length > 24, "NTLMv2");
        assert.deepEqual(auth.mic, new Uint8Array(16), "a MIC field of zeros");
        assert.equal(auth.version, undefined, "no Version (no flag for it)");
        assert.equal(auth.encryptedRandomSessionKey.length, 0);
      } finally {
        s.dispose();
        await peer.close();
      }
    }
  },
);
