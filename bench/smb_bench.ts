/**
 * SMB rows: our SMB client against Samba's own, libsmbclient (C, through FFI), both
 * reading a 64 KiB file from a throwaway Samba AD DC's NETLOGON share: with a new
 * session each time (connect, negotiate SMB 3.1.1, Negotiate over NTLM, tree
 * connect, open, read, close, log off), and on a session kept open; and a 1 MiB
 * file on a kept session; both sizes again on encrypted sessions (both clients
 * requiring encryption: AES-128-GCM, Samba's first choice). Skipped with a
 * note where Samba or libsmbclient is missing.
 *
 * @module
 */
import { readFile } from "../src/smb/file.ts";
import { letUsersIn, writeAsAdmin } from "../tests/smb/_dc.ts";
import { SmbSession } from "../src/smb/session.ts";
import {
  AD,
  SAMBA_AD_INSTALL_HINT,
  type SambaDc,
  sambaDcUnavailable,
  withSambaDc,
} from "../tests/peers/samba_ad.ts";
import {
  openSmbClientFfi,
  SMBCLIENT_HINT,
  type SmbClientFfi,
} from "../tests/peers/smbclient_ffi.ts";
import type { Pair } from "./pair.ts";

const USER = { user: "benchsmb", password: "Bench!Smb0rd1" };
const FILE = "bench.bin";
const BIG = "bench1m.bin";

/** A session of the bench user. */
function session(dc: SambaDc, encrypt = false): Promise<SmbSession> {
  return SmbSession.connect({
    encrypt,
    host: "127.0.0.1",
    port: dc.smbPort,
    username: USER.user,
    domain: AD.domain,
    password: USER.password,
  });
}

/**
 * Starts the DC, writes the file and runs the SMB pairs through `run` (the bench's
 * `runPairs`); prints why when they cannot run.
 */
export async function smbRows(
  run: (title: string, pairs: Pair[]) => Promise<void>,
): Promise<void> {
  const missing = await sambaDcUnavailable();
  if (missing) {
    console.log(`\nSMB rows skipped: ${missing}; ${SAMBA_AD_INSTALL_HINT}`);
    return;
  }
  await withSambaDc([USER], [], async (dc) => {
    await letUsersIn(dc);
    await writeAsAdmin(
      dc,
      "NETLOGON",
      FILE,
      crypto.getRandomValues(new Uint8Array(65536)),
    );
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i += 65536) {
      crypto.getRandomValues(big.subarray(i, i + 65536));
    }
    await writeAsAdmin(dc, "NETLOGON", BIG, big);
    let peer: SmbClientFfi | undefined;
    let sealedPeer: SmbClientFfi | undefined;
    try {
      peer = openSmbClientFfi(AD.domain, USER.user, USER.password, dc.smbPort);
      sealedPeer = openSmbClientFfi(
        AD.domain,
        USER.user,
        USER.password,
        dc.smbPort,
        true,
      );
    } catch (e) {
      console.log(
        `libsmbclient not available (${
          (e as Error).message
        }); ${SMBCLIENT_HINT}`,
      );
    }
    const url = `smb://127.0.0.1/NETLOGON/${FILE}`;
    const kept = await session(dc);
    const tree = await kept.treeConnect("NETLOGON");
    const sealed = await session(dc, true);
    const sealedTree = await sealed.treeConnect("NETLOGON");
    try {
      await run(
        "SMB: portable vs Samba's libsmbclient 4.17 (C, through FFI), against Samba's AD DC",
        [
          {
            label:
              "new session (SMB 3.1.1, Negotiate over NTLM, signed) + read 64 KiB",
            ours: async () => {
              const s = await session(dc);
              try {
                await readFile(s, await s.treeConnect("NETLOGON"), FILE);
              } finally {
                await s.close();
              }
            },
            peer: peer && (() => void peer!.readFile(url, 1 << 17)),
            peerName: "libsmbclient",
          },
          {
            label: "open, read 64 KiB, close on a kept session (signed)",
            ours: async () => void await readFile(kept, tree, FILE),
            peer: peer && (() => void peer!.readFile(url, 1 << 17, true)),
            peerName: "libsmbclient",
          },
          {
            label: "open, read 1 MiB, close on a kept session (signed)",
            ours: async () => void await readFile(kept, tree, BIG),
            peer: peer &&
              (() =>
                void peer!.readFile(
                  `smb://127.0.0.1/NETLOGON/${BIG}`,
                  2 << 20,
                  true,
                )),
            peerName: "libsmbclient",
          },
          ...[[FILE, "64 KiB", 1 << 17], [BIG, "1 MiB", 2 << 20]].map((
            [file, size, buf],
          ) => ({
            label:
              `open, read ${size}, close on a kept session (encrypted, AES-128-GCM)`,
            ours: async () =>
              void await readFile(sealed, sealedTree, file as string),
            peer: sealedPeer &&
              (() =>
                void sealedPeer!.readFile(
                  `smb://127.0.0.1/NETLOGON/${file}`,
                  buf as number,
                  true,
                )),
            peerName: "libsmbclient (encryption required)",
          })),
        ],
      );
    } finally {
      await kept.close();
      await sealed.close();
      peer?.close();
      sealedPeer?.close();
    }
  }, { smb: true });
}
