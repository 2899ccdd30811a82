/// OpenAI's key shapes as `vault scan` recognises them: `sk-`, an optional kind (`proj-`,
/// `svcacct-`, `admin-`, `None-`), then letters, digits, `-` and `_` holding OpenAI's
/// `T3BlbkFJ` marker (base64 of "OpenAI") with at least `minimumSide` key characters on each
/// side of it. Every shape in use carries the marker; gitleaks' and trufflehog's patterns
/// list the kinds they know, and miss `sk-None-`, which this rule needs no list for.
public enum KeyShapes {
  /// The marker every OpenAI key carries.
  public static let marker: [UInt8] = Array("T3BlbkFJ".utf8)
  /// The fewest key characters between the prefix and the marker, and after the marker
  /// (legacy keys have 20 on each side; newer keys have more).
  public static let minimumSide = 16
  /// The longest run of key characters taken for a key. A longer run (a hash, base64 text)
  /// is not a key; today's keys are under 200 characters.
  public static let maximumLength = 512

  /// The kind a key starting with `sk-` at `bytes` has, from the bytes after `sk-`.
  static func kind(_ bytes: UnsafeRawBufferPointer) -> (LeakKind, prefix: Int) {
    for (kind, infix) in [
      (LeakKind.projectKey, "proj-"), (.serviceAccountKey, "svcacct-"), (.adminKey, "admin-"),
      (.noneKey, "None-"),
    ] where bytes.count > 3 && bytes[3...].starts(with: infix.utf8) {
      return (kind, 3 + infix.utf8.count)
    }
    return (.legacyKey, 3)
  }

  /// The length and kind of the key that starts at offset `at` of `bytes` (where `sk-`
  /// is), when the run of key characters there is one.
  static func match(_ bytes: UnsafeRawBufferPointer, at start: Int) -> (Int, LeakKind)? {
    var end = start
    let limit = Swift.min(bytes.count, start + maximumLength + 1)
    while end < limit && ProviderKeys.isKeyCharacter(bytes[end]) { end += 1 }
    let length = end - start
    guard length <= maximumLength else { return nil }
    let run = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    let (kind, prefix) = kind(run)
    guard length >= prefix + 2 * minimumSide + marker.count else { return nil }
    var index = prefix + minimumSide
    while index + marker.count + minimumSide <= length {
      if run[index] == marker[0] && run[index..<(index + marker.count)].elementsEqual(marker) {
        return (length, kind)
      }
      index += 1
    }
    return nil
  }
}
