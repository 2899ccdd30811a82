import Foundation
import Testing
import VaultCore

/// Issue 9, history: `vault history`, `get --at-version`, `rollback`, `history --keep`, and
/// what re-keys, merges and tampering do to older versions (FileFormat.md, "History").
@Suite struct HistoryTests {
  /// A personal vault whose prod OPENAI_API_KEY was stored three times.
  func threeVersions() throws -> (Sandbox, [String]) {
    let box = try Sandbox()
    try box.initVault()
    let values = [fakeKey("one1"), fakeKey("two2"), fakeKey("thr3")]
    for value in values { try box.ok(["set", "--env", "prod"], stdin: value) }
    return (box, values)
  }

  /// The vault's lines.
  func lines(_ box: Sandbox) throws -> [String] {
    outputLines(try String(contentsOfFile: box.vaultPath, encoding: .utf8))
  }

  func write(_ box: Sandbox, _ lines: [String]) throws {
    try box.writeFile(box.vaultPath, Data((lines.joined(separator: "\n") + "\n").utf8))
  }

  @Test func historyListsThreeVersionsWithRedactedFormsAndNeverValues() throws {
    let (box, values) = try threeVersions()
    let history = try box.ok(["history", "--env", "prod"])
    let rows = outputLines(history.stdout)
    #expect(rows.count == 3, "\(history.stdout)")
    #expect(rows[0].hasPrefix("shop/prod/OPENAI_API_KEY  v3 (current)  "), "\(rows)")
    #expect(rows[1].hasPrefix("shop/prod/OPENAI_API_KEY  v2  "), "\(rows)")
    #expect(rows[2].hasPrefix("shop/prod/OPENAI_API_KEY  v1  "), "\(rows)")
    for (row, tag) in zip(rows, ["thr3", "two2", "one1"]) {
      #expect(row.contains("sk-proj-…\(tag)") && row.hasSuffix("alice"), "\(row)")
    }
    for value in values { expectNoLeak(value, in: history) }
    // Without redacted forms nothing is decrypted: the same rows without them.
    let plain = try box.ok(["history", "--env", "prod", "OPENAI_API_KEY", "--no-redacted"])
    #expect(outputLines(plain.stdout).count == 3)
    #expect(!plain.stdout.contains("sk-proj-"))
    // list shows the current version only.
    let list = try box.ok(["list"])
    #expect(outputLines(list.stdout).count == 1)
    #expect(listRow(list, "shop/prod/OPENAI_API_KEY")?.contains("  v3  (3 kept)  ") == true)
    let json = try box.ok(["list", "--json"])
    #expect(json.stdout.contains("\"version\":3,"), "\(json.stdout)")
    #expect(json.stdout.contains("\"versions_kept\":3}"), "\(json.stdout)")
  }

  @Test func getAtVersionReadsEachKeptVersion() throws {
    let (box, values) = try threeVersions()
    for (index, value) in values.enumerated() {
      let get = try box.ok(["get", "--env", "prod", "--at-version", String(index + 1)])
      #expect(get.stdout == value + "\n")
    }
    #expect(try box.ok(["get", "--env", "prod"]).stdout == values[2] + "\n")
    // exec injects the current version, as before.
    #expect(try box.execValue(env: "prod").stdout == values[2])
    let missing = try box.run(["get", "--env", "prod", "--at-version", "4"])
    expectOneError(missing, 2, mentioning: "keeps no version 4; it keeps v3, v2, v1")
    let otherName = try box.run(["get", "--env", "prod", "--at-version", "1", "NOPE"])
    expectOneError(otherName, 2, mentioning: "no entry shop/prod/NOPE")
  }

