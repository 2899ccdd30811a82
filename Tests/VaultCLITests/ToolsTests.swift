import Foundation
import Testing

/// Issue 7, point 9: the small things people reach for (cp/mv, exec --map, list --redacted,
/// rm confirmation for prod, status details, init --here's hint, docker export, list
/// alignment). Each runs the built binary in throwaway HOMEs.
@Suite struct ToolsTests {
  /// A sandbox with a no-passphrase identity and a personal vault.
  static func solo() throws -> Sandbox {
    let box = try Sandbox()
    try box.initVault()
    return box
  }

  // MARK: list alignment

  @Test func listColumnsStayAlignedPastV9() throws {
    let box = try Self.solo()
    for index in 0..<10 { try box.set(fakeKey("a\(index)aa"), name: "ALPHA") }
    try box.set(fakeKey("bbbb"), name: "BRAVO")
    let list = try box.ok(["list"])
    let alpha = try #require(listRow(list, "shop/dev/ALPHA"))
    let bravo = try #require(listRow(list, "shop/dev/BRAVO"))
    #expect(alpha.contains("  v10  "), "\(alpha)")
    // Same label width, same date width, same writer: equal rows mean aligned columns.
    #expect(alpha.count == bravo.count, "\n\(alpha)\n\(bravo)")
    #expect(alpha.range(of: " alice")?.lowerBound.utf16Offset(in: alpha)
      == bravo.range(of: " alice")?.lowerBound.utf16Offset(in: bravo))
  }
}

// MARK: status

extension ToolsTests {
  @Test func statusSaysWritesDashForAReadOnlyMember() throws {
    let alice = try Self.solo()
    try alice.ok(["init", "--here", "--no-passphrase"])
    let bob = try Sandbox.person("bob")
    try bob.ok(["init", "--no-passphrase"], directory: bob.root)
    try alice.ok(["members", "add", "bob", try bob.publicIdentity(), "--read", "dev"])
    let status = try bob.ok(["status", "--vault", alice.teamVault])
    #expect(line(status.stdout, startingWith: "writes:") == "writes:   -", "\(status.stdout)")
    #expect(line(status.stdout, startingWith: "reads:") == "reads:    dev", "\(status.stdout)")
  }

  @Test func statusShowsTheTimeLeftOnTheCachedUnlock() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let read = try box.box.run(
      ["get", "--env", "prod", "--cache-ttl", "90m", "--passphrase-file", box.passphraseFile])
    #expect(read.status == 0, "\(read.stderr)")
    let status = try box.status()
    #expect(line(status, startingWith: "cache:") == "cache:    unlocked (kernel keyring)")
    // The kernel counts down from 90m in whole hours, rounded down: 1h until 30m pass.
    #expect(line(status, startingWith: "expires:") == "expires:  in at least 1h", "\(status)")
  }
}

// MARK: export --format docker

extension ToolsTests {
  @Test func exportDockerWritesPlainLines() throws {
    let box = try Self.solo()
    let key = fakeKey("dock")
    try box.set(key, name: "OPENAI_API_KEY")
    try box.set("a value with \"quotes\", $dollars and spaces", name: "OTHER")
    let export = try box.ok(["export", "--format", "docker"])
    #expect(export.stdout == "OPENAI_API_KEY=\(key)\nOTHER=a value with \"quotes\", $dollars and spaces\n")
    #expect(export.stderr == "")
  }

  @Test func exportDockerRefusesAValueWithANewline() throws {
    let box = try Self.solo()
    try box.set(fakeKey("dock"), name: "A_KEY")
    try box.ok(["import", "-"], stdin: "PEM=\"line one\nline two\"\n")
    let export = try box.run(["export", "--format", "docker"])
    expectOneError(export, 64, mentioning: "shop/dev/PEM")
    expectNoLeak("line one", in: export)
    #expect(!export.stdout.contains("A_KEY"))
  }
}

// MARK: rm of a prod entry

extension ToolsTests {
  @Test func rmOfAProdEntryAsksAtATerminal() throws {
    let box = try Self.solo()
    try box.set(fakeKey("prod"), env: "prod")
    let question = "remove shop/prod/OPENAI_API_KEY? [y/N] "
    let declined = try box.converseVault(
      ["rm", "--env", "prod", "OPENAI_API_KEY"], steps: [.type("n", after: question)])
    #expect(declined.status == 130, "\(declined.stdout)")
    #expect(listRow(try box.ok(["list"]), "shop/prod/OPENAI_API_KEY") != nil)
    let accepted = try box.converseVault(
      ["rm", "--env", "prod", "OPENAI_API_KEY"], steps: [.type("y", after: question)])
    #expect(accepted.status == 0, "\(accepted.stdout)")
    #expect(accepted.stdout.contains("removed shop/prod/OPENAI_API_KEY"))
    #expect(listRow(try box.ok(["list"]), "shop/prod/OPENAI_API_KEY") == nil)
  }

