#!/usr/bin/env python3
"""Impacket's DCE/RPC client (its own NTLMSSP, sign and seal) calling an rpcecho
server's AddOne (opnum 0) over ncacn_ip_tcp: for the RPC server tests.

  impacket_rpc_client.py PORT LEVEL USER DOMAIN PASSWORD

LEVEL is "seal" or "sign". Prints one JSON line: {"ok": true, "reply": "<hex>"} or
{"ok": false, "error": "..."}.
"""
import json
import sys

from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.rpcrt import (
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
    RPC_C_AUTHN_WINNT,
)
from impacket.uuid import uuidtup_to_bin

RPCECHO = ("60a15ec5-4de8-11d7-a637-005056a20182", "1.0")


def main():
    port, level, user, domain, password = sys.argv[1:6]
    try:
        t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%s]" % port)
        t.set_credentials(user, password, domain)
        dce = t.get_dce_rpc()
        dce.set_auth_level(
            RPC_C_AUTHN_LEVEL_PKT_PRIVACY if level == "seal"
            else RPC_C_AUTHN_LEVEL_PKT_INTEGRITY
        )
        dce.set_auth_type(RPC_C_AUTHN_WINNT)
        dce.connect()
        dce.bind(uuidtup_to_bin(RPCECHO))
        dce.call(0, b"\x29\x00\x00\x00")  # AddOne(41)
        reply = dce.recv()
        dce.disconnect()
    except Exception as e:  # noqa: BLE001 - the error goes to the test
        print(json.dumps({"ok": False, "error": str(e)}))
        return
    print(json.dumps({"ok": True, "reply": reply.hex()}))


if __name__ == "__main__":
    main()
