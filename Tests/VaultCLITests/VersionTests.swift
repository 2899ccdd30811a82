import Foundation
import Testing

/// Versions keep counting after `rm` (FileFormat.md, "Tombstones"): a version number names
/// one value for the life of the vault.
@Suite struct VersionTests {
  @Test func versionsKeepCountingAfterRemoval() throws {
    let box = try Sandbox()
    try box.initVault()
    let first = try box.run(["set", "--env", "prod"], stdin: fakeKey("one1"))
    #expect(first.stdout.contains("(version 1)"), "\(first.stdout)")
    try box.set(fakeKey("two2"), env: "prod")
    // --yes: without a terminal, removing a prod entry must say so (ToolsTests).
    let rm = try box.run(["rm", "--env", "prod", "--yes", "OPENAI_API_KEY"])
    #expect(rm.status == 0, "\(rm.stderr)")
    // Nothing left to inject, nothing listed.
    expectOneError(try box.run(["exec", "--env", "prod", "--", "true"]), 2, mentioning: "no entries")
    #expect(try box.run(["list"]).stdout.contains("OPENAI_API_KEY") == false)
    let again = try box.run(["set", "--env", "prod"], stdin: fakeKey("thr3"))
    #expect(again.stdout.contains("(version 3)"), "\(again.stdout)")
    let run = try box.run(["exec", "--env", "prod", "--", "/bin/sh", "-c", "printf %s \"$OPENAI_API_KEY\""])
    #expect(run.stdout == fakeKey("thr3"))
    let list = try box.run(["list", "--json"])
    #expect(list.stdout.contains("\"version\":3"))
  }
}
