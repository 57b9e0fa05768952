// PKINIT inside FAST (RFC 4556 within RFC 6113) of our Kerberos client against MIT
// krb5's KDC with its pkinit plugin: a certificate logon armored with a TGT from a
// ccache, from a keytab, and from anonymous PKINIT, the tickets then taken by our
// acceptor; the wire shows only PA-FX-FAST outside (PA-PK-AS-REQ inside the armor)
// and the KDC's log the certificate logon; MIT's own `kinit -T ... -X
// X509_user_identity=...` with the same KDC; a relay stripping FAST
// (SEC_E_DOWNGRADE_DETECTED unless AllowFallback) or altering the armored reply
// (SEC_E_MESSAGE_ALTERED); a mutation test of the armored reply (statuses only).
import assert from "node:assert/strict";
import {
  FreeCredentialsHandle,
  SEC_E_DOWNGRADE_DETECTED,
  SEC_E_INTERNAL_ERROR,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
} from "../../mod.ts";
import { tcpTransport } from "../../src/packages/kerberos/transport.ts";
import {
  decodeAsReq,
  decodeKdcRep,
  type PrincipalName,
} from "../../src/packages/kerberos/messages.ts";
import {
  PA_FX_FAST,
  PA_PK_AS_REQ,
} from "../../src/packages/kerberos/constants.ts";
import { acquireKerberosCredential } from "../../src/packages/kerberos/credentials_acquire.ts";
import { getTgt } from "../../src/packages/kerberos/kdc.ts";
import { fastEvidence } from "../../src/packages/kerberos/fast_as.ts";
import { makeArmor } from "../../src/packages/kerberos/fast.ts";
import { pkinitEvidence } from "../../src/packages/kerberos/pkinit_as.ts";
import {
  pkinitFastReply,
  pkinitFastRequest,
} from "../../src/packages/kerberos/pkinit_fast.ts";
import type { PkinitIdentity } from "../../src/packages/kerberos/pkinit_identity.ts";
import { wipeKey } from "../../src/packages/kerberos/crypto.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import { bytesEqual } from "../../src/pki/cert.ts";
import { SECPKG_CRED_OUTBOUND } from "../../src/sspi/flags.ts";
import { isCI } from "../peers/availability.ts";
import { kdcAvailable, type MitKdc } from "../peers/mit_kdc.ts";
import { FUZZ_SEED, fuzzIterations, mutate, rng } from "../_fuzz.ts";
import { acquireKrb, iscStep, newCtx, REALM, SERVICE } from "./_kdc_helpers.ts";
import {
  armorSetup,
  errorPadataTypes,
  indexOf,
  isAsReqOf,
  logonAndAp,
  relay,
  type Seen,
  st,
  stripFast,
} from "./_fast_helpers.ts";
import {
  type CertFiles,
  makePkinitPki,
  pkinitPeersAvailable,
  type PkinitPki,
  pkinitPluginAvailable,
  startPkinitKdc,
} from "./_pkinit_pki.ts";

/** A principal that must pre-authenticate and has no keys: certificate only. */
/** What an accepted AS reply gives, as one comparable string (key included). */
function ticketView(t: {
  ticket: { raw?: Uint8Array; realm: string; sname: { nameString: string[] } };
  key: { etype: number; bytes: Uint8Array };
  cname: { nameString: string[] };
  crealm: string;
  endtime: number;
  flags?: number;
  authtime?: number;
  starttime?: number;
  renewTill?: number;
}): string {
  const hex = (b?: Uint8Array) =>
    b ? Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("") : "";
  return JSON.stringify([
    hex(t.ticket.raw),
    t.ticket.realm,
    t.ticket.sname.nameString,
    t.key.etype,
    hex(t.key.bytes),
    t.cname.nameString,
    t.crealm,
    t.endtime,
    t.flags,
    t.authtime,
    t.starttime,
    t.renewTill,
  ]);
}

const CAROL = "carol";
const read = (p: string) => Deno.readTextFileSync(p);
const ready = await kdcAvailable() && await pkinitPluginAvailable();

if (!ready && !isCI()) await pkinitPeersAvailable(); // prints the skip message with the hint

/** What each test gets: the KDC, the PKI, carol's certificate, the armor sources. */
interface Setup {
  kdc: MitKdc;
  pki: PkinitPki;
  carol: CertFiles;
  ccache: string;
  keytab: string;
  /** The KDC's log so far. */
  log(): string;
}

/**
 * Runs `fn` with a PKINIT-enabled KDC that logs to a file, the test PKI, carol
 * (certificate only), the armor ccache and keytab of `host/localhost`, and the
 * WELLKNOWN/ANONYMOUS principal (anonymous PKINIT armor).
 */
