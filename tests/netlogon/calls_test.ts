// The Netlogon call stubs against Impacket's NDR (an independent implementation of
// MS-NRPC's IDL): Impacket parses the NetrServerReqChallenge,
// NetrServerAuthenticate3 and NetrLogonSamLogonEx requests we encode, and builds a
// NetrLogonSamLogonEx response (SAM_INFO4) that we decode; then 20,000 mutations of
// that response decode to a result or SEC_E_INVALID_TOKEN, nothing else.
import assert from "node:assert/strict";
import { SEC_E_INVALID_TOKEN, SspiError, statusName } from "../../mod.ts";
import {
  decodeAuthenticate3,
  decodeReqChallenge,
  decodeSamLogonEx,
  encodeAuthenticate3,
  encodeGenericLogonEx,
  encodeReqChallenge,
  encodeSamLogonEx,
} from "../../src/netlogon/calls.ts";
import { fromHex, toHex } from "../../src/util/bytes.ts";
import { pythonPeerStatus, pythonPeerTest } from "../peers/availability.ts";

const SCRIPT = String.raw`
import json, sys
from impacket.dcerpc.v5 import nrpc
from impacket.dcerpc.v5.dtypes import RPC_SID

def s(v):
    if isinstance(v, bytes):  # what Impacket gives for a null string pointer
        v = v.decode('utf-16-le')
    return v.rstrip('\x00') if isinstance(v, str) else v

def buf(counted):
    # Impacket hands a STRING's bytes over as bytes, or as a str of code points < 256.
    b = counted if isinstance(counted, (bytes, str)) else counted['Data']
    if isinstance(b, str):
        b = b.encode('latin-1')
    return bytes(b).hex()

def parse(op):
    data = bytes.fromhex(op['hex'])
    if op['call'] == 'req':
        r = nrpc.NetrServerReqChallenge(data)
        return {'server': s(r['PrimaryName']), 'computer': s(r['ComputerName']),
                'challenge': bytes(r['ClientChallenge']).hex()}
    if op['call'] == 'auth3':
        r = nrpc.NetrServerAuthenticate3(data)
        return {'server': s(r['PrimaryName']), 'account': s(r['AccountName']),
                'type': int(r['SecureChannelType']), 'computer': s(r['ComputerName']),
                'credential': bytes(r['ClientCredential']).hex(),
                'flags': int(r['NegotiateFlags'])}
    r = nrpc.NetrLogonSamLogonEx(data)
    if op['call'] == 'generic':
        g = r['LogonInformation']['LogonGeneric']
        return {'level': int(r['LogonLevel']), 'tag': int(r['LogonInformation']['tag']),
                'domain': s(g['Identity']['LogonDomainName']),
                'user': s(g['Identity']['UserName']),
                'package': s(g['PackageName']), 'length': int(g['DataLength']),
                'data': b''.join(x if isinstance(x, bytes) else bytes([x])
                                 for x in g['LogonData']).hex(),
                'validation': int(r['ValidationLevel'])}
    n = r['LogonInformation']['LogonNetworkTransitive']
    i = n['Identity']
    return {'server': s(r['LogonServer']), 'computer': s(r['ComputerName']),
            'level': int(r['LogonLevel']), 'tag': int(r['LogonInformation']['tag']),
            'domain': s(i['LogonDomainName']), 'control': int(i['ParameterControl']),
            'user': s(i['UserName']), 'workstation': s(i['Workstation']),
            'challenge': bytes(n['LmChallenge']).hex(),
            'nt': buf(n['NtChallengeResponse']), 'lm': buf(n['LmChallengeResponse']),
            'validation': int(r['ValidationLevel']), 'extra': int(r['ExtraFlags'])}

def response():
    r = nrpc.NetrLogonSamLogonExResponse()
    r['ValidationInformation']['tag'] = 6
    v = r['ValidationInformation']['ValidationSam4']
    v['LogonTime']['LowPart'] = 0x11223344
    v['LogonTime']['HighPart'] = 0x01d9aabb
    v['EffectiveName'] = 'alice'
    v['FullName'] = 'Alice Smith'
    v['LogonCount'] = 7
    v['UserId'] = 1104
    v['PrimaryGroupId'] = 513
    v['GroupCount'] = 2
    for rid in (513, 1105):
        g = nrpc.GROUP_MEMBERSHIP()
        g['RelativeId'] = rid
        g['Attributes'] = 7
        v['GroupIds'].append(g)
    v['UserFlags'] = 0x20
    v['UserSessionKey'] = bytes(range(16))
    v['LogonServer'] = 'DC1'
    v['LogonDomainName'] = 'ADEX'
    sid = RPC_SID()
    sid.fromCanonical('S-1-5-21-1-2-3')
    v['LogonDomainId'] = sid
    v['LMKey'] = b'ABCDEFGH'
    v['UserAccountControl'] = 0x210
    v['SidCount'] = 1
    e = nrpc.NETLOGON_SID_AND_ATTRIBUTES()
    extra = RPC_SID()
    extra.fromCanonical('S-1-18-1')
    e['Sid'] = extra
    e['Attributes'] = 7
    v['ExtraSids'].append(e)
    v['DnsLogonDomainName'] = 'ad.example.test'
    v['Upn'] = 'alice@ad.example.test'
    r['Authoritative'] = 1
    r['ExtraFlags'] = 0
    r['ErrorCode'] = 0
    return r.getData().hex()

ops = json.load(sys.stdin)
json.dump({'parsed': [parse(op) for op in ops], 'response': response()}, sys.stdout)
`;

