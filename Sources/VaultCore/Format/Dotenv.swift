/// The `.env` dialect `vault import` reads and `vault export` writes (README, ".env files").
///
/// - One `NAME=VALUE` per line, an optional `export ` prefix, spaces and tabs around `=`;
///   blank lines and `#` comment lines are ignored; a line may end in CR LF.
/// - A double-quoted value may span lines. Inside it every byte is literal (line breaks,
///   CRs and tabs included) except a backslash, which must be followed by `\`, `"`, `$` or
///   a backtick (that character) or by `n`, `r`, `t` (newline, CR, tab).
/// - A single-quoted value is literal and ends on its line.
/// - A bare value runs to a ` #` comment or the end of the line, trimmed.
/// - After a closing quote only spaces, tabs and a `#` comment may follow.
///
/// A duplicated name, an empty value or a malformed line is an error naming the line, never
/// a guess. `line` writes what both this parser and a POSIX shell's `set -a; . FILE` read
/// back to the same bytes.
public enum Dotenv {
  /// Parses `text`. Values come back in secret buffers; names in file order.
  public static func parse(_ text: SecretBytes) throws -> [(name: String, value: SecretBytes)] {
    try text.withUnsafeBytes { raw in
      var result: [(name: String, value: SecretBytes)] = []
      var seen = Set<String>()
      var start = 0
      var number = 1
      while start < raw.count {
        var end = lineEnd(raw, from: start)
        defer {
          start = end + 1
          number += 1
        }
        var line = withoutCR(raw[start..<end])
        line = trim(line)
        if line.isEmpty || line.first == 0x23 { continue }
        if line.starts(with: "export ".utf8) { line = trim(line.dropFirst(7)) }
        guard let equals = line.firstIndex(of: 0x3D) else {
          throw VaultError.dotenv(line: number, problem: "expected NAME=VALUE")
        }
        let nameBytes = trim(line[..<equals])
        guard Names.isValidName(nameBytes) else {
          throw VaultError.dotenv(line: number, problem: "invalid name")
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard seen.insert(name).inserted else {
          throw VaultError.dotenv(line: number, problem: "\(name) appears twice")
        }
        let entryLine = number
        let valueText = trim(line[(equals + 1)...])
        var value: [UInt8]
        if valueText.first == 0x22 {
          let quoted = try doubleQuoted(raw, from: valueText.startIndex + 1, line: number)
          value = quoted.value
          number = quoted.line
          end = lineEnd(raw, from: quoted.end)
          let rest = trim(withoutCR(raw[quoted.end..<end]))
          guard rest.isEmpty || rest.first == 0x23 else {
            wipe(&value)
            throw VaultError.dotenv(line: number, problem: "text after the closing quote")
          }
        } else {
          value = try oneLine(valueText, line: number)
        }
        defer { wipe(&value) }
        guard !trim(value[...]).isEmpty else {
          throw VaultError.dotenv(line: entryLine, problem: "\(name) has an empty value")
        }
        result.append((name, SecretBytes(copying: value)))
      }
      return result
    }
  }

  private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

  /// The index of the line feed that ends the line starting at `start`, or the end.
  private static func lineEnd(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int {
    raw[start...].firstIndex(of: 0x0A) ?? raw.count
  }

  private static func withoutCR(_ line: Slice<UnsafeRawBufferPointer>)
    -> Slice<UnsafeRawBufferPointer>
  {
    line.last == 0x0D ? line.dropLast() : line
  }

  private static func trim(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer>
  {
    var result = bytes
    while let first = result.first, isSpace(first) { result = result.dropFirst() }
    while let last = result.last, isSpace(last) { result = result.dropLast() }
    return result
  }

  private static func trim(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var result = bytes
    while let first = result.first, isSpace(first) || first == 0x0A || first == 0x0D {
      result = result.dropFirst()
    }
    while let last = result.last, isSpace(last) || last == 0x0A || last == 0x0D {
      result = result.dropLast()
    }
    return result
  }

  /// A double-quoted value whose text starts at `start` (after the opening quote) on line
  /// `first`: the value, the index after the closing quote, and the closing quote's line.
  private static func doubleQuoted(_ raw: UnsafeRawBufferPointer, from start: Int, line first: Int)
    throws -> (value: [UInt8], end: Int, line: Int)
  {
    // Sized once, to the closing quote, so the value is never copied by a reallocation.
    var length = 0
    while start + length < raw.count && raw[start + length] != 0x22 {
      length += raw[start + length] == 0x5C ? 2 : 1
    }
    var value: [UInt8] = []
    value.reserveCapacity(length)
    var line = first
    var index = start
    while index < raw.count {
      let byte = raw[index]
      if byte == 0x22 { return (value, index + 1, line) }
      if byte == 0x5C && index + 1 < raw.count {
        index += 1
        switch raw[index] {
        case 0x6E: value.append(0x0A)  // \n
        case 0x72: value.append(0x0D)  // \r
        case 0x74: value.append(0x09)  // \t
        case 0x22, 0x5C, 0x24, 0x60: value.append(raw[index])  // \" \\ \$ \`
        default:
          wipe(&value)
          if raw[index] == 0x0A { line += 1 }
          throw VaultError.dotenv(line: line, problem: "unknown escape in double quotes")
        }
      } else {
        if byte == 0x0A { line += 1 }
        value.append(byte)
      }
      index += 1
    }
    wipe(&value)
    throw VaultError.dotenv(line: first, problem: "unterminated quote")
  }

  /// A single-quoted or bare value, which ends on its line.
  private static func oneLine(_ text: Slice<UnsafeRawBufferPointer>, line: Int) throws -> [UInt8] {
    var value: [UInt8] = []
    value.reserveCapacity(text.count)
    guard text.first == 0x27 else {
      // Bare: up to a " #" comment.
      var previous: UInt8 = 0x20
      for byte in text {
        if byte == 0x23 && isSpace(previous) { break }
        value.append(byte)
        previous = byte
      }
      while let last = value.last, isSpace(last) { value.removeLast() }
      return value
    }
    let body = text.dropFirst()
    guard let close = body.firstIndex(of: 0x27) else {
      throw VaultError.dotenv(line: line, problem: "unterminated quote")
    }
    let rest = trim(text[(close + 1)...])
    guard rest.isEmpty || rest.first == 0x23 else {
      throw VaultError.dotenv(line: line, problem: "text after the closing quote")
    }
    value.append(contentsOf: body[..<close])
    return value
  }

  /// One `NAME="VALUE"` line that `parse`, and bash or POSIX sh (`set -a; . FILE`), read back
  /// to the same bytes: always double quotes, a backslash before each `\`, `"`, `$` and
  /// backtick (the only characters special inside a shell's double quotes), every other byte
  /// as it is. Newlines, CRs and tabs are written literally: in a shell's double quotes `\n`
  /// is two characters, so the `\n \r \t` escapes `parse` accepts are never written.
  public static func line(name: String, value: SecretBytes) -> SecretBytes {
    value.withUnsafeBytes { raw in
      var output: [UInt8] = []
      output.reserveCapacity(name.utf8.count + 2 * raw.count + 4)
      output.append(contentsOf: name.utf8)
      output += [0x3D, 0x22]
      for byte in raw {
        if byte == 0x5C || byte == 0x22 || byte == 0x24 || byte == 0x60 { output.append(0x5C) }
        output.append(byte)
      }
      output += [0x22, 0x0A]
      defer { wipe(&output) }
      return SecretBytes(copying: output)
    }
  }
}

/// JSON string escaping for the few places vault writes JSON (`list --json`, `export`).
public enum JSON {
  /// `bytes` as a JSON string literal, quotes included.
  public static func quote<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
    let hex = Array("0123456789abcdef".utf8)
    var output: [UInt8] = [0x22]
    for byte in bytes {
      switch byte {
      case 0x22: output += [0x5C, 0x22]
      case 0x5C: output += [0x5C, 0x5C]
      case 0x0A: output += [0x5C, 0x6E]
      case 0x0D: output += [0x5C, 0x72]
      case 0x09: output += [0x5C, 0x74]
      case 0..<0x20, 0x7F:
        output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
      default: output.append(byte)
      }
    }
    output.append(0x22)
    return output
  }

  /// A text as a JSON string literal.
  public static func quote(_ text: String) -> String {
    String(decoding: quote(Array(text.utf8)), as: UTF8.self)
  }
}
