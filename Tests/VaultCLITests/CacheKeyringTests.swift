import Foundation
import Testing
import VaultCore

/// Who can read the unlock cache (issue 6, item 12): the key holds the identity's 64 secret
/// bytes, so it lives in the session keyring with possessor-only permissions; a process in
/// another session keyring (another login, a cron job, a service) can neither find nor read
/// it, and `identity passwd` drops it.
@Suite struct CacheKeyringTests {
  /// The `/proc/keys` line of this box's cached unlock (`vault:<fingerprint>`), if visible.
  static func procKeysLine(_ box: CacheBox) throws -> String? {
    let bytes = try box.box.readFile(box.box.identityPath)
    let file = try IdentityFile.parse(Array(bytes), path: box.box.identityPath)
    let description = "vault:" + file.publicIdentity.fingerprint + ":"
    let keys = try String(contentsOfFile: "/proc/keys", encoding: .utf8)
    return keys.split(separator: "\n").map(String.init).first { $0.contains(" " + description) }
  }

  static func compileProbe(in box: Sandbox) throws -> String {
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/keyring-probe.c").path
    let output = box.root.appendingPathComponent("keyring-probe").path
    let result = try box.execute("/usr/bin/env", ["cc", "-O2", "-o", output, source])
    try #require(result.status == 0, "cc failed: \(result.stderr)")
    return output
  }

  @Test func theCachedKeyIsPossessorOnlyAndInvisibleToAnotherSession() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let probe = try Self.compileProbe(in: box.box)
    let read = try box.box.run(
      ["get", "--env", "prod", "--cache-ttl", "2m", "--passphrase-file", box.passphraseFile])
    try #require(read.status == 0, "\(read.stderr)")
    let line = try #require(try Self.procKeysLine(box), "the cached key is not in /proc/keys")
    // serial flags usage timeout perm uid gid type description
    let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    try #require(fields.count >= 9, "\(line)")
    #expect(fields[4] == "2f000000", "permissions \(fields[4]): want possessor view, read, write, search, setattr only")
    #expect(fields[7] == "user", "\(line)")
    let serial = fields[0]

    // This process shares vault's session keyring, so it possesses the key and may read it.
    let here = try box.box.execute(probe, ["read", serial])
    #expect(here.status == 0 && here.stdout == "read 64 bytes\n", "\(here.stdout)\(here.stderr)")
    // A process in a new session keyring does not possess it: no read by serial...
    let elsewhere = try box.box.execute(probe, ["new-session", probe, "read", serial])
    #expect(elsewhere.status == 1, "\(elsewhere.stdout)\(elsewhere.stderr)")
    #expect(elsewhere.stdout == "refused errno \(EACCES)\n", "\(elsewhere.stdout)")
    // ... and vault run there finds no cached unlock (and has no terminal to ask on).
    let detached = try box.box.execute(
      "/usr/bin/env", ["setsid", "-w", probe, "new-session", Sandbox.binary, "get", "--env", "prod"])
    Adversary.expectRefused(detached, code: 64, secrets: [box.value], "get from another session")
    #expect(detached.stderr.contains("no terminal"), "\(detached.stderr)")
    let status = try box.box.execute(probe, ["new-session", Sandbox.binary, "status"])
    #expect(status.stdout.contains("cache:    locked"), "\(status.stdout)")
    // vault itself, in the original session, still uses it.
    let cached = try box.detached(["get", "--env", "prod"])
    #expect(cached.status == 0 && cached.stdout == box.value + "\n", "\(cached.stderr)")
  }

  @Test func passwdDropsTheCachedUnlock() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let read = try box.box.run(
      ["get", "--env", "prod", "--cache-ttl", "2m", "--passphrase-file", box.passphraseFile])
    try #require(read.status == 0, "\(read.stderr)")
    #expect(try box.status().contains("cache:    unlocked"))
    let newPassphrase = try box.box.writeSandboxFile("new-pass", "a different passphrase, longer\n")
    let changed = try box.box.run(
      ["identity", "passwd", "--passphrase-file", box.passphraseFile, "--new-passphrase-file", newPassphrase])
    #expect(changed.status == 0, "\(changed.stderr)")
    #expect(try box.status().contains("cache:    locked"))
    let after = try box.detached(["get", "--env", "prod"])
    Adversary.expectRefused(after, code: 64, secrets: [box.value], "get after passwd")
    let withNew = try box.box.run(["get", "--env", "prod", "--no-cache", "--passphrase-file", newPassphrase])
    #expect(withNew.status == 0 && withNew.stdout == box.value + "\n", "\(withNew.stderr)")
  }
}
