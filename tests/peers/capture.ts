// Captures one gss-ntlmssp NTLM handshake and one SPNEGO handshake, and one
// Samba GENSEC SPNEGO handshake (each plus a wrap and a MIC in each direction),
// to tests/peers/captured/*.json, for offline decode tests.
// Run: deno run -A tests/peers/capture.ts [samba | gssntlmssp_spnego | ...]
import {
  GSSAPI_INSTALL_HINT,
  GssapiPeer,
  gssapiPeerStatus,
  handshake,
  NTLM_OID,
  provisionSamba,
  SAMBA_INSTALL_HINT,
  sambaPeerStatus,
  SPNEGO_OID,
  toBase64,
} from "./gssapi_peer.ts";

const USER = { domain: "EXAMPLE", user: "alice", password: "S3cret!pw" };
const TARGET = "host@localhost";
const FLAGS = [
  "integrity",
  "confidentiality",
  "mutual",
  "replay",
  "sequence",
] as const;
const enc = new TextEncoder();

async function packageVersion(pkg: string): Promise<string | null> {
  try {
    const out = await new Deno.Command("dpkg-query", {
      args: ["-W", "-f=${Version}", pkg],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

async function capture(mech: "ntlm" | "spnego") {
  const acceptor = await GssapiPeer.start({
    role: "acceptor",
    mech,
    users: [USER],
  });
  const initiator = await GssapiPeer.start({
    role: "initiator",
    mech,
    ...USER,
    target: TARGET,
    flags: [...FLAGS],
  }).catch(async (e) => {
    await acceptor.close();
    throw e;
  });
  return await record(initiator, acceptor, mech, {
    description:
      `gss-ntlmssp ${mech.toUpperCase()} handshake captured by tests/peers/capture.ts ` +
      `(python3-gssapi initiator vs python3-gssapi acceptor). Tokens are base64, in wire order. ` +
      `wraps/mics: first wrap (seq 0) then first MIC (seq 1) sent by each side.`,
    generator: {
      "gss-ntlmssp": await packageVersion("gss-ntlmssp"),
      "python3-gssapi": await packageVersion("python3-gssapi"),
      "libgssapi-krb5-2": await packageVersion("libgssapi-krb5-2"),
      hostname: Deno.hostname(),
    },
    requested_flags: FLAGS,
  });
}

/** A Samba GENSEC SPNEGO initiator against a Samba acceptor (SAM provisioned). */
async function captureSamba() {
  const dir = await provisionSamba(USER);
  try {
    const acceptor = await GssapiPeer.start({
      impl: "samba",
      role: "acceptor",
      mech: "spnego",
      sambaDir: dir,
    });
    const initiator = await GssapiPeer.start({
      impl: "samba",
      role: "initiator",
      mech: "spnego",
      ...USER,
      target: TARGET,
    }).catch(async (e) => {
      await acceptor.close();
      throw e;
    });
    return await record(initiator, acceptor, "spnego", {
      description:
        `Samba GENSEC SPNEGO (NTLMSSP) handshake captured by tests/peers/capture.ts ` +
        `(python3-samba initiator vs python3-samba acceptor on a provisioned standalone SAM). ` +
        `Tokens are base64, in wire order. wraps/mics: first wrap then first MIC sent by each side.`,
      generator: {
        "python3-samba": await packageVersion("python3-samba"),
        hostname: Deno.hostname(),
      },
      requested_flags: ["sign", "seal"],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the handshake, one wrap and one MIC each way, and the record to save. */
async function record(
  initiator: GssapiPeer,
  acceptor: GssapiPeer,
  mech: "ntlm" | "spnego",
  about: {
    description: string;
    generator: Record<string, string | null>;
    requested_flags: readonly string[];
  },
) {
  try {
    const tokens = await handshake(initiator, acceptor);
    const wraps = [];
    const mics = [];
    for (const [from, to] of [[initiator, acceptor], [acceptor, initiator]]) {
      const role = from.options.role;
      const plaintext = enc.encode(`wrapped by the ${role}, seq 0`);
      const w = await from.wrap(plaintext, true);
      const u = await to.unwrap(w.data);
      if (
        new TextDecoder().decode(u.data) !== `wrapped by the ${role}, seq 0`
      ) {
        throw new Error("unwrap mismatch");
      }
      wraps.push({
        from: role,
        seq: 0,
        plaintext: toBase64(plaintext),
        token: toBase64(w.data),
      });
      const data = enc.encode(`signed by the ${role}, seq 1`);
      const mic = await from.getMic(data);
      await to.verifyMic(data, mic);
      mics.push({
        from: role,
        seq: 1,
        data: toBase64(data),
        mic: toBase64(mic),
      });
    }
    return {
      description: about.description,
      generator: about.generator,
      mech,
      mech_oid: mech === "ntlm" ? NTLM_OID : SPNEGO_OID,
      user: USER.user,
      domain: USER.domain,
      password: USER.password,
      target: TARGET,
      requested_flags: about.requested_flags,
      channel_bindings_hex: null,
      tokens: tokens.map((t) => ({ from: t.from, token: toBase64(t.token) })),
      initiator_info: await initiator.info(),
      acceptor_info: await acceptor.info(),
      wraps,
      mics,
    };
  } finally {
    await initiator.close();
    await acceptor.close();
  }
}

if (import.meta.main) {
  const st = await gssapiPeerStatus();
  if (!st.available) {
    console.error(
      `gssapi peer unavailable (${st.reason}); ${GSSAPI_INSTALL_HINT}`,
    );
    Deno.exit(1);
  }
  const dir = new URL("./captured/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const runs: [string, () => ReturnType<typeof record>][] = [
    ["gssntlmssp_ntlm_handshake.json", () => capture("ntlm")],
    ["gssntlmssp_spnego_handshake.json", () => capture("spnego")],
  ];
  const samba = await sambaPeerStatus();
  if (samba.available) {
    runs.push(["samba_spnego_handshake.json", captureSamba]);
  } else {
    console.error(
      `Samba peer unavailable (${samba.reason}); ${SAMBA_INSTALL_HINT}`,
    );
  }
  // Names given on the command line (prefixes) choose which to rewrite.
  const chosen = Deno.args.length
    ? runs.filter(([name]) => Deno.args.some((a) => name.startsWith(a)))
    : runs;
  for (const [name, run] of chosen) {
    const data = await run();
    const file = new URL(name, dir);
    await Deno.writeTextFile(file, JSON.stringify(data, null, 2) + "\n");
    console.log(`wrote ${file.pathname} (${data.tokens.length} tokens)`);
  }
}
