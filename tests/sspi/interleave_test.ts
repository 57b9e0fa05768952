// Many async handshakes at once, NTLM and Negotiate, whose server steps wait for a
// user lookup that answers after a random delay, so the steps of every handshake
// interleave with the others. The packages share scratch arrays and WebAssembly
// memory between contexts (never across a wait): this checks that nothing passes
// between handshakes. Each ends as its own password says, under its own user name,
// with a session key of its own, and seals across with its own peer only.
import assert from "node:assert/strict";
import {
  type CredHandle,
  CtxtHandle,
  DecryptMessage,
  DeleteSecurityContext,
  EncryptMessage,
  FreeCredentialsHandle,
  QueryContextAttributes,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  statusName,
} from "../../mod.ts";
import {
  ASC_SEAL_FLAGS,
  ISC_SEAL_FLAGS,
  outToken,
  tokenDesc,
} from "./_helpers.ts";
import { acquireAsync, ascAsync, finish, iscAsync } from "./_async_helpers.ts";

const PASSWORDS: Record<string, string> = {
  alice: "S3cret!pw",
  bob: "B0b-passw0rd",
  carol: "c4rol#Pw",
};
const USERS = Object.keys(PASSWORDS);
const SEED = 0x5eed1e;

/** A small seeded generator (mulberry32), so a failing order can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The token a call wrote, or null when it wrote none (a failed step). */
const tokenOf = (d: SecBufferDesc) =>
  d.pBuffers[0].pvBuffer ? outToken(d) : null;

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  pkg: string;
  user: string;
  right: boolean;
  client: number;
  server: number;
  cx: CtxtHandle;
  sx: CtxtHandle;
}

/** One whole handshake through the async calls, yielding between its steps. */
async function handshake(
  pkg: string,
  user: string,
  right: boolean,
  serverCred: CredHandle,
  rand: () => number,
): Promise<Outcome> {
  const ac = SspiCreateAsyncContext();
  const as = SspiCreateAsyncContext();
  const cc = acquireAsync(ac, pkg, SECPKG_CRED_OUTBOUND, {
    User: user,
    Domain: "EXAMPLE",
    Password: right ? PASSWORDS[user] : PASSWORDS[user] + "-not",
  });
  assert.equal(await finish(ac), SEC_E_OK);
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const pause = () => delay(rand() < 0.5 ? 0 : 1);
  let c = iscAsync(ac, cc.cred, null, cx, ISC_SEAL_FLAGS);
  let cst = await finish(ac);
  let sst = SEC_I_CONTINUE_NEEDED;
  let toServer: Uint8Array | null = tokenOf(c.out);
  let toClient: Uint8Array | null = null;
  let first = true;
  for (let i = 0; i < 8; i++) {
    await pause();
    if (toServer?.length && sst === SEC_I_CONTINUE_NEEDED) {
      const s = ascAsync(
        as,
        first ? serverCred : null,
        first ? null : sx,
        sx,
        ASC_SEAL_FLAGS,
        tokenDesc(toServer),
      );
      first = false;
      sst = await finish(as);
      toServer = null;
      toClient = tokenOf(s.out);
    } else if (toClient?.length && cst === SEC_I_CONTINUE_NEEDED) {
      c = iscAsync(ac, null, cx, cx, ISC_SEAL_FLAGS, tokenDesc(toClient));
      cst = await finish(ac);
      toClient = null;
      toServer = tokenOf(c.out);
    } else {
      break;
    }
    if (sst >>> 31 || cst >>> 31) break; // a failure ends the handshake
  }
  SspiFreeAsyncContext(ac);
  SspiFreeAsyncContext(as);
  FreeCredentialsHandle(cc.cred); // its contexts keep working until deleted
  return { pkg, user, right, client: cst, server: sst, cx, sx };
}

function sessionKey(ctx: CtxtHandle): string {
  const out: { value?: { SessionKey: Uint8Array } } = {};
  assert.equal(
    QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_KEY, out),
    SEC_E_OK,
  );
  return [...out.value!.SessionKey].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Seals on `from`, unseals on `to`: the status, and whether the text came back. */
