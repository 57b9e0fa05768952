/**
 * The SMB2 NEGOTIATE exchange (MS-SMB2 3.2.4.2.2, 3.2.5.2): the dialects offered
 * (3.1.1, 3.0.2, 2.1), 3.1.1's contexts (SHA-512 pre-authentication integrity,
 * the ciphers, AES-GMAC then AES-CMAC signing), large MTU; what the server chose,
 * checked against what was offered, and the pre-authentication hash so far. For
 * 3.0.2, which has no such hash, the validation of the negotiation over the
 * signed session (`FSCTL_VALIDATE_NEGOTIATE_INFO`, MS-SMB2 3.2.5.14.12).
 *
 * @module
 */
import { randomBytes } from "../crypto/mod.ts";
import { SspiError } from "../sspi/errors.ts";
import { SEC_E_MESSAGE_ALTERED } from "../sspi/status.ts";
import { malformed, SmbStatusError } from "./errors.ts";
import type { SmbSessionOptions } from "./options.ts";
import { preauthStep } from "./signing.ts";
import {
  choosesSha512,
  chosenCipher,
  chosenSigning,
  negotiateRequest,
  readNegotiate,
  type RequestHeader,
  type ResponseHeader,
  SMB2_CIPHERS,
  SMB2_CREDIT_BYTES,
  SMB2_DIALECT_21,
  SMB2_DIALECT_302,
  SMB2_DIALECT_311,
  SMB2_ENCRYPTION_AES128_CCM,
  SMB2_GLOBAL_CAP_ENCRYPTION,
  SMB2_GLOBAL_CAP_LARGE_MTU,
  SMB2_SIGNING_AES_CMAC,
  SMB2_SIGNING_AES_GMAC,
} from "./wire.ts";
import {
  FSCTL_VALIDATE_NEGOTIATE_INFO,
  ioctlRequest,
  readIoctl,
  VALIDATE_NEGOTIATE_SIZE,
  validateNegotiateExpected,
  validateNegotiateInput,
} from "./wire_ioctl.ts";

/** The dialects this client speaks. */
const DIALECTS: readonly number[] = [
  SMB2_DIALECT_311,
  SMB2_DIALECT_302,
  SMB2_DIALECT_21,
];

/** The largest read or write asked for with large MTU (16 credits). */
const MAX_IO = 1 << 20;

/** Sends a request built by its argument and gives the answer. */
export type Send = (
  build: (h: RequestHeader) => Uint8Array,
) => Promise<[ResponseHeader, Uint8Array]>;

/** What the negotiation settled. */
export interface Negotiated {
  /** The dialect chosen. */
  dialect: number;
  /** The cipher chosen (0: none): 3.1.1's, or 3.0.2's AES-128-CCM. */
  cipher: number;
  /** 3.1.1: the signing algorithm chosen (0 before 3.1.1). */
  signing: number;
  /** 3.1.1: the pre-authentication hash of the NEGOTIATE request and answer. */
  preauth: Uint8Array | null;
  /** The largest read, 1 MiB with large MTU, else 64 KiB at most. */
  maxRead: number;
  /** The largest write, bounded as reads are. */
  maxWrite: number;
  /**
   * 3.0.2: the VALIDATE_NEGOTIATE_INFO request to send once signed, and what
   * its answer must say; null for other dialects.
   */
  validation: Validation | null;
}

/**
 * A session's settings before its NEGOTIATE exchange: no dialect yet, one
 * credit's worth of reads and writes.
 */
export const BEFORE_NEGOTIATION: Negotiated = Object.freeze({
  dialect: 0,
  cipher: 0,
  signing: 0,
  preauth: null,
  maxRead: SMB2_CREDIT_BYTES,
  maxWrite: SMB2_CREDIT_BYTES,
  validation: null,
});

/** What validating a 3.0.2 negotiation sends, and expects back. */
export interface Validation {
  /** The VALIDATE_NEGOTIATE_INFO request (from the NEGOTIATE request sent). */
  input: Uint8Array;
  /** The answer it must get (from the NEGOTIATE answer received). */
  expected: Uint8Array;
}

/**
 * Negotiates through `send` (which sends a NEGOTIATE request built by its argument
 * and gives the answer) as `options` say; a malformed answer, or one choosing what
 * was not offered, is `SEC_E_INVALID_TOKEN` naming `where`.
 */
