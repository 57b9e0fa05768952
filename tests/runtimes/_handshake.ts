/**
 * The same NTLM handshake, as JavaScript module text, for every runtime the bundle
 * must run in (Node, Chromium, workerd) and for the URL-import test.
 *
 * @module
 */

/** What a successful `handshake()` returns. */
export const EXPECTED = {
  user: "EXAMPLE\\alice",
  unwrapped: "sealed hello",
  legs: 2,
};

/** A module exporting `handshake()` over `import * as sspi from <specifier>`. */
export function handshakeModule(specifier: string): string {
  return `import * as sspi from ${JSON.stringify(specifier)};
export { sspi };
export function handshake() {
  const c = sspi.client({ username: "alice", domain: "EXAMPLE", password: "pw", target: "HTTP/web" });
  const s = sspi.server({ authData: { users: [{ User: "alice", Domain: "EXAMPLE", Password: "pw" }] } });
  let t = c.step(null);
  let legs = 0;
  while (!(c.complete && s.complete)) {
    t = s.step(t);
    legs++;
    if (t) t = c.step(t);
  }
  const sealed = c.wrap(new TextEncoder().encode("sealed hello"));
  const out = { user: s.clientName, unwrapped: new TextDecoder().decode(s.unwrap(sealed)), legs };
  c.dispose();
  s.dispose();
  return out;
}
`;
}
