// Samba's C client library (libsmbclient, through FFI) beside ours against the
// same DC: a 64 KiB file our client wrote to NETLOGON (as the Administrator,
// encrypted) reads back the same through libsmbclient and through ours, each with
// a new session a read. This is the work the bench's SMB rows compare.
import assert from "node:assert/strict";
import { readFile } from "../../src/smb/file.ts";
import { letUsersIn, writeAsAdmin } from "./_dc.ts";
import { SmbSession } from "../../src/smb/session.ts";
import { AD, withSambaDc } from "../peers/samba_ad.ts";
import { openSmbClientFfi, SMBCLIENT_HINT } from "../peers/smbclient_ffi.ts";
import { isCI } from "../peers/availability.ts";

const USER = { user: "readeruser", password: "Reader!Passw0rd1" };

Deno.test({
  name: "smb: libsmbclient reads what our client wrote, as ours does",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      await letUsersIn(dc);
      let peer;
      try {
        peer = openSmbClientFfi(
          AD.domain,
          USER.user,
          USER.password,
          dc.smbPort,
        );
      } catch (e) {
        const msg = `libsmbclient missing (${
          (e as Error).message
        }); ${SMBCLIENT_HINT}`;
        if (isCI()) throw new Error(msg);
        console.warn(`SKIP: ${msg}`);
        return;
      }
      try {
        const data = crypto.getRandomValues(new Uint8Array(65536));
        await writeAsAdmin(dc, "NETLOGON", "bench.bin", data);
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(
            peer.readFile("smb://127.0.0.1/NETLOGON/bench.bin", 1 << 20),
            data,
          );
          const smb = await SmbSession.connect({
            host: "127.0.0.1",
            port: dc.smbPort,
            username: USER.user,
            domain: AD.domain,
            password: USER.password,
          });
          try {
            assert.deepEqual(
              await readFile(
                smb,
                await smb.treeConnect("NETLOGON"),
                "bench.bin",
              ),
              data,
            );
          } finally {
            await smb.close();
          }
        }
      } finally {
        peer.close();
      }
    }, { smb: true }),
});
