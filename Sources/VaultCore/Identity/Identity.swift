/// A person's or a CI runner's secret key pairs: X25519 to receive environment keys,
/// Ed25519 to sign what it writes.
///
/// Secret text form (for `VAULT_IDENTITY`): `VAULT-SECRET-` followed by base64url of
/// `x25519-secret ‖ ed25519-seed ‖ check`, `check` being the first 4 bytes of
/// BLAKE2b-256(`x25519-secret ‖ ed25519-seed`).
public struct Identity: Sendable {
  public static let secretPrefix = "VAULT-SECRET-"

  public let boxKeyPair: BoxKeyPair
  public let signingKeyPair: SigningKeyPair

  /// The public half.
  public var publicIdentity: PublicIdentity {
    PublicIdentity(boxKey: boxKeyPair.publicKey, signingKey: signingKeyPair.publicKey)
  }

  /// A fresh identity.
  public static func generate() -> Identity {
    Identity(boxKeyPair: .generate(), signingKeyPair: .generate())
  }

  public init(boxKeyPair: BoxKeyPair, signingKeyPair: SigningKeyPair) {
    self.boxKeyPair = boxKeyPair
    self.signingKeyPair = signingKeyPair
  }

  /// The identity whose 64 secret bytes are `x25519-secret ‖ ed25519-seed`.
  public init(secret: SecretBytes) throws {
    guard secret.count == 64 else { throw VaultError.invalidIdentityString }
    self.boxKeyPair = try BoxKeyPair(secretKey: secret.slice(0..<32))
    self.signingKeyPair = try SigningKeyPair(seed: secret.slice(32..<64))
  }

  /// The 64 secret bytes: `x25519-secret ‖ ed25519-seed`.
  public var secret: SecretBytes {
    let result = SecretBytes(count: 64)
    result.withUnsafeMutableBytes { out in
      boxKeyPair.secretKey.withUnsafeBytes {
        out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 32)
      }
      signingKeyPair.seed.withUnsafeBytes {
        (out.baseAddress! + 32).copyMemory(from: $0.baseAddress!, byteCount: 32)
      }
    }
    return result
  }

  /// Parses the secret text form (surrounding whitespace allowed).
  public init(secretString text: SecretBytes) throws {
    let prefix = Array(Self.secretPrefix.utf8)
    let decoded: [UInt8]? = text.withUnsafeBytes { raw in
      var slice = raw[...]
      while let last = slice.last, last == 0x0A || last == 0x0D || last == 0x20 || last == 0x09 {
        slice = slice.dropLast()
      }
      while let first = slice.first, first == 0x20 || first == 0x09 || first == 0x0A {
        slice = slice.dropFirst()
      }
      guard slice.starts(with: prefix) else { return nil }
      return Base64URL.decode(slice.dropFirst(prefix.count), length: 68)
    }
    guard var raw = decoded else { throw VaultError.invalidIdentityString }
    defer { wipe(&raw) }
    let keys = SecretBytes(copying: raw[0..<64])
    let check = keys.withUnsafeBytes { Sodium.blake2b(Array($0)).prefix(4) }
    guard Sodium.constantTimeEquals(Array(check), Array(raw[64...])) else {
      throw VaultError.invalidIdentityString
    }
    try self.init(secret: keys)
  }

  /// The secret text form, in a secret buffer.
  public var secretString: SecretBytes {
    var raw = secret.withUnsafeBytes { Array($0) }
    raw += Sodium.blake2b(raw).prefix(4)
    var text = Array(Self.secretPrefix.utf8) + Base64URL.encodeBytes(raw)
    defer {
      wipe(&raw)
      wipe(&text)
    }
    return SecretBytes(copying: text)
  }
}
