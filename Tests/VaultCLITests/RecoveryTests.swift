import Foundation
import Testing
import VaultCore

/// Issue 7, point 6: a lost identity, and a damaged group, each with a way out.
@Suite struct RecoveryTests {
  /// Before: `vault init` refused (the vault exists) while every hint said `vault init`.
  @Test func aLostIdentityBesideAPersonalVault() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("old1"))
    try FileManager.default.removeItem(atPath: box.identityPath)
    let vaultBefore = try box.readFile(box.vaultPath)
    expectOneError(try box.run(["get"]), 2, mentioning: "no identity")

    let again = try box.run(["init", "--no-passphrase"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(line(again.stdout, startingWith: "created identity ") == "created identity \(box.identityPath)")
    #expect(again.stderr.contains("already exists and was not changed; the new identity cannot open it"))
    #expect(again.stderr.contains("lost for good"))
    #expect(again.stderr.contains("mv '\(box.vaultPath)' '\(box.vaultPath).lost'"))
    #expect(try box.readFile(box.vaultPath) == vaultBefore, "the old vault is never overwritten")
    expectOneError(try box.run(["get"]), 4, mentioning: "not a member")
    // A second init with both present refuses as before.
    expectOneError(try box.run(["init", "--no-passphrase"]), 6, mentioning: "already exists")

    // Start over as the note says.
    try FileManager.default.moveItem(atPath: box.vaultPath, toPath: box.vaultPath + ".lost")
    let fresh = try box.run(["init", "--no-passphrase"])
    #expect(fresh.status == 0, "\(fresh.stderr)")
    try box.set(fakeKey("new1"))
    #expect(try box.execValue(env: "dev").stdout == fakeKey("new1"))
  }

  @Test func aLostIdentityBesideATeamVault() throws {
    let team = try TeamTests.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    try FileManager.default.removeItem(atPath: bob.identityPath)
    let again = try bob.run(["init", "--here", "--no-passphrase"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("it is a team vault: ask an owner (alice)"))
    #expect(again.stderr.contains("`vault members rm OLDNAME` then `vault members add bob vault-pub-"))
    #expect(try bob.git(["status", "--porcelain"]).stdout == "", "the team vault is untouched")
    let newPublic = try bob.publicIdentity()
    #expect(newPublic != team.bobPublic)
    #expect(again.stderr.contains(newPublic))

    try alice.ok(["members", "rm", "bob"])
    try alice.ok(["members", "add", "bob", newPublic, "--read", "dev"])
    try alice.git(["commit", "-q", "-am", "bob's new laptop"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try bob.execValue(env: "dev").stdout == team.values["dev"])
  }

  /// Breaks the signature of the (shop, prod) group of `path`.
  func breakProdGroup(_ box: Sandbox, _ path: String) throws {
    var lines = outputLines(try String(contentsOfFile: path, encoding: .utf8))
    let index = try #require(lines.firstIndex { $0.hasPrefix("group shop prod ") })
    var fields = lines[index].split(separator: " ").map(String.init)
    var signature = Array(fields[4])
    signature[10] = signature[10] == "A" ? "B" : "A"
    fields[4] = String(signature)
    lines[index] = fields.joined(separator: " ")
    try box.writeFile(path, Data((lines.joined(separator: "\n") + "\n").utf8))
  }

  @Test func doctorShowsAndDropsADamagedGroup() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("dev1"))
    try box.set(fakeKey("prd1"), env: "prod")
    try box.set("second-prod-value", env: "prod", name: "OTHER")
    try breakProdGroup(box, box.vaultPath)

    // list fails for the whole vault, now with a hint to the doctor.
    let list = try box.run(["list"])
    expectOneError(list, 5, mentioning: "shop/prod: signature does not verify")
    #expect(list.stderr.contains("vault: hint: `vault doctor` shows which parts of the vault are damaged"))
    expectOneError(try box.run(["rm", "--env", "prod", "OTHER"]), 5, mentioning: "vault doctor")

    let doctor = try box.run(["doctor"])
    #expect(doctor.status == 5)
    #expect(outputLines(doctor.stdout) == [
      "ok       header",
      "ok       shop/dev  1 entry",
      "damaged  shop/prod  '\(box.vaultPath)': shop/prod: signature does not verify",
    ])
    #expect(doctor.stderr.hasPrefix("vault: error: '\(box.vaultPath)': 1 damaged part (listed above)\n"))

    let before = try box.readFile(box.vaultPath)
    expectOneError(try box.run(["doctor", "--drop", "shop/dev", "--yes"]), 64, mentioning: "shop/dev verifies")
    expectOneError(try box.run(["doctor", "--drop", "shop/qa", "--yes"]), 2, mentioning: "no entries for shop/qa")
    let noTerminal = try box.run(["doctor", "--drop", "shop/prod"])
    expectOneError(noTerminal, 64, mentioning: "no terminal to ask for the confirmation")
    #expect(noTerminal.stderr.contains("--yes"))
    let declined = try box.converseVault(
      ["doctor", "--drop", "shop/prod"], steps: [.type("no", after: "Type yes to drop: ")])
    #expect(declined.status == 130, "\(declined.stdout)")
    #expect(try box.readFile(box.vaultPath) == before)

    let dropped = try box.converseVault(
      ["doctor", "--drop", "shop/prod"], steps: [.type("yes", after: "Type yes to drop: ")])
    #expect(dropped.status == 0, "\(dropped.stdout)")
    #expect(dropped.stdout.contains("dropped shop/prod; store its values again"))
    #expect(try box.run(["doctor"]).status == 0)
    let after = try box.ok(["list"])
    #expect(outputLines(after.stdout).count == 1)
    #expect(listRow(after, "shop/dev/OPENAI_API_KEY") != nil)
    try box.set(fakeKey("prd2"), env: "prod")
    #expect(try box.execValue(env: "prod").stdout == fakeKey("prd2"))
  }

  @Test func doctorDropsOnlyWithWriteAccessAndASoundRest() throws {
    let team = try TeamTests.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    try breakProdGroup(alice, alice.teamVault)
    try alice.git(["commit", "-q", "-am", "damaged"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    try bob.ok(["members", "list"])
    // bob may not write prod: refused, nothing changed.
    let before = try bob.readFile(bob.teamVault)
    expectOneError(try bob.run(["doctor", "--drop", "shop/prod", "--yes"]), 4, mentioning: "bob cannot write to prod")
    #expect(try bob.readFile(bob.teamVault) == before)
    // A header that does not verify is never written around.
    var text = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    text = text.replacingOccurrences(of: "\ngeneration ", with: "\ngeneration 9")
    try alice.writeFile(alice.teamVault, Data(text.utf8))
    let header = try alice.run(["doctor"])
    #expect(header.status == 5)
    #expect(line(header.stdout, startingWith: "damaged  header  ") != nil, "\(header.stdout)")
    expectOneError(try alice.run(["doctor", "--drop", "shop/prod", "--yes"]), 5)
  }
}
