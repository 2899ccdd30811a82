/// The character sets of projects, environments, names and members (FileFormat.md,
/// "Labels"). All are ASCII without spaces, so a label needs no escaping in a vault line.
public enum Names {
  /// Names that change how programs load or start; a vault refuses to store or inject them
  /// unless explicitly allowed, because in a team vault the content is what others wrote.
  /// An array, not a Set: `exec` checks every name it injects, and the first use of a Set
  /// type costs a runtime protocol-conformance lookup (README, "Why it is fast").
  public static let reservedNames: [String] = [
    "PATH", "IFS", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND",
    "CDPATH", "GLOBIGNORE", "NODE_OPTIONS", "NODE_PATH", "PYTHONSTARTUP", "PYTHONPATH",
    "PYTHONHOME", "PYTHONINSPECT", "PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT", "RUBYLIB",
    "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "GCONV_PATH", "HOSTALIASES",
    "LOCPATH", "NLSPATH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH",
  ]

  /// Reserved prefixes: the dynamic loaders' variables (`isReserved` spells them out).
  public static let reservedPrefixes = ["LD_", "DYLD_"]

  @usableFromInline
  @inline(__always)
  static func isAlnum(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
  }

  @usableFromInline
  @inline(__always)
  static func isLowerAlnum(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7A)
  }

  // The validators are inlinable, so a caller in another module (`exec`'s argument parser)
  // gets them specialized for its collection rather than calling the generic form, whose
  // first use costs runtime lookups of the collection's associated types.

  /// Project: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
  @inlinable
  public static func isValidProject<C: Collection<UInt8>>(_ s: C) -> Bool {
    guard let first = s.first, isAlnum(first), s.count <= 64 else { return false }
    return s.allSatisfy { isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
  }

  /// Member: the same set as a project.
  @inlinable
  public static func isValidMember<C: Collection<UInt8>>(_ s: C) -> Bool {
    isValidProject(s)
  }

  /// Environment: `[a-z][a-z0-9_-]{0,31}`.
  @inlinable
  public static func isValidEnvironment<C: Collection<UInt8>>(_ s: C) -> Bool {
    guard let first = s.first, first >= 0x61 && first <= 0x7A, s.count <= 32 else {
      return false
    }
    return s.allSatisfy { isLowerAlnum($0) || $0 == 0x5F || $0 == 0x2D }
  }

  /// Variable name: `[A-Za-z_][A-Za-z0-9_]{0,127}`.
  @inlinable
  public static func isValidName<C: Collection<UInt8>>(_ s: C) -> Bool {
    guard let first = s.first, !(first >= 0x30 && first <= 0x39), s.count <= 128 else {
      return false
    }
    return s.allSatisfy { isAlnum($0) || $0 == 0x5F }
  }

  /// Whether `name` changes how programs load or start.
  public static func isReserved(_ name: String) -> Bool {
    for reserved in reservedNames where reserved == name { return true }
    return name.hasPrefix("LD_") || name.hasPrefix("DYLD_")
  }

  /// Whether `value` has the shape of a secret: an OpenAI key (`sk-…`, or OpenAI's
  /// `T3BlbkFJ` marker anywhere) or a secret identity (`VAULT-SECRET-…`). A project or
  /// member name of that shape is refused even when its characters are valid: it is a key
  /// pasted in the wrong place, and would be stored as a clear label and echoed.
  public static func looksLikeSecret(_ value: String) -> Bool {
    value.hasPrefix("sk-") || value.hasPrefix("VAULT-SECRET-") || containsKeyMarker(value)
  }

  /// Whether `value` holds OpenAI's `T3BlbkFJ` marker: a byte search, because
  /// `String.contains` of a string costs runtime lookups on its first use (`exec` checks
  /// the project name with it).
  static func containsKeyMarker(_ value: String) -> Bool {
    let marker: [UInt8] = [0x54, 0x33, 0x42, 0x6C, 0x62, 0x6B, 0x46, 0x4A]  // T3BlbkFJ
    var text = value
    text.makeContiguousUTF8()  // a native string already is: no copy
    return text.utf8.withContiguousStorageIfAvailable { bytes in
      guard bytes.count >= marker.count else { return false }
      var start = 0
      while start <= bytes.count - marker.count {
        var offset = 0
        while offset < marker.count && bytes[start + offset] == marker[offset] { offset += 1 }
        if offset == marker.count { return true }
        start += 1
      }
      return false
    } ?? false
  }

  /// What a message may show of a rejected name: the redacted form when it looks like a
  /// secret (`sk-proj-…wxyz`), else the name escaped and cut at 80 characters.
  static func shown(_ value: String, looksLikeSecret: Bool) -> String {
    guard looksLikeSecret else { return Printable.escaped(value, limit: 80) }
    var bytes = Array(value.utf8)
    defer {
      for index in bytes.indices { bytes[index] = 0 }
    }
    return OpenAIKeys.redact(SecretBytes(copying: bytes))
  }

  /// Validates a user-supplied label part, throwing `invalidName` (or `valueInName` for
  /// `NAME=VALUE`). The error carries only a printable or redacted form of `value`, and
  /// nothing after an `=` (STYLE.md: redact at the point of capture).
  public static func check(_ value: String, as kind: VaultError.NameKind) throws {
    let bytes = Array(value.utf8)
    let valid: Bool
    switch kind {
    case .project: valid = isValidProject(bytes) && !looksLikeSecret(value)
    case .member: valid = isValidMember(bytes) && !looksLikeSecret(value)
    case .environment: valid = isValidEnvironment(bytes)
    case .name: valid = isValidName(bytes)
    }
    guard !valid else { return }
    // `NAME=VALUE` (the Doppler and Heroku habit): what follows `=` is a value, so it is
    // never kept, whatever its length; the part before it is shown as any name would be.
    if let equals = value.firstIndex(of: "=") {
      let name = String(value[..<equals])
      throw VaultError.valueInName(
        kind: kind, shown: shown(name, looksLikeSecret: looksLikeSecret(name)) + "=…",
        name: isValidName(Array(name.utf8)) ? name : nil)
    }
    let secret = looksLikeSecret(value)
    throw VaultError.invalidName(
      kind: kind, shown: shown(value, looksLikeSecret: secret), looksLikeSecret: secret)
  }
}
