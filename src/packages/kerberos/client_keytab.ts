/**
 * A client credential from a keytab (`{ User, Domain, Keytab }`, what `kinit -k`
 * does): a service account that has its keys, not its password, logs on with them.
 * Services use this to call other services as themselves, and to act for users
 * through S4U (`Impersonate`).
 *
 * @module
 */
import { SspiError } from "../../sspi/errors.ts";
import { SEC_E_NO_CREDENTIALS } from "../../sspi/status.ts";
import { isSupportedEtype, type KerberosKey } from "./crypto.ts";
import { wipeKeytab } from "./keytab.ts";
import { loadKeytab } from "./server_credentials.ts";

/**
 * The keys of `name@realm` in the keytab given (a path, `FILE:` path or the bytes),
 * newest version of each enctype; throws `SspiError(SEC_E_NO_CREDENTIALS)` when the
 * keytab cannot be read or holds no usable key for that principal.
 */
export function clientKeytabKeys(
  keytab: string | Uint8Array,
  name: string,
  realm: string,
): KerberosKey[] {
  const entries = loadKeytab(keytab);
  const mine = entries.filter((e) =>
    e.realm.toUpperCase() === realm.toUpperCase() &&
    e.components.join("/").toLowerCase() === name.toLowerCase() &&
    isSupportedEtype(e.key.etype)
  );
  const best = new Map<number, (typeof mine)[number]>();
  for (const e of mine) {
    const had = best.get(e.key.etype);
    if (!had || e.kvno > had.kvno) best.set(e.key.etype, e);
  }
  const keys = [...best.values()].map((e) => ({
    etype: e.key.etype,
    bytes: e.key.bytes.slice(),
  }));
  wipeKeytab(entries);
  if (!keys.length) {
    throw new SspiError(
      SEC_E_NO_CREDENTIALS,
      `the keytab holds no key for ${name}@${realm}`,
    );
  }
  return keys;
}
