import Testing

@testable import VaultCore

/// The merge driver and OpenBao recipients (README, "Organisations: OpenBao"): a recipient
/// added or removed on one branch is never dropped or brought back silently, and a seal of a
/// key the other branch rotated is never kept.
@Suite struct OpenBaoMergeTests {
  let alice = TestIdentities.alice
  let bob = TestIdentities.bob
  let mallory = TestIdentities.mallory

  /// alice's vault; bob reads prod.
  func base() throws -> VaultFile {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["dev", "prod"], write: ["dev"],
      isOwner: false, by: alice)
    return file
  }

  func addRecipient(_ file: inout VaultFile, _ environment: String = "prod") throws {
    try file.addOpenBaoRecipient(
      environment: environment, address: "https://bao.internal:8200", mount: "transit",
      key: "shop-\(environment)", by: alice, transit: VectorTransit())
  }

  /// A member added on our branch (a header change of our own).
  func addMallory(_ file: inout VaultFile) throws {
    try file.addMember(
      name: "mallory", identity: mallory.publicIdentity, read: ["staging"], write: [],
      isOwner: false, by: alice)
  }

  func merged(_ base: VaultFile, _ ours: VaultFile, _ theirs: VaultFile) throws -> VaultFile? {
    let outcome = try VaultMerge(base: base, ours: ours, theirs: theirs).merge(identity: { alice })
    guard case .merged(let file) = outcome else {
      Issue.record("not merged: \(outcome)")
      return nil
    }
    try file.verifyHeader()
    return file
  }

  @Test func aRecipientAddedOnOneBranchIsKept() throws {
    let base = try base()
    var ours = base
    try addMallory(&ours)
    var theirs = base
    try addRecipient(&theirs)
    let result = try #require(try merged(base, ours, theirs))
    #expect(result.header.openBao == theirs.header.openBao)
    #expect(result.header.members.map(\.name) == ["alice", "bob", "mallory"])
    // And the other way round.
    let swapped = try #require(try merged(base, theirs, ours))
    #expect(swapped.header.openBao == theirs.header.openBao)
  }

  @Test func aRecipientRemovedOnOneBranchStaysRemoved() throws {
    var base = try base()
    try addRecipient(&base)
    var ours = base
    try addMallory(&ours)
    var theirs = base
    try theirs.removeOpenBaoRecipient(environment: "prod", by: alice)
    let result = try #require(try merged(base, ours, theirs))
    #expect(result.header.openBao.isEmpty)
  }

  /// prod re-keyed on one branch (bob removed, the new key re-sealed through transit), a
  /// member added on the other: the re-sealed recipient is the one kept.
  @Test func aReKeyKeepsItsResealedRecipient() throws {
    var base = try base()
    try addRecipient(&base)
    var ours = base
    ours.transit = VectorTransit()
    try ours.removeMember("bob", by: alice)
    #expect(ours.header.openBaoRecipient("prod") != base.header.openBaoRecipient("prod"))
    var theirs = base
    try addMallory(&theirs)
    let result = try #require(try merged(base, ours, theirs))
    #expect(result.header.openBaoRecipient("prod") == ours.header.openBaoRecipient("prod"))
    #expect(result.header.environment("prod") == ours.header.environment("prod"))
  }

  /// A recipient added (or removed) on one branch while the other re-keyed that
  /// environment: its seal is of the old key, so the merge stops and says what to do.
  @Test func aRecipientChangedBesideAReKeyConflicts() throws {
    let base = try base()
    var ours = base
    try ours.removeMember("bob", by: alice)
    var theirs = base
    try addRecipient(&theirs)
    let outcome = try VaultMerge(base: base, ours: ours, theirs: theirs).merge(identity: { alice })
    guard case .conflicts(let conflicts) = outcome else {
      Issue.record("merged a seal of a retired key")
      return
    }
    #expect(
      conflicts == [
        .membership(
          "prod was re-keyed on one branch and its OpenBao recipient changed on the other;"
            + " merge the re-key alone, then run `vault env recipient` again")
      ])
  }

  @Test func aRecipientChangedOnBothBranchesConflicts() throws {
    let base = try base()
    var ours = base
    try addRecipient(&ours)
    var theirs = base
    try theirs.addOpenBaoRecipient(
      environment: "prod", address: "https://other.internal:8200", mount: "transit",
      key: "shop-prod", by: alice, transit: VectorTransit())
    let outcome = try VaultMerge(base: base, ours: ours, theirs: theirs).merge(identity: { alice })
    guard case .conflicts(let conflicts) = outcome else {
      Issue.record("picked one branch's recipient")
      return
    }
    #expect(conflicts == [.membership("the OpenBao recipient of prod changed on both branches")])
  }

  /// Without a transit service, a re-key of an environment OpenBao holds changes nothing.
  @Test func aReKeyWithoutTransitIsRefused() throws {
    var file = try base()
    try addRecipient(&file)
    let before = file.serialized()
    var copy = file
    #expect(throws: VaultError.openBaoNeeded(environment: "prod")) {
      try copy.removeMember("bob", by: alice)
    }
    #expect(file.serialized() == before)
  }
}
