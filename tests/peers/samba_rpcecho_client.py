#!/usr/bin/env python3
"""Samba's DCE/RPC client (python3-samba's generated rpcecho binding, gensec for
security) calling an rpcecho server: for the RPC server tests.

  samba_rpcecho_client.py PORT FLAGS USER DOMAIN PASSWORD [REALM]

FLAGS are Samba binding options ("seal", "sign,spnego", "seal,ntlm"...). With
REALM the client must use Kerberos (the KDC from KRB5_CONFIG) for host/localhost. Calls
AddOne(41), EchoData(b"\\x01..\\x05") and EchoData(3000 bytes) and prints one JSON
line: {"ok": true, "add_one": 42, "echo_small": [...], "echo_big_ok": true}, or
{"ok": false, "error": "...", "status": n} when the bind or a call fails.
"""
import json
import os
import sys
import tempfile

from samba import credentials, param
from samba.dcerpc import echo


def main():
    port, flags, user, domain, password = sys.argv[1:6]
    realm = sys.argv[6] if len(sys.argv) > 6 else None
    tmp = tempfile.mkdtemp(prefix="rpcecho_")
    conf = os.path.join(tmp, "smb.conf")
    with open(conf, "w") as f:
        # An empty configuration: nothing read from /etc/samba.
        f.write("[global]\n")
        if realm:
            f.write("  realm = %s\n" % realm)
        for name in ("private dir", "lock dir", "state directory", "cache directory"):
            f.write("  %s = %s\n" % (name, tmp))
    lp = param.LoadParm()
    lp.load(conf)
    creds = credentials.Credentials()
    creds.guess(lp)
    creds.set_username(user)
    creds.set_password(password)
    creds.set_domain(domain)
    creds.set_workstation("RPCECHO")
    if realm:
        creds.set_realm(realm)
        creds.set_kerberos_state(credentials.MUST_USE_KERBEROS)
        flags += ",target_hostname=localhost"
    else:
        creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
    try:
        conn = echo.rpcecho("ncacn_ip_tcp:127.0.0.1[%s,%s]" % (port, flags), lp, creds)
        add_one = conn.AddOne(41)
        small = conn.EchoData([1, 2, 3, 4, 5])
        big = [(i * 7) & 0xFF for i in range(3000)]
        echoed = conn.EchoData(big)
    except Exception as e:  # noqa: BLE001 - the error goes to the test
        status = e.args[0] if e.args and isinstance(e.args[0], int) else None
        print(json.dumps({"ok": False, "error": str(e), "status": status}))
        return
    print(json.dumps({
        "ok": True,
        "add_one": add_one,
        "echo_small": list(small),
        "echo_big_ok": list(echoed) == big,
    }))


if __name__ == "__main__":
    main()
