/**
 * Online revocation checking in the async calls: certificates whose Authority
 * Information Access names an OCSP responder and whose CRL Distribution Points name
 * a CRL, both on 127.0.0.1. The responder is OpenSSL's (`openssl ocsp -reqin ...
 * -respout`, behind a loopback HTTP front, as `openssl ocsp -port` would listen on
 * every interface); the CRL comes from `openssl ca -gencrl`. Our client
 * (`SspiInitializeSecurityContextAsync` with `SCH_CRED_REVOCATION_CHECK_END_CERT`)
 * asks them: good, revoked, an unreachable responder (offline), the cache, and
 * `SCH_CRED_REVOCATION_CHECK_CACHE_ONLY` and the synchronous call fetching nothing.
 */
import assert from "node:assert/strict";
import {
  type CredHandle,
  CRYPT_E_NO_REVOCATION_CHECK,
  CRYPT_E_REVOCATION_OFFLINE,
  CRYPT_E_REVOKED,
  FreeCredentialsHandle,
  SCH_CRED_IGNORE_REVOCATION_OFFLINE,
  SCH_CRED_REVOCATION_CHECK_END_CERT,
  SEC_E_OK,
} from "../../mod.ts";
import {
  SCH_CRED_REVOCATION_CHECK_CACHE_ONLY,
} from "../../src/packages/schannel/constants.ts";
import { gencrl, haveOpenssl, openssl } from "./_pki.ts";
import { acquire, clientStatus } from "./_tls.ts";

const enabled = await haveOpenssl();
const DISABLE_RECONNECTS = 0x80;
const END = SCH_CRED_REVOCATION_CHECK_END_CERT;

function onlineTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `schannel online revocation: ${name}`,
    ignore: !enabled,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

/** A loopback HTTP server; `hits` counts requests. */
function serve(
  handler: (req: Request) => Promise<Response>,
): { port: number; hits: () => number; close: () => Promise<void> } {
  let hits = 0;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, (req) => {
    hits++;
    return handler(req);
  });
  return {
    port: server.addr.port,
    hits: () => hits,
    close: () => server.shutdown(),
  };
}

/** A port nothing listens on. */
function deadPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

interface Leaf {
  cert: string;
  key: string;
}

/** The CA, its responder and CRL server, and leaves pointing at them. */
interface World {
  ca: string;
  good: Leaf;
  revoked: Leaf;
  crlGood: Leaf;
  crlRevoked: Leaf;
  dead: Leaf;
  /** Its CRL distribution points: a forged CRL's URL, then the real one's. */
  twoCdp: Leaf;
  ocspHits: () => number;
  crlHits: () => number;
  forgedHits: () => number;
  close: () => Promise<void>;
}

