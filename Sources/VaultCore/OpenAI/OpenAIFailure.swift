/// Why a `vault openai` command could not do what it was asked, in words that name no key
/// value: OpenAI's own error messages are not echoed except its `code` field and, for a 400,
/// a printable, key-scrubbed excerpt.
public struct OpenAIFailure: Error, Sendable, Equatable {
  /// The kind decides the exit code (README, "Exit codes").
  public enum Kind: Sendable, Equatable {
    /// The network, a timeout, 5xx or 429 after the retries, a malformed answer: 69.
    case unavailable
    /// 401 or 403: the Admin key (or a new key being verified) is refused: 4.
    case refused
    /// 404, or something the vault should hold and does not: 2.
    case notFound
    /// OpenAI refused the request itself (400, 409, 422) or the vault's state forbids it: 1.
    case failed
    /// A bad option value (a base URL that is not https, say): 64.
    case usage
  }

  /// The kind.
  public var kind: Kind
  /// One line, without "error:".
  public var message: String
  /// The next command to run, if there is one.
  public var hint: String?

  /// A failure.
  public init(_ kind: Kind, _ message: String, hint: String? = nil) {
    self.kind = kind
    self.message = message
    self.hint = hint
  }
}
