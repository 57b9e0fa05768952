/**
 * What the TLS 1.2 DHE_RSA and static-RSA tests share (`dhe_rsa12_test.ts`, our
 * client; `dhe_rsa12_server_test.ts`, our server): the four suites as OpenSSL and
 * Windows name them, and an attribute query.
 */
import assert from "node:assert/strict";
import {
  type CtxtHandle,
  QueryContextAttributes,
  SEC_E_OK,
} from "../../mod.ts";

/** One attribute of `h` (asserting SEC_E_OK). */
// deno-lint-ignore no-explicit-any
export function query(h: CtxtHandle, attr: number): any {
  const out: { value?: unknown } = {};
  assert.equal(QueryContextAttributes(h, attr, out), SEC_E_OK);
  return out.value;
}

/** The RFC 5288 suites: OpenSSL and IANA names, code point, what Windows reports. */
export const SUITES = [
  {
    openssl: "AES128-GCM-SHA256",
    iana: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    id: 0x9c,
    aiExch: 0xa400,
    exchange: "RSA",
    bits: 128,
    hash: "SHA256",
  },
  {
    openssl: "AES256-GCM-SHA384",
    iana: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    id: 0x9d,
    aiExch: 0xa400,
    exchange: "RSA",
    bits: 256,
    hash: "SHA384",
  },
  {
    openssl: "DHE-RSA-AES128-GCM-SHA256",
    iana: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    id: 0x9e,
    aiExch: 0xaa02,
    exchange: "DH",
    bits: 128,
    hash: "SHA256",
  },
  {
    openssl: "DHE-RSA-AES256-GCM-SHA384",
    iana: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    id: 0x9f,
    aiExch: 0xaa02,
    exchange: "DH",
    bits: 256,
    hash: "SHA384",
  },
] as const;
