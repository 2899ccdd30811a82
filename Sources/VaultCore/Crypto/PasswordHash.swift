import CSodium

/// Argon2id (`crypto_pwhash`, algorithm `crypto_pwhash_ALG_ARGON2ID13`) with bounds checked
/// before it runs.
public enum PasswordHash {
  /// Parameters stored in an identity file.
  public struct Parameters: Sendable, Equatable {
    public var opsLimit: UInt64
    public var memLimit: UInt64
    public init(opsLimit: UInt64, memLimit: UInt64) {
      self.opsLimit = opsLimit
      self.memLimit = memLimit
    }
    /// libsodium's MODERATE: 3 passes over 256 MiB. What `vault` writes.
    public static let moderate = Parameters(opsLimit: 3, memLimit: 268_435_456)
    /// libsodium's INTERACTIVE (2 passes, 64 MiB): the floor a file may ask for.
    public static let floor = Parameters(opsLimit: 2, memLimit: 67_108_864)
    /// The ceiling a file may ask for: 10 passes, 1 GiB (libsodium's SENSITIVE memory).
    public static let ceiling = Parameters(opsLimit: 10, memLimit: 1_073_741_824)

    /// Whether these parameters lie within `floor...ceiling`.
    public var isWithinBounds: Bool {
      opsLimit >= Self.floor.opsLimit && opsLimit <= Self.ceiling.opsLimit
        && memLimit >= Self.floor.memLimit && memLimit <= Self.ceiling.memLimit
    }
  }

  public static let saltLength = 16

  /// Derives a 32-byte key from `passphrase`. The caller checks `isWithinBounds` first.
  public static func deriveKey(
    passphrase: SecretBytes, salt: [UInt8], parameters: Parameters
  ) throws -> SecretBytes {
    Sodium.ensureInitialized()
    precondition(parameters.isWithinBounds && salt.count == saltLength)
    let key = SecretBytes(count: 32)
    let status = key.withUnsafeMutableBytes { out in
      passphrase.withUnsafeBytes { pass in
        pass.withMemoryRebound(to: CChar.self) { chars in
          crypto_pwhash(
            out.bindMemory(to: UInt8.self).baseAddress!, 32,
            chars.baseAddress!, UInt64(passphrase.count), salt,
            parameters.opsLimit, Int(parameters.memLimit), crypto_pwhash_ALG_ARGON2ID13)
        }
      }
    }
    guard status == 0 else { throw CryptoError.keyDerivationFailed }
    return key
  }
}
