/**
 * TLS 1.3 resumption's secrets and parsers: freeing credentials wipes the client's
 * session cache and the server's ticket key, nothing secret shows in inspect
 * output; mutated NewSessionTicket, pre_shared_key and psk_key_exchange_modes
 * input gives status codes (or `decode_error`), never another exception, and a
 * mutated resuming ClientHello never resumes.
 */
import assert from "node:assert/strict";
import {
  CtxtHandle,
  DeleteSecurityContext,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_INTERNAL_ERROR,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import { SchannelCredential } from "../../src/packages/schannel/credentials.ts";
import { TlsClient } from "../../src/packages/schannel/client.ts";
import {
  encodeNewSessionTicket,
  encodePskExtensions,
  parseNewSessionTicket,
  parsePskModes,
  parsePskOffer,
  parseSelectedIdentity,
} from "../../src/packages/schannel/psk.ts";
import { TicketKey } from "../../src/packages/schannel/ticket.ts";
import { AES128_SHA256 } from "../../src/packages/schannel/keys.ts";
import { TlsAlert } from "../../src/packages/schannel/wire.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { testPki } from "./_pki.ts";
import { asc, isc } from "./_tls.ts";
import { close, creds, run, serverHelloOf } from "./_resume.ts";

const pki = await testPki();
const HOUR = 3600_000;

function resumptionTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({ name: `schannel resumption: ${name}`, ignore: pki === null, fn });
}

resumptionTest(
  "freeing the credentials wipes the cache and the ticket key; no secret in inspect output",
  () => {
    const p = pki!;
    const client = new SchannelCredential({
      principal: null,
      use: 2,
      authData: { RootCertificates: p.ecCa.cert },
      async: false,
    });
    const psk = new Uint8Array(32).fill(0xab);
    const ticket = new Uint8Array(40).fill(0xcd);
    client.sessions().add("localhost", {
      ticket,
      psk,
      suite: AES128_SHA256,
      receivedAt: Date.now(),
      expiresAt: Date.now() + HOUR,
      ageAdd: 1,
      peerChain: [],
      verified: true,
      sessionId: new Uint8Array(32),
    });
    assert.equal(client.sessions().count("localhost"), 1);
    const shown = Deno.inspect(client, { depth: 10, showHidden: true });
    assert.doesNotMatch(shown, /171, 171|205, 205|abab|cdcd/);
    client.dispose();
    assert.equal(client.sessions().count("localhost"), 0);
    assert.ok(psk.every((b) => b === 0));
    const key = new TicketKey();
    const state = {
      suite: 0x1301,
      issuedAt: Date.now(),
      authTime: Date.now(),
      ageAdd: 7,
      sessionId: new Uint8Array(32).fill(1),
      psk: new Uint8Array(32).fill(2),
    };
    const sealed = key.seal(state);
    assert.deepEqual(key.open(sealed), state);
    assert.doesNotMatch(Deno.inspect(key, { showHidden: true }), /\d+, \d+/);
    key.wipe();
    assert.equal(key.open(sealed), null);
    assert.throws(() => key.seal(state), TypeError);
  },
);

resumptionTest(
  `mutated NewSessionTicket and pre_shared_key input: status codes, never exceptions (seed ${FUZZ_SEED})`,
  () => {
    const r = rng(FUZZ_SEED);
    const n = fuzzIterations("RESUMPTION_FUZZ_ITERATIONS", 300);
    const mutate = (b: Uint8Array, from = 0): Uint8Array => {
      const m = b.slice();
      const kind = r(4);
      if (kind === 0) return m.subarray(0, from + r(m.length - from));
      for (let i = 0, k = 1 + r(4); i < k; i++) {
        const at = from + r(m.length - from);
        m[at] = kind === 1 ? m[at] ^ (1 << r(8)) : r(256);
      }
      return m;
    };
    // The parsers alone: a value or a TlsAlert (decode_error), nothing else.
    const nst = encodeNewSessionTicket({
      lifetime: 7200,
      ageAdd: 5,
      nonce: Uint8Array.of(0),
      ticket: new Uint8Array(100).fill(3),
    });
    assert.equal(parseNewSessionTicket(nst).lifetime, 7200);
    const offer = encodePskExtensions(
      { identity: new Uint8Array(60).fill(4), obfuscatedAge: 9 },
      32,
    );
    const modesBody = offer.subarray(4, 6);
    const pskBody = offer.subarray(10);
    assert.equal(parsePskOffer(pskBody).binders[0].length, 32);
    assert.deepEqual(parsePskModes(modesBody), [1]);
    const parsers: [(b: Uint8Array) => unknown, Uint8Array][] = [
      [parseNewSessionTicket, nst],
      [parsePskOffer, pskBody],
      [parsePskModes, modesBody],
      [parseSelectedIdentity, Uint8Array.of(0, 0)],
    ];
    for (let i = 0; i < n * 4; i++) {
      const [parse, good] = parsers[i % parsers.length];
      try {
        parse(mutate(good));
      } catch (e) {
        if (!(e instanceof TlsAlert)) throw e;
      }
    }
    // The client's NewSessionTicket handling: SEC_E_OK or SEC_E_ILLEGAL_MESSAGE.
    const client = new TlsClient(
      new SchannelCredential({
        principal: null,
        use: 2,
        authData: {},
        async: false,
      }),
      "localhost",
      true,
    );
    for (let i = 0; i < n; i++) {
      const st = client.newSessionTicket(mutate(nst));
      assert.ok(
        st === SEC_E_OK || st === SEC_E_ILLEGAL_MESSAGE,
        st.toString(16),
      );
    }
    // Our server given mutated resuming ClientHellos: a status, never an internal
    // error, and never a resumption from altered bytes.
    const { sc, cc } = creds(pki!);
    for (let i = 0; i < n; i++) {
      const first = run(cc, sc);
      close(first);
      const ctx = new CtxtHandle();
      const hello = isc(cc, ctx, true, "localhost", null).token!;
      DeleteSecurityContext(ctx);
      const end = hello.length;
      // Mutate the ClientHello's tail: the PSK extensions and a little before.
      const m = mutate(hello, Math.max(9, end - 140));
      const server = new CtxtHandle();
      const s = asc(sc, server, true, m);
      assert.notEqual(s.status, SEC_E_INTERNAL_ERROR);
      if (s.status === SEC_I_CONTINUE_NEEDED) {
        const took = serverHelloOf(s.token!).pskIdentity !== null;
        assert.ok(
          !took || m.length === end && m.every((b, j) => b === hello[j]),
        );
      }
      DeleteSecurityContext(server);
    }
  },
);
