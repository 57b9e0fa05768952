/**
 * SMB2 for named pipes and files: a signed (or encrypted) SMB 3.1.1, 3.0.2 or 2.1
 * session set up with an SSPI package (Negotiate, NTLM or Kerberos); `IPC$` and
 * pipes as byte streams, so DCE/RPC reaches servers over `ncacn_np` (`namedPipe`)
 * as well as TCP; files and directories on disk shares (`readFile`, `writeFile`,
 * `openFile`, `deleteFile`, `rename`, `makeDirectory`, `listDirectory`).
 *
 * @module
 */
export * from "./errors.ts";
export * from "./file.ts";
export * from "./handle.ts";
export * from "./negotiate.ts";
export * from "./options.ts";
export * from "./pipe.ts";
export * from "./session.ts";
export * from "./wire.ts";
export * from "./wire_files.ts";
export * from "./wire_transform.ts";
export * from "./wire_ioctl.ts";
