/**
 * A minimal LDAPv3 client for the Active Directory tests (RFC 4511): Bind (simple and
 * SASL), Search (equality, presence and AND filters), "Who am I?" (RFC 4532) and
 * Unbind, over a plain or TLS byte stream, with the SASL security layer (RFC 4422
 * 3.7) our SSPI makes after a GSS-SPNEGO bind. Every PDU after the bind is a 4-byte
 * big-endian length, then one token, laid out as Windows' wldap32 and Samba do:
 *
 * - NTLM (MS-NLMP 3.4.6): the 16-byte signature, then the data sealed:
 *   EncryptMessage with [SECBUFFER_TOKEN of 16 (cbSecurityTrailer), SECBUFFER_DATA]
 *   and no padding buffer (NTLM leaves one as it was); inbound, the first 16 bytes go
 *   to DecryptMessage as the token. AD's LDAP treats an NTLM context with SIGN only as
 *   sealed too (Samba: GENSEC_FEATURE_LDAP_STYLE); a signature over clear data
 *   (`"sign"` here: MakeSignature) is what other GENSEC services take, not LDAP.
 * - Kerberos (RFC 4121 4.2.6.2): one Wrap token, sealed, or for `"sign"` unsealed
 *   (EncryptMessage with `SECQOP_WRAP_NO_ENCRYPT`, never a MIC token): the
 *   SECBUFFER_TOKEN of cbSecurityTrailer (header, then the trailer rotated to the
 *   front, RRC 28 sealed / 12 unsealed with AES) then the data; inbound tokens go
 *   whole into a SECBUFFER_STREAM, whatever their RRC (Samba's Heimdal sends RRC 28).
 *
 * @module
 */
import {
  type CtxtHandle,
  DecryptMessage,
  EncryptMessage,
  MakeSignature,
  QueryContextAttributes,
  SEC_E_OK,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_PADDING,
  SECBUFFER_STREAM,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_SIZES,
  SECQOP_WRAP_NO_ENCRYPT,
  VerifySignature,
} from "../../mod.ts";
import {
  encodeEnumerated,
  encodeOctetString,
  encodeSequence,
  encodeTlv,
  scanDer,
} from "../../src/der/mod.ts";
import {
  encodeBoolean,
  encodeInt32,
} from "../../src/packages/kerberos/asn1.ts";

/** A byte stream: a TCP connection, or TLS over one. */
export interface ByteStream {
  /** The next bytes, or null at the end. */
  read(): Promise<Uint8Array | null>;
  /** Sends all of `data`. */
  write(data: Uint8Array): Promise<unknown>;
  /** Closes the stream. */
  close(): void;
}

/** A `Deno.Conn` as a {@link ByteStream}. */
export function connStream(conn: Deno.Conn): ByteStream {
  return {
    async read() {
      const b = new Uint8Array(65536);
      const n = await conn.read(b).catch(() => null);
      return n === null ? null : b.subarray(0, n);
    },
    async write(data) {
      for (let at = 0; at < data.length;) {
        at += await conn.write(data.subarray(at));
      }
    },
    close() {
      try {
        conn.close();
      } catch { /* closed */ }
    },
  };
}

/** The SASL security layer: one LDAP PDU to a token, and a token back to bytes. */
export interface SaslLayer {
  /** The token carrying `pdu`. */
  wrap(pdu: Uint8Array): Uint8Array;
  /** The bytes a received token carries. */
  unwrap(token: Uint8Array): Uint8Array;
}

const hex = (s: number) => `0x${(s >>> 0).toString(16)}`;
const ok = (what: string, s: number) => {
  if (s !== SEC_E_OK) throw new Error(`${what} failed: ${hex(s)}`);
};
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};
const used = (b: SecBuffer) => b.pvBuffer!.subarray(0, b.cbBuffer);

/** The package an established (Negotiate) context runs: `"Kerberos"` or `"NTLM"`. */
export function packageOf(ctx: CtxtHandle): string {
  const info = { value: null as unknown };
  ok(
    "NEGOTIATION_INFO",
    QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, info),
  );
  return (info.value as { PackageInfo: { Name: string } }).PackageInfo.Name;
}

