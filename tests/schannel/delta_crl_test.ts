/**
 * Delta CRLs in Schannel handshakes: our client checks the server's certificate
 * (`SCH_CRED_REVOCATION_CHECK_END_CERT`) whose CRL Distribution Point and Freshest
 * CRL name a loopback HTTP server of this test. With the CRLs in the credential
 * (`CertificateRevocationLists`: base and delta PEM blocks in one string) in the
 * synchronous call, and fetched online in the async call: a certificate revoked
 * only in the delta is refused with `CRYPT_E_REVOKED`, as one revoked in the base;
 * a good one connects; a wanted delta that is missing is
 * `CRYPT_E_REVOCATION_OFFLINE` (let through by `SCH_CRED_IGNORE_REVOCATION_OFFLINE`).
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  CRYPT_E_REVOCATION_OFFLINE,
  CRYPT_E_REVOKED,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SCH_CRED_IGNORE_REVOCATION_OFFLINE,
  SCH_CRED_REVOCATION_CHECK_END_CERT,
  SEC_E_OK,
} from "../../mod.ts";
import { crlServer, type DeltaLeaf, deltaPki } from "../pki/_delta_pki.ts";
import { haveOpenssl } from "./_pki.ts";
import { acquire, clientStatus, handshake, HandshakeError } from "./_tls.ts";

const enabled = await haveOpenssl();
const END = SCH_CRED_REVOCATION_CHECK_END_CERT;
const DISABLE_RECONNECTS = 0x80;

function deltaTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `schannel delta crl: ${name}`,
    ignore: !enabled,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

/** The loopback CRL server and the fixtures naming it. */
async function world() {
  const server = crlServer();
  return { ...server, pki: await deltaPki(server.port) };
}

function serverCred(leaf: DeltaLeaf): CredHandle {
  return acquire("server", {
    Certificate: leaf.pem,
    PrivateKey: leaf.key,
    dwFlags: DISABLE_RECONNECTS,
  });
}

/** The client's status of a synchronous handshake with a server presenting `leaf`. */
function connectSync(cc: CredHandle, leaf: DeltaLeaf): number {
  const sc = serverCred(leaf);
  try {
    const h = handshake(cc, sc);
    DeleteSecurityContext(h.client);
    DeleteSecurityContext(h.server);
    return SEC_E_OK;
  } catch (e) {
    if (e instanceof HandshakeError && e.side === "client") return e.status;
    throw e;
  } finally {
    FreeCredentialsHandle(sc);
  }
}

/** The client's status of a handshake whose client steps run through the async call. */
async function connectAsync(cc: CredHandle, leaf: DeltaLeaf): Promise<number> {
  const sc = serverCred(leaf);
  try {
    return await clientStatus(cc, sc);
  } finally {
    FreeCredentialsHandle(sc);
  }
}

deltaTest("CRLs in the credential (synchronous call)", async () => {
  const w = await world();
  try {
    const { pki } = w;
    const client = (crls: string, flags = END) =>
      acquire("client", {
        RootCertificates: pki.caPem,
        dwFlags: flags,
        CertificateRevocationLists: crls,
      });
    const both = client(pki.crlPem.base + pki.crlPem.delta);
    assert.equal(connectSync(both, pki.leaves.inDelta), CRYPT_E_REVOKED);
    assert.equal(connectSync(both, pki.leaves.inBase), CRYPT_E_REVOKED);
    assert.equal(connectSync(both, pki.leaves.held), SEC_E_OK);
    assert.equal(connectSync(both, pki.leaves.good), SEC_E_OK);
    // The delta is recognised by its indicator wherever it stands in the list.
    const reversed = client(pki.crlPem.delta + pki.crlPem.base);
    assert.equal(connectSync(reversed, pki.leaves.inDelta), CRYPT_E_REVOKED);
    // The base alone: the delta its certificates name is missing.
    const baseOnly = client(pki.crlPem.base);
    assert.equal(
      connectSync(baseOnly, pki.leaves.good),
      CRYPT_E_REVOCATION_OFFLINE,
    );
    assert.equal(connectSync(baseOnly, pki.leaves.inBase), CRYPT_E_REVOKED);
    const lenient = client(
      pki.crlPem.base,
      END | SCH_CRED_IGNORE_REVOCATION_OFFLINE,
    );
    assert.equal(connectSync(lenient, pki.leaves.inDelta), SEC_E_OK);
    // A delta signed by another key is ignored, not believed.
    const forged = client(pki.crlPem.base + pki.crlPem.deltaOtherKey);
    assert.equal(
      connectSync(forged, pki.leaves.inDelta),
      CRYPT_E_REVOCATION_OFFLINE,
    );
    assert.equal(connectSync(forged, pki.leaves.held), CRYPT_E_REVOKED);
    // Nothing was fetched by the synchronous calls.
    assert.equal(w.hits("/delta.crl") + w.hits("/base.crl"), 0);
    for (const c of [both, reversed, baseOnly, lenient, forged]) {
      FreeCredentialsHandle(c);
    }
  } finally {
    await w.close();
  }
});

deltaTest("base and delta fetched online (async call)", async () => {
  const w = await world();
  try {
    const { pki } = w;
    w.routes.set("/base.crl", pki.crls.base);
    w.routes.set("/delta.crl", pki.crls.delta);
    const cc = acquire("client", { RootCertificates: pki.caPem, dwFlags: END });
    assert.equal(await connectAsync(cc, pki.leaves.inDelta), CRYPT_E_REVOKED);
    assert.equal(await connectAsync(cc, pki.leaves.inBase), CRYPT_E_REVOKED);
    assert.equal(await connectAsync(cc, pki.leaves.held), SEC_E_OK);
    assert.equal(await connectAsync(cc, pki.leaves.good), SEC_E_OK);
    // Each fetched once, then kept on the credential.
    assert.equal(w.hits("/base.crl"), 1);
    assert.equal(w.hits("/delta.crl"), 1);
    FreeCredentialsHandle(cc);
    // The delta server gone: a good certificate's status is out of date.
    w.routes.delete("/delta.crl");
    const fresh = acquire("client", {
      RootCertificates: pki.caPem,
      dwFlags: END,
    });
    assert.equal(
      await connectAsync(fresh, pki.leaves.good),
      CRYPT_E_REVOCATION_OFFLINE,
    );
    assert.equal(await connectAsync(fresh, pki.leaves.inBase), CRYPT_E_REVOKED);
    FreeCredentialsHandle(fresh);
  } finally {
    await w.close();
  }
});
