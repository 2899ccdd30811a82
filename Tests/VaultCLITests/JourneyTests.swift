import Foundation
import Testing
import VaultCore

/// The user journeys of DESIGN.md, typed exactly as a user would: through a real terminal
/// (expect) where the user would be at one, through pipes and files where a script would.
/// The sandbox's work directory is $HOME/code/shop, so the project is "shop".
@Suite struct JourneyTests {
  static let passphrase = "tangerine submarine 42"

  /// A sandbox initialised with `passphrase` (nothing cached) and a passphrase file for
  /// later commands.
  func protectedSandbox() throws -> (Sandbox, String) {
    let box = try Sandbox()
    let pass = try box.writeSandboxFile("pass", Self.passphrase + "\n")
    let result = try box.run(["init", "--passphrase-file", pass, "--no-cache"])
    #expect(result.status == 0, "init failed: \(result.stderr)")
    return (box, pass)
  }

  /// The secret string (`VAULT-SECRET-…`) of the identity file's `secret` line (64 bytes,
  /// base64url), for an identity made with `--no-passphrase`.
  func secretString(ofIdentityFile path: String) throws -> String {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("secret ") })
    var base64 = line.dropFirst("secret ".count)
      .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    let raw = try #require(Data(base64Encoded: base64))
    #expect(raw.count == 64)
    let identity = try Identity(secret: SecretBytes(copying: raw))
    return identity.secretString.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
  }

  // MARK: Store once, run with it

  /// init, set (terminal and pipe), list, exec, get, rm, lock, status: the first journey.
  @Test func storeOnceAndRunWithIt() throws {
    let box = try Sandbox()
    let prodKey = fakeKey("wxyz")
    let devKey = fakeKey("dev1")

    // vault init: the passphrase is asked twice and never shown.
    let initRun = try box.converseVault(
      ["init"],
      steps: [
        .type(Self.passphrase, after: "New passphrase: "),
        .type(Self.passphrase, after: "Repeat passphrase: "),
      ])
    #expect(initRun.status == 0, "\(initRun.stdout)")
    #expect(!initRun.stdout.contains(Self.passphrase))
    #expect(!initRun.stdout.contains("tangerine"))
    let initLines = outputLines(initRun.stdout)
    #expect(initLines.count == 6, "\(initRun.stdout)")
    #expect(initLines.dropFirst(2).first == "created identity \(box.identityPath)")
    #expect(initLines.dropFirst(3).first?.hasPrefix("public identity: vault-pub-") == true)
    #expect(initLines.dropFirst(4).first == "created vault \(box.vaultPath)")
    #expect(initLines.last == "environments: dev, prod, staging; you are alice (owner)")

    // Later commands read the passphrase from a file, as a script would; whether or not the
    // kernel keyring caches the unlock, nothing asks.
    let pass = try box.writeSandboxFile("pass", Self.passphrase + "\n")
    box.environment["VAULT_PASSPHRASE_FILE"] = pass

    // vault set --env prod, at a terminal: the prompt names the label, the key is not echoed.
    let setRun = try box.converseVault(
      ["set", "--env", "prod"],
      steps: [.type(prodKey, after: "OPENAI_API_KEY for shop/prod: ")])
    #expect(setRun.status == 0, "\(setRun.stdout)")
    #expect(
      setRun.stdout
        == "OPENAI_API_KEY for shop/prod: \nstored shop/prod/OPENAI_API_KEY  sk-proj-…wxyz (version 1)\n"
    )
    #expect(!setRun.stdout.contains(String(prodKey.prefix(12))))

    // printf %s "$KEY" | vault set --env dev
    let piped = try box.execute(
      "/bin/sh", ["-c", "printf %s \"$KEY\" | \"$0\" set --env dev", Sandbox.binary],
      env: ["KEY": devKey])
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(piped.stdout == "stored shop/dev/OPENAI_API_KEY  sk-proj-…dev1 (version 1)\n")
    #expect(piped.stderr == "")

    // vault list: labels sorted, versions, dates, writers; nothing secret.
    let list = try box.run(["list"])
    #expect(list.status == 0)
    let rows = outputLines(list.stdout).map { $0.split(separator: " ").map(String.init) }
    #expect(rows.map { $0.first ?? "" } == ["shop/dev/OPENAI_API_KEY", "shop/prod/OPENAI_API_KEY"])
    #expect(rows.allSatisfy { $0.count == 4 && $0[1] == "v1" && $0[3] == "alice" })
    #expect(rows.allSatisfy { $0.count == 4 && $0[2].count == 20 && $0[2].hasSuffix("Z") })
    expectNoLeak(prodKey, in: list)
    expectNoLeak(devKey, in: list)

    // vault list --json
    let json = try box.run(["list", "--json"])
    #expect(json.status == 0)
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [[String: Any]])
    #expect(parsed.count == 2)
    #expect(parsed.map { $0["environment"] as? String } == ["dev", "prod"])
    for object in parsed {
      #expect(object["project"] as? String == "shop")
      #expect(object["name"] as? String == "OPENAI_API_KEY")
      #expect(object["version"] as? Int == 1)
      #expect(object["versions_kept"] as? Int == 1)
      #expect(object["writer"] as? String == "alice")
      #expect((object["created"] as? String)?.count == 20)
      #expect(
        Set(object.keys)
          == [
            "project", "environment", "name", "version", "created", "writer", "exposed",
            "written_by_removed", "retired_key", "openai_key_id", "rotation", "versions_kept",
          ])
      #expect((object["exposed"] as? [String]) == [])
      #expect((object["written_by_removed"] as? [String]) == [])
    }
    expectNoLeak(prodKey, in: json)

    // vault exec --env prod -- ./app
    let app = box.workDirectory.appendingPathComponent("app").path
    try Data("#!/bin/sh\necho \"app has $OPENAI_API_KEY\"\n".utf8).write(
      to: URL(fileURLWithPath: app))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: app)
    let exec = try box.run(["exec", "--env", "prod", "--", "./app"])
    #expect(exec.status == 0, "\(exec.stderr)")
    #expect(exec.stdout == "app has \(prodKey)\n")
    #expect(exec.stderr == "")

    // vault get --env prod, with and without the newline.
    let get = try box.run(["get", "--env", "prod"])
    #expect(get.status == 0)
    #expect(get.stdout == prodKey + "\n")
    #expect(get.stderr == "")
    #expect(try box.run(["get", "--env", "prod", "-n"]).stdout == prodKey)
    #expect(
      try box.run(["get", "--env", "prod", "--no-newline", "OPENAI_API_KEY"]).stdout == prodKey)
    #expect(try box.run(["get"]).stdout == devKey + "\n", "get defaults to dev, never prod")

    // vault rm --env dev OPENAI_API_KEY
    let vaultBeforeRemove = try box.readFile(box.vaultPath)
    let remove = try box.run(["rm", "--env", "dev", "OPENAI_API_KEY"])
    #expect(remove.status == 0, "\(remove.stderr)")
    #expect(remove.stdout == "removed shop/dev/OPENAI_API_KEY\n")
    #expect(try box.readFile(box.vaultPath) != vaultBeforeRemove)
    // The group is empty now: the error says what the vault holds (issue 7, point 1).
    expectOneError(
      try box.run(["get", "--env", "dev"]), 2,
      mentioning: "no entries for shop/dev; this vault holds: shop (")
    #expect(outputLines(try box.run(["list"]).stdout).count == 1)
    #expect(try box.run(["get", "--env", "prod"]).stdout == prodKey + "\n")
    let removeAgain = try box.run(["rm", "--env", "dev", "OPENAI_API_KEY"])
    #expect(removeAgain.status == 2)

    // vault lock, vault status
    let lock = try box.run(["lock"])
    #expect(lock.status == 0)
    #expect(["locked: the cached unlock is gone\n", "nothing was cached\n"].contains(lock.stdout))
    let status = try box.run(["status"])
    #expect(status.status == 0)
    let statusLines = outputLines(status.stdout)
    #expect(statusLines.first == "identity: \(box.identityPath)")
    #expect(statusLines.contains("vault:    \(box.vaultPath)"))
    #expect(statusLines.contains("member:   alice (owner)"))
    #expect(statusLines.contains("reads:    dev, prod, staging"))
    #expect(
      statusLines.contains { $0 == "cache:    locked" || $0.hasPrefix("cache:    unavailable") })
  }

  /// A second set makes version 2; a second name in the same environment starts at 1.
  @Test func versionsIncrementAndNamesAreIndependent() throws {
    let box = try Sandbox()
    try box.initVault()
    let first = try box.run(["set", "--env", "prod"], stdin: fakeKey("old1"))
    #expect(first.stdout == "stored shop/prod/OPENAI_API_KEY  sk-proj-…old1 (version 1)\n")
    let second = try box.run(["set", "--env", "prod"], stdin: fakeKey("new2") + "\n")
    #expect(second.stdout == "stored shop/prod/OPENAI_API_KEY  sk-proj-…new2 (version 2)\n")
    let org = try box.run(
      ["set", "--env", "prod", "OPENAI_ORG_ID"], stdin: "org-AbCdEf0123456789xyz")
    #expect(org.status == 0)
    #expect(org.stdout == "stored shop/prod/OPENAI_ORG_ID  …9xyz (version 1)\n")
    #expect(org.stderr == "")
    for run in [first, second, org] {
      expectNoLeak(fakeKey("old1"), in: run)
      expectNoLeak(fakeKey("new2"), in: run)
      expectNoLeak("org-AbCdEf0123456789xyz", in: run)
    }
    #expect(try box.run(["get", "--env", "prod"]).stdout == fakeKey("new2") + "\n")
    let json = try box.run(["list", "--json", "--env", "prod"])
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [[String: Any]])
    let versions = Dictionary(
      uniqueKeysWithValues: parsed.compactMap { object in
        (object["name"] as? String).map { ($0, object["version"] as? Int ?? -1) }
      })
    #expect(versions == ["OPENAI_API_KEY": 2, "OPENAI_ORG_ID": 1])
    let exec = try box.run(
      ["exec", "--env", "prod", "--", "sh", "-c", "echo \"$OPENAI_API_KEY $OPENAI_ORG_ID\""])
    #expect(exec.stdout == "\(fakeKey("new2")) org-AbCdEf0123456789xyz\n")
  }

  // MARK: import and export

  static let dotenv = """
    # staging settings, pasted from the team wiki

    OPENAI_API_KEY=\(fakeKey("stg1"))
    export OPENAI_ORG_ID = org-Staging123   # the org
    SINGLE='a $literal \\n with "double" quotes'
    DOUBLE="line one\\nline two\\t\\"quoted\\" \\\\ \\$HOME"
    \tINDENTED = "  keeps inner spaces  "
    HASH_INSIDE=abc#def
    CRLF_LINE=ends-with-crlf\r

    """

  static let dotenvValues: [String: String] = [
    "OPENAI_API_KEY": fakeKey("stg1"),
    "OPENAI_ORG_ID": "org-Staging123",
    "SINGLE": "a $literal \\n with \"double\" quotes",
    "DOUBLE": "line one\nline two\t\"quoted\" \\ $HOME",
    "INDENTED": "  keeps inner spaces  ",
    "HASH_INSIDE": "abc#def",
    "CRLF_LINE": "ends-with-crlf",
  ]

  /// Every stored value of `env`, read back with `vault get -n`.
  func values(_ box: Sandbox, env: String, extra: [String] = []) throws -> [String: String] {
    var result: [String: String] = [:]
    for name in Self.dotenvValues.keys {
      let get = try box.run(["get", "--env", env, "-n", name] + extra)
      if get.status == 0 { result[name] = get.stdout }
    }
    return result
  }

  @Test(arguments: ["file", "stdin"])
  func importUnderstandsDotenv(source: String) throws {
    let box = try Sandbox()
    try box.initVault()
    try box.writeFile(
      box.workDirectory.appendingPathComponent(".env.staging").path, Data(Self.dotenv.utf8))
    let result = try box.run(
      ["import", "--env", "staging", source == "file" ? ".env.staging" : "-"],
      stdin: source == "file" ? nil : Self.dotenv)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr == "")
    #expect(
      Set(outputLines(result.stdout))
        == Set(Self.dotenvValues.keys.map { "stored shop/staging/\($0) (version 1)" }))
    for value in Self.dotenvValues.values { expectNoLeak(value, in: result) }
    #expect(try values(box, env: "staging") == Self.dotenvValues)
  }

  /// export's output, imported again, gives the same values, in both formats.
  @Test func exportRoundTrips() throws {
    let box = try Sandbox()
    try box.initVault()
    #expect(try box.run(["import", "--env", "staging", "-"], stdin: Self.dotenv).status == 0)

    let dotenv = try box.run(["export", "--env", "staging", "--format", "dotenv"])
    #expect(dotenv.status == 0, "\(dotenv.stderr)")
    #expect(dotenv.stderr == "")
    // One `NAME="…"` entry per value (DOUBLE's newline is written as it is, on two lines).
    #expect(
      outputLines(dotenv.stdout).filter { line in
        Self.dotenvValues.keys.contains { line.hasPrefix($0 + "=\"") }
      }.count == Self.dotenvValues.count)
    #expect(outputLines(dotenv.stdout).count == Self.dotenvValues.count + 1)
    #expect(
      try box.run(["export", "--env", "staging"]).stdout == dotenv.stdout, "dotenv is the default")
    let reimport = try box.run(["import", "--env", "dev", "-"], stdin: dotenv.stdout)
    #expect(reimport.status == 0, "\(reimport.stderr)")
    #expect(try values(box, env: "dev") == Self.dotenvValues)

    let json = try box.run(["export", "--env", "staging", "--format", "json"])
    #expect(json.status == 0)
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [String: String])
    #expect(parsed == Self.dotenvValues)

    // The exported file written by a shell redirect imports into another project too.
    let exported = box.root.appendingPathComponent("staging.env").path
    let redirect = try box.execute(
      "/bin/sh", ["-c", "\"$0\" export --env staging > \"$1\"", Sandbox.binary, exported])
    #expect(redirect.status == 0)
    let other = try box.run(["import", "--project", "other", "--env", "staging", exported])
    #expect(other.status == 0)
    #expect(try values(box, env: "staging", extra: ["--project", "other"]) == Self.dotenvValues)
  }

  @Test func exportRefusesATerminalWithoutForce() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("stg1"), env: "staging")
    let before = box.fileBytes()
    for format in ["dotenv", "json"] {
      let refused = try box.converseVault(["export", "--env", "staging", "--format", format])
      #expect(refused.status == 64)
      #expect(
        refused.stdout.hasPrefix(
          "vault: error: refusing to print secrets to a terminal; redirect stdout or pass --force\n"
        ))
      #expect(!refused.stdout.contains(fakeKey("stg1")))
    }
    let forced = try box.converseVault(["export", "--env", "staging", "--force"])
    #expect(forced.status == 0)
    #expect(forced.stdout == "OPENAI_API_KEY=\"\(fakeKey("stg1"))\"\n")
    #expect(box.fileBytes() == before)
  }

  // MARK: Projects

  /// In a git work tree the project is the root's name, from any subdirectory.
  @Test func projectIsTheGitRoot() throws {
    let box = try Sandbox()
    try box.initVault()
    let repo = box.home.appendingPathComponent("code/webapp")
    let deep = repo.appendingPathComponent("src/lib")
    try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
    let git = try box.execute("/usr/bin/git", ["init", "-q"], directory: repo)
    #expect(git.status == 0, "\(git.stderr)")

    let set = try box.run(["set", "--env", "dev"], stdin: fakeKey("git1"), directory: deep)
    #expect(set.stdout == "stored webapp/dev/OPENAI_API_KEY  sk-proj-…git1 (version 1)\n")
    let exec = try box.run(
      ["exec", "--", "sh", "-c", "printf %s \"$OPENAI_API_KEY\""], directory: repo)
    #expect(exec.stdout == fakeKey("git1"))

    // Outside a work tree, the current directory's name.
    let plain = box.home.appendingPathComponent("code/notes/sub")
    try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
    let sub = try box.run(["set", "--env", "dev"], stdin: fakeKey("sub1"), directory: plain)
    #expect(sub.stdout == "stored sub/dev/OPENAI_API_KEY  sk-proj-…sub1 (version 1)\n")
  }

  /// `--project` beats `VAULT_PROJECT`, which beats the directory.
  @Test func projectOverrides() throws {
    let box = try Sandbox()
    try box.initVault()
    let flag = try box.run(["set", "--project", "api", "--env", "dev"], stdin: fakeKey("api1"))
    #expect(flag.stdout == "stored api/dev/OPENAI_API_KEY  sk-proj-…api1 (version 1)\n")
    let environment = try box.run(
      ["set", "--env", "dev"], stdin: fakeKey("bil1"), env: ["VAULT_PROJECT": "billing"])
    #expect(environment.stdout == "stored billing/dev/OPENAI_API_KEY  sk-proj-…bil1 (version 1)\n")
    let both = try box.run(
      ["get", "--project", "api"], env: ["VAULT_PROJECT": "billing"])
    #expect(both.stdout == fakeKey("api1") + "\n")
    #expect(
      try box.run(["get"], env: ["VAULT_PROJECT": "billing"]).stdout == fakeKey("bil1") + "\n")
    expectOneError(
      try box.run(["get"]), 2,
      mentioning: "no entries for shop/dev; this vault holds: api (dev), billing (dev)")
    let rows = outputLines(try box.run(["list"]).stdout).map {
      $0.components(separatedBy: "  ").first ?? ""
    }
    #expect(rows == ["api/dev/OPENAI_API_KEY", "billing/dev/OPENAI_API_KEY"])
    #expect(outputLines(try box.run(["list", "--project", "api"]).stdout).count == 1)
  }

  // MARK: Identity

  @Test func identityShowPrintsThePublicIdentity() throws {
    let box = try Sandbox()
    let initRun = try box.run(["init", "--no-passphrase"])
    let announced = try #require(
      outputLines(initRun.stdout).first { $0.hasPrefix("public identity: ") })
    let show = try box.run(["identity", "show"])
    #expect(show.status == 0)
    #expect(show.stdout == announced.dropFirst("public identity: ".count) + "\n")
    #expect(show.stdout.hasPrefix("vault-pub-"))
    #expect(show.stderr == "")
    let secretLine = try String(contentsOfFile: box.identityPath, encoding: .utf8)
      .split(separator: "\n").first { $0.hasPrefix("secret ") }
    let secret = try #require(secretLine).dropFirst("secret ".count)
    #expect(!show.stdout.contains(secret))
  }

  /// passwd with files: the old passphrase stops working, the new one works.
  @Test func passwdFromFiles() throws {
    let (box, old) = try protectedSandbox()
    try box.set(fakeKey(), env: "prod", extra: ["--passphrase-file", old, "--no-cache"])
    let new = try box.writeSandboxFile("new", "an entirely new passphrase\n")
    let vaultBefore = try box.readFile(box.vaultPath)
    let passwd = try box.run([
      "identity", "passwd", "--passphrase-file", old, "--new-passphrase-file", new,
    ])
    #expect(passwd.status == 0, "\(passwd.stderr)")
    #expect(passwd.stdout == "passphrase changed for \(box.identityPath)\n")
    #expect(passwd.stderr == "")
    #expect(try box.readFile(box.vaultPath) == vaultBefore, "passwd must not touch the vault")

    expectOneError(
      try box.run(["get", "--env", "prod", "--no-cache", "--passphrase-file", old]), 3)
    let get = try box.run(["get", "--env", "prod", "--no-cache", "--passphrase-file", new])
    #expect(get.stdout == fakeKey() + "\n")
  }

  /// passwd at a terminal: current, new, repeat; nothing echoed.
  @Test func passwdAtATerminal() throws {
    let (box, old) = try protectedSandbox()
    try box.set(fakeKey(), env: "prod", extra: ["--passphrase-file", old, "--no-cache"])
    let newPassphrase = "violet fjord 1999 quartz"
    let passwd = try box.converseVault(
      ["identity", "passwd"],
      steps: [
        .type(Self.passphrase, after: "Current passphrase: "),
        .type(newPassphrase, after: "New passphrase: "),
        .type(newPassphrase, after: "Repeat passphrase: "),
      ])
    #expect(passwd.status == 0, "\(passwd.stdout)")
    #expect(
      passwd.stdout
        == "Current passphrase: \nNew passphrase: \nRepeat passphrase: \npassphrase changed for \(box.identityPath)\n"
    )
    #expect(!passwd.stdout.contains(Self.passphrase))
    #expect(!passwd.stdout.contains(newPassphrase))

    expectOneError(
      try box.run(["get", "--env", "prod", "--no-cache", "--passphrase-file", old]), 3)
    let newFile = try box.writeSandboxFile("new", newPassphrase)
    #expect(
      try box.run(["get", "--env", "prod", "--no-cache", "--passphrase-file", newFile]).stdout
        == fakeKey() + "\n")
  }

  // MARK: Non-interactive

  /// --passphrase-file and VAULT_PASSPHRASE_FILE unlock without a terminal; the flag wins.
  @Test func passphraseFileFlagAndEnvironment() throws {
    let (box, pass) = try protectedSandbox()
    let wrong = try box.writeSandboxFile("wrong", "wrong wrong wrong\n")
    try box.set(fakeKey(), env: "prod", extra: ["--passphrase-file", pass, "--no-cache"])
    let fromEnvironment = try box.run(
      ["get", "--env", "prod", "--no-cache"], env: ["VAULT_PASSPHRASE_FILE": pass])
    #expect(fromEnvironment.stdout == fakeKey() + "\n")
    let flagWins = try box.run(
      ["get", "--env", "prod", "--no-cache", "--passphrase-file", pass],
      env: ["VAULT_PASSPHRASE_FILE": wrong])
    #expect(flagWins.stdout == fakeKey() + "\n")
    expectOneError(
      try box.run(["get", "--env", "prod", "--no-cache"], env: ["VAULT_PASSPHRASE_FILE": wrong]), 3)
  }

  /// The unlock cache: filled by an unlock, skipped with --no-cache, emptied by lock.
  @Test func unlockCacheAndLock() throws {
    let (box, pass) = try protectedSandbox()
    defer { _ = try? box.run(["lock"]) }
    try box.set(fakeKey(), env: "prod", extra: ["--passphrase-file", pass, "--no-cache"])
    let status = try box.run(["status"])
    if status.stdout.contains("cache:    unavailable") {
      // The kernel refuses keyctl here: every command needs the passphrase, and lock says so.
      #expect(try box.run(["lock"]).stdout == "nothing was cached\n")
      return
    }
    #expect(status.stdout.contains("cache:    locked\n"), "--no-cache must not fill the cache")
    // Without a terminal or a passphrase file, a locked identity cannot be used.
    let noTerminal = ["/usr/bin/setsid", "-w", Sandbox.binary, "get", "--env", "prod"]
    expectOneError(
      try box.execute(noTerminal[0], Array(noTerminal.dropFirst())), 64, mentioning: "no terminal")

    // One unlock with the passphrase fills the cache; then nothing asks.
    #expect(try box.run(["get", "--env", "prod", "--passphrase-file", pass]).status == 0)
    #expect(try box.run(["status"]).stdout.contains("cache:    unlocked (kernel keyring)\n"))
    let cached = try box.execute(noTerminal[0], Array(noTerminal.dropFirst()))
    #expect(cached.stdout == fakeKey() + "\n")
    // ...unless the command is told not to use it.
    let skipped = try box.execute(noTerminal[0], Array(noTerminal.dropFirst()) + ["--no-cache"])
    expectOneError(skipped, 64, mentioning: "no terminal")

    let lock = try box.run(["lock"])
    #expect(lock.stdout == "locked: the cached unlock is gone\n")
    #expect(try box.run(["status"]).stdout.contains("cache:    locked\n"))
    expectOneError(
      try box.execute(noTerminal[0], Array(noTerminal.dropFirst())), 64, mentioning: "no terminal")
    #expect(try box.run(["lock"]).stdout == "nothing was cached\n")
  }

  /// CI: the identity comes from VAULT_IDENTITY or VAULT_IDENTITY_FILE, not the default file.
  @Test func identityFromTheEnvironment() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey(), env: "prod")
    let secret = try secretString(ofIdentityFile: box.identityPath)
    #expect(secret.hasPrefix("VAULT-SECRET-"))
    let moved = box.root.appendingPathComponent("ci-identity").path
    try FileManager.default.moveItem(atPath: box.identityPath, toPath: moved)
    let before = box.fileBytes([box.vaultPath, moved])

    expectOneError(
      try box.run(["get", "--env", "prod"]), 2, mentioning: "no identity at '\(box.identityPath)'")

    let inline = try box.run(["get", "--env", "prod"], env: ["VAULT_IDENTITY": secret])
    #expect(inline.status == 0, "\(inline.stderr)")
    #expect(inline.stdout == fakeKey() + "\n")
    let exec = try box.run(
      ["exec", "--env", "prod", "--", "sh", "-c", "printf %s \"$OPENAI_API_KEY\""],
      env: ["VAULT_IDENTITY": secret])
    #expect(exec.stdout == fakeKey())
    let status = try box.run(["status"], env: ["VAULT_IDENTITY": secret])
    #expect(outputLines(status.stdout).first == "identity: $VAULT_IDENTITY")
    #expect(!status.stdout.contains(secret) && !status.stderr.contains(secret))

    let fromFile = try box.run(["get", "--env", "prod"], env: ["VAULT_IDENTITY_FILE": moved])
    #expect(fromFile.stdout == fakeKey() + "\n")
    let setFromFile = try box.run(
      ["set", "--env", "dev"], stdin: fakeKey("ci01"), env: ["VAULT_IDENTITY_FILE": moved])
    #expect(setFromFile.stdout == "stored shop/dev/OPENAI_API_KEY  sk-proj-…ci01 (version 1)\n")
    #expect(box.fileBytes([moved]) == [moved: before[moved] ?? nil])
    #expect(!FileManager.default.fileExists(atPath: box.identityPath))
  }

  /// --vault PATH, then VAULT_FILE, then the nearest .vault upwards, then the personal vault.
  @Test func vaultFileDiscovery() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("pers"), env: "dev")

    let team = box.root.appendingPathComponent("team.vault").path
    #expect(try box.run(["init", "--no-passphrase", "--vault", team]).status == 0)
    let set = try box.run(["set", "--vault", team, "--env", "dev"], stdin: fakeKey("team"))
    #expect(set.status == 0)
    #expect(try box.run(["get", "--vault", team]).stdout == fakeKey("team") + "\n")
    #expect(try box.run(["get"], env: ["VAULT_FILE": team]).stdout == fakeKey("team") + "\n")
    #expect(try box.run(["get"]).stdout == fakeKey("pers") + "\n")
    #expect(
      try box.run(["get", "--vault", box.vaultPath], env: ["VAULT_FILE": team]).stdout == fakeKey(
        "pers") + "\n")

    // A repository vault at the project root is found from a subdirectory.
    let repoVault = box.workDirectory.appendingPathComponent(".vault").path
    #expect(try box.run(["init", "--no-passphrase", "--vault", repoVault]).status == 0)
    let sub = box.workDirectory.appendingPathComponent("src/lib")
    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
    let repoSet = try box.run(
      ["set", "--env", "dev", "--project", "shop"], stdin: fakeKey("repo"), directory: sub)
    #expect(repoSet.status == 0)
    let status = try box.run(["status"], directory: sub)
    #expect(status.stdout.contains("vault:    \(repoVault)\n"))
    #expect(
      try box.run(["get", "--project", "shop"], directory: sub).stdout == fakeKey("repo") + "\n")
    #expect(
      try box.run(["get", "--project", "shop"], env: ["VAULT_FILE": team], directory: sub).stdout
        == fakeKey("team") + "\n")
    // Outside the repository, the personal vault again, unchanged by all this.
    #expect(
      try box.run(["get", "--project", "shop"], directory: box.home).stdout == fakeKey("pers")
        + "\n")
    let list = try box.run(["list", "--json"])
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: list.stdoutBytes) as? [[String: Any]])
    #expect(parsed.count == 1)
  }

  // MARK: Help

  static let subcommands: [[String]] = [
    ["init"], ["set"], ["get"], ["list"], ["rm"], ["exec"], ["import"], ["export"], ["lock"],
    ["status"], ["identity"], ["identity", "show"], ["identity", "passwd"],
  ]

  @Test(arguments: [[]] + subcommands)
  func helpHasExamples(command: [String]) throws {
    let box = try Sandbox()
    for flag in ["--help", "-h"] {
      let help = try box.run(command + [flag])
      #expect(help.status == 0)
      #expect(help.stdout.contains("Examples:"), "\(command) \(flag)")
      #expect(help.stdout.contains("USAGE: vault \((command).joined(separator: " "))"))
      #expect(help.stderr == "")
    }
  }

  @Test func rootHelpListsEverySubcommand() throws {
    let box = try Sandbox()
    let help = try box.run(["--help"])
    let section = try #require(help.stdout.components(separatedBy: "SUBCOMMANDS:").last)
    let listed = outputLines(section).compactMap { line -> String? in
      guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.hasPrefix("  See ") else {
        return nil
      }
      // "  exec, run   …": the name without its aliases.
      return line.split(separator: " ").first?.split(separator: ",").first.map(String.init)
    }
    #expect(
      listed == [
        "init", "set", "get", "list", "rm", "cp", "mv", "exec", "proxy", "import", "export", "lock",
        "status",
        "identity", "members", "env", "trust", "git", "doctor", "project", "log", "scan",
        "history", "rollback", "openai",
      ])
  }
}
