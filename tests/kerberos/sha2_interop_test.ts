// RFC 8009 enctypes against MIT krb5: for aes256-cts-hmac-sha384-192 (etype 20) and
// aes128-cts-hmac-sha256-128 (etype 19), a realm where the krbtgt, a user and a
// service have keys of that enctype only, and session keys of it (the
// `session_enctypes` string attribute; MIT otherwise assumes every service takes
// aes256-cts-hmac-sha1-96). Our client logs on (AS with encrypted-timestamp
// pre-authentication, TGS) and every KDC message it sees is checked for the enctype;
// MIT's acceptor takes our AP-REQ (and the TGT we delegate, a KRB-CRED under the
// SHA-2 subkey) and MIT's initiator ours, with a keytab that holds only the SHA-2 key
// (and the PAC, which MIT 1.20 signs with checksum type 19 or 20; and MIT's delegated
// TGT, which we then use); then Wrap tokens (sealed and integrity only) and MICs both
// ways. Our client with that ccache (single sign-on) and Heimdal's initiator
// against our acceptor too. The
// etype is read from the tickets, authenticators and AP-REPs on the wire and from
// MIT's context, so a fallback to AES-SHA1 would fail the test.
import assert from "node:assert/strict";
import {
  ASC_RET_DELEGATE,
  CtxtHandle,
  DeleteSecurityContext,
  FreeCredentialsHandle,
  type PacLogonInfo,
  QueryContextAttributes,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_PAC_LOGON_INFO,
  server,
  statusName,
} from "../../mod.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import { isCI } from "../peers/availability.ts";
import {
  type KdcTransport,
  tcpTransport,
} from "../../src/packages/kerberos/transport.ts";
import {
  accept,
  acquireInbound,
  acquireKrb,
  iscStep,
  krbTest,
  newCtx,
  REALM,
  sizesOf,
  withKdc,
} from "./_kdc_helpers.ts";
import { acquireDefault } from "./_ccache_helpers.ts";
import {
  apRepOf,
  apReqOf,
  checkKdcTraffic,
  H,
  heimdalMissing,
  HOST,
  mitSessionKey,
  ourSessionKey,
  pacSignatureTypes,
  PASSWORD,
  secondHop,
  sha2Realm,
  SPN,
  traffic,
  USER,
} from "./_sha2_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const st = (s: number) => statusName(s);

