import CSodium

/// Encrypts one entry value to an environment's X25519 public key.
///
/// An ephemeral key pair `(e, E)` is made per entry; `shared = X25519(e, envPublic)`;
/// `key = BLAKE2b-256(shared ‖ E ‖ envPublic)`; the value, padded with `sodium_pad` to a
/// multiple of 256 bytes, is sealed with XChaCha20-Poly1305-IETF under `key`, a random nonce
/// and the entry's associated data. FileFormat.md specifies it byte for byte.
public enum EntryCipher {
  /// Values are padded to a multiple of this many bytes so lengths do not tell key kinds apart.
  public static let paddingBlock = 256

  /// The longest value a vault stores (64 KiB); readers refuse longer ciphertexts.
  public static let maximumValueLength = 65_536

  /// The ephemeral public key, nonce and ciphertext of one sealed value.
  public struct Sealed: Sendable, Equatable {
    public var ephemeralPublicKey: [UInt8]
    public var nonce: [UInt8]
    public var ciphertext: [UInt8]
  }

  /// The length of a key id in bytes (11 base64url characters).
  public static let keyIDLength = 8

  /// The key id of an environment public key, written on every entry line of a format
  /// version 3 file: the first 8 bytes of BLAKE2b-128(`environmentKey`). libsodium's
  /// generic hash gives no output shorter than 16 bytes, so a true BLAKE2b-64 is out of
  /// reach; 8 bytes name a key among the handful an environment ever has, and the entry
  /// signature covers them, so they only need to tell keys apart, not resist forgery.
  public static func keyID(of environmentKey: [UInt8]) -> [UInt8] {
    Array(Sodium.blake2b(environmentKey, length: 16).prefix(keyIDLength))
  }

  /// Encrypts `value` for the environment whose public key is `environmentKey`.
  public static func seal(
    _ value: SecretBytes, to environmentKey: [UInt8], associatedData: [UInt8]
  ) throws -> Sealed {
    let ephemeral = BoxKeyPair.generate()
    let key = try deriveKey(
      secret: ephemeral.secretKey, peer: environmentKey,
      ephemeralPublic: ephemeral.publicKey, environmentPublic: environmentKey)
    let padded = pad(value)
    let nonce = Sodium.randomBytes(AEAD.nonceLength)
    let ciphertext = AEAD.seal(padded, key: key, nonce: nonce, associatedData: associatedData)
    return Sealed(ephemeralPublicKey: ephemeral.publicKey, nonce: nonce, ciphertext: ciphertext)
  }

  /// Decrypts a value with the environment's key pair.
  public static func open(
    _ sealed: Sealed, with environment: BoxKeyPair, associatedData: [UInt8]
  ) throws -> SecretBytes {
    let key = try deriveKey(
      secret: environment.secretKey, peer: sealed.ephemeralPublicKey,
      ephemeralPublic: sealed.ephemeralPublicKey, environmentPublic: environment.publicKey)
    let padded = try AEAD.open(
      sealed.ciphertext, key: key, nonce: sealed.nonce, associatedData: associatedData)
    return try unpad(padded)
  }

  private static func deriveKey(
    secret: SecretBytes, peer: [UInt8], ephemeralPublic: [UInt8], environmentPublic: [UInt8]
  ) throws -> SecretBytes {
    guard peer.count == 32, ephemeralPublic.count == 32, environmentPublic.count == 32 else {
      throw CryptoError.invalidKey
    }
    let shared = SecretBytes(count: 32)
    let status = shared.withUnsafeMutableBytes { out in
      secret.withUnsafeBytes { scalar in
        crypto_scalarmult(
          out.bindMemory(to: UInt8.self).baseAddress!,
          scalar.bindMemory(to: UInt8.self).baseAddress!, peer)
      }
    }
    // libsodium returns -1 when the result is all zeros (a low-order point).
    guard status == 0 else { throw CryptoError.invalidKey }
    // key = BLAKE2b-256(shared ‖ E ‖ envPublic), hashed from one locked buffer.
    let input = SecretBytes(count: 96)
    input.withUnsafeMutableBytes { out in
      shared.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 32) }
      (out.baseAddress! + 32).copyMemory(from: ephemeralPublic, byteCount: 32)
      (out.baseAddress! + 64).copyMemory(from: environmentPublic, byteCount: 32)
    }
    let key = SecretBytes(count: 32)
    key.withUnsafeMutableBytes { out in
      input.withUnsafeBytes { source in
        _ = crypto_generichash(
          out.bindMemory(to: UInt8.self).baseAddress!, 32,
          source.bindMemory(to: UInt8.self).baseAddress!, 96, nil, 0)
      }
    }
    return key
  }

  private static func pad(_ value: SecretBytes) -> SecretBytes {
    let paddedLength = (value.count / paddingBlock + 1) * paddingBlock
    let padded = SecretBytes(count: paddedLength)
    padded.withUnsafeMutableBytes { out in
      value.withUnsafeBytes { source in
        if value.count > 0 {
          out.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: value.count)
        }
        var length = 0
        _ = sodium_pad(
          &length, out.bindMemory(to: UInt8.self).baseAddress!, value.count, paddingBlock,
          paddedLength)
      }
    }
    return padded
  }

  private static func unpad(_ padded: SecretBytes) throws -> SecretBytes {
    guard padded.count > 0, padded.count % paddingBlock == 0 else {
      throw CryptoError.authenticationFailed
    }
    var length = 0
    let status = padded.withUnsafeBytes { bytes in
      sodium_unpad(
        &length, bytes.bindMemory(to: UInt8.self).baseAddress!, padded.count, paddingBlock)
    }
    // One padded form per value, and no value longer than a writer may store (257 blocks
    // could hold 65,791 bytes).
    guard status == 0, padded.count - length <= paddingBlock, length <= maximumValueLength else {
      throw CryptoError.authenticationFailed
    }
    return padded.slice(0..<length)
  }
}
