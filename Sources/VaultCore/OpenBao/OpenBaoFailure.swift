/// Why OpenBao did not wrap or unwrap an environment key, in words that name no token and no
/// key material: OpenBao's own error text is never echoed, only what it means.
public struct OpenBaoFailure: Error, Sendable, Equatable {
  /// The kind decides the exit code (README, "Exit codes").
  public enum Kind: Sendable, Equatable {
    /// No node answered (refused, timed out, TLS failed, sealed, no leader) after the
    /// bounded retries, or an answer was not OpenBao's JSON: 69.
    case unavailable
    /// The token was refused (revoked, expired), the login was refused, or the policy does
    /// not allow the key: 4.
    case refused
    /// The transit key or the JWT role does not exist: 2.
    case notFound
    /// Transit refused to decrypt the seal (tampered with, or copied from another vault or
    /// environment), or it decrypted to a key that is not the environment's: 5.
    case integrity
    /// No credential, or a variable holding something malformed: 64.
    case usage
    /// A token file that cannot be read: 1.
    case failed
  }

  /// The kind.
  public var kind: Kind
  /// One line, without "error:".
  public var message: String
  /// What to do next, if anything.
  public var hint: String?

  /// A failure.
  public init(_ kind: Kind, _ message: String, hint: String? = nil) {
    self.kind = kind
    self.message = message
    self.hint = hint
  }
}
