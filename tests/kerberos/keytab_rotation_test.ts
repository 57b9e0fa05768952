// A service key rotated while the server runs: MIT's `kadmin ktadd` gives the service a
// new random key (a new kvno) and appends it to the keytab, as a machine-password
// change or a gMSA refresh does. The acceptor credential acquired before the change
// must take tickets under the new key (from our client and from MIT's initiator)
// without being acquired again, keep taking tickets under the old one, and read the
// file again no more than once a second.
import assert from "node:assert/strict";
import {
  ASC_REQ_EXTENDED_ERROR,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SEC_E_NO_KERB_KEY,
  SEC_E_OK,
  SECPKG_CRED_INBOUND,
  statusName,
} from "../../mod.ts";
import { parseKeytab } from "../../src/packages/kerberos/keytab.ts";
import {
  acquireKerberosServerCredential,
  KEYTAB_RECHECK_MS,
} from "../../src/packages/kerberos/server_credentials.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  ASC_FLAGS,
  iscStep,
  keytabPath,
  krbTest,
  newCtx,
  REALM,
  SERVICE,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

/** The kvnos the keytab holds for the service. */
async function kvnos(kdc: MitKdc): Promise<number[]> {
  const entries = parseKeytab(await Deno.readFile(keytabPath(kdc)));
  const [svc, host] = SERVICE.split("/");
  return [
    ...new Set(
      entries.filter((e) => e.components[0] === svc && e.components[1] === host)
        .map((e) => e.kvno),
    ),
  ].sort((a, b) => a - b);
}

/** A first AP-REQ of ours, with a new client credential (so a new service ticket). */
async function freshApReq(kdc: MitKdc): Promise<Uint8Array> {
  const { status, cred } = await acquireKrb("Kerberos", userAuthData(kdc));
  assert.equal(st(status), st(SEC_E_OK));
  try {
    const a = await iscStep(cred, newCtx(), true, SERVICE, null);
    return a.token!;
  } finally {
    FreeCredentialsHandle(cred);
  }
}

/** `token` accepted by `server` (asserted), the context deleted. */
function assertAccepted(
  server: ReturnType<typeof acquireInbound>["cred"],
  token: Uint8Array,
  what: string,
): void {
  const ctx = new CtxtHandle();
  try {
    assert.equal(st(accept(server, ctx, token).status), st(SEC_E_OK), what);
  } finally {
    DeleteSecurityContext(ctx);
  }
}

await krbTest(
  "Kerberos acceptor: after kadmin ktadd rotates the service key, the credential acquired before takes new-kvno tickets (ours and MIT's initiator) and old ones",
  () =>
    withKdc(async (kdc) => {
      const { status, cred: server } = acquireInbound("Kerberos", {
        Keytab: keytabPath(kdc),
      });
      assert.equal(st(status), st(SEC_E_OK));
      try {
        const before = await kvnos(kdc);
        assert.equal(before.length, 1);
        // This client keeps its service ticket, issued under the first key.
        const old = await acquireKrb("Kerberos", userAuthData(kdc));
        assert.equal(st(old.status), st(SEC_E_OK));
        const oldApReq = async () =>
          (await iscStep(old.cred, newCtx(), true, SERVICE, null)).token!;
        assertAccepted(
          server,
          await oldApReq(),
          "a ticket under the first key",
        );

        await kdc.kadmin(`ktadd -k ${keytabPath(kdc)} ${SERVICE}`);
        const after = await kvnos(kdc);
        assert.deepEqual(after, [before[0], before[0] + 1], "old and new kvno");

        assertAccepted(
          server,
          await freshApReq(kdc),
          "a ticket under the rotated key, same credential",
        );
        const peer = await GssapiPeer.start({
          role: "initiator",
          mech: "krb5",
          defaultCreds: true,
          target: "HTTP@localhost",
          env: kdc.env,
        });
        try {
          const first = await peer.step(null);
          const ctx = new CtxtHandle();
          const r = accept(server, ctx, first.token!);
          assert.equal(st(r.status), st(SEC_E_OK), "MIT's new-kvno ticket");
          assert.ok((await peer.step(r.token)).complete);
          DeleteSecurityContext(ctx);
        } finally {
          await peer.close();
        }
        // The ticket issued under the old key still opens: the keytab keeps it.
        assertAccepted(server, await oldApReq(), "the old key is still held");
        FreeCredentialsHandle(old.cred);
      } finally {
        FreeCredentialsHandle(server);
      }
    }),
);