/**
 * The SASL layer of an established context: `"seal"` (confidentiality) or `"sign"`
 * (integrity only), in the wire layout of the context's package (see the module).
 */
export function sspiSaslLayer(
  ctx: CtxtHandle,
  protection: "seal" | "sign",
): SaslLayer {
  const pkg = packageOf(ctx);
  const sizes = { value: null as unknown };
  ok("SIZES", QueryContextAttributes(ctx, SECPKG_ATTR_SIZES, sizes));
  const trailer =
    (sizes.value as { cbSecurityTrailer: number }).cbSecurityTrailer;
  const ntlm = pkg === "NTLM";
  return {
    wrap(pdu) {
      const tok = new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(trailer));
      const data = new SecBuffer(SECBUFFER_DATA, pdu.slice());
      if (ntlm && protection === "sign") {
        ok(
          "MakeSignature",
          MakeSignature(ctx, 0, new SecBufferDesc([data, tok]), 0),
        );
        return cat(used(tok), data.pvBuffer!);
      }
      // Kerberos may pad after the data (RC4-HMAC's byte); NTLM has no padding, and
      // leaves a padding buffer untouched (its bytes would be sent): it gets none.
      const pad = new SecBuffer(
        SECBUFFER_PADDING,
        new Uint8Array(ntlm ? 0 : 16),
      );
      const qop = protection === "seal" ? 0 : SECQOP_WRAP_NO_ENCRYPT;
      const bufs = ntlm ? [tok, data] : [tok, data, pad];
      ok(
        "EncryptMessage",
        EncryptMessage(ctx, qop, new SecBufferDesc(bufs), 0),
      );
      return cat(used(tok), data.pvBuffer!, used(pad));
    },
    unwrap(token) {
      const qop = { value: 0 };
      if (!ntlm) {
        const data = new SecBuffer(SECBUFFER_DATA, null);
        const desc = new SecBufferDesc([
          new SecBuffer(SECBUFFER_STREAM, token),
          data,
        ]);
        ok("DecryptMessage(STREAM)", DecryptMessage(ctx, desc, 0, qop));
        const sealed = qop.value !== SECQOP_WRAP_NO_ENCRYPT;
        if (sealed !== (protection === "seal")) {
          throw new Error(
            `a Wrap token ${
              sealed ? "sealed" : "not sealed"
            }, expected ${protection}`,
          );
        }
        return used(data).slice();
      }
      const sig = new SecBuffer(SECBUFFER_TOKEN, token.slice(0, trailer));
      const data = new SecBuffer(SECBUFFER_DATA, token.slice(trailer));
      const desc = new SecBufferDesc([sig, data]);
      if (protection === "sign") {
        ok("VerifySignature", VerifySignature(ctx, desc, 0, qop));
      } else ok("DecryptMessage", DecryptMessage(ctx, desc, 0, qop));
      return used(data).slice();
    },
  };
}

/** An LDAPResult (RFC 4511 4.1.9). */
export interface LdapResult {
  /** The resultCode (0 success, 8 strongAuthRequired, 14 saslBindInProgress, 49 invalidCredentials). */
  resultCode: number;
  /** The matchedDN. */
  matchedDN: string;
  /** The diagnosticMessage. */
  diagnosticMessage: string;
}

/** A BindResponse: the result and the server's SASL credentials, if any. */
export interface BindResult extends LdapResult {
  /** serverSaslCreds. */
  serverSaslCreds: Uint8Array | null;
}

/** One SearchResultEntry: its DN and attributes (names lower-cased). */
export interface LdapEntry {
  /** The objectName. */
  dn: string;
  /** Values by lower-cased attribute name. */
  attributes: Record<string, Uint8Array[]>;
}

/** A search filter: equality, presence, or an AND of filters. */
export type LdapFilter =
  | { equals: [attribute: string, value: string] }
  | { present: string }
  | { and: LdapFilter[] };

/** The "Who am I?" extended operation (RFC 4532). */
export const WHO_AM_I_OID = "1.3.6.1.4.1.4203.1.11.3";

const enc = new TextEncoder();
const dec = new TextDecoder();
const str = (s: string) => encodeOctetString(enc.encode(s));

