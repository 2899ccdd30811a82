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

  /// `${NAME}` and `$NAME` in double-quoted and bare values take the value NAME has on an
  /// earlier line of the file, as bash, python-dotenv and docker compose substitute them;
  /// single quotes and `\$` keep a `$` (README, ".env files").
  @Test func substitutesEarlierLines() throws {
    let text = """
      USER_NAME=app
      PASS='p$w"d'
      URL="postgres://${USER_NAME}:${PASS}@db/$USER_NAME"
      BARE=x-$USER_NAME-${PASS}y # comment
      LIT='${USER_NAME} $USER_NAME'
      ESC="\\${USER_NAME} \\$USER_NAME"
      TWICE="${URL}!"
      MULTI="a
      $USER_NAME"
      """
    #expect(
      try parse(text) == [
        "USER_NAME=app", "PASS=p$w\"d", "URL=postgres://app:p$w\"d@db/app", "BARE=x-app-p$w\"dy",
        "LIT=${USER_NAME} $USER_NAME", "ESC=${USER_NAME} $USER_NAME",
        "TWICE=postgres://app:p$w\"d@db/app!", "MULTI=a\napp",
      ])
  }

  /// A `$` vault would read differently from a shell is refused with its line: a name not
  /// defined above (a shell would read the environment), and every other `$` form.
  @Test func refusesOtherDollars() {
    let undefined = "B is not defined on an earlier line (vault substitutes only from the file)"
    #expect(throws: VaultError.dotenv(line: 1, problem: undefined)) { try parse("A=${B}\n") }
    #expect(throws: VaultError.dotenv(line: 1, problem: undefined)) {
      try parse("A=\"x$B\"\nB=1\n")
    }
    let undefinedA = "A is not defined on an earlier line (vault substitutes only from the file)"
    #expect(throws: VaultError.dotenv(line: 2, problem: undefinedA)) { try parse("B=1\nA=\"$A\"\n") }
    let other =
      "a $ that is not $NAME or ${NAME}; for a literal $ write \\$ in double quotes, or use single quotes"
    for text in [
      "A=x$\n", "A=\"$(id)\"\n", "A=${B:-x}\n", "A=pa$$word\n", "A=\"$1\"\n", "A=${}\n",
      "A=${B\n", "A=\"a $ b\"\n",
    ] {
      #expect(throws: VaultError.dotenv(line: 1, problem: other), "\(text)") { try parse(text) }
    }
    #expect(throws: VaultError.dotenv(line: 3, problem: other)) { try parse("B=1\nA=\"x\n$(\"\n") }
  }

  /// Substitution cannot build a value past what a vault entry holds.
  @Test func substitutionIsBounded() {
    var text = "A=\"" + String(repeating: "x", count: 40_000) + "\"\n"
    text += "B=\"${A}${A}\"\n"
    #expect(throws: VaultError.dotenv(line: 2, problem: "B is longer than 65536 bytes")) {
      try parse(text)
    }
  }

  /// A CR that does not end a line (before LF) outside double quotes is refused: a file with
  /// CR-only line ends would otherwise be one line, its first value holding the rest.
  @Test func refusesCarriageReturnsInsideLines() throws {
    let problem = "a carriage return inside the line (CR line ends? convert them to LF)"
    for text in [
      "A=1\rB=2\r", "# c\rA=1\r", "A='x'\rB='y'\r", "A=\"x\"\rB=2\n", "A=x\ry\n",
      "\rA=1\n", "export\rA=1\n",
    ] {
      #expect(throws: VaultError.dotenv(line: 1, problem: problem), "\(text.debugDescription)") {
        try parse(text)
      }
    }
    #expect(throws: VaultError.dotenv(line: 2, problem: problem)) { try parse("A=1\r\n# x\ry\n") }
    // Inside double quotes a CR is part of the value; CR LF ends a line.
    #expect(try parse("A=\"x\ry\"\r\nB=2\r\nC=3\r") == ["A=x\ry", "B=2", "C=3"])
  }
}