  @Test func rmOfAProdEntryWithoutATerminalNeedsYes() throws {
    let box = try Self.solo()
    try box.set(fakeKey("prod"), env: "prod")
    let before = box.fileBytes()
    let refused = try box.run(["rm", "--env", "prod", "OPENAI_API_KEY"])
    expectOneError(refused, 64, mentioning: "--yes")
    #expect(box.fileBytes() == before)
    let removed = try box.ok(["rm", "--env", "prod", "--yes", "OPENAI_API_KEY"])
    #expect(removed.stdout == "removed shop/prod/OPENAI_API_KEY\n")
    // Other environments never ask.
    try box.set(fakeKey("devv"))
    try box.ok(["rm", "OPENAI_API_KEY"])
  }
}

// MARK: exec --map

extension ToolsTests {
  static let showBoth = ["--", "/bin/sh", "-c", "printf '%s|%s' \"$OPENAI_API_KEY\" \"${PROD_OPENAI-unset}\""]

  @Test func execMapInjectsAnEntryUnderAnotherName() throws {
    let box = try Self.solo()
    let dev = fakeKey("dev1")
    let prod = fakeKey("prd2")
    try box.set(dev)
    try box.set(prod, name: "PROD_OPENAI")
    let mapped = try box.ok(["exec", "--map", "OPENAI_API_KEY=PROD_OPENAI"] + Self.showBoth)
    #expect(mapped.stdout == "\(prod)|unset")
    let equals = try box.ok(["exec", "--map=OPENAI_API_KEY=PROD_OPENAI", "--no-cache"] + Self.showBoth)
    #expect(equals.stdout == "\(prod)|unset")
    let plain = try box.ok(["exec"] + Self.showBoth)
    #expect(plain.stdout == "\(dev)|\(prod)")
    // With --only, the maps come on top of the names it lists.
    let only = try box.ok(
      ["exec", "--only", "OPENAI_API_KEY", "--map", "OTHER_NAME=PROD_OPENAI", "--", "/bin/sh", "-c",
       "printf '%s|%s|%s' \"$OPENAI_API_KEY\" \"$OTHER_NAME\" \"${PROD_OPENAI-unset}\""])
    #expect(only.stdout == "\(dev)|\(prod)|unset")
  }

  @Test func execMapChecksTheTargetName() throws {
    let box = try Self.solo()
    try box.set(fakeKey("dev1"))
    let invalid = try box.run(["exec", "--map", "1BAD=OPENAI_API_KEY"] + Self.showBoth)
    expectOneError(invalid, 64, mentioning: "1BAD")
    let reserved = try box.run(["exec", "--map", "NODE_OPTIONS=OPENAI_API_KEY"] + Self.showBoth)
    expectOneError(reserved, 64, mentioning: "--allow-reserved NODE_OPTIONS")
    let allowed = try box.ok(
      ["exec", "--map", "NODE_OPTIONS=OPENAI_API_KEY", "--allow-reserved", "NODE_OPTIONS", "--",
       "/bin/sh", "-c", "printf %s \"$NODE_OPTIONS\""])
    #expect(allowed.stdout == fakeKey("dev1"))
    let missing = try box.run(["exec", "--map", "OPENAI_API_KEY=NOPE"] + Self.showBoth)
    expectOneError(missing, 2, mentioning: "shop/dev/NOPE")
    let shapeless = try box.run(["exec", "--map", "OPENAI_API_KEY"] + Self.showBoth)
    expectOneError(shapeless, 64, mentioning: "TARGET=NAME")
    let twice = try box.run(
      ["exec", "--map", "A=OPENAI_API_KEY", "--map", "A=OPENAI_API_KEY"] + Self.showBoth)
    expectOneError(twice, 64, mentioning: "A")
    let key = fakeKey("leak")
    let pasted = try box.run(["exec", "--map", "OPENAI_API_KEY=\(key)"] + Self.showBoth)
    expectOneError(pasted, 64)
    expectNoLeak(key, in: pasted)
  }
}

// MARK: list --redacted

