// Heimdal's GSSAPI (libgssapi3-heimdal: its own SPNEGO and its own NTLM, both written
// apart from MIT, gss-ntlmssp and Samba) as a client of our Negotiate and NTLM
// servers, through Deno.dlopen. Heimdal's NTLM initiator reads `DOMAIN:user:password`
// from NTLM_USER_FILE and answers NTLMv1 with the NTLM2 session response; it has no
// acceptor without a Heimdal KDC, so this is one direction only.
//
// It found two things our server now takes as Samba does: its NEGOTIATE names a
// DomainName at offset 24, inside the header (the server reads only the flags), and
// its AUTHENTICATE names no domain (a logon to the server's own domain). And one
// place where Heimdal departs from MS-NLMP 3.4.5.1: with extended session security it
// encrypts the random session key under SessionBaseKey, not under the KeyExchangeKey
// HMAC_MD5(SessionBaseKey, ServerChallenge || LmChallengeResponse[0..8]) that Windows,
// Samba and we use. Authentication works; the session keys differ, and the tests check
// exactly that difference.
import assert from "node:assert/strict";
import { type SecurityContext, server } from "../../mod.ts";
import { hmacMd5, md4, rc4 } from "../../src/crypto/mod.ts";
import {
  decodeAuthenticate,
  decodeChallenge,
  decodeNegotiate,
  negotiateFlags,
} from "../../src/packages/ntlm/messages.ts";
import {
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
} from "../../src/packages/ntlm/constants.ts";
import { NTLM_OID } from "../../src/packages/negotiate/constants.ts";
import { decodeNegotiationToken } from "../../src/packages/negotiate/mod.ts";
import {
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
} from "../../src/sspi/status.ts";
import { utf16le } from "../../src/util/bytes.ts";
import {
  type GssapiFfi,
  type GssMech,
  type GssStepper,
  openGssapiFfi,
} from "../peers/gssapi_ffi.ts";
import { peerMissing } from "../peers/availability.ts";
import { statusOf } from "../ntlm/_helpers.ts";
import { PEER_USER, USER } from "./_helpers.ts";

const HINT = "apt-get install -y libgssapi3-heimdal";
/** Heimdal's NTLM takes the domain from the target: `HTTP@web.example.com` is EXAMPLE. */
const TARGET = "HTTP@web.example.com";

/** Heimdal as an initiator of `mech`, or null (test skipped) when it is missing. */
async function heimdal(
  mech: GssMech,
  password = USER.Password,
): Promise<GssapiFfi | null> {
  try {
    return await openGssapiFfi(
      { ...PEER_USER, password },
      mech,
      "libgssapi.so.3",
      { target: TARGET, initiator: "default", acceptor: false },
    );
  } catch (e) {
    peerMissing(
      "Heimdal GSSAPI (libgssapi.so.3)",
      HINT,
      e instanceof Error ? e.message : String(e),
    );
    return null;
  }
}

function ourServer(mech: GssMech, allowNtlmV1 = true): SecurityContext {
  return server({
    package: mech === "spnego" ? "Negotiate" : "NTLM",
    authData: { users: [USER], allowNtlmV1, DomainName: USER.Domain },
  });
}

/** Runs Heimdal against our server; the tokens each way, in order. */
function handshake(c: GssStepper, s: SecurityContext) {
  const sent: Uint8Array[] = [];
  const replies: Uint8Array[] = [];
  let t = c.step(null);
  while (t) {
    sent.push(t);
    const r = s.step(t);
    if (!r) break;
    replies.push(r);
    t = c.complete ? null : c.step(r);
  }
  return { sent, replies };
}

/** The NTLM message inside a SPNEGO token (or the token itself, for raw NTLM). */
function inner(mech: GssMech, t: Uint8Array): Uint8Array {
  if (mech === "ntlm") return t;
  const d = decodeNegotiationToken(t);
  const tok = d.type === "init" ? d.mechToken : d.responseToken;
  assert.ok(tok, "a mechanism token");
  return tok;
}

/**
 * Checks both session keys against the AUTHENTICATE's encrypted random session key:
 * Heimdal's is under SessionBaseKey, ours under the ESS KeyExchangeKey.
 */
