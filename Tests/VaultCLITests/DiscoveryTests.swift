import Foundation
import Testing

/// Finding `.vault` by walking up from the current directory (issue 6, item 4): the walk
/// stops at the git work tree root, $HOME or `/`; a discovered file that another local user
/// controls (owned by another uid, or in a directory others can write) is refused; a FIFO
/// named `.vault` never makes a command hang. `--vault` and `$VAULT_FILE` are the override.
@Suite struct DiscoveryTests {
  /// A sandbox with an identity, a personal vault holding `personal` in dev, and a
  /// `.vault` at `path` (same identity, so the victim is a member) holding `planted`.
  static func boxWithPlantedVault(
    at path: (Sandbox) -> String, personal: String = fakeKey("pers"),
    planted: String = fakeKey("plnt")
  ) throws -> Sandbox {
    let box = try Sandbox()
    try box.initVault()
    try box.set(personal, env: "dev")
    let planted = path(box)
    try FileManager.default.createDirectory(
      atPath: (planted as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let made = try box.run(["init", "--no-passphrase", "--vault", planted])
    try #require(made.status == 0, "init --vault: \(made.stderr)")
    let stored = try box.run(["set", "--env", "dev", "--vault", planted], stdin: fakeKey("plnt"))
    try #require(stored.status == 0, "set --vault: \(stored.stderr)")
    return box
  }

  /// What `exec --env dev` injects, run in `directory`.
  static func injected(_ box: Sandbox, in directory: URL? = nil, env: [String: String] = [:])
    throws -> RunResult
  {
    try box.run(
      ["exec", "--env", "dev", "--", "/bin/sh", "-c", "printf %s \"$OPENAI_API_KEY\""], env: env,
      directory: directory)
  }

  @Test func aVaultAboveHomeIsNotUsed() throws {
    // $HOME is <root>/home; the work directory <root>/home/code/shop is in no repository.
    let box = try Self.boxWithPlantedVault(at: { $0.root.appendingPathComponent(".vault").path })
    let result = try Self.injected(box)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == fakeKey("pers"), "the walk went above HOME: \(result.stdout)")
    let list = try box.ok(["list"])
    #expect(!list.stdout.contains(box.root.path + "/.vault"), "\(list.stdout)")
  }

  @Test func aVaultInHomeItselfIsUsed() throws {
    let box = try Self.boxWithPlantedVault(at: { $0.home.appendingPathComponent(".vault").path })
    let result = try Self.injected(box)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == fakeKey("plnt"), "HOME is checked before the walk stops")
  }

