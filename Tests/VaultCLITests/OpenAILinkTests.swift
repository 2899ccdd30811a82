import Foundation
import Testing
import VaultCore

extension Sandbox {
  /// Changes the vault at `path` through VaultCore as this person, the way `vault openai`
  /// records links and rotations (those commands live in `vault-net`): parse, change, write.
  func changeVault(
    at path: String, _ change: (inout VaultFile, Identity) throws -> Void
  ) throws {
    var file = try VaultFile.parse(Array(try readFile(path)), path: path)
    try change(&file, try identity())
    try writeFile(path, Data(file.serialized()))
  }
}

/// What `history`, `list`, `status` and `git diff` show of OpenAI links and pending rotations,
/// and what the merge driver does with them (FileFormat.md, "OpenAI links and rotations").
@Suite struct OpenAILinkTests {
  static func link(_ key: String, version: UInt64, name: String = "OPENAI_API_KEY")
    -> OpenAILink
  {
    OpenAILink(
      name: name, version: version, project: "proj_shop", keyID: key, account: "svc_acct_deploy",
      scopes: ["api.model.read"])
  }

  static func rotation(_ step: PendingRotation.Step) -> PendingRotation {
    PendingRotation(
      name: "OPENAI_API_KEY", step: step, time: "2026-11-30T08:00:00Z", project: "proj_shop",
      oldKey: "key_old", oldAccount: "svc_acct_deploy",
      newKey: step == .started ? nil : "key_new",
      newAccount: step == .started ? nil : "svc_acct_deploy")
  }

  /// A personal vault whose prod OPENAI_API_KEY was stored twice.
  func twoVersions() throws -> (Sandbox, [String]) {
    let box = try Sandbox()
    try box.initVault()
    let values = [fakeKey("one1"), fakeKey("two2")]
    for value in values { try box.ok(["set", "--env", "prod"], stdin: value) }
    return (box, values)
  }

  func link(_ box: Sandbox, _ link: OpenAILink, path: String? = nil, env: String = "prod") throws {
    try box.changeVault(at: path ?? box.vaultPath) { file, identity in
      try file.setLink(link, project: "shop", environment: env, identity: identity)
    }
  }

  func rotate(_ box: Sandbox, _ rotation: PendingRotation?, path: String? = nil) throws {
    try box.changeVault(at: path ?? box.vaultPath) { file, identity in
      try file.setRotation(
        rotation, name: "OPENAI_API_KEY", project: "shop", environment: "prod",
        identity: identity)
    }
  }

  @Test func historyShowsTheOpenAIKeyOfEachVersion() throws {
    let (box, values) = try twoVersions()
    // No version linked: no column.
    let before = outputLines(try box.ok(["history", "--env", "prod"]).stdout)
    #expect(before.allSatisfy { !$0.contains("key_") && !$0.contains("  -  ") }, "\(before)")
    try link(box, Self.link("key_one", version: 1))
    let history = try box.ok(["history", "--env", "prod"])
    let rows = outputLines(history.stdout)
    #expect(rows.count == 2)
    #expect(rows[0].hasPrefix("shop/prod/OPENAI_API_KEY  v2 (current)  "), "\(rows)")
    #expect(rows[0].hasSuffix("  -        alice"), "\(rows)")
    #expect(rows[1].hasSuffix("  key_one  alice"), "\(rows)")
    #expect(rows[1].contains("sk-proj-…one1  key_one"), "\(rows)")
    for value in values { expectNoLeak(value, in: history) }
    // Without redacted forms, nothing is decrypted; the key ids are still there.
    let plain = outputLines(
      try box.ok(["history", "--env", "prod", "OPENAI_API_KEY", "--no-redacted"]).stdout)
    #expect(plain[1].hasSuffix("  key_one  alice") && !plain[1].contains("sk-"), "\(plain)")
    // A rollback to version 1 is the same key at OpenAI: version 3 carries key_one.
    try box.ok(["rollback", "--env", "prod", "--to", "1"])
    let after = outputLines(try box.ok(["history", "--env", "prod", "--no-redacted"]).stdout)
    #expect(after[0].hasPrefix("shop/prod/OPENAI_API_KEY  v3 (current)  "), "\(after)")
    #expect(after[0].hasSuffix("  key_one  alice"), "\(after)")
    // A new value is a different key until linked.
    try box.ok(["set", "--env", "prod"], stdin: fakeKey("fou4"))
    let fourth = outputLines(try box.ok(["history", "--env", "prod", "--no-redacted"]).stdout)
    #expect(fourth[0].hasSuffix("  -        alice"), "\(fourth)")
  }

