import Foundation
import Testing
import VaultCore

/// Issue 8, point 4: `git revert` of a "members add" commit removes the member from the
/// header without re-keying (git applies the revert itself: no vault code runs). The
/// environment key the member was sealed stays; everyone who saw them added must be told who
/// left, which keys they still hold, and what to run.
@Suite struct RevertedMemberTests {
  /// dave's copy of the dev key, opened from `bytes` (a vault holding his seal).
  func davesDevKey(_ bytes: Data, dave: Identity) throws -> [UInt8] {
    let file = try VaultFile.parse(Array(bytes), path: "old.vault")
    return try file.environmentKeyPair("dev", project: "*", identity: dave).publicKey
  }

  func devKey(_ box: Sandbox) throws -> [UInt8] {
    let file = try VaultFile.parse(Array(try box.readFile(box.teamVault)), path: box.teamVault)
    return try #require(file.header.environment("dev")).publicKey
  }

  @Test func aRevertedAdditionIsNamedAndItsRemedyRekeys() throws {
    let alice = try Sandbox.person("alice")
    let bob = try Sandbox.person("bob")
    let origin = try makeOrigin(in: alice)
    try alice.git(["clone", "-q", origin.path, alice.clone.path], in: alice.root)
    try alice.ok(["init", "--here", "--no-passphrase"])
    try alice.ok(["git", "setup"])
    try bob.ok(["init", "--no-passphrase"], directory: bob.root)
    try alice.ok([
      "members", "add", "bob", try bob.publicIdentity(), "--read", "dev", "--write", "dev",
    ])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    try alice.git(["add", ".vault", ".gitattributes"])
    try alice.git(["commit", "-q", "-m", "vault"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.cloneTeamRepository(origin)
    #expect(try bob.ok(["get", "--env", "dev"]).stdout == fakeKey("dev1") + "\n")

    // alice adds dave; bob pulls and sees him.
    let dave = Identity.generate()
    try alice.ok(["members", "add", "dave", dave.publicIdentity.description, "--read", "dev"])
    try alice.git(["commit", "-q", "-am", "add dave"])
    try alice.git(["push", "-q", "origin", "main"])
    let withDave = try alice.readFile(alice.teamVault)
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try bob.ok(["members", "list"]).stdout.contains("dave"))

    // The revert: git applies it, no vault code runs; dev keeps the key dave was sealed.
    try alice.git(["revert", "--no-edit", "HEAD"])
    try alice.git(["push", "-q", "origin", "main"])
    #expect(try davesDevKey(withDave, dave: dave) == (try devKey(alice)))

    // Both refuse the older generation, and say who left without a re-key and what to run.
    for box in [alice, bob] {
      if box === bob { try bob.git(["pull", "-q", "--no-rebase", "origin", "main"]) }
      let status = try box.run(["status"])
      #expect(status.status == 5, "\(status.stderr)")
      let refusal = try box.run(["get", "--env", "dev"])
      expectOneError(
        refusal, 5, mentioning: "dave left the members without a re-key of dev")
      #expect(refusal.stderr.contains("vault trust --accept-rollback"), "\(refusal.stderr)")
      #expect(refusal.stderr.contains("vault members rm dave"), "\(refusal.stderr)")
      expectNoLeak(fakeKey("dev1"), in: refusal)
    }

    // bob accepts the reverted file; status keeps naming dave until dev is re-keyed.
    try bob.ok(["trust", "--accept-rollback"])
    let bobStatus = try bob.ok(["status"])
    let departed = try #require(line(bobStatus.stdout, startingWith: "departed:"), "\(bobStatus.stdout)")
    #expect(departed.contains("dave left the members"), "\(departed)")
    #expect(departed.contains("without a re-key of dev"), "\(departed)")
    #expect(departed.contains("an owner runs `vault members rm dave`"), "\(departed)")
    // exec still runs (the values are bob's to use) but says who else holds dev's key.
    let bobExec = try bob.ok(["exec", "--env", "dev", "--", "true"])
    #expect(
      bobExec.stderr.contains(
        "vault: warning: dave left the members without a re-key of dev and still holds its key;"
          + " an owner runs `vault members rm dave`"), "\(bobExec.stderr)")
    // A non-owner cannot do it.
    expectOneError(try bob.run(["members", "rm", "dave"]), 4)
    // Nothing new is encrypted to a key dave holds.
    let vaultBefore = try bob.readFile(bob.teamVault)
    let refusedSet = try bob.run(["set", "--env", "dev", "NEW"], stdin: "value-for-dave")
    expectOneError(refusedSet, 4, mentioning: "dave left the members without a re-key")
    expectNoLeak("value-for-dave", in: refusedSet)
    #expect(try bob.readFile(bob.teamVault) == vaultBefore)

    // alice follows the advice: accept, then remove dave, who is not in the header any more.
    try alice.ok(["trust", "--accept-rollback"])
    #expect(line(try alice.ok(["status"]).stdout, startingWith: "departed:") != nil)
    let removal = try alice.ok(["members", "rm", "dave"])
    #expect(removal.stdout.contains("re-keyed dev"), "\(removal.stdout)")
    #expect(line(try alice.ok(["status"]).stdout, startingWith: "departed:") == nil)
    let list = try alice.ok(["list"])
    #expect(listRow(list, "shop/dev/OPENAI_API_KEY")?.contains("rotate: exposed to dave") == true, "\(list.stdout)")
    try alice.ok(["set", "--env", "dev", "AFTER"], stdin: "value-after-rekey")
    try alice.git(["commit", "-q", "-am", "remove dave"])
    try alice.git(["push", "-q", "origin", "main"])

    // dave's old seal no longer opens the current dev key.
    #expect(try davesDevKey(withDave, dave: dave) != (try devKey(alice)))
    let daveSecret = dave.secretString.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    expectOneError(
      try alice.run(["get", "--env", "dev", "AFTER"], env: ["VAULT_IDENTITY": daveSecret]), 4)

    // bob pulls the re-key: a newer generation than any he saw, signed by alice; no warning.
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    let after = try bob.ok(["status"])
    #expect(line(after.stdout, startingWith: "departed:") == nil, "\(after.stdout)")
    #expect(try bob.ok(["exec", "--env", "dev", "--", "true"]).stderr == "")
    #expect(try bob.ok(["get", "--env", "dev", "AFTER"]).stdout == "value-after-rekey\n")
  }

  /// Without the revert being accepted, a newer re-key from the owner is accepted as is.
  @Test func anOwnerWhoNeverSawTheAdditionCannotRemoveWhatItDoesNotKnow() throws {
    let alice = try Sandbox.person("alice")
    try alice.ok(["init", "--here", "--no-passphrase"])
    expectOneError(try alice.run(["members", "rm", "dave"]), 2, mentioning: "dave")
  }
}
