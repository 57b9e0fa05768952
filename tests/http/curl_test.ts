// curl --ntlm, --digest and --negotiate (GSSAPI SPNEGO with gss-ntlmssp, the client
// user from NTLM_USER_FILE) against a withAuthentication server.
import assert from "node:assert/strict";
import { gssapiAvailable } from "../peers/gssapi_peer.ts";
import { toolTest } from "../runtimes/_tools.ts";
import {
  allSchemes,
  DOMAIN,
  hasCommand,
  PASSWORD,
  startServer,
  USER,
} from "./_server.ts";

async function curl(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const o = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", ...args, "-w", "\n%{http_code}"],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(o.stdout);
  const i = out.lastIndexOf("\n");
  return { status: Number(out.slice(i + 1)), body: out.slice(0, i) };
}

const curlMissing = async () =>
  await hasCommand("curl")
    ? null
    : { missing: "curl", hint: "apt-get install -y curl" };

/** What `curl --negotiate` with gss-ntlmssp lacks here, if anything. */
const curlGssMissing = async () =>
  (await curlMissing()) ??
    (await gssapiAvailable() ? null : {
      missing: "gss-ntlmssp",
      hint: "apt-get install -y gss-ntlmssp",
    });

await toolTest(
  "curl --ntlm and --digest -> withAuthentication",
  curlMissing,
  async () => {
    const srv = startServer(allSchemes());
    try {
      const ntlm = await curl([
        "--ntlm",
        "-u",
        `${DOMAIN}\\${USER}:${PASSWORD}`,
        `${srv.url}/n`,
      ]);
      assert.deepEqual(ntlm, {
        status: 200,
        body: `hello ${DOMAIN}\\${USER} via NTLM`,
      });
      const post = await curl([
        "--ntlm",
        "-u",
        `${DOMAIN}\\${USER}:${PASSWORD}`,
        "-d",
        "a=1",
        `${srv.url}/p`,
      ]);
      assert.equal(post.body, `hello ${DOMAIN}\\${USER} via NTLM body=a=1`);
      const digest = await curl([
        "--digest",
        "-u",
        `${USER}:${PASSWORD}`,
        `${srv.url}/d?x=1`,
      ]);
      assert.deepEqual(digest, {
        status: 200,
        body: `hello ${USER} via Digest`,
      });
      assert.deepEqual(
        srv.seen.map((w) => [w.user, w.domain, w.package]),
        [
          [USER, DOMAIN, "NTLM"],
          [USER, DOMAIN, "NTLM"],
          [USER, "", "WDigest"],
        ],
      );
      for (const scheme of ["--ntlm", "--digest"]) {
        const bad = await curl([
          scheme,
          "-u",
          `${DOMAIN}\\${USER}:wrong`,
          `${srv.url}/`,
        ]);
        assert.equal(bad.status, 401, scheme);
      }
      assert.equal(srv.seen.length, 3);
    } finally {
      await srv.close();
    }
  },
);

await toolTest(
  "curl --negotiate (GSSAPI SPNEGO via gss-ntlmssp) -> withAuthentication",
  curlGssMissing,
  async () => {
    const srv = startServer(allSchemes());
    const dir = await Deno.makeTempDir();
    try {
      const good = `${dir}/good`, bad = `${dir}/bad`;
      await Deno.writeTextFile(good, `${DOMAIN}:${USER}:${PASSWORD}\n`);
      await Deno.writeTextFile(bad, `${DOMAIN}:${USER}:wrong\n`);
      const ok = await curl(["--negotiate", "-u", ":", `${srv.url}/g`], {
        NTLM_USER_FILE: good,
      });
      assert.deepEqual(ok, {
        status: 200,
        body: `hello ${DOMAIN}\\${USER} via Negotiate`,
      });
      assert.deepEqual(srv.seen[0], {
        user: USER,
        domain: DOMAIN,
        package: "Negotiate",
        scheme: "Negotiate",
      });
      const no = await curl(["--negotiate", "-u", ":", `${srv.url}/g`], {
        NTLM_USER_FILE: bad,
      });
      assert.equal(no.status, 401);
      assert.equal(srv.seen.length, 1);
    } finally {
      await srv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

await toolTest(
  "withAuthentication serviceNames with curl: --negotiate (gss-ntlmssp names HTTP/127.0.0.1) is bound; --ntlm names no SPN",
  curlGssMissing,
  async () => {
    const ours = startServer(allSchemes({ serviceNames: ["HTTP/127.0.0.1"] }));
    const other = startServer(
      allSchemes({ serviceNames: ["HTTP/web.contoso.com"] }),
    );
    const strict = startServer(
      allSchemes({
        serviceNames: ["HTTP/127.0.0.1"],
        requireServiceName: true,
      }),
    );
    const dir = await Deno.makeTempDir();
    try {
      const users = `${dir}/users`;
      await Deno.writeTextFile(users, `${DOMAIN}:${USER}:${PASSWORD}\n`);
      const negotiate = (url: string) =>
        curl(["--negotiate", "-u", ":", url], { NTLM_USER_FILE: users });
      const ntlm = (url: string) =>
        curl(["--ntlm", "-u", `${DOMAIN}\\${USER}:${PASSWORD}`, url]);
      assert.equal((await negotiate(`${ours.url}/`)).status, 200);
      assert.equal((await negotiate(`${strict.url}/`)).status, 200);
      assert.equal((await negotiate(`${other.url}/`)).status, 401);
      // curl's own NTLMv2 adds no MsvAvTargetName: accepted unless one is required.
      assert.equal((await ntlm(`${other.url}/`)).status, 200);
      assert.equal((await ntlm(`${strict.url}/`)).status, 401);
      assert.deepEqual(
        [ours.seen.length, other.seen.length, strict.seen.length],
        [1, 1, 1],
      );
    } finally {
      await ours.close();
      await other.close();
      await strict.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