await krbTest(
  "Kerberos acceptor credential: the keytab is read again only when it changed, and at most once a second",
  () =>
    withKdc(async (kdc) => {
      const cred = acquireKerberosServerCredential({
        use: SECPKG_CRED_INBOUND,
        principal: null,
        authData: { Keytab: keytabPath(kdc) },
        async: false,
      });
      try {
        const [svc, host] = SERVICE.split("/");
        const sname = { nameType: 2, nameString: [svc, host] };
        const [kvno] = await kvnos(kdc);
        const t0 = 1_000_000;
        assert.equal(cred.reload(t0), false, "unchanged since acquired");
        await kdc.kadmin(`ktadd -k ${keytabPath(kdc)} ${SERVICE}`);
        assert.equal(
          cred.reload(t0 + KEYTAB_RECHECK_MS / 2),
          false,
          "too soon after the last look",
        );
        assert.equal(
          cred.keyFor(sname, REALM, 18, kvno + 1),
          "etype",
          "the new key is not held yet",
        );
        assert.equal(cred.reload(t0 + KEYTAB_RECHECK_MS), true, "changed");
        const key = cred.keyFor(sname, REALM, 18, kvno + 1);
        assert.ok(key && typeof key === "object", "the new key is held");
        assert.ok(cred.keyFor(sname, REALM, 18, kvno), "and the old");
        assert.equal(cred.reload(t0 + 3 * KEYTAB_RECHECK_MS), false, "same");
      } finally {
        cred.dispose();
      }
    }),
);

await krbTest(
  "a ticket under a key the service no longer holds: the acceptor's KRB-ERROR (BADKEYVER) makes our client drop it, and its next context gets a new ticket",
  () =>
    withKdc(async (kdc) => {
      const { status, cred: server } = acquireInbound("Kerberos", {
        Keytab: keytabPath(kdc),
      });
      assert.equal(st(status), st(SEC_E_OK));
      const client = await acquireKrb("Kerberos", userAuthData(kdc));
      try {
        const first = await iscStep(client.cred, newCtx(), true, SERVICE, null);
        assertAccepted(server, first.token!, "the first key");
        // The key rotates and the old one leaves the keytab.
        await kdc.kadmin(`ktadd -k ${keytabPath(kdc)} ${SERVICE}`);
        await kdc.kadmin(`ktremove -k ${keytabPath(kdc)} ${SERVICE} old`);
        assert.equal((await kvnos(kdc)).length, 1);
        // A server started now holds only the new key (ours before, still
        // holding the old one in memory, would take the old ticket).
        const restarted = acquireInbound("Kerberos", {
          Keytab: keytabPath(kdc),
        });
        assert.equal(st(restarted.status), st(SEC_E_OK));

        const ctx = newCtx();
        const stale = await iscStep(client.cred, ctx, true, SERVICE, null);
        const sx = new CtxtHandle();
        const refused = accept(restarted.cred, sx, stale.token!, {
          flags: ASC_FLAGS | ASC_REQ_EXTENDED_ERROR,
        });
        DeleteSecurityContext(sx);
        assert.equal(st(refused.status), st(SEC_E_NO_KERB_KEY));
        assert.ok(refused.token, "a KRB-ERROR");
        const told = await iscStep(
          client.cred,
          ctx,
          false,
          SERVICE,
          refused.token,
        );
        assert.notEqual(st(told.status), st(SEC_E_OK));

        const fresh = await iscStep(client.cred, newCtx(), true, SERVICE, null);
        assertAccepted(
          restarted.cred,
          fresh.token!,
          "a new ticket, under the new key",
        );
        FreeCredentialsHandle(restarted.cred);
      } finally {
        FreeCredentialsHandle(client.cred);
        FreeCredentialsHandle(server);
      }
    }),
);
