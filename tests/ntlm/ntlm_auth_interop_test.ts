// Interop with ntlm-auth (python3-ntlm-auth), the pure-Python NTLM client behind
// requests-ntlm and pywinrm, written apart from Samba, gss-ntlmssp and WinPR: every
// ntlm_compatibility level against our server, then requests-ntlm over HTTP against
// withAuthentication. ntlm-auth hashes with MD4 through OpenSSL, so the harness loads
// OpenSSL 3's legacy provider for it (tests/peers/openssl_legacy.cnf).
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
import {
  allSchemes,
  DOMAIN,
  PASSWORD,
  startServer,
  USER,
} from "../http/_server.ts";

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

await ntlmAuthPeerTest(
  "requests-ntlm (python3-requests-ntlm) -> withAuthentication over HTTP",
  async () => {
    const srv = startServer(allSchemes());
    try {
      const code = [
        "import sys, requests",
        "from requests_ntlm import HttpNtlmAuth",
        "r = requests.post(sys.argv[1], data='a=1', auth=HttpNtlmAuth(sys.argv[2], sys.argv[3]))",
        "print(r.status_code); print(r.text)",
      ].join("\n");
      const run = async (password: string) => {
        const out = await new Deno.Command("/usr/bin/python3", {
          args: ["-c", code, `${srv.url}/p`, `${DOMAIN}\\${USER}`, password],
          env: {
            OPENSSL_CONF:
              new URL("../peers/openssl_legacy.cnf", import.meta.url)
                .pathname,
            PYTHONDONTWRITEBYTECODE: "1",
          },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = dec.decode(out.stdout).trim();
        assert.ok(out.success, `${text}\n${dec.decode(out.stderr)}`);
        const [status, ...body] = text.split("\n");
        return { status: Number(status), body: body.join("\n") };
      };
      assert.deepEqual(await run(PASSWORD), {
        status: 200,
        body: `hello ${DOMAIN}\\${USER} via NTLM body=a=1`,
      });
      assert.equal((await run("wrong")).status, 401);
    } finally {
      await srv.close();
    }
  },
);
