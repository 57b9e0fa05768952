#!/usr/bin/env python3
"""Real-peer harness: Impacket's NTLM and SPNEGO client (python3-impacket).

Impacket is the pure-Python protocol suite behind most Windows security
tooling; its NTLM (impacket.ntlm) and SPNEGO (impacket.spnego) are written
apart from Samba, gss-ntlmssp, WinPR and ntlm-auth. Initiator only: the
library verifies NTLM only inside its SMB server.

Same line protocol as gssapi_peer.py (_line_protocol.py), so gssapi_peer.ts
drives it with impl "impacket".

Startup:
  --role initiator --mech ntlm|spnego --user U --domain D --password P
  optional: --ntlmv1   NTLMv1 (with NTLM2 session security) instead of NTLMv2
Requests: step, wrap, unwrap, get_mic, verify_mic, info, quit (see
gssapi_peer.py). Failures: {"ok":false,"error":text,"major":0,"minor":0}.
"""

from _line_protocol import BadRequest, b64, fatal, run_client, unb64

try:
    from Cryptodome.Cipher import ARC4
    from impacket import ntlm
    from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech
except ImportError as e:  # reported to the TS side
    fatal("cannot import impacket: %s" % e, 3, missing="python3-impacket")

NTLMSSP_MECH = "NTLMSSP - Microsoft NTLM Security Support Provider"


class Peer:
    def __init__(self, args):
        self.args = args
        self.v2 = not args.ntlmv1
        self.type1 = ntlm.getNTLMSSPType1("IMPACKETPEER", "", True, use_ntlmv2=self.v2)
        self.steps = 0
        self.complete = False
        self.key = None
        self.flags = 0
        self.out_seq = 0
        self.in_seq = 0

    # -- the handshake --------------------------------------------------------

    def op_step(self, req):
        if self.complete:
            raise BadRequest("context already complete")
        token = unb64(req.get("token"), "token")
        step = self.steps
        self.steps += 1
        if step == 0:
            out = self.type1.getData()
            if self.args.mech == "spnego":
                init = SPNEGO_NegTokenInit()
                init["MechTypes"] = [TypesMech[NTLMSSP_MECH]]
                init["MechToken"] = out
                out = init.getData()
            return {"ok": True, "token": b64(out), "complete": False}
        if step == 1:
            challenge = token
            if self.args.mech == "spnego":
                resp = SPNEGO_NegTokenResp(token)
                challenge = resp["ResponseToken"]
            type3, key = ntlm.getNTLMSSPType3(
                self.type1, challenge, self.args.user, self.args.password,
                self.args.domain, use_ntlmv2=self.v2)
            self._keys(type3["flags"], key)
            out = type3.getData()
            if self.args.mech == "spnego":
                resp = SPNEGO_NegTokenResp()
                resp["ResponseToken"] = out
                out = resp.getData()
            else:
                self.complete = True
            return {"ok": True, "token": b64(out), "complete": self.complete}
        if self.args.mech == "spnego" and step == 2:
            resp = SPNEGO_NegTokenResp(token)
            state = resp["NegState"]
            if state != b"\x00":
                raise BadRequest("SPNEGO negState %r" % state)
            self.complete = True
            return {"ok": True, "token": None, "complete": True}
        raise BadRequest("unexpected step %d" % step)

    def _keys(self, flags, key):
        self.flags = flags
        self.key = key
        self.sign_out = ntlm.SIGNKEY(flags, key, "Client")
        self.sign_in = ntlm.SIGNKEY(flags, key, "Server")
        self.seal_out = ARC4.new(ntlm.SEALKEY(flags, key, "Client")).encrypt
        self.seal_in = ARC4.new(ntlm.SEALKEY(flags, key, "Server")).encrypt

    # -- session security -----------------------------------------------------

    def _ready(self):
        if not self.complete:
            raise BadRequest("context not complete")

    def op_wrap(self, req):
        self._ready()
        data = unb64(req.get("data"), "data")
        sealed, sig = ntlm.SEAL(self.flags, self.sign_out, self.seal_out, data, data,
                                self.out_seq, self.seal_out)
        self.out_seq += 1
        return {"ok": True, "data": b64(sig.getData() + sealed), "encrypted": True}

    def op_unwrap(self, req):
        self._ready()
        token = unb64(req.get("data"), "data")
        sig, sealed = token[:16], token[16:]
        data = self.seal_in(sealed)
        expect = ntlm.SIGN(self.flags, self.sign_in, data, self.in_seq, self.seal_in)
        if expect.getData() != sig:
            raise BadRequest("signature mismatch")
        self.in_seq += 1
        return {"ok": True, "data": b64(data), "encrypted": True}

    def op_get_mic(self, req):
        self._ready()
        sig = ntlm.SIGN(self.flags, self.sign_out, unb64(req.get("data"), "data"),
                        self.out_seq, self.seal_out)
        self.out_seq += 1
        return {"ok": True, "mic": b64(sig.getData())}

    def op_verify_mic(self, req):
        self._ready()
        expect = ntlm.SIGN(self.flags, self.sign_in, unb64(req.get("data"), "data"),
                           self.in_seq, self.seal_in)
        if expect.getData() != unb64(req.get("mic"), "mic"):
            raise BadRequest("MIC mismatch")
        self.in_seq += 1
        return {"ok": True}

    def op_info(self, req):
        return {
            "ok": True,
            "role": "initiator",
            "complete": self.complete,
            "peer_name": None,
            "session_key_hex": bytes(self.key).hex() if self.key else None,
        }


if __name__ == "__main__":
    run_client(__doc__, Peer, mechs=("ntlm", "spnego"),
               extra_args=lambda ap: ap.add_argument("--ntlmv1", action="store_true"))
