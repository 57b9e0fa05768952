// Files on Samba's AD DC shares over SMB: the Default Domain Policy's GPT.INI read
// from SYSVOL (as the DC has it on disk) by a user with Negotiate over NTLM and
// with Kerberos, signed and encrypted; a 200 KB file written to NETLOGON by the
// Administrator in many writes, read back and found on the DC's disk; a user who
// may not write there refused (STATUS_ACCESS_DENIED), a missing file
// STATUS_OBJECT_NAME_NOT_FOUND, a directory STATUS_FILE_IS_A_DIRECTORY, a pipe
// share refused for files; 2.1 as well as 3.1.1.
import assert from "node:assert/strict";
import {
  deleteFile,
  listDirectory,
  makeDirectory,
  openFile,
  readFile,
  rename,
  writeFile,
} from "../../src/smb/file.ts";
import { SmbSession } from "../../src/smb/session.ts";
import type { SmbSessionOptions } from "../../src/smb/options.ts";
import { SmbStatusError } from "../../src/smb/errors.ts";
import { letUsersIn } from "./_dc.ts";
import { concat } from "../../src/util/bytes.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";

const USER = { user: "fileuser", password: "File!Passw0rd1" };
const GPT =
  `${AD.dnsDomain}/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/GPT.INI`;

function session(
  dc: SambaDc,
  more: Partial<SmbSessionOptions> = {},
): Promise<SmbSession> {
  return SmbSession.connect({
    host: "127.0.0.1",
    port: dc.smbPort,
    package: "Negotiate",
    username: USER.user,
    domain: AD.domain,
    password: USER.password,
    target: `cifs/${AD.dc}.${AD.dnsDomain}`,
    timeoutMs: 15_000,
    ...more,
  });
}

