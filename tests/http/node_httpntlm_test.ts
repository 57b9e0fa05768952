// httpntlm (npm), the pure-JavaScript NTLM client many Node programs use, against a
// withAuthentication server under Node: a POST with a body, NTLMv2, one connection.
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
const httpntlm = require(process.argv[1] + "/node_modules/httpntlm");
const [, , url, username, domain, password] = process.argv;
httpntlm.post({ url, username, domain, password, workstation: "NODE", body: "a=1" },
  (err, res) => console.log(err ? "error " + err : res.statusCode + "\\n" + res.body));
`;

await npmToolTest(
  "httpntlm (Node, npm) -> withAuthentication: NTLM POST on one connection",
  "httpntlm",
  async (npm) => {
    const srv = startServer(allSchemes({ packages: ["NTLM"] }));
    try {
      const post = (password: string) =>
        nodeClient(SCRIPT, npm, `${srv.url}/p`, password);
      assert.deepEqual(await post(PASSWORD), {
        status: "200",
        body: `hello ${DOMAIN}\\${USER} via NTLM body=a=1`,
      });
      assert.equal(new Set(srv.ports).size, 1);
      assert.equal((await post("nope")).status, "401");
    } finally {
      await srv.close();
    }
  },
);
