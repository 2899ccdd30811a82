/// Copying entries to another label (`vault cp`, `vault mv`).
extension VaultFile {
  /// Stores `values`, decrypted from another label (of this vault or another), as new
  /// versions of the same names in (`project`, `environment`), signed by `identity`.
  /// Checks, in this order, before anything changes: the environment exists, `identity` may
  /// write (and so read) it, and no name exists there already unless `force`.
  @discardableResult
  public mutating func storeCopies(
    _ values: [(entry: Entry, value: SecretBytes)], project: String, environment: String,
    force: Bool, identity: Identity
  ) throws -> [Entry] {
    try Names.check(project, as: .project)
    let member = try member(for: identity)
    guard header.environment(environment) != nil else {
      throw environmentNotFound(environment)
    }
    guard member.canWrite(environment) else {
      throw VaultError.cannotWrite(member: member.name, environment: environment)
    }
    if !force {
      let existing = try group(project: project, environment: environment)?.entries ?? []
      for (entry, _) in values where existing.contains(where: { $0.name == entry.name }) {
        throw VaultError.entryExists(label: "\(project)/\(environment)/\(entry.name)")
      }
    }
    return try set(
      values.map { ($0.entry.name, $0.value) }, project: project, environment: environment,
      identity: identity)
  }

  /// The decrypted entries of (`project`, `environment`) to copy: the one called `name`, or
  /// all of them. Throws `entryNotFound` or `noEntries` when there is nothing to copy.
  public func entriesToCopy(
    _ name: String?, project: String, environment: String, identity: Identity
  ) throws -> [(entry: Entry, value: SecretBytes)] {
    var values = try secrets(project: project, environment: environment, identity: identity)
    if let name {
      values.removeAll { $0.entry.name != name }
      guard !values.isEmpty else {
        throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(name)")
      }
    }
    guard !values.isEmpty else {
      throw VaultError.noEntries(project: project, environment: environment, holdings: [])
    }
    return values
  }
}
