/// The identity file (`~/.config/vault/identity`), specified in FileFormat.md:
///
/// ```
/// vault-identity 1
/// public vault-pub-…
/// kdf argon2id ops=3 mem=268435456 salt=<16 bytes>
/// nonce <24 bytes>
/// secret <80 bytes: XChaCha20-Poly1305 of the 64 secret bytes>
/// ```
///
/// or, for an identity made with `--no-passphrase`, `kdf none` and `secret <64 bytes>`.
public struct IdentityFile: Sendable {
  /// How the secret bytes are stored.
  public enum Protection: Sendable {
    case none(secret: SecretBytes)
    case passphrase(
      parameters: PasswordHash.Parameters, salt: [UInt8], nonce: [UInt8], ciphertext: [UInt8])
  }

  public let publicIdentity: PublicIdentity
  public let protection: Protection
  /// Where the file was read from, for messages.
  public var path: String

  /// Whether unlocking needs a passphrase.
  public var needsPassphrase: Bool {
    if case .passphrase = protection { return true }
    return false
  }

  /// Protects `identity` with `passphrase` at `parameters` (MODERATE unless a test asks
  /// otherwise), or stores it unprotected when `passphrase` is nil.
  public init(
    identity: Identity, passphrase: SecretBytes?, path: String,
    parameters: PasswordHash.Parameters = .moderate
  ) throws {
    self.publicIdentity = identity.publicIdentity
    self.path = path
    guard let passphrase else {
      self.protection = .none(secret: identity.secret)
      return
    }
    guard passphrase.count > 0 else { throw VaultError.emptyPassphrase }
    let salt = Sodium.randomBytes(PasswordHash.saltLength)
    let nonce = Sodium.randomBytes(AEAD.nonceLength)
    let key = try PasswordHash.deriveKey(passphrase: passphrase, salt: salt, parameters: parameters)
    let ad = Self.associatedData(
      header: Self.headerText(
        publicIdentity, kdfLine: Self.kdfLine(parameters: parameters, salt: salt)))
    let ciphertext = AEAD.seal(identity.secret, key: key, nonce: nonce, associatedData: ad)
    self.protection = .passphrase(
      parameters: parameters, salt: salt, nonce: nonce, ciphertext: ciphertext)
  }

  private init(publicIdentity: PublicIdentity, protection: Protection, path: String) {
    self.publicIdentity = publicIdentity
    self.protection = protection
    self.path = path
  }

  /// Opens the secret. `passphrase` is ignored for an unprotected identity.
  public func unlock(passphrase: SecretBytes?) throws -> Identity {
    let secret: SecretBytes
    switch protection {
    case .none(let stored):
      secret = stored
    case .passphrase(let parameters, let salt, let nonce, let ciphertext):
      guard let passphrase, passphrase.count > 0 else {
        throw VaultError.wrongPassphrase(path: path)
      }
      let key = try PasswordHash.deriveKey(
        passphrase: passphrase, salt: salt, parameters: parameters)
      let ad = Self.associatedData(
        header: Self.headerText(
          publicIdentity, kdfLine: Self.kdfLine(parameters: parameters, salt: salt)))
      do {
        secret = try AEAD.open(ciphertext, key: key, nonce: nonce, associatedData: ad)
      } catch {
        throw VaultError.wrongPassphrase(path: path)
      }
    }
    let identity = try Identity(secret: secret)
    try checkMatches(identity)
    return identity
  }

  /// Throws unless `identity` is the one this file's `public` line names.
  public func checkMatches(_ identity: Identity) throws {
    guard identity.publicIdentity == publicIdentity else {
      throw VaultError.integrity(
        path: path, what: "identity", problem: .keyMismatch)
    }
  }

  /// The canonical bytes of the file.
  public func serialized() -> [UInt8] {
    switch protection {
    case .none(let secret):
      var text = Array(Self.headerText(publicIdentity, kdfLine: "kdf none").utf8)
      text += Array("secret ".utf8)
      secret.withUnsafeBytes { text += Base64URL.encodeBytes($0) }
      text.append(0x0A)
      return text
    case .passphrase(let parameters, let salt, let nonce, let ciphertext):
      let header = Self.headerText(
        publicIdentity, kdfLine: Self.kdfLine(parameters: parameters, salt: salt))
      return Array(
        (header + "nonce \(Base64URL.encode(nonce))\nsecret \(Base64URL.encode(ciphertext))\n")
          .utf8)
    }
  }

