#!/usr/bin/env python3
"""Real-peer harness: an NTLM / SPNEGO initiator or acceptor over GSSAPI.

Uses python3-gssapi (MIT krb5 mechglue) with the gss-ntlmssp mechanism
plugin (/etc/gss/mech.d/mech.ntlmssp.conf).  Driven by a line protocol on
stdin/stdout: one JSON object per line in each direction.

Startup:
  --role initiator|acceptor --mech ntlm|spnego|krb5
  initiator: --user U --domain D --password P --target host@localhost
             (or --default-creds: the mechanisms' own, e.g. a Kerberos ccache
             and NTLM_USER_FILE)
  optional:  --channel-bindings-hex HEX   (application_data of the bindings)
             --flags integrity,confidentiality,mutual,replay,sequence
  acceptor users come from the file named by env NTLM_USER_FILE
  (DOMAIN:USER:PASSWORD per line), read by gss-ntlmssp itself.

The first line written is a hello: {"ok":true,"ready":true,...} or
{"ok":false,"fatal":true,"error":...} (then the program exits).

Requests / replies:
  {"op":"step","token":"<b64 or empty>"}
      -> {"ok":true,"token":"<b64>"|null,"complete":bool}
  {"op":"wrap","data":"b64","encrypt":true}
      -> {"ok":true,"data":"b64","encrypted":bool}
  {"op":"unwrap","data":"b64"} -> {"ok":true,"data":"b64","encrypted":bool}
  {"op":"wrap_iov","pre":"b64","data":"b64","post":"b64","encrypt":true}
      -> {"ok":true,"token":"b64","data":"b64","encrypted":bool}
      (gss_wrap_iov of [HEADER, SIGN_ONLY pre, DATA, SIGN_ONLY post])
  {"op":"unwrap_iov","token":"b64","pre":"b64","data":"b64","post":"b64"}
      -> {"ok":true,"data":"b64","encrypted":bool}
  {"op":"get_mic","data":"b64"} -> {"ok":true,"mic":"b64"}
  {"op":"verify_mic","data":"b64","mic":"b64"} -> {"ok":true}
  {"op":"info"} -> {"ok":true,"peer_name":..,"mech":..,"flags":n,...}
      (acceptor: "delegated": the delegated credentials' principal, or null)
  {"op":"quit"} -> {"ok":true} and exit
Any failure: {"ok":false,"error":"text","major":n,"minor":n}.
"""

import argparse
import os

from _line_protocol import BadRequest, b64, fatal, parse_args, send, serve, start, unb64

try:
    import gssapi
    import gssapi.raw as graw
except ImportError as e:  # pragma: no cover - reported to the TS side
    fatal("cannot import gssapi: %s" % e, 3, missing="python3-gssapi")

NTLM_OID = "1.3.6.1.4.1.311.2.2.10"
SPNEGO_OID = "1.3.6.1.5.5.2"
# GSS_C_INQ_SSPI_SESSION_KEY
SSPI_SESSION_KEY_OID = "1.2.840.113554.1.2.2.5.5"

KRB5_OID = "1.2.840.113554.1.2.2"

MECHS = {"ntlm": NTLM_OID, "spnego": SPNEGO_OID, "krb5": KRB5_OID}

FLAG_NAMES = {
    "delegate": gssapi.RequirementFlag.delegate_to_peer,
    "mutual": gssapi.RequirementFlag.mutual_authentication,
    "replay": gssapi.RequirementFlag.replay_detection,
    "sequence": gssapi.RequirementFlag.out_of_sequence_detection,
    "confidentiality": gssapi.RequirementFlag.confidentiality,
    "integrity": gssapi.RequirementFlag.integrity,
    "anonymous": gssapi.RequirementFlag.anonymity,
    "dce": gssapi.RequirementFlag.dce_style,
    "identify": None,  # GSS_C_IDENTIFY_FLAG, not in the enum everywhere
}
DEFAULT_FLAGS = "integrity,confidentiality,mutual,replay,sequence"


def oid(dotted):
    return gssapi.OID.from_int_seq(dotted)


