/// A JSON value (RFC 8259), read strictly and written compactly, without Foundation.
///
/// `vault openai …` reads OpenAI's Admin API answers and writes its request bodies with it,
/// inside the `vault` binary, where linking Foundation would slow `vault exec`'s start-up.
///
/// Reading (`parse`) accepts exactly RFC 8259's grammar and refuses everything a lenient
/// parser might read differently from another one (see `parse`). Accessors return nil on a
/// type mismatch, so a call site reads as a path:
///
///     let page = try JSONValue.parse(body)
///     for key in page["data"]?.array ?? [] {
///       let id = key["id"]?.string
///       let owner = key["owner"]?["service_account"]?["id"]?.string
///       let lastUsed = key["last_used_at"]?.int64  // nil for `null`
///     }
///
/// Writing (`encoded`) gives compact JSON, object keys in stored order; literals build a
/// body: `let body: JSONValue = ["name": "vault prod", "scopes": ["api.model.read"]]`.
///
/// Strings are Swift `String`s: a secret read through this type (a new key's `value`) lives
/// in ordinary memory that is not wiped.
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  /// A number as its text: exact for any integer, convertible to `Int64` or `Double`.
  case number(JSONNumber)
  case string(String)
  case array([JSONValue])
  /// An object, its keys in the order read or written.
  case object(JSONObject)

  /// Why a text is not JSON, and where: the byte offset (from 0) and a short reason. It
  /// never holds any of the text, which may be a secret key.
  public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Offset from the start of the input of the byte where the problem was found.
    public let offset: Int
    /// What was wrong there.
    public let reason: Reason

    /// Makes an error; the parser's only way of describing a problem.
    public init(offset: Int, reason: Reason) {
      self.offset = offset
      self.reason = reason
    }

    /// The problems the parser reports.
    public enum Reason: Equatable, Sendable, CustomStringConvertible {
      /// No value: the input is empty or only whitespace.
      case empty
      /// The input starts with a UTF-8 byte order mark, which RFC 8259 forbids.
      case byteOrderMark
      /// The input ends inside a value.
      case unexpectedEnd
      /// A byte that cannot start or continue a value here.
      case unexpectedCharacter
      /// More than whitespace after the value.
      case trailingData
      /// A comma before `]` or `}`.
      case trailingComma
      /// Not `,` or `]` after an array element.
      case expectedCommaOrBracket
      /// Not `,` or `}` after an object member.
      case expectedCommaOrBrace
      /// Not a string where an object key goes.
      case expectedKey
      /// Not `:` after an object key.
      case expectedColon
      /// A key the object already has.
      case duplicateKey
      /// A number with a leading zero (`01`, `-00`).
      case leadingZero
      /// A number cut short (`-`, `1.`, `1e`).
      case invalidNumber
      /// A string without its closing quote.
      case unterminatedString
      /// A byte below 0x20 inside a string (it must be escaped).
      case controlCharacter
      /// A backslash not followed by one of `"\/bfnrtu`.
      case invalidEscape
      /// `\u` not followed by four hexadecimal digits.
      case invalidUnicodeEscape
      /// A `\u` surrogate without its other half.
      case loneSurrogate
      /// Bytes that are not well-formed UTF-8.
      case invalidUTF8
      /// Arrays and objects nested deeper than `limit`.
      case tooDeep(limit: Int)

      /// The reason in a few words.
      public var description: String {
        switch self {
        case .empty: "no value (empty input)"
        case .byteOrderMark: "a byte order mark before the value"
        case .unexpectedEnd: "unexpected end of input"
        case .unexpectedCharacter: "unexpected character"
        case .trailingData: "data after the value"
        case .trailingComma: "a trailing comma"
        case .expectedCommaOrBracket: "expected ',' or ']'"
        case .expectedCommaOrBrace: "expected ',' or '}'"
        case .expectedKey: "expected a string key"
        case .expectedColon: "expected ':'"
        case .duplicateKey: "a key the object already has"
        case .leadingZero: "a number with a leading zero"
        case .invalidNumber: "a malformed number"
        case .unterminatedString: "a string without its closing quote"
        case .controlCharacter: "an unescaped control character in a string"
        case .invalidEscape: "an invalid escape in a string"
        case .invalidUnicodeEscape: "an invalid \\u escape in a string"
        case .loneSurrogate: "an unpaired surrogate in a \\u escape"
        case .invalidUTF8: "invalid UTF-8"
        case .tooDeep(let limit): "nested deeper than \(limit) levels"
        }
      }
    }

    /// `invalid JSON at byte N: reason`.
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
  }

  /// Reads one JSON value from `bytes`, strictly (RFC 8259):
  ///
  /// - one value, with optional whitespace (space, tab, LF, CR) around it and nothing after;
  /// - no byte order mark, comments, trailing commas, single quotes, `NaN`, `Infinity`,
  ///   leading `+` or leading zeros;
  /// - strings are well-formed UTF-8 with no raw byte below 0x20; escapes are `\" \\ \/ \b
  ///   \f \n \r \t` and `\uXXXX`, where a surrogate must come in a high-low pair;
  /// - **a key appearing twice in one object is an error.** RFC 8259 leaves the outcome
  ///   open, and parsers disagree (most keep the last, some the first, some both): a body
  ///   with `"id"` twice could then mean one key to a proxy or to OpenAI and another to
  ///   vault. Refusing it means vault never acts on a reading another parser would not share.
  /// - arrays and objects may nest `maxDepth` levels (64 by default; a scalar is level 0).
  ///   Each level is one recursive call, so keep `maxDepth` small.
  ///
  /// Time and memory are linear in the input. The error names the byte offset and the
  /// reason, never the input.
  public static func parse(
    _ bytes: some Collection<UInt8>, maxDepth: Int = 64
  ) throws(ParseError) -> JSONValue {
    let result = bytes.withContiguousStorageIfAvailable { buffer in
      Result { () throws(ParseError) in try JSONParser.parse(buffer, maxDepth: maxDepth) }
    }
    if let result { return try result.get() }
    return try Array(bytes).withUnsafeBufferPointer { buffer in
      Result { () throws(ParseError) in try JSONParser.parse(buffer, maxDepth: maxDepth) }
    }.get()
  }

  // MARK: Reading a value

  /// The member `key` of an object; nil when this is not an object or has no such key.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let object) = self else { return nil }
    return object[key]
  }

  /// The element at `index` of an array; nil when this is not an array or `index` is out
  /// of range.
  public subscript(index: Int) -> JSONValue? {
    guard case .array(let elements) = self, elements.indices.contains(index) else {
      return nil
    }
    return elements[index]
  }

  /// The string, or nil when this is not a string.
  public var string: String? {
    guard case .string(let value) = self else { return nil }
    return value
  }

  /// The number, or nil when this is not a number.
  public var number: JSONNumber? {
    guard case .number(let value) = self else { return nil }
    return value
  }

  /// The exact integer (`JSONNumber.int64`); nil when this is not a number, has a fraction
  /// or an exponent, or is outside `Int64`'s range.
  public var int64: Int64? { number?.int64 }

  /// The number as a `Double` (`JSONNumber.double`); nil when this is not a number.
  public var double: Double? { number?.double }

  /// The boolean, or nil when this is not `true` or `false`.
  public var bool: Bool? {
    guard case .bool(let value) = self else { return nil }
    return value
  }

  /// The elements, or nil when this is not an array.
  public var array: [JSONValue]? {
    guard case .array(let value) = self else { return nil }
    return value
  }

  /// The object, or nil when this is not an object; `.object?.keys` lists its keys.
  public var object: JSONObject? {
    guard case .object(let value) = self else { return nil }
    return value
  }

  /// Whether this is `null`.
  public var isNull: Bool { self == .null }

  // MARK: Writing

  /// Compact JSON (no whitespace), object keys in stored order, strings escaped as
  /// `JSON.quote` does; `parse` reads it back to an equal value.
  public func encoded() -> [UInt8] {
    var output: [UInt8] = []
    encode(into: &output)
    return output
  }

  private func encode(into output: inout [UInt8]) {
    switch self {
    case .null: output.append(contentsOf: "null".utf8)
    case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
    case .number(let value): output.append(contentsOf: value.text.utf8)
    case .string(let value): output.append(contentsOf: JSON.quote(value.utf8))
    case .array(let elements):
      output.append(0x5B)
      for (position, element) in elements.enumerated() {
        if position > 0 { output.append(0x2C) }
        element.encode(into: &output)
      }
      output.append(0x5D)
    case .object(let object):
      output.append(0x7B)
      for (position, member) in object.enumerated() {
        if position > 0 { output.append(0x2C) }
        output.append(contentsOf: JSON.quote(member.key.utf8))
        output.append(0x3A)
        member.value.encode(into: &output)
      }
      output.append(0x7D)
    }
  }
}

extension JSONValue: ExpressibleByStringLiteral {
  /// A string literal is a JSON string.
  public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
  /// An integer literal is a JSON number.
  public init(integerLiteral value: Int64) { self = .number(JSONNumber(value)) }
}

extension JSONValue: ExpressibleByBooleanLiteral {
  /// `true` and `false`.
  public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByNilLiteral {
  /// `nil` is JSON `null` where a `JSONValue` is expected (inside an array or object
  /// literal). Where a `JSONValue?` is expected, `nil` is still the optional's absence.
  public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByArrayLiteral {
  /// An array literal is a JSON array.
  public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
  /// A dictionary literal is a JSON object, keys in the order written (a key written twice
  /// stops the program, as in a `Dictionary` literal).
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    var object = JSONObject()
    for (key, value) in elements {
      precondition(object[key] == nil, "a key written twice in a JSON object literal")
      object[key] = value
    }
    self = .object(object)
  }
}
