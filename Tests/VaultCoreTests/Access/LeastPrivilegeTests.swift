import Foundation
import Testing
@testable import VaultCore

/// Least privilege is in the cryptography, not in a check the CLI makes: a member holds no
/// copy of an environment key it may not read, so with bob's identity and the whole file no
/// prod value opens, whichever way one tries.
@Suite struct LeastPrivilegeTests {
  let alice = TestIdentities.alice
  let bob = TestIdentities.bob
  let ci = TestIdentities.make("ci")
  let deployer = TestIdentities.make("deployer")

  static let prodValues = ["OPENAI_API_KEY": "sk-proj-prod-secret-1", "OPENAI_ORG_ID": "org-prod-secret-2"]

  /// The vault, serialized and parsed back as a reader would get it: bob reads dev
  /// and staging, ci reads prod, deployer may write prod without reading it (as a file from
  /// before "write needs read" says; `addMember` no longer grants it, so the header is
  /// written by hand and signed by alice).
  func makeVault() throws -> (bytes: [UInt8], file: VaultFile) {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["dev", "staging"], write: [], isOwner: false, by: alice)
    try file.addMember(name: "ci", identity: ci.publicIdentity, read: ["prod"], write: [], isOwner: false, by: alice)
    #expect(throws: VaultError.writeWithoutRead(environments: ["prod"])) {
      try file.addMember(
        name: "deployer", identity: deployer.publicIdentity, read: [], write: ["prod"], isOwner: false, by: alice)
    }
    file.header.members.append(
      Member(name: "deployer", identity: deployer.publicIdentity, isOwner: false, read: [], write: ["prod"]))
    file.header.members.sort { $0.name < $1.name }
    file.header.generation += 1
    file.signHeader(with: alice)
    for environment in ["dev", "staging"] {
      try file.set(
        [("OPENAI_API_KEY", secret("sk-proj-\(environment)-value"))], project: "shop", environment: environment,
        identity: alice)
    }
    try file.set(
      Self.prodValues.sorted { $0.key < $1.key }.map { ($0.key, secret($0.value)) }, project: "shop",
      environment: "prod", identity: alice)
    try file.set([("OPENAI_API_KEY", secret("sk-proj-other-prod"))], project: "other", environment: "prod", identity: alice)
    let bytes = file.serialized()
    let parsed = try VaultFile.parse(bytes, path: "v")
    try parsed.verifyHeader()
    return (bytes, parsed)
  }

  func string(_ value: SecretBytes) -> String {
    value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
  }

  @Test func bobCannotOpenAnyProdValue() throws {
    let (bytes, file) = try makeVault()
    let prodKey = try #require(file.header.environment("prod")).publicKey

    // The API says no.
    #expect(throws: VaultError.cannotRead(member: "bob", project: "shop", environment: "prod")) {
      try file.environmentKeyPair("prod", project: "shop", identity: bob)
    }
    #expect(throws: VaultError.cannotRead(member: "bob", project: "shop", environment: "prod")) {
      try file.secrets(project: "shop", environment: "prod", identity: bob)
    }
    // And it is not only the API: no prod seal is addressed to bob.
    #expect(file.header.seals.filter { $0.environment == "prod" }.map(\.member) == ["alice", "ci"])

    // By hand, from the file's text: every seal line, opened with bob's box key.
    var bobKeys: [BoxKeyPair] = []
    var opened: [String] = []
    let sealLines = text(bytes).split(separator: "\n").filter { $0.hasPrefix("seal ") }
    #expect(sealLines.count == file.header.seals.count && sealLines.count == 6)
    for line in sealLines {
      let fields = line.split(separator: " ")
      let box = try #require(Base64URL.decode(Array(fields[3].utf8)[...], length: SealedBox.sealedKeyLength))
      guard let key = try? SealedBox.open(box, with: bob.boxKeyPair) else { continue }
      let pair = try BoxKeyPair(secretKey: key)
      #expect(pair.publicKey != prodKey)
      bobKeys.append(pair)
      opened.append("\(fields[1]) \(fields[2])")
    }
    #expect(opened == ["dev bob", "staging bob"], "bob opens his own seals, and only those")

    // Every entry of every prod group, with every key bob has: his own box key, and each
    // environment key he opened. Both through VaultFile.open and through EntryCipher.
    var prodEntries: [Entry] = []
    for block in file.blocks where block.environment == "prod" {
      prodEntries += try file.decode(block).entries
    }
    #expect(prodEntries.count == 3)
    for entry in prodEntries {
      let ad = Signatures.associatedData(
        vaultID: file.header.vaultID, project: entry.project, environment: entry.environment, name: entry.name,
        version: entry.version)
      for key in bobKeys + [bob.boxKeyPair] {
        #expect(throws: (any Error).self) { try EntryCipher.open(entry.sealed, with: key, associatedData: ad) }
        #expect(throws: VaultError.integrity(path: "v", what: entry.label, problem: .decryptionFailed)) {
          try file.open(entry, with: key)
        }
      }
    }
    // Nor does the ciphertext of any line of the file contain a prod value in the clear.
    for value in Self.prodValues.values { #expect(!text(bytes).contains(value)) }

    // The same procedure works where bob may read, so the failures above are meaningful.
    let devKey = try #require(bobKeys.first { $0.publicKey == file.header.environment("dev")?.publicKey })
    let dev = try #require(try file.group(project: "shop", environment: "dev")).entries[0]
    let ad = Signatures.associatedData(
      vaultID: file.header.vaultID, project: "shop", environment: "dev", name: dev.name, version: dev.version)
    #expect(string(try EntryCipher.open(dev.sealed, with: devKey, associatedData: ad)) == "sk-proj-dev-value")
    #expect(try file.secrets(project: "shop", environment: "staging", identity: bob).map { string($0.value) } == ["sk-proj-staging-value"])
    // ...and ci, who may read prod, does.
    #expect(
      try file.secrets(project: "shop", environment: "prod", identity: ci).map { string($0.value) }
        == ["sk-proj-prod-secret-1", "org-prod-secret-2"])
  }

  /// Write without read is not honoured (issue 6, item 2): deployer may not store prod
  /// values, and an entry or group deployer signs anyway is refused by every reader, so
  /// nothing it plants (`OPENAI_BASE_URL`) reaches a reader's program beside the prod key.
  @Test func writeWithoutReadIsNotHonoured() throws {
    var (_, file) = try makeVault()
    #expect(file.header.seals.contains { $0.member == "deployer" } == false)
    #expect(throws: VaultError.cannotWrite(member: "deployer", environment: "prod")) {
      try file.set([("OPENAI_BASE_URL", secret("https://evil.example/v1"))], project: "shop", environment: "prod", identity: deployer)
    }
    // deployer signs a prod group with its own key anyway (the way an old release let it).
    var forger = file
    let index = try #require(forger.header.members.firstIndex { $0.name == "deployer" })
    forger.header.members[index].read = ["prod"]
    try forger.set(
      [("OPENAI_BASE_URL", secret("https://evil.example/v1"))], project: "shop", environment: "prod", identity: deployer)
    var planted = file
    planted.blocks = forger.blocks
    let reparsed = try VaultFile.parse(planted.serialized(), path: "v")
    try reparsed.verifyHeader()
    #expect(throws: VaultError.integrity(path: "v", what: "shop/prod (signed by deployer)", problem: .signerCannotRead)) {
      try reparsed.secrets(project: "shop", environment: "prod", identity: alice)
    }
    #expect(throws: VaultError.integrity(path: "v", what: "shop/prod (signed by deployer)", problem: .signerCannotRead)) {
      try reparsed.secrets(project: "shop", environment: "prod", identity: ci)
    }
    // bob may read dev but not write it.
    var copy = reparsed
    #expect(throws: VaultError.cannotWrite(member: "bob", environment: "dev")) {
      try copy.set([("X", secret("x"))], project: "shop", environment: "dev", identity: bob)
    }
  }

  /// An entry bob signs for dev, where he may not write, is refused on read, naming him.
  @Test func anEntrySignedWithoutWriteAccessNamesTheSigner() throws {
    let (_, file) = try makeVault()
    var forger = file
    let index = try #require(forger.header.members.firstIndex { $0.name == "bob" })
    forger.header.members[index].write = ["dev"]
    try forger.set([("OPENAI_BASE_URL", secret("https://evil.example"))], project: "shop", environment: "dev", identity: bob)
    var forged = file
    forged.blocks = forger.blocks
    let reparsed = try VaultFile.parse(forged.serialized(), path: "v")
    try reparsed.verifyHeader()
    #expect(throws: VaultError.integrity(path: "v", what: "shop/dev (signed by bob)", problem: .signerCannotWrite)) {
      try reparsed.secrets(project: "shop", environment: "dev", identity: alice)
    }
    // The same entry under a group line re-signed by alice: the entry itself names bob.
    var group = try #require(try forger.group(project: "shop", environment: "dev"))
    group.signer = alice.signingKeyPair.publicKey
    group.signature = alice.signingKeyPair.sign(
      Signatures.group(vaultID: file.header.vaultID, signedText: LineCodec.groupSignedText(group)))
    var relabeled = file
    let blockIndex = try #require(relabeled.blocks.firstIndex { $0.project == "shop" && $0.environment == "dev" })
    relabeled.blocks[blockIndex].text = LineCodec.groupText(group)[...]
    let again = try VaultFile.parse(relabeled.serialized(), path: "v")
    #expect(
      throws: VaultError.integrity(path: "v", what: "shop/dev/OPENAI_BASE_URL (signed by bob)", problem: .signerCannotWrite)
    ) {
      try again.secrets(project: "shop", environment: "dev", identity: alice)
    }
  }

  /// Only an owner's signature makes a membership change valid; and an owner who was not
  /// pinned (bob made himself one) is refused by the trust store.
  @Test func onlyAnOwnerChangesMembership() throws {
    let (bytes, file) = try makeVault()
    let mallory = TestIdentities.mallory

    // bob adds mallory and signs the header himself.
    var forged = file
    #expect(throws: VaultError.notOwner(member: "bob")) {
      try forged.addMember(name: "mallory", identity: mallory.publicIdentity, read: [], write: [], isOwner: false, by: bob)
    }
    forged.header.members.append(Member(name: "mallory", identity: mallory.publicIdentity, isOwner: false, read: [], write: ["dev"]))
    forged.signHeader(with: bob)
    let notOwner = try VaultFile.parse(forged.serialized(), path: "v")
    #expect(throws: VaultError.integrity(path: "v", what: "members (signed by bob)", problem: .headerNotSignedByOwner)) {
      try notOwner.verifyHeader()
    }

    // bob makes himself an owner and signs: valid in itself, refused against the pinned owners.
    var usurped = file
    let index = try #require(usurped.header.members.firstIndex { $0.name == "bob" })
    usurped.header.members[index].isOwner = true
    usurped.signHeader(with: bob)
    let usurper = try VaultFile.parse(usurped.serialized(), path: "v")
    try usurper.verifyHeader()

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let trust = TrustStore(directory: directory)
    var first = try VaultFile.parse(bytes, path: "/repo/.vault")
    try trust.check(&first)  // pins alice
    var second = try VaultFile.parse(usurped.serialized(), path: "/repo/.vault")
    #expect(throws: VaultError.untrustedOwners(path: "/repo/.vault", trustFile: directory + "/trust/" + Base64URL.encode(file.header.vaultID))) {
      try trust.check(&second)
    }
    // alice (pinned) making bob an owner is accepted.
    var promoted = try VaultFile.parse(bytes, path: "/repo/.vault")
    promoted.header.members[index].isOwner = true
    promoted.signHeader(with: alice)
    var reparsed = try VaultFile.parse(promoted.serialized(), path: "/repo/.vault")
    try reparsed.verifyHeader()
    try trust.check(&reparsed)
  }

  /// After bob's removal, the keys bob held open nothing new, and a rolled-back file refuses
  /// to seal anything new to him.
  @Test func removalRekeysAndARollbackIsRecognized() throws {
    let (bytes, file) = try makeVault()
    let oldDev = try file.environmentKeyPair("dev", project: "shop", identity: bob)
    var removed = file
    let removal = try removed.removeMember("bob", by: alice, now: "2025-01-02T03:04:05Z")
    #expect(removal == VaultFile.Removal(rekeyed: ["dev", "staging"], dropped: []))
    #expect(removed.header.environment("prod") == file.header.environment("prod"))
    let after = try VaultFile.parse(removed.serialized(), path: "v")
    try after.verifyHeader()
    let group = try #require(try after.group(project: "shop", environment: "dev"))
    #expect(group.flags == [ExposureFlag(name: "OPENAI_API_KEY", member: "bob", time: "2025-01-02T03:04:05Z")])
    for entry in group.entries {
      #expect(throws: VaultError.self) { try after.open(entry, with: oldDev) }
    }
    #expect(try after.secrets(project: "shop", environment: "dev", identity: alice).map { string($0.value) } == ["sk-proj-dev-value"])
    #expect(try #require(try after.group(project: "shop", environment: "prod")).flags.isEmpty)

    // The trust store saw the removal; the old file comes back.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let trust = TrustStore(directory: directory)
    var seen = try VaultFile.parse(bytes, path: "/repo/.vault")
    try trust.check(&seen)
    var current = after
    current.path = "/repo/.vault"
    try trust.check(&current)
    // The old file is an older generation: refused as a rollback (issue 6, item 1)...
    var rolledBack = try VaultFile.parse(bytes, path: "/repo/.vault")
    #expect(
      throws: VaultError.rollback(
        path: "/repo/.vault", generation: file.header.generation, seen: after.header.generation, pinned: false)
    ) {
      try trust.check(&rolledBack)
    }
    // ...and, accepted on purpose (`vault trust --accept-rollback`), bob stays removed.
    try trust.accept(rolledBack, acceptRollback: true)
    try trust.check(&rolledBack)
    #expect(rolledBack.retired.map(\.identity) == [bob.publicIdentity])
    #expect(rolledBack.retired.map(\.name) == ["bob"])
    #expect(throws: VaultError.sealsToRemovedMember(member: "bob", environment: "dev")) {
      try rolledBack.set([("OPENAI_API_KEY", secret("sk-new"))], project: "shop", environment: "dev", identity: alice)
    }
    try rolledBack.set([("OPENAI_API_KEY", secret("sk-new"))], project: "shop", environment: "prod", identity: alice)
    #expect(throws: VaultError.lastOwner("alice")) { try rolledBack.removeMember("alice", by: alice) }
  }
}