function sealAcross(from: CtxtHandle, to: CtxtHandle, text: string) {
  const plain = new TextEncoder().encode(text);
  const msg = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, new Uint8Array(16)),
    new SecBuffer(SECBUFFER_DATA, plain.slice()),
  ]);
  assert.equal(EncryptMessage(from, 0, msg, 0), SEC_E_OK);
  const status = DecryptMessage(to, msg, 0, { value: 0 }).valueOf();
  return {
    status,
    same: status === SEC_E_OK &&
      new TextDecoder().decode(msg.pBuffers[1].pvBuffer!) === text,
  };
}

Deno.test("interleaved async handshakes (NTLM and Negotiate) keep their state apart", async () => {
  const rand = random(SEED);
  let waiting = 0;
  let mostWaiting = 0;
  const lookup = async (user: string) => {
    waiting++;
    mostWaiting = Math.max(mostWaiting, waiting);
    await delay(Math.floor(rand() * 4));
    waiting--;
    const password = PASSWORDS[user.toLowerCase()];
    return password ? { User: user, Password: password } : null;
  };
  const servers = new Map<string, CredHandle>();
  for (const pkg of ["NTLM", "Negotiate"]) {
    const as = SspiCreateAsyncContext();
    const sc = acquireAsync(as, pkg, SECPKG_CRED_INBOUND, { lookup });
    assert.equal(await finish(as), SEC_E_OK);
    SspiFreeAsyncContext(as);
    servers.set(pkg, sc.cred);
  }
  const runs: Promise<Outcome>[] = [];
  for (let i = 0; i < 48; i++) {
    const pkg = i % 2 ? "Negotiate" : "NTLM";
    runs.push(
      handshake(pkg, USERS[i % 3], i % 5 !== 4, servers.get(pkg)!, rand),
    );
  }
  const outcomes = await Promise.all(runs);
  const where = (o: Outcome) => `${o.pkg} ${o.user} (seed ${SEED})`;
  assert.ok(
    mostWaiting > 4,
    `the lookups overlapped (at most ${mostWaiting} at once)`,
  );
  const keys = new Set<string>();
  const good = outcomes.filter((o) => o.right);
  for (const o of outcomes) {
    if (!o.right) {
      assert.equal(statusName(o.server), "SEC_E_LOGON_DENIED", where(o));
      assert.equal(o.server, SEC_E_LOGON_DENIED);
      continue;
    }
    assert.equal(statusName(o.client), "SEC_E_OK", where(o));
    assert.equal(statusName(o.server), "SEC_E_OK", where(o));
    const names: { value?: { sUserName: string } } = {};
    assert.equal(
      QueryContextAttributes(o.sx, SECPKG_ATTR_NAMES, names),
      SEC_E_OK,
    );
    assert.equal(names.value!.sUserName, `EXAMPLE\\${o.user}`, where(o));
    const k = sessionKey(o.cx);
    assert.equal(sessionKey(o.sx), k, where(o));
    keys.add(k);
    assert.ok(sealAcross(o.cx, o.sx, `to the server of ${o.user}`).same);
    assert.ok(sealAcross(o.sx, o.cx, `to ${o.user}`).same);
  }
  assert.equal(keys.size, good.length, "every handshake has its own key");
  // A message sealed by one handshake's client does not open at another's server of
  // the same package (at the same sequence number, so only the keys differ).
  for (const pkg of ["NTLM", "Negotiate"]) {
    const same = good.filter((o) => o.pkg === pkg);
    for (let i = 0; i + 1 < same.length; i += 2) {
      const r = sealAcross(same[i].cx, same[i + 1].sx, "misdirected");
      assert.equal(statusName(r.status), "SEC_E_MESSAGE_ALTERED", pkg);
      assert.equal(r.status, SEC_E_MESSAGE_ALTERED);
    }
  }
  for (const o of outcomes) {
    DeleteSecurityContext(o.cx);
    DeleteSecurityContext(o.sx);
  }
  for (const c of servers.values()) FreeCredentialsHandle(c);
});
