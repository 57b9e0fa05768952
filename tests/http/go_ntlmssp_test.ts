// github.com/Azure/go-ntlmssp (Debian's golang-github-azure-go-ntlmssp-dev), the
// NTLM of Go's WinRM and Azure clients, against withAuthentication. Its NEGOTIATE
// asks for no TargetName, and it answers with the CHALLENGE's TargetName as its
// domain, so its logon names no domain: a logon to the server's DomainName, as on a
// Windows server in the user's domain. When the server offers Negotiate alone it
// sends raw NTLMSSP under the Negotiate scheme, as Windows clients may, which the
// Negotiate package takes as NTLM.
import assert from "node:assert/strict";
import { toolTest } from "../runtimes/_tools.ts";
import {
  allSchemes,
  DOMAIN,
  PASSWORD,
  startServer,
  statusAndBody,
  type TestServer,
  USER,
} from "./_server.ts";

const SOURCE = new URL("../peers/go/ntlm_get.go", import.meta.url).pathname;
const LIBRARY = "/usr/share/gocode/src/github.com/Azure/go-ntlmssp";
const HINT = "apt-get install -y golang-go golang-github-azure-go-ntlmssp-dev";
/** Debian's Go packages build in GOPATH mode from /usr/share/gocode. */
const GO_ENV = { GO111MODULE: "off", GOPATH: "/usr/share/gocode" };

let binary = "";

/** Builds the client once; null when it cannot be (the reason). */
async function build(): Promise<string | null> {
  try {
    await Deno.stat(LIBRARY);
  } catch {
    return "go-ntlmssp is not installed";
  }
  const dir = await Deno.makeTempDir({ prefix: "go_ntlmssp_" });
  binary = `${dir}/ntlm_get`;
  try {
    const o = await new Deno.Command("go", {
      args: ["build", "-o", binary, SOURCE],
      env: { ...GO_ENV, GOCACHE: `${dir}/cache` },
      stdout: "null",
      stderr: "piped",
    }).output();
    return o.success ? null : new TextDecoder().decode(o.stderr).slice(0, 300);
  } catch (e) {
    return String(e);
  }
}

/** A GET of `/p` through go-ntlmssp as DOMAIN\user: its status and body. */
async function goGet(srv: TestServer, password: string) {
  const o = await new Deno.Command(binary, {
    args: [`${srv.url}/p`, `${DOMAIN}\\${USER}`, password],
    stdout: "piped",
  }).output();
  return statusAndBody(new TextDecoder().decode(o.stdout).trim());
}

const ntlm = {
  users: [{ User: USER, Domain: DOMAIN, Password: PASSWORD }],
  DomainName: DOMAIN,
};

await toolTest(
  "go-ntlmssp (Go) -> withAuthentication: NTLM, and raw NTLMSSP under Negotiate",
  async () => {
    const why = await build();
    return why ? { missing: `go-ntlmssp (${why})`, hint: HINT } : null;
  },
  async () => {
    try {
      for (const pkg of ["NTLM", "Negotiate"] as const) {
        // Offered Negotiate and NTLM it takes NTLM; offered Negotiate alone, it
        // puts NTLMSSP in the Negotiate header.
        const packages = pkg === "NTLM"
          ? ["Negotiate", "NTLM"] as const
          : ["Negotiate"] as const;
        const srv = startServer(allSchemes({ packages: [...packages], ntlm }));
        try {
          assert.deepEqual(await goGet(srv, PASSWORD), {
            status: "200",
            body: `hello ${DOMAIN}\\${USER} via ${pkg}`,
          });
          assert.deepEqual(srv.seen, [
            { domain: DOMAIN, user: USER, package: pkg, scheme: pkg },
          ]);
          assert.equal((await goGet(srv, "nope")).status, "401");
        } finally {
          await srv.close();
        }
      }
    } finally {
      await Deno.remove(binary.replace(/\/[^/]+$/, ""), { recursive: true })
        .catch(() => {});
    }
  },
);