extension ToolsTests {
  @Test func listRedactedShowsPrefixAndLastFour() throws {
    let box = try Self.solo()
    let key = fakeKey("wxyz")
    try box.set(key)
    let plain = try box.ok(["list"])
    #expect(!plain.stdout.contains("sk-proj-"))
    let redacted = try box.ok(["list", "--redacted"])
    let row = try #require(listRow(redacted, "shop/dev/OPENAI_API_KEY"))
    #expect(row.contains("  sk-proj-…wxyz  v1  "), "\(row)")
    expectNoLeak(key, in: redacted)
    let json = try box.ok(["list", "--json"])
    #expect(!json.stdout.contains("redacted"))
    let redactedJSON = try box.ok(["list", "--json", "--redacted"])
    #expect(redactedJSON.stdout.contains("\"redacted\":\"sk-proj-…wxyz\""), "\(redactedJSON.stdout)")
    expectNoLeak(key, in: redactedJSON)
  }

  @Test func listRedactedNeedsTheUnlockButListDoesNot() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let plain = try box.detached(["list"])
    #expect(plain.status == 0, "\(plain.stderr)")
    let redacted = try box.detached(["list", "--redacted"])
    expectOneError(redacted, 64, mentioning: "no terminal")
    let unlocked = try box.box.run(
      ["list", "--redacted", "--no-cache", "--passphrase-file", box.passphraseFile])
    #expect(unlocked.status == 0, "\(unlocked.stderr)")
    #expect(unlocked.stdout.contains("sk-proj-…"))
  }
}

// MARK: cp and mv

extension ToolsTests {
  @Test func cpCopiesOneEntryBetweenEnvironmentsWithoutPrintingIt() throws {
    let box = try Self.solo()
    let key = fakeKey("cp01")
    try box.set(key)
    let copy = try box.ok(["cp", "OPENAI_API_KEY", "--env", "dev", "--to-env", "prod"])
    #expect(
      copy.stdout
        == "copied shop/dev/OPENAI_API_KEY to shop/prod/OPENAI_API_KEY  sk-proj-…cp01 (version 1)\n")
    expectNoLeak(key, in: copy)
    #expect(try box.execValue(env: "prod").stdout == key)
    #expect(try box.execValue(env: "dev").stdout == key)