export async function negotiate(
  send: Send,
  where: string,
  options: SmbSessionOptions,
): Promise<Negotiated> {
  const dialects = options.dialects ?? DIALECTS;
  const signing = options.gmac === false
    ? [SMB2_SIGNING_AES_CMAC]
    : [SMB2_SIGNING_AES_GMAC, SMB2_SIGNING_AES_CMAC];
  if (!dialects.length || dialects.some((d) => !DIALECTS.includes(d))) {
    throw new RangeError(`dialects must be among 0x311, 0x302 and 0x210`);
  }
  const ciphers = options.ciphers ?? SMB2_CIPHERS;
  if (ciphers.some((c) => !SMB2_CIPHERS.includes(c))) {
    throw new RangeError(`ciphers must be among 1, 2, 3 and 4`);
  }
  let sent: Uint8Array = new Uint8Array(0);
  const [, m] = await send((h) =>
    sent = negotiateRequest(
      h,
      randomBytes(16),
      dialects,
      randomBytes(32),
      signing,
      ciphers,
    )
  );
  const n = readNegotiate(m);
  if (!n) throw malformed(where, "malformed NEGOTIATE");
  if (!dialects.includes(n.dialect)) {
    throw malformed(
      where,
      `chose dialect 0x${n.dialect.toString(16)}, which was not offered`,
    );
  }
  let cipher = 0;
  let sign = 0;
  let preauth: Uint8Array | null = null;
  if (n.dialect === SMB2_DIALECT_311) {
    if (!choosesSha512(n.contexts)) {
      throw malformed(where, "chose 3.1.1 without SHA-512 pre-auth integrity");
    }
    const c = chosenCipher(n.contexts, ciphers);
    if (c === null) throw malformed(where, "chose a cipher not offered");
    const g = chosenSigning(n.contexts, signing);
    if (g === null) {
      throw malformed(where, "chose a signing algorithm not offered");
    }
    [cipher, sign] = [c, g];
    preauth = preauthStep(preauthStep(new Uint8Array(64), sent), m);
  } else if (
    n.dialect === SMB2_DIALECT_302 &&
    n.capabilities & SMB2_GLOBAL_CAP_ENCRYPTION &&
    ciphers.includes(SMB2_ENCRYPTION_AES128_CCM)
  ) {
    cipher = SMB2_ENCRYPTION_AES128_CCM;
  }
  const io = n.capabilities & SMB2_GLOBAL_CAP_LARGE_MTU
    ? MAX_IO
    : SMB2_CREDIT_BYTES;
  const maxRead = Math.min(n.maxReadSize, io);
  const maxWrite = Math.min(n.maxWriteSize, io);
  if (maxRead < 1024 || maxWrite < 1024) {
    throw malformed(where, "reads or writes too small");
  }
  let validation: Validation | null = null;
  if (n.dialect === SMB2_DIALECT_302) {
    const input = validateNegotiateInput(sent);
    const expected = validateNegotiateExpected(m);
    if (!input || !expected) throw malformed(where, "malformed NEGOTIATE");
    validation = { input, expected };
  }
  return {
    dialect: n.dialect,
    cipher,
    signing: sign,
    preauth,
    maxRead,
    maxWrite,
    validation,
  };
}

/** NTSTATUS: the server refuses (here: to validate the negotiation). */
const STATUS_ACCESS_DENIED = 0xc0000022;
/** The file id of a control on no file. */
const NO_FILE = new Uint8Array(16).fill(0xff);

/**
 * Validates a 3.0.2 negotiation on tree `treeId` through `send` (a signed or
 * sealed exchange): the server's answer must repeat what its NEGOTIATE answer
 * said. A different answer, or a refusal, is `SEC_E_MESSAGE_ALTERED` (someone
 * changed the negotiation); another signed error status is a server without the
 * control, which passes, as with Windows.
 */
export async function validateNegotiation(
  send: Send,
  where: string,
  v: Validation,
): Promise<void> {
  let out: Uint8Array | null;
  try {
    const [, m] = await send((h) =>
      ioctlRequest(
        h,
        FSCTL_VALIDATE_NEGOTIATE_INFO,
        NO_FILE,
        v.input,
        VALIDATE_NEGOTIATE_SIZE,
      )
    );
    out = readIoctl(m, FSCTL_VALIDATE_NEGOTIATE_INFO);
  } catch (e) {
    if (!(e instanceof SmbStatusError)) throw e;
    if (e.ntStatus !== STATUS_ACCESS_DENIED) return;
    out = null;
  }
  const same = out?.length === VALIDATE_NEGOTIATE_SIZE &&
    out.every((b, i) => b === v.expected[i]);
  if (!same) {
    throw new SspiError(
      SEC_E_MESSAGE_ALTERED,
      `SMB server ${where}: the negotiation was changed in transit (FSCTL_VALIDATE_NEGOTIATE_INFO ${
        out ? "does not match" : "refused"
      })`,
    );
  }
}
