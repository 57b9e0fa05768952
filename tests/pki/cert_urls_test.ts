/**
 * `revocationUrls` and `encodeOcspRequest`: the OCSP responders and CRLs a
 * certificate made by `openssl` names (http only; ldap and https skipped), a
 * certificate without them, mutated certificates (never an exception), and our
 * OCSP request read back by `openssl ocsp -reqin -req_text`.
 */
import assert from "node:assert/strict";
import {
  encodeOcspRequest,
  parseCertificate,
  parsePem,
  revocationUrls,
} from "../../src/pki/mod.ts";
import { FUZZ_SEED, fuzzIterations, rng } from "../_fuzz.ts";
import { openssl, opensslTest } from "./_openssl.ts";

opensslTest(
  "revocationUrls: AIA OCSP and CRL distribution points (http only); none; mutations never throw; our OCSP request as openssl reads it",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
      await openssl([
        "req",
        "-x509",
        ...ec,
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=URL CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "authorityInfoAccess=OCSP;URI:http://ocsp.example/a,OCSP;URI:https://ocsp.example/b,caIssuers;URI:http://ca.example/ca.crt",
        "-addext",
        "crlDistributionPoints=URI:ldap://ldap.example/cn=crl,URI:http://crl.example/ca.crl",
      ], { cwd: dir });
      const ca = parseCertificate(
        parsePem(await Deno.readTextFile(`${dir}/ca.pem`), "CERTIFICATE")[0],
      )!;
      assert.deepEqual(revocationUrls(ca), {
        ocsp: ["http://ocsp.example/a"],
        crl: ["http://crl.example/ca.crl"],
      });
      await openssl([
        "req",
        "-x509",
        ...ec,
        "-nodes",
        "-keyout",
        "plain.key",
        "-out",
        "plain.pem",
        "-subj",
        "/CN=plain",
      ], { cwd: dir });
      const plain = parseCertificate(
        parsePem(await Deno.readTextFile(`${dir}/plain.pem`), "CERTIFICATE")[0],
      )!;
      assert.deepEqual(revocationUrls(plain), { ocsp: [], crl: [] });
      // Our request for the CA itself, read by openssl.
      const req = encodeOcspRequest(ca, ca)!;
      const text = new TextDecoder().decode(
        await openssl(["ocsp", "-reqin", "/dev/stdin", "-req_text"], {
          stdin: req,
        }),
      );
      assert.match(text, /Hash Algorithm: sha1/);
      const serialHex = Array.from(
        ca.serial,
        (b) => b.toString(16).padStart(2, "0"),
      ).join("").toUpperCase().replace(
        /^0+/,
        "",
      );
      assert.match(text, new RegExp(`Serial Number: 0*${serialHex}\\s`));
      // A scheme in capitals is still http (RFC 3986 3.1), given back in lower case.
      const upper = ca.der.slice();
      const at = new TextDecoder("latin1").decode(upper).indexOf("http://");
      assert.ok(at > 0);
      upper.set(new TextEncoder().encode("HTTP"), at);
      assert.deepEqual(
        revocationUrls(parseCertificate(upper)!),
        revocationUrls(ca),
      );
      const r = rng(FUZZ_SEED);
      const n = fuzzIterations("CERT_URLS_FUZZ_ITERATIONS", 3000);
      for (let i = 0; i < n; i++) {
        const m = ca.der.slice();
        for (let k = 1 + r(4); k > 0; k--) m[r(m.length)] = r(256);
        const c = parseCertificate(m);
        if (c) {
          const u = revocationUrls(c);
          assert.ok(u.ocsp.every((s) => s.startsWith("http://")));
          assert.ok(u.crl.length <= 4);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

opensslTest(
  "encodeOcspRequest: a serial whose first bit is set stays positive, and openssl's responder finds it (good, then revoked)",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const run = (args: string[]) => openssl(args, { cwd: dir });
      const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
      await run([
        "req",
        "-x509",
        ...ec,
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=Serial CA",
      ]);
      await run([
        "req",
        ...ec,
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=leaf",
      ]);
      // As `-CAcreateserial` makes one time in 256: DER INTEGER 00 C3 ...
      const serial = "C3A5F00D0102030405060708090A0B0C0D0E0F";
      await run([
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        `0x${serial}`,
        "-out",
        "leaf.pem",
      ]);
      const pem = async (f: string) =>
        parseCertificate(
          parsePem(await Deno.readTextFile(`${dir}/${f}`), "CERTIFICATE")[0],
        )!;
      const req = encodeOcspRequest(
        await pem("leaf.pem"),
        await pem("ca.pem"),
      )!;
      await Deno.writeFile(`${dir}/req.der`, req);
      const asked = new TextDecoder().decode(
        await run(["ocsp", "-reqin", "req.der", "-req_text"]),
      );
      assert.match(asked, new RegExp(`Serial Number: ${serial}\\s`));
      for (const [type, status] of [["V", "good"], ["R", "revoked"]]) {
        const revokedAt = type === "R" ? "260101000000Z" : "";
        await Deno.writeTextFile(
          `${dir}/index.txt`,
          `${type}\t491231000000Z\t${revokedAt}\t${serial}\tunknown\t/CN=leaf\n`,
        );
        const answer = new TextDecoder().decode(
          await run([
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            "ca.pem",
            "-rsigner",
            "ca.pem",
            "-rkey",
            "ca.key",
            "-reqin",
            "req.der",
            "-resp_text",
          ]),
        );
        assert.match(answer, new RegExp(`Cert Status: ${status}\\b`));
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
