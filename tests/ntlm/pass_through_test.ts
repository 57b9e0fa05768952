// The NTLM server's pass-through path with a stand-in domain controller (the real
// one, Samba's AD DC over Netlogon, is in tests/ad/ntlm_pass_through_test.ts): what
// the server hands the DC, what it does with the DC's answers (the session key it
// returns must be the client's, a refusal is a status with the DC's reason), and
// that local users and local checks come first.
import assert from "node:assert/strict";
import {
  client,
  SEC_E_BAD_BINDINGS,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_OK,
  SEC_E_UNKNOWN_CREDENTIALS,
  SecBuffer,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_TOKEN,
  SecBufferDesc,
  secChannelBindings,
  SECPKG_CRED_INBOUND,
  SspiError,
  statusName,
} from "../../mod.ts";
import type {
  NetworkLogon,
  NetworkLogonResult,
  NetworkLogonVerifier,
} from "../../src/netlogon/logon.ts";
import { ntlmv2Values, NTOWFv1 } from "../../src/packages/ntlm/crypto.ts";
import {
  NTLM_PACKAGE_INFO,
  NtlmCredential,
} from "../../src/packages/ntlm/package.ts";
import { NtlmServerContext } from "../../src/packages/ntlm/server.ts";
import type { StepResult } from "../../src/sspi/package.ts";

const st = (s: number) => statusName(s);
const ALICE = { user: "alice", domain: "CORP", password: "Al1ce!" };

/** A stand-in DC knowing ALICE: it checks NTProofStr and returns `answer`'s changes. */
class FakeDc implements NetworkLogonVerifier {
  calls: NetworkLogon[] = [];
  constructor(
    readonly answer: (ok: NetworkLogonResult) => NetworkLogonResult = (r) => r,
  ) {}
  logon(l: NetworkLogon): Promise<NetworkLogonResult> {
    this.calls.push({ ...l });
    const temp = l.ntResponse.subarray(16);
    const v = ntlmv2Values(
      NTOWFv1(ALICE.password),
      l.user,
      l.domain,
      l.challenge,
      new Uint8Array(8),
      temp,
    );
    const good = l.user.toLowerCase() === ALICE.user &&
      v.ntProofStr.every((b, i) => b === l.ntResponse[i]);
    const ok: NetworkLogonResult = good
      ? {
        status: 0,
        sessionKey: v.sessionBaseKey.slice(),
        lmSessionKey: new Uint8Array(8),
        validation: null,
      }
      : {
        status: 0xC000006A,
        sessionKey: null,
        lmSessionKey: null,
        validation: null,
      };
    return Promise.resolve(this.answer(ok));
  }
  close(): void {}
}

/** A server context whose credential has `users` and passes the rest to `dc`. */
function serverWith(
  dc: NetworkLogonVerifier,
  users: { User: string; Domain: string; Password: string }[] = [],
  extra: Record<string, unknown> = {},
): NtlmServerContext {
  const cred = new NtlmCredential({
    principal: null,
    use: SECPKG_CRED_INBOUND,
    authData: { users, DomainName: "CORP", ...extra },
    async: true,
  });
  return new NtlmServerContext(NTLM_PACKAGE_INFO, {
    ...cred.serverPolicy(),
    passThrough: dc,
  });
}

/** Runs a handshake of ALICE (with `password`) into `s`; the last step's result. */
async function run(
  s: NtlmServerContext,
  password = ALICE.password,
  bindings?: Uint8Array,
): Promise<{ r: StepResult | SspiError; c: ReturnType<typeof client> }> {
  const c = client({
    package: "NTLM",
    username: ALICE.user,
    domain: ALICE.domain,
    password,
    channelBindings: bindings,
  });
  const input = (t: Uint8Array) => {
    const b = [new SecBuffer(SECBUFFER_TOKEN, t)];
    if (bindings) {
      b.push(
        new SecBuffer(SECBUFFER_CHANNEL_BINDINGS, secChannelBindings(bindings)),
      );
    }
    return new SecBufferDesc(b);
  };
  const req = (t: Uint8Array) => ({
    target: null,
    flags: 0x10 | 0x20000,
    dataRep: 0x10,
    input: input(t),
    output: null,
    async: true,
  });
  const challenge = (await s.step(req(c.step(null)!))).token!;
  try {
    return { r: await s.step(req(c.step(challenge)!)), c };
  } catch (e) {
    if (e instanceof SspiError) return { r: e, c };
    throw e;
  }
}

const statusOf = (r: StepResult | SspiError) => st(r.status);

Deno.test("NTLM pass-through: the DC's key and the logon it was given", async () => {
  const dc = new FakeDc();
  const s = serverWith(dc);
  const { r, c } = await run(s);
  assert.equal(statusOf(r), st(SEC_E_OK));
  assert.equal(dc.calls.length, 1);
  const l = dc.calls[0];
  assert.equal(l.user, ALICE.user);
  assert.equal(l.domain, ALICE.domain);
  assert.equal(l.challenge.length, 8);
  assert.ok(l.ntResponse.length > 24, "the whole NTLMv2 response");
  // The DC's key is the client's: a sealed message crosses.
  const msg = new TextEncoder().encode("through the DC");
  const wrapped = c.wrap(msg);
  const hdr = wrapped.subarray(0, 16).slice();
  const body = wrapped.subarray(16).slice();
  const desc = new SecBufferDesc([
    new SecBuffer(SECBUFFER_TOKEN, hdr),
    new SecBuffer(0x1, body),
  ]);
  assert.equal(st(s.decryptMessage(desc, 0).status), st(SEC_E_OK));
  assert.deepEqual(body, msg);
  c.dispose();
});

