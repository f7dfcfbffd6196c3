/** The outcome of a successful signature check; a failed one is a CheckFailedError. */
export interface Verification {
  /** Where the key came from: a JWKS URL, a file, or the issuer's discovery document. */
  keySource: string;
  algorithm: string;
  keyId: string | undefined;
}
