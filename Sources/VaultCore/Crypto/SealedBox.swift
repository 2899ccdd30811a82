import CSodium

/// `crypto_box_seal`: an anonymous box to an X25519 public key. Environment secret keys
/// reach each member this way.
public enum SealedBox {
  /// The length of a sealed 32-byte key: 32 + `crypto_box_sealbytes()` (48).
  public static let sealedKeyLength = 80

  /// Seals `message` to `publicKey`.
  public static func seal(_ message: SecretBytes, to publicKey: [UInt8]) throws -> [UInt8] {
    Sodium.ensureInitialized()
    guard publicKey.count == 32 else { throw CryptoError.invalidKey }
    var output = [UInt8](repeating: 0, count: message.count + crypto_box_sealbytes())
    let status = message.withUnsafeBytes { plain in
      crypto_box_seal(
        &output, plain.bindMemory(to: UInt8.self).baseAddress!, UInt64(message.count),
        publicKey)
    }
    guard status == 0 else { throw CryptoError.invalidKey }
    return output
  }

  /// Opens a box sealed to `keyPair`.
  public static func open(_ box: [UInt8], with keyPair: BoxKeyPair) throws -> SecretBytes {
    Sodium.ensureInitialized()
    let overhead = crypto_box_sealbytes()
    guard box.count >= overhead else { throw CryptoError.authenticationFailed }
    let output = SecretBytes(count: box.count - overhead)
    let status = output.withUnsafeMutableBytes { plain in
      keyPair.secretKey.withUnsafeBytes { secret in
        crypto_box_seal_open(
          plain.bindMemory(to: UInt8.self).baseAddress!, box, UInt64(box.count),
          keyPair.publicKey, secret.bindMemory(to: UInt8.self).baseAddress!)
      }
    }
    guard status == 0 else { throw CryptoError.authenticationFailed }
    return output
  }
}
