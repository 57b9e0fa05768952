// The `ntlm` npm package (tcr/node-ntlm, the helper older Exchange/EWS scripts use),
// an NTLM client written apart from httpntlm and node-ntlm-client, against a
// withAuthentication server under Node. It speaks the oldest form: NTLMv1 LM and NT
// responses without extended session security, a NEGOTIATE with 16-bit flags and
// OEM host and domain, an AUTHENTICATE with Unicode strings, no Version or MIC, and
// an empty session key placed at the message's end. It needs DES and MD4, so Node
// runs with OpenSSL 3's legacy provider; the server must allow NTLMv1.
import assert from "node:assert/strict";
import { npmToolTest } from "../runtimes/_tools.ts";
import {
  allSchemes,
  DOMAIN,
  nodeClient,
  PASSWORD,
  startServer,
  USER,
} from "./_server.ts";

const SCRIPT = `
const ntlm = require(process.argv[1] + "/node_modules/ntlm");
const http = require("http");
const [, , url, username, domain, password] = process.argv;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const done = (res) => {
  let body = "";
  res.on("data", (d) => (body += d));
  res.on("end", () => { console.log(res.statusCode + "\\n" + body); agent.destroy(); });
};
http.get(url, { agent, headers: { authorization: ntlm.challengeHeader("NODEHOST", domain) } }, (res) => {
  res.resume();
  res.on("end", () => {
    if (res.statusCode !== 401) return done(res);
    const auth = ntlm.responseHeader(res, url, domain, username, password);
    http.get(url, { agent, headers: { authorization: auth } }, done);
  });
});
`;
const LEGACY = ["--openssl-legacy-provider"];

await npmToolTest(
  "ntlm (Node, npm) -> withAuthentication: NTLMv1 without ESS, the oldest message forms",
  "ntlm",
  async (npm) => {
    const users = [{ User: USER, Domain: DOMAIN, Password: PASSWORD }];
    for (const allowNtlmV1 of [true, false]) {
      const srv = startServer(
        allSchemes({ packages: ["NTLM"], ntlm: { users, allowNtlmV1 } }),
      );
      try {
        const get = (password: string) =>
          nodeClient(SCRIPT, npm, `${srv.url}/p`, password, LEGACY);
        if (allowNtlmV1) {
          assert.deepEqual(await get(PASSWORD), {
            status: "200",
            body: `hello ${DOMAIN}\\${USER} via NTLM`,
          });
          assert.equal(new Set(srv.ports).size, 1, "one keep-alive connection");
          assert.equal((await get("nope")).status, "401");
        } else {
          assert.equal((await get(PASSWORD)).status, "401", "NTLMv1 refused");
          assert.deepEqual(srv.seen, []);
        }
      } finally {
        await srv.close();
      }
    }
  },
);
