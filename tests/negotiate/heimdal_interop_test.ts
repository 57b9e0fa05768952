// Heimdal's GSSAPI (libgssapi3-heimdal: its own SPNEGO and its own NTLM, both written
// apart from MIT, gss-ntlmssp and Samba) as a client of our Negotiate and NTLM
// servers, through Deno.dlopen in a child process (tests/peers/heimdal_peer.ts:
// Heimdal's and MIT's libraries crash a process they share at exit). Heimdal's NTLM initiator reads `DOMAIN:user:password`
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
import { SEC_E_MESSAGE_ALTERED } from "../../src/sspi/status.ts";
import { toHex, utf16le } from "../../src/util/bytes.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import { peerMissing } from "../peers/availability.ts";
import { statusOf } from "../ntlm/_helpers.ts";
import { assertRefused, PEER_USER, runServer, USER } from "./_helpers.ts";

const HINT = "apt-get install -y libgssapi3-heimdal";

type Mech = "spnego" | "ntlm";

/** Heimdal as an initiator of `mech`, or null (test skipped) when it is missing. */
async function heimdal(
  mech: Mech,
  password = USER.Password,
): Promise<GssapiPeer | null> {
  try {
    return await GssapiPeer.start({
      impl: "heimdal",
      role: "initiator",
      mech,
      ...PEER_USER,
      password,
      // Heimdal's NTLM takes the domain from the target: EXAMPLE.
      target: "HTTP@web.example.com",
    });
  } catch (e) {
    peerMissing(
      "Heimdal GSSAPI (libgssapi.so.3)",
      HINT,
      e instanceof Error ? e.message : String(e),
    );
    return null;
  }
}

function ourServer(mech: Mech, allowNtlmV1 = true): SecurityContext {
  return server({
    package: mech === "spnego" ? "Negotiate" : "NTLM",
    authData: { users: [USER], allowNtlmV1, DomainName: USER.Domain },
  });
}

/** The NTLM message inside a SPNEGO token (or the token itself, for raw NTLM). */
function inner(mech: Mech, t: Uint8Array): Uint8Array {
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
async function checkKeys(
  peer: GssapiPeer,
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
  const theirs = (await peer.info()).session_key_hex;
  assert.equal(theirs, toHex(rc4(sessionBaseKey, ersk)), "Heimdal's key");
  assert.deepEqual(s.sessionKey, rc4(kxkey, ersk), "ours (MS-NLMP 3.4.5.1)");
  assert.notEqual(theirs, toHex(s.sessionKey));
  // So a message sealed by Heimdal is refused, with a status, not taken as valid.
  const sealed = await peer.wrap(new TextEncoder().encode("sealed by Heimdal"));
  assert.equal(statusOf(() => s.unwrap(sealed.data)), SEC_E_MESSAGE_ALTERED);
}

for (const mech of ["spnego", "ntlm"] as const) {
  const what = mech === "spnego"
    ? "Heimdal SPNEGO (its NTLM) -> our Negotiate server"
    : "Heimdal NTLM -> our NTLM server";

  Deno.test(`${what}: NTLMv1 with the NTLM2 session response, a logon without a domain`, async () => {
    const peer = await heimdal(mech);
    if (!peer) return;
    const s = ourServer(mech);
    try {
      const tokens = await runServer(s, peer);
      assert.ok((await peer.info()).complete, "Heimdal finished");
      assert.ok(s.complete, "our server finished");
      assert.equal(s.clientName, `${USER.Domain}\\${USER.User}`);

      // NEGOTIATE: DomainName's offset (24) points into the header; its flags are
      // all the server reads.
      const negotiate = inner(mech, tokens[0]);
      assert.throws(() => decodeNegotiate(negotiate), /DomainName overlaps/);
      assert.ok(
        negotiateFlags(negotiate) & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
      );
      // AUTHENTICATE: no domain, NTLMv1 with the client nonce in the LM field.
      const authenticate = inner(mech, tokens[2]);
      const auth = decodeAuthenticate(authenticate);
      assert.equal(auth.domain, "");
      assert.equal(auth.user, USER.User);
      assert.equal(auth.ntResponse.length, 24);
      assert.deepEqual(auth.lmResponse.subarray(8), new Uint8Array(16));

      if (mech === "spnego") {
        // Heimdal offers NTLM alone (no Kerberos credential); with no MIC inside
        // NTLM and NTLM preferred, neither side sends a mechListMIC.
        const init = decodeNegotiationToken(tokens[0]);
        assert.equal(init.type, "init");
        assert.deepEqual(init.type === "init" && init.mechTypes, [NTLM_OID]);
        for (const t of tokens.slice(1)) {
          const d = decodeNegotiationToken(t);
          assert.equal(d.type === "resp" && d.mechListMIC, undefined);
        }
      }
      await checkKeys(peer, s, inner(mech, tokens[1]), authenticate);
    } finally {
      s.dispose();
      await peer.close();
    }
  });

  Deno.test(`${what}: refused without allowNtlmV1, and with a wrong password`, async () => {
    for (
      const [password, allowNtlmV1] of [
        [USER.Password, false],
        ["nope", true],
      ] as const
    ) {
      const peer = await heimdal(mech, password);
      if (!peer) return;
      await assertRefused(ourServer(mech, allowNtlmV1), peer);
    }
  });
}
