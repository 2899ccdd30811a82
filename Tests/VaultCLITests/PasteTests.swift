import Foundation
import Testing

/// Values pasted in a shape that would be stored wrong (README "Values"): a key split over
/// two lines, a key in quotes, `NAME=VALUE` and `export NAME="VALUE"` lines, a whole .env, and
/// another provider's key under OPENAI_API_KEY. Each through stdin and at the real prompt
/// (expect, one pseudo-terminal): the bytes stored (`vault get`), what stderr says, and that
/// no part of the value is shown beyond the redacted form.
@Suite struct PasteTests {
  static let key = fakeKey()
  static let firstHalf = String(key.prefix(50))
  static let secondHalf = String(key.dropFirst(50))

  /// The parts of `value` that must never be shown: the whole, and its halves.
  func expectNothingShown(
    _ value: String, in result: RunResult, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let parts = [
      value, String(value.prefix(value.count / 2)), String(value.suffix(value.count / 2)),
    ]
    for part in parts where part.count >= 12 {
      #expect(
        !result.stderr.contains(part), "value on stderr: \(result.stderr)",
        sourceLocation: sourceLocation)
      #expect(
        !result.stdout.contains(part), "value on stdout: \(result.stdout)",
        sourceLocation: sourceLocation)
    }
  }

  func stored(_ box: Sandbox, _ name: String = "OPENAI_API_KEY") throws -> String {
    let get = try box.run(["get", "--env", "dev", name])
    #expect(get.status == 0, "\(get.stderr)")
    return get.stdout
  }

  /// (what is pasted, what stderr must say) for each shape stored after a fix.
  static let fixed: [(String, String)] = [
    (firstHalf + "\n" + secondHalf + "\n", "split over 2 lines; stored the lines joined"),
    (firstHalf + "\r\n" + secondHalf, "split over 2 lines; stored the lines joined"),
    ("\"" + key + "\"", "in quotes; stored what is inside them"),
    ("'" + key + "'\n", "in quotes; stored what is inside them"),
    (
      "OPENAI_API_KEY=" + key + "\n",
      "was an assignment, OPENAI_API_KEY=…; stored the value after '='"
    ),
    (
      "export OPENAI_API_KEY=\"" + key + "\"\n",
      "was an assignment, OPENAI_API_KEY=…; stored the value after '='"
    ),
  ]

  @Test(arguments: 0..<6) func aFixableShapeOnStdinStoresTheKey(_ index: Int) throws {
    let (paste, note) = Self.fixed[index]
    let box = try Sandbox()
    try box.initVault()
    let result = try box.run(["set", "--env", "dev"], stdin: paste)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("vault: warning: the pasted value"), "\(result.stderr)")
    #expect(result.stderr.contains(note), "\(result.stderr)")
    #expect(result.stdout == "stored shop/dev/OPENAI_API_KEY  sk-proj-…wxyz (version 1)\n")
    expectNothingShown(Self.key, in: result)
    #expect(try stored(box) == Self.key + "\n")
  }

  @Test(arguments: 0..<6) func aFixableShapeAtThePromptStoresTheKey(_ index: Int) throws {
    let (paste, note) = Self.fixed[index]
    let box = try Sandbox()
    try box.initVault()
    // A terminal sends Enter as CR; what was pasted arrives at once, then Enter.
    let typed = paste.replacingOccurrences(of: "\r\n", with: "\r").replacingOccurrences(
      of: "\n", with: "\r")
    let answer = typed.hasSuffix("\r") ? typed : typed + "\r"
    let result = try box.converseVault(
      ["set", "--env", "dev"],
      steps: [PromptStep(prompt: "OPENAI_API_KEY for shop/dev: ", answer: answer)])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.contains(note), "\(result.stdout)")
    #expect(
      result.stdout.hasSuffix("stored shop/dev/OPENAI_API_KEY  sk-proj-…wxyz (version 1)\n"),
      "\(result.stdout)")
    expectNothingShown(Self.key, in: result)
    #expect(try stored(box) == Self.key + "\n")
  }

  /// (what is pasted, what the error says) for each shape refused.
  static let refused: [(String, String)] = [
    (
      "ANTHROPIC_API_KEY=sk-ant-api03-" + String(repeating: "Qw3rTy9", count: 12) + "\n",
      "the pasted value assigns ANTHROPIC_API_KEY, not OPENAI_API_KEY; nothing stored"
    ),
    (
      "OPENAI_API_KEY=" + key + "\nOPENAI_ORG_ID=org-abcdefghijklmnop\n",
      "the pasted value is 2 lines of NAME=VALUE, a .env file; nothing stored"
    ),
    (
      key + "\n" + fakeKey("abcd") + "\n",
      "the pasted value is 2 lines that each start like a key; nothing stored"
    ),
  ]

  @Test(arguments: 0..<3) func aRefusedShapeStoresNothing(_ index: Int) throws {
    let (paste, message) = Self.refused[index]
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.run(["set", "--env", "dev"], stdin: paste)
    expectOneError(result, 64, mentioning: message)
    for line in paste.split(separator: "\n") {
      expectNothingShown(String(line.split(separator: "=").last ?? line), in: result)
    }
    #expect(box.fileBytes() == before)

    let typed = paste.replacingOccurrences(of: "\n", with: "\r")
    let prompted = try box.converseVault(
      ["set", "--env", "dev"],
      steps: [PromptStep(prompt: "OPENAI_API_KEY for shop/dev: ", answer: typed)])
    #expect(prompted.status == 64, "\(prompted.stdout)")
    #expect(prompted.stdout.contains("vault: error: " + message), "\(prompted.stdout)")
    for line in paste.split(separator: "\n") {
      expectNothingShown(String(line.split(separator: "=").last ?? line), in: prompted)
    }
    #expect(box.fileBytes() == before)
  }

  /// Values that merely look a little like those shapes are stored byte for byte, without
  /// a word: a PEM key over several lines, base64 with `=` padding, a value with `=` inside.
  @Test func ordinaryValuesAreKeptAsTheyAre() throws {
    let box = try Sandbox()
    try box.initVault()
    let values = [
      (
        "TLS_KEY",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----"
      ),
      ("TOKEN", "QUJDREVGR0hJSktMTU5PUA=="),
      ("DSN", "postgres://u:p@db/x?sslmode=require"),
      ("SESSION", "ABCD=efgh-ijkl-mnop-qrst"),
    ]
    for (name, value) in values {
      let result = try box.run(["set", "--env", "dev", name], stdin: value)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stderr.isEmpty, "\(name): \(result.stderr)")
      #expect(try stored(box, name) == value + "\n")
    }
  }

  /// Another provider's key under OPENAI_API_KEY: stored, with a warning that names it.
  @Test(arguments: [
    ("sk-ant-api03-" + String(repeating: "Qw3rTy9", count: 12), "an Anthropic key"),
    ("AIza" + String(repeating: "SyQw3rTy9", count: 4), "a Google key"),
    ("xai-" + String(repeating: "Qw3rTy9", count: 11), "an xAI key"),
    ("gsk_" + String(repeating: "Qw3rTy9", count: 8), "a Groq key"),
    ("hf_" + String(repeating: "Qw3rTy9", count: 5), "a Hugging Face token"),
    ("AKIA" + "QW3RTY9QW3RTY9QW", "an AWS access key ID"),
  ])
  func anotherProvidersKeyIsNamed(_ value: String, _ named: String) throws {
    let box = try Sandbox()
    try box.initVault()
    let result = try box.run(["set", "--env", "dev"], stdin: value)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains("vault: warning: the value looks like \(named)"), "\(result.stderr)")
    #expect(!result.stderr.contains("does not look like an OpenAI"), "\(result.stderr)")
    expectNothingShown(value, in: result)
    #expect(try stored(box) == value + "\n")
  }

  /// A warning says what happened: a write that fails prints its error alone, never "stored
  /// anyway" first.
  @Test func noWarningBeforeAFailedStore() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey(), env: "dev")
    var lines = Adversary.lines([UInt8](try box.readFile(box.vaultPath)))
    let entry = try #require(lines.firstIndex { $0.hasPrefix("entry shop dev OPENAI_API_KEY ") })
    var fields = lines[entry].split(separator: " ").map(String.init)
    fields[fields.count - 2] = String(fields[fields.count - 2].reversed())  // the ciphertext
    lines[entry] = fields.joined(separator: " ")
    try Adversary.writePrivate(box.vaultPath, Adversary.bytes(lines)[...])
    for paste in ["not an openai key at all", "\"" + fakeKey("prod") + "\""] {
      let result = try box.run(["set", "--env", "prod"], stdin: paste)
      expectOneError(result, 5)
      #expect(!result.stderr.contains("warning"), "\(result.stderr)")
    }
  }
}
