/**
 * `SetCredentialsAttributes` without a KDC: the KDC proxy settings' checks (version,
 * flags, the proxy's forms, ClientTlsCred), what packages without settable
 * credential attributes answer, handle and argument errors, and how Windows'
 * `host[:port[:path]]` maps to the proxy's URL. The settings at work, against
 * FreeIPA's kdcproxy and MIT's KDC, are in `tests/kerberos/kdc_proxy_settings_test.ts`.
 */
import assert from "node:assert/strict";
import {
  AcquireCredentialsHandle,
  CredHandle,
  FreeCredentialsHandle,
  KDC_PROXY_SETTINGS_V1,
  lastErrorDetail,
  QueryCredentialsAttributes,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
  SECPKG_CRED_ATTR_NAMES,
  SECPKG_CRED_OUTBOUND,
  SetCredentialsAttributes,
  statusName,
} from "../../mod.ts";
import { kdcProxyUrl } from "../../src/packages/kerberos/kdc_proxy_settings.ts";

const st = (s: number) => statusName(s);
const ALICE = {
  User: "alice",
  Domain: "EXAMPLE.TEST",
  Password: "pw",
  Kdc: "127.0.0.1:88",
};

function acquire(pkg: string, auth: unknown = ALICE): CredHandle {
  const cred = new CredHandle();
  const s = AcquireCredentialsHandle(
    null,
    pkg,
    SECPKG_CRED_OUTBOUND,
    null,
    auth,
    null,
    null,
    cred,
    null,
  );
  assert.equal(st(s), st(SEC_E_OK), pkg);
  return cred;
}

const set = (cred: CredHandle, v: unknown) =>
  SetCredentialsAttributes(cred, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, v);

Deno.test("SetCredentialsAttributes: Windows' proxy forms give the KDC proxy URL", () => {
  assert.equal(
    kdcProxyUrl("gw.example.com"),
    "https://gw.example.com/KdcProxy",
  );
  assert.equal(
    kdcProxyUrl(" gw.example.com:8443:kdc/proxy "),
    "https://gw.example.com:8443/kdc/proxy",
  );
  assert.equal(kdcProxyUrl("gw:444"), "https://gw:444/KdcProxy");
  assert.equal(kdcProxyUrl("gw::KdcProxy"), "https://gw/KdcProxy");
  assert.equal(
    kdcProxyUrl("[::1]:4443:KdcProxy"),
    "https://[::1]:4443/KdcProxy",
  );
  assert.equal(kdcProxyUrl("[::1]"), "https://[::1]/KdcProxy");
  assert.equal(
    kdcProxyUrl("http://127.0.0.1:8080/KdcProxy"),
    "http://127.0.0.1:8080/KdcProxy",
  );
  for (
    const bad of [
      "gw:0",
      "gw:65536",
      "gw:port:KdcProxy",
      "[::1",
      "[::1]x",
      "g w",
      ":443",
      "gw:443:a b",
      "gw:443:a?b",
      "user@gw",
    ]
  ) {
    assert.throws(() => kdcProxyUrl(bad), /KDC proxy settings/, bad);
  }
});

