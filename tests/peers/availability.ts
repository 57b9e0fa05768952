/**
 * Whether the real peers the interop tests drive are installed, and the
 * tests that need them: skipped with a printed hint when a peer is missing,
 * failed under `CI=true`.
 *
 * @module
 */

import { NTLM_OID } from "../../src/packages/negotiate/constants.ts";

/** Debian packages that provide the peer. */
export const GSSAPI_INSTALL_HINT =
  "apt-get install -y gss-ntlmssp python3-gssapi";
/** Debian package that provides the ntlm-auth peer. */
export const NTLM_AUTH_INSTALL_HINT = "apt-get install -y python3-ntlm-auth";
/** Debian package that provides the Samba peer. */
export const SAMBA_INSTALL_HINT =
  "apt-get install -y python3-samba samba-ad-provision samba-dsdb-modules";

/** Availability of the peer on this machine. */
export interface GssapiStatus {
  available: boolean;
  /** Interpreter that can import gssapi (when available). */
  python?: string;
  /** Why it is not available. */
  reason?: string;
}

const statusCache = new Map<string, Promise<GssapiStatus>>();

/** The first of the candidate interpreters that runs `code` (cached per code). */
function findPython(code: string): Promise<GssapiStatus> {
  let status = statusCache.get(code);
  if (!status) {
    status = (async () => {
      const env = Deno.env.get("GSSAPI_PEER_PYTHON");
      const candidates = env ? [env] : ["/usr/bin/python3", "python3"];
      const reasons: string[] = [];
      for (const py of candidates) {
        const st = await probe(py, code);
        if (st.available) return st;
        reasons.push(st.reason ?? py);
      }
      return { available: false, reason: reasons.join("; ") };
    })();
    statusCache.set(code, status);
  }
  return status;
}

const GSSAPI_PROBE = [
  "import gssapi, gssapi.raw as r",
  "assert hasattr(r, 'acquire_cred_with_password'), 'no acquire_cred_with_password'",
  `m = set(o.dotted_form for o in r.indicate_mechs())`,
  `assert '${NTLM_OID}' in m, 'gss-ntlmssp mech not registered: %s' % sorted(m)`,
  "print('ok')",
].join("\n");
const NTLM_AUTH_PROBE = "from ntlm_auth.ntlm import NtlmContext";
const SAMBA_PROBE = [
  "import glob, os",
  "from samba import auth, credentials, gensec, param",
  "assert os.path.isdir('/usr/share/samba/setup'), 'samba-ad-provision is missing'",
  "assert glob.glob('/usr/lib/*/samba/ldb/samba_dsdb.so'), 'samba-dsdb-modules is missing'",
].join("\n");

