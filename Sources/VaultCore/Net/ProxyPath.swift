/// A request target as the proxy's policy sees it: the path normalised before any decision,
/// so that one resource has one spelling (README, "Keep keys away from programs and agents").
///
/// - Only origin-form targets (`/v1/…`); the query is kept apart, as sent.
/// - Each segment is percent-decoded; an invalid escape, an encoded `/` or `\`, a NUL or a
///   control byte refuses the request, since upstream servers disagree on what they mean.
/// - Empty segments (`//`) and `.` are dropped, `..` removes the segment before it (above
///   the root refuses the request).
/// - The path forwarded is this normalised one, re-encoded, never the client's spelling.
public struct ProxyPath: Equatable, Sendable {
  /// The decoded segments (`["v1", "chat", "completions"]`).
  public let segments: [[UInt8]]
  /// The query after `?`, as sent (printable ASCII only), or nil.
  public let query: String?

  /// Why a target is refused.
  public enum Problem: Error, Equatable, Sendable {
    case notOriginForm, badEscape, encodedSeparator, controlByte, aboveRoot, badQuery
  }

  /// Normalises `target`, the request line's target.
  public init(target: String) throws(Problem) {
    let bytes = Array(target.utf8)
    guard bytes.first == 0x2F else { throw .notOriginForm }
    let mark = bytes.firstIndex(of: 0x3F) ?? bytes.endIndex
    if mark < bytes.endIndex {
      let query = bytes[(mark + 1)...]
      guard query.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .badQuery }
      self.query = String(decoding: query, as: UTF8.self)
    } else {
      query = nil
    }
    var segments: [[UInt8]] = []
    for raw in bytes[..<mark].split(separator: 0x2F, omittingEmptySubsequences: true) {
      let segment = try Self.decode(raw)
      if segment == [0x2E] { continue }
      if segment == [0x2E, 0x2E] {
        guard !segments.isEmpty else { throw .aboveRoot }
        segments.removeLast()
        continue
      }
      segments.append(segment)
    }
    self.segments = segments
  }

  static func decode(_ raw: ArraySlice<UInt8>) throws(Problem) -> [UInt8] {
    var output: [UInt8] = []
    var index = raw.startIndex
    while index < raw.endIndex {
      var byte = raw[index]
      if byte == 0x25 {
        guard raw.endIndex - index >= 3, let high = hex(raw[index + 1]),
          let low = hex(raw[index + 2])
        else { throw .badEscape }
        byte = high << 4 | low
        guard byte != 0x2F, byte != 0x5C else { throw .encodedSeparator }
        index += 3
      } else {
        index += 1
      }
      guard byte >= 0x20, byte != 0x7F else { throw .controlByte }
      guard byte != 0x5C else { throw .encodedSeparator }
      output.append(byte)
    }
    return output
  }

  static func hex(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: return byte - 0x30
    case 0x41...0x46: return byte - 0x41 + 10
    case 0x61...0x66: return byte - 0x61 + 10
    default: return nil
    }
  }

  /// The path re-encoded: RFC 3986's unreserved bytes and `!$&'()*+,=:@` as they are, every
  /// other byte (`;`, `%`, spaces, non-ASCII) percent-encoded.
  public var encoded: String {
    let digits = Array("0123456789ABCDEF".utf8)
    var output: [UInt8] = []
    for segment in segments {
      output.append(0x2F)
      for byte in segment {
        if Self.plain(byte) {
          output.append(byte)
        } else {
          output += [0x25, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        }
      }
    }
    return output.isEmpty ? "/" : String(decoding: output, as: UTF8.self)
  }

  static func plain(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case 0x2D, 0x2E, 0x5F, 0x7E, 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3D,
      0x3A, 0x40:
      return true
    default: return false
    }
  }

  /// Whether the path is `prefix` or below it, segment by segment (`/v1/models` covers
  /// `/v1/models/gpt-4o`, not `/v1/modelsx`); `ignoringCase` for the refusals.
  public func isUnder(_ prefix: ProxyPath, ignoringCase: Bool = false) -> Bool {
    guard segments.count >= prefix.segments.count else { return false }
    for (mine, theirs) in zip(segments, prefix.segments) {
      if ignoringCase {
        guard mine.count == theirs.count,
          zip(mine, theirs).allSatisfy({ Self.lower($0) == Self.lower($1) })
        else { return false }
      } else if mine != theirs {
        return false
      }
    }
    return true
  }

  /// ASCII lower case.
  public static func lower(_ byte: UInt8) -> UInt8 {
    (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
  }
}

/// Which paths the proxy forwards: the inference endpoints by default, more with
/// `--allow-path`, and never the organization's administration (`/v1/organization`), which
/// an API key does not need and an admin key must never reach through a proxy.
public struct ProxyPolicy: Sendable {
  /// The default allow-list: OpenAI's inference endpoints.
  public static let defaults = [
    "/v1/responses", "/v1/chat/completions", "/v1/completions", "/v1/embeddings",
    "/v1/models", "/v1/audio", "/v1/images", "/v1/moderations",
  ]
  /// Always refused, in any case of letters, whatever `--allow-path` says.
  public static let refused = ["/v1/organization"]

  let allowed: [ProxyPath]
  let denied: [ProxyPath]

  /// The policy with `extra` prefixes allowed (already checked by ``checkPrefix(_:)``).
  public init(extra: [String]) {
    allowed = (Self.defaults + extra).compactMap { try? ProxyPath(target: $0) }
    denied = Self.refused.compactMap { try? ProxyPath(target: $0) }
  }

  /// What the policy says of `path`.
  public enum Decision: Equatable, Sendable {
    case allow
    /// Under `/v1/organization`.
    case administration
    /// Not on the allow-list.
    case notAllowed
  }

  public func decide(_ path: ProxyPath) -> Decision {
    if denied.contains(where: { path.isUnder($0, ignoringCase: true) }) { return .administration }
    return allowed.contains(where: { path.isUnder($0) }) ? .allow : .notAllowed
  }

  /// `--allow-path PREFIX` normalised (`/v1/files`), or why it is refused: it must name a
  /// path under `/v1/` and not the administration's.
  public static func checkPrefix(_ text: String) -> Result<String, PrefixProblem> {
    guard let path = try? ProxyPath(target: text), path.query == nil else {
      return .failure(.malformed)
    }
    guard path.segments.count >= 2, path.segments[0] == Array("v1".utf8) else {
      return .failure(.notUnderV1)
    }
    let policy = ProxyPolicy(extra: [])
    guard policy.decide(path) != .administration else { return .failure(.administration) }
    return .success(path.encoded)
  }

  /// Why an `--allow-path` is refused.
  public enum PrefixProblem: Error, Sendable {
    case malformed, notUnderV1, administration
  }
}
