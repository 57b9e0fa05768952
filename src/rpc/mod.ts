/**
 * DCE/RPC over TCP (`ncacn_ip_tcp`): the client, the endpoint mapper, NDR20
 * marshalling, the PDU codec and the security provider interface.
 *
 * @module
 */
export * from "./auth.ts";
export * from "./client.ts";
export * from "./epmapper.ts";
export * from "./errors.ts";
export * from "./fragments.ts";
export * from "./ndr.ts";
export * from "./ndr_writer.ts";
export * from "./pdu.ts";
export * from "./stream.ts";
export * from "./sspi_auth.ts";
export * from "./server.ts";
