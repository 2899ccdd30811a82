/// The base URL of OpenAI's API, `https://api.openai.com/v1` unless `--base-url` or the user's
/// own `VAULT_OPENAI_BASE_URL` says otherwise; never from a vault entry, so that a stored
/// `OPENAI_BASE_URL` cannot send the Admin key elsewhere. `https://` anywhere, plain `http://`
/// only to a loopback address (a stand-in in tests, a local gateway).
public struct BaseURL: Sendable, Equatable {
  /// The default.
  public static let openAI = "https://api.openai.com/v1"

  /// The URL, without a trailing slash.
  public let text: String

  /// Checks `text`. A URL with user information, a query or a fragment is refused: none has
  /// a meaning here, and user information would be a credential in argv.
  public init(_ text: String) throws(OpenAIFailure) {
    var url = text
    while url.hasSuffix("/") { url.removeLast() }
    let scheme: String
    if url.hasPrefix("https://") {
      scheme = "https"
    } else if url.hasPrefix("http://") {
      scheme = "http"
    } else {
      throw Self.refused("it must start with https://")
    }
    let rest = url.dropFirst(scheme.count + 3)
    let authority = String(rest.prefix { $0 != "/" })
    guard !authority.isEmpty else { throw Self.refused("it has no host") }
    guard !authority.contains("@") else {
      throw Self.refused("it holds user information; give credentials through the vault")
    }
    guard !url.contains("?"), !url.contains("#"), !url.contains(" ") else {
      throw Self.refused("it has a query, a fragment or a space")
    }
    guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
      throw Self.refused("it has a character outside printable ASCII")
    }
    if scheme == "http", !Self.isLoopback(host: Self.host(of: authority)) {
      throw Self.refused("plain http:// is allowed only to a loopback address; use https://")
    }
    self.text = url
  }

  /// `url` + `path` (which starts with `/`).
  public func appending(_ path: String) -> String { text + path }

  static func host(of authority: String) -> String {
    if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
      return String(authority[authority.index(after: authority.startIndex)..<end])
    }
    return String(authority.prefix { $0 != ":" })
  }

  static func isLoopback(host: String) -> Bool {
    if host == "localhost" || host == "::1" { return true }
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0] == "127" else { return false }
    return parts.allSatisfy { part in
      !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && UInt8(part) != nil
    }
  }

  static func refused(_ why: String) -> OpenAIFailure {
    OpenAIFailure(.usage, "the OpenAI base URL is refused: \(why)")
  }
}
