/**
 * MS-CSSP 2.2.1 wire structures: `TSRequest` (version, negoTokens, authInfo,
 * pubKeyAuth, errorCode, clientNonce), `TSCredentials` and `TSPasswordCreds`, DER
 * encoded and decoded through the validating scanner. Decoders throw `DerError`.
 *
 * @module
 */
import {
  contextTag,
  DerError,
  type DerTree,
  encodeContext,
  encodeOctetString,
  encodeSequence,
  scanDer,
  TAG_INTEGER,
  TAG_SEQUENCE,
} from "../../der/mod.ts";
import { fromUtf16le, utf16le } from "../../util/bytes.ts";

/** The CredSSP version this implementation speaks (MS-CSSP: 6 adds the nonce hash and errorCode from 3). */
export const CREDSSP_VERSION = 6;

/** A TSRequest. */
export interface TSRequest {
  /** The sender's protocol version. */
  version: number;
  /** SPNEGO (or raw NTLM) tokens; CredSSP sends at most one. */
  negoTokens?: Uint8Array[];
  /** The encrypted TSCredentials. */
  authInfo?: Uint8Array;
  /** The encrypted public key (or its hash, from version 5). */
  pubKeyAuth?: Uint8Array;
  /** An NTSTATUS the server reports (version 3 and later). */
  errorCode?: number;
  /** 32 random bytes from the client (version 5 and later). */
  clientNonce?: Uint8Array;
}

/** The password credentials a CredSSP client delegates. */
export interface TSPasswordCreds {
  /** `domainName`. */
  domain: string;
  /** `userName`. */
  user: string;
  /** `password`. */
  password: string;
}

function integerDer(v: number): Uint8Array {
  // Two's complement, minimal length (v fits in 32 bits, signed for NTSTATUS).
  const bytes: number[] = [];
  let x = v | 0;
  for (;;) {
    bytes.unshift(x & 0xff);
    const rest = x >> 8;
    if (
      (rest === 0 && !(bytes[0] & 0x80)) || (rest === -1 && (bytes[0] & 0x80))
    ) break;
    x = rest;
  }
  return Uint8Array.of(TAG_INTEGER, bytes.length, ...bytes);
}

function readInteger(t: DerTree, i: number, what: string): number {
  t.expect(i, TAG_INTEGER, what);
  const c = t.content(i);
  if (c.length === 0 || c.length > 4) {
    throw new DerError(`Cannot decode ${what}: out of range`);
  }
  let v = c[0] & 0x80 ? -1 : 0;
  for (const b of c) v = (v << 8) | b;
  return v;
}

/** Encodes a TSRequest. */
export function encodeTSRequest(r: TSRequest): Uint8Array {
  const fields = [encodeContext(0, integerDer(r.version))];
  if (r.negoTokens?.length) {
    fields.push(
      encodeContext(
        1,
        encodeSequence(
          r.negoTokens.map((tok) =>
            encodeSequence([encodeContext(0, encodeOctetString(tok))])
          ),
        ),
      ),
    );
  }
  if (r.authInfo) fields.push(encodeContext(2, encodeOctetString(r.authInfo)));
  if (r.pubKeyAuth) {
    fields.push(encodeContext(3, encodeOctetString(r.pubKeyAuth)));
  }
  if (r.errorCode !== undefined) {
    fields.push(encodeContext(4, integerDer(r.errorCode)));
  }
  if (r.clientNonce) {
    fields.push(encodeContext(5, encodeOctetString(r.clientNonce)));
  }
  return encodeSequence(fields);
}

/** The total length of the DER value starting `bytes`, or -1 while its header is incomplete. */
export function derValueLength(bytes: Uint8Array): number {
  if (bytes.length < 2) return -1;
  const l = bytes[1];
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  if (n === 0 || n > 3) {
    throw new DerError("Cannot decode TSRequest: bad length");
  }
  if (bytes.length < 2 + n) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i];
  return 2 + n + len;
}