function encodeFilter(f: LdapFilter): Uint8Array {
  if ("equals" in f) {
    return encodeTlv(0xa3, [str(f.equals[0]), str(f.equals[1])]);
  }
  if ("present" in f) return encodeTlv(0x87, enc.encode(f.present));
  return encodeTlv(0xa0, f.and.map(encodeFilter));
}

/** The length of the whole TLV at the start of `b`, or -1 if `b` holds less. */
function tlvLength(b: Uint8Array): number {
  if (b.length < 2) return -1;
  if (b[1] < 0x80) return 2 + b[1];
  const k = b[1] & 0x7f;
  if (k === 0 || k > 4) throw new Error(`unsupported BER length octet ${b[1]}`);
  if (b.length < 2 + k) return -1;
  let n = 0;
  for (let i = 0; i < k; i++) n = n * 256 + b[2 + i];
  return 2 + k + n;
}

/** One decoded LDAPMessage: its id, protocolOp tag, and the tree over it. */
interface Message {
  id: number;
  op: number;
  tree: ReturnType<typeof scanDer>;
  /** The entry of the protocolOp. */
  at: number;
}

/** A non-negative INTEGER's content (message IDs). */
const intOf = (b: Uint8Array) => b.reduce((v, x) => v * 256 + x, 0);

function resultOf(m: Message): LdapResult {
  const [code, dn, diag] = m.tree.children(m.at);
  return {
    resultCode: m.tree.enumerated(code),
    matchedDN: dec.decode(m.tree.content(dn)),
    diagnosticMessage: dec.decode(m.tree.content(diag)),
  };
}

/** An LDAP connection: one request at a time, answers read in order. */
export class LdapClient {
  #stream: ByteStream;
  #raw: Uint8Array = new Uint8Array(0);
  #plain: Uint8Array = new Uint8Array(0);
  #nextId = 1;
  /** The SASL layer, once a bind installed one (every PDU after that goes through it). */
  layer: SaslLayer | null = null;

  /** A client over `stream`. */
  constructor(stream: ByteStream) {
    this.#stream = stream;
  }

  /** Connects to `hostname:port` over plain TCP. */
  static async connect(
    port: number,
    hostname = "127.0.0.1",
  ): Promise<LdapClient> {
    return new LdapClient(connStream(await Deno.connect({ hostname, port })));
  }

