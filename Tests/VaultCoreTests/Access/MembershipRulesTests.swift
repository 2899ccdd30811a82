import Testing
@testable import VaultCore

/// The membership rules FileFormat.md states for writers ("Membership changes"): every change
/// leaves a vault that any reader accepts, or is refused before anything changes.
@Suite struct MembershipRulesTests {
  let alice = TestIdentities.alice
  let bob = TestIdentities.bob
  let carol = TestIdentities.make("carol")
  let mallory = TestIdentities.mallory

  /// Parses, verifies and decodes every group, as a full reader does.
  func checkReadable(_ file: VaultFile) throws {
    let reparsed = try VaultFile.parse(file.serialized(), path: "v")
    try reparsed.verifyHeader()
    _ = try reparsed.allGroups()
  }

  func twoOwners() throws -> VaultFile {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.addMember(
      name: "carol", identity: carol.publicIdentity, read: ["dev", "prod", "staging"],
      write: ["dev", "prod", "staging"], isOwner: true, by: alice)
    try file.set([("K", secret("v"))], project: "web", environment: "dev", identity: alice)
    return file
  }

  @Test func anOwnerCannotRemoveThemselves() throws {
    var file = try twoOwners()
    #expect(throws: VaultError.cannotRemoveSelf("alice")) { try file.removeMember("alice", by: alice) }
    // Another owner can.
    try file.removeMember("alice", by: carol)
    try checkReadable(file)
    #expect(file.header.members.map(\.name) == ["carol"])
  }

  @Test func theRemovingOwnerMustWriteWhatIsReSigned() throws {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["dev"], write: ["dev"], isOwner: false,
      by: alice)
    try file.addMember(
      name: "carol", identity: carol.publicIdentity, read: ["dev"], write: [], isOwner: true,
      by: alice)
    try file.set([("K", secret("v"))], project: "web", environment: "dev", identity: bob)
    let before = file.serialized()
    #expect(throws: VaultError.cannotWrite(member: "carol", environment: "dev")) {
      try file.removeMember("bob", by: carol)
    }
    #expect(file.serialized() == before)
    try file.removeMember("bob", by: alice)
    try checkReadable(file)
  }

  /// A file from before "write needs read" gives bob prod to write only; what he wrote there
  /// no reader trusts, and his removal drops it rather than vouch for it as alice's.
  @Test func entriesOfAWriteOnlyEnvironmentAreReSignedAndFlagged() throws {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["dev", "prod"], write: ["dev", "prod"],
      isOwner: false, by: alice)
    try file.set([("A", secret("a"))], project: "web", environment: "prod", identity: alice)
    try file.set([("B", secret("b"))], project: "web", environment: "prod", identity: bob)
    // The old header: prod's seal for bob gone, prod left in his write= list only.
    let index = try #require(file.header.members.firstIndex { $0.name == "bob" })
    file.header.members[index].read = ["dev"]
    file.header.seals.removeAll { $0.member == "bob" && $0.environment == "prod" }
    file.signHeader(with: alice)
    try file.set([("C", secret("c"))], project: "api", environment: "prod", identity: alice)
    let untouched = try #require(file.blocks.first { $0.project == "api" }).text
    let prodKey = try #require(file.header.environment("prod")).publicKey
    #expect(throws: VaultError.self) { try file.secrets(project: "web", environment: "prod", identity: alice) }
    let removal = try file.removeMember("bob", by: alice, now: "2026-03-01T12:00:00Z")
    #expect(removal == VaultFile.Removal(rekeyed: ["dev"], dropped: ["web/prod/B"]))
    try checkReadable(file)
    // prod was never readable by bob: not re-keyed, only what bob signed changes.
    #expect(file.header.environment("prod")?.publicKey == prodKey)
    #expect(try #require(file.blocks.first { $0.project == "api" }).text.elementsEqual(untouched))
    let group = try #require(try file.group(project: "web", environment: "prod"))
    #expect(group.entries.allSatisfy { $0.writer == alice.signingKeyPair.publicKey })
    #expect(group.flags.isEmpty)
    let values = try file.secrets(project: "web", environment: "prod", identity: alice)
    #expect(values.map { $0.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } } == ["a"])
  }

  /// A header change on a branch signed by someone who was not an owner at the merge base is
  /// not re-signed by the person merging: that would vouch for it.
  @Test func mergeDoesNotReSignAMembershipChangeByANonOwner() throws {
    var base = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try base.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["dev"], write: ["dev"], isOwner: false,
      by: alice)
    var ours = base
    try ours.addMember(
      name: "carol", identity: carol.publicIdentity, read: ["dev"], write: [], isOwner: false,
      by: alice)
    // bob makes himself an owner and adds mallory, signing as the owner he now claims to be.
    var theirs = base
    let index = try #require(theirs.header.members.firstIndex { $0.name == "bob" })
    theirs.header.members[index].isOwner = true
    theirs.signHeader(with: bob)
    try theirs.addMember(
      name: "mallory", identity: mallory.publicIdentity, read: ["dev"], write: ["dev"],
      isOwner: false, by: bob)
    try theirs.verifyHeader()
    let outcome = try VaultMerge(base: base, ours: ours, theirs: theirs).merge(identity: { alice })
    guard case .conflicts(let conflicts) = outcome else {
      Issue.record("merged a membership change signed by a non-owner")
      return
    }
    #expect(conflicts.count == 1)
    // The same change signed by an owner merges, re-signed by the person merging.
    var honest = base
    try honest.addMember(
      name: "mallory", identity: mallory.publicIdentity, read: ["dev"], write: ["dev"],
      isOwner: false, by: alice)
    guard case .merged(let merged) = try VaultMerge(base: base, ours: ours, theirs: honest).merge(identity: { alice })
    else {
      Issue.record("an owner's change did not merge")
      return
    }
    #expect(merged.header.members.map(\.name) == ["alice", "bob", "carol", "mallory"])
  }
}