/** Decodes a TSRequest (copies its octet strings). */
export function decodeTSRequest(bytes: Uint8Array): TSRequest {
  const t = scanDer(bytes, { maxDepth: 8, maxEntries: 256 });
  t.expect(0, TAG_SEQUENCE, "TSRequest");
  const out: TSRequest = { version: -1 };
  let last = -1;
  for (const f of t.children(0)) {
    const tag = t.tag(f);
    const n = tag - contextTag(0);
    if (n < 0 || n > 5 || n <= last) {
      throw new DerError("Cannot decode TSRequest: unexpected field");
    }
    last = n;
    const v = t.explicit(f, "TSRequest field");
    switch (n) {
      case 0:
        out.version = readInteger(t, v, "version");
        break;
      case 1: {
        t.expect(v, TAG_SEQUENCE, "negoTokens");
        out.negoTokens = t.children(v).map((item) => {
          t.expect(item, TAG_SEQUENCE, "NegoData");
          const inner = t.explicit(item, "NegoData");
          if (t.tag(inner) !== contextTag(0)) {
            throw new DerError("Cannot decode NegoData: no negoToken");
          }
          return t.octetString(t.explicit(inner, "negoToken"), "negoToken")
            .slice();
        });
        break;
      }
      case 2:
        out.authInfo = t.octetString(v, "authInfo").slice();
        break;
      case 3:
        out.pubKeyAuth = t.octetString(v, "pubKeyAuth").slice();
        break;
      case 4:
        out.errorCode = readInteger(t, v, "errorCode");
        break;
      case 5:
        out.clientNonce = t.octetString(v, "clientNonce").slice();
        if (out.clientNonce.length !== 32) {
          throw new DerError("Cannot decode clientNonce: not 32 bytes");
        }
        break;
    }
  }
  if (out.version < 1) {
    throw new DerError("Cannot decode TSRequest: no version");
  }
  return out;
}

/** Encodes TSCredentials carrying TSPasswordCreds (credType 1). */
export function encodeTSCredentials(c: TSPasswordCreds): Uint8Array {
  const creds = encodeSequence([
    encodeContext(0, encodeOctetString(utf16le(c.domain))),
    encodeContext(1, encodeOctetString(utf16le(c.user))),
    encodeContext(2, encodeOctetString(utf16le(c.password))),
  ]);
  return encodeSequence([
    encodeContext(0, integerDer(1)),
    encodeContext(1, encodeOctetString(creds)),
  ]);
}

/** `credType` of TSCredentials carrying TSPasswordCreds (also Restricted Admin's empty ones). */
export const TS_CREDTYPE_PASSWORD = 1;
/** `credType` of TSCredentials carrying TSSmartCardCreds. */
export const TS_CREDTYPE_SMARTCARD = 2;
/** `credType` of TSCredentials carrying TSRemoteGuardCreds (Remote Credential Guard). */
export const TS_CREDTYPE_REMOTE_GUARD = 6;

/** The `credType` of encoded TSCredentials, whatever it carries (throws `DerError` when malformed). */
export function tsCredentialsType(bytes: Uint8Array): number {
  const t = scanDer(bytes, { maxDepth: 4, maxEntries: 32 });
  t.expect(0, TAG_SEQUENCE, "TSCredentials");
  const [typeF] = t.children(0);
  if (typeF === undefined || t.tag(typeF) !== contextTag(0)) {
    throw new DerError("Cannot decode TSCredentials: missing fields");
  }
  return readInteger(t, t.explicit(typeF, "credType"), "credType");
}

/** Decodes TSCredentials; only password credentials (credType 1) are accepted. */
export function decodeTSCredentials(bytes: Uint8Array): TSPasswordCreds {
  const t = scanDer(bytes, { maxDepth: 4, maxEntries: 32 });
  t.expect(0, TAG_SEQUENCE, "TSCredentials");
  const [typeF, credF] = t.children(0);
  if (
    typeF === undefined || credF === undefined ||
    t.tag(typeF) !== contextTag(0) || t.tag(credF) !== contextTag(1)
  ) {
    throw new DerError("Cannot decode TSCredentials: missing fields");
  }
  if (readInteger(t, t.explicit(typeF, "credType"), "credType") !== 1) {
    throw new DerError(
      "Cannot decode TSCredentials: only password credentials (credType 1) are supported",
    );
  }
  const inner = scanDer(t.octetString(t.explicit(credF, "credentials")), {
    maxDepth: 4,
    maxEntries: 32,
  });
  inner.expect(0, TAG_SEQUENCE, "TSPasswordCreds");
  const parts = inner.children(0);
  if (
    parts.length !== 3 || parts.some((p, k) => inner.tag(p) !== contextTag(k))
  ) {
    throw new DerError("Cannot decode TSPasswordCreds: missing fields");
  }
  const [domain, user, password] = parts.map((p) => {
    const b = inner.octetString(inner.explicit(p, "TSPasswordCreds field"));
    if (b.length % 2) {
      throw new DerError("Cannot decode TSPasswordCreds: odd UTF-16 length");
    }
    return fromUtf16le(b, 0, b.length);
  });
  return { domain, user, password };
}
