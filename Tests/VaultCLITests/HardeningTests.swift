import Foundation
import Testing
import VaultCore

/// Issue 6, items 5, 8, 11, 13 and 14: what `exec` hands its child, size caps before any
/// read, key-shaped project and member names, paths with terminal escapes in errors, and
/// values holding a NUL byte.
@Suite struct HardeningTests {
  // MARK: - Item 5: the child gets none of vault's own credentials

  @Test(arguments: [false, true])
  func execDropsVaultCredentialsFromTheChild(only: Bool) throws {
    let box = try Sandbox()
    let minted = try box.run(["identity", "new", "--no-passphrase"])
    try #require(minted.status == 0, "\(minted.stderr)")
    let secretIdentity = minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try #require(secretIdentity.hasPrefix("VAULT-SECRET-"))
    let passphraseFile = try box.writeSandboxFile("pass", "unused passphrase\n")
    let vaultFile = box.root.appendingPathComponent("ci.vault").path
    let env = [
      "VAULT_IDENTITY": secretIdentity,
      "VAULT_IDENTITY_FILE": box.root.appendingPathComponent("elsewhere.identity").path,
      "VAULT_PASSPHRASE_FILE": passphraseFile,
      "VAULT_FILE": vaultFile,
      "VAULT_PROJECT": "shop",
    ]
    let created = try box.run(["init", "--no-passphrase"], env: env)
    try #require(created.status == 0, "\(created.stderr)")
    let stored = try box.run(["set", "--env", "prod"], stdin: fakeKey("ci01"), env: env)
    try #require(stored.status == 0, "\(stored.stderr)")
    let args =
      ["exec", "--env", "prod"] + (only ? ["--only", "OPENAI_API_KEY"] : []) + ["--", "/usr/bin/env"]
    let result = try box.run(args, env: env)
    #expect(result.status == 0, "\(result.stderr)")
    let lines = outputLines(result.stdout)
    #expect(lines.contains("OPENAI_API_KEY=" + fakeKey("ci01")))
    for name in ["VAULT_IDENTITY", "VAULT_IDENTITY_FILE", "VAULT_PASSPHRASE_FILE"] {
      #expect(!lines.contains { $0.hasPrefix(name + "=") }, "the child sees \(name)")
    }
    #expect(!result.stdout.contains(secretIdentity))
    #expect(lines.contains("VAULT_FILE=" + vaultFile), "a nested vault call needs VAULT_FILE")
    #expect(lines.contains("VAULT_PROJECT=shop"))
    #expect(lines.contains { $0.hasPrefix("HOME=") })
  }

  // MARK: - Item 8: a file over the cap is refused before it is read or mapped

