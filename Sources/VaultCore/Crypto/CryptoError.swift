/// Failures of the crypto wrapper layer. None of them carries secret material.
public enum CryptoError: Error, Equatable, Sendable {
  /// A ciphertext, sealed box or signature did not verify.
  case authenticationFailed
  /// A key had the wrong length or was rejected by libsodium (for example low order).
  case invalidKey
  /// Argon2id could not run (out of memory).
  case keyDerivationFailed
}
