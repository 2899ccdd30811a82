import Foundation
import Testing
@testable import VaultCore

/// Trust state version 3 remembers the environment keys each member held, so that a member
/// who leaves the header without a re-key (a `git revert` of `members add`) is named.
@Suite struct TrustStateTests {
  let alice = TestIdentities.alice
  let dave = TestIdentities.mallory

  func temporaryDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)").path
  }

  func team() throws -> VaultFile {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "/repo/.vault")
    try file.set([("A", secret("a"))], project: "web", environment: "dev", identity: alice)
    return file
  }

  func stateText(_ directory: String, _ file: VaultFile) throws -> String {
    try String(
      contentsOfFile: directory + "/trust/" + Base64URL.encode(file.header.vaultID),
      encoding: .utf8)
  }

  /// A state file of version 2 (no held keys) and of version 1 still loads; the next check
  /// writes version 3 with the keys each member holds.
  @Test func olderStateFilesStillLoad() throws {
    let file = try team()
    for old in [
      "vault-trust 2\ngeneration 1\nowner \(Base64URL.encode(alice.signingKeyPair.publicKey))\n"
        + "member \(alice.publicIdentity.description) alice\n"
        + "removed \(dave.publicIdentity.description) dave\n",
      "vault-trust 1\nowner \(Base64URL.encode(alice.signingKeyPair.publicKey))\n"
        + "member \(alice.publicIdentity.description) alice\n",
    ] {
      let directory = temporaryDirectory()
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let path = directory + "/trust/" + Base64URL.encode(file.header.vaultID)
      try FileManager.default.createDirectory(
        atPath: directory + "/trust", withIntermediateDirectories: true)
      try old.write(toFile: path, atomically: true, encoding: .utf8)
      var copy = file
      try TrustStore(directory: directory).check(&copy)
      #expect(copy.departed.isEmpty)
      let text = try stateText(directory, file)
      #expect(text.hasPrefix("vault-trust 3\ngeneration 1\n"))
      let devID = Base64URL.encode(EntryCipher.keyID(of: try #require(file.header.environment("dev")).publicKey))
      #expect(text.contains("member \(alice.publicIdentity.description) alice dev:\(devID),"), "\(text)")
      if old.contains("removed") {
        // What an older release recorded is kept as it was: no keys known, nothing claimed.
        #expect(text.contains("removed \(dave.publicIdentity.description) dave\n"))
      }
    }
  }

  /// dave is added; a later header (generation up, signed by the owner) drops his member line
  /// and seal without re-keying dev: the check names him; removing him re-keys dev.
  @Test func aMemberGoneWithoutARekeyIsNamedUntilRekeyed() throws {
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let trust = TrustStore(directory: directory)
    var withDave = try team()
    try withDave.addMember(
      name: "dave", identity: dave.publicIdentity, read: ["dev"], write: [], isOwner: false,
      by: alice)
    var seen = try VaultFile.parse(withDave.serialized(), path: "/repo/.vault")
    try trust.check(&seen)

    var dropped = withDave
    dropped.header.members.removeAll { $0.name == "dave" }
    dropped.header.seals.removeAll { $0.member == "dave" }
    dropped.header.generation += 1
    dropped.signHeader(with: alice)
    var reader = try VaultFile.parse(dropped.serialized(), path: "/repo/.vault")
    try reader.verifyHeader()
    try trust.check(&reader)
    #expect(
      reader.departed == [
        DepartedMember(
          name: "dave", identity: dave.publicIdentity, generation: withDave.header.generation,
          environments: ["dev"])
      ])

    let removal = try reader.removeMember("dave", by: alice, now: "2026-03-01T12:00:00Z")
    #expect(removal == .init(rekeyed: ["dev"], dropped: [], departed: true))
    #expect(reader.header.environment("dev")?.publicKey != withDave.header.environment("dev")?.publicKey)
    #expect(reader.header.generation == dropped.header.generation + 1)
    let flags = try #require(try reader.group(project: "web", environment: "dev")).flags
    #expect(flags == [ExposureFlag(name: "A", member: "dave", time: "2026-03-01T12:00:00Z")])
    var after = try VaultFile.parse(reader.serialized(), path: "/repo/.vault")
    try after.verifyHeader()
    try trust.check(&after)
    #expect(after.departed.isEmpty)
  }

  /// The older generation of a revert is refused naming who left without a re-key; a plain
  /// rollback (nobody gone with a key) stays a plain rollback.
  @Test func aRevertedAdditionIsARollbackThatNamesTheMember() throws {
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let trust = TrustStore(directory: directory)
    let before = try team()
    var first = try VaultFile.parse(before.serialized(), path: "/repo/.vault")
    try trust.check(&first)
    var withDave = before
    try withDave.addMember(
      name: "dave", identity: dave.publicIdentity, read: ["dev"], write: [], isOwner: false,
      by: alice)
    var seen = try VaultFile.parse(withDave.serialized(), path: "/repo/.vault")
    try trust.check(&seen)
    var reverted = try VaultFile.parse(before.serialized(), path: "/repo/.vault")
    #expect(
      throws: VaultError.rollbackWithoutRekey(
        path: "/repo/.vault", generation: before.header.generation,
        seen: withDave.header.generation,
        departed: [
          DepartedMember(
            name: "dave", identity: dave.publicIdentity, generation: withDave.header.generation,
            environments: ["dev"])
        ])
    ) { try trust.check(&reverted) }
    // Accepted on purpose: dave is remembered as removed, and named until dev is re-keyed.
    try trust.accept(reverted, acceptRollback: true)
    var accepted = try VaultFile.parse(before.serialized(), path: "/repo/.vault")
    try trust.check(&accepted)
    #expect(accepted.departed.map(\.name) == ["dave"])
    let removal = try accepted.removeMember("dave", by: alice)
    #expect(removal.departed && removal.rekeyed == ["dev"])
    // Above every generation anyone saw with dave in it.
    #expect(accepted.header.generation == withDave.header.generation + 1)
  }
}