async function makeWorld(): Promise<World> {
  const dir = await Deno.makeTempDir({ prefix: "schannel-online-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "30",
    "-subj",
    "/CN=Online Test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  // The responder: OpenSSL answers each request from the index.
  let n = 0;
  const ocsp = serve(async (req) => {
    const id = n++;
    await Deno.writeFile(`${dir}/req${id}.der`, await req.bytes());
    await openssl(dir, [
      "ocsp",
      "-index",
      "index.txt",
      "-rsigner",
      "ca.pem",
      "-rkey",
      "ca.key",
      "-CA",
      "ca.pem",
      "-reqin",
      `req${id}.der`,
      "-respout",
      `resp${id}.der`,
      "-ndays",
      "1",
    ]);
    return new Response(await Deno.readFile(`${dir}/resp${id}.der`), {
      headers: { "content-type": "application/ocsp-response" },
    });
  });
  const crl = serve(async () =>
    new Response(await Deno.readFile(`${dir}/ca.crl.der`))
  );
  // A CRL made by a key that is not the CA's, under the CA's name: it parses but
  // does not verify (what a machine in the middle could serve).
  const forged = serve(async () =>
    new Response(await Deno.readFile(`${dir}/forged.crl.der`))
  );
  const dead = deadPort();
  const aia = (port: number) =>
    `authorityInfoAccess=OCSP;URI:http://127.0.0.1:${port}/\n`;
  const cdp = `crlDistributionPoints=URI:http://127.0.0.1:${crl.port}/ca.crl\n`;
  const leaf = async (name: string, ext: string): Promise<Leaf> => {
    await Deno.writeTextFile(
      `${dir}/${name}.ext`,
      "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\n" + ext,
    );
    await openssl(dir, [
      "req",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      "/CN=localhost",
    ]);
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "30",
      "-extfile",
      `${name}.ext`,
    ]);
    return {
      cert: await Deno.readTextFile(`${dir}/${name}.pem`),
      key: await Deno.readTextFile(`${dir}/${name}.key`),
    };
  };
  const w = {
    good: await leaf("good", aia(ocsp.port)),
    revoked: await leaf("revoked", aia(ocsp.port)),
    crlGood: await leaf("crl-good", cdp),
    crlRevoked: await leaf("crl-revoked", cdp),
    dead: await leaf("dead", aia(dead)),
    twoCdp: await leaf(
      "two-cdp",
      `crlDistributionPoints=URI:http://127.0.0.1:${forged.port}/forged.crl,` +
        `URI:http://127.0.0.1:${crl.port}/ca.crl\n`,
    ),
  };
  // The index: "revoked" and "crl-revoked" revoked an hour ago, the rest valid.
  const serial = async (name: string) => {
    const r = await new Deno.Command("openssl", {
      args: ["x509", "-in", `${dir}/${name}.pem`, "-noout", "-serial"],
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(r.stdout).trim().split("=")[1];
  };
  const t = (ms: number) =>
    new Date(Date.now() + ms).toISOString().replace(/[-:T]/g, "").slice(2, 14) +
    "Z";
  let index = "";
  for (const name of ["good", "revoked", "crl-good", "crl-revoked"]) {
    const bad = name.endsWith("revoked");
    index += `${bad ? "R" : "V"}\t${t(30 * 86400_000)}\t${
      bad ? t(-3600_000) : ""
    }\t${await serial(name)}\tunknown\t/CN=localhost\n`;
  }
  await Deno.writeTextFile(`${dir}/index.txt`, index);
  // Every leaf is CN=localhost: the index must allow repeated subjects.
  await Deno.writeTextFile(`${dir}/index.txt.attr`, "unique_subject = no\n");
  await gencrl(dir, "ca", { key: "ca.key", cert: "ca.pem" }, index);
  await openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "forger.key",
    "-out",
    "forger.pem",
    "-days",
    "30",
    "-subj",
    "/CN=Online Test CA",
  ]);
  await gencrl(
    dir,
    "forged",
    { key: "forger.key", cert: "forger.pem" },
    "",
    30,
  );
  return {
    ca: await Deno.readTextFile(`${dir}/ca.pem`),
    forgedHits: forged.hits,
    ...w,
    ocspHits: ocsp.hits,
    crlHits: crl.hits,
    close: async () => {
      await ocsp.close();
      await crl.close();
      await forged.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A handshake with our client in the async form (or `sync`); the client's final status. */
async function connect(
  cc: CredHandle,
  leaf: Leaf,
  opts: { sync?: boolean; tls12?: boolean } = {},
): Promise<number> {
  const sc = acquire("server", {
    Certificate: leaf.cert,
    PrivateKey: leaf.key,
    dwFlags: DISABLE_RECONNECTS,
    grbitEnabledProtocols: opts.tls12 ? 0x400 : 0,
  });
  try {
    return await clientStatus(cc, sc, opts.sync);
  } finally {
    FreeCredentialsHandle(sc);
  }
}

const world = enabled ? await makeWorld() : null;
if (world) globalThis.addEventListener("unload", () => void world.close());

function client(flags: number, tls12 = false): CredHandle {
  return acquire("client", {
    RootCertificates: world!.ca,
    dwFlags: flags,
    grbitEnabledProtocols: tls12 ? 0x800 : 0,
  });
}

for (const tls12 of [false, true]) {
  onlineTest(
    `TLS ${
      tls12 ? "1.2" : "1.3"
    }: the OCSP responder the certificate names says good (then cached) or revoked`,
    async () => {
      const w = world!;
      const cc = client(END, tls12);
      const before = w.ocspHits();
      assert.equal(await connect(cc, w.good, { tls12 }), SEC_E_OK);
      assert.equal(w.ocspHits(), before + 1);
      // Cached on the credential until its nextUpdate: not asked again.
      assert.equal(await connect(cc, w.good, { tls12 }), SEC_E_OK);
      assert.equal(w.ocspHits(), before + 1);
      assert.equal(await connect(cc, w.revoked, { tls12 }), CRYPT_E_REVOKED);
      assert.equal(w.ocspHits(), before + 2);
      FreeCredentialsHandle(cc);
    },
  );
}

onlineTest(
  "the CRL the certificate names: fetched once for both leaves, revoked and good",
  async () => {
    const w = world!;
    const cc = client(END);
    const before = w.crlHits();
    assert.equal(await connect(cc, w.crlRevoked), CRYPT_E_REVOKED);
    assert.equal(await connect(cc, w.crlGood), SEC_E_OK);
    assert.equal(w.crlHits(), before + 1);
    FreeCredentialsHandle(cc);
  },
);

onlineTest(
  "a CRL that does not verify is neither cached nor the end of the search: the next distribution point's is used",
  async () => {
    const w = world!;
    const cc = client(END);
    const forged = w.forgedHits();
    const real = w.crlHits();
    assert.equal(await connect(cc, w.twoCdp), SEC_E_OK);
    assert.equal(w.forgedHits(), forged + 1);
    assert.equal(w.crlHits(), real + 1);
    // The real CRL is cached; the forged one is asked again, and not believed.
    assert.equal(await connect(cc, w.twoCdp), SEC_E_OK);
    assert.equal(w.forgedHits(), forged + 2);
    assert.equal(w.crlHits(), real + 1);
    FreeCredentialsHandle(cc);
  },
);

onlineTest(
  "an unreachable responder is CRYPT_E_REVOCATION_OFFLINE, passed with SCH_CRED_IGNORE_REVOCATION_OFFLINE",
  async () => {
    const w = world!;
    const strict = client(END);
    assert.equal(await connect(strict, w.dead), CRYPT_E_REVOCATION_OFFLINE);
    const lax = client(END | SCH_CRED_IGNORE_REVOCATION_OFFLINE);
    assert.equal(await connect(lax, w.dead), SEC_E_OK);
    FreeCredentialsHandle(strict);
    FreeCredentialsHandle(lax);
  },
);

onlineTest(
  "nothing is fetched with SCH_CRED_REVOCATION_CHECK_CACHE_ONLY, nor in the synchronous call: CRYPT_E_NO_REVOCATION_CHECK",
  async () => {
    const w = world!;
    const hits = w.ocspHits() + w.crlHits();
    const cacheOnly = client(END | SCH_CRED_REVOCATION_CHECK_CACHE_ONLY);
    assert.equal(
      await connect(cacheOnly, w.good),
      CRYPT_E_NO_REVOCATION_CHECK,
    );
    const sync = client(END);
    assert.equal(
      await connect(sync, w.crlGood, { sync: true }),
      CRYPT_E_NO_REVOCATION_CHECK,
    );
    assert.equal(w.ocspHits() + w.crlHits(), hits);
    FreeCredentialsHandle(cacheOnly);
    FreeCredentialsHandle(sync);
  },
);
