/**
 * Helpers of the SMB tests (and the SMB bench rows) against Samba's AD DC: letting
 * users' files through the DC's temporary directory, writing a file as the
 * domain's Administrator, and RPC over a pipe of a session already set up.
 *
 * @module
 */
import { RpcClient } from "../../src/rpc/client.ts";
import { writeFile } from "../../src/smb/file.ts";
import { sessionPipe } from "../../src/smb/pipe.ts";
import { SmbSession } from "../../src/smb/session.ts";
import { AD, type SambaDc } from "../peers/samba_ad.ts";

/**
 * smbd opens files as the user's Unix id, which must get through the DC's
 * temporary directory (made 0700) to reach SYSVOL and NETLOGON.
 */
export async function letUsersIn(dc: SambaDc): Promise<void> {
  await Deno.chmod(dc.dir, 0o711);
}

/** Writes `data` as `path` on `share` as the Administrator, over SMB. */
export async function writeAsAdmin(
  dc: SambaDc,
  share: string,
  path: string,
  data: Uint8Array,
): Promise<void> {
  await using admin = await SmbSession.connect({
    host: "127.0.0.1",
    port: dc.smbPort,
    username: AD.admin,
    domain: AD.domain,
    password: AD.adminPassword,
    encrypt: true,
  });
  await writeFile(admin, await admin.treeConnect(share), path, data);
}

/**
 * An RPC client for `iface` over a new pipe `pipe` of the session `smb`
 * (`sessionPipe`; the DC's SMB port names the connection), 15 s per exchange.
 */
export function rpcOverSession(
  dc: SambaDc,
  smb: SmbSession,
  iface: Parameters<typeof RpcClient.connect>[0]["iface"],
  pipe: string,
): Promise<RpcClient> {
  return RpcClient.connect({
    host: "127.0.0.1",
    port: dc.smbPort,
    iface,
    timeoutMs: 15_000,
    connect: sessionPipe(smb, pipe),
  });
}
