/**
 * Samba's own SMB client library, libsmbclient (C), through `Deno.dlopen`: a
 * context with a user's credentials and a port, and whole-file reads by `smb://`
 * URL. After each read the context's cached connections are purged, so the next
 * read connects, negotiates and sets a session up again: the same work as one of
 * our `SmbSession.connect` + `readFile` + `close`. For the SMB bench rows and their
 * test.
 *
 * @module
 */

/** Debian's libsmbclient. */
export const SMBCLIENT_LIBRARY = "libsmbclient.so.0";
/** The package that has it. */
export const SMBCLIENT_HINT = "apt-get install -y libsmbclient";

const SYMBOLS = {
  smbc_new_context: { parameters: [], result: "pointer" },
  smbc_init_context: { parameters: ["pointer"], result: "pointer" },
  smbc_free_context: { parameters: ["pointer", "i32"], result: "i32" },
  smbc_setDebug: { parameters: ["pointer", "i32"], result: "void" },
  smbc_setPort: { parameters: ["pointer", "u16"], result: "void" },
  smbc_setOptionNoAutoAnonymousLogin: {
    parameters: ["pointer", "i32"],
    result: "void",
  },
  smbc_setOptionSmbEncryptionLevel: {
    parameters: ["pointer", "i32"],
    result: "void",
  },
  smbc_setFunctionAuthData: {
    parameters: ["pointer", "function"],
    result: "void",
  },
  smbc_getFunctionOpen: { parameters: ["pointer"], result: "function" },
  smbc_getFunctionRead: { parameters: ["pointer"], result: "function" },
  smbc_getFunctionClose: { parameters: ["pointer"], result: "function" },
  smbc_getFunctionPurgeCachedServers: {
    parameters: ["pointer"],
    result: "function",
  },
} as const;

/** A libsmbclient context for one user. */
export interface SmbClientFfi {
  /**
   * Reads the file at `url` (`smb://host/share/path`) whole into a new array of at
   * most `max` bytes, then drops the connection (unless `keep`: the next read
   * reuses it).
   */
  readFile(url: string, max: number, keep?: boolean): Uint8Array;
  /** Frees the context and closes the library. */
  close(): void;
}

const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);

/** A C function pointer as a callable with `def`'s signature. */
function fn<const D extends Deno.ForeignFunction>(
  p: Deno.PointerValue,
  def: D,
): Deno.UnsafeFnPointer<D> {
  if (!p) throw new Error("libsmbclient gave no function");
  return new Deno.UnsafeFnPointer(p as Deno.PointerObject<D>, def);
}

/**
 * Opens libsmbclient with `user` of `domain` and `password`, connecting to `port`
 * (with `encrypt`, requiring SMB encryption: `SMBC_ENCRYPTLEVEL_REQUIRE`); throws
 * when the library is missing.
 */
export function openSmbClientFfi(
  domain: string,
  user: string,
  password: string,
  port: number,
  encrypt = false,
): SmbClientFfi {
  const lib = Deno.dlopen(SMBCLIENT_LIBRARY, SYMBOLS);
  const s = lib.symbols;
  const ctx = s.smbc_new_context();
  if (!ctx) throw new Error("smbc_new_context failed");
  s.smbc_setDebug(ctx, Number(Deno.env.get("SMBC_DEBUG") ?? 0));
  s.smbc_setPort(ctx, port);
  s.smbc_setOptionNoAutoAnonymousLogin(ctx, 1);
  if (encrypt) s.smbc_setOptionSmbEncryptionLevel(ctx, 2);
  // libsmbclient asks for the credentials of each server through a callback that
  // fills its buffers (workgroup, user, password), C strings of bounded size.
  const auth = new Deno.UnsafeCallback(
    {
      parameters: [
        "pointer",
        "pointer",
        "pointer",
        "i32",
        "pointer",
        "i32",
        "pointer",
        "i32",
      ],
      result: "void",
    } as const,
    (_srv, _shr, wg, wgLen, un, unLen, pw, pwLen) => {
      for (
        const [p, n, v] of [[wg, wgLen, domain], [un, unLen, user], [
          pw,
          pwLen,
          password,
        ]] as const
      ) {
        const b = cstr(v);
        if (!p || b.length > n) continue;
        new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, b.length)).set(
          b,
        );
      }
    },
  );
  s.smbc_setFunctionAuthData(ctx, auth.pointer);
  if (!s.smbc_init_context(ctx)) {
    s.smbc_free_context(ctx, 1);
    auth.close();
    lib.close();
    throw new Error("smbc_init_context failed");
  }
  const open = fn(s.smbc_getFunctionOpen(ctx), {
    parameters: ["pointer", "buffer", "i32", "u32"],
    result: "pointer",
  });
  const read = fn(s.smbc_getFunctionRead(ctx), {
    parameters: ["pointer", "pointer", "buffer", "usize"],
    result: "isize",
  });
  const closeFile = fn(s.smbc_getFunctionClose(ctx), {
    parameters: ["pointer", "pointer"],
    result: "i32",
  });
  const purge = fn(
    s.smbc_getFunctionPurgeCachedServers(ctx),
    { parameters: ["pointer"], result: "i32" },
  );
  return {
    readFile(url, max, keep = false) {
      const f = open.call(ctx, cstr(url), 0, 0); // O_RDONLY
      if (!f) throw new Error(`libsmbclient cannot open ${url}`);
      const buf = new Uint8Array(max);
      let at = 0;
      try {
        for (;;) {
          const n = Number(
            read.call(ctx, f, buf.subarray(at), BigInt(max - at)),
          );
          if (n < 0) throw new Error(`libsmbclient cannot read ${url}`);
          if (n === 0 || (at += n) === max) break;
        }
      } finally {
        closeFile.call(ctx, f);
        if (!keep) purge.call(ctx);
      }
      return buf.slice(0, at);
    },
    close() {
      s.smbc_free_context(ctx, 1);
      auth.close();
      lib.close();
    },
  };
}
