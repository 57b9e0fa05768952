#!/usr/bin/env python3
"""Real-peer harness: the pure-Python NTLM client of ntlm-auth (python3-ntlm-auth).

ntlm-auth is the NTLM behind requests-ntlm and pywinrm, written apart from
Samba, gss-ntlmssp and WinPR. Initiator only (the library has no acceptor).

Same line protocol as gssapi_peer.py (_line_protocol.py), so gssapi_peer.ts
drives it with impl "ntlm-auth".

Startup:
  --role initiator --mech ntlm --user U --domain D --password P
  optional: --compat N   ntlm_compatibility 0-5 (0: NTLMv1 with LM_KEY,
                         1-2: NTLMv1 with NTLM2 session security, 3-5: NTLMv2;
                         default 3)
Requests: step, wrap, unwrap, get_mic, verify_mic, info, quit (see
gssapi_peer.py). Failures: {"ok":false,"error":text,"major":0,"minor":0}.
"""

from _line_protocol import BadRequest, b64, fatal, run_client, unb64

try:
    from ntlm_auth.ntlm import NtlmContext
except ImportError as e:  # reported to the TS side
    fatal("cannot import ntlm_auth: %s" % e, 3, missing="python3-ntlm-auth")


class Peer:
    def __init__(self, args):
        self.ctx = NtlmContext(
            args.user,
            args.password,
            domain=args.domain or None,
            workstation="NTLMAUTHPEER",
            ntlm_compatibility=args.compat,
        )
        self.steps = 0

    def op_step(self, req):
        if self.ctx.complete:
            raise BadRequest("context already complete")
        token = unb64(req.get("token"), "token")
        out = self.ctx.step(token if self.steps else None)
        self.steps += 1
        return {"ok": True, "token": b64(out) if out else None, "complete": self.ctx.complete}

    def _security(self):
        if not self.ctx.complete:
            raise BadRequest("context not complete")
        return self.ctx._session_security

    def op_wrap(self, req):
        self._security()
        return {"ok": True, "data": b64(self.ctx.wrap(unb64(req.get("data"), "data"))), "encrypted": True}

    def op_unwrap(self, req):
        self._security()
        return {"ok": True, "data": b64(self.ctx.unwrap(unb64(req.get("data"), "data"))), "encrypted": True}

    def op_get_mic(self, req):
        return {"ok": True, "mic": b64(self._security()._get_signature(unb64(req.get("data"), "data")))}

    def op_verify_mic(self, req):
        self._security()._verify_signature(unb64(req.get("data"), "data"), unb64(req.get("mic"), "mic"))
        return {"ok": True}

    def op_info(self, req):
        key = self.ctx.session_key
        return {
            "ok": True,
            "role": "initiator",
            "complete": self.ctx.complete,
            "peer_name": None,
            "session_key_hex": bytes(key).hex() if key else None,
        }


if __name__ == "__main__":
    run_client(__doc__, Peer, extra_args=lambda ap: ap.add_argument(
        "--compat", type=int, default=3, choices=range(6)))
