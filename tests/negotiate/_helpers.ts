// Shared helpers of the Negotiate tests.
import { client, server } from "../../mod.ts";
import type { SecurityContext } from "../../src/friendly/context.ts";
import type { GssapiPeer } from "../peers/gssapi_peer.ts";
import assert from "node:assert/strict";
import { decodeNegotiationToken } from "../../src/packages/negotiate/mod.ts";
import { toHex } from "../../src/util/bytes.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The user both sides know. */
export const USER = { User: "alice", Domain: "EXAMPLE", Password: "S3cret!pw" };

/** The same user in the real peers' form (`gssapi_peer.ts`). */
export const PEER_USER = {
  domain: USER.Domain,
  user: USER.User,
  password: USER.Password,
};

/** Our server (friendly layer) that knows `USER`, for a real peer's client. */
export function peerServer(
  pkg: "Negotiate" | "NTLM" = "Negotiate",
  allowNtlmV1 = false,
): SecurityContext {
  return server({ package: pkg, authData: { users: [USER], allowNtlmV1 } });
}

/** Our client (friendly layer) as `USER`, for a real peer's server at `host/localhost`. */
export function peerClient(
  pkg: "Negotiate" | "NTLM" = "Negotiate",
  password = USER.Password,
): SecurityContext {
  return client({
    package: pkg,
    username: USER.User,
    domain: USER.Domain,
    password,
    target: "host/localhost",
  });
}

/** A Negotiate client and server (friendly layer). */
export function pair(
  opts: { password?: string; clientList?: string; serverList?: string } = {},
): { c: SecurityContext; s: SecurityContext } {
  const c = client({
    package: "Negotiate",
    authData: {
      User: USER.User,
      Domain: USER.Domain,
      Password: opts.password ?? USER.Password,
      ...(opts.clientList ? { PackageList: opts.clientList } : {}),
    },
    target: "HTTP/web.example.com",
  });
  const s = server({
    package: "Negotiate",
    authData: {
      users: [USER],
      ...(opts.serverList ? { PackageList: opts.serverList } : {}),
    },
  });
  return { c, s };
}

/** Runs the handshake; returns the tokens in order. */
export function run(c: SecurityContext, s: SecurityContext): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  let t: Uint8Array | null = c.step(null);
  for (let i = 0; i < 10 && t; i++) {
    tokens.push(t);
    t = s.step(t);
    if (!t) break;
    tokens.push(t);
    t = c.step(t);
  }
  return tokens;
}

/** Our client against the peer acceptor; returns the tokens exchanged. */
export async function runClient(
  c: SecurityContext,
  peer: GssapiPeer,
): Promise<Uint8Array[]> {
  const tokens: Uint8Array[] = [];
  let token = c.step(null);
  while (token) {
    tokens.push(token);
    const r = await peer.step(token);
    if (!r.token) break;
    tokens.push(r.token);
    token = c.step(r.token);
  }
  return tokens;
}

/**
 * The peer initiator against our server; returns the tokens exchanged. With
 * `first` (our server spoke first), the peer starts from that token and it
 * leads the list.
 */
export async function runServer(
  s: SecurityContext,
  peer: GssapiPeer,
  first?: Uint8Array,
): Promise<Uint8Array[]> {
  const tokens: Uint8Array[] = first ? [first] : [];
  let r = await peer.step(first ?? null);
  while (r.token) {
    tokens.push(r.token);
    const out = s.step(r.token);
    if (!out) break;
    tokens.push(out);
    r = await peer.step(out);
  }
  return tokens;
}

/**
 * Runs a peer initiator against our server, which must refuse it with
 * SEC_E_LOGON_DENIED and stay incomplete; disposes and closes both.
 */
export async function assertRefused(
  s: SecurityContext,
  peer: GssapiPeer,
): Promise<void> {
  try {
    await assert.rejects(runServer(s, peer), /SEC_E_LOGON_DENIED/);
    assert.equal(s.complete, false);
  } finally {
    s.dispose();
    await peer.close();
  }
}

/**
 * Our server speaks first (NegTokenInit2 with Windows' negHints, as SMB servers
 * do), the peer initiator answers with its own NegTokenInit, and the handshake
 * completes with traffic both ways. Closes the peer.
 */
export async function serverFirstWith(peer: GssapiPeer): Promise<void> {
  const s = peerServer();
  try {
    const tokens = await runServer(s, peer, s.step(null)!);
    const hint = decodeNegotiationToken(tokens[0]);
    assert.ok(hint.type === "init" && !hint.mechToken);
    assert.equal(
      hint.negHints?.hintName,
      "not_defined_in_RFC4178@please_ignore",
    );
    const init = decodeNegotiationToken(tokens[1]);
    assert.ok(init.type === "init" && init.mechToken, "the client's own init");
    assert.ok(s.complete);
    assert.equal(s.clientName, "EXAMPLE\\alice");
    await crossTraffic(s, peer);
  } finally {
    s.dispose();
    await peer.close();
  }
}

/** The peer holds our session key; then `crossTraffic`. */
export async function sameKeyThenTraffic(
  ours: SecurityContext,
  peer: GssapiPeer,
): Promise<void> {
  assert.equal((await peer.info()).session_key_hex, toHex(ours.sessionKey));
  await crossTraffic(ours, peer);
}

/** Three wraps each way, then a MIC each way, between our context and a peer. */
export async function crossTraffic(ours: SecurityContext, peer: GssapiPeer) {
  for (let i = 0; i < 3; i++) {
    const w = ours.wrap(enc.encode(`ours ${i}`));
    const u = await peer.unwrap(w);
    assert.equal(dec.decode(u.data), `ours ${i}`);
    assert.ok(u.encrypted);
    const pw = await peer.wrap(enc.encode(`peer ${i}`));
    assert.equal(dec.decode(ours.unwrap(pw.data)), `peer ${i}`);
  }
  const mic = ours.sign(enc.encode("signed by us"));
  await peer.verifyMic(enc.encode("signed by us"), mic);
  const pmic = await peer.getMic(enc.encode("signed by the peer"));
  ours.verify(enc.encode("signed by the peer"), pmic);
}