    // The destination exists now: refused without --force, and nothing changes.
    try box.set(fakeKey("cp02"))
    let before = box.fileBytes()
    let again = try box.run(["cp", "OPENAI_API_KEY", "--env", "dev", "--to-env", "prod"])
    expectOneError(again, 6, mentioning: "shop/prod/OPENAI_API_KEY")
    #expect(again.stderr.contains("--force"))
    #expect(box.fileBytes() == before)
    let forced = try box.ok(["cp", "OPENAI_API_KEY", "--env", "dev", "--to-env", "prod", "--force"])
    #expect(forced.stdout.hasSuffix("sk-proj-…cp02 (version 2)\n"), "\(forced.stdout)")
    #expect(try box.execValue(env: "prod").stdout == fakeKey("cp02"))
  }

  @Test func cpWithoutANameCopiesTheWholeGroupToAnotherProject() throws {
    let box = try Self.solo()
    try box.set(fakeKey("aaaa"), env: "staging")
    try box.set(fakeKey("bbbb"), env: "staging", name: "SECOND_KEY")
    let copy = try box.ok(["cp", "--env", "staging", "--to-project", "web"])
    #expect(
      outputLines(copy.stdout) == [
        "copied shop/staging/OPENAI_API_KEY to web/staging/OPENAI_API_KEY  sk-proj-…aaaa (version 1)",
        "copied shop/staging/SECOND_KEY to web/staging/SECOND_KEY  sk-proj-…bbbb (version 1)",
      ])
    let web = try box.ok(
      ["exec", "--project", "web", "--env", "staging", "--", "/bin/sh", "-c", "printf %s \"$SECOND_KEY\""])
    #expect(web.stdout == fakeKey("bbbb"))
  }

  @Test func mvMovesInOneWrite() throws {
    let box = try Self.solo()
    try box.set(fakeKey("aaaa"))
    try box.set(fakeKey("bbbb"), name: "SECOND_KEY")
    let move = try box.ok(["mv", "--env", "dev", "--to-env", "staging"])
    #expect(
      outputLines(move.stdout) == [
        "moved shop/dev/OPENAI_API_KEY to shop/staging/OPENAI_API_KEY  sk-proj-…aaaa (version 1)",
        "moved shop/dev/SECOND_KEY to shop/staging/SECOND_KEY  sk-proj-…bbbb (version 1)",
      ])
    let list = try box.ok(["list"])
    #expect(listRow(list, "shop/dev/OPENAI_API_KEY") == nil)
    #expect(listRow(list, "shop/staging/SECOND_KEY") != nil)
    #expect(try box.execValue(env: "staging").stdout == fakeKey("aaaa"))

    // An existing destination stops the move before anything is written.
    try box.set(fakeKey("cccc"))
    let before = box.fileBytes()
    let refused = try box.run(["mv", "OPENAI_API_KEY", "--to-env", "staging"])
    expectOneError(refused, 6, mentioning: "shop/staging/OPENAI_API_KEY")
    #expect(box.fileBytes() == before)
  }

  @Test func cpAndMvBadInput() throws {
    let box = try Self.solo()
    try box.set(fakeKey("aaaa"))
    let before = box.fileBytes()
    expectOneError(try box.run(["cp", "NOPE", "--to-env", "prod"]), 2, mentioning: "shop/dev/NOPE")
    expectOneError(try box.run(["mv", "--env", "staging", "--to-env", "prod"]), 2, mentioning: "shop/staging")
    expectOneError(try box.run(["cp", "OPENAI_API_KEY"]), 64, mentioning: "--to-env")
    expectOneError(try box.run(["mv", "OPENAI_API_KEY", "--to-env", "nope"]), 2, mentioning: "nope")
    #expect(box.fileBytes() == before)
  }

  @Test func cpNeedsWriteAccessToTheDestination() throws {
    let alice = try Sandbox.person("alice")
    try alice.ok(["init", "--here", "--no-passphrase"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    let bob = try Sandbox.person("bob")
    try bob.ok(["init", "--no-passphrase"], directory: bob.root)
    try alice.ok(
      ["members", "add", "bob", try bob.publicIdentity(), "--read", "dev,staging", "--write", "dev"])
    let vault = alice.teamVault
    _ = try bob.run(["list", "--vault", vault])  // pins the owners
    let before = try alice.readFile(vault)
    let copy = try bob.run(["cp", "--vault", vault, "--project", "shop", "--env", "dev", "--to-env", "staging"])
    expectOneError(copy, 4, mentioning: "staging")
    #expect(try alice.readFile(vault) == before)
  }

  @Test func cpFromVaultCopiesFromAnotherVaultFile() throws {
    let box = try Self.solo()
    try box.set(fakeKey("pers"), env: "prod")
    try box.set(fakeKey("othr"), env: "prod", name: "OTHER_KEY")
    try box.ok(["init", "--here", "--no-passphrase"])
    let copy = try box.ok(
      ["cp", "--from-vault", box.vaultPath, "--env", "prod", "OTHER_KEY", "--to-env", "staging"])
    #expect(
      copy.stdout
        == "copied \(box.vaultPath):shop/prod/OTHER_KEY to shop/staging/OTHER_KEY  sk-proj-…othr (version 1)\n")
    let team = try box.ok(["list", "--vault", box.teamVault])
    #expect(outputLines(team.stdout).count == 1 && listRow(team, "shop/staging/OTHER_KEY") != nil)
    let missing = try box.run(["cp", "--from-vault", box.vaultPath, "--env", "dev"])
    expectOneError(missing, 2, mentioning: "shop/dev")
  }
}

// MARK: init --here

extension ToolsTests {
  @Test func initHereSaysHowToMoveEntriesAndCpFromVaultDoesIt() throws {
    let box = try Self.solo()
    let key = fakeKey("pers")
    try box.set(key, env: "prod")
    let created = try box.ok(["init", "--here", "--no-passphrase"])
    #expect(
      created.stdout.contains(
        "vault cp --from-vault \(box.vaultPath) --env prod"), "\(created.stdout)")
    let copy = try box.ok(["cp", "--from-vault", box.vaultPath, "--env", "prod"])
    #expect(
      copy.stdout
        == "copied \(box.vaultPath):shop/prod/OPENAI_API_KEY to shop/prod/OPENAI_API_KEY  sk-proj-…pers (version 1)\n",
      "\(copy.stdout)")
    expectNoLeak(key, in: copy)
    let list = try box.ok(["list", "--vault", box.teamVault])
    #expect(listRow(list, "shop/prod/OPENAI_API_KEY") != nil)
    // The personal vault keeps its copy.
    #expect(listRow(try box.ok(["list", "--vault", box.vaultPath]), "shop/prod/OPENAI_API_KEY") != nil)
  }
}
