import Testing
@testable import VaultCore

@Suite struct DotenvTests {
  func parse(_ text: String) throws -> [String] {
    try Dotenv.parse(secret(text)).map { entry in
      "\(entry.name)=" + entry.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
  }

  @Test func dialect() throws {
    let text = """
      # a comment
      OPENAI_API_KEY=sk-proj-abc
      export OPENAI_ORG_ID = org-123   # trailing comment

      SINGLE='literal \\n $HOME # not a comment'
      DOUBLE="line\\nnext \\"q\\" \\\\ \\$HOME\\t"
      HASH=a#b
      CRLF=value\r
      """
    #expect(
      try parse(text) == [
        "OPENAI_API_KEY=sk-proj-abc", "OPENAI_ORG_ID=org-123",
        "SINGLE=literal \\n $HOME # not a comment", "DOUBLE=line\nnext \"q\" \\ $HOME\t",
        "HASH=a#b", "CRLF=value",
      ])
  }

  @Test func errorsNameTheLine() {
    #expect(throws: VaultError.dotenv(line: 2, problem: "expected NAME=VALUE")) { try parse("A=1\nnonsense\n") }
    #expect(throws: VaultError.dotenv(line: 2, problem: "A appears twice")) { try parse("A=1\nA=2\n") }
    #expect(throws: VaultError.dotenv(line: 1, problem: "A has an empty value")) { try parse("A=\n") }
    #expect(throws: VaultError.dotenv(line: 1, problem: "invalid name")) { try parse("1A=x\n") }
    #expect(throws: VaultError.dotenv(line: 1, problem: "unterminated quote")) { try parse("A='x\n") }
    #expect(throws: VaultError.dotenv(line: 1, problem: "unknown escape in double quotes")) { try parse("A=\"\\q\"\n") }
    #expect(throws: VaultError.dotenv(line: 1, problem: "text after the closing quote")) { try parse("A='x' y\n") }
  }

  /// `line` writes what `parse` reads back to the same bytes, for awkward values too.
  @Test func lineRoundTrip() throws {
    let values: [[UInt8]] = [
      Array("sk-proj-abc".utf8), Array("it's".utf8), Array("a\nb\r\tc".utf8),
      Array("\"$HOME\" \\ # x".utf8), Array(" padded ".utf8), [0x7F, 0x41], Array("é ü".utf8),
    ]
    for value in values {
      let line = Dotenv.line(name: "NAME", value: SecretBytes(copying: value))
      let parsed = try Dotenv.parse(line)
      #expect(parsed.count == 1)
      #expect(parsed.first?.name == "NAME")
      #expect(parsed.first?.value.withUnsafeBytes { Array($0) } == value, "\(value)")
    }
  }

  func exported(_ value: String) -> String {
    Dotenv.line(name: "NAME", value: secret(value)).withUnsafeBytes {
      String(decoding: $0, as: UTF8.self)
    }
  }

  /// The exporter double-quotes every value and escapes exactly `\ " $` and the backtick, so
  /// a shell's `. FILE` runs nothing; newlines, CRs and tabs are written as they are
  /// (a shell reads `\n` in double quotes as two characters).
  @Test func exportQuotingIsShellSafe() {
    #expect(exported("it's `id`") == "NAME=\"it's \\`id\\`\"\n")
    #expect(exported("$(id) \"q\" \\") == "NAME=\"\\$(id) \\\"q\\\" \\\\\"\n")
    #expect(exported("sk-proj-abc") == "NAME=\"sk-proj-abc\"\n")
    #expect(exported("a\nb\r\tc") == "NAME=\"a\nb\r\tc\"\n")
    #expect(exported("'single' # x = y") == "NAME=\"'single' # x = y\"\n")
  }

  /// A double-quoted value may span lines; inside it every byte is literal (CR included)
  /// except the escapes, and line numbers after it stay right.
  @Test func multiLineDoubleQuotes() throws {
    let text = "A=\"one\ntwo\r\nthree\" # done\nB=\"tick \\` \\$x\"\r\nC='c'\n"
    #expect(try parse(text) == ["A=one\ntwo\r\nthree", "B=tick ` $x", "C=c"])
    #expect(throws: VaultError.dotenv(line: 5, problem: "A appears twice")) {
      try parse("A=\"x\n\ny\"\nB=1\nA=2\n")
    }
    #expect(throws: VaultError.dotenv(line: 2, problem: "unterminated quote")) {
      try parse("B=1\nA=\"open\nno close\n")
    }
    #expect(throws: VaultError.dotenv(line: 3, problem: "unknown escape in double quotes")) {
      try parse("B=1\nA=\"ok\n\\q\"\n")
    }
    #expect(throws: VaultError.dotenv(line: 2, problem: "unknown escape in double quotes")) {
      try parse("A=\"line continuation \\\nnext\"\n")
    }
    #expect(throws: VaultError.dotenv(line: 2, problem: "text after the closing quote")) {
      try parse("A=\"x\ny\" z\n")
    }
    #expect(throws: VaultError.dotenv(line: 1, problem: "A has an empty value")) {
      try parse("A=\"\n\r\n\"\n")
    }
    // Single quotes stay on one line.
    #expect(throws: VaultError.dotenv(line: 1, problem: "unterminated quote")) {
      try parse("A='x\ny'\n")
    }
  }

  /// Every byte but NUL, in awkward places, survives `line` then `parse`.
  @Test func everyByteRoundTrips() throws {
    for byte in UInt8(1)...UInt8(255) {
      let value: [UInt8] = [0x41, byte, 0x0A, byte, 0x42]
      let parsed = try Dotenv.parse(Dotenv.line(name: "N", value: SecretBytes(copying: value)))
      #expect(parsed.first?.value.withUnsafeBytes { Array($0) } == value, "byte \(byte)")
    }
  }
}
