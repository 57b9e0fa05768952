// Python's requests against a withAuthentication server: requests-ntlm (NTLM through
// ntlm-auth, which needs OpenSSL 3's legacy provider for MD4) and requests' own
// HTTPDigestAuth. requests-ntlm sends the body with every leg, which the server must
// read before answering the CHALLENGE to keep the connection (server_connection_test).
// requests' Digest has no auth-int (it fails when a server offers only that), so the
// server offers auth too.
import assert from "node:assert/strict";
import { ntlmAuthPeerTest } from "../peers/gssapi_peer.ts";
import {
  allSchemes,
  bindingServers,
  DOMAIN,
  PASSWORD,
  REALM,
  startServer,
  USER,
} from "./_server.ts";

const SCRIPT = `
import sys, requests
from requests.auth import HTTPDigestAuth
from requests_ntlm import HttpNtlmAuth
url, scheme, user, password = sys.argv[1:5]
auth = HttpNtlmAuth(user, password) if scheme == "NTLM" else HTTPDigestAuth(user, password)
# Over https the test server's certificate is self-signed; requests-ntlm binds its
# logon to it (tls-server-end-point) all the same.
requests.packages.urllib3.disable_warnings()
r = requests.post(url, data="a=1", auth=auth, verify=False)
print(r.status_code)
print(r.text)
`;

async function post(
  url: string,
  scheme: "NTLM" | "Digest",
  user: string,
  password: string,
): Promise<{ status: number; body: string }> {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", SCRIPT, url, scheme, user, password],
    env: {
      OPENSSL_CONF: new URL("../peers/openssl_legacy.cnf", import.meta.url)
        .pathname,
      PYTHONDONTWRITEBYTECODE: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.ok(out.success, `${text}\n${new TextDecoder().decode(out.stderr)}`);
  const [status, ...body] = text.split("\n");
  return { status: Number(status), body: body.join("\n") };
}

await ntlmAuthPeerTest(
  "Python requests (requests-ntlm, HTTPDigestAuth) -> withAuthentication",
  async () => {
    const srv = startServer(allSchemes({
      digest: {
        realm: REALM,
        users: [{ User: USER, Password: PASSWORD }],
        qop: ["auth", "auth-int"],
      },
    }));
    try {
      const ntlmUser = `${DOMAIN}\\${USER}`;
      assert.deepEqual(await post(`${srv.url}/p`, "NTLM", ntlmUser, PASSWORD), {
        status: 200,
        body: `hello ${DOMAIN}\\${USER} via NTLM body=a=1`,
      });
      assert.equal(
        (await post(`${srv.url}/p`, "NTLM", ntlmUser, "wrong")).status,
        401,
      );
      assert.deepEqual(await post(`${srv.url}/p`, "Digest", USER, PASSWORD), {
        status: 200,
        body: `hello ${USER} via Digest body=a=1`,
      });
      assert.equal(
        (await post(`${srv.url}/p`, "Digest", USER, "wrong")).status,
        401,
      );
    } finally {
      await srv.close();
    }
  },
);

await ntlmAuthPeerTest(
  "Python requests-ntlm over https binds its logon to the TLS connection (Extended Protection)",
  async () => {
    const { required, relayed, close } = bindingServers();
    try {
      const ntlmUser = `${DOMAIN}\\${USER}`;
      // requests-ntlm's binding matches the one computed from our certificate...
      assert.deepEqual(
        await post(`${required.url}/p`, "NTLM", ntlmUser, PASSWORD),
        { status: 200, body: `hello ${DOMAIN}\\${USER} via NTLM body=a=1` },
      );
      // ...and is checked: against another certificate's it is refused.
      assert.equal(
        (await post(`${relayed.url}/p`, "NTLM", ntlmUser, PASSWORD)).status,
        401,
      );
    } finally {
      await close();
    }
  },
);
