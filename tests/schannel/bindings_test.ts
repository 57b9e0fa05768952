/**
 * Extended Protection end to end, in memory: a TLS connection of ours
 * (SECPKG_ATTR_ENDPOINT_BINDINGS on each side) carries an NTLM logon whose
 * SECBUFFER_CHANNEL_BINDINGS come from that attribute. The same connection binds;
 * a TLS-terminating relay (another certificate) makes the server refuse with
 * SEC_E_BAD_BINDINGS.
 */
import assert from "node:assert/strict";
import {
  AcceptSecurityContext,
  AcquireCredentialsHandle,
  CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  InitializeSecurityContext,
  QueryContextAttributes,
  SEC_E_BAD_BINDINGS,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_ENDPOINT_BINDINGS,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
} from "../../mod.ts";
import { testPki } from "./_pki.ts";
import { acquire, handshake } from "./_tls.ts";

const pki = await testPki();

function bindingsOf(tls: CtxtHandle): Uint8Array {
  const out: { value?: { Bindings: Uint8Array } } = {};
  assert.equal(
    QueryContextAttributes(tls, SECPKG_ATTR_ENDPOINT_BINDINGS, out),
    SEC_E_OK,
  );
  return out.value!.Bindings;
}

/** An NTLM logon with the given channel bindings on each side; the server's last status. */
function ntlmLogon(
  clientBindings: Uint8Array,
  serverBindings: Uint8Array,
): number {
  const cc = new CredHandle();
  const sc = new CredHandle();
  AcquireCredentialsHandle(
    null,
    "NTLM",
    SECPKG_CRED_OUTBOUND,
    null,
    {
      User: "alice",
      Domain: "CONTOSO",
      Password: "Secret1",
    },
    null,
    null,
    cc,
    null,
  );
  AcquireCredentialsHandle(
    null,
    "NTLM",
    SECPKG_CRED_INBOUND,
    null,
    {
      users: [{ User: "alice", Domain: "CONTOSO", Password: "Secret1" }],
      requireChannelBindings: true,
    },
    null,
    null,
    sc,
    null,
  );
  const c = new CtxtHandle();
  const s = new CtxtHandle();
  const step = (role: "c" | "s", first: boolean, input: Uint8Array | null) => {
    const bufs = [
      new SecBuffer(
        SECBUFFER_CHANNEL_BINDINGS,
        role === "c" ? clientBindings : serverBindings,
      ),
    ];
    if (input) bufs.unshift(new SecBuffer(SECBUFFER_TOKEN, input));
    const out = new SecBufferDesc([new SecBuffer(SECBUFFER_TOKEN, null)]);
    const st = role === "c"
      ? InitializeSecurityContext(
        cc,
        first ? null : c,
        "HTTP/localhost",
        0x100 | 0x10,
        0,
        0,
        new SecBufferDesc(bufs),
        0,
        c,
        out,
        { value: 0 },
        null,
      )
      : AcceptSecurityContext(
        sc,
        first ? null : s,
        new SecBufferDesc(bufs),
        0x100 | 0x10,
        0,
        s,
        out,
        { value: 0 },
        null,
      );
    return { st, token: out.pBuffers[0].pvBuffer };
  };
  try {
    let r = step("c", true, null);
    assert.equal(r.st, SEC_I_CONTINUE_NEEDED);
    let q = step("s", true, r.token);
    assert.equal(q.st, SEC_I_CONTINUE_NEEDED);
    r = step("c", false, q.token);
    assert.equal(r.st, SEC_E_OK);
    q = step("s", false, r.token);
    return q.st;
  } finally {
    DeleteSecurityContext(c);
    DeleteSecurityContext(s);
  }
}

Deno.test({
  name:
    "schannel: ENDPOINT_BINDINGS carries NTLM's Extended Protection; a relay's certificate is refused",
  ignore: pki === null,
  fn() {
    const p = pki!;
    const server = acquire("server", {
      Certificate: p.rsaServer.cert,
      PrivateKey: p.rsaServer.key,
    });
    const relay = acquire("server", {
      Certificate: p.ecServer.cert,
      PrivateKey: p.ecServer.key,
    });
    const client = acquire("client", { dwFlags: 0x8 }); // the client does not check names here
    const direct = handshake(client, server);
    const a = bindingsOf(direct.client);
    assert.deepEqual(
      a,
      bindingsOf(direct.server),
      "both ends of one connection agree",
    );
    assert.equal(ntlmLogon(a, bindingsOf(direct.server)), SEC_E_OK);
    // A relay terminates the client's TLS with its own certificate and opens its own
    // to the server: the client binds the relay's certificate.
    const front = handshake(client, relay);
    const back = handshake(client, server);
    assert.equal(
      ntlmLogon(bindingsOf(front.client), bindingsOf(back.server)),
      SEC_E_BAD_BINDINGS,
    );
    for (const h of [direct, front, back]) {
      DeleteSecurityContext(h.client);
      DeleteSecurityContext(h.server);
    }
  },
});