Deno.test({
  name: "smb files: SYSVOL read, NETLOGON written and read back, refusals",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      await letUsersIn(dc);
      const onDisk = await Deno.readFile(`${dc.dir}/state/sysvol/${GPT}`);
      assert.ok(onDisk.length > 0);
      for (
        const more of [
          {},
          { kdc: dc.kdc },
          { kdc: dc.kdc, encrypt: true },
          { dialects: [0x210] },
        ]
      ) {
        const smb = await session(dc, more);
        try {
          const sysvol = await smb.treeConnect("SYSVOL");
          assert.deepEqual(
            await readFile(smb, sysvol, GPT),
            onDisk,
            JSON.stringify(more),
          );
          // The policy's folder as the DC's disk has it.
          const folder = GPT.slice(0, GPT.lastIndexOf("/"));
          const listed = await listDirectory(smb, sysvol, folder);
          const disk: string[] = [];
          for await (
            const e of Deno.readDir(`${dc.dir}/state/sysvol/${folder}`)
          ) {
            disk.push(`${e.name}${e.isDirectory ? "/" : ""}`);
          }
          assert.deepEqual(
            listed.map((e) => `${e.name}${e.isDirectory ? "/" : ""}`).sort(),
            disk.sort(),
          );
          assert.equal(
            listed.find((e) => e.name === "GPT.INI")!.size,
            BigInt(onDisk.length),
          );
          const policies = await listDirectory(
            smb,
            sysvol,
            `${AD.dnsDomain}/Policies`,
          );
          assert.equal(policies.filter((e) => e.isDirectory).length, 2);
          // A file is not a directory: STATUS_NOT_A_DIRECTORY.
          await assert.rejects(
            listDirectory(smb, sysvol, GPT),
            (e: unknown) =>
              e instanceof SmbStatusError && e.ntStatus === 0xc0000103,
          );
          await assert.rejects(
            readFile(smb, sysvol, AD.dnsDomain),
            (e: unknown) =>
              e instanceof SmbStatusError && e.ntStatus === 0xc00000ba &&
              /STATUS_FILE_IS_A_DIRECTORY/.test(e.message),
          );
          await assert.rejects(
            readFile(smb, sysvol, `${AD.dnsDomain}/no-such-file.txt`),
            (e: unknown) =>
              e instanceof SmbStatusError && e.ntStatus === 0xc0000034,
          );
          // A user may not write to NETLOGON, nor delete from SYSVOL.
          await assert.rejects(
            deleteFile(smb, sysvol, GPT),
            (e: unknown) =>
              e instanceof SmbStatusError && e.ntStatus === 0xc0000022,
          );
          const netlogon = await smb.treeConnect("NETLOGON");
          await assert.rejects(
            writeFile(smb, netlogon, "mine.txt", Uint8Array.of(1)),
            (e: unknown) =>
              e instanceof SmbStatusError && e.ntStatus === 0xc0000022,
          );
          const ipc = await smb.treeConnect("IPC$");
          await assert.rejects(readFile(smb, ipc, "samr"), RangeError);
        } finally {
          await smb.close();
        }
      }

      // The Administrator writes a 200 KB script in many writes.
      const data = new Uint8Array(200_000);
      for (let i = 0; i < data.length; i += 65536) {
        crypto.getRandomValues(data.subarray(i, i + 65536));
      }
      const admin = await session(dc, {
        username: AD.admin,
        password: AD.adminPassword,
        encrypt: true,
      });
      try {
        const netlogon = await admin.treeConnect("NETLOGON");
        await writeFile(admin, netlogon, "logon.bin", data);
        assert.deepEqual(await readFile(admin, netlogon, "/logon.bin"), data);
        const scripts = await listDirectory(admin, netlogon);
        assert.deepEqual(
          scripts.filter((e) => e.name === "logon.bin").map((
            e,
          ) => [e.size, e.isDirectory]),
          [[200_000n, false]],
        );
        await assert.rejects(
          readFile(admin, netlogon, "logon.bin", 1000),
          RangeError,
        );
        // Large MTU: 3 MiB in reads and writes of 1 MiB (16 credits each).
        assert.equal(admin.maxReadSize, 1 << 20);
        assert.equal(admin.maxWriteSize, 1 << 20);
        const huge = new Uint8Array(3 << 20);
        for (let i = 0; i < huge.length; i += 65536) {
          crypto.getRandomValues(huge.subarray(i, i + 65536));
        }
        await writeFile(admin, netlogon, "huge.bin", huge);
        assert.deepEqual(await readFile(admin, netlogon, "huge.bin"), huge);
        await deleteFile(admin, netlogon, "huge.bin");

        // Written again, then deleted: gone from the listing and the disk.
        await writeFile(admin, netlogon, "gone.txt", Uint8Array.of(1, 2, 3));
        assert.ok(
          (await listDirectory(admin, netlogon)).some((e) =>
            e.name === "gone.txt"
          ),
        );
        await deleteFile(admin, netlogon, "gone.txt");
        assert.ok(
          !(await listDirectory(admin, netlogon)).some((e) =>
            e.name === "gone.txt"
          ),
        );
        await assert.rejects(
          Deno.stat(`${dc.dir}/state/sysvol/${AD.dnsDomain}/scripts/gone.txt`),
          Deno.errors.NotFound,
        );
        await assert.rejects(
          deleteFile(admin, netlogon, "gone.txt"),
          (e: unknown) =>
            e instanceof SmbStatusError && e.ntStatus === 0xc0000034,
        );

        // A directory, a file in it renamed, over another only when asked.
        const collision = (e: unknown) =>
          e instanceof SmbStatusError && e.ntStatus === 0xc0000035;
        await makeDirectory(admin, netlogon, "sub");
        await assert.rejects(makeDirectory(admin, netlogon, "sub"), collision);
        await writeFile(admin, netlogon, "sub/a.txt", Uint8Array.of(1));
        await writeFile(admin, netlogon, "sub/c.txt", Uint8Array.of(3));
        await rename(admin, netlogon, "sub/a.txt", "sub/b.txt");
        await assert.rejects(
          rename(admin, netlogon, "sub/b.txt", "sub/c.txt"),
          collision,
        );
        await rename(admin, netlogon, "sub/b.txt", "/sub/c.txt", true);
        const sub = await listDirectory(admin, netlogon, "sub");
        assert.deepEqual(sub.map((e) => [e.name, e.size]), [["c.txt", 1n]]);
        assert.deepEqual(
          await Deno.readFile(
            `${dc.dir}/state/sysvol/${AD.dnsDomain}/scripts/sub/c.txt`,
          ),
          Uint8Array.of(1),
        );

        // An open file: two writes at offsets, streamed back whole.
        const big = crypto.getRandomValues(new Uint8Array(60_000));
        {
          await using f = await openFile(admin, netlogon, "sub/big.bin", {
            write: true,
            mode: "truncate",
          });
          await f.write(0n, big.subarray(0, 25_000));
          await f.write(25_000n, big.subarray(25_000));
        }
        await using f = await openFile(admin, netlogon, "sub/big.bin");
        assert.equal(f.size, 60_000n);
        const chunks: Uint8Array[] = [];
        for await (const c of f.readable(1000n)) chunks.push(c);
        assert.deepEqual(concat(...chunks), big.subarray(1000));
        assert.equal((await f.read(60_000n, 10)).length, 0, "at the end");
        await assert.rejects(
          openFile(admin, netlogon, "sub/none.bin", { write: true }),
          (e: unknown) =>
            e instanceof SmbStatusError && e.ntStatus === 0xc0000034,
        );
      } finally {
        await admin.close();
      }
      assert.deepEqual(
        await Deno.readFile(
          `${dc.dir}/state/sysvol/${AD.dnsDomain}/scripts/logon.bin`,
        ),
        data,
      );
    }, { smb: true }),
});