def gss_error_reply(e):
    major = getattr(e, "maj_code", None)
    minor = getattr(e, "min_code", None)
    try:
        text = e.gen_message()
    except Exception:  # noqa: BLE001
        text = str(e)
    return {
        "ok": False,
        "error": text,
        "kind": type(e).__name__,
        "major": major if major is not None else 0,
        "minor": minor if minor is not None else 0,
    }


def display_name(name):
    # gss-ntlmssp 1.2.0 includes the C string's NUL terminator in the
    # display name of a peer (e.g. "DOM\\user\x00"); strip it.
    return str(name).rstrip("\x00")


def parse_flags(spec):
    flags = []
    value = 0
    for name in [s.strip() for s in spec.split(",") if s.strip()]:
        if name not in FLAG_NAMES:
            raise BadRequest("unknown flag %r" % name)
        f = FLAG_NAMES[name]
        if f is None:
            value |= 8192
        else:
            flags.append(f)
    return flags, value


class Peer:
    def __init__(self, args):
        self.args = args
        self.mech = oid(MECHS[args.mech])
        self.ctx = None
        self.creds = None
        self.bindings = None
        if args.channel_bindings_hex is not None:
            self.bindings = graw.ChannelBindings(
                application_data=bytes.fromhex(args.channel_bindings_hex)
            )
        self.flags, _extra = parse_flags(args.flags)
        if args.role == "initiator":
            if args.default_creds:
                # Whatever the mechanisms find: a Kerberos ccache (KRB5CCNAME),
                # NTLM_USER_FILE for gss-ntlmssp. SPNEGO then offers all of them.
                self.creds = None
            elif args.user is None or args.password is None:
                raise BadRequest("initiator needs --user and --password")
            else:
                user = args.user
                if args.domain:
                    user = "%s\\%s" % (args.domain, args.user)
                name = gssapi.Name(user, gssapi.NameType.user)
                res = graw.acquire_cred_with_password(
                    name,
                    args.password.encode("utf-8"),
                    usage="initiate",
                    mechs=[self.mech],
                )
                self.creds = gssapi.Credentials(res.creds)
            target = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
            self.ctx = gssapi.SecurityContext(
                name=target,
                creds=self.creds,
                mech=self.mech,
                flags=self.flags,
                channel_bindings=self.bindings,
                usage="initiate",
            )
        else:
            # Acceptor: default acceptor credentials; gss-ntlmssp reads the
            # users from NTLM_USER_FILE.  Restrict to the requested mech.
            self.creds = gssapi.Credentials(usage="accept", mechs=[self.mech])
            self.ctx = gssapi.SecurityContext(
                creds=self.creds,
                channel_bindings=self.bindings,
                usage="accept",
            )
        self.steps = 0

    # -- operations -----------------------------------------------------
    def op_step(self, req):
        token = unb64(req.get("token"), "token")
        if self.ctx.complete:
            raise BadRequest("context already complete")
        if self.args.role == "initiator" and self.steps == 0:
            out = self.ctx.step(token if token else None)
        else:
            if not token:
                raise BadRequest("acceptor step needs a token")
            out = self.ctx.step(token)
        self.steps += 1
        return {
            "ok": True,
            "token": b64(out) if out else None,
            "complete": bool(self.ctx.complete),
        }

    def _need_complete(self):
        if not self.ctx.complete:
            raise BadRequest("context not complete")

    def op_wrap(self, req):
        self._need_complete()
        data = unb64(req.get("data"), "data")
        encrypt = bool(req.get("encrypt", True))
        res = self.ctx.wrap(data, encrypt)
        return {"ok": True, "data": b64(res.message), "encrypted": bool(res.encrypted)}

    def op_unwrap(self, req):
        self._need_complete()
        data = unb64(req.get("data"), "data")
        res = self.ctx.unwrap(data)
        return {"ok": True, "data": b64(res.message), "encrypted": bool(res.encrypted)}

    def _iov(self, header, req):
        """[HEADER, SIGN_ONLY pre, DATA, SIGN_ONLY post], as DCE/RPC passes them."""
        T = graw.IOVBufferType
        return graw.IOV(
            header,
            (T.sign_only, False, unb64(req.get("pre"), "pre")),
            (T.data, False, unb64(req.get("data"), "data")),
            (T.sign_only, False, unb64(req.get("post"), "post")),
            std_layout=False,
        )

    def op_wrap_iov(self, req):
        self._need_complete()
        iov = self._iov((graw.IOVBufferType.header, True, None), req)
        res = graw.wrap_iov(self.ctx, iov, bool(req.get("encrypt", True)))
        return {"ok": True, "token": b64(iov[0].value), "data": b64(iov[2].value),
                "encrypted": bool(res)}

    def op_unwrap_iov(self, req):
        self._need_complete()
        token = unb64(req.get("token"), "token")
        iov = self._iov((graw.IOVBufferType.header, False, token), req)
        res = graw.unwrap_iov(self.ctx, iov)
        return {"ok": True, "data": b64(iov[2].value), "encrypted": bool(res.encrypted)}

    def op_get_mic(self, req):
        self._need_complete()
        data = unb64(req.get("data"), "data")
        return {"ok": True, "mic": b64(self.ctx.get_signature(data))}

    def op_verify_mic(self, req):
        self._need_complete()
        data = unb64(req.get("data"), "data")
        mic = unb64(req.get("mic"), "mic")
        self.ctx.verify_signature(data, mic)
        return {"ok": True}

    def op_info(self, req):
        ctx = self.ctx
        info = {
            "ok": True,
            "role": self.args.role,
            "requested_mech": self.mech.dotted_form,
            "complete": bool(ctx.complete),
            "peer_name": None,
            "mech": None,
            "flags": 0,
            "session_key_hex": None,
        }
        if not ctx.complete:
            return info
        try:
            if self.args.role == "acceptor":
                info["peer_name"] = display_name(ctx.initiator_name)
            else:
                info["peer_name"] = display_name(ctx.target_name)
                info["initiator_name"] = display_name(ctx.initiator_name)
        except gssapi.exceptions.GSSError as e:
            info["peer_name_error"] = str(e)
        try:
            info["mech"] = ctx.mech.dotted_form
        except gssapi.exceptions.GSSError:
            pass
        try:
            info["flags"] = int(ctx.actual_flags)
        except gssapi.exceptions.GSSError:
            pass
        if self.args.role == "acceptor":
            # The initiator's delegated credentials (GSS_C_DELEG_FLAG), if any.
            info["delegated"] = None
            try:
                creds = ctx.delegated_creds
                if creds is not None:
                    info["delegated"] = display_name(creds.name)
            except gssapi.exceptions.GSSError as e:
                info["delegated_error"] = str(e)
        try:
            vals = graw.inquire_sec_context_by_oid(ctx, oid(SSPI_SESSION_KEY_OID))
            if vals:
                info["session_key_hex"] = bytes(vals[0]).hex()
                if len(vals) > 1:
                    info["session_key_enctype_hex"] = bytes(vals[1]).hex()
        except Exception as e:  # noqa: BLE001
            info["session_key_error"] = str(e)
        return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--role", choices=["initiator", "acceptor"], required=True)
    ap.add_argument("--mech", choices=sorted(MECHS), default="ntlm")
    ap.add_argument("--user")
    ap.add_argument("--domain", default="")
    ap.add_argument("--password")
    ap.add_argument("--target", default="host@localhost")
    ap.add_argument("--channel-bindings-hex", dest="channel_bindings_hex")
    ap.add_argument("--flags", default=DEFAULT_FLAGS)
    ap.add_argument("--default-creds", dest="default_creds", action="store_true")

    args = parse_args(ap)

    peer = start(lambda: Peer(args), gssapi.exceptions.GSSError, gss_error_reply)

    send(
        {
            "ok": True,
            "ready": True,
            "pid": os.getpid(),
            "role": args.role,
            "mech": peer.mech.dotted_form,
        }
    )

    serve(peer, gssapi.exceptions.GSSError, gss_error_reply)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass
