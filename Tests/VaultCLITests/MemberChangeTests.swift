import Foundation
import Testing
import VaultCore

/// `vault members set` (issue 7, point 4): narrowing, widening, ownership, renaming and the
/// refusals, with alice, bob and CI in their own HOMEs over a real git remote.
@Suite struct MemberChangeTests {
  /// The header's membership generation.
  func generation(_ box: Sandbox) throws -> Int {
    let text = try String(contentsOfFile: box.teamVault, encoding: .utf8)
    let field = try #require(line(text, startingWith: "generation "))
    return try #require(Int(field.dropFirst("generation ".count)))
  }

  func push(_ box: Sandbox, _ message: String) throws {
    try box.git(["commit", "-q", "-am", message])
    try box.git(["push", "-q", "origin", "main"])
  }

  func pull(_ box: Sandbox) throws {
    try box.git(["pull", "-q", "--no-rebase", "origin", "main"])
  }

  @Test func narrowingReadReKeysAndFlagsLikeRemoval() throws {
    let team = try TeamTests.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    #expect(try bob.execValue(env: "staging").stdout == team.values["staging"])
    let before = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    let generationBefore = try generation(alice)

    let set = try alice.ok(["members", "set", "bob", "--read", "dev"])
    #expect(outputLines(set.stdout) == [
      "bob: read dev, write -",
      "re-keyed staging; `vault list` shows the entries to rotate",
    ])
    #expect(try generation(alice) == generationBefore + 1)
    let after = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    #expect(line(after, startingWith: "env staging ") != line(before, startingWith: "env staging "))
    #expect(line(after, startingWith: "env dev ") == line(before, startingWith: "env dev "))
    #expect(line(after, startingWith: "env prod ") == line(before, startingWith: "env prod "))
    let list = try alice.ok(["list"])
    #expect(listRow(list, "shop/staging/OPENAI_API_KEY")?.hasSuffix("rotate: exposed to bob") == true)
    #expect(listRow(list, "shop/dev/OPENAI_API_KEY")?.contains("rotate") == false)
    #expect(try alice.execValue(env: "staging").stdout == team.values["staging"])
    try push(alice, "bob reads dev only")

    try pull(bob)
    let staging = try bob.execValue(env: "staging")
    expectOneError(staging, 4, mentioning: "bob cannot read shop/staging")
    expectNoLeak(team.values["staging"] ?? "?", in: staging)
    #expect(try bob.execValue(env: "dev").stdout == team.values["dev"])
  }

  @Test func wideningSealsWithoutReEncryption() throws {
    let team = try TeamTests.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    let before = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    let set = try alice.ok(["members", "set", "bob", "--read", "dev,staging,prod", "--write", "dev"])
    #expect(outputLines(set.stdout) == [
      "bob: read dev,prod,staging, write dev", "sealed prod to bob; nothing re-encrypted",
    ])
    let after = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    let entries = { (text: String) in outputLines(text).filter { $0.hasPrefix("entry ") } }
    #expect(entries(after) == entries(before), "no entry re-encrypted")
    for environment in ["dev", "prod", "staging"] {
      #expect(line(after, startingWith: "env \(environment) ") == line(before, startingWith: "env \(environment) "))
    }
    #expect(!(try alice.ok(["list"]).stdout.contains("rotate")))
    try push(alice, "bob reads prod, writes dev")
    try pull(bob)
    #expect(try bob.execValue(env: "prod").stdout == team.values["prod"])
    try bob.ok(["set", "--env", "dev", "OTHER_KEY"], stdin: "other-value-1234")
    try push(bob, "bob's key")

    // A kept --write loses what a narrower --read takes away; what bob wrote is re-keyed.
    try pull(alice)
    let narrow = try alice.ok(["members", "set", "bob", "--read", "prod"])
    #expect(outputLines(narrow.stdout).first == "bob: read prod, write -")
    let list = try alice.ok(["list"])
    #expect(listRow(list, "shop/dev/OTHER_KEY")?.hasSuffix("rotate: written by bob (read access taken away)") == true, "\(list.stdout)")
  }

  @Test func promoteDemoteAndTheLastOwner() throws {
    let team = try TeamTests.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    // Demoting the only owner, yourself, is refused.
    let vaultBefore = try alice.readFile(alice.teamVault)
    expectOneError(
      try alice.run(["members", "set", "alice", "--no-owner"]), 64,
      mentioning: "refusing to demote alice: a vault needs at least one owner")
    #expect(try alice.readFile(alice.teamVault) == vaultBefore)

    let promote = try alice.ok(["members", "set", "bob", "--owner"])
    #expect(outputLines(promote.stdout) == ["bob (owner): read dev,staging, write -"])
    #expect(line(try alice.ok(["members", "list"]).stdout, startingWith: "bob ")?.contains("owner ") == true)
    // alice cannot demote herself; bob, now an owner, can.
    expectOneError(try alice.run(["members", "set", "alice", "--no-owner"]), 64, mentioning: "yourself")
    try push(alice, "bob is an owner")
    try bob.cloneTeamRepository(team.origin)
    let demote = try bob.ok(["members", "set", "alice", "--no-owner"])
    #expect(outputLines(demote.stdout) == ["alice: read dev,prod,staging, write dev,prod,staging"])
    try push(bob, "alice is a member")
    try pull(alice)
    // alice, no longer an owner, changes nobody.
    expectOneError(
      try alice.run(["members", "set", "bob", "--read", "dev"]), 4, mentioning: "alice is not an owner")
    // bob is now the last owner.
    expectOneError(try bob.run(["members", "set", "bob", "--no-owner"]), 64, mentioning: "at least one owner")
  }

  @Test func renameKeepsTheIdentityTheSealsAndOldFlags() throws {
    let team = try TeamTests.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    try alice.ok(["members", "set", "bob", "--read", "dev"])
    let generationBefore = try generation(alice)
    let rename = try alice.ok(["members", "set", "bob", "--rename", "robert"])
    #expect(outputLines(rename.stdout) == ["renamed bob to robert", "robert: read dev, write -"])
    #expect(try generation(alice) == generationBefore + 1)
    let members = try alice.ok(["members", "list"]).stdout
    let bobFP = try #require(PublicIdentity(team.bobPublic)).fingerprint
    #expect(line(members, startingWith: "robert ")?.contains(bobFP) == true)
    #expect(line(members, startingWith: "bob ") == nil)
    let text = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    #expect(line(text, startingWith: "seal dev robert ") != nil)
    #expect(line(text, startingWith: "seal dev bob ") == nil)
    // The flag set under the old name stays, and readable.
    #expect(listRow(try alice.ok(["list"]), "shop/staging/OPENAI_API_KEY")?.hasSuffix("rotate: exposed to bob") == true)
    try push(alice, "bob is robert")
    try pull(bob)
    #expect(try bob.execValue(env: "dev").stdout == team.values["dev"])
    expectOneError(try alice.run(["members", "set", "robert", "--rename", "ci"]), 6, mentioning: "ci already exists")
  }

  @Test func refusalsChangeNothing() throws {
    let team = try TeamTests.makeTeam()
    let alice = team.alice
    let before = try alice.readFile(alice.teamVault)
    expectOneError(try alice.run(["members", "set", "mallory", "--read", "dev"]), 2, mentioning: "no member named mallory")
    expectOneError(
      try alice.run(["members", "set", "bob", "--read", "dev", "--write", "dev,prod"]), 64,
      mentioning: "refusing write access to prod without read access")
    expectOneError(try alice.run(["members", "set", "bob", "--read", "qa"]), 2, mentioning: "no environment 'qa'")
    expectOneError(try alice.run(["members", "set", "bob"]), 64, mentioning: "nothing to change")
    expectOneError(try alice.run(["members", "set", "alice", "--read", "dev"]), 64, mentioning: "yourself")
    #expect(try alice.readFile(alice.teamVault) == before)
    // A non-owner is refused.
    let bob = team.bob
    try bob.cloneTeamRepository(team.origin)
    try bob.ok(["members", "list"])  // first use: pins the owners, says so on stderr
    expectOneError(try bob.run(["members", "set", "ci", "--read", "dev"]), 4, mentioning: "bob is not an owner")
    // No change at all signs nothing.
    let same = try alice.ok(["members", "set", "bob", "--read", "staging,dev"])
    #expect(same.stdout == "bob: nothing to change\n")
    #expect(try alice.readFile(alice.teamVault) == before)
  }

  /// Before: `add` accepted the removed identity, and then every write failed with a false
  /// "the file was probably rolled back".
  @Test func addingARemovedIdentityIsRefusedUpFront() throws {
    let team = try TeamTests.makeTeam()
    let alice = team.alice
    try alice.ok(["members", "rm", "bob"])
    let before = try alice.readFile(alice.teamVault)
    for name in ["bob", "bobby"] {
      let add = try alice.run(["members", "add", name, team.bobPublic, "--read", "dev"])
      expectOneError(
        add, 4,
        mentioning: "bob's identity was removed from this vault; removed identities are never trusted again")
      #expect(add.stderr.contains("ask bob for a new identity (`vault identity new`"))
    }
    #expect(try alice.readFile(alice.teamVault) == before)
    // Refused before the passphrase prompt: there is no terminal here, and the error is
    // still the removal, not "no terminal".
    let prompted = try alice.run(
      ["members", "add", "bob", team.bobPublic, "--read", "dev"],
      env: ["VAULT_IDENTITY_FILE": alice.root.path + "/missing"])
    expectOneError(prompted, 4, mentioning: "bob's identity was removed")
    // A new identity for bob is welcome.
    let bobNew = try team.bob.ok(["identity", "new", "--no-passphrase"], directory: team.bob.root)
    let publicLine = try #require(line(bobNew.stderr, startingWith: "vault: public identity: "))
    let newPublic = String(publicLine.dropFirst("vault: public identity: ".count))
    try alice.ok(["members", "add", "bob", newPublic, "--read", "dev"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev9"))
  }
}
