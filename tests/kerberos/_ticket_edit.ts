/**
 * Test helper: changing a ticket as only someone holding the service key could
 * (decrypt its EncTicketPart, edit it, encrypt it again), to show what an acceptor
 * catches and what only the KDC's signature (checked by a DC) would.
 *
 * @module
 */
import {
  decrypt,
  encrypt,
  type KerberosKey,
} from "../../src/packages/kerberos/crypto.ts";
import {
  frameInitialToken,
  TOK_AP_REQ,
  unframeToken,
} from "../../src/packages/kerberos/gss.ts";
import { parseKeytab } from "../../src/packages/kerberos/keytab.ts";
import {
  decodeApReq,
  encodeApReq,
} from "../../src/packages/kerberos/messages.ts";

const KEY_USAGE_TICKET = 2;

/**
 * `token` (a GSS-framed AP-REQ) with its ticket's EncTicketPart passed through
 * `edit` (in place) and encrypted again with the keytab's key of its enctype;
 * `edit` gets that key too.
 */
export function editTicket(
  token: Uint8Array,
  keytab: Uint8Array,
  edit: (plain: Uint8Array, key: KerberosKey) => void,
): Uint8Array {
  const ap = decodeApReq(unframeToken(token)!.inner);
  const entry = parseKeytab(keytab).find((e) =>
    e.key.etype === ap.ticket.encPart.etype
  )!;
  const plain = decrypt(entry.key, KEY_USAGE_TICKET, ap.ticket.encPart.cipher)!;
  edit(plain, entry.key);
  const ticket = {
    tktVno: 5 as const,
    realm: ap.ticket.realm,
    sname: ap.ticket.sname,
    encPart: {
      ...ap.ticket.encPart,
      cipher: encrypt(entry.key, KEY_USAGE_TICKET, plain),
    },
  };
  return frameInitialToken(
    TOK_AP_REQ,
    encodeApReq({ ...ap, ticket }),
  );
}
