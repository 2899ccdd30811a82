import CSodium

/// XChaCha20-Poly1305-IETF (`crypto_aead_xchacha20poly1305_ietf_*`) with a 32-byte key and a
/// 24-byte random nonce.
public enum AEAD {
  public static let keyLength = 32
  public static let nonceLength = 24
  public static let tagLength = 16

  /// Encrypts `plaintext` under `key` and `nonce`, authenticating `associatedData` too.
  public static func seal(
    _ plaintext: SecretBytes, key: SecretBytes, nonce: [UInt8], associatedData: [UInt8]
  ) -> [UInt8] {
    precondition(key.count == keyLength && nonce.count == nonceLength)
    var output = [UInt8](repeating: 0, count: plaintext.count + tagLength)
    var outputLength: UInt64 = 0
    let ad = associatedData.isEmpty ? [0] : associatedData
    plaintext.withUnsafeBytes { plain in
      key.withUnsafeBytes { keyBytes in
        _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
          &output, &outputLength,
          plain.bindMemory(to: UInt8.self).baseAddress!, UInt64(plaintext.count),
          ad, UInt64(associatedData.count), nil, nonce,
          keyBytes.bindMemory(to: UInt8.self).baseAddress!)
      }
    }
    return output
  }

  /// Decrypts and verifies, or throws `CryptoError.authenticationFailed`.
  public static func open(
    _ ciphertext: [UInt8], key: SecretBytes, nonce: [UInt8], associatedData: [UInt8]
  ) throws -> SecretBytes {
    guard key.count == keyLength, nonce.count == nonceLength, ciphertext.count >= tagLength
    else { throw CryptoError.authenticationFailed }
    let output = SecretBytes(count: ciphertext.count - tagLength)
    var outputLength: UInt64 = 0
    let ad = associatedData.isEmpty ? [0] : associatedData
    let status = output.withUnsafeMutableBytes { plain in
      key.withUnsafeBytes { keyBytes in
        crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.bindMemory(to: UInt8.self).baseAddress!, &outputLength, nil,
          ciphertext, UInt64(ciphertext.count), ad, UInt64(associatedData.count), nonce,
          keyBytes.bindMemory(to: UInt8.self).baseAddress!)
      }
    }
    guard status == 0 else { throw CryptoError.authenticationFailed }
    return output
  }
}
