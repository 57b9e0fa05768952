// Kerberos through a real MS-KKDCP server: FreeIPA's kdcproxy (python3-kdcproxy,
// served by tests/peers/kdcproxy_peer.py) in front of a throwaway MIT KDC. Our client
// gets its TGT and service ticket through the proxy, over plain HTTP (`Kdc` set to the
// proxy's URL) and over HTTPS (`KdcTransport: kkdcpTransport(url, { fetch })` with a
// fetch trusting the throwaway CA that issued the proxy's certificate), and our
// acceptor takes its AP-REQ with the service keytab, mutual authentication included. A wrong password through
// the proxy is SEC_E_LOGON_DENIED; a list with an unreachable TCP KDC first fails
// over to the proxy. The codec and misbehaving proxies are in kkdcp_stub_test.ts.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  kkdcpTransport,
  SEC_E_LOGON_DENIED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  statusName,
} from "../../mod.ts";
import { kdcproxyTest } from "../peers/kdcproxy_peer.ts";
import { freePort as closedPort } from "../digest/_peers.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  keytabPath,
  KRB_USER,
  newCtx,
  REALM,
  SERVICE,
  withProxy,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);

/**
 * Acquires with `authData`, gets the AP-REQ for HTTP/localhost (the AS and TGS
 * exchanges go through the proxy), has our acceptor take it with the keytab, and
 * finishes the client with the AP-REP.
 */
async function logonThroughProxy(kdc: MitKdc, authData: object) {
  const { status, cred } = await acquireKrb("Kerberos", {
    User: KRB_USER.user,
    Domain: REALM,
    Password: KRB_USER.password,
    ...authData,
  });
  assert.equal(st(status), st(SEC_E_OK));
  const server = acquireInbound("Kerberos", { Keytab: keytabPath(kdc) });
  assert.equal(st(server.status), st(SEC_E_OK));
  const cctx = newCtx();
  const sctx = new CtxtHandle();
  try {
    const a = await iscStep(cred, cctx, true, SERVICE, null);
    assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
    const r = accept(server.cred, sctx, a.token!);
    assert.equal(st(r.status), st(SEC_E_OK));
    const done = await iscStep(cred, cctx, false, SERVICE, r.token);
    assert.equal(st(done.status), st(SEC_E_OK));
  } finally {
    DeleteSecurityContext(cctx);
    DeleteSecurityContext(sctx);
    FreeCredentialsHandle(cred);
    FreeCredentialsHandle(server.cred);
  }
}

await kdcproxyTest(
  "kkdcp: Kdc set to kdcproxy's http:// URL: AS and TGS through the proxy, AP-REQ accepted by our acceptor, AP-REP completes",
  () =>
    withProxy(false, async (kdc, proxy) => {
      assert.match(proxy.url, /^http:\/\/127\.0\.0\.1:\d+\/KdcProxy$/);
      await logonThroughProxy(kdc, { Kdc: proxy.url });
    }),
);

await kdcproxyTest(
  "kkdcp: kkdcpTransport over HTTPS (a fetch trusting a throwaway CA) to kdcproxy",
  () =>
    withProxy(true, async (kdc, proxy) => {
      assert.match(proxy.url, /^https:\/\//);
      await logonThroughProxy(kdc, {
        KdcTransport: kkdcpTransport(proxy.url, { fetch: proxy.fetch }),
      });
    }),
);

await kdcproxyTest(
  "kkdcp: a wrong password through kdcproxy is SEC_E_LOGON_DENIED; an unreachable TCP KDC listed first fails over to the proxy",
  () =>
    withProxy(false, async (kdc, proxy) => {
      const { status, cred } = await acquireKrb("Kerberos", {
        User: KRB_USER.user,
        Domain: REALM,
        Password: "not-the-password",
        Kdc: proxy.url,
      });
      assert.equal(st(status), st(SEC_E_OK));
      try {
        const r = await iscStep(cred, newCtx(), true, SERVICE, null);
        assert.equal(st(r.status), st(SEC_E_LOGON_DENIED));
      } finally {
        FreeCredentialsHandle(cred);
      }
      await logonThroughProxy(kdc, {
        Kdc: [`127.0.0.1:${closedPort()}`, proxy.url],
      });
    }),
);
