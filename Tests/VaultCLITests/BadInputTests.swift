import Foundation
import Testing

/// Bad input: each case exits with its documented code (Failure.swift, README "Exit codes"),
/// prints exactly one `vault: error:` line (a `vault: hint:` may follow), prints no secret,
/// and leaves the vault and identity byte-identical.
@Suite struct BadInputTests {
  static let passphrase = "a long enough passphrase"

  /// A vault with one prod entry, its identity protected by `passphrase`, nothing cached.
  func protectedSandbox() throws -> Sandbox {
    let box = try Sandbox()
    let pass = try box.writeSandboxFile("pass", Self.passphrase + "\n")
    let result = try box.run(["init", "--passphrase-file", pass, "--no-cache"])
    #expect(result.status == 0, "init failed: \(result.stderr)")
    try box.set(fakeKey(), env: "prod", extra: ["--passphrase-file", pass, "--no-cache"])
    return box
  }

  // MARK: Passphrases

  /// Every command that unlocks says "wrong passphrase" with exit 3 and changes nothing.
  @Test(arguments: [
    ["get", "--env", "prod"],
    ["set", "--env", "prod", "OPENAI_ORG_ID"],
    ["rm", "--env", "prod", "OPENAI_API_KEY"],
    ["exec", "--env", "prod", "--", "sh", "-c", "echo ran"],
    ["export", "--env", "prod"],
    ["import", "--env", "dev", "-"],
    ["identity", "passwd"],
  ])
  func wrongPassphraseIsExitThree(command: [String]) throws {
    let box = try protectedSandbox()
    let wrong = try box.writeSandboxFile("wrong", "not the passphrase\n")
    let newPass = try box.writeSandboxFile("new", "another long passphrase\n")
    let before = box.fileBytes()
    var arguments = Array(command.prefix { $0 != "--" }) + ["--passphrase-file", wrong]
    if command.first == "identity" {
      arguments += ["--new-passphrase-file", newPass]
    } else {
      arguments += ["--no-cache"] + Array(command.drop { $0 != "--" })
    }
    let stdin = command.first == "import" ? "OPENAI_ORG_ID=org-123456\n" : "org-123456"
    let result = try box.run(arguments, stdin: stdin)
    expectOneError(result, 3, mentioning: "wrong passphrase for '\(box.identityPath)'")
    expectNoLeak(fakeKey(), in: result)
    expectNoLeak("not the passphrase", in: result)
    #expect(box.fileBytes() == before)
  }

  /// The passphrase file's one trailing newline is not part of the passphrase; an empty
  /// passphrase is refused at init, from a file or from the environment.
  @Test(arguments: ["", "\n", "\r\n"])
  func emptyPassphraseFileAtInit(contents: String) throws {
    let box = try Sandbox()
    let empty = try box.writeSandboxFile("empty", contents)
    let fromFlag = try box.run(["init", "--passphrase-file", empty])
    expectOneError(fromFlag, 64, mentioning: "empty passphrase")
    #expect(fromFlag.stderr.contains("vault: hint: use --no-passphrase"))
    let fromEnvironment = try box.run(["init"], env: ["VAULT_PASSPHRASE_FILE": empty])
    expectOneError(fromEnvironment, 64, mentioning: "empty passphrase")
    #expect(box.fileBytes() == [box.vaultPath: nil, box.identityPath: nil])
  }

