/// The reader behind `JSONValue.parse`: one pass over the bytes, one recursive call per
/// nesting level, strings sliced straight from the input unless they hold escapes.
struct JSONParser {
  typealias Failure = JSONValue.ParseError

  private let bytes: UnsafeBufferPointer<UInt8>
  private let maxDepth: Int
  private var index = 0

  private init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  /// The one value `bytes` hold, whitespace around it allowed.
  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int
  ) throws(Failure) -> JSONValue {
    var parser = JSONParser(bytes, maxDepth: maxDepth)
    return try parser.document()
  }

  // Bytes the grammar names.
  private static let quote: UInt8 = 0x22
  private static let backslash: UInt8 = 0x5C
  private static let comma: UInt8 = 0x2C
  private static let colon: UInt8 = 0x3A
  private static let openBracket: UInt8 = 0x5B
  private static let closeBracket: UInt8 = 0x5D
  private static let openBrace: UInt8 = 0x7B
  private static let closeBrace: UInt8 = 0x7D
  private static let minus: UInt8 = 0x2D
  private static let zero: UInt8 = 0x30

  /// Above this many keys an object's duplicate check uses a set instead of a scan, so a
  /// huge object stays linear.
  private static let scanLimit = 16

  private func fail(_ reason: Failure.Reason) -> Failure {
    Failure(offset: index, reason: reason)
  }

  /// The byte at the cursor, or nil at the end.
  private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

  private static func isDigit(_ byte: UInt8?) -> Bool {
    guard let byte else { return false }
    return byte >= 0x30 && byte <= 0x39
  }

  private mutating func skipWhitespace() {
    while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
      index += 1
    }
  }

  private mutating func document() throws(Failure) -> JSONValue {
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
      throw fail(.byteOrderMark)
    }
    skipWhitespace()
    guard current != nil else { throw fail(.empty) }
    let result = try value(depth: 0)
    skipWhitespace()
    guard current == nil else { throw fail(.trailingData) }
    return result
  }

  /// The value at the cursor; `depth` is how many arrays and objects enclose it.
  private mutating func value(depth: Int) throws(Failure) -> JSONValue {
    guard let byte = current else { throw fail(.unexpectedEnd) }
    switch byte {
    case Self.openBrace: return try object(depth: depth + 1)
    case Self.openBracket: return try array(depth: depth + 1)
    case Self.quote: return .string(try string())
    case 0x74:  // t
      try literal("true")
      return .bool(true)
    case 0x66:  // f
      try literal("false")
      return .bool(false)
    case 0x6E:  // n
      try literal("null")
      return .null
    case Self.minus, 0x30...0x39: return .number(try number())
    default: throw fail(.unexpectedCharacter)
    }
  }

  private mutating func literal(_ word: StaticString) throws(Failure) {
    let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
    for byte in expected {
      guard let actual = current else { throw fail(.unexpectedEnd) }
      guard actual == byte else { throw fail(.unexpectedCharacter) }
      index += 1
    }
  }

  private mutating func array(depth: Int) throws(Failure) -> JSONValue {
    guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
    index += 1  // [
    var elements: [JSONValue] = []
    skipWhitespace()
    if current == Self.closeBracket {
      index += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try value(depth: depth))
      skipWhitespace()
      switch current {
      case Self.comma?:
        index += 1
        skipWhitespace()
        if current == Self.closeBracket { throw fail(.trailingComma) }
      case Self.closeBracket?:
        index += 1
        return .array(elements)
      case nil: throw fail(.unexpectedEnd)
      default: throw fail(.expectedCommaOrBracket)
      }
    }
  }

  private mutating func object(depth: Int) throws(Failure) -> JSONValue {
    guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
    index += 1  // {
    var pairs: [JSONObject.Element] = []
    var seen = Set<String>()  // filled once the object has more than `scanLimit` keys
    skipWhitespace()
    if current == Self.closeBrace {
      index += 1
      return .object(JSONObject(uniquePairs: pairs))
    }
    while true {
      skipWhitespace()
      guard let byte = current else { throw fail(.unexpectedEnd) }
      guard byte == Self.quote else { throw fail(.expectedKey) }
      let keyOffset = index
      let key = try string()
      if pairs.count > Self.scanLimit {
        guard seen.insert(key).inserted else {
          throw Failure(offset: keyOffset, reason: .duplicateKey)
        }
      } else {
        if pairs.contains(where: { $0.key == key }) {
          throw Failure(offset: keyOffset, reason: .duplicateKey)
        }
        if pairs.count == Self.scanLimit { seen = Set(pairs.map(\.key) + [key]) }
      }
      skipWhitespace()
      guard let separator = current else { throw fail(.unexpectedEnd) }
      guard separator == Self.colon else { throw fail(.expectedColon) }
      index += 1
      skipWhitespace()
      pairs.append((key, try value(depth: depth)))
      skipWhitespace()
      switch current {
      case Self.comma?:
        index += 1
        skipWhitespace()
        if current == Self.closeBrace { throw fail(.trailingComma) }
      case Self.closeBrace?:
        index += 1
        return .object(JSONObject(uniquePairs: pairs))
      case nil: throw fail(.unexpectedEnd)
      default: throw fail(.expectedCommaOrBrace)
      }
    }
  }

  /// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`, kept as its text.
  private mutating func number() throws(Failure) -> JSONNumber {
    let start = index
    if current == Self.minus { index += 1 }
    guard Self.isDigit(current) else {
      throw fail(current == nil ? .unexpectedEnd : .invalidNumber)
    }
    if current == Self.zero {
      index += 1
      if Self.isDigit(current) { throw fail(.leadingZero) }
    } else {
      while Self.isDigit(current) { index += 1 }
    }
    if current == 0x2E {  // .
      index += 1
      try digits()
    }
    if current == 0x65 || current == 0x45 {  // e E
      index += 1
      if current == 0x2B || current == Self.minus { index += 1 }
      try digits()
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    return JSONNumber(validatedText: text)
  }

  /// One or more digits.
  private mutating func digits() throws(Failure) {
    guard Self.isDigit(current) else {
      throw fail(current == nil ? .unexpectedEnd : .invalidNumber)
    }
    while Self.isDigit(current) { index += 1 }
  }

  /// The string whose opening quote is at the cursor. Without escapes it is decoded from the
  /// input in place; with escapes it is built in one buffer.
  private mutating func string() throws(Failure) -> String {
    let open = index
    index += 1
    let start = index
    while let byte = current {
      switch byte {
      case Self.quote:
        let text = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        index += 1
        return text
      case Self.backslash:
        return try escapedString(open: open, start: start)
      case 0..<0x20: throw fail(.controlCharacter)
      case 0x80...: index += try utf8Length()
      default: index += 1
      }
    }
    throw Failure(offset: open, reason: .unterminatedString)
  }

  /// The rest of a string from its first backslash (at the cursor), `start` being where its
  /// text began.
  private mutating func escapedString(open: Int, start: Int) throws(Failure) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(index - start + 16)
    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
    while let byte = current {
      switch byte {
      case Self.quote:
        index += 1
        return String(decoding: output, as: UTF8.self)
      case Self.backslash: try escape(into: &output)
      case 0..<0x20: throw fail(.controlCharacter)
      case 0x80...:
        let length = try utf8Length()
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<index + length]))
        index += length
      default:
        output.append(byte)
        index += 1
      }
    }
    throw Failure(offset: open, reason: .unterminatedString)
  }

  /// The escape at the cursor (a backslash), appended to `output` as UTF-8.
  private mutating func escape(into output: inout [UInt8]) throws(Failure) {
    let backslash = index
    index += 1
    guard let letter = current else { throw fail(.unexpectedEnd) }
    index += 1
    switch letter {
    case Self.quote, Self.backslash, 0x2F: output.append(letter)  // \" \\ \/
    case 0x62: output.append(0x08)  // \b
    case 0x66: output.append(0x0C)  // \f
    case 0x6E: output.append(0x0A)  // \n
    case 0x72: output.append(0x0D)  // \r
    case 0x74: output.append(0x09)  // \t
    case 0x75:  // \u
      let unit = try hex4(escapeAt: backslash)
      var scalar = unit
      switch unit {
      case 0xD800...0xDBFF:
        guard current == Self.backslash, index + 1 < bytes.count, bytes[index + 1] == 0x75
        else { throw Failure(offset: backslash, reason: .loneSurrogate) }
        let low = index
        index += 2
        let second = try hex4(escapeAt: low)
        guard (0xDC00...0xDFFF).contains(second) else {
          throw Failure(offset: backslash, reason: .loneSurrogate)
        }
        scalar = 0x10000 + ((unit - 0xD800) << 10) + (second - 0xDC00)
      case 0xDC00...0xDFFF: throw Failure(offset: backslash, reason: .loneSurrogate)
      default: break
      }
      Self.appendUTF8(scalar, to: &output)
    default: throw Failure(offset: backslash, reason: .invalidEscape)
    }
  }

  /// The four hexadecimal digits at the cursor, for the `\u` escape at `escapeAt`.
  private mutating func hex4(escapeAt: Int) throws(Failure) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      let digit: UInt32
      switch current {
      case let byte? where byte >= 0x30 && byte <= 0x39: digit = UInt32(byte - 0x30)
      case let byte? where byte >= 0x41 && byte <= 0x46: digit = UInt32(byte - 0x41 + 10)
      case let byte? where byte >= 0x61 && byte <= 0x66: digit = UInt32(byte - 0x61 + 10)
      default: throw Failure(offset: escapeAt, reason: .invalidUnicodeEscape)
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  private static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
      output.append(UInt8(scalar))
    case 0x80..<0x800:
      output.append(UInt8(0xC0 | scalar >> 6))
      output.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
      output.append(UInt8(0xE0 | scalar >> 12))
      output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      output.append(UInt8(0x80 | scalar & 0x3F))
    default:
      output.append(UInt8(0xF0 | scalar >> 18))
      output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
      output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      output.append(UInt8(0x80 | scalar & 0x3F))
    }
  }

  /// The length of the well-formed UTF-8 sequence of two to four bytes at the cursor (no
  /// overlong forms, no surrogates, nothing above U+10FFFF), or an error at its first byte.
  private func utf8Length() throws(Failure) -> Int {
    let lead = bytes[index]
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    let length: Int
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      upper = 0x9F
    case 0xF0:
      length = 4
      lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      upper = 0x8F
    default: throw fail(.invalidUTF8)
    }
    guard index + length <= bytes.count else { throw fail(.invalidUTF8) }
    guard bytes[index + 1] >= lower && bytes[index + 1] <= upper else {
      throw fail(.invalidUTF8)
    }
    for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
      throw fail(.invalidUTF8)
    }
    return length
  }
}
