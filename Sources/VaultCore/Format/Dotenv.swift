/// The `.env` dialect `vault import` reads and `vault export` writes (README, ".env files").
///
/// - One `NAME=VALUE` per line, an optional `export ` prefix, spaces and tabs around `=`;
///   blank lines and `#` comment lines are ignored; a line may end in CR LF. A CR anywhere
///   else outside double quotes is an error (a file with CR-only line ends would otherwise
///   read as one line).
/// - A double-quoted value may span lines. Inside it every byte is literal (line breaks,
///   CRs and tabs included) except a backslash, which must be followed by `\`, `"`, `$` or
///   a backtick (that character) or by `n`, `r`, `t` (newline, CR, tab), and a `$`.
/// - A single-quoted value is literal and ends on its line.
/// - A bare value runs to a ` #` comment or the end of the line, trimmed.
/// - After a closing quote only spaces, tabs and a `#` comment may follow.
/// - In double-quoted and bare values, `${NAME}` and `$NAME` are replaced by the value NAME
///   has on an earlier line of the same file, as bash, python-dotenv, docker compose and
///   dotenv-expand substitute them. A NAME not defined above, and every other `$` (`$(…)`,
///   `$$`, `${NAME:-…}`, `$1`, a `$` alone), is an error: a shell would read something
///   else there (its environment, a command's output), and vault never guesses.
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
        if line.isEmpty || line.first == 0x23 {
          try noCarriageReturn(line, line: number)
          continue
        }
        // A CR is refused up to a double-quoted value's opening quote, or in the whole line.
        let opening = line.firstIndex(of: 0x3D).flatMap { equals in
          let text = trim(line[(equals + 1)...])
          return text.first == 0x22 ? text.startIndex : nil
        }
        try noCarriageReturn(line[..<(opening ?? line.endIndex)], line: number)
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
        let references = References(raw: raw, name: name, defined: result)
        var value: [UInt8]
        if valueText.first == 0x22 {
          let quoted = try doubleQuoted(
            raw, from: valueText.startIndex + 1, line: number, references: references)
          value = quoted.value
          number = quoted.line
          end = lineEnd(raw, from: quoted.end)
          let rest = trim(withoutCR(raw[quoted.end..<end]))
          do {
            try noCarriageReturn(rest, line: number)
            guard rest.isEmpty || rest.first == 0x23 else {
              throw VaultError.dotenv(line: number, problem: "text after the closing quote")
            }
          } catch {
            wipe(&value)
            throw error
          }
        } else {
          value = try oneLine(valueText, line: number, references: references)
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

  /// Refuses a CR in `bytes`, which lie outside double quotes on line `line`.
  private static func noCarriageReturn(_ bytes: Slice<UnsafeRawBufferPointer>, line: Int) throws {
    guard bytes.contains(0x0D) else { return }
    throw VaultError.dotenv(
      line: line, problem: "a carriage return inside the line (CR line ends? convert them to LF)")
  }

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

  /// What a `$` in the value of `name` may refer to: the values defined on earlier lines.
  private struct References {
    let raw: UnsafeRawBufferPointer
    let name: String
    let defined: [(name: String, value: SecretBytes)]

    /// Appends to `value` what the `$` at `index` (before `end`) stands for, `${NAME}` or
    /// `$NAME`; returns the index after the reference. Any other `$`, or a NAME not defined
    /// above, is an error on line `line`. Never lets `value` reallocate with secret bytes
    /// left behind, nor grow past what an entry holds.
    func substitute(at index: Int, end: Int, into value: inout [UInt8], line: Int) throws -> Int {
      var cursor = index + 1
      let braced = cursor < end && raw[cursor] == 0x7B
      if braced { cursor += 1 }
      let nameStart = cursor
      while cursor < end, Self.isNameByte(raw[cursor], first: cursor == nameStart) { cursor += 1 }
      let closed = !braced || (cursor < end && raw[cursor] == 0x7D)
      guard cursor > nameStart, closed else {
        wipe(&value)
        throw VaultError.dotenv(
          line: line,
          problem:
            "a $ that is not $NAME or ${NAME}; for a literal $ write \\$ in double quotes, or use single quotes"
        )
      }
      let referenced = String(decoding: raw[nameStart..<cursor], as: UTF8.self)
      guard let found = defined.last(where: { $0.name == referenced }) else {
        wipe(&value)
        throw VaultError.dotenv(
          line: line,
          problem:
            "\(referenced) is not defined on an earlier line (vault substitutes only from the file)"
        )
      }
      let limit = EntryCipher.maximumValueLength
      guard value.count + found.value.count <= limit else {
        wipe(&value)
        throw VaultError.dotenv(line: line, problem: "\(name) is longer than \(limit) bytes")
      }
      found.value.withUnsafeBytes { Dotenv.append($0, to: &value) }
      return braced ? cursor + 1 : cursor
    }

    static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
      switch byte {
      case 0x41...0x5A, 0x61...0x7A, 0x5F: return true
      case 0x30...0x39: return !first
      default: return false
      }
    }
  }

  /// Appends `bytes` to the secret `value`, growing it into a new buffer and wiping the old
  /// one, so no copy of a secret is left in freed memory by a reallocation.
  private static func append(_ bytes: UnsafeRawBufferPointer, to value: inout [UInt8]) {
    if value.count + bytes.count > value.capacity {
      var grown: [UInt8] = []
      grown.reserveCapacity(max(2 * value.capacity, value.count + bytes.count))
      grown.append(contentsOf: value)
      wipe(&value)
      value = grown
    }
    value.append(contentsOf: bytes)
  }

  /// Appends one byte as `append` does.
  private static func append(_ byte: UInt8, to value: inout [UInt8]) {
    withUnsafeBytes(of: byte) { append($0, to: &value) }
  }

  /// A double-quoted value whose text starts at `start` (after the opening quote) on line
  /// `first`: the value, the index after the closing quote, and the closing quote's line.
  private static func doubleQuoted(
    _ raw: UnsafeRawBufferPointer, from start: Int, line first: Int, references: References
  ) throws -> (value: [UInt8], end: Int, line: Int) {
    // Sized once, to the closing quote, so the value is not copied by a reallocation
    // (a substitution grows it through `append`).
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
      if byte == 0x24 {
        index = try references.substitute(at: index, end: raw.count, into: &value, line: line)
        continue
      }
      if byte == 0x5C && index + 1 < raw.count {
        index += 1
        switch raw[index] {
        case 0x6E: append(0x0A, to: &value)  // \n
        case 0x72: append(0x0D, to: &value)  // \r
        case 0x74: append(0x09, to: &value)  // \t
        case 0x22, 0x5C, 0x24, 0x60: append(raw[index], to: &value)  // \" \\ \$ \`
        default:
          wipe(&value)
          if raw[index] == 0x0A { line += 1 }
          throw VaultError.dotenv(line: line, problem: "unknown escape in double quotes")
        }
      } else {
        if byte == 0x0A { line += 1 }
        append(byte, to: &value)
      }
      index += 1
    }
    wipe(&value)
    throw VaultError.dotenv(line: first, problem: "unterminated quote")
  }

  /// A single-quoted or bare value, which ends on its line.
  private static func oneLine(
    _ text: Slice<UnsafeRawBufferPointer>, line: Int, references: References
  ) throws -> [UInt8] {
    var value: [UInt8] = []
    value.reserveCapacity(text.count)
    guard text.first == 0x27 else {
      // Bare: up to a " #" comment, trimmed; then `$` references are substituted.
      var end = text.endIndex
      var previous: UInt8 = 0x20
      for index in text.indices {
        if text[index] == 0x23 && isSpace(previous) {
          end = index
          break
        }
        previous = text[index]
      }
      let bare = trim(text[..<end])
      var index = bare.startIndex
      while index < bare.endIndex {
        if bare[index] == 0x24 {
          index = try references.substitute(
            at: index, end: bare.endIndex, into: &value, line: line)
        } else {
          append(bare[index], to: &value)
          index += 1
        }
      }
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

  /// Whether `bytes` are well-formed UTF-8 (no overlong forms, surrogates or cut
  /// sequences): a JSON string, and a line of docker's env file, can hold nothing else.
  /// Decodes in place, without copying the bytes into a `String`.
  public static func isValidUTF8<C: Collection<UInt8>>(_ bytes: C) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
      switch decoder.decode(&iterator) {
      case .scalarValue: continue
      case .emptyInput: return true
      case .error: return false
      }
    }
  }

  /// A text as a JSON string literal.
  public static func quote(_ text: String) -> String {
    String(decoding: quote(Array(text.utf8)), as: UTF8.self)
  }
}
