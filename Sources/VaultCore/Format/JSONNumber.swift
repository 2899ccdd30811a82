/// A JSON number, kept as the text it was read from (or written as), so an integer such as a
/// Unix time or a count is exact however large, and nothing is rounded by being read and
/// written back.
///
/// Two numbers are equal when their texts are: `1`, `1.0` and `1e0` are three different
/// numbers here. The text always follows RFC 8259's grammar
/// (`-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible,
  ExpressibleByIntegerLiteral
{
  /// The number as JSON text, for example `1764460800`, `-0.5` or `1e-05`.
  public let text: String

  /// A number whose text the parser has checked against the grammar.
  init(validatedText: String) { self.text = validatedText }

  /// The number `text` spells, or nil when `text` is not exactly one JSON number (no
  /// surrounding whitespace, no `+`, no leading zeros, no `NaN` or `Infinity`).
  public init?(text: String) {
    guard case .number(let number)? = try? JSONValue.parse(text.utf8, maxDepth: 0),
      number.text.utf8.count == text.utf8.count
    else { return nil }
    self = number
  }

  /// An integer, written in decimal.
  public init(_ value: Int64) { self.text = String(value) }

  /// An integer, written in decimal.
  public init(_ value: Int) { self.text = String(value) }

  /// A finite double, written as Swift's shortest round-tripping text (`0.1`, `1e-05`);
  /// nil for NaN and the infinities, which JSON cannot carry.
  public init?(_ value: Double) {
    guard value.isFinite else { return nil }
    self.text = value.description
  }

  /// An integer literal, as `init(_: Int64)`.
  public init(integerLiteral value: Int64) { self.init(value) }

  /// The exact value when the text is an integer (no fraction, no exponent) in `Int64`'s
  /// range; nil otherwise, so `1.0`, `1e3` and `9223372036854775808` give nil rather than
  /// a rounded or wrapped value.
  public var int64: Int64? {
    guard !text.utf8.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }) else {
      return nil
    }
    return Int64(text, radix: 10)
  }

  /// The nearest `Double`; nil when the number is too large to be finite (`1e400`).
  public var double: Double? {
    guard let value = Double(text), value.isFinite else { return nil }
    return value
  }

  /// The JSON text.
  public var description: String { text }
}