Deno.test("SetCredentialsAttributes: KDC proxy settings are checked, read back and removed", () => {
  for (const pkg of ["Kerberos", "Negotiate"]) {
    const cred = acquire(pkg);
    try {
      const bad: [unknown, number][] = [
        [{ Version: 2, Flags: 0, ProxyServer: "gw" }, SEC_E_INVALID_PARAMETER],
        [{ Flags: 0, ProxyServer: "gw" }, SEC_E_INVALID_PARAMETER],
        [{ Version: 1, Flags: 2, ProxyServer: "gw" }, SEC_E_INVALID_PARAMETER],
        [
          { Version: 1, Flags: 0.5, ProxyServer: "gw" },
          SEC_E_INVALID_PARAMETER,
        ],
        [{ Version: 1, Flags: 0, ProxyServer: 7 }, SEC_E_INVALID_PARAMETER],
        [
          { Version: 1, Flags: 0, ProxyServer: "gw:99999" },
          SEC_E_INVALID_PARAMETER,
        ],
        [
          { Version: 1, Flags: 0, ProxyServer: "ftp://gw/" },
          SEC_E_INVALID_PARAMETER,
        ],
        [
          { Version: 1, ProxyServer: "gw", Fetch: "no" },
          SEC_E_INVALID_PARAMETER,
        ],
        [
          { Version: 1, Flags: 0, ProxyServer: "gw", ClientTlsCred: "cert" },
          SEC_E_UNSUPPORTED_FUNCTION,
        ],
      ];
      for (const [v, want] of bad) {
        assert.equal(st(set(cred, v)), st(want), `${pkg} ${JSON.stringify(v)}`);
        assert.equal(lastErrorDetail()?.status, want);
      }
      const out: { value?: unknown } = {};
      const read = () => {
        assert.equal(
          QueryCredentialsAttributes(
            cred,
            SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
            out,
          ),
          SEC_E_OK,
        );
        return out.value;
      };
      assert.deepEqual(read(), {
        Version: 1,
        Flags: 0,
        ProxyServer: null,
        ClientTlsCred: null,
      }, "a refused value changes nothing");
      assert.equal(
        st(set(cred, {
          Version: KDC_PROXY_SETTINGS_V1,
          Flags: 1,
          ProxyServer: "gw.example.com:443:KdcProxy",
          ClientTlsCred: "",
        })),
        st(SEC_E_OK),
      );
      assert.deepEqual(read(), {
        Version: 1,
        Flags: 1,
        ProxyServer: "gw.example.com:443:KdcProxy",
        ClientTlsCred: null,
      });
      assert.equal(
        st(set(cred, { Version: 1, Flags: 0, ProxyServer: "" })),
        "SEC_E_OK",
      );
      assert.equal((read() as { ProxyServer: unknown }).ProxyServer, null);
      // The names still answer beside it.
      assert.equal(
        QueryCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES, out),
        SEC_E_OK,
      );
      assert.match(JSON.stringify(out.value), /alice/);
      // Another attribute is not settable.
      assert.equal(
        st(
          SetCredentialsAttributes(cred, SECPKG_CRED_ATTR_NAMES, {
            sUserName: "bob",
          }),
        ),
        st(SEC_E_UNSUPPORTED_FUNCTION),
      );
    } finally {
      FreeCredentialsHandle(cred);
    }
  }
});

Deno.test("SetCredentialsAttributes: other packages, freed handles and bad arguments", () => {
  const ntlm = acquire("NTLM");
  const v = { Version: 1, Flags: 0, ProxyServer: "gw" };
  assert.equal(st(set(ntlm, v)), st(SEC_E_UNSUPPORTED_FUNCTION));
  assert.match(lastErrorDetail()?.message ?? "", /NTLM/);
  // Negotiate limited to NTLM has no credential that takes it.
  const nego = acquire("Negotiate", { ...ALICE, PackageList: "NTLM" });
  assert.equal(st(set(nego, v)), st(SEC_E_UNSUPPORTED_FUNCTION));
  FreeCredentialsHandle(nego);
  FreeCredentialsHandle(ntlm);
  assert.equal(st(set(ntlm, v)), st(SEC_E_INVALID_HANDLE));
  assert.equal(st(set(new CredHandle(), v)), st(SEC_E_INVALID_HANDLE));
  assert.throws(() => set(null as unknown as CredHandle, v), TypeError);
  const k = acquire("Kerberos");
  assert.throws(() => set(k, null), TypeError);
  assert.throws(
    () =>
      SetCredentialsAttributes(
        k,
        SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
        v,
        "16" as unknown as number,
      ),
    TypeError,
  );
  FreeCredentialsHandle(k);
});
