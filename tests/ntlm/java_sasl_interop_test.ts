// The JDK's own NTLM acceptor (the SASL "NTLM" server, com.sun.security.ntlm, pure
// Java, written apart from every other peer here) against our NTLM client. It sends
// a CHALLENGE without TargetInfo, which MS-NLMP 3.1.5.1.2 lets an NTLMv2 client
// answer when it asks for neither integrity nor confidentiality (HTTP's case) and
// refuse otherwise: our client did refuse always, and now follows the rule.
import assert from "node:assert/strict";
import {
  client,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  SEC_E_LOGON_DENIED,
  SspiError,
} from "../../mod.ts";
import { decodeChallenge } from "../../src/packages/ntlm/messages.ts";
import { NTLMSSP_NEGOTIATE_TARGET_INFO } from "../../src/packages/ntlm/constants.ts";
import { encodeBase64 } from "../../src/util/bytes.ts";
import { javaToolTest } from "../runtimes/_tools.ts";
import { USERS } from "./_helpers.ts";

const SERVER = new URL("../peers/java/NtlmSaslServer.java", import.meta.url)
  .pathname;
const { User, Domain, Password } = USERS[0];

/** The JDK's NTLM server as a child process, one base64 token a line each way. */
class JavaNtlmServer {
  #lines: ReadableStreamDefaultReader<string>;
  #buf = "";
  #w: WritableStreamDefaultWriter<Uint8Array>;
  private constructor(readonly child: Deno.ChildProcess) {
    this.#lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.#w = child.stdin.getWriter();
  }

  static start(version: string): JavaNtlmServer {
    return new JavaNtlmServer(
      new Deno.Command("java", {
        args: [SERVER, User, Domain, Password, version],
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn(),
    );
  }

  /** Sends a client token; the reply's kind and its rest (a token or a name). */
  async send(token: Uint8Array): Promise<{ kind: string; rest: string }> {
    await this.#w.write(new TextEncoder().encode(encodeBase64(token) + "\n"));
    while (!this.#buf.includes("\n")) {
      const { value, done } = await this.#lines.read();
      if (done) throw new Error("the Java server exited");
      this.#buf += value;
    }
    const i = this.#buf.indexOf("\n");
    const line = this.#buf.slice(0, i);
    this.#buf = this.#buf.slice(i + 1);
    const sp = line.indexOf(" ");
    return { kind: line.slice(0, sp), rest: line.slice(sp + 1) };
  }

  async close(): Promise<void> {
    await this.#w.close();
    await this.child.status;
  }
}

const fromBase64 = (s: string) =>
  Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/**
 * Our client (HTTP-style flags unless `flags`) against the server: the CHALLENGE,
 * then the server's answer to our AUTHENTICATE, or the error our client raised.
 */
async function run(
  version: string,
  authData: Record<string, unknown>,
  flags = ISC_REQ_CONNECTION,
) {
  const server = JavaNtlmServer.start(version);
  const c = client({
    package: "NTLM",
    authData,
    flags,
    target: "HTTP/localhost",
  });
  try {
    const first = await server.send(c.step(null)!);
    assert.equal(first.kind, "CONTINUE", first.rest);
    const chal = fromBase64(first.rest);
    let auth: Uint8Array;
    try {
      auth = c.step(chal)!;
    } catch (e) {
      return { chal, error: e as SspiError };
    }
    assert.equal(c.complete, true);
    return { chal, reply: await server.send(auth) };
  } finally {
    c.dispose();
    await server.close();
  }
}

await javaToolTest(
  "JDK NTLM server (SASL) <- our NTLM client: NTLMv2 and NTLMv1+ESS without TargetInfo; wrong password and integrity refused",
  async () => {
    const id = { User, Domain, Password };
    const v2 = await run("NTLMv2", id);
    const chal = decodeChallenge(v2.chal);
    assert.equal(chal.flags & NTLMSSP_NEGOTIATE_TARGET_INFO, 0);
    assert.equal(chal.targetInfo.length, 0, "no TargetInfo");
    assert.deepEqual(v2.reply, { kind: "COMPLETE", rest: User });

    const v1 = await run("NTLM2", { ...id, LmCompatibilityLevel: 1 });
    assert.deepEqual(v1.reply, { kind: "COMPLETE", rest: User });

    const wrong = await run("NTLMv2", { ...id, Password: "wrong" });
    assert.equal(wrong.reply?.kind, "ERROR");

    // Integrity asked for: the server cannot be told apart, so no NTLMv2 answer.
    const signed = await run(
      "NTLMv2",
      id,
      ISC_REQ_CONNECTION | ISC_REQ_INTEGRITY,
    );
    assert.ok(signed.error instanceof SspiError);
    assert.equal(signed.error.status, SEC_E_LOGON_DENIED);
  },
);