async function probe(python: string, code: string): Promise<GssapiStatus> {
  try {
    const out = await new Deno.Command(python, {
      args: ["-c", code],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.success) return { available: true, python };
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop();
    return { available: false, reason: `${python}: ${err}` };
  } catch (e) {
    return {
      available: false,
      reason: `${python}: ${e instanceof Error ? e.message : e}`,
    };
  }
}

/**
 * Finds a python that can import gssapi and sees the gss-ntlmssp mech.
 * Tries `$GSSAPI_PEER_PYTHON`, `/usr/bin/python3` (Debian's python has the
 * python3-gssapi package; a pyenv/venv python usually has not), `python3`.
 */
export function gssapiPeerStatus(): Promise<GssapiStatus> {
  return pythonPeerStatus("gss-ntlmssp");
}

/** The Python peers: the name a skip prints, the install hint, the import probe. */
const PYTHON_PEERS = {
  "gss-ntlmssp": {
    peer: "gss-ntlmssp/python3-gssapi",
    hint: GSSAPI_INSTALL_HINT,
    probe: GSSAPI_PROBE,
  },
  "ntlm-auth": {
    peer: "ntlm-auth/python3-ntlm-auth",
    hint: NTLM_AUTH_INSTALL_HINT,
    probe: NTLM_AUTH_PROBE,
  },
  impacket: {
    peer: "Impacket/python3-impacket",
    hint: "apt-get install -y python3-impacket",
    probe:
      "from impacket import ntlm, spnego\nfrom Cryptodome.Cipher import ARC4",
  },
  ldap3: {
    peer: "ldap3/python3-ldap3",
    hint: "apt-get install -y python3-ldap3",
    probe: "from ldap3.utils.ntlm import NtlmClient",
  },
  samba: {
    peer: "Samba GENSEC/python3-samba",
    hint: SAMBA_INSTALL_HINT,
    probe: SAMBA_PROBE,
  },
} as const;

/** A Python peer of `gssapi_peer.ts`: its `impl`. */
export type PythonPeer = keyof typeof PYTHON_PEERS;

/** Finds a python that can run the peer's library (see `gssapiPeerStatus`). */
export function pythonPeerStatus(kind: PythonPeer): Promise<GssapiStatus> {
  return findPython(PYTHON_PEERS[kind].probe);
}

/** Finds a python that can import ntlm-auth (Debian's python3-ntlm-auth). */
export function ntlmAuthPeerStatus(): Promise<GssapiStatus> {
  return pythonPeerStatus("ntlm-auth");
}

/** Finds a python that can import Samba's `gensec` (Debian's python3-samba). */
export function sambaPeerStatus(): Promise<GssapiStatus> {
  return pythonPeerStatus("samba");
}

/** True when python3-gssapi and gss-ntlmssp are usable. */
export async function gssapiAvailable(): Promise<boolean> {
  return (await gssapiPeerStatus()).available;
}

/** True when running under CI (`CI=true`): missing peers must fail. */
export function isCI(): boolean {
  return (Deno.env.get("CI") ?? "").toLowerCase() === "true";
}

/**
 * Call when a real peer is missing.  Under `CI=true` it throws (the test
 * fails); otherwise it prints a skip message and returns, and the caller
 * should skip (see {@link peerTest}).
 */
export function peerMissing(
  name: string,
  installHint: string,
  reason?: string,
): void {
  const msg = `real peer ${name} is not available${
    reason ? ` (${reason})` : ""
  }; install it with: ${installHint}`;
  if (isCI()) throw new Error(`${msg} [CI=true: missing peers fail]`);
  console.warn(`SKIP: ${msg}`);
}

const warned = new Set<string>();

/**
 * Registers a Deno test that needs a real peer.  When the peer is missing the
 * test is ignored with a printed message, except under `CI=true` where it runs
 * and fails via {@link peerMissing}.
 */
async function registerPeerTest(
  name: string,
  peer: string,
  hint: string,
  status: () => Promise<GssapiStatus>,
  fn: (t: Deno.TestContext) => Promise<void>,
): Promise<void> {
  const st = await status();
  const skip = !st.available && !isCI();
  if (skip && !warned.has(peer)) {
    warned.add(peer);
    peerMissing(peer, hint, st.reason);
  }
  Deno.test({
    name,
    ignore: skip,
    fn: async (t) => {
      if (!st.available) {
        peerMissing(peer, hint, st.reason);
        return;
      }
      await fn(t);
    },
  });
}

/** A Deno test that needs the Python peer `kind` (see `registerPeerTest`). */
export function pythonPeerTest(
  kind: PythonPeer,
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): Promise<void> {
  const p = PYTHON_PEERS[kind];
  return registerPeerTest(
    name,
    p.peer,
    p.hint,
    () => pythonPeerStatus(kind),
    fn,
  );
}

/**
 * Finds a python that runs `probe` (an import check), for a Python peer that is not
 * an `impl` of `gssapi_peer.ts` (such as `kdcproxy_peer.py`).
 */
export function pythonProbeStatus(probe: string): Promise<GssapiStatus> {
  return findPython(probe);
}

/** A Deno test that needs a python that runs `probe` (see `registerPeerTest`). */
export function pythonProbeTest(
  peer: string,
  hint: string,
  probe: string,
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): Promise<void> {
  return registerPeerTest(name, peer, hint, () => findPython(probe), fn);
}

/** A Deno test that needs the gss-ntlmssp peer. */
export const peerTest = (
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): Promise<void> => pythonPeerTest("gss-ntlmssp", name, fn);

/** A Deno test that needs the ntlm-auth peer. */
export const ntlmAuthPeerTest = (
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): Promise<void> => pythonPeerTest("ntlm-auth", name, fn);

/** A Deno test that needs the Samba peer. */
export const sambaPeerTest = (
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): Promise<void> => pythonPeerTest("samba", name, fn);
