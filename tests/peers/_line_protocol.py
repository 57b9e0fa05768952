"""The JSON line protocol that gssapi_peer.py and samba_peer.py speak.

One JSON object per line each way: the peer writes a hello, then answers each
request {"op": NAME, ...} by calling its op_NAME(req); "quit" ends it. Any
failure is answered {"ok": false, "error": text, "major": n, "minor": n}.
"""

import base64
import binascii
import json
import sys
import traceback


class BadRequest(Exception):
    """A request the harness cannot serve (answered with major 0)."""


def b64(data):
    """Base64 text of bytes, or None."""
    if data is None:
        return None
    return base64.b64encode(bytes(data)).decode("ascii")


def unb64(text, field):
    """Bytes of a base64 request field (empty when absent)."""
    if text is None or text == "":
        return b""
    if not isinstance(text, str):
        raise BadRequest("field %r must be a base64 string" % field)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise BadRequest("field %r is not valid base64: %s" % (field, e))


def send(obj):
    """Writes one reply line."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def fatal(error, code, **extra):
    """A hello that says the peer cannot start, then exit with `code`."""
    send(dict({"ok": False, "fatal": True, "error": error}, **extra))
    sys.exit(code)


def parse_args(ap):
    """Parses the command line; bad arguments are a fatal hello."""
    try:
        return ap.parse_args()
    except SystemExit as e:
        fatal("bad arguments", e.code if isinstance(e.code, int) else 2)


def start(make_peer, library_error=(), library_reply=None):
    """Builds the peer; a failure is a fatal hello (a library error through
    library_reply, when given)."""
    try:
        return make_peer()
    except library_error as e:
        reply = library_reply(e)
        reply["fatal"] = True
        send(reply)
        sys.exit(1)
    except Exception as e:  # noqa: BLE001
        fatal("%s: %s" % (type(e).__name__, e), 1)


def serve(peer, library_error, library_reply):
    """Answers requests from stdin until "quit" or EOF. Exceptions of the type
    `library_error` (the GSSAPI or Samba failure) are answered with
    library_reply(e)."""
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise BadRequest("request must be a JSON object")
            op = req.get("op")
            if op == "quit":
                send({"ok": True})
                return
            handler = getattr(peer, "op_%s" % op, None) if isinstance(op, str) else None
            if handler is None:
                raise BadRequest("unknown op %r" % (op,))
            reply = handler(req)
        except library_error as e:
            reply = library_reply(e)
        except BadRequest as e:
            reply = {"ok": False, "error": str(e), "major": 0, "minor": 0}
        except json.JSONDecodeError as e:
            reply = {"ok": False, "error": "bad JSON: %s" % e, "major": 0, "minor": 0}
        except Exception as e:  # noqa: BLE001
            reply = {
                "ok": False,
                "error": "%s: %s" % (type(e).__name__, e),
                "trace": traceback.format_exc(),
                "major": 0,
                "minor": 0,
            }
        send(reply)


def run_client(doc, make_peer, mechs=("ntlm",), extra_args=None):
    """The whole main() of a client-only peer (a library with no acceptor): the
    common options (--role initiator, --mech, --user, --domain, --password,
    --target) plus extra_args(parser)'s, then make_peer(args), the hello, and
    requests until "quit". Library failures are plain exceptions here."""
    import argparse
    import os

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--role", choices=["initiator"], required=True)
    ap.add_argument("--mech", choices=list(mechs), default=mechs[0])
    ap.add_argument("--user")
    ap.add_argument("--domain", default="")
    ap.add_argument("--password")
    ap.add_argument("--target", default="host@localhost")
    if extra_args:
        extra_args(ap)
    args = parse_args(ap)
    if args.user is None or args.password is None:
        fatal("initiator needs --user and --password", 2)
    peer = start(lambda: make_peer(args))
    send({"ok": True, "ready": True, "pid": os.getpid(), "role": args.role, "mech": args.mech})
    try:
        serve(peer, (), None)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
