// The friendly layer over Kerberos: client()/server() with stepAsync (the first client
// step needs the KDC), then wrap/unwrap and sign/verify both ways, our server against
// our client and our Negotiate client against MIT's SPNEGO acceptor (whose Wrap tokens
// the friendly unwrap reads as a stream).
import assert from "node:assert/strict";
import { client, server } from "../../mod.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import { pythonPeerTest } from "../peers/availability.ts";
import { crossTraffic } from "../negotiate/_helpers.ts";
import { KRB_USER, REALM, SERVICE, withKdc } from "./_kdc_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

await pythonPeerTest(
  "gss-ntlmssp",
  "friendly client()/server() over Kerberos: stepAsync, clientName, wrap/unwrap and sign/verify both ways",
  () =>
    withKdc(async (kdc) => {
      const c = client({
        package: "Kerberos",
        username: KRB_USER.user,
        domain: REALM,
        password: KRB_USER.password,
        kdc: kdc.kdc,
        target: SERVICE,
      });
      const s = server({
        package: "Kerberos",
        authData: { Keytab: kdc.env.KRB5_KTNAME },
      });
      try {
        const apReq = await c.stepAsync(null);
        const apRep = s.step(apReq);
        assert.ok(s.complete && apRep);
        assert.equal(c.step(apRep), null);
        assert.ok(c.complete);
        assert.equal(s.clientName, `${KRB_USER.user}@${REALM}`);
        for (const encrypt of [true, false]) {
          const w = c.wrap(enc.encode(`to the server ${encrypt}`), encrypt);
          assert.equal(dec.decode(s.unwrap(w)), `to the server ${encrypt}`);
          const back = s.wrap(enc.encode(`to the client ${encrypt}`), encrypt);
          assert.equal(dec.decode(c.unwrap(back)), `to the client ${encrypt}`);
        }
        const mic = s.sign(enc.encode("signed"));
        assert.equal(mic.length, 28);
        c.verify(enc.encode("signed"), mic);
        assert.throws(() => c.verify(enc.encode("signed"), mic), "a replay");
        assert.equal(c.sessionKey.length, 32);
        assert.deepEqual(c.sessionKey, s.sessionKey);
      } finally {
        c.dispose();
        s.dispose();
      }
    }),
);

await pythonPeerTest(
  "gss-ntlmssp",
  "friendly Negotiate client with Kerberos -> MIT SPNEGO acceptor: wraps and MICs both ways",
  () =>
    withKdc(async (kdc) => {
      const c = client({
        package: "Negotiate",
        username: KRB_USER.user,
        domain: REALM,
        password: KRB_USER.password,
        kdc: kdc.kdc,
        target: SERVICE,
      });
      const peer = await GssapiPeer.start({
        role: "acceptor",
        mech: "spnego",
        env: kdc.env,
      });
      try {
        let tok = await c.stepAsync(null);
        while (tok) {
          const r = await peer.step(tok);
          tok = r.token ? await c.stepAsync(r.token) : null;
        }
        assert.ok(c.complete);
        assert.equal((await peer.info()).mech, "1.2.840.113554.1.2.2");
        await crossTraffic(c, peer);
      } finally {
        c.dispose();
        await peer.close();
      }
    }),
);
