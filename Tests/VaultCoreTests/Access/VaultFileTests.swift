import Testing
@testable import VaultCore

@Suite struct VaultFileTests {
  let alice = TestIdentities.alice
  let bob = TestIdentities.bob

  /// A vault of three groups; `formatVersion` below 3 writes entry lines without key ids.
  func makeVault(formatVersion: Int = VaultFile.currentFormatVersion) throws -> VaultFile {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    if formatVersion != VaultFile.currentFormatVersion {
      file.header.formatVersion = formatVersion
      if formatVersion == 1 { file.header.generation = 0 }
      file.headerSignedText = VaultFile.headerText(file.header)
      file.header.signature = alice.signingKeyPair.sign(
        Signatures.header(vaultID: file.header.vaultID, signedText: file.headerSignedText))
    }
    for (project, environment) in [("api", "dev"), ("web", "dev"), ("web", "prod")] {
      try file.set(
        [("OPENAI_API_KEY", secret("sk-\(project)-\(environment)")), ("OPENAI_ORG_ID", secret("org"))],
        project: project, environment: environment, identity: alice)
    }
    return file
  }

  func blockTexts(_ file: VaultFile) -> [String: [UInt8]] {
    Dictionary(uniqueKeysWithValues: file.blocks.map { ("\($0.project)/\($0.environment)", Array($0.text)) })
  }

