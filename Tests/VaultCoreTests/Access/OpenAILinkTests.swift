import Testing

@testable import VaultCore

/// FileFormat.md, "OpenAI links and rotations": the `openai` and `rotation` lines of a group,
/// and what each write does to them.
@Suite struct OpenAILinkTests {
  let alice = TestIdentities.alice
  let bob = TestIdentities.bob
  let name = "OPENAI_API_KEY"

  func link(_ key: String, version: UInt64 = 0, scopes: [String] = []) -> OpenAILink {
    OpenAILink(
      name: name, version: version, project: "proj_abc", keyID: key, account: "svc_acct_1",
      scopes: scopes)
  }

  func rotation(_ step: PendingRotation.Step, new: String? = "key_new") -> PendingRotation {
    PendingRotation(
      name: name, step: step, time: "2026-11-30T08:00:00Z", project: "proj_abc",
      oldKey: "key_old", oldAccount: "svc_acct_1", newKey: step == .started ? nil : new,
      newAccount: step == .started ? nil : "svc_acct_1")
  }

  /// A vault with web/prod holding OPENAI_API_KEY (version 1, linked to key_one) and
  /// OPENAI_ORG_ID.
  func makeVault() throws -> VaultFile {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.set(
      [(name, secret("sk-one")), ("OPENAI_ORG_ID", secret("org"))], project: "web",
      environment: "prod", identity: alice, link: link("key_one"))
    return file
  }

  /// Parses `file`'s bytes again, both ways, and returns the verified group.
  func reread(_ file: VaultFile) throws -> Group {
    let bytes = file.serialized()
    let parsed = try VaultFile.parse(bytes, path: "v")
    #expect(parsed.serialized() == bytes)
    let group = try #require(try parsed.group(project: "web", environment: "prod"))
    let fast = try VaultFile.parse(bytes, path: "v", onlyProject: "web", environment: "prod")
    let values = try fast.secrets(project: "web", environment: "prod", identity: alice)
    #expect(values.count == group.entries.count)
    #expect(try fast.group(project: "web", environment: "prod") == group)
    return group
  }

