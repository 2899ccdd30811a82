import Foundation
import Testing
import VaultCore

/// The attacks of issue 6 on the team trust model, each with the real binary, several HOMEs
/// and real git: a removed owner pushing an old file back, a write-only member planting a
/// variable, a removed member splicing an old header with new groups, a stateless CI runner,
/// and the merge driver asked to go back a generation. TeamVaults.md ("Threat model") maps
/// each row to these tests.
@Suite struct TrustAttackTests {
  /// alice's team repository: `.vault` owned by alice, pushed to `origin`.
  struct Repo {
    let alice: Sandbox
    let origin: URL
  }

  static func repo() throws -> Repo {
    let alice = try Sandbox.person("alice")
    let origin = try makeOrigin(in: alice)
    try alice.git(["clone", "-q", origin.path, alice.clone.path], in: alice.root)
    try alice.ok(["init", "--here", "--no-passphrase"])
    try alice.ok(["git", "setup"])
    try alice.git(["add", ".vault", ".gitattributes"])
    try alice.git(["commit", "-q", "-m", "team vault"])
    try alice.git(["push", "-q", "origin", "main"])
    return Repo(alice: alice, origin: origin)
  }

  /// A person with an identity (no passphrase) and no clone yet; returns their public string.
  static func person(_ name: String) throws -> (Sandbox, String) {
    let box = try Sandbox.person(name)
    try box.ok(["init", "--no-passphrase"], directory: box.root)
    return (box, try box.publicIdentity())
  }

  static func commitAndPush(_ box: Sandbox, _ message: String) throws {
    try box.git(["commit", "-q", "-am", message])
    try box.git(["push", "-q", "origin", "main"])
  }

  static func pull(_ box: Sandbox) throws {
    try box.git(["pull", "-q", "--no-rebase", "origin", "main"])
  }

  // MARK: 1. A removed owner becomes an owner again

  @Test func aRemovedOwnerIsNeverTrustedAgain() throws {
    let repo = try Self.repo()
    let alice = repo.alice
    let (carol, carolPublic) = try Self.person("carol")
    let (bob, bobPublic) = try Self.person("bob")
    let (mallory, malloryPublic) = try Self.person("mallory")
    try alice.ok([
      "members", "add", "carol", carolPublic, "--read", "dev,prod,staging", "--write",
      "dev,prod,staging", "--owner",
    ])
    try alice.ok(["members", "add", "bob", bobPublic, "--read", "prod", "--write", "prod"])
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd1"))
    try Self.commitAndPush(alice, "carol and bob")
    let old = try alice.readFile(alice.teamVault)

    // bob opens the vault: he pins alice and carol, and is told so, with fingerprints.
    try bob.cloneTeamRepository(repo.origin)
    let first = try bob.ok(["list"])
    let carolPrint = try carol.identity().publicIdentity.fingerprint
    let alicePrint = try alice.identity().publicIdentity.fingerprint
    #expect(first.stderr.contains("first use of"), "\(first.stderr)")
    #expect(first.stderr.contains("alice (\(alicePrint))") && first.stderr.contains("carol (\(carolPrint))"))
    #expect(!(try bob.ok(["list"])).stderr.contains("first use"), "said once")

    // alice removes carol; bob pulls and sees it.
    try alice.ok(["members", "rm", "carol"])
    try Self.commitAndPush(alice, "remove carol")
    try Self.pull(bob)
    try bob.ok(["list"])
    let pinned = bob.snapshot([bob.stateDirectory])

    // carol pushes the old file back.
    try carol.cloneTeamRepository(repo.origin)
    try carol.writeFile(carol.teamVault, old)
    try Self.commitAndPush(carol, "restore")
    try Self.pull(bob)
    for args in [["members", "list"], ["list"], ["exec", "--env", "prod", "--", "true"]] {
      expectOneError(try bob.run(args), 5, mentioning: "the file was rolled back")
    }
    expectOneError(try bob.run(["set", "--env", "prod"], stdin: fakeKey("prd2")), 5, mentioning: "rolled back")
    #expect(bob.snapshot([bob.stateDirectory]) == pinned, "nothing re-pinned")

    // The same old copy anywhere else (an old checkout, a tarball) is the same vault id.
    let elsewhere = bob.root.appendingPathComponent("tarball")
    try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
    try bob.writeFile(elsewhere.path + "/.vault", old)
    expectOneError(
      try bob.run(["list", "--vault", elsewhere.path + "/.vault"]), 5, mentioning: "rolled back")
    #expect(bob.snapshot([bob.stateDirectory]).filter { !$0.key.contains("/paths/") } == pinned.filter { !$0.key.contains("/paths/") })

    // carol, with a fresh state, adds mallory as an owner on the old file: the same
    // generation as the removal, signed by an identity bob saw removed.
    try carol.ok([
      "members", "add", "mallory", malloryPublic, "--read", "dev,prod,staging", "--write",
      "dev,prod,staging", "--owner",
    ])
    try Self.commitAndPush(carol, "add mallory")
    try Self.pull(bob)
    expectOneError(try bob.run(["members", "list"]), 5, mentioning: "signed by carol, whom you saw removed")

    // mallory removes carol, re-keying everything with keys mallory knows.
    try mallory.cloneTeamRepository(repo.origin)
    try mallory.ok(["members", "rm", "carol"])
    try Self.commitAndPush(mallory, "remove carol")
    try Self.pull(bob)
    expectOneError(try bob.run(["members", "list"]), 5, mentioning: "owners changed without a signature")
    let before = try bob.readFile(bob.teamVault)
    let set = try bob.run(["set", "--env", "prod"], stdin: fakeKey("prd3"))
    expectOneError(set, 5)
    expectNoLeak(fakeKey("prd3"), in: set)
    #expect(try bob.readFile(bob.teamVault) == before, "nothing was sealed to mallory's keys")
    let teamID = try VaultFile.parse(Array(old), path: "v").header.vaultID
    let trust = String(
      decoding: try bob.readFile(bob.stateDirectory + "/trust/" + Base64URL.encode(teamID)), as: UTF8.self)
    #expect(trust.contains("removed \(carolPublic) carol"))
    #expect(!trust.contains("owner \(Base64URL.encode(try carol.identity().signingKeyPair.publicKey))"))
  }

