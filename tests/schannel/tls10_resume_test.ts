/**
 * TLS 1.0 and 1.1 sessions resumed, as TLS 1.2's are, in their own version only:
 * our client against `openssl s_server -tls1`/`-tls1_1` (by RFC 5077 ticket, and by
 * session id with `-no_ticket`), `openssl s_client -sess_out`/`-sess_in` into our
 * server (session cache, and tickets), and our client and server in memory, where
 * a TLS 1.0 session is not resumed in TLS 1.2.
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  DeleteSecurityContext,
  SEC_E_OK,
  SECPKG_ATTR_CONNECTION_INFO,
  SP_PROT_TLS1_0_CLIENT,
  SP_PROT_TLS1_0_SERVER,
  SP_PROT_TLS1_1_CLIENT,
  SP_PROT_TLS1_1_SERVER,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_2_SERVER,
} from "../../mod.ts";
import {
  echoLine,
  newThenReused,
  pki,
  pkiTests,
  sClientArgs,
  setProtocols,
  sServer,
} from "./_cred_attrs.ts";
import { acquire, handshake } from "./_tls.ts";
import { query } from "./_dhe_rsa12.ts";
import { sessionInfo } from "./_resume.ts";
import { sClientEcho } from "./_openssl.ts";

const resumeTest = pkiTests("schannel TLS 1.0/1.1 resumption");

const VERSIONS = [
  ["-tls1", "TLSv1", SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER],
  ["-tls1_1", "TLSv1\\.1", SP_PROT_TLS1_1_CLIENT, SP_PROT_TLS1_1_SERVER],
] as const;

for (const [flag, name, clientBit] of VERSIONS) {
  for (const ticket of [true, false]) {
    resumeTest(
      `our client -> openssl s_server ${flag}, by ${
        ticket ? "ticket" : "session id"
      }`,
      async () => {
        const cred = acquire("client", {
          RootCertificates: pki!.rsaCa.cert,
          grbitEnabledProtocols: clientBit | SP_PROT_TLS1_2_CLIENT,
        });
        await sServer(
          [
            flag,
            "-cipher",
            "ECDHE-RSA-AES128-SHA:@SECLEVEL=0",
            ...(ticket ? [] : ["-no_ticket"]),
          ],
          2,
          async (port) => {
            await newThenReused(
              port,
              cred,
              "ECDHE-RSA-AES128-SHA",
              (page, ctx) => {
                assert.match(page, new RegExp(`Protocol\\s*: ${name}\\n`));
                assert.equal(
                  query(ctx, SECPKG_ATTR_CONNECTION_INFO).dwProtocol,
                  clientBit,
                );
              },
            );
          },
        );
      },
    );
  }
}

/** Our server for s_client: the RSA leaf, every version, tickets or the cache. */
function server(tickets: boolean): CredHandle {
  return acquire("server", {
    Certificate: pki!.rsaServer.cert,
    PrivateKey: pki!.rsaServer.key,
    grbitEnabledProtocols: SP_PROT_TLS1_0_SERVER | SP_PROT_TLS1_1_SERVER |
      SP_PROT_TLS1_2_SERVER,
    Tls12SessionTickets: tickets,
  });
}

for (const [flag, name] of VERSIONS) {
  for (const tickets of [true, false]) {
    resumeTest(
      `openssl s_client ${flag} -sess_out/-sess_in -> our server (${
        tickets ? "tickets" : "session cache"
      })`,
      async () => {
        const cred = server(tickets);
        const dir = await Deno.makeTempDir();
        try {
          const sess = `${dir}/session.pem`;
          const line = echoLine(100);
          const args = (extra: string[]) =>
            sClientArgs("rsa", [
              flag,
              "-cipher",
              "ECDHE-RSA-AES128-SHA:@SECLEVEL=0",
              "-ign_eof",
              ...extra,
            ]);
          const first = await sClientEcho(
            cred,
            args(["-sess_out", sess]),
            line,
          );
          assert.equal(first.read, line);
          assert.match(first.out, new RegExp(`New, \\S+, Cipher is`));
          const again = await sClientEcho(cred, args(["-sess_in", sess]), line);
          assert.equal(again.read, line);
          assert.match(
            again.out,
            /Reused, \S+, Cipher is ECDHE-RSA-AES128-SHA/,
          );
          assert.match(again.out, new RegExp(`Protocol\\s*: ${name}\\n`));
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );
  }
}

resumeTest(
  "in memory: a TLS 1.0 session resumes in TLS 1.0 only; once TLS 1.2 is allowed again the server takes TLS 1.2 in full",
  () => {
    const sc = server(false);
    const cc = acquire("client", {
      RootCertificates: pki!.rsaCa.cert,
      grbitEnabledProtocols: SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_2_CLIENT,
    });
    const run = () => {
      const r = handshake(cc, sc);
      const out = {
        reconnect: sessionInfo(r.client).reconnect,
        protocol: query(r.client, SECPKG_ATTR_CONNECTION_INFO).dwProtocol,
      };
      DeleteSecurityContext(r.client);
      DeleteSecurityContext(r.server);
      return out;
    };
    const tls10 = { protocol: SP_PROT_TLS1_0_CLIENT };
    assert.equal(setProtocols(cc, SP_PROT_TLS1_0_CLIENT), SEC_E_OK);
    assert.deepEqual(run(), { reconnect: false, ...tls10 });
    assert.deepEqual(run(), { reconnect: true, ...tls10 });
    // TLS 1.2 allowed again: the TLS 1.0 session is offered, and our server, which
    // now picks TLS 1.2, resumes no session of another version.
    assert.equal(
      setProtocols(cc, SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_2_CLIENT),
      SEC_E_OK,
    );
    assert.deepEqual(run(), {
      reconnect: false,
      protocol: SP_PROT_TLS1_2_CLIENT,
    });
    // That full TLS 1.2 handshake's session resumes next, in TLS 1.2.
    assert.deepEqual(run(), {
      reconnect: true,
      protocol: SP_PROT_TLS1_2_CLIENT,
    });
  },
);
