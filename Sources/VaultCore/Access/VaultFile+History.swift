/// Older versions of an entry: listing them, reading one, rolling back to one, and how many
/// are kept (FileFormat.md, "History").
extension VaultFile {
  /// Every kept version of `name` in (`project`, `environment`), the current one first, then
  /// older ones newest first; verified (signatures), not decrypted. Throws `entryNotFound`
  /// when the group holds no current entry of that name.
  public func versions(of name: String, project: String, environment: String) throws -> [Entry] {
    guard let group = try group(project: project, environment: environment),
      let current = group.entries.first(where: { $0.name == name })
    else { throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(name)") }
    return [current] + group.history.filter { $0.name == name }
  }

  /// The value of version `version` of `name`, verified and decrypted with `identity`'s key
  /// of `environment`. Throws `versionNotFound` (naming the versions kept) when the entry
  /// keeps no such version, and `retiredKey` when it is under a retired key.
  public func value(
    of name: String, version: UInt64, project: String, environment: String, identity: Identity
  ) throws -> (entry: Entry, value: SecretBytes) {
    let keyPair = try environmentKeyPair(environment, project: project, identity: identity)
    let all = try versions(of: name, project: project, environment: environment)
    guard let entry = all.first(where: { $0.version == version }) else {
      throw VaultError.versionNotFound(
        label: "\(project)/\(environment)/\(name)", version: version, kept: all.map(\.version))
    }
    if let id = entry.keyID, id != EntryCipher.keyID(of: keyPair.publicKey) {
      throw retiredKey(entry)
    }
    return (entry, try open(entry, with: keyPair))
  }

  /// Stores version `version`'s value of `name` again, as a new version written and signed
  /// by `identity`: a rollback never rewrites a version. Returns the new entry. Refuses the
  /// current version (`rollbackToCurrent`) and one not kept (`versionNotFound`). Version
  /// `version`'s OpenAI link, if any, is copied onto the new version: it is the same key at
  /// OpenAI.
  @discardableResult
  public mutating func rollback(
    _ name: String, to version: UInt64, project: String, environment: String,
    identity: Identity, now: String = Timestamp.now()
  ) throws -> Entry {
    let old = try value(
      of: name, version: version, project: project, environment: environment, identity: identity)
    let all = try versions(of: name, project: project, environment: environment)
    if all.first?.version == version {
      throw VaultError.rollbackToCurrent(
        label: "\(project)/\(environment)/\(name)", version: version)
    }
    let link = try group(project: project, environment: environment)?.link(name, version: version)
    let written = try set(
      [(name, old.value)], project: project, environment: environment, identity: identity,
      now: now, link: link)
    guard let entry = written.first else {
      throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(name)")
    }
    return entry
  }

  /// Sets how many versions of each entry writers keep (the header's `history N` line), as
  /// `owner`: a header change, so it raises the generation and is signed by an owner. Groups
  /// keep what they hold until their next write, which drops the versions beyond `limit`.
  /// Returns false when the limit is already `limit` (nothing written).
  public mutating func setHistoryLimit(_ limit: UInt64, by owner: Identity) throws -> Bool {
    guard limit >= 1, limit <= Header.maximumHistoryLimit else {
      throw VaultError.historyLimitOutOfRange(given: String(limit))
    }
    let me = try member(for: owner)
    guard me.isOwner else { throw VaultError.notOwner(member: me.name) }
    if header.formatVersion >= 3, header.versionsKept == limit { return false }
    header.historyLimit = limit
    header.generation += 1
    signHeader(with: owner)
    return true
  }
}