  // MARK: 2. Write access gives read access through exec

  @Test func writeWithoutReadRevealsNothing() throws {
    let repo = try Self.repo()
    let alice = repo.alice
    let (bob, bobPublic) = try Self.person("bob")
    let before = try alice.readFile(alice.teamVault)
    let add = try alice.run(["members", "add", "bob", bobPublic, "--read", "dev", "--write", "dev,prod"])
    expectOneError(add, 64, mentioning: "without read access")
    #expect(try alice.readFile(alice.teamVault) == before)
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd1"))

    // A file from an older release: bob may write prod without reading it. He plants
    // OPENAI_BASE_URL there, signed with his own key.
    let aliceID = try alice.identity()
    let bobID = try bob.identity()
    var file = try VaultFile.parse(Array(try alice.readFile(alice.teamVault)), path: "v")
    let dev = try file.environmentKeyPair("dev", project: "*", identity: aliceID)
    file.header.members.append(
      Member(name: "bob", identity: bobID.publicIdentity, isOwner: false, read: ["dev"], write: ["dev", "prod"]))
    file.header.members.sort { $0.name < $1.name }
    file.header.seals.append(
      Seal(environment: "dev", member: "bob", box: try SealedBox.seal(dev.secretKey, to: bobID.boxKeyPair.publicKey)))
    file.header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    file.header.generation += 1
    file.signHeader(with: aliceID)
    var forger = file
    let index = try #require(forger.header.members.firstIndex { $0.name == "bob" })
    forger.header.members[index].read = ["dev", "prod"]
    try forger.set(
      [("OPENAI_BASE_URL", SecretBytes(copying: Array("http://bob.example/v1".utf8)))],
      project: "shop", environment: "prod", identity: bobID)
    file.blocks = forger.blocks
    try alice.writeFile(alice.teamVault, Data(file.serialized()))

    let run = try alice.run(["exec", "--env", "prod", "--", "/usr/bin/env"])
    expectOneError(run, 5, mentioning: "write without read is not trusted")
    #expect(!run.stdout.contains("bob.example") && !run.stdout.contains(fakeKey("prd1")))
    let export = try alice.run(["export", "--env", "prod", "--force"])
    expectOneError(export, 5, mentioning: "signed by bob")
    expectNoLeak(fakeKey("prd1"), in: export)

    // Removing bob drops what he planted instead of vouching for it.
    let rm = try alice.ok(["members", "rm", "bob"])
    #expect(rm.stdout.contains("dropped shop/prod/OPENAI_BASE_URL"))
    let env = try alice.ok(["exec", "--env", "prod", "--", "/usr/bin/env"])
    #expect(env.stdout.contains("OPENAI_API_KEY=\(fakeKey("prd1"))"))
    #expect(!env.stdout.contains("OPENAI_BASE_URL"))
  }