  @Test func rollbackStoresTheOldValueAsANewVersion() throws {
    let (box, values) = try threeVersions()
    let rollback = try box.ok(["rollback", "--env", "prod", "--to", "1"])
    #expect(rollback.stdout == "stored shop/prod/OPENAI_API_KEY v4 with the value of v1\n")
    expectNoLeak(values[0], in: rollback)
    #expect(try box.ok(["get", "--env", "prod"]).stdout == values[0] + "\n")
    #expect(try box.ok(["get", "--env", "prod", "--at-version", "3"]).stdout == values[2] + "\n")
    let rows = outputLines(try box.ok(["history", "--env", "prod"]).stdout)
    #expect(rows.count == 4)
    #expect(rows[0].hasPrefix("shop/prod/OPENAI_API_KEY  v4 (current)") && rows[0].contains("…one1"))
    // Rolling back to the current version is refused and changes nothing.
    let before = box.fileBytes()
    expectOneError(
      try box.run(["rollback", "--env", "prod", "--to", "4"]), 64,
      mentioning: "version 4 is the current version")
    expectOneError(try box.run(["rollback", "--env", "prod", "--to", "9"]), 2)
    #expect(box.fileBytes() == before)
  }

  @Test func keepingTwoVersionsDropsOlderOnesAtTheNextWrite() throws {
    let (box, values) = try threeVersions()
    let keep = try box.ok(["history", "--keep", "2"])
    #expect(keep.stdout.hasPrefix("each entry now keeps 2 versions"))
    #expect(try lines(box).contains("history 2"))
    #expect(try box.ok(["history", "--keep", "2"]).stdout.hasPrefix("each entry already keeps 2"))
    // Nothing dropped until the entry is written again.
    #expect(outputLines(try box.ok(["history", "--env", "prod"]).stdout).count == 3)
    try box.ok(["set", "--env", "prod"], stdin: fakeKey("fou4"))
    let rows = outputLines(try box.ok(["history", "--env", "prod"]).stdout)
    #expect(rows.count == 2, "\(rows)")
    #expect(rows[1].hasPrefix("shop/prod/OPENAI_API_KEY  v3"))
    expectOneError(try box.run(["get", "--env", "prod", "--at-version", "2"]), 2)
    #expect(try box.ok(["get", "--env", "prod", "--at-version", "3"]).stdout == values[2] + "\n")
    // One version: no history at all.
    try box.ok(["history", "--keep", "1"])
    try box.ok(["set", "--env", "prod"], stdin: fakeKey("fiv5"))
    #expect(outputLines(try box.ok(["history", "--env", "prod"]).stdout).count == 1)
  }

  @Test func removingAnEntryDropsItsHistoryAndKeepsCounting() throws {
    let (box, _) = try threeVersions()
    try box.ok(["rm", "--env", "prod", "--yes", "OPENAI_API_KEY"])
    #expect(try !lines(box).contains { $0.hasPrefix("entry ") })
    try box.ok(["set", "--env", "prod"], stdin: fakeKey("new4"))
    let rows = outputLines(try box.ok(["history", "--env", "prod"]).stdout)
    #expect(rows.count == 1 && rows[0].contains("v4 (current)"), "\(rows)")
  }

  @Test func badVersionNumbersAreUsageErrorsAndChangeNothing() throws {
    let (box, values) = try threeVersions()
    let before = box.fileBytes()
    for word in ["0", "-1", "99999999999999999999", "9223372036854775808", "abc", "1.0", "+1", " 1", ""] {
      let get = try box.run(["get", "--env", "prod", "--at-version=\(word)"])
      expectOneError(get, 64)
      let rollback = try box.run(["rollback", "--env", "prod", "--to=\(word)"])
      expectOneError(rollback, 64)
      for value in values { expectNoLeak(value, in: get) }
    }
    expectOneError(try box.run(["history", "--keep", "0"]), 64)
    expectOneError(try box.run(["history", "--keep", "101"]), 64, mentioning: "from 1 to 100")
    // A pasted key where a number goes is not echoed.
    let pasted = try box.run(["get", "--env", "prod", "--at-version", values[0]])
    expectOneError(pasted, 64)
    expectNoLeak(values[0], in: pasted)
    // The largest version the format allows is a version this entry does not keep.
    expectOneError(try box.run(["get", "--env", "prod", "--at-version", "9223372036854775807"]), 2)
    #expect(box.fileBytes() == before)
  }

  // MARK: Tampering