async function withKdc(
  fn: (s: Setup) => Promise<void>,
  moreConf = "",
): Promise<void> {
  if (!await pkinitPeersAvailable()) return;
  const pki = await makePkinitPki(REALM);
  const logFile = `${pki.dir}/kdc.log`;
  const kdc = await startPkinitKdc(pki, moreConf, logFile);
  try {
    await kdc.kadmin(`addprinc +requires_preauth -nokey ${CAROL}`);
    await kdc.kadmin("addprinc -randkey WELLKNOWN/ANONYMOUS");
    const { ccache, keytab } = await armorSetup(kdc);
    const carol = await pki.user(CAROL);
    await fn({
      kdc,
      pki,
      carol,
      ccache,
      keytab,
      log: () => Deno.readTextFileSync(logFile),
    });
  } finally {
    await kdc.close();
    await Deno.remove(pki.dir, { recursive: true }).catch(() => {});
  }
}

/** carol's certificate logon `pAuthData`, armored with `armor`. */
function certAuth(
  s: Setup,
  armor: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    User: CAROL,
    Domain: REALM,
    Certificate: read(s.carol.cert),
    PrivateKey: read(s.carol.key),
    KdcRootCertificates: read(s.pki.ca.cert),
    Kdc: s.kdc.kdc,
    FastArmor: armor,
    ...extra,
  };
}

/** The package's credential object for `authData`. */
function credOf(authData: unknown) {
  return acquireKerberosCredential({
    principal: null,
    use: SECPKG_CRED_OUTBOUND,
    authData,
    async: true,
  });
}

/**
 * carol's AS exchanges in `log` were armored: the AS-REQ carries PA-FX-FAST alone
 * (PA-PK-AS-REQ is not outside), the AS-REP PA-FX-FAST alone (PA-PK-AS-REP inside).
 */
function assertArmored(log: Seen[]): void {
  const as = log.filter((x) => isAsReqOf(x.req, CAROL));
  assert.equal(as.length, 1, "one armored PKINIT AS-REQ");
  const { req, rep } = as[0];
  const types = decodeAsReq(req).padata?.map((p) => p.padataType);
  assert.deepEqual(types, [PA_FX_FAST], "only PA-FX-FAST outside");
  assert.ok(!types?.includes(PA_PK_AS_REQ));
  assert.equal(rep[0], 0x6b, "an AS-REP");
  assert.deepEqual(
    decodeKdcRep(rep).padata?.map((p) => p.padataType),
    [PA_FX_FAST],
    "the reply is armored (PA-PK-AS-REP inside)",
  );
}

/** carol's TGT through `authData`; checks the FAST and PKINIT evidence. */
async function tgtWithEvidence(authData: unknown): Promise<void> {
  const cred = credOf(authData);
  try {
    const t = await getTgt(cred);
    assert.deepEqual(t.cname.nameString, [CAROL]);
    assert.deepEqual(fastEvidence(cred), {
      finishedVerified: true,
      strengthened: true,
      encryptedChallenge: false,
      kdcChallengeVerified: false,
    });
    const ev = pkinitEvidence(cred)!;
    assert.equal(ev.kdcCertificate.subjectCommonName, "kdc");
  } finally {
    cred.dispose();
  }
}

/**
 * A test of MIT's KDC with PKINIT (`withKdc`, with `conf` added to its realm),
 * failed under `CI=true` without it.
 */
function fastTest(
  name: string,
  fn: Parameters<typeof withKdc>[0],
  conf?: string,
): void {
  Deno.test({ name, ignore: !ready && !isCI(), fn: () => withKdc(fn, conf) });
}

fastTest(
  "PKINIT in FAST with MIT krb5: ccache armor + certificate; only PA-FX-FAST on the wire; our acceptor",
  async (s) => {
    const log: Seen[] = [];
    const auth = certAuth(s, s.ccache, { KdcTransport: relay(s.kdc, log) });
    await tgtWithEvidence(auth);
    assertArmored(log);
    log.length = 0;
    assert.equal(st(await logonAndAp(s.kdc, auth)), st(SEC_E_OK));
    assertArmored(log);
    const tgs = log.filter((x) => x.req[0] === 0x6c);
    assert.ok(tgs.length >= 1, "a TGS exchange");
    // The KDC issued carol's TGT on her certificate (no keys: nothing else works).
    const issued = s.log().split("\n").filter((l) =>
      l.includes("AS_REQ") && l.includes("ISSUE") &&
      l.includes(`${CAROL}@${REALM} for krbtgt/${REALM}@${REALM}`)
    );
    assert.ok(issued.length >= 2, s.log());
    console.log(`KDC: ${issued[0].replace(/^.*AS_REQ/, "AS_REQ")}`);
  },
);

