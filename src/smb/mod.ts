/**
 * SMB2 for named pipes: a signed SMB 2.1 session set up with an SSPI package
 * (Negotiate, NTLM or Kerberos), `IPC$`, and pipes as byte streams, so DCE/RPC
 * reaches servers over `ncacn_np` (`namedPipe`) as well as TCP.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./pipe.ts";
export * from "./session.ts";
export * from "./wire.ts";
