import Foundation
import Testing

/// The unlock cache in the kernel keyring: filled by a passphrase unlock, used without one,
/// emptied by `vault lock`, skipped by `--no-cache`, expired by `--cache-ttl`, and absent
/// without fuss where seccomp refuses keyctl.
///
/// Each test has its own identity, so its key (`vault:<fingerprint>`) in the shared session
/// keyring is its own; each locks on the way out. Commands that must find no passphrase
/// source run in a new session (`setsid`), so no controlling terminal can be prompted.
@Suite struct CacheTests {
  @Test func passphraseUnlockIsCachedUntilLock() throws {
    let box = try CacheBox()
    defer { box.lock() }
    #expect(try box.status().contains("cache:    locked"))
    let first = try box.box.run(["get", "--env", "prod", "--cache-ttl", "2m", "--passphrase-file", box.passphraseFile])
    #expect(first.status == 0 && first.stdout == box.value + "\n", "\(first.stderr)")
    #expect(try box.status().contains("cache:    unlocked"))
    let cached = try box.detached(["get", "--env", "prod"])
    #expect(cached.status == 0 && cached.stdout == box.value + "\n", "cached get: \(cached.stderr)")
    #expect(cached.stderr.isEmpty, "\(cached.stderr)")
    let cachedExec = try box.detached(["exec", "--env", "prod", "--", "sh", "-c", "printf %s \"$OPENAI_API_KEY\""])
    #expect(cachedExec.status == 0 && cachedExec.stdout == box.value, "\(cachedExec.stderr)")
    let write = try box.box.execute(
      "/usr/bin/env", ["setsid", "-w", Sandbox.binary, "set", "--env", "dev"], stdin: Data(fakeKey("cdev").utf8))
    #expect(write.status == 0, "cached set: \(write.stderr)")

    let locked = try box.box.run(["lock"])
    #expect(locked.status == 0 && locked.stdout.contains("locked"), "\(locked.stderr)")
    #expect(try box.status().contains("cache:    locked"))
    let after = try box.detached(["get", "--env", "prod"])
    Adversary.expectRefused(after, code: 64, secrets: [box.value], "get after lock")
    #expect(after.stderr.contains("no terminal"), "\(after.stderr)")
    let again = try box.box.run(["lock"])
    #expect(again.status == 0 && again.stdout.contains("nothing was cached"))
  }

  @Test func noCacheNeverFillsTheCache() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let read = try box.box.run(["get", "--env", "prod", "--no-cache", "--passphrase-file", box.passphraseFile])
    #expect(read.status == 0 && read.stdout == box.value + "\n", "\(read.stderr)")
    #expect(try box.status().contains("cache:    locked"))
    let after = try box.detached(["get", "--env", "prod"])
    Adversary.expectRefused(after, code: 64, secrets: [box.value], "get after a --no-cache unlock")
    let written = try box.box.run(
      ["set", "--env", "dev", "--no-cache", "--passphrase-file", box.passphraseFile], stdin: fakeKey("ncdv"))
    #expect(written.status == 0, "\(written.stderr)")
    #expect(try box.status().contains("cache:    locked"))
  }

  @Test func cacheTTLExpires() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let read = try box.box.run(["get", "--env", "prod", "--cache-ttl", "1s", "--passphrase-file", box.passphraseFile])
    #expect(read.status == 0 && read.stdout == box.value + "\n", "\(read.stderr)")
    sleep(2)  // the TTL contract: after 1 s the kernel no longer hands the key out
    let expired = try box.detached(["get", "--env", "prod"])
    Adversary.expectRefused(expired, code: 64, secrets: [box.value], "get after the TTL")
    #expect(try box.status().contains("cache:    locked"))
  }

  @Test func refusedKeyctlMeansNoCacheAndNoFuss() throws {
    let box = try Sandbox()
    let deny = try CacheTests.compileDenyKeyctl(in: box)
    let passphraseFile = box.root.appendingPathComponent("pass").path
    try Adversary.writePrivate(passphraseFile, Array("a passphrase for the sandbox\n".utf8)[...])
    let value = fakeKey("seccomp")
    func denied(_ args: [String], stdin: String? = nil) throws -> RunResult {
      try box.execute("/usr/bin/env", ["setsid", "-w", deny, Sandbox.binary] + args, stdin: stdin.map { Data($0.utf8) })
    }
    let created = try denied(["init", "--passphrase-file", passphraseFile])
    #expect(created.status == 0, "\(created.stderr)")
    #expect(created.stderr.isEmpty, "init: \(created.stderr)")
    let stored = try denied(["set", "--env", "prod", "--passphrase-file", passphraseFile], stdin: value)
    #expect(stored.status == 0 && stored.stderr.isEmpty, "set: \(stored.stderr)")
    let read = try denied(["get", "--env", "prod", "--passphrase-file", passphraseFile])
    #expect(read.status == 0 && read.stdout == value + "\n", "\(read.stderr)")
    #expect(read.stderr.isEmpty, "get: \(read.stderr)")
    let listed = try denied(["list"])
    #expect(listed.status == 0 && listed.stderr.isEmpty, "list: \(listed.stderr)")
    // Nothing was cached: without a passphrase source it asks again (and has no terminal).
    let again = try denied(["get", "--env", "prod"])
    Adversary.expectRefused(again, code: 64, secrets: [value], "get under refused keyctl")
    let status = try denied(["status"])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdout.contains("unavailable"), "\(status.stdout)")
    #expect(status.stderr.isEmpty, "\(status.stderr)")
    let locked = try denied(["lock"])
    #expect(locked.status == 0, "lock under refused keyctl: \(locked.stderr)")
    // And outside the wrapper, the same identity is not cached either.
    let outside = try box.run(["status"])
    #expect(outside.stdout.contains("cache:    locked"), "\(outside.stdout)")
  }

  /// Builds Fixtures/deny-keyctl.c with `cc` into `box`.
  static func compileDenyKeyctl(in box: Sandbox) throws -> String {
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/deny-keyctl.c").path
    let output = box.root.appendingPathComponent("deny-keyctl").path
    let result = try box.execute("/usr/bin/env", ["cc", "-O2", "-o", output, source])
    try #require(result.status == 0, "cc failed: \(result.stderr)")
    return output
  }
}

/// A sandbox with a passphrase-protected identity (made with `--no-cache`, so the cache
/// starts empty) and one prod secret.
struct CacheBox {
  let box: Sandbox
  let passphraseFile: String
  let value: String

  init() throws {
    box = try Sandbox()
    passphraseFile = box.root.appendingPathComponent("pass").path
    try Adversary.writePrivate(passphraseFile, Array("correct horse battery staple\n".utf8)[...])
    value = fakeKey("c" + String(UInt32.random(in: 0...UInt32.max), radix: 36))
    let created = try box.run(["init", "--no-cache", "--passphrase-file", passphraseFile])
    try #require(created.status == 0, "init: \(created.stderr)")
    let stored = try box.run(["set", "--env", "prod", "--no-cache", "--passphrase-file", passphraseFile], stdin: value)
    try #require(stored.status == 0, "set: \(stored.stderr)")
  }

  /// Runs `vault args` in a new session: no controlling terminal, no passphrase source.
  func detached(_ args: [String]) throws -> RunResult {
    try box.execute("/usr/bin/env", ["setsid", "-w", Sandbox.binary] + args)
  }

  func status() throws -> String {
    let result = try box.run(["status"])
    #expect(result.status == 0, "status: \(result.stderr)")
    return result.stdout
  }

  /// Drops this identity's cached unlock, if any.
  func lock() {
    _ = try? box.run(["lock"])
  }
}
