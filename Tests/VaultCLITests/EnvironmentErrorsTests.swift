import Foundation
import Testing

/// Issue 7, point 7: a mistyped environment names the ones that exist and the closest;
/// `list --env` of a missing one is an error; `vault env list` shows them.
@Suite struct EnvironmentErrorsTests {
  @Test func aMissingEnvironmentNamesTheOthersAndTheClosest() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("prd1"), env: "prod")
    let before = box.fileBytes()
    let exec = try box.run(["exec", "--env", "prd", "--", "true"])
    expectOneError(exec, 2, mentioning: "no environment 'prd' in this vault; it has dev, prod, staging")
    #expect(exec.stderr.contains("vault: hint: did you mean prod?"), "\(exec.stderr)")
    let set = try box.run(["set", "--env", "prd"], stdin: fakeKey("prd2"))
    expectOneError(set, 2, mentioning: "did you mean prod?")
    expectNoLeak(fakeKey("prd2"), in: set)
    // Far from every name: no guess, a pointer to the list instead.
    let far = try box.run(["get", "--env", "production-eu"])
    expectOneError(far, 2, mentioning: "it has dev, prod, staging")
    #expect(far.stderr.contains("`vault env list`"), "\(far.stderr)")
    // `list --env` of an environment the vault lacks is an error, not an empty success.
    let list = try box.run(["list", "--env", "prd"])
    expectOneError(list, 2, mentioning: "did you mean prod?")
    #expect(box.fileBytes() == before)
    #expect(try box.run(["list", "--env", "staging"]).status == 0)
  }

  @Test func envListShowsReadersAndWriters() throws {
    let box = try Sandbox()
    try box.initVault()
    let list = try box.run(["env", "list"])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(
      outputLines(list.stdout) == [
        "dev      read alice  write alice", "prod     read alice  write alice",
        "staging  read alice  write alice",
      ], "\(list.stdout)")
    #expect(try box.run(["env", "add", "qa"]).status == 0)
    #expect(try box.run(["env", "list"]).stdout.contains("qa       read alice  write alice"))
  }
}

/// A member whose read access `members set` narrowed is not called removed: `list`, `status`
/// and `exec` say their read access was taken away.
@Suite struct NarrowedWriterWordingTests {
  @Test func aNarrowedWritersValuesAreNotCalledRemoved() throws {
    let box = try Sandbox()
    try box.initVault()
    let new = try box.run(["identity", "new", "--no-passphrase"], directory: box.root)
    let bobSecret = new.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let bobPublic = try #require(line(new.stderr, startingWith: "vault: public identity: "))
      .dropFirst("vault: public identity: ".count)
    try box.ok(["members", "add", "bob", String(bobPublic), "--read", "dev,staging", "--write", "dev,staging"])
    try box.ok(["set", "--env", "staging", "OPENAI_BASE_URL"], stdin: "http://bob.example/v1",
      env: ["VAULT_IDENTITY": bobSecret])
    try box.ok(["members", "set", "bob", "--read", "dev", "--write", "dev"])
    let exec = try box.ok(["exec", "--env", "staging", "--", "true"])
    #expect(exec.stderr.contains("was written by bob (read access taken away 20"), "\(exec.stderr)")
    #expect(!exec.stderr.contains("removed"))
    let status = try box.ok(["status"])
    #expect(status.stdout.contains("(written by bob, read access taken away)"), "\(status.stdout)")
    let list = try box.ok(["list"])
    #expect(list.stdout.contains("written by bob (read access taken away)"), "\(list.stdout)")
    // The review view says the same (it said "removed" for a narrowed member).
    let diff = try box.ok(["git", "diff", "--", box.vaultPath])
    #expect(
      diff.stdout.contains("OPENAI_BASE_URL rotate: written by bob (read access taken away)"),
      "\(diff.stdout)")
  }
}
