/**
 * CredSSP's Restricted Admin mode (MS-RDPBCGR 2.2.1.1.1, MS-CSSP 2.2.1.2.1): the
 * client logs on through Negotiate as usual but delegates empty TSPasswordCreds.
 * Our client against our server in memory (allowed, refused by default), FreeRDP's
 * `xfreerdp /restricted-admin +auth-only` into our server, our client into FreeRDP's
 * shadow server; Remote Credential Guard and smart-card credentials are refused.
 */
import assert from "node:assert/strict";
import {
  type CredSspDelegatedCredentials,
  CtxtHandle,
  DeleteSecurityContext,
  QueryContextAttributes,
  SEC_E_LOGON_DENIED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
  SECPKG_ATTR_NAMES,
  STATUS_ACCOUNT_RESTRICTION,
  STATUS_PASSWORD_EXPIRED,
  STATUS_PASSWORD_MUST_CHANGE,
} from "../../mod.ts";
import {
  decodeTSRequest,
  encodeTSCredentials,
  receiveTSCredentials,
  STATUS_NOT_SUPPORTED,
} from "../../src/packages/credssp/mod.ts";
import { encodeContext, encodeSequence } from "../../src/der/mod.ts";
import { testPki } from "../schannel/_pki.ts";
import { acquire, asc, handshake, isc, unseal } from "../schannel/_tls.ts";
import { SchannelStream } from "../schannel/_socket.ts";
import { serveClient } from "./_rdp.ts";
import { withShadowServer, xfreerdpAvailable, xvfbRunArgs } from "./_shadow.ts";

const pki = await testPki();
const USERS = [{ User: "alice", Domain: "CONTOSO", Password: "Secret1" }];
/** RDP_NEG_REQ's RESTRICTED_ADMIN_MODE_REQUIRED. */
const RESTRICTED_ADMIN_MODE_REQUIRED = 0x01;

function serverCred(allow?: boolean) {
  return acquire(
    "server",
    {
      Schannel: {
        Certificate: pki!.rsaServer.cert,
        PrivateKey: pki!.rsaServer.key,
      },
      users: USERS,
      ...(allow === undefined ? {} : { AllowRestrictedAdmin: allow }),
    } as never,
    "CREDSSP",
  );
}

function restrictedClient(extra: Record<string, unknown> = {}) {
  return acquire(
    "client",
    {
      User: "alice",
      Domain: "CONTOSO",
      Password: "Secret1",
      RestrictedAdmin: true,
      ...extra,
    } as never,
    "CREDSSP",
  );
}

Deno.test({
  name:
    "credssp restricted admin: our client -> our server that allows it: logon without the password",
  ignore: pki === null,
  fn() {
    const h = handshake(
      restrictedClient(),
      serverCred(true),
      "TERMSRV/localhost",
    );
    // The server decrypted authInfo to empty TSPasswordCreds.
    const out: { value?: CredSspDelegatedCredentials } = {};
    assert.equal(
      QueryContextAttributes(
        h.server,
        SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
        out,
      ),
      SEC_E_OK,
    );
    assert.equal(out.value!.RestrictedAdmin, true);
    assert.equal(out.value!.User, "");
    assert.equal(out.value!.Domain, "");
    assert.equal(out.value!.Password, "");
    assert.match(Deno.inspect(out.value), /RestrictedAdmin: true/);
    // The logged-on identity is the inner Negotiate context's.
    const names: { value?: { sUserName: string } } = {};
    assert.equal(
      QueryContextAttributes(h.server, SECPKG_ATTR_NAMES, names),
      SEC_E_OK,
    );
    assert.equal(names.value!.sUserName, "CONTOSO\\alice");
    DeleteSecurityContext(h.client);
    DeleteSecurityContext(h.server);
  },
});

