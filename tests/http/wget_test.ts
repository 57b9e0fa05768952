// GNU wget (its own NTLM and Digest) against a withAuthentication server. wget's
// NTLM is NTLMv1 with OEM strings that it flags as Unicode in AUTHENTICATE: the
// server reads them in the character set its CHALLENGE chose (MS-NLMP 2.2.1.3), and
// refuses NTLMv1 with 401 unless allowNtlmV1.
import assert from "node:assert/strict";
import { toolTest } from "../runtimes/_tools.ts";
import {
  allSchemes,
  DOMAIN,
  hasCommand,
  PASSWORD,
  startServer,
  USER,
} from "./_server.ts";

async function wget(
  url: string,
  user: string,
): Promise<{ code: number; body: string; statuses: number[] }> {
  const o = await new Deno.Command("wget", {
    args: ["-d", "-O", "-", `--user=${user}`, `--password=${PASSWORD}`, url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(o.stderr);
  const statuses = [...log.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) =>
    Number(m[1])
  );
  return { code: o.code, body: new TextDecoder().decode(o.stdout), statuses };
}

await toolTest(
  "wget NTLM (NTLMv1, OEM strings) and Digest -> withAuthentication",
  async () =>
    await hasCommand("wget", ["--version"])
      ? null
      : { missing: "wget", hint: "apt-get install -y wget" },
  async () => {
    const ntlmUsers = [{ User: USER, Domain: DOMAIN, Password: PASSWORD }];
    const refusing = startServer(
      allSchemes({ packages: ["NTLM"], ntlm: { users: ntlmUsers } }),
    );
    const allowing = startServer(
      allSchemes({
        packages: ["NTLM"],
        ntlm: { users: ntlmUsers, allowNtlmV1: true },
      }),
    );
    const digest = startServer(allSchemes({ packages: ["Digest"] }));
    try {
      const refused = await wget(`${refusing.url}/w`, `${DOMAIN}\\${USER}`);
      assert.notEqual(refused.code, 0);
      assert.deepEqual(refused.statuses, [401, 401, 401]);
      const ntlm = await wget(`${allowing.url}/w`, `${DOMAIN}\\${USER}`);
      assert.equal(ntlm.code, 0);
      assert.equal(ntlm.body, `hello ${DOMAIN}\\${USER} via NTLM`);
      assert.deepEqual(ntlm.statuses, [401, 401, 200]);
      const d = await wget(`${digest.url}/w`, USER);
      assert.equal(d.code, 0);
      assert.equal(d.body, `hello ${USER} via Digest`);
    } finally {
      await refusing.close();
      await allowing.close();
      await digest.close();
    }
  },
);