for (const etype of [20, 19]) {
  await krbTest(
    `RFC 8009 etype ${etype} with MIT krb5: our client's AS (pre-auth) and TGS, MIT's acceptor (delegation), MIT's initiator (PAC checksum type ${etype}, delegation), a ccache and Heimdal's initiator to our acceptor, Wrap and MIC both ways`,
    () =>
      withKdc(async (kdc) => {
        const realm = await sha2Realm(kdc, etype);
        // -- our client -> MIT's acceptor --------------------------------------
        const log: { req: Uint8Array; rep: Uint8Array }[] = [];
        const tcp = tcpTransport([kdc.kdc], 5000);
        const relay: KdcTransport = async (r, req) => {
          const rep = await tcp(r, req);
          log.push({ req: req.slice(), rep: rep.slice() });
          return rep;
        };
        const { status, cred } = await acquireKrb("Kerberos", {
          User: USER,
          Domain: REALM,
          Password: PASSWORD,
          KdcTransport: relay,
          Delegate: true,
        });
        assert.equal(st(status), st(SEC_E_OK));
        const mitAcceptor = await GssapiPeer.start({
          role: "acceptor",
          mech: "krb5",
          env: realm.env,
        });
        const ctx = newCtx();
        try {
          const a = await iscStep(cred, ctx, true, SPN, null);
          assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
          checkKdcTraffic(log, etype);
          const apReq = apReqOf(a.token!);
          assert.equal(apReq.ticket.encPart.etype, etype, "service ticket");
          assert.equal(apReq.authenticator.etype, etype, "service session key");
          const r = await mitAcceptor.step(a.token);
          assert.ok(r.complete && r.token, "MIT answers with an AP-REP");
          assert.equal(apRepOf(r.token).encPart.etype, etype);
          const b = await iscStep(cred, ctx, false, SPN, r.token);
          assert.equal(st(b.status), st(SEC_E_OK));
          const info = await mitAcceptor.info();
          assert.equal(info.peer_name, `${USER}@${REALM}`);
          assert.equal(
            info.delegated,
            `${USER}@${REALM}`,
            "MIT read our KRB-CRED",
          );
          const mit = await mitSessionKey(mitAcceptor);
          assert.equal(mit.etype, etype, "MIT's context key enctype");
          assert.equal(mit.key, ourSessionKey(ctx), "one context key");
          await traffic(ctx, mitAcceptor, etype);
        } finally {
          DeleteSecurityContext(ctx);
          FreeCredentialsHandle(cred);
          await mitAcceptor.close();
        }

        // -- MIT's initiator -> our acceptor (the SHA-2 keytab only) ------------
        const inbound = acquireInbound("Kerberos", { Keytab: realm.keytab });
        assert.equal(st(inbound.status), st(SEC_E_OK));
        const mitInitiator = await GssapiPeer.start({
          role: "initiator",
          mech: "krb5",
          defaultCreds: true,
          target: `HTTP@${HOST}`,
          flags: [
            "integrity",
            "confidentiality",
            "mutual",
            "replay",
            "sequence",
            "delegate",
          ],
          env: realm.env,
        });
        const sctx = new CtxtHandle();
        try {
          const first = await mitInitiator.step(null);
          const apReq = apReqOf(first.token!);
          assert.equal(
            apReq.ticket.encPart.etype,
            etype,
            "MIT's service ticket",
          );
          assert.equal(apReq.authenticator.etype, etype);
          assert.deepEqual(
            await pacSignatureTypes(realm.keytab, apReq.ticket),
            [etype, etype],
            "MIT signs the PAC with the checksum type of the keys' etype",
          );
          const r = accept(inbound.cred, sctx, first.token!);
          assert.equal(st(r.status), st(SEC_E_OK));
          assert.ok(r.token, "an AP-REP for mutual authentication");
          assert.equal(apRepOf(r.token).encPart.etype, etype);
          const done = await mitInitiator.step(r.token);
          assert.ok(done.complete);
          const names = { value: null as unknown };
          QueryContextAttributes(sctx, SECPKG_ATTR_NAMES, names);
          assert.deepEqual(names.value, { sUserName: `${USER}@${REALM}` });
          const pacOut = { value: null as unknown };
          assert.equal(
            st(
              QueryContextAttributes(sctx, SECPKG_ATTR_PAC_LOGON_INFO, pacOut),
            ),
            st(SEC_E_OK),
          );
          const pac = pacOut.value as PacLogonInfo;
          assert.ok(
            pac.ServerChecksumVerified,
            "the SHA-2 PAC signature verifies",
          );
          assert.ok(pac.ClientInfoValid);
          const mit = await mitSessionKey(mitInitiator);
          assert.equal(mit.etype, etype);
          assert.equal(mit.key, ourSessionKey(sctx));
          await traffic(sctx, mitInitiator, etype);
          // MIT delegated its TGT (a KRB-CRED under its SHA-2 subkey): we act as
          // the user with it, a TGS exchange with the forwarded TGT's SHA-2 key.
          assert.ok(r.attrs & ASC_RET_DELEGATE, "ASC_RET_DELEGATE");
          await secondHop(kdc, inbound.cred, sctx, etype);
        } finally {
          DeleteSecurityContext(sctx);
          FreeCredentialsHandle(inbound.cred);
          await mitInitiator.close();
        }

        // -- our client with kinit's ccache (SSO) -> our acceptor ---------------
        const sso = acquireDefault("Kerberos", {
          KRB5CCNAME: realm.ccache,
          KRB5_CONFIG: kdc.env.KRB5_CONFIG,
        });
        assert.equal(st(sso.status), st(SEC_E_OK), sso.message);
        const ours = acquireInbound("Kerberos", { Keytab: realm.keytab });
        const cctx = newCtx();
        const actx = new CtxtHandle();
        try {
          const a = await iscStep(sso.cred, cctx, true, SPN, null);
          assert.equal(st(a.status), st(SEC_I_CONTINUE_NEEDED));
          assert.equal(apReqOf(a.token!).authenticator.etype, etype);
          const r = accept(ours.cred, actx, a.token!);
          assert.equal(st(r.status), st(SEC_E_OK));
          const b = await iscStep(sso.cred, cctx, false, SPN, r.token);
          assert.equal(st(b.status), st(SEC_E_OK));
          assert.equal(sizesOf(cctx).cbMaxSignature, 16 + H[etype]);
        } finally {
          DeleteSecurityContext(cctx);
          DeleteSecurityContext(actx);
          FreeCredentialsHandle(sso.cred);
          FreeCredentialsHandle(ours.cred);
        }

        // -- Heimdal's initiator (the same ccache) -> our acceptor --------------
        if (await heimdalMissing()) {
          if (isCI()) throw new Error("libgssapi3-heimdal is missing");
          console.warn(
            "skipped Heimdal: apt-get install -y libgssapi3-heimdal",
          );
          return;
        }
        const heimdal = await GssapiPeer.start({
          impl: "heimdal",
          role: "initiator",
          mech: "krb5",
          target: `HTTP@${HOST}`,
          env: realm.env,
        });
        const s = server({
          package: "Kerberos",
          authData: { Keytab: realm.keytab },
        });
        try {
          const first = await heimdal.step(null);
          const apReq = apReqOf(first.token!);
          assert.equal(apReq.ticket.encPart.etype, etype, "Heimdal's ticket");
          assert.equal(apReq.authenticator.etype, etype);
          const rep = s.step(first.token!);
          assert.ok(rep && s.complete, "our acceptor completed");
          await heimdal.step(rep);
          assert.ok((await heimdal.info()).complete, "Heimdal completed");
          assert.equal(s.clientName, `${USER}@${REALM}`);
          for (const conf of [true, false]) {
            const w = await heimdal.wrap(
              enc.encode(`from Heimdal ${conf}`),
              conf,
            );
            assert.equal(dec.decode(s.unwrap(w.data)), `from Heimdal ${conf}`);
            const back = s.wrap(enc.encode(`from us ${conf}`), conf);
            // The peer does not report gss_unwrap's conf_state: the flags say it.
            assert.equal((w.data[2] & 2) !== 0, conf, "Heimdal's Sealed flag");
            assert.equal((back[2] & 2) !== 0, conf, "our Sealed flag");
            const u = await heimdal.unwrap(back);
            assert.equal(dec.decode(u.data), `from us ${conf}`);
          }
        } finally {
          s.dispose();
          await heimdal.close();
        }
      }),
  );
}
