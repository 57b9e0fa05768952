/**
 * The MS-NLMP section 4.2 examples ("Cryptographic Values for Validation"), transcribed
 * byte for byte as hex. Page ids are those of learn.microsoft.com/openspecs/
 * windows_protocols/ms-nlmp/<id>.
 *
 * @module
 */

/** 4.2.1 Common Values (7fc694c9-397a-446a-bd80-4635000f2c0f). */
export const COMMON = {
  user: "User",
  userDom: "Domain",
  password: "Password",
  serverName: "Server",
  workstation: "COMPUTER",
  randomSessionKey: "55555555555555555555555555555555",
  time: "0000000000000000",
  clientChallenge: "aaaaaaaaaaaaaaaa",
  serverChallenge: "0123456789abcdef",
} as const;

/** 4.2.2 NTLM v1 Authentication (2624850f-36e9-403c-a832-1d9c7243acc2). */
export const V1 = {
  /** Challenge flags: 33 82 02 e2. */
  flags: 0xe2028233,
  /** 4.2.2.1.1 LMOWFv1(). */
  lmowf: "e52cac67419a9a224a3b108f3fa6cb6d",
  /** 4.2.2.1.2 NTOWFv1(). */
  ntowf: "a4f49c406510bdcab6824ee7c30fd852",
  /** 4.2.2.1.3 SessionBaseKey. */
  sessionBaseKey: "d87262b0cde4b1cb7499becccdf10784",
  /** 4.2.2.1.3 KeyExchangeKey with NTLMSSP_REQUEST_NON_NT_SESSION_KEY. */
  kxkeyNonNt: "e52cac67419a9a220000000000000000",
  /** 4.2.2.1.3 KeyExchangeKey with NTLMSSP_NEGOTIATE_LM_KEY. */
  kxkeyLmKey: "b09e379f7fbecb1eaf0afdcb0383c8a0",
  /** 4.2.2.2.1 NTLMv1 Response. */
  ntResponse: "67c43011f30298a2ad35ece64f16331c44bdbed927841f94",
  /** 4.2.2.2.2 LMv1 Response (NoLMResponseNTLMv1 not set). */
  lmResponse: "98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13",
  /** 4.2.2.2.3 Encrypted Session Key: RC4(KeyExchangeKey = SessionBaseKey, RandomSessionKey). */
  encryptedSessionKey: "518822b1b3f350c8958682ecbb3e3cb7",
  /** 4.2.2.2.3 with NTLMSSP_REQUEST_NON_NT_SESSION_KEY. */
  encryptedSessionKeyNonNt: "7452ca55c225a1ca04b48fae32cf56fc",
  /** 4.2.2.2.3 with NTLMSSP_NEGOTIATE_LM_KEY. */
  encryptedSessionKeyLmKey: "4cd7bb57d697ef9b549f02b8f9b37864",
  /** 4.2.2.3 CHALLENGE_MESSAGE. */
  challenge: "4e544c4d53535000020000000c000c0038000000338202e2" +
    "0123456789abcdef0000000000000000" + "0000000000000000" +
    "060070170000000f" + "530065007200760065007200",
  /** 4.2.2.3 AUTHENTICATE_MESSAGE (72-byte header, no MIC field). */
  authenticate: "4e544c4d5353500003000000180018006c00000018001800" +
    "840000000c000c00480000000800080054000000100010005c000000" +
    "100010009c000000358280e20501280a0000000f" +
    "44006f006d00610069006e00" + "5500730065007200" +
    "43004f004d0050005500540045005200" +
    "98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13" +
    "67c43011f30298a2ad35ece64f16331c44bdbed927841f94" +
    "518822b1b3f350c8958682ecbb3e3cb7",
  /** 4.2.2.4 GSS_WrapEx (9e2b483e-d185-4feb-aa4f-db6e2c0c49d9): sealed "Plaintext". */
  sealedData: "56fe04d861f9319af0d7238a2e3b4d457fb8",
  /**
   * 4.2.2.4 signature as MS-NLMP 3.4.4.1 ends it ("Set RandomPad to 0"), which
   * gss-ntlmssp follows and checks.
   */
  signature: "010000000000000009dcd1df2e459d36",
  /**
   * 4.2.2.4 "Assembled Signature" as the example prints it: it keeps RC4(Handle,
   * RandomPad) = 45 c8 44 e5 in the RandomPad field (so does Samba).
   */
  signatureAsPrinted: "0100000045c844e509dcd1df2e459d36",
} as const;