  /// The indexes of the prod entry lines (current first, then older versions).
  func entryLines(_ all: [String]) -> [Int] {
    all.indices.filter { all[$0].hasPrefix("entry shop prod OPENAI_API_KEY ") }
  }

  func expectRefused(_ box: Sandbox, mentioning needle: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
    expectOneError(try box.run(["get", "--env", "prod"]), 5, mentioning: needle, sourceLocation: sourceLocation)
    expectOneError(try box.run(["history", "--env", "prod"]), 5, mentioning: needle, sourceLocation: sourceLocation)
    expectOneError(try box.run(["list"]), 5, mentioning: needle, sourceLocation: sourceLocation)
  }

  @Test func anOldVersionAlteredRemovedReorderedOrDuplicatedIsRefused() throws {
    let (box, _) = try threeVersions()
    let original = try lines(box)
    let entries = entryLines(original)
    #expect(entries.count == 3)

    // Altered: a byte of v2's ciphertext (its signature and the group's break).
    var altered = original
    var fields = altered[entries[1]].split(separator: " ").map(String.init)
    fields[10] = String(fields[10].prefix(5)) + (fields[10].dropFirst(5).first == "A" ? "B" : "A")
      + String(fields[10].dropFirst(6))
    altered[entries[1]] = fields.joined(separator: " ")
    try write(box, altered)
    try expectRefused(box)

    // Removed: v1's line (the group signature covers it).
    var removed = original
    removed.remove(at: entries[2])
    try write(box, removed)
    try expectRefused(box, mentioning: "signature")

    // Reordered: v1 before v2 (versions must decrease).
    var reordered = original
    reordered.swapAt(entries[1], entries[2])
    try write(box, reordered)
    try expectRefused(box)

    // Duplicated: v2 twice.
    var duplicated = original
    duplicated.insert(original[entries[1]], at: entries[1])
    try write(box, duplicated)
    try expectRefused(box, mentioning: "duplicate")

    // An older version above the current one: v3 moved after v2.
    var higher = original
    higher.swapAt(entries[0], entries[1])
    try write(box, higher)
    try expectRefused(box, mentioning: "out of order")

    try write(box, original)
    #expect(try box.ok(["get", "--env", "prod", "--at-version", "1"]).status == 0)
  }

  // MARK: Teams

  /// alice stores prod three times while ci can read it, then removes ci: prod is re-keyed,
  /// the older versions (all readable by ci) are dropped, and the current one is flagged.
  @Test func removingAMemberReKeysAndDropsTheHistoryTheyCouldRead() throws {
    let team = try TeamTests.makeTeam()
    let alice = team.alice
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd2"))
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd3"))
    #expect(outputLines(try alice.ok(["history", "--env", "prod"]).stdout).count == 3)
    // ci reads every version before the removal.
    let ciEnv = ["VAULT_IDENTITY": team.ciSecret]
    let ciOld = try alice.run(["get", "--env", "prod", "--at-version", "1"], env: ciEnv)
    #expect(ciOld.stdout == fakeKey("prd1") + "\n", "\(ciOld.stderr)")
    let before = try String(contentsOfFile: alice.teamVault, encoding: .utf8)

    try alice.ok(["members", "rm", "ci"])
    let rows = outputLines(try alice.ok(["history", "--env", "prod"]).stdout)
    #expect(rows.count == 1 && rows[0].contains("v3 (current)"), "\(rows)")
    #expect(try alice.ok(["get", "--env", "prod"]).stdout == fakeKey("prd3") + "\n")
    expectOneError(try alice.run(["get", "--env", "prod", "--at-version", "1"]), 2)
    let list = try alice.ok(["list", "--env", "prod"])
    #expect(listRow(list, "shop/prod/OPENAI_API_KEY")?.contains("rotate: exposed to ci") == true)
    // ci's seal of the old file opens the old prod key, which nothing in the new file uses.
    let after = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    let oldKey = before.split(separator: "\n").first { $0.hasPrefix("env prod ") }
    let newKey = after.split(separator: "\n").first { $0.hasPrefix("env prod ") }
    #expect(oldKey != nil && oldKey != newKey)
    #expect(!after.contains("entry shop prod OPENAI_API_KEY 1 "))
    #expect(!after.contains("entry shop prod OPENAI_API_KEY 2 "))
    expectOneError(try alice.run(["get", "--env", "prod"], env: ciEnv), 4)
    // A new version clears the flag, and history starts again from there.
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd4"))
    let list2 = try alice.ok(["list", "--env", "prod"])
    #expect(listRow(list2, "shop/prod/OPENAI_API_KEY")?.contains("rotate") == false)
    #expect(outputLines(try alice.ok(["history", "--env", "prod"]).stdout).count == 2)
  }

