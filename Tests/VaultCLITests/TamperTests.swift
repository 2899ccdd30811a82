import Foundation
import Testing

/// Tampered, truncated and malformed vault and identity files: every one is refused with
/// exit 5 (corrupt or tampered), one `vault: error:` line, no secret printed, and the file
/// left byte-identical, for reads and for writes attempted on it.
///
/// The exhaustive sweeps (truncation at every offset, a flip of every byte) run the binary
/// once per case from a few shell workers (`Adversary.runMany`), which costs a fraction of
/// spawning each process through Foundation.
@Suite struct TamperTests {
  // MARK: 1. Truncation

  @Test func truncationAtEveryOffsetIsRefused() throws {
    let fixture = try SmallVault()
    let box = fixture.box
    let full = [UInt8](try box.readFile(box.vaultPath))
    let directory = box.root.appendingPathComponent("truncated").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var boundaries = Set([0])
    for (offset, byte) in full.enumerated() where byte == 0x0A { boundaries.insert(offset + 1) }
    boundaries.remove(full.count)  // the whole file is the valid vault
    var invocations: [Adversary.Invocation] = []
    var offsets: [Int] = []
    for length in 0..<full.count {
      let path = "\(directory)/\(length).vault"
      try Adversary.writePrivate(path, full[0..<length])
      offsets.append(length)
      invocations.append(.init(["list", "--vault", path]))
      // get and exec at every line boundary (a cut between entries or groups), in the last
      // line, and at a sample of other offsets.
      if boundaries.contains(length) || length % 97 == 0 || length > full.count - 5 {
        offsets.append(length)
        invocations.append(.init(["get", "--vault", path, "--env", "prod"]))
        offsets.append(length)
        invocations.append(.init(["exec", "--vault", path, "--env", "prod", "--"] + Adversary.printKeys))
      }
      if boundaries.contains(length) {
        offsets.append(length)
        invocations.append(
          .init(["set", "--vault", path, "--env", "prod", "NEW_KEY"], stdin: fixture.newValue))
      }
    }
    let results = try Adversary.runMany(box, invocations)
    for (index, result) in results.enumerated() {
      Adversary.expectRefused(
        result, code: 5, secrets: fixture.secrets,
        "truncated to \(offsets[index]) of \(full.count) bytes: \(invocations[index].args[0])")
    }
    var changed: [Int] = []
    for length in 0..<full.count
    where [UInt8](try box.readFile("\(directory)/\(length).vault")) != Array(full[0..<length]) {
      changed.append(length)
    }
    #expect(changed.isEmpty, "truncated files changed by a command: \(changed.prefix(20))")
    #expect(try Adversary.tempFiles(in: directory).isEmpty)
    #expect(boundaries.count >= 10, "the fixture should have a dozen lines")
  }

  // MARK: 2. Bit flips