fastTest(
  "PKINIT in FAST with MIT krb5: keytab armor + certificate",
  async (s) => {
    const log: Seen[] = [];
    const auth = certAuth(
      s,
      { Keytab: s.keytab, Principal: "host/localhost" },
      { KdcTransport: relay(s.kdc, log) },
    );
    await tgtWithEvidence(auth);
    assertArmored(log);
    assert.ok(
      log.some((x) => isAsReqOf(x.req, "host/localhost")),
      "the armor TGT came from the keytab",
    );
    assert.equal(st(await logonAndAp(s.kdc, auth)), st(SEC_E_OK));
  },
);

fastTest(
  "PKINIT in FAST with MIT krb5: anonymous PKINIT armor + certificate (FreeIPA's kinit -n, kinit -T)",
  async (s) => {
    const log: Seen[] = [];
    const auth = certAuth(s, { Anonymous: true }, {
      KdcTransport: relay(s.kdc, log),
    });
    await tgtWithEvidence(auth);
    assertArmored(log);
    const anon = log.filter((x) => isAsReqOf(x.req, "WELLKNOWN/ANONYMOUS"));
    assert.equal(anon.length, 1, "the anonymous logon for the armor");
    assert.ok(
      decodeAsReq(anon[0].req).padata?.some((p) =>
        p.padataType === PA_PK_AS_REQ
      ),
      "the armor's own anonymous PKINIT is not armored",
    );
    assert.equal(st(await logonAndAp(s.kdc, auth)), st(SEC_E_OK));
  },
);

fastTest(
  "PKINIT in FAST with MIT krb5: a KDC requiring freshness tokens (RFC 8070) gives one inside FAST",
  async (s) => {
    const log: Seen[] = [];
    const auth = certAuth(s, s.ccache, { KdcTransport: relay(s.kdc, log) });
    await tgtWithEvidence(auth);
    const as = log.filter((x) => isAsReqOf(x.req, CAROL));
    assert.ok(as.length >= 2, "a refusal without a token, then the token");
    for (const { req, rep } of as) {
      assert.deepEqual(
        decodeAsReq(req).padata?.map((p) => p.padataType),
        [PA_FX_FAST],
      );
      if (rep[0] === 0x7e) {
        // The error (and its METHOD-DATA with the token) is inside FAST.
        assert.deepEqual(errorPadataTypes(rep), [PA_FX_FAST]);
      }
    }
    console.log(
      "carol's armored AS exchanges:",
      as.map((x) => x.rep[0] === 0x7e ? "KRB-ERROR" : "AS-REP").join(", "),
    );
    assert.equal(st(await logonAndAp(s.kdc, auth)), st(SEC_E_OK));
  },
  "    pkinit_require_freshness = true\n",
);

fastTest(
  "PKINIT in FAST with MIT krb5: FAST stripped is SEC_E_DOWNGRADE_DETECTED (unless AllowFallback); altered replies SEC_E_MESSAGE_ALTERED",
  async (s) => {
    for (const allow of [false, true]) {
      const log: Seen[] = [];
      const { status, cred } = await acquireKrb(
        "Kerberos",
        certAuth(s, { Ccache: s.ccache, AllowFallback: allow }, {
          KdcTransport: relay(s.kdc, log, { onReq: stripFast }),
        }),
      );
      assert.equal(st(status), st(SEC_E_OK));
      const r = await iscStep(cred, newCtx(), true, SERVICE, null);
      FreeCredentialsHandle(cred);
      const as = log.filter((x) => isAsReqOf(x.req, CAROL));
      if (allow) {
        assert.equal(st(r.status), st(SEC_I_CONTINUE_NEEDED));
        assert.ok(
          as.some((x) =>
            decodeAsReq(x.req).padata?.some((p) =>
              p.padataType === PA_PK_AS_REQ
            )
          ),
          "the fallback sent a plain PKINIT AS-REQ",
        );
      } else {
        assert.equal(st(r.status), st(SEC_E_DOWNGRADE_DETECTED));
        assert.equal(as.length, 1, "nothing after the downgrade");
      }
    }
    /** Flips the last byte of `part` where it sits in `rep`. */
    const flip = (rep: Uint8Array, part: Uint8Array) => {
      const at = indexOf(rep, part);
      assert.ok(at >= 0);
      rep[at + part.length - 1] ^= 1;
      return rep;
    };
    const cases: [string, (rep: Uint8Array) => Uint8Array][] = [
      [
        "the enc-fast-rep (PA-PK-AS-REP inside)",
        (rep) => flip(rep, decodeKdcRep(rep).padata![0].padataValue),
      ],
      [
        "the ticket (the finished checksum no longer matches)",
        (rep) => flip(rep, decodeKdcRep(rep).ticket.encPart.cipher),
      ],
      [
        "the enc-part (under the strengthened reply key)",
        (rep) => flip(rep, decodeKdcRep(rep).encPart.cipher),
      ],
    ];
    for (const [what, alter] of cases) {
      const { status, cred } = await acquireKrb(
        "Kerberos",
        certAuth(s, s.ccache, {
          KdcTransport: relay(s.kdc, [], {
            onRep: (rep, req) =>
              isAsReqOf(req, CAROL) && rep[0] === 0x6b ? alter(rep) : rep,
          }),
        }),
      );
      assert.equal(st(status), st(SEC_E_OK));
      const r = await iscStep(cred, newCtx(), true, SERVICE, null);
      FreeCredentialsHandle(cred);
      assert.equal(st(r.status), st(SEC_E_MESSAGE_ALTERED), what);
    }
  },
);

