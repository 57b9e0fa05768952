/**
 * createAuthFetch over the native provider: FreeRDP's WinPR (libwinpr2, the Win32
 * SSPI ABI) runs the NTLM side of the HTTP logons, as secur32.dll would on Windows,
 * against withAuthentication; over https its logon is bound to the TLS connection.
 */
import assert from "node:assert/strict";
import { client, createAuthFetch, server, SspiError } from "../../mod.ts";
import { allSchemes, startServer, TLS } from "../http/_server.ts";
import { ALICE, samFile, winprTable, winprTest } from "./_helpers.ts";

const users = [ALICE];
const tls = { cert: TLS.cert, key: TLS.key };
const CASES = [[ALICE.Password, 200], ["nope", 401]] as const;

winprTest(
  "createAuthFetch with the native WinPR provider: NTLM and Negotiate, http and https (channel binding required, and checked), a wrong password",
  async () => {
    await using sam = await samFile();
    const sspi = winprTable(sam.path);
    const plain = startServer(allSchemes({ ntlm: { users } }));
    const secure = startServer(
      allSchemes({
        ntlm: { users, requireChannelBindings: true },
        tlsCertificate: TLS.cert,
      }),
      0,
      tls,
    );
    // Checks bindings against another certificate than the one it serves.
    const relayed = startServer(
      allSchemes({ ntlm: { users }, tlsCertificate: TLS.relayCert }),
      0,
      tls,
    );
    const fetchAs = (scheme: "NTLM" | "Negotiate", password: string) =>
      createAuthFetch({
        sspi,
        credentials: { username: ALICE.User, domain: ALICE.Domain, password },
        packages: [scheme],
        caCerts: [TLS.cert],
      });
    try {
      for (const scheme of ["NTLM", "Negotiate"] as const) {
        for (const srv of [plain, secure]) {
          for (const [password, status] of CASES) {
            const res = await fetchAs(scheme, password)(`${srv.url}/w`);
            assert.equal(
              res.status,
              status,
              `${scheme} ${srv.url} ${password}`,
            );
            if (status === 200) {
              assert.equal(
                await res.text(),
                `hello ${ALICE.Domain}\\${ALICE.User} via ${scheme}`,
              );
            } else await res.body?.cancel();
          }
        }
        // WinPR binds its logon (from the CHALLENGE on): the relay refuses it.
        const r = await fetchAs(scheme, ALICE.Password)(`${relayed.url}/w`);
        assert.equal(r.status, 401, `${scheme} relayed`);
        await r.body?.cancel();
      }
    } finally {
      await plain.close();
      await secure.close();
      await relayed.close();
    }
  },
);

winprTest(
  "friendly server() over the native WinPR provider: CompleteAuthToken completes the logon (a wrong password fails there); its sealed replies open on our client",
  async () => {
    await using sam = await samFile();
    const sspi = winprTable(sam.path);
    for (const [password, ok] of [[ALICE.Password, true], ["nope", false]]) {
      const c = client({
        username: ALICE.User,
        domain: ALICE.Domain,
        password: password as string,
        target: "HTTP/server.contoso.com",
      });
      const s = server({ sspi });
      try {
        const authenticate = c.step(s.step(c.step(null)!)!)!;
        if (!ok) {
          // WinPR checks the logon in CompleteAuthToken, which step() calls.
          assert.throws(() => s.step(authenticate), SspiError);
          continue;
        }
        assert.equal(s.step(authenticate), null);
        assert.ok(s.complete);
        for (let i = 0; i < 3; i++) {
          const reply = s.wrap(new TextEncoder().encode(`reply ${i}`));
          assert.equal(new TextDecoder().decode(c.unwrap(reply)), `reply ${i}`);
        }
      } finally {
        c.dispose();
        s.dispose();
      }
    }
  },
);
