/**
 * Service tickets across realms (RFC 4120 section 3.3, RFC 6806, MS-KILE 3.3.5.7):
 * what a user of one Active Directory domain or forest does to reach a service of
 * another through a trust. When the target names a realm other than the one the TGT
 * is for, the client first gets the cross-realm TGT `krbtgt/B@A` from A's KDC (or,
 * along a `[capaths]`-style path, the TGT of the next realm the KDC chooses), then asks
 * B's KDC for the service with it. A KDC may also answer a request made with the
 * `canonicalize` option with a referral: a TGT `krbtgt/X@A` in place of the service
 * ticket, and the client goes on at X's KDC. The walk is bounded (`MAX_REALM_HOPS`)
 * and a realm met twice is a loop; both end with `SEC_E_TARGET_UNKNOWN`. Cross-realm
 * TGTs are kept in the credential's ticket cache, so the next service of that realm
 * costs one exchange with its KDC only.
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_TARGET_UNKNOWN } from "../../sspi/status.ts";
import {
  KDC_OPT_CANONICALIZE,
  KDC_OPT_FORWARDABLE,
  NT_SRV_INST,
} from "./constants.ts";
import {
  type CachedTicket,
  type KerberosCredential,
  tgtRealmOf,
} from "./credentials.ts";
import { sameRealm } from "./kdc_realms.ts";
import { tgsExchange } from "./kdc.ts";
import type { PrincipalName } from "./messages.ts";

/** The most realms a client walks through after its own (trust paths, referrals). */
export const MAX_REALM_HOPS = 5;

/** The KDC options of every TGS-REQ on the way: forwardable, canonicalize. */
const OPTIONS = KDC_OPT_FORWARDABLE | KDC_OPT_CANONICALIZE;

/** The realms walked so far, refusing a loop and a path that is too long. */
class Walk {
  readonly #seen: string[];

  constructor(start: string, readonly target: string) {
    this.#seen = [start];
  }

  /** Records the move to realm `next`; throws on a loop or too many hops. */
  enter(next: string): void {
    const path = [...this.#seen, next].join(" -> ");
    if (this.#seen.some((r) => sameRealm(r, next))) {
      throw new SspiError(
        SEC_E_TARGET_UNKNOWN,
        `the KDCs refer in a loop on the way to ${this.target} (${path})`,
      );
    }
    if (this.#seen.length > MAX_REALM_HOPS) {
      throw new SspiError(
        SEC_E_TARGET_UNKNOWN,
        `more than ${MAX_REALM_HOPS} realms on the way to ${this.target} (${path})`,
      );
    }
    this.#seen.push(next);
  }
}

/**
 * Gets a service ticket for `sname` and caches it under `spn`: in the realm `realm`
 * when the target names one (through cross-realm TGTs when it is not the TGT's
 * realm), else in the TGT's realm, following KDC referrals either way.
 */
export async function getServiceTicket(
  cred: KerberosCredential,
  tgt: CachedTicket,
  spn: string,
  sname: PrincipalName,
  realm?: string,
): Promise<CachedTicket> {
  let cur = tgt;
  let here = tgtRealmOf(tgt) ?? tgt.crealm;
  let target = realm || undefined;
  const walk = new Walk(here, spn);
  for (;;) {
    if (target !== undefined && !sameRealm(here, target)) {
      // A TGT toward the target realm: cached, else from this realm's KDC.
      let next = cred.crossRealmTgt(here, target);
      if (!next) {
        const krbtgt: PrincipalName = {
          nameType: NT_SRV_INST,
          nameString: ["krbtgt", target],
        };
        next = await tgsExchange(cred, cur, krbtgt, OPTIONS);
        if (tgtRealmOf(next) === null) {
          throw new SspiError(
            SEC_E_TARGET_UNKNOWN,
            `the KDC of ${here} answered a request for a TGT to ${target} with ` +
              `a ticket for ${next.ticket.sname.nameString.join("/")}`,
          );
        }
        cred.setCrossRealmTgt(next, target);
      }
      const to = tgtRealmOf(next)!;
      walk.enter(to);
      cur = next;
      here = to;
      continue;
    }
    const t = await tgsExchange(cred, cur, sname, OPTIONS);
    const referral = isTgtRequest(sname) ? null : tgtRealmOf(t);
    if (referral === null) {
      cred.setServiceTicket(spn, t);
      return t;
    }
    // A referral (RFC 6806 section 8): go on at the realm the KDC names.
    walk.enter(referral);
    cred.setCrossRealmTgt(t);
    cur = t;
    here = referral;
    target = undefined;
  }
}

/** Whether `sname` itself names a TGT (`krbtgt/...`): then no referral is possible. */
function isTgtRequest(sname: PrincipalName): boolean {
  return sname.nameString[0] === "krbtgt";
}
