// SASL DIGEST-MD5 (RFC 2831) against Cyrus SASL: our client (InitializeSecurityContext, "WDigest", no ISC_REQ_HTTP) against the Cyrus server, to completion
// including rspauth, then the security layer both ways. See _sasl_interop.ts for the
// peer, the framing and the 3DES note.
import assert from "node:assert/strict";
import {
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_INTEGRITY,
  ISC_RET_MUTUAL_AUTH,
  lastErrorDetail,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import { CYRUS_CIPHER_SSF } from "../peers/cyrus_sasl_peer.ts";
import { clientCred, CtxtHandle, dec, enc, iscSasl } from "./_helpers.ts";
import {
  type Cipher,
  CIPHERS,
  cyrusTest,
  exchange,
  expectStep,
  params,
  PASS,
  REALM,
  TARGET,
  USER,
  withPeer,
} from "./_sasl_interop.ts";

// ---- our client against the Cyrus server ------------------------------------

interface ClientCase {
  name: string;
  flags: number;
  minSsf: number;
  maxSsf: number;
  qop: "auth" | "auth-int" | "auth-conf";
  /** The cipher we should pick; also the only one offered unless `offered` says. */
  cipher?: Cipher;
  /** The cipher list Cyrus should offer (exactly). */
  offered?: Cipher[];
  successData?: boolean;
}

const clientCases: ClientCase[] = [
  { name: "auth", flags: 0, minSsf: 0, maxSsf: 0, qop: "auth" },
  {
    name: "auth, rspauth sent as a SASL_CONTINUE (no success data)",
    flags: 0,
    minSsf: 0,
    maxSsf: 0,
    qop: "auth",
    successData: false,
  },
  {
    name: "auth (server offers everything, no flags)",
    flags: 0,
    minSsf: 0,
    maxSsf: 256,
    qop: "auth",
  },
  {
    name: "auth-int",
    flags: ISC_REQ_INTEGRITY,
    minSsf: 1,
    maxSsf: 1,
    qop: "auth-int",
  },
  {
    name: "auth-int (server offers everything)",
    flags: ISC_REQ_INTEGRITY,
    minSsf: 0,
    maxSsf: 256,
    qop: "auth-int",
  },
  ...CIPHERS.map((c): ClientCase => ({
    name: `auth-conf ${c}`,
    flags: ISC_REQ_CONFIDENTIALITY,
    minSsf: CYRUS_CIPHER_SSF[c],
    maxSsf: CYRUS_CIPHER_SSF[c],
    qop: "auth-conf",
    cipher: c,
    offered: [c],
  })),
  {
    name: "auth-conf (server offers every cipher: we pick rc4)",
    flags: ISC_REQ_CONFIDENTIALITY,
    minSsf: 0,
    maxSsf: 256,
    qop: "auth-conf",
    cipher: "rc4",
    offered: [...CIPHERS],
  },
];

for (const tc of clientCases) {
  cyrusTest(`SASL: our client -> Cyrus server, ${tc.name}`, async () => {
    await withPeer("server", {
      user: USER,
      pass: PASS,
      minSsf: tc.minSsf,
      maxSsf: tc.maxSsf,
      successData: tc.successData,
      desParityFix: true,
    }, async (srv) => {
      const cc = clientCred(USER, PASS);
      const ctx = new CtxtHandle();
      assert.equal(
        iscSasl(cc, ctx, true, TARGET, null).status,
        SEC_I_CONTINUE_NEEDED,
      );
      const challenge = dec(expectStep(await srv.start(), "CONTINUE", "start"));
      const ch = params(challenge);
      assert.equal(ch.get("realm"), REALM);
      assert.equal(ch.get("algorithm"), "md5-sess");
      if (tc.offered) {
        assert.deepEqual(
          ch.get("cipher")!.split(",").sort(),
          [...tc.offered].sort(),
        );
      }
      const resp = iscSasl(cc, ctx, false, TARGET, challenge, tc.flags);
      assert.equal(
        resp.status,
        SEC_I_CONTINUE_NEEDED,
        lastErrorDetail()?.message,
      );
      const rp = params(resp.token);
      assert.equal(rp.get("qop"), tc.qop);
      assert.equal(rp.get("digest-uri"), TARGET);
      assert.equal(rp.get("cipher"), tc.cipher);

      const after = await srv.step(enc(resp.token));
      let rspauth: Uint8Array;
      if (tc.successData === false) {
        rspauth = expectStep(after, "CONTINUE", "digest-response");
      } else {
        rspauth = expectStep(after, "OK", "digest-response");
      }
      assert.match(dec(rspauth), /^rspauth=[0-9a-f]{32}$/);
      const fin = iscSasl(cc, ctx, false, TARGET, dec(rspauth));
      assert.equal(fin.status, SEC_E_OK, lastErrorDetail()?.message);
      assert.ok(fin.attrs & ISC_RET_MUTUAL_AUTH);
      assert.equal(fin.token, "");
      if (tc.successData === false) {
        // RFC 2831 step 3: the client's empty response completes the exchange.
        expectStep(await srv.step(new Uint8Array(0)), "OK", "final empty step");
      }
      // Cyrus canonicalizes the authentication id with the realm.
      assert.equal(await srv.user(), `${USER}@${REALM}`);
      const ssf = await srv.ssf();
      assert.equal(
        ssf,
        tc.qop === "auth"
          ? 0
          : tc.qop === "auth-int"
          ? 1
          : CYRUS_CIPHER_SSF[tc.cipher!],
      );
      assert.equal(!!(fin.attrs & ISC_RET_INTEGRITY), tc.qop !== "auth");
      assert.equal(
        !!(fin.attrs & ISC_RET_CONFIDENTIALITY),
        tc.qop === "auth-conf",
      );
      if (tc.qop !== "auth") await exchange(ctx, srv, tc.qop === "auth-conf");
    });
  });
}

cyrusTest(
  "SASL: our client -> Cyrus server, wrong password refused",
  async () => {
    await withPeer("server", { user: USER, pass: PASS }, async (srv) => {
      const cc = clientCred(USER, "not-" + PASS);
      const ctx = new CtxtHandle();
      iscSasl(cc, ctx, true, TARGET, null);
      const challenge = dec(expectStep(await srv.start(), "CONTINUE", "start"));
      const resp = iscSasl(cc, ctx, false, TARGET, challenge);
      assert.equal(resp.status, SEC_I_CONTINUE_NEEDED);
      const r = await srv.step(enc(resp.token));
      assert.equal(r.kind, "FAIL");
      assert.equal(r.kind === "FAIL" && r.code, -13); // SASL_BADAUTH
    });
  },
);

cyrusTest(
  "SASL: our client -> Cyrus server, unknown user refused",
  async () => {
    await withPeer("server", { user: USER, pass: PASS }, async (srv) => {
      const cc = clientCred("mallory", PASS);
      const ctx = new CtxtHandle();
      iscSasl(cc, ctx, true, TARGET, null);
      const challenge = dec(expectStep(await srv.start(), "CONTINUE", "start"));
      const resp = iscSasl(cc, ctx, false, TARGET, challenge);
      assert.equal((await srv.step(enc(resp.token))).kind, "FAIL");
    });
  },
);
