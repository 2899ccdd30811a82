import Foundation
import Testing
@testable import VaultCore

/// `JSONValue`: the strict RFC 8259 reader and compact writer `vault openai …` uses for
/// OpenAI's Admin API (issue 9).
@Suite struct JSONValueTests {
  typealias ParseError = JSONValue.ParseError

  /// SplitMix64, as `SeededGenerator` in VaultCLITests' `DotenvRoundTripTests` (test targets
  /// cannot share it): a failing run replays with its seed.
  struct Generator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }

    /// A generator seeded from `JSON_SEED`, else at random, and the line that replays it.
    static func seeded() -> (Generator, replay: String) {
      let seed =
        ProcessInfo.processInfo.environment["JSON_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 0...UInt64.max)
      return (Generator(state: seed), "seed \(seed) (replay with JSON_SEED=\(seed))")
    }
  }

  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  /// Parses, giving the result or the error as a value.
  static func read(_ input: [UInt8], maxDepth: Int = 64) -> Result<JSONValue, ParseError> {
    Result { () throws(ParseError) in try JSONValue.parse(input, maxDepth: maxDepth) }
  }

  static func nested(_ levels: Int) -> String {
    String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
  }

  static func nestedObjects(_ levels: Int) -> String {
    String(repeating: "{\"a\":", count: levels) + "1" + String(repeating: "}", count: levels)
  }

  // MARK: Accept and reject tables

  static let accepted: [(input: String, value: JSONValue)] = [
    ("null", .null),
    ("true", true),
    ("false", false),
    ("0", 0),
    ("-0", .number(JSONNumber(validatedText: "-0"))),
    ("1.5e+10", .number(JSONNumber(validatedText: "1.5e+10"))),
    ("-1E-2", .number(JSONNumber(validatedText: "-1E-2"))),
    ("0.0e0", .number(JSONNumber(validatedText: "0.0e0"))),
    (
      "123456789012345678901234567890",
      .number(JSONNumber(validatedText: "123456789012345678901234567890"))
    ),
    ("1e400", .number(JSONNumber(validatedText: "1e400"))),
    ("\"\"", ""),
    ("\"\\u00e9\\u00E9\"", "éé"),
    ("\"\\ud834\\udd1e\"", "\u{1D11E}"),
    ("\"\\uDBFF\\uDFFF\"", "\u{10FFFF}"),
    ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\u{8}\u{C}\n\r\t"),
    ("\"\\u0000\"", "\u{0}"),
    ("\"é日本😀\"", "é日本😀"),
    ("\"\u{7F}\"", "\u{7F}"),
    ("\"\u{2028}\"", "\u{2028}"),
    ("[]", []),
    ("{}", [:]),
    (" \t\n\r[ 1 ,\n2 ] \r\n", [1, 2]),
    ("{\"a\":{\"b\":[null,{}]},\"c\":\"d\"}", ["a": ["b": [nil, [:]]], "c": "d"]),
    ("{\"\":0}", ["": 0]),
    ("{\"a\":1,\"b\":{\"a\":2}}", ["a": 1, "b": ["a": 2]]),
  ]

  @Test func acceptsRFC8259() throws {
    for (input, expected) in Self.accepted {
      #expect(try JSONValue.parse(input.utf8) == expected, "\(input.debugDescription)")
    }
    var deep = try JSONValue.parse(Self.nested(64).utf8)
    var levels = 0
    while let inner = deep.array?.first {
      levels += 1
      deep = inner
    }
    #expect(levels == 63 && deep == [])
    #expect(try JSONValue.parse(Self.nestedObjects(64).utf8)["a"]?["a"] != nil)
  }

  static let refused: [(input: [UInt8], reason: ParseError.Reason, offset: Int)] = [
    (bytes(""), .empty, 0),
    (bytes(" \n\t "), .empty, 4),
    ([0xEF, 0xBB, 0xBF] + bytes("[]"), .byteOrderMark, 0),
    (bytes("[1,]"), .trailingComma, 3),
    (bytes("[1, ]"), .trailingComma, 4),
    (bytes("{\"a\":1,}"), .trailingComma, 7),
    (bytes("01"), .leadingZero, 1),
    (bytes("-01"), .leadingZero, 2),
    (bytes("[00]"), .leadingZero, 2),
    (bytes("[1 2]"), .expectedCommaOrBracket, 3),
    (bytes("\"\\u00\""), .invalidUnicodeEscape, 1),
    (bytes("\"\\u00g0\""), .invalidUnicodeEscape, 1),
    (bytes("\"\\u"), .invalidUnicodeEscape, 1),
    (bytes("\"\\ud800\""), .loneSurrogate, 1),
    (bytes("\"\\udc00\""), .loneSurrogate, 1),
    (bytes("\"\\ud800\\u0041\""), .loneSurrogate, 1),
    (bytes("\"\\ud800x\""), .loneSurrogate, 1),
    (bytes("\"\\udd1e\\ud834\""), .loneSurrogate, 1),
    (bytes("\"x\\ud834\\ud834\""), .loneSurrogate, 2),
    (bytes("\"a\u{1}b\""), .controlCharacter, 2),
    (bytes("\"tab\there\""), .controlCharacter, 4),
    (bytes("\"line\nbreak\""), .controlCharacter, 5),
    (bytes("\"\\\u{0}\""), .invalidEscape, 1),
    (bytes(nested(65)), .tooDeep(limit: 64), 64),
    (bytes(nestedObjects(65)), .tooDeep(limit: 64), 5 * 64),
    (bytes("{\"a\":1,\"a\":2}"), .duplicateKey, 7),
    (bytes("{\"a\":1,\"b\":{\"a\":2},\"a\":3}"), .duplicateKey, 19),
    (bytes("{\"\\u0061\":1,\"a\":2}"), .duplicateKey, 12),
    (bytes("[1] x"), .trailingData, 4),
    (bytes("{} {}"), .trailingData, 3),
    (bytes("[1]\u{0}"), .trailingData, 3),
    (bytes("1 2"), .trailingData, 2),
    (bytes("0x10"), .trailingData, 1),
    (bytes("[1]//c"), .trailingData, 3),
    (bytes("/*c*/1"), .unexpectedCharacter, 0),
    (bytes("nul"), .unexpectedEnd, 3),
    (bytes("nulL"), .unexpectedCharacter, 3),
    (bytes("True"), .unexpectedCharacter, 0),
    (bytes("NaN"), .unexpectedCharacter, 0),
    (bytes("Infinity"), .unexpectedCharacter, 0),
    (bytes("-Infinity"), .invalidNumber, 1),
    (bytes("+1"), .unexpectedCharacter, 0),
    (bytes(".5"), .unexpectedCharacter, 0),
    (bytes("1."), .unexpectedEnd, 2),
    (bytes("1.e3"), .invalidNumber, 2),
    (bytes("[1e]"), .invalidNumber, 3),
    (bytes("1e+"), .unexpectedEnd, 3),
    (bytes("-"), .unexpectedEnd, 1),
    (bytes("'a'"), .unexpectedCharacter, 0),
    (bytes("{a:1}"), .expectedKey, 1),
    (bytes("{,}"), .expectedKey, 1),
    (bytes("{\"a\" 1}"), .expectedColon, 5),
    (bytes("{\"a\":1 \"b\":2}"), .expectedCommaOrBrace, 7),
    (bytes("[\"a\",,1]"), .unexpectedCharacter, 5),
    (bytes("[,]"), .unexpectedCharacter, 1),
    (bytes("["), .unexpectedEnd, 1),
    (bytes("[1,"), .unexpectedEnd, 3),
    (bytes("{"), .unexpectedEnd, 1),
    (bytes("{\"a\""), .unexpectedEnd, 4),
    (bytes("{\"a\":"), .unexpectedEnd, 5),
    (bytes("\"abc"), .unterminatedString, 0),
    (bytes("[\"a\\\"]"), .unterminatedString, 1),
    (bytes("\"\\x\""), .invalidEscape, 1),
    (bytes("\"\\'\""), .invalidEscape, 1),
    (bytes("\"\\"), .unexpectedEnd, 2),
    ([0x22, 0xC0, 0xAF, 0x22], .invalidUTF8, 1),  // overlong "/"
    ([0x22, 0xE0, 0x80, 0xAF, 0x22], .invalidUTF8, 1),  // overlong, 3 bytes
    ([0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, 1),  // a surrogate, encoded
    ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, 1),  // above U+10FFFF
    ([0x22, 0x61, 0xE2, 0x82, 0x22], .invalidUTF8, 2),  // cut short
    ([0x22, 0xFF, 0x22], .invalidUTF8, 1),
    ([0x22, 0x80, 0x22], .invalidUTF8, 1),  // a continuation byte alone
    ([0x22, 0x5C, 0x6E, 0xC3, 0x22], .invalidUTF8, 3),  // after an escape
    ([0x22, 0xE2, 0x82], .invalidUTF8, 1),  // cut by the end
    ([0xC3, 0xA9], .unexpectedCharacter, 0),  // UTF-8 outside a string
    (bytes("\u{A0}1"), .unexpectedCharacter, 0),  // no-break space is not whitespace
    (bytes("\u{FEFF}1"), .byteOrderMark, 0),
  ]

  @Test func refusesWithOffsetAndReason() {
    #expect(Self.refused.count >= 40)
    for (input, reason, offset) in Self.refused {
      let described = String(decoding: input, as: UTF8.self).debugDescription
      #expect(throws: ParseError(offset: offset, reason: reason), "\(described)") {
        try JSONValue.parse(input)
      }
    }
  }

  /// The depth limit is the caller's: 0 allows only scalars; 64 levels pass by default and
  /// 65 do not (in the table above).
  @Test func maxDepthIsTheCallers() throws {
    #expect(try JSONValue.parse("1".utf8, maxDepth: 0) == 1)
    #expect(throws: ParseError(offset: 0, reason: .tooDeep(limit: 0))) {
      try JSONValue.parse("[]".utf8, maxDepth: 0)
    }
    #expect(try JSONValue.parse("[[1]]".utf8, maxDepth: 2) == [[1]])
    #expect(throws: ParseError(offset: 2, reason: .tooDeep(limit: 2))) {
      try JSONValue.parse("[[[1]]]".utf8, maxDepth: 2)
    }
    #expect(throws: ParseError(offset: 64, reason: .tooDeep(limit: 64))) {
      try JSONValue.parse(("[[[[[[" + Self.nested(60) + "]]]]]]").utf8)
    }
  }

  /// Any collection of bytes: the offset counts from the collection's own start, also for
  /// a slice and for a collection without contiguous storage.
  @Test func readsAnyCollectionOfBytes() throws {
    let text = Self.bytes("xx[1,]")
    #expect(throws: ParseError(offset: 3, reason: .trailingComma)) {
      try JSONValue.parse(text[2...])
    }
    #expect(try JSONValue.parse(text[2..<4] + [0x5D]) == [1])
    #expect(try JSONValue.parse(AnyCollection(Self.bytes("{\"k\":[true]}"))) == ["k": [true]])
    #expect(throws: ParseError(offset: 5, reason: .expectedCommaOrBracket)) {
      try JSONValue.parse(AnyCollection(Self.bytes("[1,2 3]")))
    }
    #expect(try JSONValue.parse("\"ok\"".utf8) == "ok")
  }

  /// A duplicate key is found whether the object is small (a scan) or large (a set), and at
  /// the boundary between the two.
  @Test func duplicateKeysInLargeObjects() throws {
    for count in [2, 15, 16, 17, 18, 40, 20_000] {
      let keys = (0..<count).map { "\"key\($0)\":\($0)" }
      let unique = "{" + keys.joined(separator: ",") + "}"
      #expect(try JSONValue.parse(unique.utf8).object?.count == count)
      for duplicate in Set([0, count / 2, count - 1]) {
        let text = "{" + keys.joined(separator: ",") + ",\"key\(duplicate)\":0}"
        #expect(
          throws: ParseError(offset: unique.utf8.count, reason: .duplicateKey),
          "\(count) keys, key\(duplicate) again"
        ) { try JSONValue.parse(text.utf8) }
      }
    }
  }

  // MARK: Numbers

  @Test func numbers() throws {
    #expect(try JSONValue.parse("9223372036854775807".utf8).int64 == Int64.max)
    #expect(try JSONValue.parse("-9223372036854775808".utf8).int64 == Int64.min)
    #expect(try JSONValue.parse("9223372036854775808".utf8).int64 == nil)
    #expect(try JSONValue.parse("1764460800".utf8).int64 == 1_764_460_800)
    #expect(try JSONValue.parse("-0".utf8).int64 == 0)
    #expect(try JSONValue.parse("1.0".utf8).int64 == nil)
    #expect(try JSONValue.parse("1e3".utf8).int64 == nil)
    #expect(try JSONValue.parse("1e3".utf8).double == 1000)
    #expect(try JSONValue.parse("0.1".utf8).double == 0.1)
    #expect(try JSONValue.parse("7".utf8).double == 7)
    #expect(try JSONValue.parse("1e400".utf8).double == nil)
    #expect(try JSONValue.parse("\"7\"".utf8).int64 == nil)
    #expect(try JSONValue.parse("\"7\"".utf8).double == nil)

    #expect(JSONNumber(text: "1.5")?.double == 1.5)
    for text in ["01", " 1", "1 ", "+1", "NaN", "1.", "", "[1]", "\"1\"", "1e5x"] {
      #expect(JSONNumber(text: text) == nil, "\(text.debugDescription)")
    }
    #expect(JSONNumber(Double.nan) == nil)
    #expect(JSONNumber(-Double.infinity) == nil)
    for double in [
      0.1, 1e-5, -0.0, 1e300, Double.leastNonzeroMagnitude, 123.456, Double.greatestFiniteMagnitude,
    ] {
      let number = try #require(JSONNumber(double))
      #expect(JSONNumber(text: number.text) == number, "\(double)")
      #expect(number.double == double, "\(double)")
    }
    #expect(JSONNumber(Int64.min).int64 == Int64.min)
    #expect(JSONNumber(42 as Int).text == "42")
  }

  // MARK: Accessors on an OpenAI answer

  /// A `GET /organization/projects/{id}/api_keys` page in the shape the stand-in and
  /// OpenAI's spec give it (Tests/OpenAIStandIn/README.md), read through the accessors.
  @Test func readsAnOpenAIKeyListPage() throws {
    let body = """
      {
        "object": "list",
        "data": [
          {
            "object": "organization.project.api_key",
            "redacted_value": "sk-svc...x9Q",
            "name": "deploy-bot key",
            "created_at": 1764460800,
            "last_used_at": null,
            "id": "key_bot",
            "owner_project_access": "active",
            "owner": {
              "type": "service_account",
              "service_account": {
                "id": "svc_acct_bot", "name": "deploy-bot", "role": "member",
                "created_at": 1764460800
              }
            }
          },
          {
            "object": "organization.project.api_key",
            "redacted_value": "sk-pro...wxyz",
            "name": "alice dev",
            "created_at": 1764374400,
            "last_used_at": 1764547200,
            "id": "key_alice",
            "owner_project_access": "inactive",
            "owner": {
              "type": "user",
              "user": {
                "id": "user-alice", "name": "Alice", "email": "alice@example.com",
                "role": "owner", "created_at": 1764374400
              }
            }
          }
        ],
        "first_id": "key_bot",
        "last_id": "key_alice",
        "has_more": true
      }
      """
    let page = try JSONValue.parse(body.utf8)
    #expect(page["object"]?.string == "list")
    #expect(page["has_more"]?.bool == true)
    #expect(page["last_id"]?.string == "key_alice")
    #expect(page.object?.keys == ["object", "data", "first_id", "last_id", "has_more"])
    let keys = try #require(page["data"]?.array)
    #expect(keys.count == 2)

    let bot = keys[0]
    #expect(bot["id"]?.string == "key_bot")
    #expect(bot["created_at"]?.int64 == 1_764_460_800)
    #expect(bot["created_at"]?.double == 1_764_460_800)
    #expect(bot["last_used_at"]?.isNull == true)
    #expect(bot["last_used_at"] != nil)  // a JSON null is there; a missing key is nil
    #expect(bot["last_used_at"]?.int64 == nil)
    #expect(bot["owner"]?["type"]?.string == "service_account")
    #expect(bot["owner"]?["service_account"]?["id"]?.string == "svc_acct_bot")
    #expect(bot["owner"]?["user"] == nil)

    let alice = try #require(page["data"]?[1])
    #expect(alice["last_used_at"]?.int64 == 1_764_547_200)
    #expect(alice["last_used_at"]?.isNull == false)
    #expect(alice["owner"]?["user"]?["email"]?.string == "alice@example.com")
    #expect(alice["owner_project_access"]?.string == "inactive")

    // A type mismatch or a missing member is nil, never a trap.
    #expect(page["data"]?[2] == nil)
    #expect(page["data"]?[-1] == nil)
    #expect(page["object"]?.int64 == nil)
    #expect(page["object"]?.array == nil)
    #expect(page["has_more"]?.string == nil)
    #expect(page["missing"] == nil)
    #expect(page[0] == nil)
    #expect(page["data"]?["id"] == nil)
    #expect(page.array == nil && page.string == nil && page.bool == nil && !page.isNull)
  }

  // MARK: Writing

  @Test func writesCompactRequestBodies() throws {
    let body: JSONValue = ["name": "vault prod", "scopes": ["api.model.read"]]
    #expect(
      String(decoding: body.encoded(), as: UTF8.self)
        == "{\"name\":\"vault prod\",\"scopes\":[\"api.model.read\"]}")

    let half = try #require(JSONNumber(0.5))
    let awkward: JSONValue = [
      "z\"q": "line\n\u{1}\\é/", "null": nil, "t": true, "f": false, "i": -5,
      "half": .number(half), "empty": [:], "list": [],
    ]
    #expect(
      String(decoding: awkward.encoded(), as: UTF8.self)
        == "{\"z\\\"q\":\"line\\n\\u0001\\\\é/\",\"null\":null,\"t\":true,\"f\":false,"
        + "\"i\":-5,\"half\":0.5,\"empty\":{},\"list\":[]}")
    #expect(try JSONValue.parse(awkward.encoded()) == awkward)
  }

  /// `JSONObject` keeps keys in order: setting replaces in place or appends, nil removes.
  @Test func objectsKeepTheirOrder() {
    var object: JSONObject = ["b": 1, "a": 2]
    object["c"] = 3
    object["b"] = "two"
    #expect(object.keys == ["b", "a", "c"])
    object["a"] = nil
    object["missing"] = nil
    object["n"] = .null
    #expect(object.keys == ["b", "c", "n"])
    #expect(object["b"] == "two" && object["n"] == .null && object["a"] == nil)
    #expect(object["n"] != nil)  // `nil` compared with `JSONValue?` is absence, not null
    #expect(object.map(\.key) == ["b", "c", "n"])
    #expect(JSONValue.object(object) != ["c": 3, "b": "two", "n": nil])  // order matters
    #expect(JSONValue.object(object) == ["b": "two", "c": 3, "n": nil])
    #expect(
      String(decoding: JSONValue.object(object).encoded(), as: UTF8.self)
        == "{\"b\":\"two\",\"c\":3,\"n\":null}")
  }

  // MARK: Properties

  static let fragments: [String] = [
    "a", "Z", "0", " ", "\"", "\\", "/", "\\u0041", "\n", "\r", "\t", "\u{0}", "\u{1}",
    "\u{1F}", "\u{7F}", "é", "e\u{301}", "日本", "😀", "👩‍💻", "\u{2028}", "\u{FEFF}",
    "\u{10FFFF}", "sk-proj-", "{", "}", "[", "]", ",", ":", "null", "-0", "1e5",
  ]

  static func randomString(_ rng: inout Generator) -> String {
    var text = ""
    for _ in 0..<Int.random(in: 0...6, using: &rng) {
      text += fragments.randomElement(using: &rng) ?? "a"
    }
    return text
  }

  static func randomNumber(_ rng: inout Generator) -> JSONNumber {
    switch Int.random(in: 0..<4, using: &rng) {
    case 0: return JSONNumber(Int64.random(in: Int64.min...Int64.max, using: &rng))
    case 1: return JSONNumber(Int64.random(in: -1000...1000, using: &rng))
    case 2:
      let double = Double(bitPattern: rng.next())
      return JSONNumber(double.isFinite ? double : 0.25) ?? 0
    default:
      let texts = ["0", "-0", "1E+2", "1.50e-007", "123456789012345678901234567890", "1e400"]
      return JSONNumber(text: texts.randomElement(using: &rng) ?? "0") ?? 0
    }
  }

  static func randomValue(_ rng: inout Generator, depth: Int = 0) -> JSONValue {
    let kinds = depth >= 5 ? 4 : 6
    switch Int.random(in: 0..<kinds, using: &rng) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(randomNumber(&rng))
    case 3: return .string(randomString(&rng))
    case 4:
      return .array(
        (0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
      var object = JSONObject()
      for _ in 0..<Int.random(in: 0...4, using: &rng) {
        object[randomString(&rng)] = randomValue(&rng, depth: depth + 1)
      }
      return .object(object)
    }
  }

  /// `parse(encoded(v)) == v` for random values full of escapes, control characters,
  /// surrogate-pair characters, extreme numbers and deep nesting; and encoding again gives
  /// the same bytes.
  @Test func roundTrips() throws {
    var (rng, replay) = Generator.seeded()
    for _ in 0..<2_000 {
      let value = Self.randomValue(&rng)
      let bytes = value.encoded()
      let parsed = try JSONValue.parse(bytes)
      #expect(parsed == value, "\(replay)")
      #expect(parsed.encoded() == bytes, "\(replay)")
    }
  }

  /// Random bytes, and random edits of valid documents, never crash the parser: each gives a
  /// value or an error inside the input. What it accepts is valid UTF-8 and round-trips.
  @Test func randomBytesGiveAValueOrAnError() throws {
    var (rng, replay) = Generator.seeded()
    let alphabet =
      Self.bytes("{}[],:\"\\ \t\n0123456789-+.eEtrufalsnu")
      + [0x00, 0x1F, 0x80, 0xC3, 0xA9, 0xED, 0xF4, 0xFF]
    var accepted = 0
    for round in 0..<6_000 {
      var input: [UInt8]
      switch round % 3 {
      case 0:
        input = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
          alphabet.randomElement(using: &rng) ?? 0
        }
      case 1:
        input = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
          UInt8.random(in: 0...255, using: &rng)
        }
      default:
        input = Self.randomValue(&rng).encoded()
        for _ in 0..<Int.random(in: 1...3, using: &rng) where !input.isEmpty {
          let position = Int.random(in: 0..<input.count, using: &rng)
          let byte = alphabet.randomElement(using: &rng) ?? 0
          switch Int.random(in: 0..<3, using: &rng) {
          case 0: input[position] = byte
          case 1: input.insert(byte, at: position)
          default: input.remove(at: position)
          }
        }
      }
      switch Self.read(input) {
      case .success(let value):
        accepted += 1
        #expect(JSON.isValidUTF8(input), "\(replay)")
        #expect(try JSONValue.parse(value.encoded()) == value, "\(replay)")
      case .failure(let error):
        #expect((0...input.count).contains(error.offset), "\(replay)")
      }
    }
    #expect(accepted > 0, "\(replay)")
  }

  /// A 1 MB document of 10,000 objects parses (in linear time: no timing is asserted), and
  /// re-encodes to the same bytes.
  @Test func parsesAMegabyteDocument() throws {
    var text = "["
    for index in 0..<10_000 {
      if index > 0 { text += "," }
      text += "{\"object\":\"organization.project.api_key\",\"id\":\"key_\(index)\","
      text += "\"name\":\"key n\\u00b0 \(index) é\\n\",\"created_at\":\(1_764_460_800 + index),"
      text += "\"last_used_at\":null,\"scopes\":[\"api.model.read\",\"api.responses.write\"]}"
    }
    text += "]"
    let input = Array(text.utf8)
    #expect(input.count > 1_000_000)
    let value = try JSONValue.parse(input)
    let keys = try #require(value.array)
    #expect(keys.count == 10_000)
    #expect(keys[9_999]["id"]?.string == "key_9999")
    #expect(keys[42]["name"]?.string == "key n° 42 é\n")
    #expect(keys[42]["created_at"]?.int64 == 1_764_460_842)
    // The writer leaves "°" as it is, and escapes the newline as it was.
    let expected = text.replacingOccurrences(of: "\\u00b0", with: "°")
    #expect(value.encoded() == Array(expected.utf8))
  }

  // MARK: Secrets stay out of errors

  /// An error never holds input bytes: a key-shaped value just before each kind of syntax
  /// error does not appear in the error's description or its reflection.
  @Test func errorsNeverContainInput() throws {
    let body = String(repeating: "Ab3_x-Q9", count: 9) + "zz"  // 74 characters
    let tail = String(repeating: "Zq8-Rt_4", count: 9) + "yy"
    let key = "sk-proj-" + body + "T3BlbkFJ" + tail
    let broken = [
      "{\"value\":\"\(key)\",}", "{\"value\":\"\(key)\" \"x\"}", "[\"\(key)\" 1]",
      "{\"\(key)\":1,\"\(key)\":2}", "\"\(key)\u{1}\"", "\"\(key)\\q\"", "\"\(key)",
      "\"\(key)\\ud800\"", "\(key)", "[\"\(key)\"] \(key)", "{\"\(key)\" 1}",
      "{\(key):1}", "[\"\(key)\", 01]", "\"\(key)\\u12\"",
    ]
    for text in broken {
      var input = Array(text.utf8)
      let result = Self.read(input)
      guard case .failure(let error) = result else {
        Issue.record("parsed: case \(broken.firstIndex(of: text) ?? -1)")
        continue
      }
      for shown in [String(describing: error), String(reflecting: error), "\(error.reason)"] {
        for piece in ["sk-proj", "T3BlbkFJ", "Ab3_x-Q9", "Zq8-Rt_4", String(body.suffix(6))] {
          #expect(!shown.contains(piece), "error \(error.reason) shows input")
        }
      }
      // An invalid UTF-8 byte after the key: still nothing of it.
      input.insert(0xFF, at: input.count / 2)
      if case .failure(let error) = Self.read(input) {
        #expect(!"\(error)".contains("T3BlbkFJ") && !String(reflecting: error).contains("sk-"))
      }
    }
  }
}
