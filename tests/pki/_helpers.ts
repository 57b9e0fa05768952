/**
 * Helpers shared by the PKI tests: fixture certificates and keys as parsed values.
 *
 * @module
 */
import {
  type Certificate,
  parseCertificate,
  parsePem,
  parsePrivateKey,
  type PrivateKey,
} from "../../src/pki/mod.ts";
import { type Fixtures, fixtures } from "./_fixtures.ts";

/** The certificate of fixture `name` (`<name>.pem`), parsed; throws when it does not parse. */
export function cert(f: Fixtures, name: string): Certificate {
  const der = parsePem(f[`${name}.pem`], "CERTIFICATE");
  if (der.length !== 1) throw new Error(`fixture ${name}: no certificate`);
  const c = parseCertificate(der[0]);
  if (!c) throw new Error(`fixture ${name}: parseCertificate returned null`);
  return c;
}

/** The private key of fixture `name` (`<name>.key`), parsed; throws when it does not parse. */
export function key(f: Fixtures, name: string): PrivateKey {
  const k = parsePrivateKey(f[`${name}.key`]);
  if (!k) throw new Error(`fixture ${name}: parsePrivateKey returned null`);
  return k;
}

/** The fixtures and the two accessors bound to them. */
export async function load(): Promise<{
  f: Fixtures;
  cert: (name: string) => Certificate;
  key: (name: string) => PrivateKey;
}> {
  const f = await fixtures();
  return { f, cert: (n) => cert(f, n), key: (n) => key(f, n) };
}

/** UTF-8 bytes. */
export const enc = (s: string): Uint8Array<ArrayBuffer> =>
  new TextEncoder().encode(s);
