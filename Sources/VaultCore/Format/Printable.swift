/// Text from outside (a name, a path, a command) made safe to put in a message on a
/// terminal: control characters and non-ASCII shown as `\u{..}`, so a hostile directory or
/// file name cannot move the cursor, change colours or fake a second line.
public enum Printable {
  /// `text` with every scalar outside printable ASCII escaped; cut after `limit` scalars
  /// (with `…`) when a limit is given. Paths are never cut: the whole path is the point.
  public static func escaped(_ text: String, limit: Int? = nil) -> String {
    var result = ""
    var count = 0
    for scalar in text.unicodeScalars {
      if let limit, count == limit { return result + "…" }
      count += 1
      if scalar.value >= 0x20 && scalar.value < 0x7F {
        result.unicodeScalars.append(scalar)
      } else {
        result += "\\u{\(String(scalar.value, radix: 16))}"
      }
    }
    return result
  }
}
