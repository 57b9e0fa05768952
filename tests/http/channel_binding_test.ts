// Extended Protection over TLS: createAuthFetch binds its NTLM and Negotiate logons to
// the TLS connection (tls-server-end-point of the certificate it saw), and
// withAuthentication, given its certificate, checks the binding: a logon bound to
// another certificate (what a relay presenting its own gets) is refused.
import assert from "node:assert/strict";
import { createAuthFetch, withAuthentication } from "../../mod.ts";
import {
  allSchemes,
  bindingServers,
  DOMAIN,
  PASSWORD,
  startServer,
  TLS,
  USER,
} from "./_server.ts";

const creds = { username: USER, domain: DOMAIN, password: PASSWORD };
const users = [{ User: USER, Domain: DOMAIN, Password: PASSWORD }];
const tls = { cert: TLS.cert, key: TLS.key };

/** Status of one authenticated GET with `scheme`, binding or not. */
async function statusOf(
  url: string,
  scheme: "NTLM" | "Negotiate",
  channelBinding = true,
): Promise<number> {
  const f = createAuthFetch({
    credentials: creds,
    packages: [scheme],
    caCerts: [TLS.cert],
    channelBinding,
  });
  const res = await f(url);
  await res.body?.cancel();
  return res.status;
}

Deno.test("https: createAuthFetch binds its logon to the TLS connection; the server checks it", async () => {
  const { required, relayed, close } = bindingServers();
  try {
    for (const scheme of ["NTLM", "Negotiate"] as const) {
      assert.equal(await statusOf(`${required.url}/`, scheme), 200, scheme);
      assert.equal(await statusOf(`${relayed.url}/`, scheme), 401, scheme);
      // Without a binding: refused where one is required.
      assert.equal(
        await statusOf(`${required.url}/`, scheme, false),
        401,
        scheme,
      );
      assert.equal(
        await statusOf(`${relayed.url}/`, scheme, false),
        200,
        scheme,
      );
    }
    assert.deepEqual(
      required.seen.map((w) => w.scheme),
      ["NTLM", "Negotiate"],
    );
  } finally {
    await close();
  }
});

Deno.test("https: Digest and plain-HTTP requests are not affected by tlsCertificate", async () => {
  const plain = startServer(
    allSchemes({
      ntlm: { users, requireChannelBindings: true },
      tlsCertificate: TLS.cert,
    }),
  );
  const secure = startServer(allSchemes({ tlsCertificate: TLS.cert }), 0, tls);
  try {
    // Over plain HTTP there is no channel to bind to: the NTLM check is skipped.
    assert.equal(await statusOf(`${plain.url}/`, "NTLM"), 200);
    const f = createAuthFetch({
      credentials: creds,
      packages: ["Digest"],
      caCerts: [TLS.cert],
    });
    const res = await f(`${secure.url}/d`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), `hello ${USER} via Digest`);
  } finally {
    await plain.close();
    await secure.close();
  }
});

Deno.test("withAuthentication: a tlsCertificate that is not a certificate is a TypeError at once", () => {
  assert.throws(
    () =>
      withAuthentication(
        () => new Response(),
        allSchemes({ tlsCertificate: "-----BEGIN CERTIFICATE-----\nAAAA\n" }),
      ),
    TypeError,
  );
  assert.throws(
    () =>
      withAuthentication(
        () => new Response(),
        allSchemes({ tlsCertificate: new Uint8Array([1, 2, 3]) }),
      ),
    TypeError,
  );
});
