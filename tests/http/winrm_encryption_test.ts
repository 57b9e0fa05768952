// WinRM's message encryption over HTTP (MS-WSMV 2.2.9.1.1, "HTTP-SPNEGO-session-
// encrypted"): python3-winrm's own Transport (NTLM through requests-ntlm/ntlm-auth,
// message_encryption="always") and MIT GSSAPI's gss_wrap_iov (Kerberos through
// SPNEGO, what pywinrm's kerberos transport and pypsrp call) against
// withAuthentication's sessionEncryption; createAuthFetch's sessionEncryption
// against the same server (NTLM, Negotiate, Kerberos), and the server's refusals:
// tampered, replayed, foreign and length-mismatched messages get 400, plain requests
// 401. pywinrm's own kerberos transport is not tried: Debian's python3-kerberos
// (1.1.14) lacks authGSSWinRMEncryptMessage, so requests-kerberos reports no WinRM
// encryption and pywinrm refuses message_encryption="always" with it.
import assert from "node:assert/strict";
import { createAuthFetch } from "../../mod.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { pythonProbeTest } from "../peers/availability.ts";
import {
  keytabPath,
  KRB_USER,
  REALM,
  withKdc,
} from "../kerberos/_kdc_helpers.ts";
import { DOMAIN, PASSWORD, USER } from "./_server.ts";
import {
  echoOf,
  rawSession,
  replaceAscii,
  runBounded,
  startWinrmServer,
} from "./_winrm.ts";

const users = [{ User: USER, Domain: DOMAIN, Password: PASSWORD }];
const creds = { username: USER, domain: DOMAIN, password: PASSWORD };
const SOAP = { "content-type": "application/soap+xml;charset=UTF-8" };
const envelope = (i: number) => `<s:Envelope n="${i}">café ${i}</s:Envelope>`;
/** The byte length of the server's answer to `envelope(i)`. */
const lengthOf = (i: number) =>
  new TextEncoder().encode(echoOf(envelope(i))).length;
const OPENSSL_LEGACY =
  new URL("../peers/openssl_legacy.cnf", import.meta.url).pathname;

// pywinrm's Transport: an empty POST to log on, then each message sealed.
const PYWINRM = `
import sys
from winrm.transport import Transport
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError
url, user, password, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t = Transport(endpoint=url, username=user, password=password, auth_method="ntlm",
              message_encryption="always", read_timeout_sec=30)
try:
    for i in range(count):
        msg = '<s:Envelope n="%d">caf\\u00e9 %d</s:Envelope>' % (i, i)
        print("OK " + t.send_message(msg).decode("utf-8"))
    try:
        t.send_message("<s:Envelope>FAULT</s:Envelope>")
        print("NO FAULT")
    except WinRMTransportError as e:
        print("FAULT %d %s" % (e.code, e.response_text.decode("utf-8")))
except InvalidCredentialsError:
    print("REFUSED")
`;

