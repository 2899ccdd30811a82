/// Base64url without padding (RFC 4648 §5), the only binary encoding in vault files.
///
/// Decoding is strict: only the URL-safe alphabet, no padding, no whitespace, and unused
/// trailing bits must be zero, so each byte string has exactly one text form.
public enum Base64URL {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

  private static let reverse: [UInt8] = {
    var table = [UInt8](repeating: 0xFF, count: 256)
    for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
    return table
  }()

  /// Encodes `bytes`.
  public static func encode<C: Collection<UInt8>>(_ bytes: C) -> String {
    String(decoding: encodeBytes(bytes), as: UTF8.self)
  }

  /// Encodes `bytes` as ASCII bytes.
  public static func encodeBytes<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count * 4 + 2) / 3)
    var iterator = bytes.makeIterator()
    while let b0 = iterator.next() {
      let b1 = iterator.next()
      let b2 = b1 == nil ? nil : iterator.next()
      output.append(alphabet[Int(b0 >> 2)])
      output.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
      if let b1 {
        output.append(alphabet[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)])
      }
      if let b2 {
        output.append(alphabet[Int(b2 & 0x3F)])
      }
    }
    return output
  }

  /// Decodes canonical base64url text, or returns nil.
  public static func decode<C: Collection<UInt8>>(_ text: C) -> [UInt8]? {
    let count = text.count
    if count % 4 == 1 { return nil }
    var output: [UInt8] = []
    output.reserveCapacity(count * 3 / 4)
    var accumulator: UInt32 = 0
    var bits = 0
    for character in text {
      let value = reverse[Int(character)]
      if value == 0xFF { return nil }
      accumulator = accumulator << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
        accumulator &= (1 << UInt32(bits)) - 1
      }
    }
    // Leftover bits must be zero, or two texts would decode to the same bytes.
    if accumulator != 0 { return nil }
    return output
  }

  /// Decodes canonical base64url of exactly `length` bytes, or returns nil.
  public static func decode<C: Collection<UInt8>>(_ text: C, length: Int) -> [UInt8]? {
    guard text.count == (length * 4 + 2) / 3, let bytes = decode(text), bytes.count == length
    else { return nil }
    return bytes
  }
}
