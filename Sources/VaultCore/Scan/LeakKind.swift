/// What `vault scan` found: one of OpenAI's key shapes, or a value this vault holds.
public enum LeakKind: String, Sendable, CaseIterable {
  /// `sk-proj-…`: a project API key.
  case projectKey = "openai-project-key"
  /// `sk-svcacct-…`: a service account's key.
  case serviceAccountKey = "openai-svcacct-key"
  /// `sk-admin-…`: an Admin API key.
  case adminKey = "openai-admin-key"
  /// `sk-None-…`: a user key made without a project (the shape common scanners miss).
  case noneKey = "openai-none-key"
  /// `sk-…` with no known infix: a legacy user key.
  case legacyKey = "openai-legacy-key"
  /// A value stored in this vault, found by its keyed hash.
  case vaultValue = "vault-value"
}
