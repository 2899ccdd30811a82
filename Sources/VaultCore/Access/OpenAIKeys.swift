/// What vault knows about OpenAI's key shapes (DESIGN.md, "OpenAI facts").
public enum OpenAIKeys {
  /// Prefixes in the order they are tried: project, service account, admin, a user key
  /// without a project (`sk-None-`), legacy.
  public static let prefixes = ["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-", "sk-"]

  /// Something worth saying about a value stored under `name`.
  public enum Advice: Equatable, Sendable {
    /// An Admin API key stored as `OPENAI_API_KEY`; it belongs in `OPENAI_ADMIN_KEY`.
    case adminKeyAsAPIKey
    /// The value fits none of the OpenAI key shapes.
    case unrecognizedShape
    /// The value has another provider's key shape (an Anthropic key under OPENAI_API_KEY).
    case otherProvider(ProviderKeys.Shape)
  }

  /// Advice for storing `value` as `name`; only `OPENAI_API_KEY` and `OPENAI_ADMIN_KEY` are
  /// checked. The value is stored either way.
  public static func advice(name: String, value: SecretBytes) -> Advice? {
    guard name == "OPENAI_API_KEY" || name == "OPENAI_ADMIN_KEY" else { return nil }
    return value.withUnsafeBytes { raw -> Advice? in
      if let shape = ProviderKeys.shape(of: raw) { return .otherProvider(shape) }
      let isKeyShaped =
        raw.starts(with: "sk-".utf8) && raw.count >= 40
        && raw.allSatisfy { Names.isAlnum($0) || $0 == 0x2D || $0 == 0x5F }
      guard isKeyShaped else { return .unrecognizedShape }
      if name == "OPENAI_API_KEY" && raw.starts(with: "sk-admin-".utf8) { return .adminKeyAsAPIKey }
      return nil
    }
  }

  /// Whether `value` is an Admin API key (`sk-admin-`): it manages the organization (keys,
  /// members, billing), so `exec` injects it only when asked for it by name.
  public static func isAdminKey(_ value: SecretBytes) -> Bool {
    value.withUnsafeBytes { $0.starts(with: "sk-admin-".utf8) }
  }

  /// A redacted form a person can match against the dashboard: the known prefix, an
  /// ellipsis and the last four characters (`sk-proj-…wxyz`). Values shorter than 20 bytes
  /// show only `…`, so a short secret is not half printed.
  public static func redact(_ value: SecretBytes) -> String {
    value.withUnsafeBytes { raw in
      guard raw.count >= 20 else { return "…" }
      let prefix = prefixes.first { raw.starts(with: $0.utf8) } ?? ""
      let tail = raw.suffix(4).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }
      return prefix + "…" + String(decoding: tail, as: UTF8.self)
    }
  }
}
