// Heimdal's GSSAPI (libgssapi.so.3, in a child process: its libraries must not share
// a process with MIT's) as a Kerberos initiator, with the ticket `kinit` left in an
// MIT ccache and MIT's KDC: raw krb5 against our Kerberos acceptor, and SPNEGO
// against our Negotiate acceptor, each then sealing messages both ways.
import assert from "node:assert/strict";
import { server } from "../../mod.ts";
import { GssapiPeer } from "../peers/gssapi_peer.ts";
import { isCI } from "../peers/availability.ts";
import { KRB_USER, REALM, withKdc } from "./_kdc_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const HEIMDAL = "/usr/lib/x86_64-linux-gnu/libgssapi.so.3";

const heimdalMissing = () => Deno.stat(HEIMDAL).then(() => false, () => true);

for (const mech of ["krb5", "spnego"] as const) {
  Deno.test(
    `Heimdal ${mech} initiator (MIT ccache) -> our ${
      mech === "krb5" ? "Kerberos" : "Negotiate"
    } acceptor with a keytab, then messages both ways`,
    async () => {
      if (await heimdalMissing()) {
        if (isCI()) throw new Error("libgssapi3-heimdal is missing");
        console.warn("skipped: apt-get install -y libgssapi3-heimdal");
        return;
      }
      await withKdc(async (kdc) => {
        const peer = await GssapiPeer.start({
          impl: "heimdal",
          role: "initiator",
          mech,
          target: "HTTP@localhost",
          env: kdc.env,
        });
        const s = server({
          package: mech === "krb5" ? "Kerberos" : "Negotiate",
          authData: { Keytab: kdc.env.KRB5_KTNAME },
        });
        try {
          let r = await peer.step(null);
          while (r.token) {
            const out = s.step(r.token);
            if (!out) break;
            r = await peer.step(out);
          }
          assert.ok(s.complete, "our acceptor completed");
          assert.ok((await peer.info()).complete, "Heimdal completed");
          assert.equal(s.clientName, `${KRB_USER.user}@${REALM}`);
          for (let i = 0; i < 2; i++) {
            const w = await peer.wrap(enc.encode(`from Heimdal ${i}`));
            assert.equal(dec.decode(s.unwrap(w.data)), `from Heimdal ${i}`);
            const back = s.wrap(enc.encode(`from us ${i}`));
            assert.equal(
              dec.decode((await peer.unwrap(back)).data),
              `from us ${i}`,
            );
          }
        } finally {
          s.dispose();
          await peer.close();
        }
      });
    },
  );
}
