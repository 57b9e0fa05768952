// SMB 3 encryption against Samba's AD DC: a server that requires it (`server smb
// encrypt = required`) gets every message after the session setup sealed, both
// ways, and SAMR works over \pipe\samr, with each of 3.1.1's four ciphers
// (AES-128/256-GCM/CCM, the 256-bit ones keyed from Kerberos' whole session key)
// and with 3.0.2's AES-128-CCM; a changed byte of a sealed answer is refused;
// and against a server that does not ask for it, `encrypt: true` seals
// everything all the same.
import assert from "node:assert/strict";
import { RpcClient } from "../../src/rpc/client.ts";
import { namedPipe, openPipe } from "../../src/smb/pipe.ts";
import { SmbSession } from "../../src/smb/session.ts";
import type { SmbSessionOptions } from "../../src/smb/options.ts";
import { chosenCipher, readNegotiate } from "../../src/smb/wire.ts";
import { isTransformed } from "../../src/smb/wire_transform.ts";
import { SspiError } from "../../src/sspi/errors.ts";
import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_MESSAGE_ALTERED,
} from "../../src/sspi/status.ts";
import { AD, type SambaDc, withSambaDc } from "../peers/samba_ad.ts";
import { domainSidOver, SAMR } from "../rpc/_samr.ts";
import { commandOf, tap } from "./_tap.ts";

const HOST = "127.0.0.1";
const TIMEOUT = 15_000;
const USER = { user: "encuser", password: "Enc!Passw0rd1" };
const SESSION_SETUP = 1;

function creds(dc: SambaDc, kdc: boolean) {
  return {
    package: "Negotiate",
    username: USER.user,
    domain: AD.domain,
    password: USER.password,
    target: `cifs/${AD.dc}.${AD.dnsDomain}`,
    timeoutMs: TIMEOUT,
    ...(kdc ? { kdc: dc.kdc } : {}),
  };
}

/** SAMR through the pipe over `connect`; the domain SID is the DC's. */
async function samrThrough(
  dc: SambaDc,
  pipe: ReturnType<typeof namedPipe>,
  what: string,
) {
  const rpc = await RpcClient.connect({
    host: HOST,
    port: dc.smbPort,
    iface: SAMR,
    timeoutMs: TIMEOUT,
    connect: pipe,
  });
  try {
    assert.equal(await domainSidOver(rpc, AD.domain), dc.domainSid, what);
  } finally {
    rpc.close();
  }
}

/** Every message after the last session setup one went sealed, both ways. */
function assertSealedAfterSetup(wire: ReturnType<typeof tap>, what: string) {
  for (const list of [wire.sent, wire.received]) {
    const setup = list.findLastIndex((m) =>
      !isTransformed(m) && commandOf(m) === SESSION_SETUP
    );
    assert.ok(setup >= 0 && setup < list.length - 1, what);
    for (const m of list.slice(setup + 1)) {
      assert.ok(isTransformed(m), `${what}: a message in the clear`);
    }
  }
}

/**
 * SAMR through a pipe of a session set up as `creds` and `extra` say, watched:
 * every message after the session setup went sealed, both ways.
 */
async function sealedSamr(
  dc: SambaDc,
  kdc: boolean,
  extra: Partial<SmbSessionOptions>,
  what: string,
): Promise<ReturnType<typeof tap>> {
  const wire = tap();
  await samrThrough(
    dc,
    namedPipe({
      pipe: "samr",
      ...creds(dc, kdc),
      ...extra,
      connect: wire.connect,
    }),
    what,
  );
  assertSealedAfterSetup(wire, what);
  return wire;
}

Deno.test({
  name: "smb encryption: a server that requires it, sealed both ways",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      for (const kdc of [false, true]) {
        for (const cipher of [2, 1, 4, 3]) {
          const what = `${kdc ? "Kerberos" : "NTLM"} cipher ${cipher}`;
          const wire = await sealedSamr(dc, kdc, { ciphers: [cipher] }, what);
          // The NEGOTIATE request offered only this cipher; the answer chose it.
          const answer = readNegotiate(wire.received[0]);
          assert.equal(chosenCipher(answer!.contexts, [cipher]), cipher, what);
        }
      }

      // A changed byte in a sealed answer.
      let seen = 0;
      const mitm = tap((m) => {
        if (isTransformed(m) && ++seen === 1) m[m.length - 1] ^= 0x20;
        return m;
      });
      const smb = await SmbSession.connect({
        ...creds(dc, false),
        host: HOST,
        port: dc.smbPort,
        connect: mitm.connect,
      });
      assert.ok(smb.encrypted);
      await assert.rejects(
        smb.treeConnect("IPC$"),
        (e: unknown) =>
          e instanceof SspiError && e.status === SEC_E_MESSAGE_ALTERED,
      );
      assert.ok(smb.closed);

      // 3.0.2 only: AES-128-CCM with 3.0's keys.
      for (const kdc of [false, true]) {
        const what = `3.0.2 ${kdc ? "Kerberos" : "NTLM"}`;
        await sealedSamr(dc, kdc, { dialects: [0x302] }, what);
      }
      // 3.0.2 without CCM among the ciphers: the server's session asks for
      // encryption, and there is nothing to encrypt with.
      await assert.rejects(
        SmbSession.connect({
          ...creds(dc, false),
          dialects: [0x302],
          ciphers: [2],
          host: HOST,
          port: dc.smbPort,
        }).then((s) => s.close()),
        (e: unknown) =>
          e instanceof SspiError && e.status === SEC_E_ALGORITHM_MISMATCH,
      );
    }, { smb: true, smbEncrypt: true }),
});

Deno.test({
  name:
    "smb encryption: asked for by the client of a server that does not require it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withSambaDc([USER], [], async (dc) => {
      const plain = await SmbSession.connect({
        ...creds(dc, false),
        host: HOST,
        port: dc.smbPort,
      });
      assert.equal(plain.encrypted, false);
      await plain.close();
      // Encryption asked for where only 2.1 is offered: no cipher to do it with.
      await assert.rejects(
        SmbSession.connect({
          ...creds(dc, false),
          encrypt: true,
          dialects: [0x210],
          host: HOST,
          port: dc.smbPort,
        }),
        (e: unknown) =>
          e instanceof SspiError && e.status === SEC_E_ALGORITHM_MISMATCH,
      );
      await sealedSamr(dc, true, { encrypt: true }, "encrypt: true");
      const smb = await SmbSession.connect({
        ...creds(dc, false),
        encrypt: true,
        host: HOST,
        port: dc.smbPort,
      });
      try {
        assert.ok(smb.encrypted);
        const pipe = await openPipe(smb, await smb.treeConnect(), "samr");
        pipe.close();
        await pipe.closed;
      } finally {
        await smb.close();
      }
    }, { smb: true }),
});
