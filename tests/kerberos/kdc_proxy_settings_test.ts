// SetCredentialsAttributes(SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS) on Kerberos and
// Negotiate credentials, as Windows' RDP client sets an RD Gateway's KDC proxy,
// against a real MS-KKDCP server: FreeIPA's kdcproxy (python3-kdcproxy) in front of
// a throwaway MIT KDC. The proxy named Windows' way (`host:port:path`) over HTTPS
// with FORCEPROXY; the proxy used only when the direct KDC cannot be reached (and
// not when it can); FORCEPROXY keeping a reachable KDC unused; settings read back
// with QueryCredentialsAttributes and removed again. Our acceptor takes each AP-REQ
// with the service keytab.
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
  KDC_PROXY_SETTINGS_V1,
  lastErrorDetail,
  QueryCredentialsAttributes,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
  type SecPkgCredentials_KdcProxySettings,
  SetCredentialsAttributes,
  statusName,
} from "../../mod.ts";
import type { CredHandle } from "../../src/sspi/handles.ts";
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

/** alice's outbound credential of `pkg` whose direct KDC is `kdc`. */
async function aliceCred(pkg: string, kdc: string): Promise<CredHandle> {
  const { status, cred } = await acquireKrb(pkg, {
    User: KRB_USER.user,
    Domain: REALM,
    Password: KRB_USER.password,
    Kdc: kdc,
  });
  assert.equal(st(status), st(SEC_E_OK));
  return cred;
}

/** Sets the proxy settings `s` (version 1) on `cred`. */
function setProxy(
  cred: CredHandle,
  s: Omit<SecPkgCredentials_KdcProxySettings, "Version">,
): number {
  return SetCredentialsAttributes(cred, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, {
    Version: KDC_PROXY_SETTINGS_V1,
    ...s,
  });
}

/** The proxy settings `cred` reports. */
function proxyOf(cred: CredHandle): SecPkgCredentials_KdcProxySettings {
  const out: { value?: unknown } = {};
  assert.equal(
    st(
      QueryCredentialsAttributes(
        cred,
        SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
        out,
      ),
    ),
    st(SEC_E_OK),
  );
  return out.value as SecPkgCredentials_KdcProxySettings;
}

/**
 * A full logon with `cred` (of `pkg`) to HTTP/localhost (AS and TGS exchanges, then our
 * acceptor with the keytab, then the AP-REP): SEC_E_OK, or the first step's failure.
 */
async function logon(
  kdc: MitKdc,
  cred: CredHandle,
  pkg = "Kerberos",
): Promise<number> {
  const server = acquireInbound(pkg, { Keytab: keytabPath(kdc) });
  assert.equal(st(server.status), st(SEC_E_OK));
  const cctx = newCtx();
  const sctx = new CtxtHandle();
  try {
    const a = await iscStep(cred, cctx, true, SERVICE, null);
    if (a.status !== SEC_I_CONTINUE_NEEDED) return a.status;
    const r = accept(server.cred, sctx, a.token!);
    assert.equal(st(r.status), st(SEC_E_OK), JSON.stringify(lastErrorDetail()));
    return (await iscStep(cred, cctx, false, SERVICE, r.token)).status;
  } finally {
    DeleteSecurityContext(cctx);
    DeleteSecurityContext(sctx);
    FreeCredentialsHandle(server.cred);
  }
}

await kdcproxyTest(
  "KDC proxy settings: host:port:path over HTTPS with FORCEPROXY, on Kerberos and Negotiate credentials whose KDC cannot be reached",
  () =>
    withProxy(true, async (kdc, proxy) => {
      const u = new URL(proxy.url);
      const server = `${u.hostname}:${u.port}:${u.pathname.slice(1)}`;
      for (const pkg of ["Kerberos", "Negotiate"]) {
        const cred = await aliceCred(pkg, `127.0.0.1:${closedPort()}`);
        try {
          assert.equal(
            st(
              setProxy(cred, {
                Flags: KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
                ProxyServer: server,
                Fetch: proxy.fetch,
              }),
            ),
            st(SEC_E_OK),
          );
          assert.deepEqual(proxyOf(cred), {
            Version: 1,
            Flags: 1,
            ProxyServer: server,
            ClientTlsCred: null,
          });
          assert.equal(st(await logon(kdc, cred, pkg)), st(SEC_E_OK), pkg);
        } finally {
          FreeCredentialsHandle(cred);
        }
      }
    }),
);

await kdcproxyTest(
  "KDC proxy settings: without FORCEPROXY the proxy serves only when no KDC answers; FORCEPROXY leaves a reachable KDC unused; removed settings",
  () =>
    withProxy(false, async (kdc, proxy) => {
      const deadProxy = `http://127.0.0.1:${closedPort()}/KdcProxy`;
      const unreachable = `127.0.0.1:${closedPort()}`;
      let cred: CredHandle;
      // No settings: the logon needs the unreachable KDC. Then the same
      // credential with the proxy as a fallback (Kerberos, and Negotiate).
      for (const pkg of ["Kerberos", "Negotiate"]) {
        cred = await aliceCred(pkg, unreachable);
        try {
          assert.deepEqual(proxyOf(cred), {
            Version: 1,
            Flags: 0,
            ProxyServer: null,
            ClientTlsCred: null,
          });
          if (pkg === "Kerberos") {
            assert.equal(
              st(await logon(kdc, cred)),
              st(SEC_E_NO_AUTHENTICATING_AUTHORITY),
            );
          }
          assert.equal(
            st(setProxy(cred, { Flags: 0, ProxyServer: proxy.url })),
            st(SEC_E_OK),
          );
          assert.equal(st(await logon(kdc, cred, pkg)), st(SEC_E_OK), pkg);
        } finally {
          FreeCredentialsHandle(cred);
        }
      }
      // A reachable KDC and a dead proxy: used directly without FORCEPROXY, the
      // dead proxy alone with it.
      for (
        const [flags, want] of [[0, SEC_E_OK], [
          1,
          SEC_E_NO_AUTHENTICATING_AUTHORITY,
        ]]
      ) {
        cred = await aliceCred("Kerberos", kdc.kdc);
        try {
          assert.equal(
            st(setProxy(cred, { Flags: flags, ProxyServer: deadProxy })),
            st(SEC_E_OK),
          );
          assert.equal(
            st(await logon(kdc, cred)),
            st(want),
            `Flags ${flags}`,
          );
        } finally {
          FreeCredentialsHandle(cred);
        }
      }
      // Settings removed (no ProxyServer) before any exchange: direct again.
      cred = await aliceCred("Kerberos", unreachable);
      try {
        assert.equal(
          st(setProxy(cred, { Flags: 1, ProxyServer: proxy.url })),
          st(SEC_E_OK),
        );
        assert.equal(
          st(setProxy(cred, { Flags: 0, ProxyServer: null })),
          st(SEC_E_OK),
        );
        assert.equal(proxyOf(cred).ProxyServer, null);
        assert.equal(
          st(await logon(kdc, cred)),
          st(SEC_E_NO_AUTHENTICATING_AUTHORITY),
        );
      } finally {
        FreeCredentialsHandle(cred);
      }
    }),
);