Deno.test({
  name:
    "credssp restricted admin: refused by default with STATUS_ACCOUNT_RESTRICTION, sent as errorCode",
  ignore: pki === null,
  fn() {
    for (const allow of [undefined, false]) {
      const cc = restrictedClient();
      const sc = serverCred(allow);
      const client = new CtxtHandle();
      const server = new CtxtHandle();
      let c = isc(cc, client, true, "TERMSRV/localhost", null);
      let first = true;
      for (;;) {
        const s = asc(sc, server, first, c.token!);
        first = false;
        if (s.status !== SEC_I_CONTINUE_NEEDED) {
          // The client finished with SEC_E_OK when it sent authInfo.
          assert.equal(c.status, SEC_E_OK);
          assert.equal(s.status >>> 0, STATUS_ACCOUNT_RESTRICTION);
          // The server's token: a TSRequest with errorCode on the TLS channel.
          assert.ok(s.token, "the server hands back an errorCode token");
          const plain = unseal(client, s.token);
          assert.equal(plain.status, SEC_E_OK);
          const r = decodeTSRequest(plain.data!);
          assert.equal(r.errorCode! >>> 0, STATUS_ACCOUNT_RESTRICTION);
          break;
        }
        assert.equal(c.status, SEC_I_CONTINUE_NEEDED);
        c = isc(cc, client, false, "TERMSRV/localhost", s.token);
      }
      // Nothing delegated to query on the failed context.
      assert.notEqual(
        QueryContextAttributes(
          server,
          SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
          {},
        ),
        SEC_E_OK,
      );
      DeleteSecurityContext(client);
      DeleteSecurityContext(server);
    }
    // A client without Restricted Admin still delegates its password to that server.
    const h = handshake(
      acquire(
        "client",
        { User: "alice", Domain: "CONTOSO", Password: "Secret1" } as never,
        "CREDSSP",
      ),
      serverCred(),
      "TERMSRV/localhost",
    );
    const out: { value?: CredSspDelegatedCredentials } = {};
    QueryContextAttributes(
      h.server,
      SECPKG_ATTR_CREDSSP_DELEGATED_CREDENTIALS,
      out,
    );
    assert.equal(out.value!.RestrictedAdmin, false);
    assert.equal(out.value!.Password, "Secret1");
    DeleteSecurityContext(h.client);
    DeleteSecurityContext(h.server);
  },
});

Deno.test(
  "credssp restricted admin: Remote Credential Guard and smart-card TSCredentials are SEC_E_UNSUPPORTED_FUNCTION (errorCode STATUS_NOT_SUPPORTED)",
  async () => {
    const { errorCodeOf } = await import(
      "../../src/packages/credssp/errorcode.ts"
    );
    for (const credType of [6, 2]) {
      const ts = encodeSequence([
        encodeContext(0, Uint8Array.of(0x02, 0x01, credType)),
        encodeContext(1, Uint8Array.of(0x04, 0x02, 0x30, 0x00)),
      ]);
      const got = receiveTSCredentials(ts, true);
      assert.equal(got.status, SEC_E_UNSUPPORTED_FUNCTION);
      assert.match(got.message!, new RegExp(`credType ${credType}`));
      assert.equal(got.delegated, undefined);
      assert.equal(errorCodeOf(got.status) >>> 0, STATUS_NOT_SUPPORTED);
    }
    // Empty password credentials: Restricted Admin, only where allowed.
    const empty = encodeTSCredentials({ domain: "", user: "", password: "" });
    assert.equal(
      receiveTSCredentials(empty, true).delegated!.RestrictedAdmin,
      true,
    );
    assert.equal(
      receiveTSCredentials(empty, false).status >>> 0,
      STATUS_ACCOUNT_RESTRICTION,
    );
  },
);

