import Foundation
import Testing

/// Issue 7, point 1: the project and environment without flags, in CI clones, containers,
/// worktrees and pinned directories; `status` says why; an empty lookup says what is there.
@Suite struct ProjectResolutionTests {
  /// alice's team vault under `shop` (dev and prod), pushed to a bare origin.
  static func teamOrigin() throws -> (alice: Sandbox, origin: URL) {
    let alice = try Sandbox.person("alice")
    let origin = try makeOrigin(in: alice)
    try alice.git(["clone", "-q", origin.path, alice.clone.path], in: alice.root)
    try alice.ok(["init", "--here", "--no-passphrase"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd1"))
    try alice.git(["add", ".vault"])
    try alice.git(["commit", "-q", "-m", "vault"])
    try alice.git(["push", "-q", "origin", "main"])
    return (alice, origin)
  }

  @Test func aTeamVaultsOnlyProjectIsUsedWhereverItIsCloned() throws {
    let (alice, origin) = try Self.teamOrigin()
    // CI: a clone into shop_PR-42 (Jenkins, GitLab).
    let pr = alice.root.appendingPathComponent("ci/shop_PR-42")
    try alice.git(["clone", "-q", origin.path, pr.path], in: alice.root)
    let value = try alice.execValue(env: "prod", directory: pr)
    #expect(value.status == 0 && value.stdout == fakeKey("prd1"), "\(value.stderr)")
    // A container: /app without .git.
    let app = alice.root.appendingPathComponent("app")
    try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: pr.path + "/.vault", toPath: app.path + "/.vault")
    #expect(try alice.execValue(env: "prod", directory: app).stdout == fakeKey("prd1"))
    // A git worktree shop-hotfix.
    let hotfix = alice.root.appendingPathComponent("shop-hotfix")
    try alice.git(["worktree", "add", "-q", hotfix.path, "-b", "hotfix"])
    #expect(try alice.execValue(env: "dev", directory: hotfix).stdout == fakeKey("dev1"))
    // VAULT_ENV like VAULT_PROJECT: flag beats variable beats dev; the fast path too.
    let viaEnv = try alice.run(
      ["exec", "--", "/bin/sh", "-c", "printf %s \"$OPENAI_API_KEY\""], env: ["VAULT_ENV": "prod"],
      directory: pr)
    #expect(viaEnv.stdout == fakeKey("prd1"), "\(viaEnv.stderr)")
    let flagWins = try alice.run(
      ["exec", "--env", "dev", "--", "/bin/sh", "-c", "printf %s \"$OPENAI_API_KEY\""],
      env: ["VAULT_ENV": "prod"], directory: pr)
    #expect(flagWins.stdout == fakeKey("dev1"), "\(flagWins.stderr)")
    let get = try alice.run(["get"], env: ["VAULT_ENV": "prod"], directory: app)
    #expect(get.stdout == fakeKey("prd1") + "\n", "\(get.stderr)")
    // status says what it resolved and why.
    let status = try alice.ok(["status"], env: ["VAULT_ENV": "prod"], directory: pr)
    #expect(
      status.stdout.contains(
        "project:  shop (the only project in the vault; nothing under shop_PR-42)"),
      "\(status.stdout)")
    #expect(status.stdout.contains("env:      prod (VAULT_ENV)"), "\(status.stdout)")
    let plain = try alice.ok(["status"])
    #expect(plain.stdout.contains("project:  shop (git work tree name, "), "\(plain.stdout)")
    #expect(plain.stdout.contains("env:      dev (default)"), "\(plain.stdout)")
    // Explicit always wins; an empty lookup lists what the vault holds.
    for result in [
      try alice.run(["exec", "--project", "web", "--env", "prod", "--", "true"], directory: pr),
      try alice.run(["exec", "--env", "prod", "--", "true"], env: ["VAULT_PROJECT": "web"]),
      try alice.run(["get", "--project", "web"], directory: pr),
    ] {
      expectOneError(result, 2, mentioning: "this vault holds: shop (dev, prod)")
      #expect(result.stderr.contains("use --project or VAULT_PROJECT"))
      #expect(!result.stderr.contains("vault set"))
    }
  }

  @Test func aPersonalVaultIsPinnedPerDirectoryTree() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("shp1"), env: "dev")
    let clone = box.root.appendingPathComponent("home/code/shop-renamed/src")
    try FileManager.default.createDirectory(at: clone, withIntermediateDirectories: true)
    let top = clone.deletingLastPathComponent()
    // A personal vault's only project does not capture another directory.
    let before = try box.run(["get"], directory: clone)
    expectOneError(before, 2, mentioning: "no entries for src/dev; this vault holds: shop (dev)")
    let pinned = try box.ok(["project", "pin", "shop"], directory: top)
    #expect(pinned.stdout.hasPrefix("pinned shop to "))
    #expect(try box.ok(["get"], directory: clone).stdout == fakeKey("shp1") + "\n")
    #expect(try box.execValue(env: "dev", directory: clone).stdout == fakeKey("shp1"))
    let show = try box.ok(["project", "show"], directory: clone)
    #expect(show.stdout.contains("project:  shop (pinned at "), "\(show.stdout)")
    #expect(try box.ok(["status"], directory: clone).stdout.contains("(pinned at "))
    // Explicit still wins over the pin.
    let explicit = try box.run(["get"], env: ["VAULT_PROJECT": "other"], directory: clone)
    expectOneError(explicit, 2, mentioning: "no entries for other/dev")
    try box.ok(["project", "unpin"], directory: top)
    expectOneError(try box.run(["get"], directory: clone), 2, mentioning: "no entries for src/dev")
  }
}

extension ProjectResolutionTests {
  /// In a directory whose name is no project name, `status` and `project show` say so and
  /// go on (they are how a person finds out); an invalid `--project` is still a usage error.
  @Test func statusInADirectoryThatNamesNoProject() throws {
    let box = try Sandbox(project: "bad name!")
    try box.initVault()
    for command in [["status"], ["project", "show"]] {
      let result = try box.run(command)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(
        result.stdout.contains("project:  none ('bad name!' here is not a project name"),
        "\(result.stdout)")
    }
    expectOneError(try box.run(["status", "--project", "bad name!"]), 64)
    expectOneError(try box.run(["set", "--env", "dev"], stdin: fakeKey("bad1")), 64)
  }
}