await pythonProbeTest(
  "pywinrm/python3-winrm",
  "apt-get install -y python3-winrm python3-requests-ntlm python3-ntlm-auth",
  "import winrm.transport, winrm.encryption, requests_ntlm, ntlm_auth",
  "python3-winrm (ntlm, message_encryption=always) -> withAuthentication sessionEncryption",
  async () => {
    // As Windows' WinRM offers it (Negotiate only: requests-ntlm sends raw NTLMSSP
    // under it), and with NTLM offered too (requests-ntlm prefers it).
    for (const packages of [["Negotiate"], ["Negotiate", "NTLM"]] as const) {
      const srv = startWinrmServer({
        packages: [...packages],
        ntlm: { users },
      });
      try {
        const run = (password: string) =>
          runBounded("/usr/bin/python3", [
            "-c",
            PYWINRM,
            srv.url,
            `${DOMAIN}\\${USER}`,
            password,
            "3",
          ], { OPENSSL_CONF: OPENSSL_LEGACY, PYTHONDONTWRITEBYTECODE: "1" });
        const r = await run(PASSWORD);
        assert.ok(r.ok, `${r.out}\n${r.err}`);
        const fault = "<s:Envelope>FAULT</s:Envelope>";
        assert.deepEqual(r.out.trim().split("\n"), [
          ...[0, 1, 2].map((i) => `OK ${echoOf(envelope(i))}`),
          // The fault is sealed too, and pywinrm opens it.
          `FAULT 500 <fault>${fault}</fault>`,
        ]);
        // The handler saw the logon's empty POST, then each plaintext with the
        // original content type and the logon's identity.
        const who = `${DOMAIN}\\${USER}`;
        assert.deepEqual(srv.seen.map((s) => s.who), Array(5).fill(who));
        assert.deepEqual(srv.seen.map((s) => s.body), [
          "",
          ...[0, 1, 2].map(envelope),
          fault,
        ]);
        assert.ok(srv.seen.slice(1).every((s) => /soap\+xml/.test(s.type!)));
        // One connection: an unauthenticated try, two logon legs, then four sealed
        // exchanges without Authorization, each answered sealed.
        assert.equal(new Set(srv.exchanges.map((e) => e.port)).size, 1);
        assert.deepEqual(srv.exchanges.map((e) => [e.auth, e.status]), [
          [false, 401],
          [true, 401],
          [true, 200],
          [false, 200],
          [false, 200],
          [false, 200],
          [false, 500],
        ]);
        assert.ok(
          srv.exchanges.slice(3).every((e) =>
            e.type?.startsWith("multipart/encrypted;")
          ),
        );
        const wrong = await run("wrong");
        assert.equal(wrong.out.trim(), "REFUSED", wrong.err);
      } finally {
        await srv.close();
      }
    }
  },
);

// MIT GSSAPI through python3-gssapi: SPNEGO/Kerberos logon, then gss_wrap_iov over
// [HEADER, DATA, PADDING] for each message and gss_unwrap_iov over [HEADER, DATA]
// for each answer: the calls pykerberos' authGSSWinRMEncryptMessage and pyspnego's
// wrap_winrm make, so the Windows split of the RFC 4121 Wrap token on both sides.
const GSS_WINRM = `
import base64, struct, sys
import requests, gssapi
from gssapi.raw import IOV, IOVBufferType, unwrap_iov, wrap_iov
url, user, password, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
B = b"--Encrypted Boundary"
P = b"application/HTTP-SPNEGO-session-encrypted"
cred = gssapi.raw.acquire_cred_with_password(
    gssapi.Name(user, gssapi.NameType.user), password.encode(), usage="initiate").creds
F = gssapi.RequirementFlag
ctx = gssapi.SecurityContext(
    name=gssapi.Name("HTTP@localhost", gssapi.NameType.hostbased_service), creds=cred,
    mech=gssapi.OID.from_int_seq("1.3.6.1.5.5.2"), usage="initiate",
    flags=F.mutual_authentication | F.confidentiality | F.integrity
    | F.replay_detection | F.out_of_sequence_detection)
s = requests.Session()
r = s.post(url, data=b"", headers={"Authorization": "Negotiate " + base64.b64encode(ctx.step()).decode()})
assert r.status_code == 200, r.status_code
ctx.step(base64.b64decode(r.headers["WWW-Authenticate"].split(" ", 1)[1]))
assert ctx.complete
for i in range(count):
    data = ('<s:Envelope n="%d">caf\\u00e9 %d</s:Envelope>' % (i, i)).encode()
    iov = IOV(IOVBufferType.header, data, IOVBufferType.padding, std_layout=False)
    wrap_iov(ctx, iov, confidential=True)
    head, enc, pad = iov[0].value, iov[1].value, iov[2].value or b""
    body = (B + b"\\r\\n\\tContent-Type: " + P + b"\\r\\n\\tOriginalContent: "
            b"type=application/soap+xml;charset=UTF-8;Length=" + str(len(data)).encode()
            + b"\\r\\n" + B + b"\\r\\n\\tContent-Type: application/octet-stream\\r\\n"
            + struct.pack("<I", len(head)) + head + enc + pad + B + b"--\\r\\n")
    r = s.post(url, data=body, headers={"Content-Type":
        'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % P.decode()})
    assert r.status_code == 200, r.status_code
    first, rest = r.content.split(B + b"\\r\\n\\tContent-Type: application/octet-stream\\r\\n", 1)
    assert rest.endswith(B + b"--\\r\\n")
    rest = rest[:-len(B + b"--\\r\\n")]
    n = struct.unpack("<I", rest[:4])[0]
    out = IOV((IOVBufferType.header, False, rest[4:4 + n]), rest[4 + n:], std_layout=False)
    unwrap_iov(ctx, out)
    plain = out[1].value
    assert len(plain) == int(first.split(b"Length=")[1].strip())
    print("OK %d %s" % (len(head), plain.decode("utf-8")))
`;

