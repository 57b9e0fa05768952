// httpntlm (npm), the pure-JavaScript NTLM client many Node programs use, against a
// withAuthentication server under Node: a POST with a body, NTLMv2, one connection.
import assert from "node:assert/strict";
import { nodeMajor, npmTools, toolTest } from "../runtimes/_tools.ts";
import { allSchemes, DOMAIN, PASSWORD, startServer, USER } from "./_server.ts";

const SCRIPT = `
const httpntlm = require(process.argv[1] + "/node_modules/httpntlm");
const [, , url, username, domain, password] = process.argv;
httpntlm.post({ url, username, domain, password, workstation: "NODE", body: "a=1" },
  (err, res) => console.log(err ? "error " + err : res.statusCode + "\\n" + res.body));
`;

let npm: string | null = null;

await toolTest(
  "httpntlm (Node, npm) -> withAuthentication: NTLM POST on one connection",
  async () => {
    if (await nodeMajor() < 18) {
      return {
        missing: "node",
        hint: "apt-get install -y nodejs (Node >= 18)",
      };
    }
    npm = await npmTools();
    return npm
      ? null
      : { missing: "httpntlm", hint: "npm (registry access) for httpntlm" };
  },
  async () => {
    const srv = startServer(allSchemes({ packages: ["NTLM"] }));
    try {
      const post = async (password: string) => {
        const o = await new Deno.Command("node", {
          args: [
            "-e",
            SCRIPT,
            npm!,
            `${srv.url}/p`,
            USER,
            DOMAIN,
            password,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const out = new TextDecoder().decode(o.stdout).trim();
        const i = out.indexOf("\n");
        return { status: Number(out.slice(0, i)), body: out.slice(i + 1) };
      };
      assert.deepEqual(await post(PASSWORD), {
        status: 200,
        body: `hello ${DOMAIN}\\${USER} via NTLM body=a=1`,
      });
      assert.equal(new Set(srv.ports).size, 1);
      assert.equal((await post("nope")).status, 401);
    } finally {
      await srv.close();
    }
  },
);
