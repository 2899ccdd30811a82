import Foundation
import Testing
import VaultCore

/// What a reviewer sees of a membership change: `git diff` (through `vault git diff`) and
/// `vault members list` name each member's key by its fingerprint and say who signed the
/// header, so a commit that puts another key behind a familiar name shows up in review.
@Suite struct ReviewVisibilityTests {
  func fingerprint(_ publicIdentity: String) -> String {
    PublicIdentity(publicIdentity)?.fingerprint ?? "not a public identity"
  }

  /// The `-`/`+` lines of a diff that start with `prefix` (after the sign).
  func changed(_ diff: RunResult, _ sign: String, _ prefix: String) -> [String] {
    outputLines(diff.stdout).filter { $0.hasPrefix(sign + prefix) }
  }

  @Test func identitySwapShowsInDiffAndMembersList() throws {
    let alice = try Sandbox.person("alice")
    let bob = try Sandbox.person("bob")
    let mallory = try Sandbox.person("mallory")
    let carol = try Sandbox.person("carol")
    let reviewer = try Sandbox.person("rita")
    let origin = try makeOrigin(in: alice)

    // alice owns a team vault; bob reads and writes dev.
    try alice.git(["clone", "-q", origin.path, alice.clone.path], in: alice.root)
    try alice.ok(["init", "--here", "--no-passphrase"])
    try alice.ok(["git", "setup"])
    for person in [bob, mallory, carol] {
      try person.ok(["init", "--no-passphrase"], directory: person.root)
    }
    let (alicePublic, bobPublic) = (try alice.publicIdentity(), try bob.publicIdentity())
    let (malloryPublic, carolPublic) = (try mallory.publicIdentity(), try carol.publicIdentity())
    let (aliceFP, bobFP) = (fingerprint(alicePublic), fingerprint(bobPublic))
    let (malloryFP, carolFP) = (fingerprint(malloryPublic), fingerprint(carolPublic))
    #expect(Set([aliceFP, bobFP, malloryFP, carolFP]).count == 4)
    // Each person reads their own fingerprint, to compare with what review shows.
    #expect(try bob.ok(["identity", "show", "--fingerprint"]).stdout == bobFP + "\n")
    #expect(try mallory.ok(["identity", "show", "--fingerprint"]).stdout == malloryFP + "\n")
    try alice.ok(["members", "add", "bob", bobPublic, "--read", "dev", "--write", "dev"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    try alice.git(["add", ".vault", ".gitattributes"])
    try alice.git(["commit", "-q", "-m", "team vault with bob"])

    let before = try alice.ok(["members", "list"])
    #expect(
      outputLines(before.stdout) == [
        "alice  owner   \(aliceFP)  read dev,prod,staging  write dev,prod,staging",
        "bob    member  \(bobFP)  read dev               write dev",
        "signed by alice (\(aliceFP))",
      ])

    // The swap: same name, same role and environments, mallory's key, signed by alice.
    try alice.ok(["members", "rm", "bob"])
    try alice.ok(["members", "add", "bob", malloryPublic, "--read", "dev", "--write", "dev"])
    try alice.git(["commit", "-q", "-am", "routine re-key"])
    try alice.git(["push", "-q", "origin", "main"])

    // A reviewer with no identity, in a fresh clone, sees the key change in `git diff`.
    try reviewer.cloneTeamRepository(origin)
    for person in [reviewer, alice] {
      let diff = try person.git(["diff", "-U100", "HEAD~1", "--", ".vault"])
      #expect(
        changed(diff, "-", "member bob ") == [
          "-member bob read dev write dev fingerprint \(bobFP)"
        ],
        "\(diff.stdout)")
      #expect(
        changed(diff, "+", "member bob ")
          == ["+member bob read dev write dev fingerprint \(malloryFP)"], "\(diff.stdout)")
      let alicesLine =
        " member alice owner read dev,prod,staging write dev,prod,staging fingerprint \(aliceFP)"
      #expect(outputLines(diff.stdout).contains(alicesLine), "\(diff.stdout)")
      #expect(outputLines(diff.stdout).contains(" signed-by alice \(aliceFP)"), "\(diff.stdout)")
      #expect(!diff.stdout.contains(fakeKey("dev1")))
    }
    // The full text: the generation, members, then the signer, then the environments.
    let direct = try reviewer.ok(["git", "diff", ".vault"])
    let header = outputLines(direct.stdout).prefix(5).map { $0.split(separator: " ").first ?? "" }
    #expect(header == ["vault", "generation", "member", "member", "signed-by"], "\(direct.stdout)")

    // `members list`, text and JSON, names mallory's key behind "bob".
    for person in [reviewer, alice] {
      let list = try person.ok(["members", "list"])
      #expect(
        outputLines(list.stdout) == [
          "alice  owner   \(aliceFP)  read dev,prod,staging  write dev,prod,staging",
          "bob    member  \(malloryFP)  read dev               write dev",
          "signed by alice (\(aliceFP))",
        ], "\(list.stdout)")
      let json = try person.ok(["members", "list", "--json"])
      let members = try #require(
        try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [[String: Any]],
        "an array of members: \(json.stdout)")
      #expect(members.map { $0["name"] as? String } == ["alice", "bob"])
      #expect(members.map { $0["fingerprint"] as? String } == [aliceFP, malloryFP])
      #expect(members.map { $0["identity"] as? String } == [alicePublic, malloryPublic])
      #expect(members.map { $0["signer"] as? Bool } == [true, false])
    }

    // Who signed the header shows too: carol, an owner alice added, signs the next change.
    try alice.ok(["members", "add", "carol", carolPublic, "--read", "dev", "--owner"])
    try alice.git(["commit", "-q", "-am", "carol"])
    try alice.git(["push", "-q", "origin", "main"])
    try carol.cloneTeamRepository(origin)
    try carol.ok(["env", "add", "qa"])
    try carol.git(["commit", "-q", "-am", "qa"])
    try carol.git(["push", "-q", "origin", "main"])
    try reviewer.git(["pull", "-q", "origin", "main"])
    let signerDiff = try reviewer.git(["diff", "HEAD~1", "--", ".vault"])
    #expect(changed(signerDiff, "-", "signed-by") == ["-signed-by alice \(aliceFP)"])
    #expect(changed(signerDiff, "+", "signed-by") == ["+signed-by carol \(carolFP)"])
    let carolsList = try carol.ok(["members", "list"])
    #expect(outputLines(carolsList.stdout).last == "signed by carol (\(carolFP))")
    let carolsJSON = try carol.ok(["members", "list", "--json"])
    let members = try #require(
      try JSONSerialization.jsonObject(with: carolsJSON.stdoutBytes) as? [[String: Any]])
    #expect(members.map { $0["signer"] as? Bool } == [false, false, true])
  }
}
