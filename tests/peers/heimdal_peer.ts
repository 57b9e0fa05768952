/**
 * Real-peer harness, run as a child process (`deno run -A heimdal_peer.ts ...`):
 * Heimdal's GSSAPI (`libgssapi.so.3`: its own SPNEGO and NTLM) as an initiator,
 * through `gssapi_ffi.ts`. Heimdal's libraries and MIT's (gss-ntlmssp's FFI peer,
 * WinPR) must not share a process: loaded together they crash it at exit. So this
 * peer speaks the JSON line protocol of the Python peers (`_line_protocol.py`) and
 * `GssapiPeer` drives it with impl "heimdal".
 *
 * Arguments: --role initiator --mech ntlm|spnego --user U --domain D --password P
 * --target SERVICE@HOST. Requests: step, wrap, unwrap, info, quit.
 *
 * @module
 */
import { type GssMech, type GssStepper, openGssapiFfi } from "./gssapi_ffi.ts";
import {
  decodeBase64Strict,
  encodeBase64,
  toHex,
} from "../../src/util/bytes.ts";

const send = (o: unknown) =>
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(o) + "\n"));

function arg(name: string, fallback = ""): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

function bytes(s: unknown): Uint8Array {
  if (typeof s !== "string" || !s) return new Uint8Array(0);
  const b = decodeBase64Strict(s);
  if (!b) throw new Error("a field is not valid base64");
  return b;
}

if (import.meta.main) {
  const mech = arg("mech", "ntlm") as GssMech;
  let ctx: GssStepper;
  let close: () => Promise<void>;
  try {
    // The target names the domain Heimdal's NTLM looks its credential up in.
    const target = arg("target", "HTTP@web.example.com").replace("/", "@");
    const g = await openGssapiFfi(
      { domain: arg("domain"), user: arg("user"), password: arg("password") },
      mech,
      "libgssapi.so.3",
      { target, initiator: "default", acceptor: false },
    );
    ctx = g.initiator();
    close = () => g.close();
  } catch (e) {
    send({
      ok: false,
      fatal: true,
      error: String(e),
      missing: "libgssapi3-heimdal",
    });
    Deno.exit(3);
  }
  send({ ok: true, ready: true, pid: Deno.pid, role: "initiator", mech });
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let buf = "";
  loop: for await (const chunk of lines) {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      let reply: Record<string, unknown>;
      try {
        const req = JSON.parse(line);
        switch (req.op) {
          case "quit":
            send({ ok: true });
            break loop;
          case "step": {
            const out = ctx.step(req.token ? bytes(req.token) : null);
            reply = {
              ok: true,
              token: out ? encodeBase64(out) : null,
              complete: ctx.complete,
            };
            break;
          }
          case "wrap":
            reply = {
              ok: true,
              data: encodeBase64(
                ctx.wrap(bytes(req.data), req.encrypt !== false),
              ),
              encrypted: req.encrypt !== false,
            };
            break;
          case "unwrap":
            reply = {
              ok: true,
              data: encodeBase64(ctx.unwrap(bytes(req.data))),
              encrypted: true,
            };
            break;
          case "info": {
            const key = ctx.sessionKey();
            reply = {
              ok: true,
              role: "initiator",
              complete: ctx.complete,
              peer_name: null,
              session_key_hex: key ? toHex(key) : null,
            };
            break;
          }
          default:
            reply = {
              ok: false,
              error: `unknown op ${req.op}`,
              major: 0,
              minor: 0,
            };
        }
      } catch (e) {
        reply = { ok: false, error: String(e), major: 0, minor: 0 };
      }
      send(reply);
    }
  }
  ctx.dispose();
  await close();
}