Deno.test({
  name:
    "credssp restricted admin: FreeRDP xfreerdp /restricted-admin +auth-only -> our CREDSSP server",
  ignore: pki === null,
  async fn() {
    if (!await xfreerdpAvailable()) return;
    for (const allow of [true, false]) {
      const { outcome, out } = await serveClient(
        serverCred(allow),
        (port) =>
          new Deno.Command("xvfb-run", {
            args: xvfbRunArgs([
              "xfreerdp",
              `/v:127.0.0.1:${port}`,
              "/u:alice",
              "/d:CONTOSO",
              "/p:Secret1",
              "/cert:ignore",
              "/sec:nla",
              "/restricted-admin",
              "+auth-only",
            ]),
            stdout: "piped",
            stderr: "piped",
            // Its log is asserted: WinPR's default level, whatever this process
            // set (tests/native/ sets WLOG_LEVEL=OFF; --parallel shares env).
            env: { HOME: Deno.makeTempDirSync(), WLOG_LEVEL: "WARN" },
          }).output(),
      );
      const log = new TextDecoder().decode(out.stdout) +
        new TextDecoder().decode(out.stderr);
      // FreeRDP marks the mode in its X.224 request too.
      assert.equal(outcome.negFlags & RESTRICTED_ADMIN_MODE_REQUIRED, 1, log);
      if (allow) {
        assert.equal(outcome.status, SEC_E_OK, `${outcome.message}\n${log}`);
        assert.deepEqual(outcome.delegated, {
          User: "",
          Domain: "",
          Password: "",
          RestrictedAdmin: true,
        });
        assert.equal(outcome.names, "CONTOSO\\alice");
        assert.doesNotMatch(log, /Secret1/);
      } else {
        assert.equal(
          outcome.status >>> 0,
          STATUS_ACCOUNT_RESTRICTION,
          `${outcome.message}\n${log}`,
        );
        assert.ok(outcome.failureToken, "our server sent its errorCode");
        // FreeRDP 2 reads no errorCode after its credentials: it has gone on to MCS,
        // and takes our TSRequest for a malformed MCS Connect Response.
        assert.match(log, /mcs_recv_connect_response failure/);
      }
      if (allow) {
        // Our harness speaks no MCS: FreeRDP fails after the logon either way.
        assert.doesNotMatch(log, /mcs_recv_connect_response failure/);
      }
    }
  },
});

Deno.test({
  name:
    "credssp restricted admin: our client -> FreeRDP's shadow server (WinPR takes the empty credentials)",
  ignore: pki === null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withShadowServer(USERS, async (shadow) => {
      const conn = await shadow.connect(RESTRICTED_ADMIN_MODE_REQUIRED);
      const cred = restrictedClient({ InnerPackage: "NTLM" });
      const tls = await SchannelStream.connect(conn, cred, "TERMSRV/localhost");
      try {
        // WinPR decoded our empty TSPasswordCreds and went on to RDP: it now expects
        // MCS Connect Initial. Something else makes it fail there and hang up, which
        // its log records (a bad authInfo would end in "Could not decrypt").
        await tls.write(Uint8Array.of(3, 0, 0, 8, 2, 0xf0, 0x80, 0x7f));
        while ((await tls.read()) !== null) { /* until it hangs up */ }
        assert.ok(
          await shadow.waitForLog(/mcs_connect_initial/i),
          shadow.log().slice(-2000),
        );
        assert.doesNotMatch(shadow.log(), /TSCredentials|nla_.*fail/i);
      } finally {
        tls.close();
      }
    });
  },
});

Deno.test(
  "credssp restricted admin: no forwarded TGT (Delegate is refused with it); a server's password statuses reach the client as they are",
  async () => {
    assert.throws(
      () => restrictedClient({ Delegate: true }),
      new RegExp(SEC_E_NO_CREDENTIALS.toString(16)),
    );
    const { errorCodeOf, statusOfErrorCode } = await import(
      "../../src/packages/credssp/errorcode.ts"
    );
    for (
      const s of [
        STATUS_ACCOUNT_RESTRICTION,
        STATUS_PASSWORD_EXPIRED,
        STATUS_PASSWORD_MUST_CHANGE,
      ]
    ) {
      assert.equal(statusOfErrorCode(errorCodeOf(s)) >>> 0, s);
    }
    assert.equal(
      statusOfErrorCode(errorCodeOf(SEC_E_LOGON_DENIED)) >>> 0,
      SEC_E_LOGON_DENIED,
    );
  },
);
