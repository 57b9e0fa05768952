#!/usr/bin/env python3
"""Real-peer harness: Samba's own SPNEGO and NTLMSSP (GENSEC).

Samba's GENSEC is the code smbclient, smbd, winbind and the Samba AD DC use to
talk to Windows; its SPNEGO and NTLMSSP are written apart from MIT krb5 and
gss-ntlmssp. It comes from Debian's python3-samba (`samba.gensec`); the
acceptor checks passwords in a SAM database made by `--provision`
(samba-ad-provision and samba-dsdb-modules).

Same line protocol as gssapi_peer.py (one JSON object per line each way), so
gssapi_peer.ts drives both.

Provisioning (once; prints one JSON line and exits):
  --provision DIR --user U --password P
      a standalone server's SAM in DIR (about 7 s), with user U added
Startup:
  --role initiator --mech spnego|ntlm --user U --domain D --password P
      optional: --target host@localhost
  --role acceptor --mech spnego|ntlm --samba-dir DIR
  initiator: --anonymous   an anonymous logon (no user, no password)
  both: --sign-only      ask for integrity only (no GENSEC_FEATURE_SEAL)
        --set NAME=VALUE (repeatable) Samba parameters, for older peers:
        spnego:client_no_optimistic=yes  no optimistic token
        spnego:simulate_w2k=yes          SPNEGO as Windows 2000 spoke it
        client ntlmv2 auth=no            NTLMv1 (with NTLM2 session security
                                         unless ntlmssp_client:ntlm2=no)
        ntlmssp_client:force_old_spnego=yes  no MIC in AUTHENTICATE
        ntlmssp_server:force_old_spnego=yes  no timestamp in CHALLENGE, so
                                             clients send no MIC
        ntlmssp_client:128bit / 56bit / keyexchange / lm_key = yes|no
The first line written is a hello: {"ok":true,"ready":true,...} or
{"ok":false,"fatal":true,"error":...}.

Requests / replies:
  {"op":"step","token":"<b64 or empty>"}
      -> {"ok":true,"token":"<b64>"|null,"complete":bool}
  {"op":"wrap","data":"b64"}   -> {"ok":true,"data":"b64","encrypted":true}
  {"op":"unwrap","data":"b64"} -> {"ok":true,"data":"b64","encrypted":true}
  {"op":"get_mic","data":"b64"} -> {"ok":true,"mic":"b64"}
  {"op":"verify_mic","data":"b64","mic":"b64"} -> {"ok":true}
  {"op":"info"} -> {"ok":true,"complete":bool,"peer_name":..,"session_key_hex":..}
  {"op":"quit"} -> {"ok":true} and exit
Any failure: {"ok":false,"error":"text","major":NTSTATUS,"minor":0}.
"""

import argparse
import os
import shutil
import tempfile

from _line_protocol import BadRequest, b64, fatal, parse_args, send, serve, start, unb64

try:
    import samba
    from samba import auth, credentials, gensec, param
except ImportError as e:  # reported to the TS side
    fatal("cannot import samba: %s" % e, 3, missing="python3-samba")

# GENSEC mechanism names (start_mech_by_name) for the protocol's --mech.
MECHS = {"spnego": "spnego", "ntlm": "ntlmssp"}


def ntstatus_reply(e):
    code, text = e.args[0], e.args[1] if len(e.args) > 1 else str(e)
    return {"ok": False, "error": str(text), "major": code, "minor": 0}


def provision(args):
    """A standalone server's SAM database in args.provision, with one user."""
    from samba.netcmd.main import cmd_sambatool

    def tool(*argv):
        if cmd_sambatool()._run("samba-tool", *argv) not in (None, 0):
            raise RuntimeError("samba-tool %s failed" % argv[0])

    target = args.provision
    # An empty base configuration: installing Debian's samba writes a
    # /etc/samba/smb.conf (map to guest, usershares...) that provision would copy.
    base = os.path.join(target, "base.conf")
    with open(base, "w") as f:
        f.write("[global]\n")
    tool("domain", "provision", "-s", base, "--targetdir=%s" % target, "--server-role=standalone",
         "--domain=%s" % (args.domain or "EXAMPLE"), "--realm=EXAMPLE.TEST",
         "--host-name=SAMBAPEER", "--adminpass=Adm1n!%s" % os.urandom(6).hex(),
         "--dns-backend=NONE")
    tool("user", "add", args.user, args.password, "-s", os.path.join(target, "etc", "smb.conf"))


