// Java's own HTTP authentication (HttpURLConnection with an Authenticator; on Linux
// its NTLM is the JDK's pure-Java client, its Negotiate Kerberos only) against
// withAuthentication. Java prefers Negotiate, then Digest, then NTLM, and falls back
// to NTLM when it has no Kerberos. It found that one WWW-Authenticate line holding
// "Negotiate, NTLM" (what Deno.serve made of appended values) breaks it; the server
// now writes a line per challenge, as IIS does.
import assert from "node:assert/strict";
import { javaToolTest } from "../runtimes/_tools.ts";
import {
  allSchemes,
  DOMAIN,
  PASSWORD,
  startServer,
  statusAndBody,
  type TestServer,
  USER,
} from "./_server.ts";

const CLIENT = new URL("../peers/java/AuthClient.java", import.meta.url)
  .pathname;

/** A GET of `/p` by Java as `user`: its status and body. */
async function javaGet(srv: TestServer, user: string, password: string) {
  const o = await new Deno.Command("java", {
    args: [CLIENT, `${srv.url}/p`, user, password],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    ...statusAndBody(new TextDecoder().decode(o.stdout).trim()),
    stderr: new TextDecoder().decode(o.stderr),
  };
}

await javaToolTest(
  "Java HttpURLConnection -> withAuthentication: NTLM beside Negotiate (IIS's offer), Digest when offered",
  async () => {
    // IIS's default offer: Negotiate and NTLM. Without Kerberos Java takes NTLM.
    let srv = startServer(allSchemes({ packages: ["Negotiate", "NTLM"] }));
    try {
      const r = await javaGet(srv, `${DOMAIN}\\${USER}`, PASSWORD);
      assert.equal(r.status, "200", r.stderr);
      assert.equal(r.body, `hello ${DOMAIN}\\${USER} via NTLM`);
      assert.deepEqual(srv.seen, [
        { domain: DOMAIN, user: USER, package: "NTLM", scheme: "NTLM" },
      ]);
      assert.equal(
        (await javaGet(srv, `${DOMAIN}\\${USER}`, "nope")).status,
        "401",
      );
    } finally {
      await srv.close();
    }
    // All three: Java prefers Digest.
    srv = startServer(allSchemes());
    try {
      const r = await javaGet(srv, USER, PASSWORD);
      assert.equal(r.status, "200", r.stderr);
      assert.equal(r.body, `hello ${USER} via Digest`);
    } finally {
      await srv.close();
    }
  },
);
