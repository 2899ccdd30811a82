/// The `.env` dialect `vault import` reads and `vault export` writes (README, "import").
///
/// One `NAME=VALUE` per line; an optional `export ` prefix; blank lines and `#` comments
/// ignored; spaces around `=` allowed. A value is single-quoted (literal), double-quoted
/// (escapes `\n \r \t \" \\ \$`), or bare (up to a ` #` comment, trimmed). A duplicated
/// name, an empty value or a malformed line is an error naming the line, never a guess.
public enum Dotenv {
  /// Parses `text`. Values come back in secret buffers; names in file order.
  public static func parse(_ text: SecretBytes) throws -> [(name: String, value: SecretBytes)] {
    try text.withUnsafeBytes { raw in
      var result: [(name: String, value: SecretBytes)] = []
      var seen = Set<String>()
      let lines = raw.split(separator: 0x0A, omittingEmptySubsequences: false)
      for (index, fullLine) in lines.enumerated() {
        let number = index + 1
        var line = fullLine[...]
        if line.last == 0x0D { line = line.dropLast() }
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
        var value = try parseValue(trim(line[(equals + 1)...]), line: number)
        defer { wipe(&value) }
        guard !trim(value[...]).isEmpty else {
          throw VaultError.dotenv(line: number, problem: "\(name) has an empty value")
        }
        result.append((name, SecretBytes(copying: value)))
      }
      return result
    }
  }

  private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

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

  private static func parseValue(_ text: Slice<UnsafeRawBufferPointer>, line: Int) throws -> [UInt8]
  {
    guard let quote = text.first, quote == 0x27 || quote == 0x22 else {
      // Bare: up to a " #" comment.
      var value: [UInt8] = []
      var previous: UInt8 = 0x20
      for byte in text {
        if byte == 0x23 && isSpace(previous) { break }
        value.append(byte)
        previous = byte
      }
      while let last = value.last, isSpace(last) { value.removeLast() }
      return value
    }
    var value: [UInt8] = []
    var index = text.index(after: text.startIndex)
    var closed = false
    while index < text.endIndex {
      let byte = text[index]
      if byte == quote {
        closed = true
        index = text.index(after: index)
        break
      }
      if quote == 0x22 && byte == 0x5C {
        index = text.index(after: index)
        guard index < text.endIndex else { break }
        switch text[index] {
        case 0x6E: value.append(0x0A)  // \n
        case 0x72: value.append(0x0D)  // \r
        case 0x74: value.append(0x09)  // \t
        case 0x22, 0x5C, 0x24: value.append(text[index])  // \" \\ \$
        default:
          wipe(&value)
          throw VaultError.dotenv(line: line, problem: "unknown escape in double quotes")
        }
      } else {
        value.append(byte)
      }
      index = text.index(after: index)
    }
    guard closed else {
      wipe(&value)
      throw VaultError.dotenv(line: line, problem: "unterminated quote")
    }
    let rest = trim(text[index...])
    guard rest.isEmpty || rest.first == 0x23 else {
      wipe(&value)
      throw VaultError.dotenv(line: line, problem: "text after the closing quote")
    }
    return value
  }

  /// One `NAME=VALUE` line that `parse` reads back to the same value: single quotes when
  /// the value has no `'` and no control character, otherwise double quotes with escapes.
  public static func line(name: String, value: SecretBytes) -> SecretBytes {
    value.withUnsafeBytes { raw in
      var output = Array(name.utf8) + [0x3D]
      let plain = !raw.contains { $0 == 0x27 || $0 < 0x20 || $0 == 0x7F }
      if plain {
        output.append(0x27)
        output.append(contentsOf: raw)
        output.append(0x27)
      } else {
        output.append(0x22)
        for byte in raw {
          switch byte {
          case 0x0A: output += [0x5C, 0x6E]
          case 0x0D: output += [0x5C, 0x72]
          case 0x09: output += [0x5C, 0x74]
          case 0x22, 0x5C, 0x24: output += [0x5C, byte]
          default: output.append(byte)
          }
        }
        output.append(0x22)
      }
      output.append(0x0A)
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
