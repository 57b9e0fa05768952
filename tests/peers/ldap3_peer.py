#!/usr/bin/env python3
"""Real-peer harness: the NTLM client of ldap3 (python3-ldap3).

ldap3 is the pure-Python LDAP client most Python Active Directory tooling binds
with; its NTLM (ldap3.utils.ntlm) is written apart from Samba, gss-ntlmssp,
WinPR, ntlm-auth and Impacket. Authentication only: it has no acceptor and no
session security (LDAP over NTLM signs through the transport it binds on).

Same line protocol as gssapi_peer.py (_line_protocol.py), so gssapi_peer.ts
drives it with impl "ldap3".

Startup: --role initiator --mech ntlm --user U --domain D --password P
Requests: step, info, quit. Failures: {"ok":false,"error":text,"major":0,"minor":0}.
"""

from _line_protocol import BadRequest, b64, fatal, run_client, unb64

try:
    from ldap3.utils.ntlm import NtlmClient
except ImportError as e:  # reported to the TS side
    fatal("cannot import ldap3: %s" % e, 3, missing="python3-ldap3")


class Peer:
    def __init__(self, args):
        self.client = NtlmClient(args.domain, args.user, args.password)
        self.steps = 0

    def op_step(self, req):
        if self.steps == 0:
            out = self.client.create_negotiate_message()
        elif self.steps == 1:
            # False for a malformed CHALLENGE; None once parsed.
            if self.client.parse_challenge_message(unb64(req.get("token"), "token")) is False:
                raise BadRequest("ldap3 refused the CHALLENGE")
            out = self.client.create_authenticate_message()
        else:
            raise BadRequest("context already complete")
        self.steps += 1
        return {"ok": True, "token": b64(out), "complete": self.steps == 2}

    def op_info(self, req):
        return {"ok": True, "role": "initiator", "complete": self.steps == 2,
                "peer_name": None, "session_key_hex": None}


if __name__ == "__main__":
    run_client(__doc__, Peer)
