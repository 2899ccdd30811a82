/// Other providers' key shapes, recognised by their published prefixes, so that a key pasted
/// under the wrong name gets a warning that names it (README "Values").
public enum ProviderKeys {
  /// One provider's key shape.
  public struct Shape: Equatable, Sendable {
    /// How a message names the key ("an Anthropic key").
    public var described: String
    /// The prefix its keys start with, shown in messages as the shape (`sk-ant-…`).
    public var prefix: String
    /// The variable its keys are usually stored as.
    public var variable: String
  }

  /// Tried in order; a longer prefix comes before a shorter one it extends.
  public static let shapes: [Shape] = [
    Shape(described: "an Anthropic key", prefix: "sk-ant-", variable: "ANTHROPIC_API_KEY"),
    Shape(described: "an OpenRouter key", prefix: "sk-or-", variable: "OPENROUTER_API_KEY"),
    Shape(described: "a Stripe secret key", prefix: "sk_live_", variable: "STRIPE_SECRET_KEY"),
    Shape(described: "a Stripe test key", prefix: "sk_test_", variable: "STRIPE_SECRET_KEY"),
    Shape(described: "a Google key", prefix: "AIza", variable: "GOOGLE_API_KEY"),
    Shape(described: "an xAI key", prefix: "xai-", variable: "XAI_API_KEY"),
    Shape(described: "a Groq key", prefix: "gsk_", variable: "GROQ_API_KEY"),
    Shape(described: "a Hugging Face token", prefix: "hf_", variable: "HF_TOKEN"),
    Shape(described: "an AWS access key ID", prefix: "AKIA", variable: "AWS_ACCESS_KEY_ID"),
    Shape(
      described: "an AWS temporary access key ID", prefix: "ASIA", variable: "AWS_ACCESS_KEY_ID"),
    Shape(described: "a GitHub token", prefix: "ghp_", variable: "GITHUB_TOKEN"),
    Shape(described: "a GitHub token", prefix: "github_pat_", variable: "GITHUB_TOKEN"),
    Shape(described: "a Perplexity key", prefix: "pplx-", variable: "PERPLEXITY_API_KEY"),
    Shape(described: "a Replicate token", prefix: "r8_", variable: "REPLICATE_API_TOKEN"),
  ]

  /// The other provider whose shape `bytes` has: its prefix, then at least 12 more key
  /// characters (letters, digits, `-`, `_`) and nothing else.
  public static func shape<C: Collection<UInt8>>(of bytes: C) -> Shape? {
    guard bytes.allSatisfy(isKeyCharacter) else { return nil }
    return shapes.first {
      bytes.starts(with: $0.prefix.utf8) && bytes.count >= $0.prefix.utf8.count + 12
    }
  }

  /// Whether `bytes` starts like a key of OpenAI's or of a provider in `shapes`.
  static func startsLikeKey<C: Collection<UInt8>>(_ bytes: C) -> Bool {
    bytes.starts(with: "sk-".utf8) || shapes.contains { bytes.starts(with: $0.prefix.utf8) }
  }

  /// The characters keys are made of: letters, digits, `-` and `_`.
  static func isKeyCharacter(_ byte: UInt8) -> Bool {
    Names.isAlnum(byte) || byte == 0x2D || byte == 0x5F
  }
}