  @Test func insideAGitRepositoryTheWalkStopsAtItsRoot() throws {
    // <root>/home/code/.vault lies above the repository <root>/home/code/shop.
    let box = try Self.boxWithPlantedVault(at: {
      $0.home.appendingPathComponent("code/.vault").path
    })
    let repository = box.workDirectory
    _ = try box.git(["init", "-q", repository.path])
    let deeper = repository.appendingPathComponent("src/app")
    try FileManager.default.createDirectory(at: deeper, withIntermediateDirectories: true)
    for directory in [repository, deeper] {
      let result = try Self.injected(box, in: directory)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == fakeKey("pers"), "the walk crossed the git root at \(directory.path)")
    }
    // A `.git` file (a worktree or submodule) is a boundary too.
    let worktree = box.home.appendingPathComponent("code/wt")
    try FileManager.default.createDirectory(at: worktree, withIntermediateDirectories: true)
    try Data("gitdir: /nonexistent\n".utf8).write(to: worktree.appendingPathComponent(".git"))
    let fromWorktree = try Self.injected(box, in: worktree, env: ["VAULT_PROJECT": "shop"])
    #expect(fromWorktree.status == 0 && fromWorktree.stdout == fakeKey("pers"), "\(fromWorktree.stderr)")
    // The repository's own .vault (at its root) is found from below.
    let team = box.teamVault
    try FileManager.default.moveItem(atPath: box.home.path + "/code/.vault", toPath: team)
    let found = try Self.injected(box, in: deeper)
    #expect(found.status == 0 && found.stdout == fakeKey("plnt"), "\(found.stderr)")
  }

  @Test func aFIFONamedVaultDoesNotHang() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("fifo"), env: "dev")
    let fifo = box.workDirectory.appendingPathComponent(".vault").path
    #expect(mkfifo(fifo, 0o600) == 0)
    func bounded(_ args: [String], env: [String: String] = [:]) throws -> RunResult {
      // `timeout` exits 124 when the command hangs: the failure this test is about.
      try box.execute("/usr/bin/timeout", ["10", Sandbox.binary] + args, env: env)
    }
    for args in [["list"], ["get", "--env", "dev"], ["exec", "--env", "dev", "--", "true"]] {
      let result = try bounded(args)
      expectOneError(result, 1, mentioning: "not a regular file")
      #expect(result.stderr.contains(fifo), "\(result.stderr)")
    }
    // Named explicitly, it still does not block.
    let named = try bounded(["list", "--vault", fifo])
    expectOneError(named, 1, mentioning: "not a regular file")
    let fromEnvironment = try bounded(["exec", "--env", "dev", "--", "true"], env: ["VAULT_FILE": fifo])
    expectOneError(fromEnvironment, 1, mentioning: "not a regular file")
    // Nor does an identity file that is a FIFO.
    let identityFIFO = box.root.appendingPathComponent("identity.fifo").path
    #expect(mkfifo(identityFIFO, 0o600) == 0)
    let identity = try bounded(
      ["get", "--env", "dev", "--vault", box.vaultPath], env: ["VAULT_IDENTITY_FILE": identityFIFO])
    expectOneError(identity, 1, mentioning: "not a regular file")
  }

  @Test(arguments: [0o777, 0o775, 0o1777, 0o757])
  func aVaultInADirectoryOthersCanWriteIsRefused(mode: Int) throws {
    let box = try Self.boxWithPlantedVault(at: { $0.workDirectory.appendingPathComponent(".vault").path })
    let planted = box.workDirectory.appendingPathComponent(".vault").path
    #expect(chmod(box.workDirectory.path, mode_t(mode)) == 0)
    let before = try box.readFile(planted)
    for args in [["list"], ["exec", "--env", "dev", "--", "true"], ["members", "list"]] {
      let result = try box.run(args)
      expectOneError(result, 1, mentioning: planted)
      #expect(result.stderr.contains("other users can write"), "\(result.stderr)")
      #expect(result.stderr.contains("vault: hint: ") && result.stderr.contains("--vault"), "\(result.stderr)")
    }
    let written = try box.run(["set", "--env", "dev"], stdin: fakeKey("nope"))
    expectOneError(written, 1, mentioning: planted)
    #expect(try box.readFile(planted) == before)
    // The documented override: name it.
    let named = try Self.injected(box, env: ["VAULT_FILE": planted])
    #expect(named.status == 0 && named.stdout == fakeKey("plnt"), "\(named.stderr)")
    let flag = try box.run(["list", "--vault", planted])
    #expect(flag.status == 0, "\(flag.stderr)")
  }

  @Test func aVaultOwnedByAnotherUserIsRefused() throws {
    try #require(geteuid() == 0, "needs root to chown the planted file")
    let box = try Self.boxWithPlantedVault(at: { $0.workDirectory.appendingPathComponent(".vault").path })
    let planted = box.workDirectory.appendingPathComponent(".vault").path
    #expect(chown(planted, 65534, 65534) == 0)
    for args in [["list"], ["get", "--env", "dev"], ["exec", "--env", "dev", "--", "true"]] {
      let result = try box.run(args)
      expectOneError(result, 1, mentioning: planted)
      #expect(result.stderr.contains("owned by another user"), "\(result.stderr)")
      #expect(result.stderr.contains("vault: hint: ") && result.stderr.contains("--vault"), "\(result.stderr)")
      expectNoLeak(fakeKey("plnt"), in: result)
    }
    let named = try box.run(["get", "--env", "dev", "--vault", planted])
    #expect(named.status == 0 && named.stdout == fakeKey("plnt") + "\n", "\(named.stderr)")
  }

  @Test func aNonRegularVaultFoundByDiscoveryIsRefused() throws {
    let box = try Sandbox()
    try box.initVault()
    let directory = box.workDirectory.appendingPathComponent(".vault")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
    let result = try box.run(["list"])
    expectOneError(result, 1, mentioning: "not a regular file")
  }
}