fastTest(
  "PKINIT in FAST with MIT krb5: MIT's kinit -T <armor> -X X509_user_identity=... with the same KDC",
  async (s) => {
    const o = await new Deno.Command("kinit", {
      args: [
        "-T",
        `FILE:${s.ccache}`,
        "-X",
        `X509_user_identity=FILE:${s.carol.cert},${s.carol.key}`,
        "-X",
        `X509_anchors=FILE:${s.pki.ca.cert}`,
        "-c",
        `FILE:${s.pki.dir}/kinit.ccache`,
        `${CAROL}@${REALM}`,
      ],
      env: { ...s.kdc.env, KRB5_TRACE: "/dev/stderr" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const trace = new TextDecoder().decode(o.stderr);
    assert.ok(o.success, trace);
    // MIT's trace: the PKINIT padata went into the FAST request, and the reply
    // key was strengthened.
    assert.match(trace, /Encoding request body and padata into FAST request/);
    assert.match(trace, /Preauth module pkinit \(16\)/);
    assert.match(trace, /FAST reply key/);
  },
);

fastTest(
  `PKINIT in FAST reply processing: mutated armored MIT replies give statuses only (seed ${FUZZ_SEED})`,
  async (s) => {
    const cred = credOf(certAuth(s, s.ccache));
    const krbtgt: PrincipalName = {
      nameType: 2,
      nameString: ["krbtgt", REALM],
    };
    const id = cred.pkinit as PkinitIdentity;
    const state = makeArmor(cred.fast!.armorTgt!);
    const neg = () => ({ cookie: null, probe: false });
    const req = pkinitFastRequest(cred, krbtgt, undefined, id, state, neg());
    try {
      const reply = await tcpTransport([s.kdc.kdc], 5000)(REALM, req.asReq);
      const good = await pkinitFastReply(cred, id, state, req, reply, neg());
      assert.ok(good && typeof good === "object", "the reply checks out");
      const goodView = ticketView(good);
      wipeKey(good.key);
      const r = rng(FUZZ_SEED);
      const n = fuzzIterations("PKINIT_FAST_FUZZ_ITERATIONS", 400);
      const seen = new Map<string, number>();
      const changedAccepted: number[] = [];
      for (let i = 0; i < n; i++) {
        const cut = mutate(reply, r);
        let name = "SEC_E_OK";
        try {
          const t = await pkinitFastReply(cred, id, state, req, cut, neg());
          if (t && typeof t === "object") {
            // A mutation may pass only if it changed nothing that matters: the
            // same ticket, key, client and times (a name-type in the outer
            // cname is informational, RFC 4120 6.2, and MIT ignores it too).
            if (!bytesEqual(cut, reply) && ticketView(t) !== goodView) {
              name = "accepted though changed";
              changedAccepted.push(i);
            }
            wipeKey(t.key);
          } else name = String(t);
        } catch (e) {
          assert.ok(e instanceof SspiError, `iteration ${i}: ${e}`);
          assert.notEqual(e.status, SEC_E_INTERNAL_ERROR);
          name = st(e.status);
        }
        seen.set(name, (seen.get(name) ?? 0) + 1);
      }
      console.log(
        `PKINIT-in-FAST reply mutations (${n}):`,
        Object.fromEntries(seen),
      );
      assert.deepEqual(changedAccepted, [], `seed ${FUZZ_SEED}`);
    } finally {
      req.dispose();
      wipeKey(state.armorKey);
      cred.dispose();
    }
  },
);