  @Test func aHugeSparseVaultFailsFastWithBoundedMemory() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("huge"), env: "prod")
    let truncated = try box.execute("/usr/bin/truncate", ["-s", "2G", box.vaultPath])
    try #require(truncated.status == 0, "\(truncated.stderr)")
    let input = try box.writeSandboxFile("value", fakeKey("new1"))
    // At most 1 GiB of address space: reading or mapping 2 GiB cannot succeed, so only a
    // refusal on the size alone gives the expected message.
    for args in [
      ["get", "--env", "prod"], ["exec", "--env", "prod", "--", "true"], ["list"],
      ["set", "--env", "dev", "OTHER"],
    ] {
      let command = ([Sandbox.binary] + args).map { "'\($0)'" }.joined(separator: " ")
      let result = try box.execute(
        "/bin/sh", ["-c", "ulimit -v 1048576; exec " + command + " <'\(input)'"])
      expectOneError(result, 1, mentioning: "larger than 256 MiB")
      #expect(result.stderr.contains(box.vaultPath), "\(result.stderr)")
      expectNoLeak(fakeKey("huge"), in: result)
    }
  }

  // MARK: - Item 11: a key where a project or member name goes

  static let keyShapedNames = [
    "sk-proj-" + String(repeating: "aB3", count: 18),
    "sk-" + String(repeating: "Ab1", count: 16),  // an old-style key, 51 characters
    "abcT3BlbkFJxyz0123456789",
    "VAULT-SECRET-1ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
  ]

  @Test(arguments: keyShapedNames)
  func aKeyShapedProjectIsRefusedAndNeverEchoed(name: String) throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let runs = [
      try box.run(["set", "--env", "dev", "--project", name], stdin: fakeKey("proj")),
      try box.run(["set", "--env", "dev"], stdin: fakeKey("proj"), env: ["VAULT_PROJECT": name]),
      try box.run(["exec", "--env", "dev", "--project", name, "--", "true"]),
      try box.run(["import", "--env", "dev", "-"], stdin: "A=1\n", env: ["VAULT_PROJECT": name]),
    ]
    for result in runs {
      expectOneError(result, 64, mentioning: "looks like a secret")
      expectNoLeak(name, in: result)
      expectNoLeak(String(name.dropLast(4)), in: result)
    }
    #expect(box.fileBytes() == before)
    let list = try box.ok(["list"])
    #expect(!list.stdout.contains(name))
  }

  @Test(arguments: keyShapedNames)
  func aKeyShapedMemberNameIsRefusedAndNeverEchoed(name: String) throws {
    let box = try Sandbox()
    let team = box.workDirectory.appendingPathComponent(".vault").path
    let created = try box.run(["init", "--no-passphrase", "--here"])
    try #require(created.status == 0, "\(created.stderr)")
    let before = box.fileBytes([team, box.identityPath])
    let other = try Sandbox()
    try other.initVault()
    let publicIdentity = try other.publicIdentity()
    let added = try box.run(["members", "add", name, publicIdentity, "--read", "dev"])
    expectOneError(added, 64, mentioning: "looks like a secret")
    expectNoLeak(name, in: added)
    expectNoLeak(String(name.dropLast(4)), in: added)
    #expect(box.fileBytes([team, box.identityPath]) == before)

    // `init --here` names you after $USER.
    let fresh = try Sandbox()
    let here = try fresh.run(["init", "--no-passphrase", "--here"], env: ["USER": name])
    expectOneError(here, 64, mentioning: "looks like a secret")
    expectNoLeak(name, in: here)
    expectNoLeak(String(name.dropLast(4)), in: here)
    #expect(!FileManager.default.fileExists(atPath: fresh.teamVault))
    #expect(!FileManager.default.fileExists(atPath: fresh.identityPath))
  }

  @Test func ordinaryProjectNamesStillWork() throws {
    let box = try Sandbox()
    try box.initVault()
    for project in ["skate-shop", "sk", "my-sk-tool", "vault-pub"] {
      let stored = try box.run(["set", "--env", "dev", "--project", project], stdin: fakeKey("ok01"))
      #expect(stored.status == 0, "\(project): \(stored.stderr)")
    }
  }

  // MARK: - Item 13: paths in errors cannot drive the terminal

  @Test func aPathWithTerminalEscapesIsShownEscaped() throws {
    let box = try Sandbox()
    try box.initVault()
    let hostile = box.home.appendingPathComponent("code/evil\u{1B}[31mred\u{07}\r\nvault: error: fake")
    try FileManager.default.createDirectory(at: hostile, withIntermediateDirectories: true)
    let result = try box.run(["list", "--vault", "missing.vault"], directory: hostile)
    expectOneError(result, 2, mentioning: "no vault at")
    let bytes = Array(result.stderr.utf8)
    #expect(!bytes.contains(0x1B) && !bytes.contains(0x07) && !bytes.contains(0x0D), "\(bytes)")
    #expect(outputLines(result.stderr).count == 2, "\(result.stderr)")
    #expect(result.stderr.contains("evil\\u{1b}[31mred\\u{7}\\u{d}\\u{a}vault: error: fake/missing.vault"))

    // A long path is not cut short.
    let long = box.home.appendingPathComponent("code/" + String(repeating: "d", count: 120) + "\u{1B}")
    try FileManager.default.createDirectory(at: long, withIntermediateDirectories: true)
    let deep = try box.run(["list", "--vault", "missing.vault"], directory: long)
    expectOneError(deep, 2, mentioning: String(repeating: "d", count: 120) + "\\u{1b}/missing.vault")
  }

  // MARK: - Item 14: NUL bytes in values

  @Test func aValueWithANULIsRefusedAtInput() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("keep"), env: "dev")
    let before = box.fileBytes()
    let value = fakeKey("nul1") + "\0tail"
    let set = try box.run(["set", "--env", "dev", "OTHER"], stdin: value)
    expectOneError(set, 64, mentioning: "NUL")
    expectNoLeak(fakeKey("nul1"), in: set)
    let imported = try box.run(["import", "--env", "dev", "-"], stdin: "A=1\nB=\"x\0y\"\n")
    expectOneError(imported, 64, mentioning: "NUL")
    let bare = try box.run(["import", "--env", "dev", "-"], stdin: "A=1\nB=x\0y\n")
    expectOneError(bare, 64, mentioning: "NUL")
    #expect(box.fileBytes() == before)
  }

  @Test func execRefusesAStoredValueWithANUL() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("good"), env: "dev", name: "GOOD")
    // The CLI refuses such a value now; write one with the library, as another writer could.
    let identity = try box.identity()
    let store = VaultStore(path: box.vaultPath)
    try store.update { file in
      _ = try file.set(
        [("BAD", SecretBytes(copying: Array((fakeKey("nul2") + "\0rest").utf8)))], project: "shop",
        environment: "dev", identity: identity)
    }
    let result = try box.run(["exec", "--env", "dev", "--", "/usr/bin/env"])
    expectOneError(result, 5, mentioning: "NUL")
    #expect(result.stderr.contains("shop/dev/BAD"), "\(result.stderr)")
    expectNoLeak(fakeKey("nul2"), in: result)
    expectNoLeak(fakeKey("good"), in: result)
    // --only leaves it out, and then the rest runs.
    let only = try box.run(["exec", "--env", "dev", "--only", "GOOD", "--", "/usr/bin/env"])
    #expect(only.status == 0 && outputLines(only.stdout).contains("GOOD=" + fakeKey("good")))
    // get prints the bytes as stored: it is for pipes.
    let got = try box.run(["get", "--env", "dev", "BAD"])
    #expect(got.status == 0)
    #expect(got.stdoutBytes == Data((fakeKey("nul2") + "\0rest\n").utf8))
  }
}
