// TicketLifetimeSeconds against MIT's KDC: the service ticket's lifetime is what
// was asked for (SECPKG_ATTR_LIFESPAN on both sides), the TGT keeps the default;
// without it the ticket lives ten hours; a value that is not a number of seconds
// is SEC_E_NO_CREDENTIALS. (SMB's re-authentication when such a ticket runs out is
// tests/smb/samba_reauth_test.ts.)
import assert from "node:assert/strict";
import { client, server } from "../../src/friendly/context.ts";
import { QueryContextAttributes } from "../../src/sspi/api.ts";
import { SECPKG_ATTR_LIFESPAN } from "../../src/sspi/flags.ts";
import { SEC_E_NO_CREDENTIALS } from "../../src/sspi/status.ts";
import type { SspiError } from "../../src/sspi/errors.ts";
import {
  acquireKrb,
  keytabPath,
  SERVICE,
  userAuthData,
  withKdc,
} from "./_kdc_helpers.ts";

/** The ticket's lifetime in seconds, from a context's SECPKG_ATTR_LIFESPAN. */
function lifespanOf(c: ReturnType<typeof client>): number {
  const out = { value: null as unknown };
  assert.equal(
    QueryContextAttributes(c.handles.context, SECPKG_ATTR_LIFESPAN, out),
    0,
  );
  const v = out.value as { tsStart: bigint; tsExpiry: bigint };
  return Number(v.tsExpiry - v.tsStart) / 1e7;
}

Deno.test("kerberos TicketLifetimeSeconds: the service ticket lives as long as asked", () =>
  withKdc(async (kdc) => {
    for (const [asked, want] of [[90, 90], [undefined, 36000]] as const) {
      const c = client({
        package: "Kerberos",
        authData: {
          ...userAuthData(kdc),
          ...(asked ? { TicketLifetimeSeconds: asked } : {}),
        },
        target: SERVICE,
      });
      const s = server({
        package: "Kerberos",
        authData: { Keytab: keytabPath(kdc) },
      });
      try {
        c.step(s.step(await c.stepAsync(null)));
        assert.ok(c.complete && s.complete);
        for (const ctx of [c, s]) {
          const got = lifespanOf(ctx);
          assert.ok(Math.abs(got - want) <= 2, `asked ${asked}: got ${got} s`);
        }
      } finally {
        c.dispose();
        s.dispose();
      }
    }
    for (const bad of [0, -5, Number.NaN, "60"]) {
      const { status } = await acquireKrb("Kerberos", {
        ...userAuthData(kdc),
        TicketLifetimeSeconds: bad,
      }).catch((e) => ({ status: (e as SspiError).status }));
      assert.equal(
        status,
        SEC_E_NO_CREDENTIALS,
        `TicketLifetimeSeconds ${bad}`,
      );
    }
  }));