async function impacket(
  ops: { call: string; hex: string }[],
): Promise<{ parsed: Record<string, unknown>[]; response: string }> {
  const python = (await pythonPeerStatus("impacket")).python!;
  const child = new Deno.Command(python, {
    args: ["-c", SCRIPT],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(ops)));
  await w.close();
  const out = await child.output();
  assert.ok(
    out.success,
    `Impacket failed: ${new TextDecoder().decode(out.stderr)}`,
  );
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const rand = (n: number) => crypto.getRandomValues(new Uint8Array(n));

await pythonPeerTest(
  "impacket",
  "Netlogon stubs: Impacket parses our requests, we decode its SAM_INFO4",
  async () => {
    const challenge = rand(8);
    const credential = rand(8);
    const nt = rand(70);
    const lm = rand(24);
    const logon = {
      domain: "ADEX",
      user: "alice",
      workstation: "WS01",
      challenge,
      ntResponse: nt,
      lmResponse: lm,
    };
    const r = await impacket([
      {
        call: "req",
        hex: toHex(encodeReqChallenge("\\\\dc1", "WEB1", challenge)),
      },
      {
        call: "auth3",
        hex: toHex(
          encodeAuthenticate3(
            "\\\\dc1",
            "WEB1$",
            "WEB1",
            credential,
            0x612fffff,
          ),
        ),
      },
      { call: "logon", hex: toHex(encodeSamLogonEx("\\\\dc1", "WEB1", logon)) },
      {
        call: "generic",
        hex: toHex(
          encodeGenericLogonEx("\\\\dc1", "WEB1", "ADEX", "Kerberos", nt),
        ),
      },
      {
        call: "logon",
        hex: toHex(
          encodeSamLogonEx("\\\\dc1", "WEB1", {
            ...logon,
            domain: "",
            workstation: "",
            lmResponse: new Uint8Array(0),
          }),
        ),
      },
    ]);
    assert.deepEqual(r.parsed[0], {
      server: "\\\\dc1",
      computer: "WEB1",
      challenge: toHex(challenge),
    });
    assert.deepEqual(r.parsed[1], {
      server: "\\\\dc1",
      account: "WEB1$",
      type: 2,
      computer: "WEB1",
      credential: toHex(credential),
      flags: 0x612fffff,
    });
    const common = {
      server: "\\\\dc1",
      computer: "WEB1",
      level: 6,
      tag: 6,
      control: 0x820,
      user: "alice",
      challenge: toHex(challenge),
      nt: toHex(nt),
      validation: 6,
      extra: 0,
    };
    assert.deepEqual(r.parsed[2], {
      ...common,
      domain: "ADEX",
      workstation: "WS01",
      lm: toHex(lm),
    });
    assert.deepEqual(r.parsed[3], {
      level: 4,
      tag: 4,
      domain: "ADEX",
      user: "",
      package: "Kerberos",
      length: nt.length,
      data: toHex(nt),
      validation: 5,
    });
    assert.deepEqual(r.parsed[4], {
      ...common,
      domain: "",
      workstation: "",
      lm: "",
    });

    const stub = fromHex(r.response);
    const reply = decodeSamLogonEx(stub);
    assert.equal(reply.status, 0);
    assert.equal(reply.authoritative, true);
    const v = reply.validation!;
    assert.deepEqual(
      v.userSessionKey,
      Uint8Array.from({ length: 16 }, (_, i) => i),
    );
    assert.deepEqual(v.lmSessionKey, new TextEncoder().encode("ABCDEFGH"));
    assert.equal(v.info.EffectiveName, "alice");
    assert.equal(v.info.FullName, "Alice Smith");
    assert.equal(v.info.LogonTime, 0x01d9aabb_11223344n);
    assert.equal(v.info.LogonCount, 7);
    assert.equal(v.info.UserId, 1104);
    assert.equal(v.info.PrimaryGroupId, 513);
    assert.deepEqual(v.info.GroupIds, [
      { RelativeId: 513, Attributes: 7 },
      { RelativeId: 1105, Attributes: 7 },
    ]);
    assert.equal(v.info.LogonServer, "DC1");
    assert.equal(v.info.LogonDomainName, "ADEX");
    assert.equal(v.info.LogonDomainId, "S-1-5-21-1-2-3");
    assert.equal(v.info.UserAccountControl, 0x210);
    assert.deepEqual(v.info.ExtraSids, [{ Sid: "S-1-18-1", Attributes: 7 }]);
    assert.equal(v.info.DnsLogonDomainName, "ad.example.test");
    assert.equal(v.info.Upn, "alice@ad.example.test");

    // Mutations: a decoded reply or SEC_E_INVALID_TOKEN, never anything else.
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const m = mutate(stub);
      try {
        decodeSamLogonEx(m);
      } catch (e) {
        if (!(e instanceof SspiError)) throw e;
        assert.equal(statusName(e.status), statusName(SEC_E_INVALID_TOKEN));
        refused++;
      }
    }
    assert.ok(refused > 1000, `${refused} of 20,000 mutations refused`);
  },
);