function checkKeys(
  c: GssStepper,
  s: SecurityContext,
  challenge: Uint8Array,
  authenticate: Uint8Array,
) {
  const ch = decodeChallenge(challenge);
  const auth = decodeAuthenticate(authenticate);
  assert.ok(auth.flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
  assert.ok(auth.flags & NTLMSSP_NEGOTIATE_KEY_EXCH);
  const sessionBaseKey = md4(md4(utf16le(USER.Password)));
  const kxkey = hmacMd5(
    sessionBaseKey,
    new Uint8Array([...ch.serverChallenge, ...auth.lmResponse.subarray(0, 8)]),
  );
  const ersk = auth.encryptedRandomSessionKey;
  assert.equal(ersk.length, 16);
  assert.deepEqual(c.sessionKey(), rc4(sessionBaseKey, ersk), "Heimdal's key");
  assert.deepEqual(s.sessionKey, rc4(kxkey, ersk), "ours (MS-NLMP 3.4.5.1)");
  assert.notDeepEqual(c.sessionKey(), s.sessionKey);
  // So a message sealed by Heimdal is refused, with a status, not taken as valid.
  const sealed = c.wrap(new TextEncoder().encode("sealed by Heimdal"));
  assert.equal(statusOf(() => s.unwrap(sealed)), SEC_E_MESSAGE_ALTERED);
}

for (const mech of ["spnego", "ntlm"] as const) {
  const what = mech === "spnego"
    ? "Heimdal SPNEGO (its NTLM) -> our Negotiate server"
    : "Heimdal NTLM -> our NTLM server";

  Deno.test(`${what}: NTLMv1 with the NTLM2 session response, a logon without a domain`, async () => {
    const g = await heimdal(mech);
    if (!g) return;
    const c = g.initiator();
    const s = ourServer(mech);
    try {
      const { sent, replies } = handshake(c, s);
      assert.ok(c.complete, "Heimdal finished");
      assert.ok(s.complete, "our server finished");
      assert.equal(s.clientName, `${USER.Domain}\\${USER.User}`);

      // NEGOTIATE: DomainName's offset (24) points into the header; its flags are
      // all the server reads.
      const negotiate = inner(mech, sent[0]);
      assert.throws(() => decodeNegotiate(negotiate), /DomainName overlaps/);
      assert.ok(
        negotiateFlags(negotiate) & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
      );
      // AUTHENTICATE: no domain, NTLMv1 with the client nonce in the LM field.
      const authenticate = inner(mech, sent[1]);
      const auth = decodeAuthenticate(authenticate);
      assert.equal(auth.domain, "");
      assert.equal(auth.user, USER.User);
      assert.equal(auth.ntResponse.length, 24);
      assert.deepEqual(auth.lmResponse.subarray(8), new Uint8Array(16));

      if (mech === "spnego") {
        // Heimdal offers NTLM alone (no Kerberos credential); with no MIC inside
        // NTLM and NTLM preferred, neither side sends a mechListMIC.
        const init = decodeNegotiationToken(sent[0]);
        assert.equal(init.type, "init");
        assert.deepEqual(init.type === "init" && init.mechTypes, [NTLM_OID]);
        for (const t of [...sent.slice(1), ...replies]) {
          const d = decodeNegotiationToken(t);
          assert.equal(d.type === "resp" && d.mechListMIC, undefined);
        }
      }
      checkKeys(c, s, inner(mech, replies[0]), authenticate);
    } finally {
      c.dispose();
      s.dispose();
      await g.close();
    }
  });

  Deno.test(`${what}: refused without allowNtlmV1, and with a wrong password`, async () => {
    for (
      const [password, allowNtlmV1] of [[USER.Password, false], [
        "nope",
        true,
      ]] as const
    ) {
      const g = await heimdal(mech, password);
      if (!g) return;
      const c = g.initiator();
      const s = ourServer(mech, allowNtlmV1);
      try {
        assert.equal(statusOf(() => handshake(c, s)), SEC_E_LOGON_DENIED);
        assert.equal(s.complete, false);
      } finally {
        c.dispose();
        s.dispose();
        await g.close();
      }
    }
  });
}