  /// Every byte of the file, header included, with its lowest bit flipped: a fixed xor
  /// 0x01, because all 8 bits of every byte would be 8 × 3,000 runs of the binary (about
  /// three minutes on two cores). Added: all 8 single-bit flips of the last character of
  /// every base64 field, where a lax decoder would let a twin encoding through. `list`
  /// must refuse every one; `get` must refuse those in the header, in the prod group it
  /// reads and in the end line (every 19th flip: get and exec frame only their group), and
  /// so must `set` into prod (every 53rd); every file stays byte-identical.
  @Test func bitFlipsAreRefused() throws {
    let fixture = try SmallVault()
    let box = fixture.box
    let full = [UInt8](try box.readFile(box.vaultPath))
    let directory = box.root.appendingPathComponent("flipped").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

    var flips: [(offset: Int, mask: UInt8)] = full.indices.map { ($0, 0x01) }
    // The last character of every base64 field (22 characters and longer): the one whose
    // unused low bits a lax decoder would ignore.
    var fieldStart = 0
    for (offset, byte) in full.enumerated() where byte == 0x20 || byte == 0x0A {
      if offset - fieldStart >= 22 {
        for bit in 1..<8 { flips.append((offset - 1, UInt8(1 << bit))) }
      }
      fieldStart = offset + 1
    }
    // The region `get --env prod` reads: the header, the prod group, the end line.
    let text = String(decoding: full, as: UTF8.self)
    let prodStart = try #require(text.range(of: "\ngroup shop prod ")).lowerBound.utf16Offset(in: text) + 1
    let headerEnd = try #require(text.range(of: "\ngroup ")).lowerBound.utf16Offset(in: text) + 1
    func readByGet(_ offset: Int) -> Bool { offset < headerEnd || offset >= prodStart }

    var invocations: [Adversary.Invocation] = []
    var labels: [String] = []
    for (index, flip) in flips.enumerated() {
      var bytes = full
      bytes[flip.offset] ^= flip.mask
      let path = "\(directory)/\(index).vault"
      try Adversary.writePrivate(path, bytes[...])
      invocations.append(.init(["list", "--vault", path]))
      labels.append("list, byte \(flip.offset) xor \(flip.mask)")
      if readByGet(flip.offset) && index % 19 == 0 {
        invocations.append(.init(["get", "--vault", path, "--env", "prod", "OTHER"]))
        labels.append("get, byte \(flip.offset) xor \(flip.mask)")
      }
      if readByGet(flip.offset) && index % 53 == 0 {
        invocations.append(.init(["set", "--vault", path, "--env", "prod", "NEW_KEY"], stdin: fixture.newValue))
        labels.append("set, byte \(flip.offset) xor \(flip.mask)")
      }
    }
    let results = try Adversary.runMany(box, invocations)
    var accepted: [String] = []
    for (index, result) in results.enumerated() {
      if result.status == 0 { accepted.append(labels[index]) }
      Adversary.expectRefused(result, code: 5, secrets: fixture.secrets, labels[index])
    }
    #expect(accepted.isEmpty, "flips read as a valid vault: \(accepted.prefix(20))")
    for (index, flip) in flips.enumerated() {
      var bytes = full
      bytes[flip.offset] ^= flip.mask
      let unchanged = [UInt8](try box.readFile("\(directory)/\(index).vault")) == bytes
      #expect(unchanged, "flip \(index) (byte \(flip.offset) xor \(flip.mask)): file changed")
    }
  }

  // MARK: 3. Malformed and rearranged files

