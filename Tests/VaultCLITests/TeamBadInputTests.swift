import Foundation
import Testing
import VaultCore

/// Bad input to the team commands: each is one `vault: error:` line, a documented exit
/// code, and no byte changed on disk (the vault, and the pinned state beside it).
@Suite struct TeamBadInputTests {
  /// alice's team vault (./.vault in her work directory, no git needed) with bob reading dev
  /// and a dev value; bob's identity.
  struct Team {
    let alice: Sandbox
    let bob: Sandbox
    let bobPublic: String
  }

  func makeTeam() throws -> Team {
    let alice = try Sandbox.person("alice")
    let bob = try Sandbox.person("bob")
    try alice.ok(["init", "--here", "--no-passphrase"])
    #expect(FileManager.default.fileExists(atPath: alice.teamVault))
    try bob.ok(["init", "--no-passphrase"], directory: bob.root)
    let bobPublic = try bob.publicIdentity()
    try alice.ok(["members", "add", "bob", bobPublic, "--read", "dev"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    return Team(alice: alice, bob: bob, bobPublic: bobPublic)
  }

  /// Runs `body` and expects every file of alice's work directory and of both people's
  /// pinned state to be byte-identical afterwards.
  func expectNothingChanged(
    _ team: Team, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
  ) throws {
    let directories = [team.alice.workDirectory.path, team.alice.stateDirectory, team.bob.stateDirectory]
    let before = team.alice.snapshot(directories)
    #expect(before[team.alice.teamVault] != nil, sourceLocation: sourceLocation)
    try body()
    let after = team.alice.snapshot(directories)
    #expect(after == before, "files changed: \(Set(after.keys).union(before.keys).filter { after[$0] != before[$0] })",
      sourceLocation: sourceLocation)
  }

  @Test(arguments: [
    ("vault-pub-", "not a valid public identity"),
    ("vault-pub-abc", "not a valid public identity"),
    ("bob", "not a valid public identity"),
    ("", "not a valid public identity"),
  ])
  func malformedIdentity(identity: String, message: String) throws {
    let team = try makeTeam()
    try expectNothingChanged(team) {
      let run = try team.alice.run(["members", "add", "carol", identity, "--read", "dev"])
      expectOneError(run, 64, mentioning: message)
      #expect(run.stderr.contains("vault: hint: copy it again from `vault identity show`"))
    }
  }

  /// One character changed: the checksum catches the typo.
  @Test func mistypedIdentity() throws {
    let team = try makeTeam()
    let carol = Identity.generate().publicIdentity.description
    var characters = Array(carol)
    let index = characters.count / 2
    characters[index] = characters[index] == "A" ? "B" : "A"
    try expectNothingChanged(team) {
      let run = try team.alice.run(["members", "add", "carol", String(characters), "--read", "dev"])
      expectOneError(run, 64, mentioning: "not a valid public identity")
    }
  }

  @Test func secretIdentity() throws {
    let team = try makeTeam()
    let secret = try team.bob.ok(["identity", "new", "--no-passphrase"], directory: team.bob.root)
      .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(secret.hasPrefix("VAULT-SECRET-"))
    try expectNothingChanged(team) {
      let run = try team.alice.run(["members", "add", "carol", secret, "--read", "dev"])
      expectOneError(run, 64, mentioning: "that looks like a secret identity")
      #expect(run.stderr.contains("share `vault identity show` instead"))
      expectNoLeak(secret, in: run)
      expectNoLeak(String(secret.dropFirst("VAULT-SECRET-".count).prefix(16)), in: run)
    }
  }

  @Test func nameThatExists() throws {
    let team = try makeTeam()
    let carol = Identity.generate().publicIdentity.description
    try expectNothingChanged(team) {
      expectOneError(
        try team.alice.run(["members", "add", "bob", carol, "--read", "dev"]), 6,
        mentioning: "a member named bob already exists")
      expectOneError(
        try team.alice.run(["members", "add", "alice", carol, "--read", "dev"]), 6,
        mentioning: "a member named alice already exists")
      // bob's identity under another name.
      expectOneError(
        try team.alice.run(["members", "add", "robert", team.bobPublic, "--read", "dev"]), 6,
        mentioning: "already a member, as bob")
    }
  }

  @Test func unknownEnvironmentOrMember() throws {
    let team = try makeTeam()
    let carol = Identity.generate().publicIdentity.description
    try expectNothingChanged(team) {
      expectOneError(
        try team.alice.run(["members", "add", "carol", carol, "--read", "qa"]), 2, mentioning: "no environment 'qa'")
      expectOneError(
        try team.alice.run(["members", "add", "carol", carol, "--read", "Prod"]), 64, mentioning: "invalid environment")
      expectOneError(try team.alice.run(["members", "rm", "carol"]), 2, mentioning: "no member named carol")
      expectOneError(try team.alice.run(["env", "add", "dev"]), 6, mentioning: "environment dev already exists")
    }
  }

  @Test func nonOwnerChangingMembership() throws {
    let team = try makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    let carol = Identity.generate().publicIdentity.description
    try bob.ok(["list"], directory: alice.workDirectory)  // bob pins the owners first
    try expectNothingChanged(team) {
      // bob works in alice's directory (a shared checkout): he is a member, not an owner.
      let dir = alice.workDirectory
      expectOneError(
        try bob.run(["members", "add", "carol", carol, "--read", "dev"], directory: dir), 4,
        mentioning: "bob is not an owner of this vault; only owners change membership")
      expectOneError(
        try bob.run(["members", "add", "carol", carol, "--read", "dev", "--owner"], directory: dir), 4,
        mentioning: "bob is not an owner")
      expectOneError(try bob.run(["members", "rm", "alice"], directory: dir), 4, mentioning: "bob is not an owner")
      expectOneError(try bob.run(["members", "rm", "bob"], directory: dir), 4, mentioning: "bob is not an owner")
      expectOneError(try bob.run(["env", "add", "qa"], directory: dir), 4, mentioning: "bob is not an owner")
    }
  }

  /// bob edits the file himself: he makes carol a member and signs the header with his own
  /// key. Only an owner's signature makes a membership change valid.
  @Test func membershipSignedByANonOwner() throws {
    let team = try makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.ok(["list"], directory: alice.workDirectory)
    var file = try VaultFile.parse(Array(try alice.readFile(alice.teamVault)), path: "v")
    file.header.members.append(
      Member(name: "carol", identity: Identity.generate().publicIdentity, isOwner: false, read: [], write: ["dev"]))
    file.signHeader(with: try bob.identity())
    let forged = Data(file.serialized())
    try alice.writeFile(alice.teamVault, forged)
    try expectNothingChanged(team) {
      expectOneError(
        try alice.run(["list"]), 5, mentioning: "members (signed by bob): membership not signed by an owner")
      expectOneError(try alice.execValue(env: "dev"), 5, mentioning: "membership not signed by an owner")
      expectOneError(
        try bob.run(["members", "list"], directory: alice.workDirectory), 5,
        mentioning: "membership not signed by an owner")
    }
  }

  @Test func removingTheLastOwner() throws {
    let team = try makeTeam()
    try expectNothingChanged(team) {
      let run = try team.alice.run(["members", "rm", "alice"])
      expectOneError(run, 64, mentioning: "refusing to remove alice: a vault needs at least one owner")
      #expect(run.stderr.contains("vault: hint: add another owner first"))
    }
    // With a second owner, alice can be removed (by carol); then carol is the last one.
    let carol = try Sandbox.person("carol")
    try carol.ok(["init", "--no-passphrase"], directory: carol.root)
    try team.alice.ok([
      "members", "add", "carol", try carol.publicIdentity(), "--read", "dev,prod,staging", "--write", "dev,prod,staging",
      "--owner",
    ])
    try carol.ok(["members", "rm", "alice"], directory: team.alice.workDirectory)
    let vault = team.alice.teamVault
    let before = try carol.readFile(vault)
    expectOneError(
      try carol.run(["members", "rm", "carol"], directory: team.alice.workDirectory), 64,
      mentioning: "a vault needs at least one owner")
    #expect(try carol.readFile(vault) == before)
  }

  /// A vault file from another vault (another id) pasted over this one.
  @Test func anotherVaultPastedOver() throws {
    let team = try makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    #expect(try bob.execValue(env: "dev", directory: alice.workDirectory).stdout == fakeKey("dev1"))
    // alice's other team vault, with bob in it too: a real vault, wrong place.
    let other = alice.root.appendingPathComponent("other")
    try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
    try alice.ok(["init", "--here", "--no-passphrase"], directory: other)
    try alice.ok(["members", "add", "bob", team.bobPublic, "--read", "dev"], directory: other)
    try alice.ok(["set", "--env", "dev", "--project", "shop"], stdin: fakeKey("othr"), directory: other)
    try alice.writeFile(alice.teamVault, try alice.readFile(other.path + "/.vault"))
    try expectNothingChanged(team) {
      for person in [alice, bob] {
        let run = try person.execValue(env: "dev", directory: alice.workDirectory)
        expectOneError(run, 5, mentioning: "is a different vault (another vault id) than the one first seen there")
        #expect(run.stderr.contains("vault: hint: if it was replaced on purpose, check with an owner, then run `vault trust`"))
        expectNoLeak(fakeKey("othr"), in: run)
        expectOneError(try person.run(["list"], directory: alice.workDirectory), 5, mentioning: "different vault")
      }
      expectOneError(try alice.run(["set", "--env", "dev"], stdin: fakeKey("new1")), 5, mentioning: "different vault")
      expectOneError(try alice.run(["members", "rm", "bob"]), 5, mentioning: "different vault")
    }
    // `vault trust` accepts it after the person checked.
    try alice.ok(["trust"])
    #expect(try alice.execValue(env: "dev").stdout == fakeKey("othr"))
  }

  /// git's merge driver on two sides that changed the same entry.
  @Test func mergeWhereBothSidesChangedTheSameEntry() throws {
    let team = try makeTeam()
    let alice = team.alice
    let dir = alice.root.appendingPathComponent("merge")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let base = dir.appendingPathComponent("base").path
    let ours = dir.appendingPathComponent("ours").path
    let theirs = dir.appendingPathComponent("theirs").path
    try alice.writeFile(base, try alice.readFile(alice.teamVault))
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("our2"))
    try alice.writeFile(ours, try alice.readFile(alice.teamVault))
    try alice.writeFile(alice.teamVault, try alice.readFile(base))
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("thr2"))
    try alice.writeFile(theirs, try alice.readFile(alice.teamVault))
    let files = [base, ours, theirs]
    let before = alice.fileBytes(files)
    let run = try alice.run(["git", "merge", base, ours, theirs], directory: dir)
    expectOneError(run, 1, mentioning: "shop/dev/OPENAI_API_KEY changed on both branches")
    expectNoLeak(fakeKey("our2"), in: run)
    expectNoLeak(fakeKey("thr2"), in: run)
    #expect(alice.fileBytes(files) == before)
  }

  /// bob's seal line corrupted (crafted: a well-formed box, and the header re-signed by the
  /// owner, so only opening it can fail).
  @Test(arguments: ["random box", "another key", "unsigned edit"])
  func corruptSealLine(kind: String) throws {
    let team = try makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    #expect(try bob.execValue(env: "dev", directory: alice.workDirectory).stdout == fakeKey("dev1"))
    let original = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    var file = try VaultFile.parse(Array(original.utf8), path: "v")
    let index = try #require(file.header.seals.firstIndex { $0.environment == "dev" && $0.member == "bob" })
    switch kind {
    case "random box":
      // 80 bytes that are no box at all.
      file.header.seals[index].box = (0..<SealedBox.sealedKeyLength).map { _ in UInt8.random(in: 0...255) }
      file.signHeader(with: try alice.identity())
    case "another key":
      // A real box to bob, of a key that is not dev's.
      file.header.seals[index].box = try SealedBox.seal(
        BoxKeyPair.generate().secretKey, to: try bob.identity().boxKeyPair.publicKey)
      file.signHeader(with: try alice.identity())
    default:
      break
    }
    var text = String(decoding: file.serialized(), as: UTF8.self)
    if kind == "unsigned edit" {
      // bob's seal line edited to carry alice's box; the owner's signature left as it was.
      let bobSeal = try #require(line(original, startingWith: "seal dev bob "))
      let aliceBox = try #require(line(original, startingWith: "seal dev alice ")?.split(separator: " ").last)
      text = original.replacingOccurrences(of: bobSeal, with: "seal dev bob \(aliceBox)")
    }
    #expect(text != original)
    try alice.writeFile(alice.teamVault, Data(text.utf8))
    let expected: String
    switch kind {
    case "random box": expected = "seal dev bob: decryption failed"
    case "another key": expected = "env dev: key does not match its public key"
    default: expected = "members: signature does not verify"
    }
    try expectNothingChanged(team) {
      let run = try bob.execValue(env: "dev", directory: alice.workDirectory)
      expectOneError(run, 5, mentioning: expected)
      #expect(run.stdout == "")
      expectOneError(try bob.run(["get", "--env", "dev"], directory: alice.workDirectory), 5, mentioning: expected)
    }
    // alice's own seal is intact: she reads dev unless the header itself is broken.
    if kind != "unsigned edit" {
      #expect(try alice.execValue(env: "dev").stdout == fakeKey("dev1"))
    }
  }

  /// bob may read dev but not write it; an entry he signs anyway (crafted) is refused on
  /// read, naming him, and nothing of it reaches a program.
  @Test func entrySignedByAMemberWithoutWriteAccess() throws {
    let team = try makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    var file = try VaultFile.parse(Array(try alice.readFile(alice.teamVault)), path: "v")
    var forger = file
    let index = try #require(forger.header.members.firstIndex { $0.name == "bob" })
    forger.header.members[index].write = ["dev"]
    try forger.set(
      [("OPENAI_BASE_URL", SecretBytes(copying: Array("https://evil.example".utf8)))], project: "shop",
      environment: "dev", identity: try bob.identity())
    file.blocks = forger.blocks  // the header alice signed, where bob writes nothing
    try alice.writeFile(alice.teamVault, Data(file.serialized()))
    try expectNothingChanged(team) {
      let run = try alice.run(["exec", "--env", "dev", "--", "/usr/bin/env"])
      expectOneError(run, 5, mentioning: "shop/dev (signed by bob): signer has no write access")
      #expect(!run.stdout.contains("evil"))
      expectOneError(try alice.run(["list"]), 5, mentioning: "signed by bob")
      expectOneError(try alice.run(["set", "--env", "dev"], stdin: fakeKey("new1")), 5, mentioning: "signed by bob")
    }
  }
}
