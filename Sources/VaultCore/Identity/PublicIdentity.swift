/// The shareable half of an identity: its X25519 and Ed25519 public keys.
///
/// Text form: `vault-pub-` followed by base64url of `x25519 ‖ ed25519 ‖ check` where
/// `check` is the first 4 bytes of BLAKE2b-256(`x25519 ‖ ed25519`), so a typo is caught.
public struct PublicIdentity: Sendable, Equatable, Hashable {
  public static let prefix = "vault-pub-"

  /// The X25519 public key that sealed environment keys are addressed to.
  public let boxKey: [UInt8]
  /// The Ed25519 public key that verifies this identity's signatures.
  public let signingKey: [UInt8]

  public init(boxKey: [UInt8], signingKey: [UInt8]) {
    precondition(boxKey.count == 32 && signingKey.count == 32)
    self.boxKey = boxKey
    self.signingKey = signingKey
  }

  /// Parses the text form, or returns nil.
  public init?(_ text: String) {
    self.init(utf8: Array(text.utf8))
  }

  /// Parses the text form from UTF-8 bytes, or returns nil.
  public init?<C: Collection<UInt8>>(utf8 text: C) {
    let prefix = Array(Self.prefix.utf8)
    guard text.count > prefix.count, text.starts(with: prefix) else { return nil }
    guard let raw = Base64URL.decode(text.dropFirst(prefix.count), length: 68) else {
      return nil
    }
    let keys = Array(raw[0..<64])
    guard Sodium.constantTimeEquals(Array(Sodium.blake2b(keys).prefix(4)), Array(raw[64...]))
    else { return nil }
    self.init(boxKey: Array(raw[0..<32]), signingKey: Array(raw[32..<64]))
  }

  /// The text form.
  public var description: String {
    let keys = boxKey + signingKey
    return Self.prefix + Base64URL.encode(keys + Sodium.blake2b(keys).prefix(4))
  }

  /// A short stable name for this identity: base64url of BLAKE2b-128 of both keys.
  public var fingerprint: String {
    Base64URL.encode(Sodium.blake2b(boxKey + signingKey, length: 16))
  }
}