/** One random change: flipped bytes, a truncation, an inserted run or a big count. */
function mutate(stub: Uint8Array): Uint8Array {
  const m = stub.slice();
  const at = Math.floor(Math.random() * m.length);
  switch (Math.floor(Math.random() * 4)) {
    case 0:
      for (let k = 0; k < 1 + Math.floor(Math.random() * 4); k++) {
        m[Math.floor(Math.random() * m.length)] ^= 1 <<
          Math.floor(Math.random() * 8);
      }
      return m;
    case 1:
      return m.subarray(0, at);
    case 2: {
      const out = new Uint8Array(m.length + 4);
      out.set(m.subarray(0, at));
      out.set(rand(4), at);
      out.set(m.subarray(at), at + 4);
      return out;
    }
    default:
      new DataView(m.buffer).setUint32(at & ~3, 0xfffffff0, true);
      return m;
  }
}

Deno.test("Netlogon response stubs: short and failed answers", () => {
  for (
    const bad of [new Uint8Array(0), new Uint8Array(7), new Uint8Array(11)]
  ) {
    assert.throws(
      () => decodeReqChallenge(bad),
      (e) => e instanceof SspiError && e.status === SEC_E_INVALID_TOKEN,
    );
  }
  const ok = decodeReqChallenge(
    Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]),
  );
  assert.deepEqual(ok, {
    serverChallenge: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    status: 0,
  });
  // A refused NetrServerAuthenticate3: zero credential, flags, rid, ACCESS_DENIED.
  const denied = new Uint8Array(20);
  new DataView(denied.buffer).setUint32(16, 0xc0000022, true);
  assert.equal(decodeAuthenticate3(denied).status, 0xc0000022);
  // A failed logon: a null validation pointer, Authoritative, ExtraFlags, status.
  const failed = new Uint8Array(20);
  failed[0] = 6; // the level
  failed[8] = 1; // Authoritative
  new DataView(failed.buffer).setUint32(16, 0xc000006a, true);
  assert.deepEqual(decodeSamLogonEx(failed), {
    status: 0xc000006a,
    authoritative: true,
    validation: null,
  });
});
