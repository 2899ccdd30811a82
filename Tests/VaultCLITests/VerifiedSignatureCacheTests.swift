import Foundation
import Testing

/// The cache of verified signatures (`verified` in the trust state's directory, Security.md,
/// "Verified-signature cache"): a warm `exec` skips the Ed25519 verifications of bytes it
/// verified before, and nothing else. A tampered vault misses and is refused as before; a
/// cache file that is not exactly a private regular file of this user's, of the right shape,
/// is ignored as a whole and replaced; the file is written only after a miss.
@Suite struct VerifiedSignatureCacheTests {
  static let magicLength = 17
  static let keyLength = 32
  static let recordLength = 32

  func cachePath(_ box: Sandbox) -> String {
    box.home.path + "/.local/state/vault/verified"
  }

  /// A warm exec of `fixture`'s prod group, with the values it injected.
  @discardableResult
  func warmExec(_ fixture: SmallVault, path: String? = nil) throws -> RunResult {
    let result = try fixture.box.run(
      ["exec", "--vault", path ?? fixture.box.vaultPath, "--env", "prod", "--"]
        + Adversary.printKeys)
    #expect(result.status == 0, "exec: \(result.stderr)")
    #expect(result.stdout == "\(fixture.prodValue)|\(fixture.otherValue)")
    return result
  }