  /// Parses an identity file strictly. Argon2id parameters are checked against the floor
  /// and the ceiling here, before any key derivation can run.
  public static func parse(_ bytes: [UInt8], path: String) throws -> IdentityFile {
    func bad(_ line: Int, _ problem: FormatProblem) -> VaultError {
      .malformed(path: path, line: line, problem: problem)
    }
    guard !bytes.isEmpty else { throw bad(1, .empty) }
    guard bytes.last == 0x0A else { throw bad(1, .missingEnd) }
    let lines = bytes.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
    guard let first = lines.first else { throw bad(1, .empty) }
    let magic = Array("vault-identity ".utf8)
    guard first.starts(with: magic) else { throw bad(1, .wrongMagic) }
    // The first line's characters before its version, as in a vault file:
    // `vault-identity 1\r` is a format error (CRLF), not an unknown version.
    guard !first.contains(where: { $0 < 0x20 || $0 > 0x7E }) else {
      throw bad(1, .invalidCharacter)
    }
    let version = String(decoding: first.dropFirst(magic.count), as: UTF8.self)
    guard version == "1" else { throw VaultError.unsupportedVersion(path: path, version: version) }
    for (index, line) in lines.enumerated()
    where line.contains(where: { $0 < 0x20 || $0 > 0x7E }) {
      throw bad(index + 1, .invalidCharacter)
    }
    func fields(_ index: Int, _ keyword: String, count: Int) throws -> [ArraySlice<UInt8>] {
      guard index < lines.count else { throw bad(index + 1, .unexpectedLine(expected: keyword)) }
      let parts = lines[index].split(separator: 0x20, omittingEmptySubsequences: false)
      guard parts.first?.elementsEqual(keyword.utf8) == true else {
        throw bad(index + 1, .unexpectedLine(expected: keyword))
      }
      guard parts.count == count else { throw bad(index + 1, .badField(keyword)) }
      return parts
    }
    let publicFields = try fields(1, "public", count: 2)
    guard let publicIdentity = PublicIdentity(utf8: publicFields[1]) else {
      throw bad(2, .badField("public"))
    }
    guard lines.count > 2 else { throw bad(3, .unexpectedLine(expected: "kdf")) }
    if lines[2].elementsEqual("kdf none".utf8) {
      guard lines.count == 4 else { throw bad(5, .dataAfterEnd) }
      let secretFields = try fields(3, "secret", count: 2)
      guard var raw = Base64URL.decode(secretFields[1], length: 64) else {
        throw bad(4, .badField("secret"))
      }
      defer { wipe(&raw) }
      return IdentityFile(
        publicIdentity: publicIdentity, protection: .none(secret: SecretBytes(copying: raw)),
        path: path)
    }
    let kdf = try fields(2, "kdf", count: 5)
    guard kdf[1].elementsEqual("argon2id".utf8) else { throw bad(3, .badField("kdf")) }
    guard let ops = parseDecimal(kdf[2], key: "ops="), let mem = parseDecimal(kdf[3], key: "mem="),
      kdf[4].starts(with: "salt=".utf8),
      let salt = Base64URL.decode(kdf[4].dropFirst(5), length: PasswordHash.saltLength)
    else { throw bad(3, .badField("kdf")) }
    let parameters = PasswordHash.Parameters(opsLimit: ops, memLimit: mem)
    guard parameters.isWithinBounds else {
      throw VaultError.kdfParametersOutOfRange(path: path, opsLimit: ops, memLimit: mem)
    }
    let nonceFields = try fields(3, "nonce", count: 2)
    guard let nonce = Base64URL.decode(nonceFields[1], length: AEAD.nonceLength) else {
      throw bad(4, .badField("nonce"))
    }
    let secretFields = try fields(4, "secret", count: 2)
    guard let ciphertext = Base64URL.decode(secretFields[1], length: 64 + AEAD.tagLength) else {
      throw bad(5, .badField("secret"))
    }
    guard lines.count == 5 else { throw bad(6, .dataAfterEnd) }
    return IdentityFile(
      publicIdentity: publicIdentity,
      protection: .passphrase(
        parameters: parameters, salt: salt, nonce: nonce, ciphertext: ciphertext),
      path: path)
  }

  /// A decimal `key=N` field without leading zeros, or nil.
  static func parseDecimal(_ field: ArraySlice<UInt8>, key: String) -> UInt64? {
    guard field.starts(with: key.utf8) else { return nil }
    return parseDecimal(field.dropFirst(key.utf8.count))
  }

  /// Canonical decimal (no sign, no leading zero, at most 19 digits), or nil.
  static func parseDecimal<C: Collection<UInt8>>(_ digits: C) -> UInt64? {
    guard let first = digits.first, digits.count <= 19, !(first == 0x30 && digits.count > 1)
    else { return nil }
    var value: UInt64 = 0
    for digit in digits {
      guard digit >= 0x30 && digit <= 0x39 else { return nil }
      value = value * 10 + UInt64(digit - 0x30)
    }
    return value
  }

  static func kdfLine(parameters: PasswordHash.Parameters, salt: [UInt8]) -> String {
    "kdf argon2id ops=\(parameters.opsLimit) mem=\(parameters.memLimit) salt=\(Base64URL.encode(salt))"
  }

  static func headerText(_ publicIdentity: PublicIdentity, kdfLine: String) -> String {
    "vault-identity 1\npublic \(publicIdentity.description)\n\(kdfLine)\n"
  }

  static func associatedData(header: String) -> [UInt8] {
    var ad = LengthPrefixed()
    ad.append("vault.identity.v1")
    ad.append(header)
    return ad.bytes
  }
}
