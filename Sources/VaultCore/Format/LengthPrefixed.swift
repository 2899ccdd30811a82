/// The length-prefixed encoding of associated data and signed messages: each field is its
/// length as a 4-byte big-endian integer followed by its bytes, so no two field lists
/// encode alike (`a:b`+`c` differs from `a`+`b:c`).
public struct LengthPrefixed {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  /// Appends one field.
  public mutating func append<C: Collection<UInt8>>(_ field: C) {
    let length = UInt32(field.count)
    bytes.append(UInt8(length >> 24))
    bytes.append(UInt8((length >> 16) & 0xFF))
    bytes.append(UInt8((length >> 8) & 0xFF))
    bytes.append(UInt8(length & 0xFF))
    bytes.append(contentsOf: field)
  }

  /// Appends one text field as UTF-8.
  public mutating func append(_ field: String) {
    append(Array(field.utf8))
  }

  /// The encoding of `fields`.
  public static func encode(_ fields: [[UInt8]]) -> [UInt8] {
    var encoder = LengthPrefixed()
    for field in fields { encoder.append(field) }
    return encoder.bytes
  }
}