  // MARK: 3. A removed member's writes are still trusted

  @Test func aRemovedMembersSpliceIsRefused() throws {
    let repo = try Self.repo()
    let alice = repo.alice
    let (bob, bobPublic) = try Self.person("bob")
    let (ci, _) = try Self.person("ci")
    let ciNew = try ci.ok(["identity", "new", "--no-passphrase"], directory: ci.root)
    let ciSecret = ciNew.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let ciPublic = String(try #require(line(ciNew.stderr, startingWith: "vault: public identity: "))
      .dropFirst("vault: public identity: ".count))
    try alice.ok(["members", "add", "bob", bobPublic, "--read", "dev", "--write", "dev"])
    try alice.ok(["members", "add", "ci", ciPublic, "--read", "dev"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd1"))
    try Self.commitAndPush(alice, "team")
    let old = try alice.readFile(alice.teamVault)

    try alice.ok(["members", "rm", "bob"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev2"))
    try Self.commitAndPush(alice, "remove bob, rotate dev")
    let pin = try alice.ok(["trust", "--pin"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let current = try alice.readFile(alice.teamVault)

    // bob: the old header (he is a member), the current groups minus dev's, and a dev group
    // he writes himself with the dev key he still holds.
    let bobID = try bob.identity()
    var stale = try VaultFile.parse(Array(old), path: "v")
    try stale.set(
      [("OPENAI_BASE_URL", SecretBytes(copying: Array("http://bob.example/v1".utf8)))],
      project: "shop", environment: "dev", identity: bobID)
    let now = try VaultFile.parse(Array(current), path: "v")
    stale.blocks = (now.blocks.filter { $0.environment != "dev" } + stale.blocks.filter { $0.environment == "dev" })
      .sorted { ($0.project, $0.environment) < ($1.project, $1.environment) }
    let splice = Data(stale.serialized())
    try VaultFile.parse(Array(splice), path: "v").verifyHeader()  // valid as a file

    // alice, who saw the removal, refuses it.
    try alice.writeFile(alice.teamVault, splice)
    let run = try alice.run(["exec", "--env", "dev", "--", "/usr/bin/env"])
    expectOneError(run, 5, mentioning: "the file was rolled back")
    #expect(!run.stdout.contains("bob.example"))

    // A fresh CI runner (no state) with VAULT_PIN refuses it too, and reads the real file.
    let ciEnv = ["VAULT_IDENTITY": ciSecret, "VAULT_PIN": pin]
    try ci.git(["clone", "-q", repo.origin.path, ci.clone.path], in: ci.root)
    try ci.writeFile(ci.teamVault, splice)
    let ciRun = try ci.run(["exec", "--env", "dev", "--", "/usr/bin/env"], env: ciEnv)
    expectOneError(ciRun, 5, mentioning: "older than the")
    #expect(!ciRun.stdout.contains("bob.example"))
    try ci.writeFile(ci.teamVault, current)
    #expect(try ci.execValue(env: "dev", extra: ciEnv).stdout == fakeKey("dev2"))

    // The pin names the vault and its owners: another vault, or a header signed by someone
    // else, is refused; a malformed pin is a usage error.
    let (mallory, _) = try Self.person("mallory")
    let malloryPrint = try mallory.identity().publicIdentity.fingerprint
    let parts = pin.split(separator: ":").map(String.init)
    for (bad, code, message) in [
      ("\(Base64URL.encode(Sodium.randomBytes(16))):\(parts[1]):\(parts[2])", Int32(5), "not the vault VAULT_PIN names"),
      ("\(parts[0]):\(parts[1]):\(malloryPrint)", 5, "owners changed without a signature"),
      ("\(parts[0]):\(try #require(UInt64(parts[1])) + 1):\(parts[2])", 5, "older than the"),
      ("not-a-pin", 64, "VAULT_PIN is malformed"),
      ("\(parts[0]):\(parts[1]):", 64, "VAULT_PIN is malformed"),
    ] {
      let refused = try ci.execValue(env: "dev", extra: ["VAULT_IDENTITY": ciSecret, "VAULT_PIN": bad])
      expectOneError(refused, code, mentioning: message)
      #expect(!refused.stdout.contains(fakeKey("dev2")))
    }
  }

  // MARK: 9. Values a removed member wrote stay visible

  @Test func aRemovedMembersValuesAreMarkedUntilReplaced() throws {
    let repo = try Self.repo()
    let alice = repo.alice
    let (bob, bobPublic) = try Self.person("bob")
    try alice.ok(["members", "add", "bob", bobPublic, "--read", "dev", "--write", "dev"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    try Self.commitAndPush(alice, "bob")
    try bob.cloneTeamRepository(repo.origin)
    try bob.ok(["set", "--env", "dev", "OPENAI_BASE_URL"], stdin: "http://bob.example/v1")
    try Self.commitAndPush(bob, "bob's base url")
    try Self.pull(alice)
    try alice.ok(["members", "rm", "bob"])

    let list = try alice.ok(["list"])
    let row = try #require(listRow(list, "shop/dev/OPENAI_BASE_URL"))
    #expect(row.contains("rotate: written by bob (removed)"), "\(row)")
    #expect(try #require(listRow(list, "shop/dev/OPENAI_API_KEY")).contains("rotate: exposed to bob"))
    #expect(try alice.ok(["list", "--json"]).stdout.contains("\"written_by_removed\":[\"bob\"]"))
    #expect(try alice.ok(["status"]).stdout.contains("shop/dev/OPENAI_BASE_URL (written by bob, removed)"))
    let diff = try alice.ok(["git", "diff", alice.teamVault])
    #expect(diff.stdout.contains("shop/dev/OPENAI_BASE_URL rotate: written by bob (removed)"))
    let exec = try alice.ok(["exec", "--env", "dev", "--", "true"])
    #expect(exec.stderr.contains("vault: warning: shop/dev/OPENAI_BASE_URL was written by bob (removed 20"))

    try alice.ok(["set", "--env", "dev", "OPENAI_BASE_URL"], stdin: "https://api.openai.com/v1")
    #expect(try alice.ok(["exec", "--env", "dev", "--", "true"]).stderr == "")
    #expect(!(try #require(listRow(try alice.ok(["list"]), "shop/dev/OPENAI_BASE_URL"))).contains("rotate"))
  }

  // MARK: The merge driver never goes back a generation

  @Test func aBranchThatRollsMembershipBackDoesNotMerge() throws {
    let repo = try Self.repo()
    let alice = repo.alice
    let (_, bobPublic) = try Self.person("bob")
    let (_, carolPublic) = try Self.person("carol")
    let genesis = try alice.readFile(alice.teamVault)
    try alice.ok(["members", "add", "bob", bobPublic, "--read", "dev", "--write", "dev"])
    try alice.git(["commit", "-q", "-am", "add bob"])
    try alice.ok(["members", "rm", "bob"])
    try alice.git(["commit", "-q", "-am", "remove bob"])
    try alice.git(["checkout", "-q", "-b", "old"])
    try alice.writeFile(alice.teamVault, genesis)  // a file from before either change
    try alice.git(["commit", "-q", "-am", "back to the start"])
    try alice.git(["checkout", "-q", "main"])
    try alice.ok(["members", "add", "carol", carolPublic, "--read", "dev"])
    try alice.git(["commit", "-q", "-am", "add carol"])
    // Review sees the generation go back.
    let diff = try alice.git(["diff", "main", "old", "--", ".vault"])
    #expect(diff.stdout.contains("-generation 4") && diff.stdout.contains("+generation 1"), "\(diff.stdout)")
    let merge = try alice.git(["merge", "old", "-m", "merge"], check: false)
    #expect(merge.status != 0)
    #expect((merge.stdout + merge.stderr).contains("rolled membership back"), "\(merge.stdout)\(merge.stderr)")
  }

  // MARK: 4 (state half). Every spelling of a path is the same file

  @Test func everySpellingOfTheVaultPathSharesOneBinding() throws {
    let repo = try Self.repo()
    let alice = repo.alice
    try alice.ok(["list"])
    let link = alice.root.appendingPathComponent("link")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: alice.clone)
    // Another vault (another id) pasted over .vault: refused under every spelling.
    let other = try Sandbox.person("alice")
    try other.ok(["init", "--no-passphrase"])
    try alice.writeFile(alice.teamVault, try other.readFile(other.vaultPath))
    for (args, env) in [
      (["list"], [String: String]()),
      (["list", "--vault", "./.vault"], [:]),
      (["list"], ["VAULT_FILE": alice.home.path + "//code/shop/.vault"]),
      (["list", "--vault", link.path + "/.vault"], [:]),
    ] {
      expectOneError(try alice.run(args, env: env), 5, mentioning: "is a different vault")
    }
  }
}