await pythonProbeTest(
  "python3-gssapi (wrap_iov)",
  "apt-get install -y python3-gssapi python3-requests",
  "import requests, gssapi.raw as r\nassert hasattr(r, 'wrap_iov')",
  "MIT GSSAPI gss_wrap_iov (Kerberos in SPNEGO) and createAuthFetch (Kerberos) -> withAuthentication sessionEncryption",
  () =>
    withKdc(async (kdc) => {
      const srv = startWinrmServer({
        packages: ["Negotiate"],
        negotiate: { Keytab: keytabPath(kdc) },
      });
      const f = createAuthFetch({
        credentials: {
          username: KRB_USER.user,
          domain: REALM,
          password: KRB_USER.password,
          kdc: kdc.kdc,
        },
        target: "HTTP/localhost",
        sessionEncryption: true,
      });
      try {
        const r = await runBounded("/usr/bin/python3", [
          "-c",
          GSS_WINRM,
          srv.url,
          `${KRB_USER.user}@${REALM}`,
          KRB_USER.password,
          "3",
        ], { ...kdc.env, PYTHONDONTWRITEBYTECODE: "1" });
        assert.ok(r.ok, `${r.out}\n${r.err}`);
        // MIT's header for aes256-cts: 16 + 16 (encrypted header) + 12 + 16.
        assert.deepEqual(
          r.out.trim().split("\n"),
          [0, 1, 2].map((i) => `OK 60 ${echoOf(envelope(i))}`),
        );
        const who = `${KRB_USER.user}@${REALM}`;
        assert.deepEqual(srv.seen.map((s) => [s.who, s.body]), [
          [who, ""],
          ...[0, 1, 2].map((i) => [who, envelope(i)]),
        ]);
        // Our client, Kerberos through Negotiate, three calls on one connection.
        for (let i = 0; i < 3; i++) {
          const res = await f(srv.url, {
            method: "POST",
            headers: SOAP,
            body: envelope(i),
          });
          assert.equal(res.status, 200);
          assert.equal(await res.text(), echoOf(envelope(i)));
        }
        const ours = srv.exchanges.slice(4);
        assert.equal(new Set(ours.map((e) => e.port)).size, 1);
        // An unauthenticated try, one SPNEGO leg, three sealed messages.
        assert.deepEqual(ours.map((e) => [e.auth, e.status]), [
          [false, 401],
          [true, 200],
          [false, 200],
          [false, 200],
          [false, 200],
        ]);
      } finally {
        f.close();
        await srv.close();
      }
    }),
);

