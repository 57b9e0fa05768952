// NTLM interop with Samba's own NTLMSSP (GENSEC, through python3-samba) as the
// client, over the session-security variants Samba can be set to: without key
// exchange, 56- and 40-bit keys, NTLMv1 with and without NTLM2 session security
// (half duplex: one RC4 handle and one sequence counter for both directions), and
// OEM strings instead of Unicode.
// Each handshake must give both sides the same session key, then sealed messages
// and signatures must cross both ways.
import assert from "node:assert/strict";
import {
  ASC_RET_CONFIDENTIALITY,
  ASC_RET_INTEGRITY,
  SEC_E_MESSAGE_ALTERED,
  SspiError,
} from "../../mod.ts";
import { GssapiPeer, sambaPeerTest } from "../peers/gssapi_peer.ts";
import { decodeAuthenticate } from "../../src/packages/ntlm/messages.ts";
import {
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_LM_KEY,
  NTLMSSP_NEGOTIATE_UNICODE,
} from "../../src/packages/ntlm/constants.ts";
import {
  PEER_USER,
  peerServer,
  runServer,
  sameKeyThenTraffic,
} from "../negotiate/_helpers.ts";

const USER = PEER_USER;
const C = "ntlmssp_client:";
const V1 = { "client ntlmv2 auth": "no" };
const NO_ESS = { ...V1, [C + "ntlm2"]: "no" };
const NO_KX = { [C + "keyexchange"]: "no" };
const BITS_56 = { [C + "128bit"]: "no", [C + "56bit"]: "yes" };
const BITS_40 = { [C + "128bit"]: "no", [C + "56bit"]: "no" };

const ESS = NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
const KX = NTLMSSP_NEGOTIATE_KEY_EXCH;
const B128 = NTLMSSP_NEGOTIATE_128;
const B56 = NTLMSSP_NEGOTIATE_56;

/** A Samba setting, and the flags and response it must lead to. */
interface Variant {
  name: string;
  settings: Record<string, string>;
  /** Flags that must be set in AUTHENTICATE. */
  on: number;
  /** Flags that must be clear. */
  off: number;
  v1: boolean;
}

const VARIANTS: Variant[] = [
  {
    name: "NTLMv2, 128-bit, key exchange",
    settings: {},
    on: ESS | KX | B128,
    off: 0,
    v1: false,
  },
  {
    name: "NTLMv2 without key exchange",
    settings: NO_KX,
    on: ESS | B128,
    off: KX,
    v1: false,
  },
  {
    name: "NTLMv2, 56-bit keys",
    settings: BITS_56,
    on: ESS | KX | B56,
    off: B128,
    v1: false,
  },
  {
    name: "NTLMv2, 40-bit keys",
    settings: BITS_40,
    on: ESS | KX,
    off: B128 | B56,
    v1: false,
  },
  {
    name: "NTLMv2, 40-bit keys, no key exchange",
    settings: { ...BITS_40, ...NO_KX },
    on: ESS,
    off: B128 | B56 | KX,
    v1: false,
  },
  {
    name: "NTLMv1 with NTLM2 session security",
    settings: V1,
    on: ESS | KX,
    off: 0,
    v1: true,
  },
  {
    name: "NTLMv1 with NTLM2 session security, 40-bit, no key exchange",
    settings: { ...V1, ...BITS_40, ...NO_KX },
    on: ESS,
    off: B128 | B56 | KX,
    v1: true,
  },
  {
    name: "NTLMv1 without NTLM2 session security (half duplex)",
    settings: NO_ESS,
    on: KX | B128,
    off: ESS,
    v1: true,
  },
  {
    name: "NTLMv1 without NTLM2 session security or key exchange",
    settings: { ...NO_ESS, ...NO_KX },
    on: B128,
    off: ESS | KX,
    v1: true,
  },
  {
    name: "NTLMv2 with OEM strings, not Unicode",
    settings: { [C + "unicode"]: "no" },
    on: ESS | KX | B128,
    off: NTLMSSP_NEGOTIATE_UNICODE,
    v1: false,
  },
  {
    name: "NTLMv1 without NTLM2 session security, 56-bit",
    settings: { ...NO_ESS, ...BITS_56 },
    on: KX | B56,
    off: ESS | B128,
    v1: true,
  },
];

for (const v of VARIANTS) {
  await sambaPeerTest(
    `Samba NTLMSSP client -> our NTLM server: ${v.name}`,
    async () => {
      const peer = await GssapiPeer.start({
        impl: "samba",
        role: "initiator",
        mech: "ntlm",
        ...USER,
        sambaSettings: v.settings,
      });
      const s = peerServer("NTLM", v.v1);
      try {
        const tokens = await runServer(s, peer);
        assert.equal(tokens.length, 3);
        const auth = decodeAuthenticate(tokens[2]);
        assert.equal(
          auth.flags & v.on,
          v.on,
          `flags ${auth.flags.toString(16)}`,
        );
        assert.equal(auth.flags & v.off, 0, `flags ${auth.flags.toString(16)}`);
        assert.equal(auth.flags & NTLMSSP_NEGOTIATE_LM_KEY, 0);
        assert.equal(auth.ntResponse.length === 24, v.v1);
        assert.ok(s.complete);
        assert.equal(s.clientName, "EXAMPLE\\alice");
        await sameKeyThenTraffic(s, peer);
      } finally {
        s.dispose();
        await peer.close();
      }
    },
  );
}

await sambaPeerTest(
  "Samba client asking for integrity only: no confidentiality, wraps are signed in clear both ways",
  async () => {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    for (
      const [pkg, mech] of [["NTLM", "ntlm"], ["Negotiate", "spnego"]] as const
    ) {
      const peer = await GssapiPeer.start({
        impl: "samba",
        role: "initiator",
        mech,
        ...USER,
        signOnly: true,
      });
      const s = peerServer(pkg);
      try {
        await runServer(s, peer);
        assert.ok(s.complete);
        assert.equal(s.contextAttributes & ASC_RET_CONFIDENTIALITY, 0, pkg);
        assert.ok(s.contextAttributes & ASC_RET_INTEGRITY, pkg);
        // Samba's wrap: the signature, then the data in clear.
        const theirs = (await peer.wrap(enc.encode("signed by Samba"))).data;
        assert.equal(dec.decode(theirs.subarray(16)), "signed by Samba");
        const altered = theirs.slice();
        altered[altered.length - 1] ^= 1;
        assert.throws(
          () => s.unwrap(altered),
          (e) => e instanceof SspiError && e.status === SEC_E_MESSAGE_ALTERED,
        );
        assert.equal(dec.decode(s.unwrap(theirs)), "signed by Samba");
        // (Asking to encrypt here would seal, as Windows' NTLM does, which only an
        // "LDAP style" peer such as AD's LDAP server reads: tests/ad/ldap_test.ts.)
        const ours = s.wrap(enc.encode("signed by us"), false);
        assert.equal(dec.decode(ours.subarray(16)), "signed by us");
        assert.equal(
          dec.decode((await peer.unwrap(ours)).data),
          "signed by us",
        );
        const mic = await peer.getMic(enc.encode("m"));
        s.verify(enc.encode("m"), mic);
        await peer.verifyMic(enc.encode("n"), s.sign(enc.encode("n")));
      } finally {
        s.dispose();
        await peer.close();
      }
    }
  },
);