/** 4.2.3 NTLMv1 with Client Challenge (62b3a421-8a57-4778-82df-9064a282f207). */
export const V1ESS = {
  /** Challenge flags: 33 82 0a 82. */
  flags: 0x820a8233,
  /** 4.2.3.1.3 SessionBaseKey (same as 4.2.2.1.3). */
  sessionBaseKey: "d87262b0cde4b1cb7499becccdf10784",
  /** 4.2.3.1.3 KeyExchangeKey. */
  keyExchangeKey: "eb93429a8bd952f8b89c55b87f475edc",
  /** 4.2.3.2.1 LMv1 Response: ClientChallenge || Z(16). */
  lmResponse: "aaaaaaaaaaaaaaaa00000000000000000000000000000000",
  /** 4.2.3.2.2 NTLMv1 Response. */
  ntResponse: "7537f803ae367128ca458204bde7caf81e97ed2683267232",
  /** 4.2.3.3 CHALLENGE_MESSAGE. */
  challenge: "4e544c4d53535000020000000c000c003800000033820a82" +
    "0123456789abcdef0000000000000000" + "0000000000000000" +
    "060070170000000f" + "530065007200760065007200",
  /** 4.2.3.3 AUTHENTICATE_MESSAGE (no key exchange: empty session key at 0x9c). */
  authenticate: "4e544c4d5353500003000000180018006c00000018001800" +
    "840000000c000c00480000000800080054000000100010005c000000" +
    "000000009c000000358208820501280a0000000f" +
    "44006f006d00610069006e00" + "5500730065007200" +
    "43004f004d0050005500540045005200" +
    "aaaaaaaaaaaaaaaa00000000000000000000000000000000" +
    "7537f803ae367128ca458204bde7caf81e97ed2683267232",
  /** 4.2.3.4 GSS_WrapEx (052aef59-b55b-4800-b4a8-e93eca1600d6): client SEALKEY. */
  sealKey: "04dd7f014d8504d265a25cc86a3a7c06",
  /** 4.2.3.4 client SIGNKEY. */
  signKey: "60e799be5c72fc92922ae8ebe961fb8d",
  /** 4.2.3.4 sealed "Plaintext". */
  sealedData: "a02372f6530273f3aa1eb90190ce5200c99d",
  /** 4.2.3.4 signature (no KEY_EXCH: the checksum is not RC4-encrypted). */
  signature: "01000000ff2aeb52f681793a00000000",
} as const;

/** 4.2.4 NTLMv2 Authentication (125f7a94-933e-4023-a146-a449e49bf774). */
export const V2 = {
  /** Challenge flags: 33 82 8a e2. */
  flags: 0xe28a8233,
  /** AV pairs: MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL. */
  targetInfo: "02000c00" + "44006f006d00610069006e00" + "01000c00" +
    "530065007200760065007200" + "00000000",
  /** 4.2.4.1.1 NTOWFv2() / LMOWFv2() (ResponseKeyNT = ResponseKeyLM). */
  ntowf: "0c868a403bfd7a93a3001ef22ef02e3f",
  /** 4.2.4.1.2 SessionBaseKey (946f54bd-...: also the KeyExchangeKey). */
  sessionBaseKey: "8de40ccadbc14a82f15cb0ad0de95ca3",
  /** 4.2.4.1.3 temp. */
  temp: "01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000" +
    "02000c0044006f006d00610069006e0001000c00530065007200760065007200" +
    "0000000000000000",
  /** 4.2.4.2.1 LMv2 Response. */
  lmResponse: "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa",
  /** 4.2.4.2.2 NTProofStr (first 16 bytes of the NTLMv2 response). */
  ntProofStr: "68cd0ab851e51c96aabc927bebef6a1c",
  /** 4.2.4.2.3 Encrypted Session Key. */
  encryptedSessionKey: "c5dad2544fc9799094ce1ce90bc9d03e",
  /** 4.2.4.3 CHALLENGE_MESSAGE (bc612491-fb0b-4829-91bc-7c6b95ff67fe). */
  challenge: "4e544c4d53535000020000000c000c003800000033828ae2" +
    "0123456789abcdef0000000000000000" + "2400240044000000" +
    "060070170000000f" + "530065007200760065007200" +
    "02000c0044006f006d00610069006e0001000c00530065007200760065007200" +
    "00000000",
  /** 4.2.4.3 AUTHENTICATE_MESSAGE. */
  authenticate: "4e544c4d5353500003000000180018006c00000054005400" +
    "840000000c000c00480000000800080054000000100010005c000000" +
    "10001000d8000000358288e20501280a0000000f" +
    "44006f006d00610069006e00" + "5500730065007200" +
    "43004f004d0050005500540045005200" +
    "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa" +
    "68cd0ab851e51c96aabc927bebef6a1c" +
    "01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000" +
    "02000c0044006f006d00610069006e0001000c00530065007200760065007200" +
    "0000000000000000" +
    "c5dad2544fc9799094ce1ce90bc9d03e",
  /** 4.2.4.4 GSS_WrapEx (9cdb7bb2-17e6-409c-99cc-04590db064d4): client SEALKEY. */
  sealKey: "59f600973cc4960a25480a7c196e4c58",
  /** 4.2.4.4 client SIGNKEY. */
  signKey: "4788dc861b4782f35d43fd98fe1a2d39",
  /** 4.2.4.4 sealed "Plaintext". */
  sealedData: "54e50165bf1936dc996020c1811b0f06fb5f",
  /** 4.2.4.4 HMAC_MD5(SigningKey, SeqNum || Message)[0..7], before RC4. */
  checksum: "70352851f2564309",
  /** 4.2.4.4 signature. */
  signature: "010000007fb38ec5c55d497600000000",
} as const;