for (const pkg of ["NTLM", "Negotiate"] as const) {
  Deno.test(`createAuthFetch sessionEncryption (${pkg}) -> withAuthentication: one logon, then sealed messages on its connection`, async () => {
    const srv = startWinrmServer({ packages: [pkg], ntlm: { users } });
    const f = createAuthFetch({
      credentials: creds,
      packages: [pkg],
      sessionEncryption: true,
    });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await f(srv.url, {
          method: "POST",
          headers: SOAP,
          body: envelope(i),
        });
        assert.equal(res.status, 200);
        assert.equal(
          res.headers.get("content-type"),
          "application/soap+xml;charset=UTF-8",
        );
        assert.equal(await res.text(), echoOf(envelope(i)));
      }
      const fault = await f(srv.url, {
        method: "POST",
        headers: SOAP,
        body: "FAULT",
      });
      assert.equal(fault.status, 500);
      assert.equal(await fault.text(), "<fault>FAULT</fault>");
      assert.equal(new Set(srv.exchanges.map((e) => e.port)).size, 1);
      // NEGOTIATE and AUTHENTICATE (in SPNEGO for Negotiate), then no more.
      assert.equal(srv.exchanges.filter((e) => e.auth).length, 2);
      const who = `${DOMAIN}\\${USER}`;
      assert.deepEqual(srv.seen.map((s) => [s.who, s.body]), [
        [who, ""],
        ...[0, 1, 2, 3].map((i) => [who, envelope(i)]),
        [who, "FAULT"],
      ]);
      assert.ok(
        srv.exchanges.filter((e) => !e.auth && e.status !== 401).every((e) =>
          e.type?.startsWith("multipart/encrypted;protocol=")
        ),
      );
      // A wrong password resolves with the logon's final 401.
      const wrong = createAuthFetch({
        credentials: { ...creds, password: "wrong" },
        packages: [pkg],
        sessionEncryption: true,
      });
      const w = await wrong(srv.url, { method: "POST", body: envelope(9) });
      assert.equal(w.status, 401);
      await w.body?.cancel();
      wrong.close();
    } finally {
      f.close();
      await srv.close();
    }
  });
}

Deno.test("withAuthentication sessionEncryption: tampered, replayed, foreign and mislabelled messages get 400, plain ones 401", async () => {
  const srv = startWinrmServer({ packages: ["NTLM"], ntlm: { users } });
  const open: { close(): void }[] = [];
  const session = async () => {
    const s = await rawSession(srv.port, "NTLM");
    open.push(s);
    return s;
  };
  try {
    // A plain request on a logged-on connection: 401, and the context is kept.
    const a = await session();
    const plain = await a.post(
      new TextEncoder().encode("<x/>"),
      SOAP["content-type"],
    );
    assert.equal(plain.status, 401);
    const noType = await a.post(new TextEncoder().encode("<x/>"), null);
    assert.equal(noType.status, 401);
    const m1 = a.seal(envelope(1));
    const ok = await a.post(m1);
    assert.equal(ok.status, 200);
    assert.equal(a.open(ok), echoOf(envelope(1)));
    // The same message again: out of sequence, 400, the connection closed.
    const replay = await a.post(m1);
    assert.equal(replay.status, 400);
    assert.ok(a.conn.closed);

    // One altered byte of the sealed data.
    const b = await session();
    const m2 = b.seal(envelope(2));
    m2[m2.length - 30] ^= 1;
    assert.equal((await b.post(m2)).status, 400);

    // A Length that is not the plaintext's.
    const c = await session();
    const n = new TextEncoder().encode(envelope(3)).length;
    const relabelled = replaceAscii(
      c.seal(envelope(3)),
      `Length=${n}\r\n`,
      `Length=${n + 1}\r\n`,
    );
    assert.equal((await c.post(relabelled)).status, 400);

    // A message sealed for another connection (as a client reusing an address and
    // port could try): it does not verify under this connection's context.
    const d = await session();
    const e = await session();
    const dOk = await d.post(d.seal(envelope(4)));
    assert.equal(d.open(dOk), echoOf(envelope(4)));
    assert.equal((await e.post(d.seal(envelope(5)))).status, 400);

    // An encrypted body on a connection that never logged on: 401.
    const f = await session();
    const { Http1Connection } = await import("../../src/http/_http1.ts");
    const fresh = await Http1Connection.open("127.0.0.1", srv.port, false, {
      maxHeaderBytes: 65536,
      maxBodyBytes: 65536,
      timeoutMs: 10000,
    });
    open.push(fresh);
    const h = new Headers({
      host: "x",
      "content-type":
        'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"',
    });
    assert.equal(
      (await fresh.request("POST", "/wsman", h, f.seal(envelope(6)))).status,
      401,
    );
    // The handler saw the logons' empty POSTs and the two messages that verified.
    assert.deepEqual(
      srv.seen.map((s) => s.body).filter((b) => b),
      [envelope(1), envelope(4)],
    );
  } finally {
    for (const s of open) s.close();
    await srv.close();
  }
});

