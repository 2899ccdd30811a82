/// Membership changes: only an owner makes them, and each re-signs the header.
extension VaultFile {
  /// The member `identity` is, if it is an owner.
  public func owner(_ identity: Identity) throws -> Member {
    let member = try member(for: identity)
    guard member.isOwner else { throw VaultError.notOwner(member: member.name) }
    return member
  }

  /// Adds a member who may read `read` and write `write`. Seals a copy of each readable
  /// environment's key to the new member; no entry is re-encrypted.
  public mutating func addMember(
    name: String, identity newIdentity: PublicIdentity, read: [String], write: [String],
    isOwner: Bool, by owner: Identity
  ) throws {
    _ = try self.owner(owner)
    try Names.check(name, as: .member)
    guard header.members.allSatisfy({ $0.name != name }) else { throw VaultError.memberExists(name) }
    if let existing = header.members.first(where: {
      $0.identity.signingKey == newIdentity.signingKey || $0.identity.boxKey == newIdentity.boxKey
    }) {
      throw VaultError.identityAlreadyMember(existing: existing.name)
    }
    for environment in Set(read + write) where header.environment(environment) == nil {
      throw VaultError.environmentNotFound(environment)
    }
    for environment in Set(read) { try checkNoRetiredReader(of: environment) }
    var seals = header.seals
    for environment in Set(read) {
      let pair = try environmentKeyPair(environment, project: "*", identity: owner)
      seals.append(
        Seal(
          environment: environment, member: name,
          box: try SealedBox.seal(pair.secretKey, to: newIdentity.boxKey)))
    }
    header.members.append(
      Member(name: name, identity: newIdentity, isOwner: isOwner, read: Array(Set(read)), write: Array(Set(write))))
    header.members.sort { $0.name < $1.name }
    header.seals = seals.sorted { ($0.environment, $0.member) < ($1.environment, $1.member) }
    signHeader(with: owner)
  }

  /// Adds an environment with a new key pair, readable and writable by `owner` only.
  public mutating func addEnvironment(_ name: String, by owner: Identity) throws {
    let member = try self.owner(owner)
    try Names.check(name, as: .environment)
    guard header.environment(name) == nil else { throw VaultError.environmentExists(name) }
    let pair = BoxKeyPair.generate()
    header.environments.append(EnvironmentKey(name: name, publicKey: pair.publicKey))
    header.environments.sort { $0.name < $1.name }
    header.seals.append(
      Seal(environment: name, member: member.name, box: try SealedBox.seal(pair.secretKey, to: owner.boxKeyPair.publicKey)))
    header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    if let index = header.members.firstIndex(where: { $0.name == member.name }) {
      header.members[index].read = (header.members[index].read + [name]).sorted()
      header.members[index].write = (header.members[index].write + [name]).sorted()
    }
    signHeader(with: owner)
  }

  /// Removes a member. Every environment they could read gets a new key pair; its entries,
  /// in every project, are re-encrypted under it (re-signed by `owner`) and flagged as
  /// exposed to the removed member until a new version is stored. Returns the re-keyed
  /// environments.
  @discardableResult
  public mutating func removeMember(
    _ name: String, by owner: Identity, now: String = Timestamp.now()
  ) throws -> [String] {
    _ = try self.owner(owner)
    guard let removed = header.members.first(where: { $0.name == name }) else {
      throw VaultError.memberNotFound(name)
    }
    if removed.isOwner && header.members.filter({ $0.isOwner && $0.name != name }).isEmpty {
      throw VaultError.lastOwner(name)
    }
    var rekeyed: [String] = []
    for environment in removed.read {
      for member in header.members
      where member.name != name && retired[member.identity] != nil && member.read.contains(environment) {
        throw VaultError.sealsToRemovedMember(member: member.name, environment: environment)
      }
      let old = try environmentKeyPair(environment, project: "*", identity: owner)
      let new = BoxKeyPair.generate()
      for index in blocks.indices where blocks[index].environment == environment {
        let group = try decode(blocks[index])
        var entries: [Entry] = []
        for entry in group.entries {
          let value = try open(entry, with: old)
          var copy = entry
          copy.writer = owner.signingKeyPair.publicKey
          copy.sealed = try EntryCipher.seal(
            value, to: new.publicKey,
            associatedData: Signatures.associatedData(
              vaultID: header.vaultID, project: entry.project, environment: entry.environment,
              name: entry.name, version: entry.version))
          copy.signature = owner.signingKeyPair.sign(
            Signatures.entry(vaultID: header.vaultID, unsignedLine: LineCodec.entryUnsigned(copy)))
          entries.append(copy)
        }
        var flags = group.flags.filter { $0.member != name }
        flags += group.entries.map { ExposureFlag(name: $0.name, member: name, time: now) }
        try replaceGroup(
          project: group.project, environment: environment, entries: entries, flags: flags,
          identity: owner)
      }
      if let index = header.environments.firstIndex(where: { $0.name == environment }) {
        header.environments[index].publicKey = new.publicKey
      }
      header.seals.removeAll { $0.environment == environment }
      for member in header.members where member.name != name && member.read.contains(environment) {
        header.seals.append(
          Seal(environment: environment, member: member.name, box: try SealedBox.seal(new.secretKey, to: member.identity.boxKey)))
      }
      rekeyed.append(environment)
    }
    header.members.removeAll { $0.name == name }
    header.seals.removeAll { $0.member == name }
    header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    signHeader(with: owner)
    return rekeyed
  }
}