  @Test func listShowsTheCurrentVersionsKeyId() throws {
    let (box, values) = try twoVersions()
    try box.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    // Version 1 linked: not the current one, so list shows nothing of it.
    try link(box, Self.link("key_one", version: 1))
    var list = try box.ok(["list"])
    #expect(!list.stdout.contains("openai:"), "\(list.stdout)")
    try link(box, Self.link("key_two", version: 2))
    try rotate(box, Self.rotation(.stored))
    list = try box.ok(["list"])
    let row = try #require(listRow(list, "shop/prod/OPENAI_API_KEY"))
    #expect(row.hasSuffix("  alice  openai:key_two  rotation stored"), "\(row)")
    #expect(listRow(list, "shop/dev/OPENAI_API_KEY")?.hasSuffix("  alice") == true)
    for value in values { expectNoLeak(value, in: list) }
    let json = try box.ok(["list", "--json"])
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [[String: Any]])
    let prod = try #require(parsed.first { $0["environment"] as? String == "prod" })
    let dev = try #require(parsed.first { $0["environment"] as? String == "dev" })
    #expect(prod["openai_key_id"] as? String == "key_two")
    #expect(prod["rotation"] as? String == "stored")
    #expect(dev["openai_key_id"] is NSNull && dev["rotation"] is NSNull)
  }

  @Test func statusShowsAPendingRotationAtEachStep() throws {
    let (box, _) = try twoVersions()
    let quiet = try box.ok(["status"])
    #expect(!quiet.stdout.contains("rotation:"), "\(quiet.stdout)")
    let expected: [(PendingRotation.Step, String)] = [
      (
        .started,
        "rotation: shop/prod/OPENAI_API_KEY rotation started 2026-11-30T08:00:00Z and not"
          + " finished (old key key_old); a new key may exist at OpenAI that the vault does"
          + " not hold: run `vault openai rotate --project shop --env prod`"
      ),
      (
        .stored,
        "rotation: shop/prod/OPENAI_API_KEY rotation pending (stored key_new; the old key"
          + " key_old is still active at OpenAI): run `vault openai rotate --project shop"
          + " --env prod`"
      ),
      (
        .manual,
        "rotation: shop/prod/OPENAI_API_KEY rotation pending (stored key_new); delete the old"
          + " key key_old in OpenAI's dashboard (project proj_shop), then run `vault openai"
          + " rotate --project shop --env prod`"
      ),
    ]
    for (step, line) in expected {
      try rotate(box, Self.rotation(step))
      let status = try box.run(["status"])
      #expect(status.status == 0, "\(status.stderr)")
      #expect(outputLines(status.stdout).contains(line), "\(status.stdout)")
    }
    // Removing the name removes its rotation; status is quiet again.
    try box.ok(["rm", "--env", "prod", "--yes", "OPENAI_API_KEY"])
    #expect(!(try box.ok(["status"]).stdout.contains("rotation:")))
  }

  @Test func gitDiffShowsKeyIdsAndRotations() throws {
    let (box, values) = try twoVersions()
    try link(box, Self.link("key_one", version: 1))
    try link(box, Self.link("key_two", version: 2))
    try rotate(box, Self.rotation(.stored))
    let diff = try box.ok(["git", "diff", "--", box.vaultPath])
    let lines = outputLines(diff.stdout)
    let current = try #require(lines.first { $0.hasPrefix("shop/prod/OPENAI_API_KEY v2 ") })
    let older = try #require(lines.first { $0.hasPrefix("shop/prod/OPENAI_API_KEY v1 ") })
    #expect(current.hasSuffix(" alice openai:key_two"), "\(current)")
    #expect(older.hasSuffix(" alice older openai:key_one"), "\(older)")
    #expect(
      lines.contains(
        "shop/prod/OPENAI_API_KEY rotation stored 2026-11-30T08:00:00Z key_old -> key_new"),
      "\(lines)")
    for value in values { expectNoLeak(value, in: diff) }
  }

  @Test func exposedLinesAreRefusedUnsignedAndReadByExec() throws {
    let (box, values) = try twoVersions()
    try link(box, Self.link("key_two", version: 2))
    try rotate(box, Self.rotation(.stored))
    // exec and get read a group with openai and rotation lines.
    #expect(try box.execValue(env: "prod").stdout == values[1])
    #expect(try box.ok(["get", "--env", "prod"]).stdout == values[1] + "\n")
    // A key id changed without re-signing: the group does not verify anywhere.
    let text = try String(contentsOfFile: box.vaultPath, encoding: .utf8)
    try box.writeFile(
      box.vaultPath, Data(text.replacingOccurrences(of: " key_two ", with: " key_evil ").utf8))
    expectOneError(try box.run(["get", "--env", "prod"]), 5)
    expectOneError(try box.run(["list"]), 5)
  }

  // MARK: Merges through real git

  /// alice and bob each link the same version of shop/prod/OPENAI_API_KEY, to different
  /// keys: a conflict that names it, never one key id picked silently; `git resolve` takes
  /// a side, link included.
  @Test func theSameVersionLinkedDifferentlyOnBothSidesConflicts() throws {
    let repo = try GitMergeTests().makeRepo(bobReads: "dev,prod", bobWrites: "dev,prod")
    let (alice, bob) = (repo.alice, repo.bob)
    try link(alice, Self.link("key_alice", version: 1), path: alice.teamVault)
    try alice.git(["commit", "-q", "-am", "alice links"])
    try alice.git(["push", "-q", "origin", "main"])
    try link(bob, Self.link("key_bob", version: 1), path: bob.teamVault)
    try bob.git(["commit", "-q", "-am", "bob links"])
    try bob.git(["fetch", "-q", "origin"])
    let merge = try bob.git(["merge", "--no-edit", "origin/main"], check: false)
    #expect(merge.status != 0)
    let output = merge.stdout + merge.stderr
    #expect(output.contains("shop/prod/OPENAI_API_KEY changed on both branches"), "\(output)")
    let resolve = try bob.ok(
      ["git", "resolve", "--project", "shop", "--env", "prod", "--take", "theirs"])
    #expect(resolve.stdout.contains("shop/prod/OPENAI_API_KEY: took theirs"), "\(resolve.stdout)")
    #expect(
      listRow(try bob.ok(["list"]), "shop/prod/OPENAI_API_KEY")?.hasSuffix("openai:key_alice")
        == true)
  }

  /// Links and rotations travel with their versions: alice links prod and records a
  /// rotation, bob stores a new dev value; the merge is clean and keeps both. Then bob
  /// stores a new prod value while alice's link stands on version 1: a conflict (both
  /// changed the name), not a silent drop of the link or the value.
  @Test func linksAndRotationsTravelWithTheirVersions() throws {
    let repo = try GitMergeTests().makeRepo(bobReads: "dev,prod", bobWrites: "dev,prod")
    let (alice, bob) = (repo.alice, repo.bob)
    try link(alice, Self.link("key_one", version: 1), path: alice.teamVault)
    try rotate(alice, Self.rotation(.manual), path: alice.teamVault)
    try alice.git(["commit", "-q", "-am", "alice links and rotates"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev", "OTHER_KEY"], stdin: "value-other")
    try bob.git(["commit", "-q", "-am", "bob adds"])
    try bob.git(["fetch", "-q", "origin"])
    let merge = try bob.git(["merge", "--no-edit", "origin/main"], check: false)
    #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
    let text = try String(contentsOfFile: bob.teamVault, encoding: .utf8)
    #expect(text.contains("\nopenai shop prod OPENAI_API_KEY 1 proj_shop key_one "), "\(text)")
    #expect(text.contains("\nrotation shop prod OPENAI_API_KEY manual "), "\(text)")
    let list = try bob.ok(["list"])
    #expect(
      listRow(list, "shop/prod/OPENAI_API_KEY")?.hasSuffix("openai:key_one  rotation manual")
        == true, "\(list.stdout)")
    #expect(try bob.ok(["get", "--env", "dev", "OTHER_KEY"]).stdout == "value-other\n")
    try bob.git(["push", "-q", "origin", "main"])

    // Both sides change the name: alice relinks version 1, bob stores version 2.
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    try link(alice, Self.link("key_relinked", version: 1), path: alice.teamVault)
    try alice.git(["commit", "-q", "-am", "alice relinks"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "prod"], stdin: fakeKey("bob2"))
    try bob.git(["commit", "-q", "-am", "bob stores v2"])
    try bob.git(["fetch", "-q", "origin"])
    let conflict = try bob.git(["merge", "--no-edit", "origin/main"], check: false)
    #expect(conflict.status != 0)
    #expect(
      (conflict.stdout + conflict.stderr).contains(
        "shop/prod/OPENAI_API_KEY changed on both branches"), "\(conflict.stdout)")
    try bob.git(["merge", "--abort"])
  }
}
