// The SMB client and DCE/RPC over its pipes under Node: `src/smb/` and the RPC
// client bundled into one ESM file (scripts/bundle.ts; no Deno API inside: TCP
// through node:net), run by `node` against Samba's AD DC: an SMB 3.1.1 session with
// Negotiate, SYSVOL's GPT.INI read and its folder listed as the DC's disk has
// them, and SAMR over \pipe\samr giving the DC's domain SID.
import assert from "node:assert/strict";
import { AD, withSambaDc } from "../peers/samba_ad.ts";
import { nodeMajor, ROOT, toolTest } from "../runtimes/_tools.ts";
import { letUsersIn } from "./_dc.ts";

const USER = { user: "nodeuser", password: "Node!Passw0rd1" };
const FOLDER =
  `${AD.dnsDomain}/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}`;

await toolTest(
  "smb under Node: a session, a file, a listing and SAMR over a pipe",
  async () =>
    await nodeMajor() >= 18 ? null : {
      missing: "node",
      hint: "apt-get install -y nodejs (Node >= 18)",
    },
  () =>
    withSambaDc([USER], [], async (dc) => {
      await letUsersIn(dc);
      const d = await Deno.makeTempDir({ prefix: "smb-node-" });
      try {
        await Deno.writeTextFile(
          `${d}/entry.ts`,
          `export * from ${JSON.stringify(`${ROOT}src/smb/mod.ts`)};\n` +
            `export { RpcClient } from ${
              JSON.stringify(`${ROOT}src/rpc/client.ts`)
            };\n`,
        );
        const b = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            `${ROOT}scripts/bundle.ts`,
            `${d}/smb.mjs`,
            `${d}/entry.ts`,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(b.code, 0, new TextDecoder().decode(b.stderr));
        const script = `
import { listDirectory, namedPipe, readFile, RpcClient, SmbSession } from ${
          JSON.stringify(`${d}/smb.mjs`)
        };
const [port, user, domain, password, folder] = process.argv.slice(1);
const creds = { username: user, domain, password };
const smb = await SmbSession.connect({ host: "127.0.0.1", port: Number(port), ...creds });
const sysvol = await smb.treeConnect("SYSVOL");
const gpt = await readFile(smb, sysvol, folder + "/GPT.INI");
const names = (await listDirectory(smb, sysvol, folder)).map((e) => e.name).sort();
const dialect = smb.dialect;
await smb.close();
const rpc = await RpcClient.connect({
  host: "127.0.0.1",
  port: Number(port),
  iface: { uuid: "12345778-1234-abcd-ef00-0123456789ac", version: [1, 0] },
  connect: namedPipe({ pipe: "samr", ...creds }),
});
// SamrConnect2: no server name, MAXIMUM_ALLOWED; the answer is a handle and a status.
const reply = await rpc.call(57, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 2));
rpc.close();
console.log(JSON.stringify({
  gpt: Buffer.from(gpt).toString("base64"),
  names,
  dialect,
  samr: [reply.length, new DataView(reply.buffer, reply.byteOffset).getUint32(20, true)],
}));`;
        const o = await new Deno.Command("node", {
          args: [
            "--input-type=module",
            "-e",
            script,
            String(dc.smbPort),
            USER.user,
            AD.domain,
            USER.password,
            FOLDER,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
        const got = JSON.parse(new TextDecoder().decode(o.stdout));
        const disk = `${dc.dir}/state/sysvol/${FOLDER}`;
        const names: string[] = [];
        for await (const e of Deno.readDir(disk)) names.push(e.name);
        assert.deepEqual(got, {
          gpt: btoa(
            String.fromCharCode(...await Deno.readFile(`${disk}/GPT.INI`)),
          ),
          names: names.sort(),
          dialect: 0x311,
          samr: [24, 0],
        });
      } finally {
        await Deno.remove(d, { recursive: true });
      }
    }, { smb: true }),
);