Deno.test("NTLM pass-through: refusals and failures", async () => {
  // A wrong password: the DC's STATUS_WRONG_PASSWORD is SEC_E_LOGON_DENIED.
  let { r } = await run(serverWith(new FakeDc()), "wrong");
  assert.equal(statusOf(r), st(SEC_E_LOGON_DENIED));
  assert.match((r as SspiError).message, /STATUS_WRONG_PASSWORD/);
  // A locked-out account, with the reason.
  ({ r } = await run(
    serverWith(
      new FakeDc(() => ({
        status: 0xC0000234,
        sessionKey: null,
        lmSessionKey: null,
        validation: null,
      })),
    ),
  ));
  assert.equal(statusOf(r), st(SEC_E_LOGON_DENIED));
  assert.match((r as SspiError).message, /STATUS_ACCOUNT_LOCKED_OUT/);
  // A DC answering success with another key: the MIC does not match.
  ({ r } = await run(
    serverWith(new FakeDc((ok) => ({ ...ok, sessionKey: new Uint8Array(16) }))),
  ));
  assert.equal(statusOf(r), st(SEC_E_MESSAGE_ALTERED));
  // A DC that cannot be reached.
  const down: NetworkLogonVerifier = {
    logon: () =>
      Promise.reject(
        new SspiError(SEC_E_NO_AUTHENTICATING_AUTHORITY, "no DC"),
      ),
    close() {},
  };
  ({ r } = await run(serverWith(down)));
  assert.equal(statusOf(r), st(SEC_E_NO_AUTHENTICATING_AUTHORITY));
});

Deno.test("NTLM pass-through: local users and local checks come first", async () => {
  // A user the credential holds is checked here; the DC is not asked.
  const dc = new FakeDc();
  const { r } = await run(
    serverWith(dc, [{
      User: "alice",
      Domain: "CORP",
      Password: ALICE.password,
    }]),
  );
  assert.equal(statusOf(r), st(SEC_E_OK));
  assert.equal(dc.calls.length, 0);
  // Channel bindings that do not match are refused before the DC is asked.
  const dc2 = new FakeDc();
  const s = serverWith(dc2);
  const c = client({
    package: "NTLM",
    username: ALICE.user,
    domain: ALICE.domain,
    password: ALICE.password,
    channelBindings: new TextEncoder().encode("tls-server-end-point:A"),
  });
  const req = (t: Uint8Array, cb?: Uint8Array) => ({
    target: null,
    flags: 0x10,
    dataRep: 0x10,
    input: new SecBufferDesc([
      new SecBuffer(SECBUFFER_TOKEN, t),
      ...(cb
        ? [new SecBuffer(SECBUFFER_CHANNEL_BINDINGS, secChannelBindings(cb))]
        : []),
    ]),
    output: null,
    async: true,
  });
  const ch = (await s.step(req(c.step(null)!))).token!;
  await assert.rejects(
    async () =>
      await s.step(
        req(c.step(ch)!, new TextEncoder().encode("tls-server-end-point:B")),
      ),
    (e) => e instanceof SspiError && e.status === SEC_E_BAD_BINDINGS,
  );
  assert.equal(dc2.calls.length, 0);
  c.dispose();
});

Deno.test("NTLM pass-through: unusable DomainController options and a DC that is not there", async () => {
  const acquire = (dc: unknown) => {
    try {
      new NtlmCredential({
        principal: null,
        use: SECPKG_CRED_INBOUND,
        authData: {
          ComputerName: "WEB1",
          DomainName: "CORP",
          DomainController: dc,
        },
        async: true,
      }).dispose();
      return SEC_E_OK;
    } catch (e) {
      if (e instanceof SspiError) return e.status;
      throw e;
    }
  };
  assert.equal(st(acquire({ Password: "x" })), st(SEC_E_UNKNOWN_CREDENTIALS));
  assert.equal(st(acquire({ Server: "dc1" })), st(SEC_E_UNKNOWN_CREDENTIALS));
  assert.equal(
    st(acquire({ Server: "dc1", NtHash: "not hex" })),
    st(SEC_E_UNKNOWN_CREDENTIALS),
  );
  assert.equal(
    st(acquire({ Server: "dc1", Password: "x", MaxConcurrentApi: 0 })),
    st(SEC_E_UNKNOWN_CREDENTIALS),
  );
  assert.equal(st(acquire({ Server: "dc1", Password: "x" })), st(SEC_E_OK));
  // A DC whose Netlogon port is closed: the logon ends, quickly, with
  // SEC_E_NO_AUTHENTICATING_AUTHORITY, and the message names the server.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const cred = new NtlmCredential({
    principal: null,
    use: SECPKG_CRED_INBOUND,
    authData: {
      ComputerName: "WEB1",
      DomainName: "CORP",
      DomainController: { Server: "127.0.0.1", Port: port, Password: "x" },
    },
    async: true,
  });
  const s = new NtlmServerContext(NTLM_PACKAGE_INFO, cred.serverPolicy());
  const t0 = Date.now();
  const { r } = await run(s);
  assert.equal(statusOf(r), st(SEC_E_NO_AUTHENTICATING_AUTHORITY));
  assert.match((r as SspiError).message, /127\.0\.0\.1/);
  assert.ok(Date.now() - t0 < 5000, "refused at once, not after a timeout");
  cred.dispose();
});