  @Test func enterAtThePassphrasePromptIsRefused() throws {
    let box = try Sandbox()
    let result = try box.converseVault(
      ["init", "--no-cache"], steps: [.type("", after: "New passphrase: ")])
    #expect(result.status == 64)
    #expect(
      result.stdout == "New passphrase: \nvault: error: empty passphrase\n"
        + "vault: hint: use --no-passphrase for an identity without one\n")
    #expect(box.fileBytes() == [box.vaultPath: nil, box.identityPath: nil])
  }

  @Test func missingPassphraseFileIsAnError() throws {
    let box = try protectedSandbox()
    let before = box.fileBytes()
    let result = try box.run(
      ["get", "--env", "prod", "--no-cache", "--passphrase-file", box.root.path + "/nope"])
    expectOneError(result, 1, mentioning: box.root.path + "/nope")
    #expect(box.fileBytes() == before)
  }

  // MARK: Missing and existing files

  @Test(arguments: [
    ["get"], ["set"], ["list"], ["rm", "OPENAI_API_KEY"], ["exec", "--", "true"], ["export"],
    ["import", "-"], ["status"],
  ])
  func missingVaultSaysRunInit(command: [String]) throws {
    let box = try Sandbox()
    let result = try box.run(command, stdin: command.first == "import" ? "A=b\n" : fakeKey())
    expectOneError(result, 2, mentioning: "no ")
    #expect(result.stderr.contains("vault: hint: run `vault init`"), "\(result.stderr)")
    expectNoLeak(fakeKey(), in: result)
    #expect(box.fileBytes() == [box.vaultPath: nil, box.identityPath: nil])
  }

  /// With an identity but no vault, the error names the vault path.
  @Test func missingVaultWithIdentity() throws {
    let box = try Sandbox()
    try box.initVault()
    try FileManager.default.removeItem(atPath: box.vaultPath)
    let before = box.fileBytes()
    let result = try box.run(["set", "--env", "dev"], stdin: fakeKey())
    expectOneError(result, 2)
    #expect(
      result.stderr
        == "vault: error: no vault at '\(box.vaultPath)'\nvault: hint: run `vault init` to create one\n"
    )
    #expect(box.fileBytes() == before)
  }

  @Test(arguments: [[], ["--passphrase-file", "PASS"]])
  func initOverAnExistingVaultIsExitSix(extra: [String]) throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey(), env: "prod")
    let pass = try box.writeSandboxFile("pass", Self.passphrase)
    let before = box.fileBytes()
    let arguments =
      extra.isEmpty
      ? ["init", "--no-passphrase"] : ["init"] + extra.map { $0 == "PASS" ? pass : $0 }
    let result = try box.run(arguments)
    expectOneError(
      result, 6, mentioning: "'\(box.vaultPath)' already exists; refusing to overwrite it")
    #expect(box.fileBytes() == before)
    #expect(try box.run(["get", "--env", "prod"]).stdout == fakeKey() + "\n")
  }

  /// A second vault reuses the identity: the identity file is never rewritten.
  @Test func initNeverOverwritesTheIdentity() throws {
    let box = try Sandbox()
    try box.initVault()
    let identity = try box.readFile(box.identityPath)
    let other = box.root.path + "/team.vault"
    let result = try box.run(["init", "--no-passphrase", "--vault", other])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.hasPrefix("vault: using the existing identity vault-pub-"))
    #expect(try box.readFile(box.identityPath) == identity)
    #expect(FileManager.default.fileExists(atPath: other))

    // And an identity file that exists but is not readable as one is not replaced either.
    try FileManager.default.removeItem(atPath: other)
    try box.writeFile(box.identityPath, Data("garbage\n".utf8))
    let broken = try box.run(["init", "--no-passphrase", "--vault", other])
    #expect(broken.status != 0)
    #expect(try box.readFile(box.identityPath) == Data("garbage\n".utf8))
    #expect(!FileManager.default.fileExists(atPath: other))
  }

  // MARK: Values

  @Test(arguments: ["", " ", "\n", " \t\r\n  "])
  func emptyValueIsRefused(value: String) throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.run(["set", "--env", "dev"], stdin: value)
    expectOneError(result, 64)
    #expect(result.stderr == "vault: error: empty value; nothing stored\n")
    #expect(box.fileBytes() == before)
  }

  /// A value that is not shaped like an OpenAI key is stored with a warning, not refused.
  @Test(arguments: [
    "hello-this-is-not-a-key", "sk-short", "Bearer sk-proj-with-a-space-1234567890abcdefghij",
  ])
  func unusualOpenAIValueIsStoredWithAWarning(value: String) throws {
    let box = try Sandbox()
    try box.initVault()
    let result = try box.run(["set", "--env", "dev"], stdin: value)
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("stored shop/dev/OPENAI_API_KEY  "))
    #expect(result.stdout.hasSuffix(" (version 1)\n"))
    #expect(outputLines(result.stderr).count == 1)
    #expect(
      result.stderr.hasPrefix("vault: warning: the value does not look like an OpenAI API key"))
    expectNoLeak(value, in: result)
    #expect(try box.run(["get"]).stdout == value + "\n")
  }

  /// Any other name gets no key-shape warning.
  @Test func otherNamesGetNoShapeWarning() throws {
    let box = try Sandbox()
    try box.initVault()
    let result = try box.run(
      ["set", "--env", "dev", "DATABASE_URL"], stdin: "postgres://user:pw@host/db")
    #expect(result.status == 0)
    #expect(result.stderr == "")
    #expect(result.stdout == "stored shop/dev/DATABASE_URL  …t/db (version 1)\n")
    // Under 20 bytes, nothing of the value is shown.
    let short = try box.run(["set", "--env", "dev", "PIN"], stdin: "12345678")
    #expect(short.stdout == "stored shop/dev/PIN  … (version 1)\n")
  }

  @Test func adminKeyAsAPIKeyIsStoredWithAWarning() throws {
    let box = try Sandbox()
    try box.initVault()
    let admin = "sk-admin-" + String(repeating: "Qw3rTy", count: 8) + "T3BlbkFJ" + "adm1"
    let result = try box.run(["set", "--env", "prod"], stdin: admin)
    #expect(result.status == 0)
    #expect(result.stdout == "stored shop/prod/OPENAI_API_KEY  sk-admin-…adm1 (version 1)\n")
    #expect(outputLines(result.stderr).count == 1)
    #expect(result.stderr.hasPrefix("vault: warning: "))
    #expect(result.stderr.contains("OPENAI_ADMIN_KEY"))
    expectNoLeak(admin, in: result)

    // In its own name it is just right.
    let proper = try box.run(["set", "--env", "prod", "OPENAI_ADMIN_KEY"], stdin: admin)
    #expect(proper.status == 0)
    #expect(proper.stderr == "")
  }

  // MARK: Labels and names

  @Test(arguments: [
    (["--env", "Prod"], "invalid environment 'Prod'"),
    (["--env", "a b"], "invalid environment 'a b'"),
    (["--env", ""], "invalid environment ''"),
    (["--env", "9lives"], "invalid environment '9lives'"),
    (["--env", "prod", "--project", "../x"], "invalid project '../x'"),
    (["--env", "prod", "--project", ".hidden"], "invalid project '.hidden'"),
    (["--env", "prod", "1ABC"], "invalid name '1ABC'"),
    (["--env", "prod", "FOO=BAR"], "invalid name 'FOO=…'"),
    (["--env", "prod", "A-B"], "invalid name 'A-B'"),
    (["--env", "prod", String(repeating: "N", count: 200)], "invalid name 'NNNN"),
    (["--env", "prod", ""], "invalid name ''"),
    (["--env", "prod", "A B"], "invalid name 'A B'"),
    (["--env", "prod", "K\u{1b}[31m"], "invalid name 'K\\u{1b}[31m'"),
  ])
  func invalidLabelIsUsageError(arguments: [String], message: String) throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("prd1"), env: "prod")
    let before = box.fileBytes()
    // rm needs a name: give it one when the case has none (an even count of words).
    let named = arguments.count % 2 == 1 ? arguments : arguments + ["OPENAI_API_KEY"]
    for command in [["set"] + arguments, ["get"] + arguments, ["rm"] + named] {
      let result = try box.run(command, stdin: fakeKey())
      expectOneError(result, 64, mentioning: message)
      #expect(!result.stderr.contains("\u{1b}"), "a control character reached the terminal")
      expectNoLeak(fakeKey(), in: result)
      expectNoLeak(fakeKey("prd1"), in: result)
    }
    #expect(box.fileBytes() == before)
  }

  /// 128 characters is the longest name; 129 is refused.
  @Test func nameLengthLimit() throws {
    let box = try Sandbox()
    try box.initVault()
    let longest = "N" + String(repeating: "_", count: 127)
    #expect(try box.run(["set", longest], stdin: "value").status == 0)
    let before = box.fileBytes()
    expectOneError(
      try box.run(["set", longest + "X"], stdin: "value"), 64, mentioning: "at most 128")
    #expect(box.fileBytes() == before)
  }

  @Test(arguments: [
    "LD_PRELOAD", "PATH", "NODE_OPTIONS", "LD_LIBRARY_PATH", "BASH_ENV", "PYTHONSTARTUP",
  ])
  func reservedNameNeedsAllowReserved(name: String) throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let refused = try box.run(["set", "--env", "dev", name], stdin: "/tmp/evil")
    expectOneError(
      refused, 64, mentioning: "refusing \(name): it changes how programs load or start")
    #expect(refused.stderr.contains("vault: hint: pass --allow-reserved \(name)"))
    let imported = try box.run(
      ["import", "--env", "dev", "-"], stdin: "SAFE=1\n\(name)=/tmp/evil\n")
    expectOneError(imported, 64, mentioning: "refusing \(name)")
    #expect(box.fileBytes() == before)

    let allowed = try box.run(
      ["set", "--env", "dev", name, "--allow-reserved"], stdin: "/tmp/evil")
    #expect(allowed.status == 0)
    #expect(allowed.stdout == "stored shop/dev/\(name)  … (version 1)\n")
  }

  // MARK: dotenv

  @Test(arguments: [
    ("GOOD=1\nNO_EQUALS_SIGN\n", "line 2: expected NAME=VALUE"),
    ("GOOD=1\nQUOTED=\"never closed\n", "line 2: unterminated quote"),
    ("GOOD=1\nSINGLE='never closed\n", "line 2: unterminated quote"),
    ("GOOD=1\n# note\nGOOD=2\n", "line 3: GOOD appears twice"),
    ("GOOD=1\n1BAD=2\n", "line 2: invalid name"),
    ("GOOD=1\nA-B=2\n", "line 2: invalid name"),
    ("GOOD=1\nEMPTY=\n", "line 2: EMPTY has an empty value"),
    ("GOOD=1\nESC=\"a\\qb\"\n", "line 2: unknown escape in double quotes"),
    ("GOOD=1\nTRAIL='x' y\n", "line 2: text after the closing quote"),
    ("# only a comment\n\n", "line 1: no NAME=VALUE lines"),
  ])
  func badDotenvImportsNothing(text: String, message: String) throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey(), env: "staging")
    let before = box.fileBytes()
    let envFile = box.workDirectory.appendingPathComponent(".env.staging").path
    try box.writeFile(envFile, Data(text.utf8))
    for source in [".env.staging", "-"] {
      let result = try box.run(["import", "--env", "staging", source], stdin: text)
      expectOneError(result, 64)
      #expect(result.stderr == "vault: error: \(message); nothing imported\n")
    }
    #expect(box.fileBytes() == before)
    let list = try box.run(["list", "--json"])
    #expect(!list.stdout.contains("GOOD"))
  }

  @Test func importOfAMissingFile() throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.run(["import", "--env", "dev", ".env.nope"])
    expectOneError(result, 1, mentioning: ".env.nope")
    #expect(box.fileBytes() == before)
  }

  // MARK: argv

  /// A key pasted on the command line is taken as a NAME, refused as invalid, never stored,
  /// and not repeated in full on stderr.
  @Test func secretIsNeverTakenFromArgv() throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.run(["set", "--env", "dev", fakeKey()], stdin: "")
    expectOneError(result, 64, mentioning: "invalid name 'sk-proj-…wxyz': it looks like a secret")
    #expect(
      !result.stderr.contains(String(fakeKey().prefix(24))), "the key was echoed: \(result.stderr)")
    #expect(box.fileBytes() == before)
    let withValue = try box.run(
      ["set", "--env", "dev", "OPENAI_API_KEY", fakeKey()], stdin: fakeKey("zzzz"))
    expectOneError(withValue, 64)
    #expect(
      !withValue.stderr.contains(String(fakeKey().prefix(24))),
      "the key was echoed: \(withValue.stderr)")
    #expect(box.fileBytes() == before)
  }

  @Test(arguments: [
    ["--bogus"], ["set", "--bogus"], ["get", "--env"], ["exec", "--only"], ["frobnicate"],
    ["identity", "burn"],
  ])
  func unknownOptionsAreUsageErrors(arguments: [String]) throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.run(arguments)
    expectOneError(result, 64)
    #expect(box.fileBytes() == before)
  }

  /// A bad VAULT_IDENTITY is a usage error, whatever the identity file says.
  @Test(arguments: ["not-an-identity", "VAULT-SECRET-", "VAULT-SECRET-AAAA", "vault-pub-abc"])
  func badInlineIdentity(value: String) throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey(), env: "prod")
    let before = box.fileBytes()
    for command in [
      ["get", "--env", "prod"], ["exec", "--env", "prod", "--", "true"], ["identity", "show"],
      ["status"],
    ] {
      let result = try box.run(command, env: ["VAULT_IDENTITY": value])
      expectOneError(result, 64, mentioning: "VAULT_IDENTITY is not a valid secret identity")
      expectNoLeak(fakeKey(), in: result)
    }
    #expect(box.fileBytes() == before)
  }
}