  /// bob loses write access to dev (members set): the older versions he wrote are re-signed
  /// by alice, so they keep verifying and reading.
  @Test func takingWriteAccessAwayReSignsOlderVersions() throws {
    let team = try TeamTests.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try alice.ok(["members", "set", "bob", "--read", "dev,staging", "--write", "dev"])
    try alice.git(["commit", "-q", "-am", "bob writes dev"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.cloneTeamRepository(team.origin)
    try bob.ok(["set", "--env", "dev"], stdin: fakeKey("bob2"))
    try bob.ok(["set", "--env", "dev"], stdin: fakeKey("bob3"))
    try bob.git(["commit", "-q", "-am", "bob stores dev"])
    try bob.git(["push", "-q", "origin", "main"])
    try alice.git(["pull", "-q", "origin", "main"])
    try alice.ok(["members", "set", "bob", "--write", ""])
    let rows = outputLines(try alice.ok(["history", "--env", "dev"]).stdout)
    #expect(rows.count == 3, "\(rows)")
    #expect(try alice.ok(["get", "--env", "dev", "--at-version", "2"]).stdout == fakeKey("bob2") + "\n")
  }

  /// Two branches each store a new version of the same entry: a conflict, as before
  /// history; one branch alone adding a version merges with every older version kept.
  @Test func mergesCarryHistoryAndConflictOnTwoNewVersions() throws {
    let merge = GitMergeTests()
    let repo = try merge.makeRepo()
    let (alice, bob) = (repo.alice, repo.bob)
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("ali2"))
    try alice.git(["commit", "-q", "-am", "alice v2"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev", "OTHER"], stdin: "other-value")
    try bob.git(["commit", "-q", "-am", "bob adds OTHER"])
    let clean = try merge.fetchAndMerge(bob)
    #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
    let rows = outputLines(try bob.ok(["history", "--env", "dev", "OPENAI_API_KEY"]).stdout)
    #expect(rows.count == 2, "\(rows)")
    #expect(try bob.ok(["get", "--env", "dev", "--at-version", "1"]).stdout == fakeKey("dev1") + "\n")
    try bob.git(["push", "-q", "origin", "main"])

    try alice.git(["pull", "-q", "origin", "main"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("ali3"))
    try alice.git(["commit", "-q", "-am", "alice v3"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev"], stdin: fakeKey("bob3"))
    try bob.git(["commit", "-q", "-am", "bob v3"])
    let conflict = try merge.fetchAndMerge(bob)
    #expect(conflict.status != 0)
    let output = conflict.stdout + conflict.stderr
    #expect(output.contains("shop/dev/OPENAI_API_KEY changed on both branches"), "\(output)")
    try bob.git(["merge", "--abort"])
  }

  /// `git diff` shows every version line it changes, never a value.
  @Test func gitDiffShowsVersions() throws {
    let merge = GitMergeTests()
    let repo = try merge.makeRepo()
    let alice = repo.alice
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("ali2"))
    let diff = try alice.git(["diff"])
    #expect(diff.stdout.contains("shop/dev/OPENAI_API_KEY v2"), "\(diff.stdout)")
    #expect(diff.stdout.contains("shop/dev/OPENAI_API_KEY v1"), "\(diff.stdout)")
    #expect(!diff.stdout.contains(fakeKey("ali2")) && !diff.stdout.contains(fakeKey("dev1")))
  }
}
