// axios-ntlm (npm), the most used NTLM client for Node (axios with the NTLM code of
// node-ntlm-client, the lineage @ewsjs/ntlm-client and ews-javascript-api also use),
// against a withAuthentication server under Node. It answers in the character set of
// the CHALLENGE (OEM here: its NEGOTIATE does not ask for Unicode), sends NTLMv2 when
// the CHALLENGE has extended session security, and writes an AUTHENTICATE without
// Version or MIC, with the CHALLENGE's flags and TargetName as its domain.
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
const { NtlmClient } = require(process.argv[1] + "/node_modules/axios-ntlm");
const [, , url, username, domain, password] = process.argv;
const client = NtlmClient({ username, domain, password, workstation: "NODE" });
client.post(url, "a=1", { headers: { "content-type": "text/plain" } })
  .then((r) => console.log(r.status + "\\n" + r.data))
  .catch((e) => console.log((e.response ? e.response.status : "error " + e.message) + "\\n"));
`;

await npmToolTest(
  "axios-ntlm (Node, npm) -> withAuthentication: NTLMv2 with OEM strings, POST on one connection",
  "axios-ntlm",
  async (npm) => {
    const srv = startServer(allSchemes({ packages: ["NTLM"] }));
    try {
      const post = (password: string) =>
        nodeClient(SCRIPT, npm, `${srv.url}/p`, password);
      assert.deepEqual(await post(PASSWORD), {
        status: "200",
        body: `hello ${DOMAIN}\\${USER} via NTLM body=a=1`,
      });
      assert.equal(new Set(srv.ports).size, 1, "one keep-alive connection");
      assert.deepEqual(srv.seen, [
        { domain: DOMAIN, user: USER, package: "NTLM", scheme: "NTLM" },
      ]);
      assert.equal((await post("nope")).status, "401");
    } finally {
      await srv.close();
    }
  },
);