  @Test func aLinkIsAttachedToTheVersionWrittenAndSerialized() throws {
    let file = try makeVault()
    let group = try reread(file)
    #expect(group.links == [link("key_one", version: 1)])
    #expect(group.currentLink(name)?.keyID == "key_one")
    #expect(
      text(file.serialized()).contains(
        "\nopenai web prod OPENAI_API_KEY 1 proj_abc key_one svc_acct_1 -\n"))
  }

  @Test func aNewVersionWithoutALinkIsUnlinkedAndTheOlderKeepsItsLink() throws {
    var file = try makeVault()
    try file.set([(name, secret("sk-two"))], project: "web", environment: "prod", identity: alice)
    var group = try reread(file)
    #expect(group.currentLink(name) == nil)
    #expect(group.links == [link("key_one", version: 1)])
    // Linking the new version later; both lines, version descending.
    try file.setLink(
      link("key_two", version: 2, scopes: ["api.responses.write", "api.model.read"]),
      project: "web", environment: "prod", identity: alice)
    group = try reread(file)
    #expect(group.links.map(\.version) == [2, 1])
    // Scopes are written sorted.
    #expect(group.links[0].scopes == ["api.model.read", "api.responses.write"])
    #expect(
      text(file.serialized()).contains(
        "openai web prod OPENAI_API_KEY 2 proj_abc key_two svc_acct_1"
          + " api.model.read,api.responses.write\nopenai web prod OPENAI_API_KEY 1 "))
    // Replacing a link keeps one line per version.
    try file.setLink(
      link("key_two_b", version: 2), project: "web", environment: "prod", identity: alice)
    group = try reread(file)
    #expect(group.links.map(\.keyID) == ["key_two_b", "key_one"])
  }

  @Test func setLinkRefusesWhatTheGroupDoesNotHold() throws {
    var file = try makeVault()
    #expect(
      throws: VaultError.versionNotFound(label: "web/prod/\(name)", version: 7, kept: [1])
    ) {
      try file.setLink(
        link("key_x", version: 7), project: "web", environment: "prod", identity: alice)
    }
    var missing = link("key_x", version: 1)
    missing.name = "OTHER"
    #expect(throws: VaultError.entryNotFound(label: "web/prod/OTHER")) {
      try file.setLink(missing, project: "web", environment: "prod", identity: alice)
    }
    let before = file.serialized()
    for (bad, field) in [
      (link("key x", version: 1), "key id"), (link("-", version: 1), "key id"),
      (link(String(repeating: "k", count: 65), version: 1), "key id"),
      (link("key_x", version: 1, scopes: ["API.read"]), "scope"),
      (link("key_x", version: 1, scopes: ["-"]), "scope"),
    ] {
      #expect(throws: VaultError.self) {
        do {
          try file.setLink(bad, project: "web", environment: "prod", identity: alice)
        } catch VaultError.invalidOpenAIField(let got, _) {
          #expect(got == field)
          throw VaultError.invalidOpenAIField(field: got, shown: "")
        }
      }
    }
    // A key pasted where its id goes is refused, and the message shows it redacted.
    let pasted = "sk-" + String(repeating: "A", count: 40) + "T3BlbkFJ"
    #expect(!OpenAILink.isValidID(pasted))
    do {
      try file.setLink(
        link(pasted, version: 1), project: "web", environment: "prod", identity: alice)
      Issue.record("a key-shaped id was written")
    } catch VaultError.invalidOpenAIField(_, let shown) {
      #expect(!shown.contains(pasted))
    }
    #expect(file.serialized() == before)
    #expect(OpenAILink.isValidID("proj_abc") && OpenAILink.isValidID("key-1_A"))
    #expect(OpenAILink.isValidScope("api.model.read") && !OpenAILink.isValidScope(""))
  }

  @Test func historyTrimmingDropsTheLinksOfDroppedVersions() throws {
    var file = try makeVault()
    _ = try file.setHistoryLimit(2, by: alice)
    try file.set(
      [(name, secret("sk-two"))], project: "web", environment: "prod", identity: alice,
      link: link("key_two"))
    #expect(try reread(file).links.map(\.version) == [2, 1])
    try file.set([(name, secret("sk-three"))], project: "web", environment: "prod", identity: alice)
    let group = try reread(file)
    #expect(group.history.map(\.version) == [2])
    #expect(group.links == [link("key_two", version: 2)])
  }

  @Test func removingANameDropsItsLinksAndRotation() throws {
    var file = try makeVault()
    try file.setRotation(
      rotation(.stored), name: name, project: "web", environment: "prod", identity: alice)
    try file.remove(name, project: "web", environment: "prod", identity: alice)
    let group = try reread(file)
    #expect(group.links.isEmpty && group.rotations.isEmpty)
    #expect(
      !text(file.serialized()).contains("\nopenai ")
        && !text(file.serialized()).contains("\nrotation "))
  }

  @Test func aRekeyKeepsTheCurrentLinkAndDropsOlderOnes() throws {
    var file = try makeVault()
    try file.set(
      [(name, secret("sk-two"))], project: "web", environment: "prod", identity: alice,
      link: link("key_two"))
    try file.setRotation(
      rotation(.manual), name: name, project: "web", environment: "prod", identity: alice)
    try file.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["prod"], write: ["prod"], isOwner: false,
      by: alice)
    try file.removeMember("bob", by: alice)
    let group = try reread(file)
    #expect(group.history.isEmpty)
    #expect(group.links == [link("key_two", version: 2)])
    #expect(group.rotations == [rotation(.manual)])
  }

  @Test func aRollbackCopiesTheLinkOfTheVersionItBringsBack() throws {
    var file = try makeVault()
    try file.set(
      [(name, secret("sk-two"))], project: "web", environment: "prod", identity: alice,
      link: link("key_two"))
    try file.rollback(name, to: 1, project: "web", environment: "prod", identity: alice)
    var group = try reread(file)
    #expect(group.links.map(\.version) == [3, 2, 1])
    #expect(group.currentLink(name) == link("key_one", version: 3))
    // Back to an unlinked version: the new version is unlinked.
    try file.set([(name, secret("sk-four"))], project: "web", environment: "prod", identity: alice)
    try file.rollback(name, to: 2, project: "web", environment: "prod", identity: alice)
    #expect(try reread(file).currentLink(name) == link("key_two", version: 5))
    try file.rollback(name, to: 4, project: "web", environment: "prod", identity: alice)
    group = try reread(file)
    #expect(group.currentLink(name) == nil)
    #expect(group.links.map(\.version) == [5, 3, 2])
  }

  @Test func aRotationSurvivesANewVersionAndIsClearedOnRequest() throws {
    var file = try makeVault()
    #expect(throws: VaultError.entryNotFound(label: "web/prod/NOPE")) {
      var other = rotation(.started)
      other.name = "NOPE"
      try file.setRotation(
        other, name: "NOPE", project: "web", environment: "prod", identity: alice)
    }
    try file.setRotation(
      rotation(.started), name: name, project: "web", environment: "prod", identity: alice)
    #expect(try reread(file).rotations == [rotation(.started)])
    #expect(
      text(file.serialized()).contains(
        "\nrotation web prod OPENAI_API_KEY started 2026-11-30T08:00:00Z proj_abc key_old"
          + " svc_acct_1 - -\n"))
    // The step's new version, its link and the next step in one write.
    try file.set(
      [(name, secret("sk-new"))], project: "web", environment: "prod", identity: alice,
      link: link("key_new"), rotation: .some(rotation(.stored)))
    var group = try reread(file)
    #expect(group.rotations == [rotation(.stored)])
    #expect(group.currentLink(name)?.keyID == "key_new")
    // A plain set leaves the rotation line.
    try file.set([(name, secret("sk-3"))], project: "web", environment: "prod", identity: alice)
    #expect(try reread(file).rotations == [rotation(.stored)])
    // .some(nil) clears the rotation of the names written.
    try file.set(
      [(name, secret("sk-4"))], project: "web", environment: "prod", identity: alice,
      rotation: .some(nil))
    group = try reread(file)
    #expect(group.rotations.isEmpty)
    // setRotation(nil) clears; clearing nothing writes nothing.
    try file.setRotation(
      rotation(.manual), name: name, project: "web", environment: "prod", identity: alice)
    try file.setRotation(nil, name: name, project: "web", environment: "prod", identity: alice)
    let cleared = file.serialized()
    try file.setRotation(nil, name: name, project: "web", environment: "prod", identity: alice)
    #expect(file.serialized() == cleared)
    #expect(try reread(file).rotations.isEmpty)
  }

  @Test func aRotationMustMatchItsStep() throws {
    var file = try makeVault()
    var bad = rotation(.started)
    bad.newKey = "key_new"
    var stored = rotation(.stored)
    stored.newKey = nil
    var time = rotation(.started)
    time.time = "2026-02-30T00:00:00Z"
    for value in [bad, stored, time] {
      #expect(throws: VaultError.self) {
        try file.setRotation(
          value, name: name, project: "web", environment: "prod", identity: alice)
      }
    }
    #expect(try reread(file).rotations.isEmpty)
  }

  @Test func onlyWritersOfTheEnvironmentMayChangeTheLines() throws {
    var file = try makeVault()
    try file.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["prod"], write: [], isOwner: false,
      by: alice)
    #expect(throws: VaultError.cannotWrite(member: "bob", environment: "prod")) {
      try file.setLink(
        link("key_x", version: 1), project: "web", environment: "prod", identity: bob)
    }
    #expect(throws: VaultError.cannotWrite(member: "bob", environment: "prod")) {
      try file.setRotation(
        rotation(.started), name: name, project: "web", environment: "prod", identity: bob)
    }
  }

  @Test func versionTwoFilesCannotHoldTheLines() throws {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    file.formatVersionToWrite = 2
    file.signHeader(with: alice)
    try file.set([(name, secret("sk-one"))], project: "web", environment: "prod", identity: alice)
    #expect(throws: VaultError.openAILinesNeedVersion3(path: "v")) {
      try file.set(
        [(name, secret("sk-two"))], project: "web", environment: "prod", identity: alice,
        link: link("key_two"))
    }
    #expect(throws: VaultError.openAILinesNeedVersion3(path: "v")) {
      try file.setLink(
        link("key_one", version: 1), project: "web", environment: "prod", identity: alice)
    }
  }

  /// The group signature covers the lines: one changed, added or dropped without re-signing
  /// is an authentication failure.
  @Test func theGroupSignatureCoversTheLines() throws {
    var file = try makeVault()
    try file.setRotation(
      rotation(.stored), name: name, project: "web", environment: "prod", identity: alice)
    let good = text(file.serialized())
    let linkLine = "openai web prod OPENAI_API_KEY 1 proj_abc key_one svc_acct_1 -\n"
    for bad in [
      good.replacingOccurrences(of: "key_one", with: "key_evil"),
      good.replacingOccurrences(of: linkLine, with: ""),
      good.replacingOccurrences(of: " stored ", with: " manual "),
    ] {
      #expect(bad != good)
      do {
        _ = try VaultFile.parse(Array(bad.utf8), path: "v").allGroups()
        Issue.record("accepted")
      } catch VaultError.integrity(_, _, .badSignature) {
      }
    }
  }

  /// The merge driver: links and rotations go with their name's unit; a different rotation,
  /// or a different link of the same version, on both sides is an entry conflict; one side's
  /// change wins over an untouched side; another name's change merges beside it.
  @Test func mergeCarriesLinesAndConflictsOnDifferentOnes() throws {
    let base = try makeVault()
    func merged(_ ours: VaultFile, _ theirs: VaultFile) throws -> VaultMerge.Outcome {
      try VaultMerge(base: base, ours: ours, theirs: theirs).merge(identity: { alice })
    }
    // Ours records a rotation, theirs stores another name: both kept.
    var ours = base
    try ours.setRotation(
      rotation(.started), name: name, project: "web", environment: "prod", identity: alice)
    var theirs = base
    try theirs.set(
      [("OTHER", secret("x"))], project: "web", environment: "prod", identity: alice)
    guard case .merged(let file) = try merged(ours, theirs) else {
      Issue.record("did not merge")
      return
    }
    let group = try #require(try file.group(project: "web", environment: "prod"))
    #expect(group.rotations == [rotation(.started)])
    #expect(group.links == [link("key_one", version: 1)])
    #expect(group.entries.map(\.name) == [name, "OPENAI_ORG_ID", "OTHER"])

    // Both record a rotation, different steps: a conflict naming the entry.
    var stored = base
    try stored.setRotation(
      rotation(.stored), name: name, project: "web", environment: "prod", identity: alice)
    guard case .partial(_, let conflicted) = try merged(ours, stored) else {
      Issue.record("two different rotations merged")
      return
    }
    #expect(conflicted == ["web/prod/\(name)"])
    // The same rotation on both sides is no conflict.
    guard case .merged = try merged(ours, ours) else {
      Issue.record("the same rotation conflicted")
      return
    }
    // Version 1 linked to two different keys: a conflict, never a silent pick.
    var a = base
    try a.setLink(link("key_a", version: 1), project: "web", environment: "prod", identity: alice)
    var b = base
    try b.setLink(link("key_b", version: 1), project: "web", environment: "prod", identity: alice)
    guard case .partial(let kept, let both) = try merged(a, b) else {
      Issue.record("two links of one version merged")
      return
    }
    #expect(both == ["web/prod/\(name)"])
    // Meanwhile ours is kept, link included.
    #expect(
      try kept.group(project: "web", environment: "prod")?.currentLink(name)?.keyID == "key_a")
    // Choosing theirs takes their link.
    let chosen = try VaultMerge(base: base, ours: a, theirs: b)
      .merge(identity: { alice }, choices: ["web/prod/\(name)": .theirs])
    guard case .partial(let theirsKept, _) = chosen else {
      Issue.record("no partial result")
      return
    }
    #expect(
      try theirsKept.group(project: "web", environment: "prod")?.currentLink(name)?.keyID
        == "key_b")
  }
}