  @Test func parseThenSerializeIsIdentity() throws {
    let bytes = try makeVault().serialized()
    let parsed = try VaultFile.parse(bytes, path: "v")
    try parsed.verifyHeader()
    #expect(parsed.serialized() == bytes)
    #expect(try parsed.allGroups().count == 3)
    let lines = text(bytes).split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.first == "vault 3" && lines.dropLast().last == "end" && lines.last == "")
    #expect(lines.dropFirst(2).first?.hasPrefix("generation ") == true)
  }

  @Test func setAndRemoveLeaveOtherGroupsByteIdentical() throws {
    var file = try VaultFile.parse(try makeVault().serialized(), path: "v")
    let before = blockTexts(file)
    try file.set([("OPENAI_ORG_ID", secret("org-2"))], project: "web", environment: "dev", identity: alice)
    var after = blockTexts(file)
    #expect(after["api/dev"] == before["api/dev"] && after["web/prod"] == before["web/prod"])
    #expect(after["web/dev"] != before["web/dev"])
    let group = try #require(try file.group(project: "web", environment: "dev"))
    #expect(group.entries.map(\.version) == [1, 2])

    try file.remove("OPENAI_API_KEY", project: "api", environment: "dev", identity: alice)
    after = blockTexts(file)
    #expect(after["web/prod"] == before["web/prod"])
    try file.remove("OPENAI_ORG_ID", project: "api", environment: "dev", identity: alice)
    // The group stays, holding the two tombstones that keep its versions counting.
    let emptied = try #require(try file.group(project: "api", environment: "dev"))
    #expect(emptied.entries.isEmpty && emptied.gone.map(\.name) == ["OPENAI_API_KEY", "OPENAI_ORG_ID"])

    let reparsed = try VaultFile.parse(file.serialized(), path: "v")
    #expect(reparsed.serialized() == file.serialized())
    let values = try reparsed.secrets(project: "web", environment: "dev", identity: alice)
    #expect(values.map { $0.value.withUnsafeBytes { text(Array($0)) } } == ["sk-web-dev", "org-2"])
  }

  @Test func newGroupsAreInsertedInOrder() throws {
    var file = try makeVault()
    try file.set([("A", secret("1"))], project: "aaa", environment: "prod", identity: alice)
    try file.set([("A", secret("1"))], project: "web", environment: "staging", identity: alice)
    #expect(file.blocks.map { "\($0.project)/\($0.environment)" } == ["aaa/prod", "api/dev", "web/dev", "web/prod", "web/staging"])
    _ = try VaultFile.parse(file.serialized(), path: "v")
  }

  @Test func refusesValuesReadersWouldReject() throws {
    var file = try makeVault()
    let long = SecretBytes(count: EntryCipher.maximumValueLength + 1)
    #expect(throws: VaultError.valueTooLong(label: "web/dev/BIG", limit: EntryCipher.maximumValueLength)) {
      try file.set([("BIG", long)], project: "web", environment: "dev", identity: alice)
    }
    try file.set([("BIG", SecretBytes(count: EntryCipher.maximumValueLength))], project: "web", environment: "dev", identity: alice)
    let reparsed = try VaultFile.parse(file.serialized(), path: "v")
    #expect(try reparsed.secrets(project: "web", environment: "dev", identity: alice).count == 3)
  }

  @Test func membersMayNotShareAKey() throws {
    var file = try makeVault()
    let twin = PublicIdentity(boxKey: bob.boxKeyPair.publicKey, signingKey: alice.signingKeyPair.publicKey)
    file.header.members.append(Member(name: "twin", identity: twin, isOwner: false, read: [], write: ["prod"]))
    file.signHeader(with: alice)
    let reparsed = try VaultFile.parse(file.serialized(), path: "v")
    #expect(throws: VaultError.malformed(path: "v", line: 0, problem: .duplicate("identity of twin"))) {
      try reparsed.verifyHeader()
    }
  }

  @Test func accessFollowsTheMemberList() throws {
    let file = try makeVault()
    #expect(throws: VaultError.notAMember(path: "v")) {
      try file.secrets(project: "web", environment: "dev", identity: bob)
    }
    #expect(throws: VaultError.environmentNotFound("qa", available: ["dev", "prod", "staging"])) {
      try file.secrets(project: "web", environment: "qa", identity: alice)
    }
    var copy = file
    #expect(throws: VaultError.notAMember(path: "v")) {
      try copy.set([("A", secret("x"))], project: "web", environment: "dev", identity: bob)
    }
  }

  /// Versions keep counting after `rm`: a tombstone keeps the last version, and the next
  /// value stored under the name is one later; a group of tombstones alone stays.
  @Test func versionsKeepCountingAfterRemoval() throws {
    var file = try makeVault()
    try file.set([("OPENAI_API_KEY", secret("v2"))], project: "web", environment: "prod", identity: alice)
    try file.remove("OPENAI_API_KEY", project: "web", environment: "prod", identity: alice, now: "2026-05-01T00:00:00Z")
    var serialized = text(file.serialized())
    #expect(serialized.contains("\ngone web prod OPENAI_API_KEY 2 2026-05-01T00:00:00Z\nentry web prod OPENAI_ORG_ID "))
    var reparsed = try VaultFile.parse(file.serialized(), path: "v")
    #expect(reparsed.serialized() == file.serialized())
    #expect(try reparsed.group(project: "web", environment: "prod")?.gone == [
      Tombstone(name: "OPENAI_API_KEY", version: 2, time: "2026-05-01T00:00:00Z")])
    let written = try reparsed.set(
      [("OPENAI_API_KEY", secret("v3"))], project: "web", environment: "prod", identity: alice)
    #expect(written.map(\.version) == [3])
    #expect(try reparsed.group(project: "web", environment: "prod")?.gone == [])

    // Every entry removed: the group stays, with its tombstones, and reads as empty.
    for name in ["OPENAI_API_KEY", "OPENAI_ORG_ID"] {
      try reparsed.remove(name, project: "api", environment: "dev", identity: alice)
    }
    let empty = try VaultFile.parse(reparsed.serialized(), path: "v")
    #expect(try empty.secrets(project: "api", environment: "dev", identity: alice).isEmpty)
    #expect(try empty.group(project: "api", environment: "dev")?.gone.map(\.version) == [1, 1])

    // Malformed tombstones: a name held twice, out of order, after a flag, a bad version.
    serialized = text(reparsed.serialized())
    let entryLine = try #require(serialized.split(separator: "\n").first { $0.hasPrefix("entry web prod OPENAI_ORG_ID ") })
    for (old, new) in [
      ("gone api dev OPENAI_ORG_ID 1 ", "gone api dev OPENAI_API_KEY 1 "),
      ("gone api dev OPENAI_ORG_ID 1 ", "gone api dev OPENAI_ORG_ID 0 "),
      ("gone api dev OPENAI_ORG_ID 1 ", "gone api dev OPENAI_ORG_ID 01 "),
      ("gone api dev OPENAI_ORG_ID 1 ", "gone web dev OPENAI_ORG_ID 1 "),
      (String(entryLine), String(entryLine) + "\ngone web prod OPENAI_ORG_ID 1 2026-05-01T00:00:00Z"),
    ] {
      let bad = serialized.replacingOccurrences(of: old, with: new)
      #expect(bad != serialized)
      #expect(throws: VaultError.self, "\(new)") {
        let file = try VaultFile.parse(Array(bad.utf8), path: "v")
        try file.verifyHeader()
        _ = try file.allGroups()
      }
    }
  }

  /// A version 1 file has no tombstones: `rm` there removes the line, and versions restart.
  @Test func versionOneFilesHaveNoTombstones() throws {
    let file = try makeVault(formatVersion: 1)
    var v1 = try VaultFile.parse(file.serialized(), path: "v")
    try v1.verifyHeader()
    try v1.remove("OPENAI_API_KEY", project: "web", environment: "prod", identity: alice)
    #expect(!text(v1.serialized()).contains("\ngone "))
    var planted = text(v1.serialized())
    planted = planted.replacingOccurrences(
      of: "\nentry web prod OPENAI_ORG_ID", with: "\ngone web prod OPENAI_API_KEY 1 2026-05-01T00:00:00Z\nentry web prod OPENAI_ORG_ID")
    #expect(throws: VaultError.self) {
      _ = try VaultFile.parse(Array(planted.utf8), path: "v").allGroups()
    }
  }

  @Test func strictHeaderGrammar() throws {
    let good = text(try makeVault().serialized())
    let edits: [(String, String)] = [
      ("vault 3\n", "vault 3 \n"), ("vault 3\n", "vault 1\n"), ("vault 3\n", "vault 2\n"), ("\nid ", "\nid  "), (" owner ", " admin "),
      ("\ngeneration ", "\ngeneration 0"), ("\ngeneration ", "\ngeneration  "), ("\ngeneration ", "\ngeneration -"),
      ("\ngeneration ", "\ngen "),
      ("read=dev,prod,staging", "read=prod,dev,staging"), ("read=dev,prod,staging", "read=dev,dev,prod,staging"),
      ("\nend\n", "\nend"), ("\nend\n", "\nEND\n"), ("\nend\n", "\nend\n\n"),
    ]
    for (old, new) in edits {
      let bad = good.replacingOccurrences(of: old, with: new)
      #expect(bad != good)
      #expect(throws: VaultError.self, "\(new)") {
        let file = try VaultFile.parse(Array(bad.utf8), path: "v")
        try file.verifyHeader()
      }
    }
  }
}