  async #fill(): Promise<void> {
    // A server that neither answers nor closes (Samba, on a token it cannot
    // unwrap) fails the test after 20 s instead of stalling the run.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.close();
        reject(new Error("LDAP server did not answer within 20 s"));
      }, 20_000);
    });
    try {
      const more = await Promise.race([this.#stream.read(), late]);
      if (more === null) throw new Error("LDAP server closed the connection");
      this.#raw = cat(this.#raw, more);
    } finally {
      clearTimeout(timer);
    }
  }

  async #send(op: Uint8Array): Promise<number> {
    const id = this.#nextId++;
    const pdu = encodeSequence([encodeInt32(id), op]);
    if (!this.layer) {
      await this.#stream.write(pdu);
    } else {
      const token = this.layer.wrap(pdu);
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, token.length);
      await this.#stream.write(cat(len, token));
    }
    return id;
  }

  async #receive(): Promise<Message> {
    for (;;) {
      const n = tlvLength(this.#plain);
      if (n >= 0 && n <= this.#plain.length) {
        const tree = scanDer(this.#plain.slice(0, n));
        this.#plain = this.#plain.slice(n);
        const [idAt, at] = tree.children(0);
        return { id: intOf(tree.content(idAt)), op: tree.tag(at), tree, at };
      }
      if (!this.layer) {
        if (this.#raw.length === 0) await this.#fill();
        this.#plain = cat(this.#plain, this.#raw);
        this.#raw = new Uint8Array(0);
        continue;
      }
      while (this.#raw.length < 4) await this.#fill();
      const len = new DataView(this.#raw.buffer, this.#raw.byteOffset)
        .getUint32(0);
      while (this.#raw.length < 4 + len) await this.#fill();
      const token = this.#raw.slice(4, 4 + len);
      this.#raw = this.#raw.slice(4 + len);
      this.#plain = cat(this.#plain, this.layer.unwrap(token));
    }
  }

  async #answer(id: number, op: number): Promise<Message> {
    const m = await this.#receive();
    if (m.id !== id || m.op !== op) {
      // An unsolicited notification (id 0, op 0x78) says why the server hangs up.
      const why = m.op === 0x78 ? `: ${resultOf(m).diagnosticMessage}` : "";
      const got = `op 0x${m.op.toString(16)} for message ${m.id}${why}`;
      throw new Error(`expected op 0x${op.toString(16)} for ${id}, got ${got}`);
    }
    return m;
  }

  async #bind(name: string, auth: Uint8Array): Promise<BindResult> {
    const id = await this.#send(
      encodeTlv(0x60, [encodeInt32(3), str(name), auth]),
    );
    const m = await this.#answer(id, 0x61);
    const creds = m.tree.children(m.at).find((c) => m.tree.tag(c) === 0x87);
    return {
      ...resultOf(m),
      serverSaslCreds: creds === undefined
        ? null
        : m.tree.content(creds).slice(),
    };
  }

  /** A simple bind with `dn` (or a UPN, as AD accepts) and `password`. */
  bindSimple(dn: string, password: string): Promise<BindResult> {
    return this.#bind(dn, encodeTlv(0x80, enc.encode(password)));
  }

  /** One SASL bind step of `mechanism` with `credentials`. */
  bindSasl(
    mechanism: string,
    credentials: Uint8Array | null,
  ): Promise<BindResult> {
    const parts = [str(mechanism)];
    if (credentials) parts.push(encodeOctetString(credentials));
    return this.#bind("", encodeTlv(0xa3, parts));
  }

  /** The "Who am I?" operation: the result and the authzId (`u:DOMAIN\user`, or "" anonymous). */
  async whoAmI(): Promise<LdapResult & { authzId: string }> {
    const id = await this.#send(
      encodeTlv(0x77, [encodeTlv(0x80, enc.encode(WHO_AM_I_OID))]),
    );
    const m = await this.#answer(id, 0x78);
    const value = m.tree.children(m.at).find((c) => m.tree.tag(c) === 0x8b);
    return {
      ...resultOf(m),
      authzId: value === undefined ? "" : dec.decode(m.tree.content(value)),
    };
  }

  /** A search below `base` (scope 2: whole subtree); the entries and SearchResultDone. */
  async search(
    base: string,
    filter: LdapFilter,
    attributes: string[],
    scope = 2,
  ): Promise<{ entries: LdapEntry[]; result: LdapResult }> {
    const id = await this.#send(encodeTlv(0x63, [
      str(base),
      encodeEnumerated(scope),
      encodeEnumerated(0),
      encodeInt32(0),
      encodeInt32(0),
      encodeBoolean(false),
      encodeFilter(filter),
      encodeSequence(attributes.map(str)),
    ]));
    const entries: LdapEntry[] = [];
    for (;;) {
      const m = await this.#receive();
      if (m.id !== id) {
        throw new Error(`an answer to message ${m.id} during search ${id}`);
      }
      if (m.op === 0x65) return { entries, result: resultOf(m) };
      if (m.op !== 0x64) continue; // a SearchResultReference
      const t = m.tree;
      const [dn, list] = t.children(m.at);
      const attrs: Record<string, Uint8Array[]> = {};
      for (const a of t.children(list)) {
        const [type, vals] = t.children(a);
        attrs[dec.decode(t.content(type)).toLowerCase()] = t.children(vals).map(
          (v) => t.content(v).slice(),
        );
      }
      entries.push({ dn: dec.decode(t.content(dn)), attributes: attrs });
    }
  }

  /** Sends an UnbindRequest and closes the connection. */
  async unbind(): Promise<void> {
    try {
      await this.#send(Uint8Array.of(0x42, 0));
    } finally {
      this.close();
    }
  }

  /** Closes the connection. */
  close(): void {
    this.#stream.close();
  }
}

/**
 * The string form of a binary SID (MS-DTYP 2.4.2.2): revision, sub-authority count,
 * 48-bit big-endian authority, little-endian 32-bit sub-authorities.
 */
export function decodeSid(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + b[i];
  const subs: number[] = [];
  for (let i = 0; i < b[1]; i++) subs.push(v.getUint32(8 + 4 * i, true));
  return `S-${b[0]}-${authority}${subs.map((s) => `-${s}`).join("")}`;
}
