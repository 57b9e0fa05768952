/**
 * The Kerberos side of the SASL tests: a throwaway MIT KDC with the user and an
 * `ldap/localhost` service, Cyrus SASL peer options for it, and a test wrapper that
 * skips (fails under CI) when the KDC or Cyrus' GSSAPI plugin is missing.
 *
 * @module
 */
import { isCI } from "../peers/availability.ts";
import { CyrusSaslPeer } from "../peers/cyrus_sasl_peer.ts";
import { kdcAvailable, type MitKdc, startKdc } from "../peers/mit_kdc.ts";

/** What to install. */
export const HINT =
  "apt-get install -y gcc libsasl2-dev libsasl2-modules-gssapi-mit krb5-kdc krb5-admin-server krb5-user";
/** The user. */
export const USER = "alice";
/** Its password. */
export const PASSWORD = "Secret-Passw0rd";
/** The service (its key is in the KDC's keytab). */
export const SERVICE = "ldap/localhost";

/** Whether MIT's KDC and Cyrus' GSSAPI plugin are here; the reason when not. */
async function missing(): Promise<string | null> {
  if (!await kdcAvailable()) return "MIT KDC missing";
  const kdc = await startKdc(USER, PASSWORD, [SERVICE]);
  try {
    const p = await CyrusSaslPeer.start("server", cyrus(kdc, {}));
    try {
      const r = await p.start();
      return r.kind === "FAIL" ? `no Cyrus GSSAPI plugin? ${r.detail}` : null;
    } finally {
      await p.close();
    }
  } catch (e) {
    return (e as Error).message;
  } finally {
    await kdc.close();
  }
}

const why = await missing();
if (why && isCI()) throw new Error(`${why}: ${HINT}`);
if (why) console.warn(`SKIP: ${why}; install with: ${HINT}`);

/** Cyrus SASL peer options for this KDC's user and service. */
export function cyrus(
  kdc: MitKdc,
  o: { minSsf?: number; maxSsf?: number; authzid?: string; mech?: string },
) {
  return {
    mech: "GSSAPI",
    env: kdc.env,
    service: "ldap",
    host: "localhost",
    user: USER,
    pass: "unused",
    ...o,
  };
}

/** A test with a fresh KDC, named `prefix: name`; skipped when the peers are missing. */
export function krbTest(
  prefix: string,
  name: string,
  fn: (kdc: MitKdc) => Promise<void>,
): void {
  Deno.test({
    name: `${prefix}: ${name}`,
    ignore: why !== null,
    async fn() {
      const kdc = await startKdc(USER, PASSWORD, [SERVICE]);
      try {
        await fn(kdc);
      } finally {
        await kdc.close();
      }
    },
  });
}
