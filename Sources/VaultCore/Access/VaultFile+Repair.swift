/// Recovery from a damaged group (`vault doctor`).
extension VaultFile {
  /// Removes the group of (`project`, `environment`) when it does not verify, re-signing
  /// nothing: the header and every other group stay as they are, so the result is exactly as
  /// sound as the rest of the file. `identity` must be a member who may write `environment`.
  /// A group that verifies is refused (`vault rm` removes entries and keeps their versions).
  /// Its tombstones go with it: versions of names stored there again restart at 1.
  public mutating func dropDamagedGroup(
    project: String, environment: String, identity: Identity
  ) throws {
    let member = try member(for: identity)
    guard let index = blocks.firstIndex(where: {
      $0.project == project && $0.environment == environment
    }) else {
      throw VaultError.noEntries(project: project, environment: environment, holdings: [])
    }
    guard member.canWrite(environment) else {
      throw VaultError.cannotWrite(member: member.name, environment: environment)
    }
    let verifies: Bool
    do {
      _ = try decode(blocks[index])
      verifies = true
    } catch {
      verifies = false
    }
    if verifies { throw VaultError.groupNotDamaged(label: "\(project)/\(environment)") }
    blocks.remove(at: index)
  }
}
