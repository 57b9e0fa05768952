// Perl's LWP::UserAgent (libwww-perl) with Authen::NTLM and its own Digest against a
// withAuthentication server. Authen::NTLM answers with NTLMv1 and the domain the
// CHALLENGE names (so the server names EXAMPLE), hence allowNtlmV1. Its NTLMv2 mode
// writes the domain in OEM and the user in Unicode in one AUTHENTICATE, which no
// character set decodes: left alone (the client's bug).
import assert from "node:assert/strict";
import { toolTest } from "../runtimes/_tools.ts";
import {
  allSchemes,
  DOMAIN,
  hasCommand,
  PASSWORD,
  REALM,
  startServer,
  USER,
} from "./_server.ts";

const SCRIPT = `
use strict; use LWP::UserAgent;
my ($url, $netloc, $realm, $user, $pw) = @ARGV;
my $ua = LWP::UserAgent->new(keep_alive => 1);
$ua->credentials($netloc, $realm, $user, $pw);
my $r = $ua->get($url);
print $r->code, "\\n", $r->decoded_content;
`;

async function lwp(
  url: string,
  realm: string,
  user: string,
  password = PASSWORD,
): Promise<{ status: number; body: string }> {
  const o = await new Deno.Command("perl", {
    args: ["-e", SCRIPT, url, new URL(url).host, realm, user, password],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(o.stdout);
  const i = out.indexOf("\n");
  return { status: Number(out.slice(0, i)), body: out.slice(i + 1) };
}

await toolTest(
  "Perl LWP (Authen::NTLM, NTLMv1; Digest) -> withAuthentication",
  async () =>
    await hasCommand("perl", ["-MAuthen::NTLM", "-MLWP::UserAgent", "-e", "1"])
      ? null
      : {
        missing: "Authen::NTLM / LWP",
        hint: "apt-get install -y libwww-perl libauthen-ntlm-perl",
      },
  async () => {
    const ntlm = startServer(allSchemes({
      packages: ["NTLM"],
      ntlm: {
        users: [{ User: USER, Domain: DOMAIN, Password: PASSWORD }],
        allowNtlmV1: true,
        DomainName: DOMAIN,
      },
    }));
    const digest = startServer(allSchemes({ packages: ["Digest"] }));
    try {
      assert.deepEqual(await lwp(`${ntlm.url}/w`, "", `${DOMAIN}\\${USER}`), {
        status: 200,
        body: `hello ${DOMAIN}\\${USER} via NTLM`,
      });
      assert.equal(
        (await lwp(`${ntlm.url}/w`, "", `${DOMAIN}\\${USER}`, "nope")).status,
        401,
      );
      assert.deepEqual(await lwp(`${digest.url}/w`, REALM, USER), {
        status: 200,
        body: `hello ${USER} via Digest`,
      });
    } finally {
      await ntlm.close();
      await digest.close();
    }
  },
);
