// The logged-on user's credential (from the MIT credential cache) in a long-running
// process: its TGT runs out, `kinit` (or k5start, krenew, a sidecar) writes a new one
// to the same cache file, and the credential acquired before goes on with it, as
// MIT's library does, instead of failing with "run kinit" until it is acquired again.
// And a renewable TGT is renewed with the KDC (RENEW) before it runs out, as
// Windows' LSA does, with nothing new in the file.
import assert from "node:assert/strict";
import { dirname } from "node:path";
import {
  type CredHandle,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  statusName,
} from "../../mod.ts";
import { CCACHE_RECHECK_MS } from "../../src/packages/kerberos/ccache_credential.ts";
import type { MitKdc } from "../peers/mit_kdc.ts";
import { acquireDefault } from "./_ccache_helpers.ts";
import {
  accept,
  acquireInbound,
  iscStep,
  keytabPath,
  KRB_USER,
  krbTest,
  newCtx,
  SERVICE,
  withKdc,
} from "./_kdc_helpers.ts";

const st = (s: number) => statusName(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `kinit -l life` (and `more` options) of the test user into `file`. */
async function kinit(
  kdc: MitKdc,
  file: string,
  life: string,
  more: string[] = [],
): Promise<void> {
  const child = new Deno.Command("kinit", {
    args: ["-l", life, ...more, "-c", `FILE:${file}`, KRB_USER.user],
    env: { KRB5_CONFIG: kdc.env.KRB5_CONFIG },
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(`${KRB_USER.password}\n`));
  await w.close();
  const o = await child.output();
  assert.ok(o.success, new TextDecoder().decode(o.stderr));
}

/**
 * With our SSO credential acquired from `file` (already written by `kinit`) and our
 * acceptor over the KDC's keytab, runs `fn` with a check that a first AP-REQ is
 * accepted; frees both after.
 */
async function withSso(
  kdc: MitKdc,
  file: string,
  fn: (
    cred: CredHandle,
    accepted: (token: Uint8Array, what?: string) => void,
  ) => Promise<void>,
): Promise<void> {
  const { status, cred } = acquireDefault("Kerberos", {
    KRB5CCNAME: `FILE:${file}`,
    KRB5_CONFIG: kdc.env.KRB5_CONFIG,
  });
  assert.equal(st(status), st(SEC_E_OK));
  const server = acquireInbound("Kerberos", { Keytab: keytabPath(kdc) });
  const accepted = (token: Uint8Array, what?: string) => {
    const sx = new CtxtHandle();
    assert.equal(st(accept(server.cred, sx, token).status), st(SEC_E_OK), what);
    DeleteSecurityContext(sx);
  };
  try {
    await fn(cred, accepted);
  } finally {
    FreeCredentialsHandle(cred);
    FreeCredentialsHandle(server.cred);
  }
}

await krbTest(
  "Kerberos credential from the ccache: once its TGT runs out it takes the TGT a new kinit wrote to the same file (no new AcquireCredentialsHandle)",
  () =>
    withKdc(async (kdc) => {
      const file = `${dirname(keytabPath(kdc))}/sso_reload`;
      // 61 seconds: a second later, less than the minute the package wants in hand.
      await kinit(kdc, file, "61s");
      await withSso(kdc, file, async (cred, accepted) => {
        await sleep(1200);
        const stale = await iscStep(cred, newCtx(), true, SERVICE, null);
        assert.equal(
          st(stale.status),
          st(SEC_E_NO_CREDENTIALS),
          "the cache file has nothing newer yet",
        );

        await kinit(kdc, file, "10h");
        await sleep(CCACHE_RECHECK_MS); // the last look at the file was just now
        const fresh = await iscStep(cred, newCtx(), true, SERVICE, null);
        assert.equal(st(fresh.status), st(SEC_I_CONTINUE_NEEDED));
        accepted(fresh.token!, "a service ticket from the new TGT");
      });
    }),
);

await krbTest(
  "Kerberos credential from the ccache: a renewable TGT about to run out is renewed with the KDC (KDC option RENEW), the file unchanged",
  () =>
    withKdc(async (kdc) => {
      const file = `${dirname(keytabPath(kdc))}/sso_renew`;
      await kinit(kdc, file, "61s", ["-r", "1h"]);
      const before = await Deno.readFile(file);
      await withSso(kdc, file, async (cred, accepted) => {
        await sleep(1200); // now less than a minute is left: renew, not use
        const a = await iscStep(cred, newCtx(), true, SERVICE, null);
        assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
        accepted(a.token!, "a service ticket from the renewed TGT");
        // The renewed TGT serves the next service too; the cache is never written.
        const b = await iscStep(cred, newCtx(), true, "host/localhost", null);
        assert.equal(st(b.status), st(SEC_I_CONTINUE_NEEDED));
        assert.deepEqual(await Deno.readFile(file), before);
      });
    }, { realmConf: "    max_renewable_life = 1d" }),
);
