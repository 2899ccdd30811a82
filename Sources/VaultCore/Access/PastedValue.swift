/// Shapes a value takes when it is pasted from somewhere that wraps it, and what `vault set`
/// does with each (README "Values"): a key split over lines is joined, a key in quotes is
/// unquoted, `NAME=VALUE` or `export NAME="VALUE"` for the name being set keeps the value;
/// an assignment to another name with a key in it, several `NAME=VALUE` lines (a .env file)
/// and several keys are refused. Anything else is stored as it is. The value itself never
/// leaves the secret buffers: the result says only which fix was made.
public enum PastedValue {
  /// A change made to the pasted value before it is stored.
  public enum Fix: Equatable, Sendable {
    /// A key split over `lines` lines (a terminal or a mail wrapped it) was joined.
    case joinedLines(Int)
    /// Quotes around the value were removed.
    case removedQuotes
    /// `NAME=VALUE` (or `export NAME=VALUE`) for the name being set: the value was kept.
    case tookAssignment(name: String)
  }

  /// The value to store for `name`, after the fixes listed; throws `pastedShape` for a shape
  /// that cannot be stored safely. `value` is already trimmed.
  public static func interpret(_ value: SecretBytes, name: String) throws
    -> (value: SecretBytes, fixes: [Fix])
  {
    var fixes: [Fix] = []
    var current = value
    if let joined = try joinedLines(current, name: name) {
      current = joined.value
      fixes.append(.joinedLines(joined.lines))
    }
    if let assigned = try assignment(current, name: name) {
      current = assigned
      fixes.append(.tookAssignment(name: name))
    }
    if let unquoted = unquoted(current) {
      current = unquoted
      fixes.append(.removedQuotes)
    }
    return (current, fixes)
  }

  /// The ranges of the non-empty lines of `raw`, each without its CR and surrounding blanks.
  private static func lines(_ raw: UnsafeRawBufferPointer) -> [Range<Int>] {
    var result: [Range<Int>] = []
    var start = 0
    func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
    for index in 0...raw.count where index == raw.count || raw[index] == 0x0A {
      var lower = start
      var upper = index
      while lower < upper && isBlank(raw[lower]) { lower += 1 }
      while upper > lower && isBlank(raw[upper - 1]) { upper -= 1 }
      if lower < upper { result.append(lower..<upper) }
      start = index + 1
    }
    return result
  }

  /// A key split over lines, joined; nil when the value is one line or not a split key (a
  /// PEM key or any other multi-line value is kept as it is).
  private static func joinedLines(_ value: SecretBytes, name: String) throws
    -> (value: SecretBytes, lines: Int)?
  {
    try value.withUnsafeBytes { raw in
      guard raw.contains(0x0A) else { return nil }
      let lines = lines(raw)
      guard lines.count > 1 else { return nil }
      let assignments = lines.filter { assignmentParts(raw, $0) != nil }.count
      if assignments > 0 {
        throw VaultError.pastedShape(name: name, problem: .dotenvLines(lines.count))
      }
      guard lines.allSatisfy({ raw[$0].allSatisfy(ProviderKeys.isKeyCharacter) }),
        let first = lines.first, ProviderKeys.startsLikeKey(raw[first])
      else { return nil }
      let keys = lines.filter { ProviderKeys.startsLikeKey(raw[$0]) }.count
      if keys > 1 {
        throw VaultError.pastedShape(name: name, problem: .severalKeys(keys))
      }
      let joined = SecretBytes(count: lines.reduce(0) { $0 + $1.count })
      joined.withUnsafeMutableBytes { out in
        var offset = 0
        for line in lines {
          for index in line {
            out[offset] = raw[index]
            offset += 1
          }
        }
      }
      return (joined, lines.count)
    }
  }

  /// The name and value ranges of `export NAME=VALUE` or `NAME=VALUE` in `line`: NAME in
  /// capitals, digits and `_` (how environment variables are written), VALUE not empty and
  /// not starting with `=` (so base64 padding `…A==` is not taken for one).
  private static func assignmentParts(_ raw: UnsafeRawBufferPointer, _ line: Range<Int>)
    -> (name: Range<Int>, value: Range<Int>, exported: Bool)?
  {
    var start = line.lowerBound
    var exported = false
    let export = Array("export".utf8)
    if raw[line].starts(with: export), line.count > export.count + 1,
      raw[start + export.count] == 0x20 || raw[start + export.count] == 0x09
    {
      start += export.count
      while start < line.upperBound && (raw[start] == 0x20 || raw[start] == 0x09) { start += 1 }
      exported = true
    }
    func isUpper(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || b == 0x5F }
    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    guard start < line.upperBound, isUpper(raw[start]) else { return nil }
    var equals = start
    while equals < line.upperBound && (isUpper(raw[equals]) || isDigit(raw[equals])) {
      equals += 1
    }
    guard equals < line.upperBound, raw[equals] == 0x3D, equals - start <= 128,
      equals + 1 < line.upperBound, raw[equals + 1] != 0x3D
    else { return nil }
    return (start..<equals, (equals + 1)..<line.upperBound, exported)
  }

  /// The value of an assignment pasted whole; nil when the value is no assignment.
  private static func assignment(_ value: SecretBytes, name: String) throws
    -> SecretBytes?
  {
    try value.withUnsafeBytes { raw -> SecretBytes? in
      guard !raw.contains(0x0A), let parts = assignmentParts(raw, 0..<raw.count) else {
        return nil
      }
      let assigned = String(decoding: raw[parts.name], as: UTF8.self)
      if assigned == name { return value.slice(parts.value) }
      // Another name: an assignment for certain with `export`, or when a key follows `=`;
      // otherwise a value that merely holds `=` (`ABCD=efgh`), stored as it is.
      let rest = raw[parts.value].drop { $0 == 0x22 || $0 == 0x27 }
      guard parts.exported || ProviderKeys.startsLikeKey(rest) else { return nil }
      let shown =
        ProviderKeys.startsLikeKey(raw[parts.name]) || Names.looksLikeSecret(assigned)
        ? "another name" : assigned
      throw VaultError.pastedShape(name: name, problem: .assignsOtherName(shown))
    }
  }

  /// The value inside matching quotes (`"…"` or `'…'`) around a single token: no blank,
  /// no backslash and no quote of the same kind inside; nil otherwise.
  private static func unquoted(_ value: SecretBytes) -> SecretBytes? {
    value.withUnsafeBytes { raw -> SecretBytes? in
      guard raw.count >= 2, let quote = raw.first, quote == 0x22 || quote == 0x27,
        raw[raw.count - 1] == quote
      else { return nil }
      let inside = 1..<(raw.count - 1)
      let plain = raw[inside].allSatisfy {
        $0 != quote && $0 != 0x5C && $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D
      }
      return plain ? value.slice(inside) : nil
    }
  }
}
