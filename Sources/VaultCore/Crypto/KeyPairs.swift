import CSodium

/// An X25519 key pair: identities receive sealed environment keys with one, and each
/// environment's entries are encrypted to one.
public struct BoxKeyPair: Sendable {
  /// The 32-byte public key.
  public let publicKey: [UInt8]
  /// The 32-byte secret scalar.
  public let secretKey: SecretBytes

  /// A fresh random key pair.
  public static func generate() -> BoxKeyPair {
    let secret = SecretBytes(count: 32)
    secret.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, 32) }
    // Derivation from 32 random bytes cannot fail.
    return (try? BoxKeyPair(secretKey: secret))!
  }

  /// The key pair of a known secret key.
  public init(secretKey: SecretBytes) throws {
    Sodium.ensureInitialized()
    guard secretKey.count == 32 else { throw CryptoError.invalidKey }
    var publicKey = [UInt8](repeating: 0, count: 32)
    let status = secretKey.withUnsafeBytes { secret in
      crypto_scalarmult_base(&publicKey, secret.bindMemory(to: UInt8.self).baseAddress!)
    }
    guard status == 0 else { throw CryptoError.invalidKey }
    self.publicKey = publicKey
    self.secretKey = secretKey
  }
}

/// An Ed25519 key pair, kept as its 32-byte seed: writers sign entries and owners sign
/// membership with one.
public struct SigningKeyPair: Sendable {
  /// The 32-byte public key.
  public let publicKey: [UInt8]
  /// The 32-byte seed the key pair is derived from.
  public let seed: SecretBytes
  private let secretKey: SecretBytes

  /// A fresh random key pair.
  public static func generate() -> SigningKeyPair {
    let seed = SecretBytes(count: 32)
    seed.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, 32) }
    return (try? SigningKeyPair(seed: seed))!
  }

  /// The key pair `crypto_sign_seed_keypair` derives from `seed`.
  public init(seed: SecretBytes) throws {
    Sodium.ensureInitialized()
    guard seed.count == 32 else { throw CryptoError.invalidKey }
    var publicKey = [UInt8](repeating: 0, count: 32)
    let secretKey = SecretBytes(count: 64)
    let status = seed.withUnsafeBytes { seedBytes in
      secretKey.withUnsafeMutableBytes { secretBytes in
        crypto_sign_seed_keypair(
          &publicKey,
          secretBytes.bindMemory(to: UInt8.self).baseAddress!,
          seedBytes.bindMemory(to: UInt8.self).baseAddress!)
      }
    }
    guard status == 0 else { throw CryptoError.invalidKey }
    self.publicKey = publicKey
    self.seed = seed
    self.secretKey = secretKey
  }

  /// A 64-byte detached Ed25519 signature of `message`.
  public func sign(_ message: [UInt8]) -> [UInt8] {
    var signature = [UInt8](repeating: 0, count: 64)
    let padded = message.isEmpty ? [0] : message
    _ = secretKey.withUnsafeBytes { secret in
      crypto_sign_detached(
        &signature, nil, padded, UInt64(message.count),
        secret.bindMemory(to: UInt8.self).baseAddress!)
    }
    return signature
  }

  /// Whether `signature` is a valid Ed25519 signature of `message` by `publicKey`.
  /// libsodium rejects non-canonical and small-order encodings.
  public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
    Sodium.ensureInitialized()
    guard signature.count == 64, publicKey.count == 32 else { return false }
    let padded = message.isEmpty ? [0] : message
    return crypto_sign_verify_detached(signature, padded, UInt64(message.count), publicKey) == 0
  }
}