class Peer:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="samba_peer_")
        lp = param.LoadParm()
        if args.role == "acceptor":
            if not args.samba_dir:
                raise BadRequest("acceptor needs --samba-dir (made by --provision)")
            lp.load(os.path.join(args.samba_dir, "etc", "smb.conf"))
        else:
            # An empty configuration: nothing read from /etc/samba.
            conf = os.path.join(self.tmp, "smb.conf")
            with open(conf, "w") as f:
                f.write("[global]\n")
                f.write("  private dir = %s\n  lock dir = %s\n" % (self.tmp, self.tmp))
            lp.load(conf)
        for opt in args.set or []:
            name, _, value = opt.partition("=")
            lp.set(name.strip(), value.strip())
        service, _, host = args.target.partition("@")
        settings = {"lp_ctx": lp, "target_hostname": host}
        creds = credentials.Credentials()
        creds.guess(lp)
        if args.role == "acceptor":
            self.ctx = gensec.Security.start_server(
                settings=settings, auth_context=auth.AuthContext(lp_ctx=lp)
            )
        else:
            self.ctx = gensec.Security.start_client(settings)
            if args.anonymous:
                creds.set_anonymous()
            elif args.user is None or args.password is None:
                raise BadRequest("initiator needs --user and --password, or --anonymous")
            else:
                creds.set_username(args.user)
                creds.set_password(args.password)
                creds.set_domain(args.domain)
            creds.set_workstation("SAMBAPEER")
            creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
            self.ctx.set_target_service(service)
        self.ctx.set_credentials(creds)
        self.ctx.want_feature(gensec.FEATURE_SIGN)
        if not args.sign_only:
            self.ctx.want_feature(gensec.FEATURE_SEAL)
        self.ctx.start_mech_by_name(MECHS[args.mech])
        self.complete = False

    def op_step(self, req):
        if self.complete:
            raise BadRequest("context already complete")
        self.complete, out = self.ctx.update(unb64(req.get("token"), "token"))
        return {"ok": True, "token": b64(out) if out else None, "complete": self.complete}

    def _need_complete(self):
        if not self.complete:
            raise BadRequest("context not complete")

    def op_wrap(self, req):
        self._need_complete()
        return {"ok": True, "data": b64(self.ctx.wrap(unb64(req.get("data"), "data"))), "encrypted": True}

    def op_unwrap(self, req):
        self._need_complete()
        return {"ok": True, "data": b64(self.ctx.unwrap(unb64(req.get("data"), "data"))), "encrypted": True}

    def op_get_mic(self, req):
        self._need_complete()
        data = unb64(req.get("data"), "data")
        return {"ok": True, "mic": b64(self.ctx.sign_packet(data, data))}

    def op_verify_mic(self, req):
        self._need_complete()
        data = unb64(req.get("data"), "data")
        self.ctx.check_packet(data, data, unb64(req.get("mic"), "mic"))
        return {"ok": True}

    def op_info(self, req):
        info = {
            "ok": True,
            "role": self.args.role,
            "complete": self.complete,
            "peer_name": None,
            "session_key_hex": None,
        }
        if self.complete:
            info["session_key_hex"] = bytes(self.ctx.session_key()).hex()
            if self.args.role == "acceptor":
                who = self.ctx.session_info().info
                info["peer_name"] = "%s\\%s" % (who.domain_name, who.account_name)
        return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provision")
    ap.add_argument("--role", choices=["initiator", "acceptor"])
    ap.add_argument("--mech", choices=sorted(MECHS), default="spnego")
    ap.add_argument("--user")
    ap.add_argument("--domain", default="")
    ap.add_argument("--password")
    ap.add_argument("--samba-dir", dest="samba_dir")
    ap.add_argument("--target", default="host@localhost")
    ap.add_argument("--set", action="append")
    ap.add_argument("--sign-only", dest="sign_only", action="store_true")
    ap.add_argument("--anonymous", action="store_true")

    args = parse_args(ap)
    if args.provision:
        try:
            provision(args)
            send({"ok": True, "provisioned": args.provision})
        except Exception as e:  # noqa: BLE001
            fatal("%s: %s" % (type(e).__name__, e), 1)
        return
    if not args.role:
        fatal("--role or --provision is required", 2)
    peer = start(lambda: Peer(args))
    send({"ok": True, "ready": True, "pid": os.getpid(), "role": args.role, "mech": args.mech})
    try:
        serve(peer, samba.NTSTATUSError, ntstatus_reply)
    finally:
        shutil.rmtree(peer.tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
