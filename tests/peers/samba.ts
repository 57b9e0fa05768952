/**
 * A Samba standalone server's SAM database for the Samba acceptor
 * (`samba_peer.py --provision`).
 *
 * @module
 */

import { sambaPeerStatus } from "./availability.ts";

/** The Samba GENSEC harness. */
export const SAMBA_SCRIPT = new URL("./samba_peer.py", import.meta.url);

/**
 * A Samba standalone server's SAM database in a new temporary directory, with
 * `user` in it, for a Samba acceptor (`sambaDir`). Takes about 7 s; the caller
 * removes the directory.
 */
export async function provisionSamba(
  user: { domain: string; user: string; password: string },
): Promise<string> {
  const st = await sambaPeerStatus();
  const dir = await Deno.makeTempDir({ prefix: "samba_sam_" });
  const out = await new Deno.Command(st.python ?? "python3", {
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    args: [
      SAMBA_SCRIPT.pathname,
      "--provision",
      dir,
      "--domain",
      user.domain,
      "--user",
      user.user,
      "--password",
      user.password,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  // samba-tool reports on stdout too: the harness's answer is the last line.
  const reply = new TextDecoder().decode(out.stdout).trim().split("\n").pop();
  if (!out.success || !reply?.startsWith('{"ok": true')) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    const err = new TextDecoder().decode(out.stderr).trim().split("\n")
      .slice(-5).join("\n");
    throw new Error(`Samba provisioning failed: ${reply}\n${err}`);
  }
  return dir;
}
