import Glibc

/// Replaces injected values in a byte stream with their redacted forms, for
/// `vault exec --redact` (README, "Redacted output").
///
/// Each value of at least `minimumLength` bytes is looked for as its exact bytes, its
/// standard base64 and base64url encodings (padded and not) and its percent-encoding (upper-
/// and lower-case hex), each on its own; every match becomes `OpenAIKeys.redact(value)`
/// (`sk-proj-…wxyz`). Matching is leftmost, longest first. The patterns live in one locked
/// buffer (`SecretBytes`), zeroed when the redactor goes.
public final class Redactor: @unchecked Sendable {
  /// Values shorter than this are not redacted: a short value (a port, `true`, a region)
  /// occurs in ordinary output by chance, and replacing every occurrence would garble the
  /// output while protecting little; such a value is hardly a secret.
  public static let minimumLength = 8

  let patterns: SecretBytes
  /// Each pattern's offset and length in `patterns`, longest first, and its replacement.
  let spans: [(offset: Int, count: Int, replacement: [UInt8])]
  /// Whether a pattern starts with the byte: every other byte passes straight through.
  let starts: [Bool]
  /// The longest pattern's length (0 without patterns).
  public let longest: Int

  /// A redactor for `values`; those shorter than `minimumLength` are left out.
  public init(values: [SecretBytes]) {
    var forms: [(bytes: [UInt8], replacement: [UInt8])] = []
    for value in values where value.count >= Self.minimumLength {
      let replacement = Array(OpenAIKeys.redact(value).utf8)
      value.withUnsafeBytes { raw in
        for form in Self.forms(of: raw) where !forms.contains(where: { $0.bytes == form }) {
          forms.append((form, replacement))
        }
      }
    }
    forms.sort { $0.bytes.count > $1.bytes.count }
    let block = SecretBytes(count: forms.reduce(0) { $0 + $1.bytes.count })
    var spans: [(offset: Int, count: Int, replacement: [UInt8])] = []
    var starts = [Bool](repeating: false, count: 256)
    block.withUnsafeMutableBytes { buffer in
      var offset = 0
      for index in forms.indices {
        spans.append((offset, forms[index].bytes.count, forms[index].replacement))
        starts[Int(forms[index].bytes[0])] = true
        for byte in forms[index].bytes {
          buffer[offset] = byte
          offset += 1
        }
        wipe(&forms[index].bytes)
      }
    }
    patterns = block
    self.spans = spans
    self.starts = starts
    longest = spans.first?.count ?? 0
  }

  /// Whether there is anything to redact.
  public var isEmpty: Bool { spans.isEmpty }

  /// The forms of `value` looked for: exact, base64 and base64url (padded and not), and
  /// percent-encoded (every byte outside RFC 3986's unreserved set, upper- and lower-case).
  static func forms(of value: UnsafeRawBufferPointer) -> [[UInt8]] {
    let standard = base64(value, alphabet: Array(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8))
    let url = base64(value, alphabet: Array(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8))
    var forms = [Array(value), standard, url]
    for form in [standard, url] where form.last == 0x3D {
      forms.append(Array(form.prefix { $0 != 0x3D }))
    }
    for hex in ["0123456789ABCDEF", "0123456789abcdef"] {
      let digits = Array(hex.utf8)
      var encoded: [UInt8] = []
      for byte in value {
        if Names.isAlnum(byte) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E {
          encoded.append(byte)
        } else {
          encoded += [0x25, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        }
      }
      forms.append(encoded)
    }
    return forms
  }

  static func base64(_ bytes: UnsafeRawBufferPointer, alphabet: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    var index = 0
    while index < bytes.count {
      let count = min(3, bytes.count - index)
      var group = UInt32(bytes[index]) << 16
      if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
      if count > 2 { group |= UInt32(bytes[index + 2]) }
      for position in 0..<4 {
        output.append(
          position <= count ? alphabet[Int((group >> (18 - 6 * UInt32(position))) & 0x3F)] : 0x3D)
      }
      index += 3
    }
    return output
  }

  /// Redacts `buffer[0..<count]`, appending what may be shown to `output`. Returns how many
  /// bytes at the end were held back because they begin a pattern that the next bytes may
  /// complete (always 0 when `final`); the caller passes them again, first, with the next
  /// bytes. At most `longest - 1` bytes are ever held, and none when no pattern is pending,
  /// so interactive output is not delayed.
  public func redact(
    _ buffer: UnsafeRawBufferPointer, count: Int, final: Bool, into output: inout [UInt8]
  ) -> Int {
    patterns.withUnsafeBytes { patterns in
      var index = 0
      var shownFrom = 0
      scan: while index < count {
        guard starts[Int(buffer[index])] else {
          index += 1
          continue
        }
        let available = count - index
        for span in spans {
          let source = buffer.baseAddress! + index
          let pattern = patterns.baseAddress! + span.offset
          if available >= span.count {
            guard memcmp(source, pattern, span.count) == 0 else { continue }
            output.append(contentsOf: buffer[shownFrom..<index])
            output += span.replacement
            index += span.count
            shownFrom = index
            continue scan
          }
          // A longer pattern may still match here: wait for more bytes.
          if !final && memcmp(source, pattern, available) == 0 { break scan }
        }
        index += 1
      }
      output.append(contentsOf: buffer[shownFrom..<index])
      return count - index
    }
  }
}
