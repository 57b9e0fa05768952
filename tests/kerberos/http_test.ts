// Kerberos over HTTP Negotiate: curl --negotiate with a ticket from kinit (MIT GSSAPI)
// against withAuthentication holding the service keytab; createAuthFetch with a user,
// password and KDC against the same server and against Apache mod_auth_gssapi
// (Kerberos only), each verifying the server's AP-REP (mutual authentication).
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { createAuthFetch } from "../../mod.ts";
import { KRB_AP_ERR_NOT_US } from "../../src/packages/kerberos/constants.ts";
import {
  TOK_KRB_ERROR,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import { decodeKrbError } from "../../src/packages/kerberos/messages.ts";
import {
  decodeNegotiationToken,
  REJECT,
} from "../../src/packages/negotiate/mod.ts";
import { decodeBase64Strict } from "../../src/util/bytes.ts";
import { startApacheKerberos } from "../peers/apache.ts";
import {
  bindingServers,
  hasCommand,
  startServer,
  TLS,
} from "../http/_server.ts";
import { toolTest } from "../runtimes/_tools.ts";
import { keytabPath, KRB_USER, REALM, withKdc } from "./_kdc_helpers.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";

const curlMissing = async () =>
  await hasCommand("curl") ? null : {
    missing: "curl",
    hint: "apt-get install -y curl",
  };

const apacheMissing = async () =>
  await Deno.stat("/usr/lib/apache2/modules/mod_auth_gssapi.so").then(
    () => null,
    () => ({
      missing: "mod_auth_gssapi",
      hint: "apt-get install -y apache2 libapache2-mod-auth-gssapi",
    }),
  );

/**
 * `curl --negotiate` (the KDC's ccache, MIT GSSAPI) to `/k` on `port` with `extra`
 * options first; what it printed.
 */
async function curlNegotiate(
  kdc: MitKdc,
  port: number,
  extra: string[],
): Promise<{ stdout: string; stderr: string }> {
  const o = await new Deno.Command("curl", {
    args: [
      "-sS",
      ...extra,
      "--max-time",
      "10",
      "--negotiate",
      "-u",
      ":",
      "--resolve",
      `localhost:${port}:127.0.0.1`,
      `http://localhost:${port}/k`,
    ],
    env: kdc.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

await toolTest(
  "curl --negotiate with a Kerberos ticket -> withAuthentication with a keytab: Kerberos, user@REALM, service binding to the ticket's SPN",
  curlMissing,
  () =>
    withKdc(async (kdc) => {
      const srv = startServer({
        packages: ["Negotiate"],
        negotiate: { Keytab: keytabPath(kdc) },
      });
      const bound = startServer({
        packages: ["Negotiate"],
        negotiate: { Keytab: keytabPath(kdc) },
        serviceNames: ["HTTP/localhost"],
        requireServiceName: true,
      });
      const other = startServer({
        packages: ["Negotiate"],
        negotiate: { Keytab: keytabPath(kdc) },
        serviceNames: ["HTTP/web.example.com"],
      });
      try {
        const out =
          (await curlNegotiate(kdc, srv.port, ["-w", "\n%{http_code}"]))
            .stdout;
        assert.equal(out, `hello ${KRB_USER.user}@${REALM} via Negotiate\n200`);
        assert.equal(srv.seen.length, 1);
        // Service binding: the ticket's SPN is the one the client named.
        assert.equal(await curlStatus(bound.port), "200");
        assert.equal(await curlStatus(other.port), "401");
      } finally {
        await srv.close();
        await bound.close();
        await other.close();
      }

      async function curlStatus(port: number): Promise<string> {
        const extra = ["-o", "/dev/null", "-w", "%{http_code}"];
        return (await curlNegotiate(kdc, port, extra)).stdout;
      }
    }),
);

await toolTest(
  "createAuthFetch with user, password and KDC -> withAuthentication (keytab) and Apache mod_auth_gssapi (krb5 only)",
  apacheMissing,
  () =>
    withKdc(async (kdc) => {
      const creds = {
        username: KRB_USER.user,
        domain: REALM,
        password: KRB_USER.password,
        kdc: kdc.kdc,
      };
      const authFetch = createAuthFetch({
        credentials: creds,
        target: "HTTP/localhost",
      });
      const srv = startServer({
        packages: ["Negotiate"],
        negotiate: { Keytab: keytabPath(kdc) },
      });
      const apache = await startApacheKerberos(
        await Deno.readFile(keytabPath(kdc)),
        await Deno.readTextFile(kdc.env.KRB5_CONFIG),
      );
      try {
        for (let i = 0; i < 2; i++) {
          const r = await authFetch(`${srv.url}/f${i}`);
          assert.equal(r.status, 200);
          assert.equal(
            await r.text(),
            `hello ${KRB_USER.user}@${REALM} via Negotiate`,
          );
        }
        const a = await authFetch(`${apache.base}/dir/index.html`);
        assert.equal(a.status, 200);
        assert.equal(await a.text(), "apache says hi\n");
        // A wrong password: the KDC refuses, Negotiate falls back to NTLM, which
        // this Apache does not take: the 401 stays.
        const wrong = createAuthFetch({
          credentials: { ...creds, password: "wrong" },
          target: "HTTP/localhost",
        });
        const w = await wrong(`${apache.base}/dir/index.html`);
        assert.equal(w.status, 401);
        await w.body?.cancel();
      } finally {
        await srv.close();
        await apache.close();
        authFetch.close();
      }
    }),
);

await toolTest(
  "createAuthFetch over https with Kerberos: the AP-REQ is bound to the TLS certificate (a server checking another one refuses it)",
  () => Promise.resolve(null), // withKdc reports a missing KDC
  () =>
    withKdc(async (kdc) => {
      const s = bindingServers({
        packages: ["Negotiate"],
        negotiate: {
          Keytab: keytabPath(kdc),
          requireChannelBindings: true,
        },
      });
      const authFetch = createAuthFetch({
        credentials: {
          username: KRB_USER.user,
          domain: REALM,
          password: KRB_USER.password,
          kdc: kdc.kdc,
        },
        target: "HTTP/localhost",
        caCerts: [TLS.cert],
      });
      try {
        const ok = await authFetch(`${s.required.url}/tls`);
        assert.equal(ok.status, 200);
        assert.equal(
          await ok.text(),
          `hello ${KRB_USER.user}@${REALM} via Negotiate`,
        );
        const relayed = await authFetch(`${s.relayed.url}/tls`);
        assert.equal(relayed.status, 401);
        await relayed.body?.cancel();
      } finally {
        authFetch.close();
        await s.close();
      }
    }),
);

await toolTest(
  "withAuthentication refusing a Kerberos ticket answers 401 with the reject NegTokenResp and its KRB-ERROR, as IIS does (as curl receives it)",
  curlMissing,
  () =>
    withKdc(async (kdc) => {
      // The server holds only host/localhost's key: a ticket for HTTP/localhost is
      // not for it (KRB_AP_ERR_NOT_US).
      const hostKeytab = `${dirname(keytabPath(kdc))}/host.keytab`;
      await kdc.kadmin(`ktadd -k ${hostKeytab} host/localhost`);
      const srv = startServer({
        packages: ["Negotiate"],
        negotiate: { Keytab: hostKeytab },
      });
      try {
        const o = await curlNegotiate(kdc, srv.port, [
          "-v",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
        ]);
        assert.equal(o.stdout, "401");
        const log = o.stderr;
        const m = log.match(/< WWW-Authenticate: Negotiate (\S+)/i);
        assert.ok(m, `a Negotiate token in the 401\n${log}`);
        const t = decodeNegotiationToken(decodeBase64Strict(m[1])!);
        assert.ok(t.type === "resp" && t.negState === REJECT, "a reject");
        const u = unframeToken(t.responseToken!);
        assert.ok(u && u.tokId === TOK_KRB_ERROR);
        assert.equal(decodeKrbError(u.inner).errorCode, KRB_AP_ERR_NOT_US);
      } finally {
        await srv.close();
      }
    }),
);