Deno.test("createAuthFetch sessionEncryption: logs on again when the server dropped the context, refuses responses that do not verify", async () => {
  let mode = "";
  const srv = startWinrmServer(
    {
      packages: ["NTLM"],
      ntlm: { users },
      sessionEncryption: { idleTimeoutMs: 300 },
    },
    async (res) => {
      if (!mode || !res.headers.get("content-type")?.startsWith("multipart/")) {
        return res;
      }
      const body = new Uint8Array(await res.arrayBuffer());
      const headers = new Headers(res.headers);
      headers.delete("content-length");
      if (mode === "clear") {
        return new Response("<echo>forged</echo>", { headers: SOAP });
      }
      if (mode === "tamper") body[body.length - 30] ^= 1;
      const out = mode === "length"
        ? replaceAscii(
          body,
          `Length=${lengthOf(2)}`,
          `Length=${lengthOf(2) - 1}`,
        )
        : body;
      return new Response(out as Uint8Array<ArrayBuffer>, {
        status: res.status,
        headers,
      });
    },
  );
  const f = createAuthFetch({
    credentials: creds,
    packages: ["NTLM"],
    sessionEncryption: true,
    keepAliveMs: 10000,
  });
  const post = (i: number) =>
    f(srv.url, { method: "POST", headers: SOAP, body: envelope(i) });
  try {
    assert.equal(await (await post(1)).text(), echoOf(envelope(1)));
    // The server forgets the context after 300 ms idle: the kept connection's next
    // message gets 401, and the client logs on again on a new connection.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await (await post(2)).text(), echoOf(envelope(2)));
    assert.equal(srv.exchanges.filter((e) => e.auth).length, 4);
    assert.equal(new Set(srv.exchanges.map((e) => e.port)).size, 2);
    const reasons: Record<string, RegExp> = {
      tamper: /does not verify/,
      length: /not the \d+ it declares/,
      clear: /with a 200 in clear/,
    };
    for (const [m, reason] of Object.entries(reasons)) {
      mode = m;
      await assert.rejects(
        post(2),
        (e) => e instanceof SspiError && reason.test(e.message),
      );
      mode = "";
      // The connection went with the failure; the next call logs on again.
      assert.equal(await (await post(4)).text(), echoOf(envelope(4)));
    }
    // GET cannot carry a sealed body.
    await assert.rejects(f(srv.url), TypeError);
  } finally {
    f.close();
    await srv.close();
  }
});

Deno.test("createAuthFetch and withAuthentication: sessionEncryption option checks", () => {
  assert.throws(
    () => createAuthFetch({ sessionEncryption: true, packages: ["Digest"] }),
    TypeError,
  );
  assert.throws(
    () =>
      createAuthFetch({ sessionEncryption: true, proxy: "http://proxy:3128" }),
    TypeError,
  );
  assert.throws(
    () =>
      startWinrmServer({
        ntlm: { users },
        sessionEncryption: { idleTimeoutMs: -1 },
      }),
    RangeError,
  );
});
