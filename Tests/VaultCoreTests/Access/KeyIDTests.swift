import Foundation
import Testing
@testable import VaultCore

/// Format version 3: every entry line written names the environment key it was encrypted to
/// (FileFormat.md, "Key ids"), so an entry left under a retired key is told apart from a
/// tampered one.
@Suite struct KeyIDTests {
  let alice = TestIdentities.alice
  let bob = TestIdentities.bob

  func entries(_ file: VaultFile, _ project: String, _ environment: String) throws -> [Entry] {
    try #require(try file.group(project: project, environment: environment)).entries
  }

  func keyID(_ file: VaultFile, _ environment: String) throws -> [UInt8] {
    EntryCipher.keyID(of: try #require(file.header.environment(environment)).publicKey)
  }

  @Test func keyIDIsTheFirstEightBytesOfBlake2b128() {
    let key = [UInt8](repeating: 7, count: 32)
    let id = EntryCipher.keyID(of: key)
    #expect(id.count == 8 && id == Array(Sodium.blake2b(key, length: 16).prefix(8)))
    #expect(id != [UInt8](repeating: 0, count: 8))
    #expect(Base64URL.encode(id).count == 11)
  }

  @Test func aNewVaultIsVersion3AndEveryEntryNamesItsKey() throws {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.set([("A", secret("a")), ("B", secret("b"))], project: "web", environment: "dev",
      identity: alice)
    let bytes = file.serialized()
    #expect(text(bytes).hasPrefix("vault 3\n"))
    let parsed = try VaultFile.parse(bytes, path: "v")
    for entry in try entries(parsed, "web", "dev") {
      #expect(entry.keyID == (try keyID(parsed, "dev")))
      #expect(!parsed.isUnderRetiredKey(entry))
    }
    let line = try #require(text(bytes).split(separator: "\n").first { $0.hasPrefix("entry ") })
    #expect(line.split(separator: " ").count == 12)
    #expect(parsed.serialized() == bytes)
  }

  /// A version 2 file: entry writes keep the version 2 form; the first header change writes
  /// version 3, after which writes name the key and the old lines stay as they were.
  @Test func aVersion2FileIsUpgradedByAHeaderChange() throws {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    file.header.formatVersion = 2
    file.headerSignedText = VaultFile.headerText(file.header)
    file.header.signature = alice.signingKeyPair.sign(
      Signatures.header(vaultID: file.header.vaultID, signedText: file.headerSignedText))
    try file.set([("OLD", secret("old"))], project: "web", environment: "dev", identity: alice)
    var v2 = try VaultFile.parse(file.serialized(), path: "v")
    try v2.verifyHeader()
    #expect(v2.header.formatVersion == 2)
    #expect(try entries(v2, "web", "dev")[0].keyID == nil)
    try v2.set([("OLD2", secret("old2"))], project: "web", environment: "dev", identity: alice)
    #expect(try entries(v2, "web", "dev").allSatisfy { $0.keyID == nil })

    try v2.addEnvironment("qa", by: alice)
    #expect(v2.header.formatVersion == 3)
    try v2.set([("NEW", secret("new"))], project: "web", environment: "dev", identity: alice)
    var v3 = try VaultFile.parse(v2.serialized(), path: "v")
    try v3.verifyHeader()
    let dev = try entries(v3, "web", "dev")
    #expect(dev.map { $0.keyID == nil } == [false, true, true])  // NEW, OLD, OLD2
    let values = try v3.secrets(project: "web", environment: "dev", identity: alice)
    #expect(values.map { $0.value.withUnsafeBytes { text(Array($0)) } } == ["new", "old", "old2"])

    // A re-key writes every entry again, with the new key's id.
    try v3.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["dev"], write: [], isOwner: false,
      by: alice)
    try v3.removeMember("bob", by: alice)
    let rekeyed = try entries(v3, "web", "dev")
    #expect(rekeyed.allSatisfy { $0.keyID == (try? keyID(v3, "dev")) })
  }

  /// An entry under a retired key is refused as such; one whose key id is current but whose
  /// ciphertext does not open is still a decryption failure (tampered).
  @Test func aRetiredKeyAndATamperedEntryAreToldApart() throws {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.set([("A", secret("a"))], project: "web", environment: "dev", identity: alice)
    var group = try #require(try file.group(project: "web", environment: "dev"))
    let original = group.entries[0]

    var retired = original
    retired.sealed = try EntryCipher.seal(
      secret("a"), to: BoxKeyPair.generate().publicKey,
      associatedData: Signatures.associatedData(
        vaultID: file.header.vaultID, project: "web", environment: "dev", name: "A", version: 1))
    retired.keyID = EntryCipher.keyID(of: BoxKeyPair.generate().publicKey)
    group.entries[0] = file.resigned(retired, by: alice)
    var stale = file
    try stale.replaceGroup(
      project: "web", environment: "dev", entries: group.entries, flags: [], gone: [], history: [],
      links: [], rotations: [],
      identity: alice)
    let staleEntry = try entries(stale, "web", "dev")[0]
    #expect(stale.isUnderRetiredKey(staleEntry))
    #expect(throws: VaultError.retiredKey(label: "web/dev/A", environment: "dev", writer: "alice")) {
      try stale.secrets(project: "web", environment: "dev", identity: alice)
    }

    var tampered = original
    tampered.sealed.nonce[0] ^= 1
    group.entries[0] = file.resigned(tampered, by: alice)
    var broken = file
    try broken.replaceGroup(
      project: "web", environment: "dev", entries: group.entries, flags: [], gone: [], history: [],
      links: [], rotations: [],
      identity: alice)
    #expect(!broken.isUnderRetiredKey(try entries(broken, "web", "dev")[0]))
    #expect(
      throws: VaultError.integrity(path: "v", what: "web/dev/A", problem: .decryptionFailed)
    ) {
      try broken.secrets(project: "web", environment: "dev", identity: alice)
    }
  }

  /// A key id in a version 2 file is a format error; an altered key id breaks the entry
  /// signature.
  @Test func keyIDsAreVersion3OnlyAndSigned() throws {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.set([("A", secret("a"))], project: "web", environment: "dev", identity: alice)
    let entry = try entries(file, "web", "dev")[0]
    let fields = LineCodec.entryLine(entry).split(separator: " ").map { Array($0.utf8)[...] }
    #expect(LineCodec.parseEntry(fields, formatVersion: 3) == entry)
    #expect(LineCodec.parseEntry(fields, formatVersion: 2) == nil)
    var altered = text(file.serialized())
    let id = Base64URL.encode(try #require(entry.keyID))
    let other = Base64URL.encode(EntryCipher.keyID(of: BoxKeyPair.generate().publicKey))
    altered = altered.replacingOccurrences(of: " \(id) ", with: " \(other) ")
    let parsed = try VaultFile.parse(Array(altered.utf8), path: "v")
    // The group signature covers the entry line in full, and is checked first.
    #expect(throws: VaultError.integrity(path: "v", what: "web/dev", problem: .badSignature)) {
      try parsed.group(project: "web", environment: "dev")
    }
  }
}
