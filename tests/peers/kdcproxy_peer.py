#!/usr/bin/env python3
"""FreeIPA's kdcproxy (Debian's python3-kdcproxy), an MS-KKDCP server, served by
wsgiref on 127.0.0.1 for the Kerberos tests.

    kdcproxy_peer.py REALM KDC_HOST:PORT [CERT KEY]

Writes a kdcproxy.conf sending REALM to the KDC over TCP (no DNS), points
KDCPROXY_CONFIG at it, listens on a free port (HTTPS with CERT and KEY, else
plain HTTP), prints "PORT <n>" and serves until stdin closes or it is killed.
The configuration file is removed once kdcproxy has read it.
"""
import os
import socketserver
import ssl
import sys
import tempfile
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main():
    realm, kdc = sys.argv[1], sys.argv[2]
    tls = sys.argv[3:5]
    conf_dir = tempfile.mkdtemp(prefix="kdcproxy_")
    conf = os.path.join(conf_dir, "kdcproxy.conf")
    with open(conf, "w") as f:
        f.write("[global]\nuse_dns = false\n\n")
        f.write("[%s]\nkerberos = kerberos+tcp://%s\n" % (realm, kdc))
    os.environ["KDCPROXY_CONFIG"] = conf
    # Imported after KDCPROXY_CONFIG is set: the module reads its configuration
    # when it creates its application object.
    import kdcproxy

    os.remove(conf)
    os.rmdir(conf_dir)
    server = make_server(
        "127.0.0.1", 0, kdcproxy.application,
        server_class=ThreadingServer, handler_class=QuietHandler,
    )
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)

    def stop_on_eof():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=stop_on_eof, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