  func inode(_ path: String) -> UInt64? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return UInt64(info.st_ino)
  }

  @Test func aWarmExecRecordsItsSignaturesOnceAndThenOnlyReads() throws {
    let fixture = try SmallVault()
    let path = cachePath(fixture.box)
    try warmExec(fixture)
    // The header, the prod group and its two entries: four records.
    let bytes = [UInt8](try fixture.box.readFile(path))
    #expect(bytes.count == Self.magicLength + Self.keyLength + 4 * Self.recordLength)
    #expect(bytes.prefix(Self.magicLength).elementsEqual("vault-verified 1\n".utf8))
    #expect(Adversary.mode(path) == 0o600)
    let first = inode(path)
    // A hit writes nothing: the same file (a write replaces it by rename).
    try warmExec(fixture)
    try warmExec(fixture)
    #expect(inode(path) == first)
    #expect([UInt8](try fixture.box.readFile(path)) == bytes)
    // A new value is a miss: the group and the new entry are recorded, the key is kept.
    let value = fakeKey("cache2")
    try fixture.box.set(value, env: "prod", name: "OTHER")
    let result = try fixture.box.run(
      ["exec", "--vault", fixture.box.vaultPath, "--env", "prod", "--"] + Adversary.printKeys)
    #expect(result.status == 0 && result.stdout == "\(fixture.prodValue)|\(value)")
    let after = [UInt8](try fixture.box.readFile(path))
    #expect(after.count == bytes.count + 2 * Self.recordLength)
    #expect(after.prefix(bytes.count) == bytes[...])
  }

  /// The test that fails if a hit were accepted for different bytes: the entry line's date is
  /// changed and both signatures over it (the entry's and the group's) kept. A cache keyed on
  /// the signatures alone would hit twice, and the value would decrypt (the date is not in
  /// its associated data) and be injected.
  @Test func changedBytesUnderCachedSignaturesAreRefused() throws {
    let fixture = try SmallVault()
    try warmExec(fixture)
    let original = [UInt8](try fixture.box.readFile(fixture.box.vaultPath))
    var lines = Adversary.lines(original)
    let index = try #require(lines.firstIndex { $0.hasPrefix("entry shop prod OPENAI_API_KEY ") })
    var fields = lines[index].split(separator: " ").map(String.init)
    #expect(fields[5].hasSuffix("Z"))
    fields[5] = "2001-01-01T00:00:00Z"
    lines[index] = fields.joined(separator: " ")
    let tampered = fixture.box.root.appendingPathComponent("tampered.vault").path
    try Adversary.writePrivate(tampered, Adversary.bytes(lines)[...])
    for command in [["exec"], ["get"]] {
      let args =
        command + ["--vault", tampered, "--env", "prod"]
        + (command == ["exec"] ? ["--"] + Adversary.printKeys : ["OPENAI_API_KEY"])
      let result = try fixture.box.run(args)
      Adversary.expectRefused(result, code: 5, secrets: fixture.secrets, "\(command[0]), new date")
      #expect(result.stderr.contains("signature"), "\(result.stderr)")
    }
    // And the original still runs from the cache.
    try warmExec(fixture)
  }

  /// Every byte `exec --env prod` reads (the header, the prod group, the end line), its
  /// lowest bit flipped, after a warm exec filled the cache: each refused, as without it.
  @Test func bitFlipsAfterACachedRunAreRefused() throws {
    let fixture = try SmallVault()
    let box = fixture.box
    try warmExec(fixture)
    let full = [UInt8](try box.readFile(box.vaultPath))
    let text = String(decoding: full, as: UTF8.self)
    let prodStart =
      try #require(text.range(of: "\ngroup shop prod ")).lowerBound.utf16Offset(in: text) + 1
    let headerEnd = try #require(text.range(of: "\ngroup ")).lowerBound.utf16Offset(in: text) + 1
    let directory = box.root.appendingPathComponent("flipped").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var invocations: [Adversary.Invocation] = []
    var offsets: [Int] = []
    for offset in full.indices where offset < headerEnd || offset >= prodStart {
      var bytes = full
      bytes[offset] ^= 0x01
      let path = "\(directory)/\(offset).vault"
      try Adversary.writePrivate(path, bytes[...])
      invocations.append(
        .init(["exec", "--vault", path, "--env", "prod", "--"] + Adversary.printKeys))
      offsets.append(offset)
    }
    let before = [UInt8](try box.readFile(cachePath(box)))
    let results = try Adversary.runMany(box, invocations)
    for (index, result) in results.enumerated() {
      Adversary.expectRefused(
        result, code: 5, secrets: fixture.secrets, "exec, byte \(offsets[index]) flipped")
    }
    // A refused file records nothing... and the cache still serves the good one.
    #expect([UInt8](try box.readFile(cachePath(box))) == before)
    try warmExec(fixture)
  }

  /// A cache file that holds every record this exec needs, but is not a private regular file
  /// of this user's: trusted, it would be read and left as it is (all hits, nothing to
  /// write); ignored, the exec verifies and replaces it with a file of its own.
  @Test func aCacheFileNotPrivatelyOursIsIgnored() throws {
    let fixture = try SmallVault()
    let box = fixture.box
    let path = cachePath(box)
    try warmExec(fixture)
    let good = [UInt8](try box.readFile(path))
    let elsewhere = box.root.appendingPathComponent("elsewhere").path

    func expectReplaced(_ what: String) throws {
      try warmExec(fixture)
      var info = stat()
      #expect(lstat(path, &info) == 0, "\(what)")
      #expect((info.st_mode & S_IFMT) == S_IFREG, "\(what): still not a regular file")
      #expect(info.st_uid == geteuid(), "\(what): still someone else's")
      #expect(info.st_mode & 0o7777 == 0o600, "\(what): mode \(String(info.st_mode, radix: 8))")
      let now = [UInt8](try box.readFile(path))
      #expect(now.count == good.count, "\(what)")
      // A new key: nothing of the ignored file was kept.
      #expect(
        now[Self.magicLength..<(Self.magicLength + Self.keyLength)]
          != good[Self.magicLength..<(Self.magicLength + Self.keyLength)], "\(what)")
    }

    // Through a symlink: never followed; the file it points to is left alone.
    try Adversary.writePrivate(elsewhere, good[...])
    try FileManager.default.removeItem(atPath: path)
    #expect(symlink(elsewhere, path) == 0)
    try expectReplaced("symlink")
    #expect([UInt8](try box.readFile(elsewhere)) == good)

    // World-writable, then group-readable: another user could have written it.
    for mode: mode_t in [0o666, 0o602, 0o640] {
      try Adversary.writePrivate(path, good[...])
      #expect(chmod(path, mode) == 0)
      try expectReplaced("mode \(String(mode, radix: 8))")
    }

    // Another user's file (the tests run as root: chown to nobody).
    if geteuid() == 0 {
      try Adversary.writePrivate(path, good[...])
      #expect(chown(path, 65534, 65534) == 0)
      try expectReplaced("owned by uid 65534")
    }

    // A directory, a FIFO: not a regular file; exec neither blocks nor fails.
    try FileManager.default.removeItem(atPath: path)
    #expect(mkfifo(path, 0o600) == 0)
    try expectReplaced("FIFO")
  }

  /// A damaged cache is ignored as a whole, never trusted in part: each of these keeps every
  /// record the exec needs, so a reader that used what it could parse would hit and leave
  /// the file as it is.
  @Test func aCorruptCacheIsIgnoredAndRewritten() throws {
    let fixture = try SmallVault()
    let box = fixture.box
    let path = cachePath(box)
    try warmExec(fixture)
    let good = [UInt8](try box.readFile(path))
    var magic = good
    magic[6] ^= 0x20
    var version = good
    version[Self.magicLength - 2] = UInt8(ascii: "2")
    let filler = [UInt8](repeating: 0x41, count: Self.recordLength)
    let tooMany = good + Array(repeatElement(filler, count: 256 - 4 + 1).joined())
    let corruptions: [(String, [UInt8])] = [
      ("a byte appended", good + [0x0A]),
      ("half a record appended", good + filler.prefix(16)),
      ("the magic changed", magic),
      ("another version", version),
      ("257 records", tooMany),
      ("empty", []),
    ]
    for (what, bytes) in corruptions {
      try Adversary.writePrivate(path, bytes[...])
      try warmExec(fixture)
      let now = [UInt8](try box.readFile(path))
      #expect(now != bytes, "\(what): the cache was not rewritten")
      #expect(now.count == good.count, "\(what): \(now.count) bytes")
      #expect(now.prefix(Self.magicLength) == good.prefix(Self.magicLength), "\(what)")
    }
  }

  /// A cache that cannot be written never stops an exec: here a directory stands where the
  /// file goes (the tests run as root, whom a read-only directory would not stop).
  @Test func aCacheThatCannotBeWrittenIsSilent() throws {
    let fixture = try SmallVault()
    let box = fixture.box
    try warmExec(fixture)
    try FileManager.default.removeItem(atPath: cachePath(box))
    #expect(mkdir(cachePath(box), 0o700) == 0)  // not a file: ignored, and rename fails
    let result = try warmExec(fixture)
    #expect(result.stderr.isEmpty, "\(result.stderr)")
    var info = stat()
    #expect(lstat(cachePath(box), &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR)
  }
}