  @Test func malformedAndRearrangedFilesAreRefused() throws {
    let fixture = try SmallVault(withWebProject: true)
    let box = fixture.box
    let original = [UInt8](try box.readFile(box.vaultPath))
    let lines = Adversary.lines(original)
    func index(_ prefix: String) throws -> Int {
      try #require(lines.firstIndex { $0.hasPrefix(prefix) }, "no line \(prefix)")
    }
    let devKey = try index("entry shop dev OPENAI_API_KEY ")
    let prodKey = try index("entry shop prod OPENAI_API_KEY ")
    let prodOther = try index("entry shop prod OTHER ")
    let webKey = try index("entry web prod OPENAI_API_KEY ")
    let prodGroup = try index("group shop prod ")
    let devGroup = try index("group shop dev ")
    let member = try index("member ")
    let signed = try index("signed ")

    // A second vault with its own identity, and a third that shares this identity.
    let stranger = try SmallVault(withStaging: true)
    let strangerLines = Adversary.lines([UInt8](try stranger.box.readFile(stranger.box.vaultPath)))
    let twin = try Sandbox()
    try FileManager.default.createDirectory(
      atPath: (twin.identityPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: box.identityPath, toPath: twin.identityPath)
    try twin.initVault()
    try twin.set(fakeKey("twin"), env: "prod")
    try twin.set("twin-other-value-91", env: "prod", name: "OTHER")
    let twinLines = Adversary.lines([UInt8](try twin.readFile(twin.vaultPath)))

    func fields(_ line: String) -> [String] { line.split(separator: " ", omittingEmptySubsequences: false).map(String.init) }
    func join(_ f: [String]) -> String { f.joined(separator: " ") }
    func replacing(_ pairs: [Int: String]) -> [String] {
      var copy = lines
      for (i, line) in pairs { copy[i] = line }
      return copy
    }
    func block(_ lines: [String], _ prefix: String) throws -> [String] {
      let start = try #require(lines.firstIndex { $0.hasPrefix("group " + prefix + " ") })
      var end = start + 1
      while end < lines.count, lines[end].hasPrefix("entry " + prefix + " ") { end += 1 }
      return Array(lines[start..<end])
    }
    var headerOnly: [String] { Array(lines[...signed]) }

    // Each case: its name, its bytes, and the (project, env, name) the commands aim at.
    // `listOnly`: a change outside the group that get and exec read, which they do not
    // look at by design (they frame only their own group); `code`: the exit code of the
    // commands that need the identity (list always gives 5).
    var cases: [(name: String, bytes: [UInt8], project: String, env: String, key: String, listOnly: Bool, code: Int32)] = []
    func add(
      _ name: String, _ bytes: [UInt8], project: String = "shop", env: String = "prod", key: String = "OTHER",
      listOnly: Bool = false, code: Int32 = 5
    ) {
      cases.append((name, bytes, project, env, key, listOnly, code))
    }
    func add(
      _ name: String, lines: [String], project: String = "shop", env: String = "prod", key: String = "OTHER",
      listOnly: Bool = false, code: Int32 = 5
    ) {
      add(name, Adversary.bytes(lines), project: project, env: env, key: key, listOnly: listOnly, code: code)
    }

    add("1 byte of trailing garbage", original + Array("x".utf8))
    add("a blank line after end", original + [0x0A])
    add("a second end line", original + Array("end\n".utf8), listOnly: true)
    var garbage = [UInt8]()
    var generator = SystemRandomNumberGenerator()
    while garbage.count < 65_536 { garbage.append(UInt8.random(in: 0x21...0x7E, using: &generator)) }
    add("64 KiB of trailing garbage", original + garbage)
    add("64 KiB of trailing garbage lines", original + Array(repeating: Array("entry shop prod ZZZ\n".utf8), count: 3_300).flatMap { $0 })
    add("64 KiB of garbage before a final end line", original + garbage + Array("\nend\n".utf8), listOnly: true)
    add("an empty file", [])
    add("a text file", Array("Remember to buy milk.\nAnd to rotate the keys.\n".utf8))
    add("random binary", (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
    add("wrong magic (VAULT)", Array("VAULT 1\n".utf8) + Array(original.dropFirst(8)))
    add("wrong magic (vaults)", Array("vaults 1\n".utf8) + Array(original.dropFirst(8)))
    add("wrong magic (age)", Array("age-encryption.org/v1\n".utf8) + Array(original.dropFirst(8)))
    for version in ["0", "4", "255", "01", "1.0", "", "1 "] {
      add("version '\(version)'", Array("vault \(version)\n".utf8) + Array(original.dropFirst(8)))
    }
    // Version 2's generation line in a version 1 file, and a version 2 file without it.
    add("version 1 with a generation line", Array("vault 1\n".utf8) + Array(original.dropFirst(8)))
    add("version 2 without its generation line", lines: lines.filter { !$0.hasPrefix("generation ") })
    add("CRLF line endings", Array(String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8))
    add("CR in one entry line", lines: replacing([prodOther: lines[prodOther] + "\r"]))
    add("CRLF after end only", Array(original.dropLast()) + Array("\r\n".utf8))
    add("a NUL in an entry line", lines: replacing([prodOther: lines[prodOther] + "\u{0}"]))
    add("a tab for a space", lines: replacing([prodOther: lines[prodOther].replacingOccurrences(of: " OTHER ", with: "\tOTHER ")]))
    add("a double space in an entry", lines: replacing([prodOther: lines[prodOther].replacingOccurrences(of: " OTHER ", with: " OTHER  ")]))
    add("a double space in a group line", lines: replacing([prodGroup: lines[prodGroup].replacingOccurrences(of: "group shop", with: "group  shop")]))
    add("a double space in the member line", lines: replacing([member: lines[member].replacingOccurrences(of: " owner ", with: "  owner ")]))
    add("a trailing space on an entry", lines: replacing([prodOther: lines[prodOther] + " "]))
    add("a leading space on an entry", lines: replacing([prodOther: " " + lines[prodOther]]))

    var duplicated = lines
    duplicated.insert(lines[prodOther], at: prodOther + 1)
    add("a duplicated entry line", lines: duplicated)
    var duplicatedFirst = lines
    duplicatedFirst.insert(lines[prodKey], at: prodKey)
    add("a duplicated first entry line", lines: duplicatedFirst, key: "OPENAI_API_KEY")
    var duplicatedGroup = lines
    duplicatedGroup.insert(contentsOf: try block(lines, "shop prod"), at: prodOther + 1)
    add("a duplicated group", lines: duplicatedGroup)
    var reordered = lines
    reordered.swapAt(prodKey, prodOther)
    add("two entries reordered", lines: reordered)
    var groupsReordered = lines
    let devBlock = try block(lines, "shop dev")
    groupsReordered.removeSubrange(devGroup..<(devGroup + devBlock.count))
    groupsReordered.insert(contentsOf: devBlock, at: prodOther + 1 - devBlock.count)
    add("two groups reordered", lines: groupsReordered, env: "dev", key: "OPENAI_API_KEY", listOnly: true)
    var deleted = lines
    deleted.remove(at: prodOther)
    add("an entry deleted", lines: deleted, key: "OPENAI_API_KEY")
    var deletedFirst = lines
    deletedFirst.remove(at: prodKey)
    add("the first entry deleted", lines: deletedFirst)
    var emptied = lines
    emptied.remove(at: devKey)
    add("a group's only entry deleted", lines: emptied, env: "dev", key: "OPENAI_API_KEY")

    // prod → dev: rewrite the label and move it into the dev group, sorted.
    var movedEnv = lines
    var otherFields = fields(lines[prodOther])
    otherFields[2] = "dev"
    movedEnv.remove(at: prodOther)
    movedEnv.insert(join(otherFields), at: devKey + 1)
    add("an entry moved prod → dev", lines: movedEnv, env: "dev")
    add("an entry moved prod → dev (prod read)", lines: movedEnv, key: "OPENAI_API_KEY")
    var copiedEnv = lines
    copiedEnv.insert(join(otherFields), at: devKey + 1)
    add("an entry copied prod → dev", lines: copiedEnv, env: "dev")
    // shop → web: into the web/prod group, after its OPENAI_API_KEY.
    var movedProject = lines
    var webFields = fields(lines[prodOther])
    webFields[1] = "web"
    movedProject.insert(join(webFields), at: webKey + 1)
    movedProject.remove(at: prodOther)
    add("an entry moved to another project", lines: movedProject, project: "web")
    // The same name in prod replacing dev's entry: label rewritten, signature kept.
    var promoted = lines
    var prodKeyFields = fields(lines[prodKey])
    prodKeyFields[2] = "dev"
    promoted[devKey] = join(prodKeyFields)
    add("dev's key replaced by prod's, relabeled", lines: promoted, env: "dev", key: "OPENAI_API_KEY")

    let keyFields = fields(lines[prodKey])
    var swappedA = keyFields, swappedB = fields(lines[prodOther])
    // E, nonce and ciphertext: the three fields before the signature (after the key id).
    for i in (swappedA.count - 4)...(swappedA.count - 2) { (swappedA[i], swappedB[i]) = (swappedB[i], swappedA[i]) }
    add("two ciphertexts swapped", lines: replacing([prodKey: join(swappedA), prodOther: join(swappedB)]))
    swappedA = keyFields
    swappedB = fields(lines[prodOther])
    for i in 5...10 { (swappedA[i], swappedB[i]) = (swappedB[i], swappedA[i]) }
    add("ciphertexts and signatures swapped", lines: replacing([prodKey: join(swappedA), prodOther: join(swappedB)]))
    var devFields = fields(lines[devKey])
    var crossA = keyFields
    for i in (crossA.count - 4)...(crossA.count - 2) { (crossA[i], devFields[i]) = (devFields[i], crossA[i]) }
    add("ciphertexts swapped between dev and prod", lines: replacing([prodKey: join(crossA), devKey: join(devFields)]), key: "OPENAI_API_KEY")

    var renamed = fields(lines[prodOther])
    renamed[3] = "OTHES"
    add("a label edited (name)", lines: replacing([prodOther: join(renamed)]), key: "OTHES")
    var bumped = fields(lines[prodOther])
    bumped[4] = "2"
    add("a version edited", lines: replacing([prodOther: join(bumped)]))
    for version in ["0", "01", "-1", "+1", "18446744073709551616", "99999999999999999999999999"] {
      var odd = fields(lines[prodOther])
      odd[4] = version
      add("version field '\(version)'", lines: replacing([prodOther: join(odd)]))
    }
    var huge = fields(lines[prodOther])
    huge[huge.count - 2] = String(repeating: "A", count: 1 << 20)
    add("a 1 MiB ciphertext field", lines: replacing([prodOther: join(huge)]))
    var padded = fields(lines[prodOther])
    padded[padded.count - 3] += "=="
    add("a padded nonce", lines: replacing([prodOther: join(padded)]))
    var redated = fields(lines[prodOther])
    redated[5] = "2020-01-01T00:00:00Z"
    add("a timestamp edited", lines: replacing([prodOther: join(redated)]))

    // Lines and groups written by someone else.
    let foreignOther = try #require(strangerLines.first { $0.hasPrefix("entry shop prod OTHER ") })
    add("an entry signed by a non-member", lines: replacing([prodOther: foreignOther]))
    let foreignGroupLine = try #require(strangerLines.first { $0.hasPrefix("group shop prod ") })
    add("a group line signed by a non-member", lines: replacing([prodGroup: foreignGroupLine]))
    var pastedGroup = lines
    let ownProd = try block(lines, "shop prod")
    pastedGroup.replaceSubrange(prodGroup..<(prodGroup + ownProd.count), with: try block(strangerLines, "shop prod"))
    add("a whole group from another vault", lines: pastedGroup)
    var addedGroup = lines
    addedGroup.insert(contentsOf: try block(strangerLines, "shop staging"), at: prodGroup + ownProd.count)
    add("a new group from another vault", lines: addedGroup, env: "staging", key: "OPENAI_API_KEY")
    add("a new group from another vault (prod read)", lines: addedGroup, key: "OPENAI_API_KEY", listOnly: true)
    var replayed = lines
    replayed.replaceSubrange(prodGroup..<(prodGroup + ownProd.count), with: try block(twinLines, "shop prod"))
    add("a group from another vault of the same identity", lines: replayed)
    let strangerSigned = try #require(strangerLines.firstIndex { $0.hasPrefix("signed ") })
    add("another vault's header on these groups", lines: Array(strangerLines[...strangerSigned]) + Array(lines[(signed + 1)...]), code: 4)
    add("the signed line of another vault", lines: replacing([signed: strangerLines[strangerSigned]]))
    var intruder = fields(try #require(strangerLines.first { $0.hasPrefix("member ") }))
    intruder[1] = "mallory"
    var withIntruder = headerOnly
    withIntruder.insert(join(intruder), at: member + 1)
    add("a member added without the owner's signature", lines: withIntruder + Array(lines[(signed + 1)...]))
    add("the member line duplicated", lines: Array(headerOnly[...member]) + [lines[member]] + Array(lines[(member + 1)...]))
    var readOnly = fields(lines[member])
    readOnly[3] = "member"
    add("the owner flag removed", lines: replacing([member: join(readOnly)]))

    // Run list, get, exec and set on each case.
    let directory = box.root.appendingPathComponent("cases").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var invocations: [Adversary.Invocation] = []
    var owners: [Int] = []
    for (number, item) in cases.enumerated() {
      #expect(item.bytes != original, "case '\(item.name)' did not change the file")
      let path = "\(directory)/\(number).vault"
      try Adversary.writePrivate(path, item.bytes[...])
      let label = ["--vault", path, "--project", item.project, "--env", item.env]
      invocations.append(.init(["list", "--vault", path]))
      if item.listOnly {
        owners.append(number)
        continue
      }
      invocations.append(.init(["get"] + label + [item.key]))
      invocations.append(.init(["exec"] + label + ["--"] + Adversary.printKeys))
      invocations.append(.init(["set"] + label + ["NEW_KEY"], stdin: fixture.newValue))
      invocations.append(.init(["rm"] + label + [item.key]))
      owners += Array(repeating: number, count: 5)
    }
    let results = try Adversary.runMany(box, invocations)
    for (index, result) in results.enumerated() {
      let item = cases[owners[index]]
      Adversary.expectRefused(
        result, code: invocations[index].args[0] == "list" ? 5 : item.code,
        secrets: fixture.secrets + [stranger.newValue, "twin-other-value-91"],
        "\(item.name): \(invocations[index].args[0])")
    }
    for (number, item) in cases.enumerated() {
      let unchanged = [UInt8](try box.readFile("\(directory)/\(number).vault")) == item.bytes
      #expect(unchanged, "\(item.name): file changed")
    }
    #expect(try Adversary.tempFiles(in: directory).isEmpty)
    #expect([UInt8](try box.readFile(box.vaultPath)) == original)

    // The messages say what is wrong.
    func stderr(_ name: String, _ command: String = "list") throws -> String {
      let number = try #require(cases.firstIndex { $0.name == name })
      let position = try #require(invocations.indices.first { owners[$0] == number && invocations[$0].args[0] == command })
      return results[position].stderr
    }
    #expect(try stderr("version '4'").contains("unsupported format version '4'"))
    #expect(try stderr("version '255'").contains("unsupported format version '255'"))
    #expect(try stderr("an empty file").contains("empty file"))
    #expect(try stderr("a text file").contains("not a vault file"))
    #expect(try stderr("a duplicated entry line").contains("duplicated"))
    #expect(try stderr("a duplicated entry line", "get").contains("duplicated"))
    #expect(try stderr("an entry signed by a non-member").contains("does not verify"))
    #expect(try stderr("a whole group from another vault").contains("not a member"))
    #expect(try stderr("a whole group from another vault", "exec").contains("not a member"))
    #expect(try stderr("a group from another vault of the same identity", "get").contains("does not verify"))
    #expect(try stderr("a double space in a group line", "get").contains("expected group shop prod"))
    #expect(try stderr("1 byte of trailing garbage").contains("after the end line"))
  }

  /// By design a write verifies the header and the group it changes and carries every other
  /// group over byte for byte (README, "Design decisions"): checking all groups would make a
  /// write grow with the vault. What must hold: the tampered group is never re-signed or
  /// rewritten (so it cannot be laundered into a valid one), it still fails when read, and
  /// the group that was written is valid.
  @Test func aWriteToAVaultDamagedElsewhereIsRefused() throws {
    let fixture = try SmallVault()
    let box = fixture.box
    var lines = Adversary.lines([UInt8](try box.readFile(box.vaultPath)))
    let devKey = try #require(lines.firstIndex { $0.hasPrefix("entry shop dev OPENAI_API_KEY ") })
    var fields = lines[devKey].split(separator: " ").map(String.init)
    fields[fields.count - 2] = String(fields[fields.count - 2].reversed())  // dev's ciphertext scrambled, its length kept
    lines[devKey] = fields.joined(separator: " ")
    let tampered = Adversary.bytes(lines)
    try Adversary.writePrivate(box.vaultPath, tampered[...])
    #expect(try box.run(["list"]).status == 5)
    let devBlock = lines.filter { $0.hasPrefix("group shop dev ") || $0.hasPrefix("entry shop dev ") }
    #expect(devBlock.count >= 2)

    // A writer never writes a file it would refuse to read (issue 6, item 15): the write to
    // prod is refused, and the file stays byte for byte as it was.
    let write = try box.run(["set", "--env", "prod", "NEW_KEY"], stdin: fixture.newValue)
    Adversary.expectRefused(write, code: 5, secrets: fixture.secrets, "set")
    #expect(try box.readFile(box.vaultPath) == Data(tampered), "the refused write changed the file")
    // The one-group readers still read the undamaged group.
    #expect(try box.run(["get", "--env", "dev"]).status == 5)
    let get = try box.run(["get", "--env", "prod", "-n"])
    #expect(get.status == 0, "\(get.stderr)")
  }

  // MARK: 4. Identity files

  @Test func identityKDFParametersAreCheckedBeforeTheKDF() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("kdf1"), env: "prod")
    let original = try box.readFile(box.identityPath)
    let publicLine = try #require(Adversary.lines([UInt8](original)).first { $0.hasPrefix("public ") })
    let vaultBefore = try box.readFile(box.vaultPath)
    let passphraseFile = box.root.appendingPathComponent("pass").path
    try Adversary.writePrivate(passphraseFile, Array("correct horse battery staple\n".utf8)[...])

    let salt = String(repeating: "A", count: 22)
    let nonce = String(repeating: "B", count: 32)
    let secret = String(repeating: "C", count: 106) + "A"
    func identity(_ kdf: String, first: String = "vault-identity 1") -> [UInt8] {
      Array("\(first)\n\(publicLine)\n\(kdf)\nnonce \(nonce)\nsecret \(secret)\n".utf8)
    }
    let cases: [(name: String, bytes: [UInt8], mention: String?)] = [
      ("ops below the floor", identity("kdf argon2id ops=1 mem=1024 salt=\(salt)"), "ops=1 mem=1024"),
      ("memory below the floor", identity("kdf argon2id ops=3 mem=1024 salt=\(salt)"), "ops=3 mem=1024"),
      ("4 TiB of memory", identity("kdf argon2id ops=3 mem=4398046511104 salt=\(salt)"), "mem=4398046511104"),
      ("ops 2^32", identity("kdf argon2id ops=4294967296 mem=268435456 salt=\(salt)"), "ops=4294967296"),
      ("ops 0", identity("kdf argon2id ops=0 mem=268435456 salt=\(salt)"), "ops=0"),
      ("ops 2^64-1", identity("kdf argon2id ops=18446744073709551615 mem=268435456 salt=\(salt)"), nil),
      ("an unknown algorithm", identity("kdf scrypt ops=3 mem=268435456 salt=\(salt)"), "kdf"),
      ("argon2i", identity("kdf argon2i ops=3 mem=268435456 salt=\(salt)"), "kdf"),
      ("leading zeros", identity("kdf argon2id ops=03 mem=268435456 salt=\(salt)"), "kdf"),
      ("version 2", identity("kdf argon2id ops=3 mem=268435456 salt=\(salt)", first: "vault-identity 2"),
       "unsupported format version '2'"),
      ("version 0", identity("kdf argon2id ops=3 mem=268435456 salt=\(salt)", first: "vault-identity 0"),
       "unsupported format version '0'"),
      ("CRLF", Array(String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8), nil),
      ("truncated", Array(original.dropLast(10)), nil),
      ("empty", [], nil),
    ]
    for item in cases {
      try Adversary.writePrivate(box.identityPath, item.bytes[...])
      for args in [
        ["get", "--env", "prod", "--no-cache", "--passphrase-file", passphraseFile],
        ["exec", "--env", "prod", "--no-cache", "--passphrase-file", passphraseFile, "--"] + Adversary.printKeys,
        ["set", "--env", "prod", "--no-cache", "--passphrase-file", passphraseFile, "NEW_KEY"],
        ["status"],
      ] {
        let result = try box.run(args, stdin: args[0] == "set" ? fakeKey("newk") : nil)
        Adversary.expectRefused(result, code: 5, secrets: [fakeKey("kdf1"), fakeKey("newk")], "identity \(item.name): \(args[0])")
        if let mention = item.mention {
          #expect(result.stderr.contains(mention), "identity \(item.name): \(args[0]) should name \(mention): \(result.stderr)")
        }
      }
      let unchanged = [UInt8](try box.readFile(box.identityPath)) == item.bytes
      #expect(unchanged, "identity \(item.name) changed")
      #expect(try box.readFile(box.vaultPath) == vaultBefore)
    }
  }

  @Test func wrongPassphraseIsExitThree() throws {
    let box = try Sandbox()
    let good = box.root.appendingPathComponent("good").path
    let bad = box.root.appendingPathComponent("bad").path
    try Adversary.writePrivate(good, Array("correct horse battery staple\n".utf8)[...])
    try Adversary.writePrivate(bad, Array("correct horse battery stapler\n".utf8)[...])
    let created = try box.run(["init", "--passphrase-file", good, "--no-cache"])
    try #require(created.status == 0, "\(created.stderr)")
    let value = fakeKey("wpp1")
    let stored = try box.run(["set", "--env", "prod", "--no-cache", "--passphrase-file", good], stdin: value)
    try #require(stored.status == 0, "\(stored.stderr)")
    let vault = try box.readFile(box.vaultPath)
    let identity = try box.readFile(box.identityPath)
    let result = try box.run(["get", "--env", "prod", "--no-cache", "--passphrase-file", bad])
    Adversary.expectRefused(result, code: 3, secrets: [value], "wrong passphrase")
    #expect(result.stderr.contains("wrong passphrase"))
    let write = try box.run(["set", "--env", "prod", "--no-cache", "--passphrase-file", bad, "NEW_KEY"], stdin: fakeKey("wpp2"))
    Adversary.expectRefused(write, code: 3, secrets: [value, fakeKey("wpp2")], "wrong passphrase (set)")
    #expect(try box.readFile(box.vaultPath) == vault)
    #expect(try box.readFile(box.identityPath) == identity)
  }
}

// MARK: - Helpers shared by the adversarial suites

/// A small personal vault: shop/dev OPENAI_API_KEY; shop/prod OPENAI_API_KEY and OTHER
/// (two groups, three entries), made with `init --no-passphrase`.
struct SmallVault {
  let box: Sandbox
  let devValue: String
  let prodValue: String
  let otherValue: String
  /// A value tests try to store into a bad vault.
  let newValue: String
  var secrets: [String] { [devValue, prodValue, otherValue, newValue] }

  init(withWebProject: Bool = false, withStaging: Bool = false) throws {
    box = try Sandbox()
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    devValue = fakeKey("dev" + tag)
    prodValue = fakeKey("prd" + tag)
    otherValue = "other-secret-" + tag + "-value"
    newValue = fakeKey("new" + tag)
    try box.initVault()
    try box.set(devValue, env: "dev")
    try box.set(prodValue, env: "prod")
    try box.set(otherValue, env: "prod", name: "OTHER")
    if withWebProject {
      try box.set(fakeKey("web" + tag), env: "prod", extra: ["--project", "web"])
    }
    if withStaging {
      try box.set(fakeKey("stg" + tag), env: "staging")
    }
  }
}

enum Adversary {
  /// `sh -c` printing the injected values, for `vault exec --`.
  static let printKeys = ["sh", "-c", "printf '%s|%s' \"$OPENAI_API_KEY\" \"$OTHER\""]

  /// One run of the binary: its arguments and stdin.
  struct Invocation {
    var args: [String]
    var stdin: String?
    init(_ args: [String], stdin: String? = nil) {
      self.args = args
      self.stdin = stdin
    }
  }

  /// Runs every invocation in `box`'s environment, spread over `workers` shell loops, and
  /// returns the results in order.
  static func runMany(_ box: Sandbox, _ invocations: [Invocation], workers: Int = 2) throws -> [RunResult] {
    let directory = box.root.appendingPathComponent("runs-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var scripts = Array(repeating: "", count: workers)
    for (index, invocation) in invocations.enumerated() {
      var input = "/dev/null"
      if let stdin = invocation.stdin {
        input = "\(directory)/\(index).in"
        try Data(stdin.utf8).write(to: URL(fileURLWithPath: input))
      }
      let command = ([Sandbox.binary] + invocation.args).map(shellQuote).joined(separator: " ")
      scripts[index % workers] +=
        "\(command) <\(shellQuote(input)) >\(directory)/\(index).out 2>\(directory)/\(index).err; echo $? >\(directory)/\(index).rc\n"
    }
    let failures = Adversary.Locked<[String]>([])
    let scriptTexts = scripts
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      let path = "\(directory)/worker-\(worker).sh"
      do {
        try Data(scriptTexts[worker].utf8).write(to: URL(fileURLWithPath: path))
        let result = try box.execute("/bin/sh", [path])
        if result.status != 0 { failures.update { $0.append("worker \(worker): \(result.stderr)") } }
      } catch {
        failures.update { $0.append("worker \(worker): \(error)") }
      }
    }
    #expect(failures.value.isEmpty, "\(failures.value)")
    return try invocations.indices.map { index in
      let rc = try String(contentsOfFile: "\(directory)/\(index).rc", encoding: .utf8)
      let out = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(index).out"))
      let err = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(index).err"))
      let status = Int32(rc.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
      return RunResult(
        status: status, stdout: String(decoding: out, as: UTF8.self),
        stderr: String(decoding: err, as: UTF8.self), signaled: status > 128, stdoutBytes: out)
    }
  }

  static func shellQuote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// A refused command: exit `code`, exactly one `vault: error:` line on stderr (a hint may
  /// follow), nothing else there, and no secret in either stream.
  static func expectRefused(
    _ result: RunResult, code: Int32, secrets: [String], _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(result.status == code, "\(context): exit \(result.status), want \(code); stderr: \(result.stderr.prefix(300))", sourceLocation: sourceLocation)
    // The first open of a vault owned by someone else says whom it pinned, before anything
    // else (README, "Exit codes"); that note is not part of the error.
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
      .drop { $0.hasPrefix("vault: first use of ") }
    let errors = lines.filter { $0.hasPrefix("vault: error: ") }
    let others = lines.dropLast().filter { !$0.hasPrefix("vault: error: ") && !$0.hasPrefix("vault: hint: ") }
    #expect(errors.count == 1 && others.isEmpty && result.stderr.hasSuffix("\n") && lines.first?.hasPrefix("vault: error: ") == true,
            "\(context): stderr should be one error line and at most a hint: \(result.stderr.prefix(400))", sourceLocation: sourceLocation)
    #expect(lines.filter { $0.hasPrefix("vault: hint: ") }.count <= 1, "\(context): \(result.stderr.prefix(300))", sourceLocation: sourceLocation)
    for secret in secrets {
      let core = String(secret.dropFirst(8).prefix(24))
      #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret)
              && !result.stdout.contains(core) && !result.stderr.contains(core),
              "\(context): a secret was printed", sourceLocation: sourceLocation)
    }
  }

  /// Writes `bytes` to `path` with mode 0600 (no readability warning muddies stderr).
  static func writePrivate(_ path: String, _ bytes: ArraySlice<UInt8>) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect(chmod(path, 0o600) == 0)
  }

  /// The lines of a file, without their newlines (the last, empty piece dropped).
  static func lines(_ bytes: [UInt8]) -> [String] {
    var pieces = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if pieces.last == "" { pieces.removeLast() }
    return pieces
  }

  static func bytes(_ lines: [String]) -> [UInt8] {
    Array(lines.map { $0 + "\n" }.joined().utf8)
  }

  /// Leftover `.NAME.tmp-*` files in `directory`.
  static func tempFiles(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
  }

  /// Permission bits of `path` (not following a symlink).
  static func mode(_ path: String) -> mode_t? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o7777
  }

  /// A value shared between threads behind a lock.
  final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&stored) } }
  }

  /// The entry lines of a vault file, split into fields.
  static func entries(_ bytes: [UInt8]) -> [[String]] {
    lines(bytes).filter { $0.hasPrefix("entry ") }.map { $0.split(separator: " ").map(String.init) }
  }
}

