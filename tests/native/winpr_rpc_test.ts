// The RPC client's SSPI binding over the native provider: SspiRpcAuth with
// libwinpr2's NTLM (the Win32 ABI through Deno.dlopen, as secur32.dll on Windows)
// binds to an in-memory RPC server whose security is our NTLM acceptor at packet
// privacy: WinPR's AUTHENTICATE goes in the rpc_auth_3 and its EncryptMessage seals
// each request, our DecryptMessage opens it (and the other way for responses).
// WinPR signs only one data buffer, so the server does not agree to header signing
// here; at packet integrity WinPR 2's MakeSignature answers
// SEC_E_UNSUPPORTED_FUNCTION, which the call reports as that status.
import assert from "node:assert/strict";
import { RpcClient } from "../../src/rpc/client.ts";
import {
  RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
} from "../../src/rpc/auth.ts";
import { PTYPE_AUTH3, PTYPE_BIND } from "../../src/rpc/pdu.ts";
import { SspiRpcAuth } from "../../src/rpc/sspi_auth.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { SEC_E_UNSUPPORTED_FUNCTION } from "../../src/sspi/status.ts";
import { fakeConnector } from "../rpc/_fake.ts";
import { rpcServer, USERS } from "../rpc/_sspi_server.ts";
import { samFile, winprTable, winprTest } from "./_helpers.ts";

const STUB = new Uint8Array(4000).map((_, i) => (i * 29 + 1) & 255);

winprTest(
  "native provider: RPC bind and sealed calls with WinPR's NTLM; its MakeSignature is unsupported",
  async () => {
    await using sam = await samFile();
    const sspi = winprTable(sam.path);
    for (
      const level of [
        RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
        RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
      ]
    ) {
      const srv = rpcServer({ pkg: "NTLM", headerSigning: false });
      const c = fakeConnector(srv.handler);
      using auth = new SspiRpcAuth({
        package: "NTLM",
        level,
        username: USERS[0].User,
        domain: USERS[0].Domain,
        password: USERS[0].Password,
        sspi,
      });
      const rpc = await RpcClient.connect({
        host: "dc.test",
        port: 49152,
        iface: {
          uuid: "12345778-1234-abcd-ef00-0123456789ac",
          version: [1, 0],
        },
        auth,
        connect: c.connect,
        timeoutMs: 5000,
      });
      try {
        assert.deepEqual(
          c.streams[0].written.map((p) => p[2]),
          [PTYPE_BIND, PTYPE_AUTH3],
        );
        assert.equal(
          srv.ctx.clientName,
          `${USERS[0].Domain}\\${USERS[0].User}`,
        );
        if (level === RPC_C_AUTHN_LEVEL_PKT_INTEGRITY) {
          await assert.rejects(
            rpc.call(3, STUB),
            (e) =>
              e instanceof SspiError &&
              e.status === SEC_E_UNSUPPORTED_FUNCTION,
          );
          continue;
        }
        for (let i = 0; i < 3; i++) {
          const back = await rpc.call(3, STUB.subarray(i * 7));
          assert.deepEqual(back, STUB.slice(i * 7).reverse());
        }
      } finally {
        rpc.close();
      }
    }
  },
);
