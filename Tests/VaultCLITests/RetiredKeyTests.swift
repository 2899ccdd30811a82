import Foundation
import Testing
import VaultCore

/// Issue 8, point 6: a clone that never ran `vault git setup` (CI, a GUI client, a hosting
/// "merge" button) merges `.vault` as text. An entry added on a branch lands next to an
/// environment re-keyed on main, encrypted to the key main retired. Format version 3 entry
/// lines name their key, so every reader says so instead of "tampered".
@Suite struct RetiredKeyTests {
  /// alice (owner) and carol (reads and writes dev) share a repository with no merge driver;
  /// bob reads dev. carol adds web/dev/NEW_KEY on a branch; alice removes bob on main (dev
  /// re-keyed); carol merges main with git's text merge.
  struct TextMerged {
    let alice: Sandbox
    let carol: Sandbox
  }

  func textMerge() throws -> TextMerged {
    let alice = try Sandbox.person("alice")
    let carol = try Sandbox.person("carol")
    let origin = try makeOrigin(in: alice)
    try alice.git(["clone", "-q", origin.path, alice.clone.path], in: alice.root)
    try alice.ok(["init", "--here", "--no-passphrase"])
    let bob = Identity.generate()
    try alice.ok(["members", "add", "bob", bob.publicIdentity.description, "--read", "dev"])
    try carol.ok(["init", "--no-passphrase"], directory: carol.root)
    try alice.ok([
      "members", "add", "carol", try carol.publicIdentity(), "--read", "dev", "--write", "dev",
    ])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd1"))
    #expect(try String(contentsOfFile: alice.teamVault, encoding: .utf8).hasPrefix("vault 3\n"))
    try alice.git(["add", ".vault"])
    try alice.git(["commit", "-q", "-m", "vault"])
    try alice.git(["push", "-q", "origin", "main"])
    // carol's clone never runs `vault git setup`: git merges .vault as text.
    try carol.git(["clone", "-q", origin.path, carol.clone.path], in: carol.root)
    try carol.git(["checkout", "-q", "-b", "feature"])
    try carol.ok(["set", "--project", "web", "--env", "dev", "NEW_KEY"], stdin: "value-new-1234")
    try carol.git(["commit", "-q", "-am", "NEW_KEY"])

    try alice.ok(["members", "rm", "bob"])
    try alice.git(["commit", "-q", "-am", "remove bob"])
    try alice.git(["push", "-q", "origin", "main"])

    try carol.git(["fetch", "-q", "origin"])
    let merge = try carol.git(["merge", "--no-edit", "origin/main"], check: false)
    #expect(merge.status == 0, "git's text merge is clean: \(merge.stdout)\(merge.stderr)")
    #expect(try carol.git(["config", "--get", "merge.vault.driver"], check: false).status != 0)
    return TextMerged(alice: alice, carol: carol)
  }

  @Test func listStatusAndGetNameTheRetiredKey() throws {
    let merged = try textMerge()
    let carol = merged.carol
    let list = try carol.ok(["list"])
    let row = try #require(listRow(list, "web/dev/NEW_KEY"), "\(list.stdout)")
    #expect(row.contains("encrypted to a retired key of dev: store it again"), "\(row)")
    #expect(listRow(list, "shop/dev/OPENAI_API_KEY")?.contains("retired") == false)
    let json = try carol.ok(["list", "--json"]).stdout
    #expect(json.contains("\"name\":\"NEW_KEY\"") && json.contains("\"retired_key\":true"), "\(json)")

    let status = try carol.ok(["status"])
    let retired = try #require(line(status.stdout, startingWith: "retired:"), "\(status.stdout)")
    #expect(retired.contains("web/dev/NEW_KEY (encrypted to a retired key of dev: store it again"))
    #expect(retired.contains("vault set --project web --env dev NEW_KEY"), "\(retired)")

    // The review view (git's textconv) marks it too; the rest of dev is current.
    let diff = try carol.ok(["git", "diff", "--", ".vault"]).stdout
    let diffLines = outputLines(diff)
    #expect(
      diffLines.contains { $0.hasPrefix("web/dev/NEW_KEY ") && $0.hasSuffix(" retired-key") },
      "\(diff)")
    #expect(diffLines.filter { $0.hasSuffix(" retired-key") }.count == 1, "\(diff)")

    // get and exec refuse it as what it is, with their own exit code, not "tampered".
    let get = try carol.run(["get", "--project", "web", "--env", "dev", "NEW_KEY"])
    expectOneError(get, 7, mentioning: "web/dev/NEW_KEY is encrypted to a retired key of dev: store it again")
    #expect(get.stderr.contains("carol has the value"), "\(get.stderr)")
    #expect(!get.stderr.contains("tampered"))
    expectNoLeak("value-new-1234", in: get)
    let exec = try carol.run(["exec", "--project", "web", "--env", "dev", "--", "/bin/true"])
    expectOneError(exec, 7, mentioning: "retired key of dev")
    // doctor: not damage (exit 0), but named.
    let doctor = try carol.ok(["doctor", "--vault", carol.teamVault])
    #expect(
      doctor.stdout.contains(
        "ok       web/dev  1 entry; encrypted to a retired key of dev, store again: NEW_KEY"),
      "\(doctor.stdout)")
    #expect(!doctor.stdout.contains("shop/dev  1 entry;"), "\(doctor.stdout)")
    // `vault scan` indexes what it can open and skips the entry it cannot: no failure.
    let scan = try carol.run(["scan"])
    #expect(scan.status == 0, "\(scan.stdout)\(scan.stderr)")
    // The rest of dev reads, under the current key.
    #expect(try carol.ok(["get", "--env", "dev"]).stdout == fakeKey("dev1") + "\n")

    // alice, after pulling the merge, is told the same; carol stores it again and it reads.
    try carol.git(["push", "-q", "origin", "feature:main"])
    let alice = merged.alice
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    let aliceGet = try alice.run(["get", "--project", "web", "--env", "dev", "NEW_KEY"])
    expectOneError(aliceGet, 7, mentioning: "retired key of dev")
    try carol.ok(["set", "--project", "web", "--env", "dev", "NEW_KEY"], stdin: "value-new-1234")
    #expect(listRow(try carol.ok(["list"]), "web/dev/NEW_KEY")?.contains("retired") == false)
    #expect(line(try carol.ok(["status"]).stdout, startingWith: "retired:") == nil)
    try carol.git(["commit", "-q", "-am", "NEW_KEY again"])
    try carol.git(["push", "-q", "origin", "feature:main"])
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(
      try alice.ok(["get", "--project", "web", "--env", "dev", "NEW_KEY"]).stdout
        == "value-new-1234\n")
  }
}
