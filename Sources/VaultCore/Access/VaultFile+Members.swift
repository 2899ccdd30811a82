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
    guard header.members.allSatisfy({ $0.name != name }) else {
      throw VaultError.memberExists(name)
    }
    if let existing = header.members.first(where: {
      $0.identity.signingKey == newIdentity.signingKey || $0.identity.boxKey == newIdentity.boxKey
    }) {
      throw VaultError.identityAlreadyMember(existing: existing.name)
    }
    for environment in Set(read + write) where header.environment(environment) == nil {
      throw environmentNotFound(environment)
    }
    // Write without read is not honoured by readers (`Member.canWrite`): refuse to grant it.
    let blind = Set(write).subtracting(read).sorted()
    guard blind.isEmpty else { throw VaultError.writeWithoutRead(environments: blind) }
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
      Member(
        name: name, identity: newIdentity, isOwner: isOwner, read: Array(Set(read)),
        write: Array(Set(write))))
    header.members.sort { $0.name < $1.name }
    header.seals = seals.sorted { ($0.environment, $0.member) < ($1.environment, $1.member) }
    header.generation += 1
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
      Seal(
        environment: name, member: member.name,
        box: try SealedBox.seal(pair.secretKey, to: owner.boxKeyPair.publicKey)))
    header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    if let index = header.members.firstIndex(where: { $0.name == member.name }) {
      header.members[index].read = (header.members[index].read + [name]).sorted()
      header.members[index].write = (header.members[index].write + [name]).sorted()
    }
    header.generation += 1
    signHeader(with: owner)
  }

  /// What a removal changed.
  public struct Removal: Sendable, Equatable {
    /// The environments that got a new key.
    public var rekeyed: [String]
    /// Labels of entries dropped: written by the removed member in an environment they could
    /// write but not read (from a file made before "write needs read"), which no reader
    /// trusted.
    public var dropped: [String]
    /// The member was not in the header any more: they had left without a re-key
    /// (`departed`), and only the environments still under keys they held were re-keyed.
    public var departed: Bool = false
  }

  /// Removes a member. Every environment they could read gets a new key pair; its entries,
  /// in every project, are re-encrypted under it (re-signed by `owner`) and flagged as
  /// exposed to the removed member (`wrote` for what they wrote) until a new version is
  /// stored. In an environment they could write but not read (a file from before "write
  /// needs read"), the entries they wrote are dropped, never vouched for by `owner`, and the
  /// groups they signed are re-signed. Refused before anything changes when `owner` is the
  /// member removed, or cannot read and write what this re-encrypts or re-signs.
  @discardableResult
  public mutating func removeMember(
    _ name: String, by owner: Identity, now: String = Timestamp.now()
  ) throws -> Removal {
    let me = try self.owner(owner)
    guard let removed = header.members.first(where: { $0.name == name }) else {
      if let gone = departed.first(where: { $0.name == name }) {
        return try removeDeparted(gone, by: owner, as: me, now: now)
      }
      throw VaultError.memberNotFound(name)
    }
    if removed.isOwner && header.members.filter({ $0.isOwner && $0.name != name }).isEmpty {
      throw VaultError.lastOwner(name)
    }
    // The header, and everything re-signed below, must be signed by a member who stays.
    guard removed.name != me.name else { throw VaultError.cannotRemoveSelf(name) }
    // Every entry and group re-signed below gets `owner` as its writer and signer, so
    // `owner` must be able to write its environment; checked before anything changes.
    let removedKey = removed.identity.signingKey
    // The groups re-signed below may carry `wrote` flags, which need format version 2.
    header.formatVersion = formatVersionToWrite
    for environment in removed.read where !me.read.contains(environment) {
      throw VaultError.cannotRead(member: me.name, project: "*", environment: environment)
    }
    var resignOnly: [Group] = []
    for index in blocks.indices {
      let environment = blocks[index].environment
      if removed.read.contains(environment) {
        guard me.canWrite(environment) else {
          throw VaultError.cannotWrite(member: me.name, environment: environment)
        }
      } else if removed.write.contains(environment) {
        // An environment they could write but not read: only what they signed changes.
        // Readers refuse their signatures there, so decode without that one check.
        let group = try decode(blocks[index], blindWriter: removedKey)
        guard
          group.signer == removedKey
            || (group.entries + group.history).contains(where: { $0.writer == removedKey })
        else { continue }
        guard me.canWrite(environment) else {
          throw VaultError.cannotWrite(member: me.name, environment: environment)
        }
        resignOnly.append(group)
      }
    }
    var dropped: [String] = []
    for group in resignOnly {
      // Re-signing what they wrote would vouch for a value (`OPENAI_BASE_URL`) chosen by
      // someone who could not read its neighbours: it goes, with its flags.
      let gone = group.entries.filter { $0.writer == removedKey }.map(\.name)
      dropped += gone.map { "\(group.project)/\(group.environment)/\($0)" }
      let entries = group.entries.filter { $0.writer != removedKey }
      let flags = group.flags.filter { $0.member != name && !gone.contains($0.name) }
      // Versions keep counting after a drop, as after `rm`.
      let tombstones = group.entries.filter { $0.writer == removedKey }
        .map { Tombstone(name: $0.name, version: $0.version, time: now) }
      // Older versions they wrote go too, and so do those of a name whose current version
      // they wrote (replaceGroup drops versions of a name with no entry).
      let history = group.history.filter { $0.writer != removedKey }
      try replaceGroup(
        project: group.project, environment: group.environment, entries: entries, flags: flags,
        gone: group.gone + tombstones, history: history, links: group.links,
        rotations: group.rotations, identity: owner)
    }
    var rekeyed: [String] = []
    for environment in removed.read {
      try rekey(environment, exposedTo: removed, by: owner, now: now)
      rekeyed.append(environment)
    }
    header.members.removeAll { $0.name == name }
    header.seals.removeAll { $0.member == name }
    header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    header.generation += 1
    signHeader(with: owner)
    return Removal(rekeyed: rekeyed, dropped: dropped)
  }

  /// Finishes the removal of a member who left the header without a re-key (a `git revert`
  /// of `members add`, recorded by this person's trust state): every environment still under
  /// a key they held is re-keyed and its entries flagged as exposed to them, exactly as a
  /// removal does; the generation goes above the highest at which they were seen, so that
  /// everyone who saw them added accepts the result.
  private mutating func removeDeparted(
    _ gone: DepartedMember, by owner: Identity, as me: Member, now: String
  ) throws -> Removal {
    for environment in gone.environments where !me.read.contains(environment) {
      throw VaultError.cannotRead(member: me.name, project: "*", environment: environment)
    }
    for block in blocks where gone.environments.contains(block.environment) {
      guard me.canWrite(block.environment) else {
        throw VaultError.cannotWrite(member: me.name, environment: block.environment)
      }
    }
    header.formatVersion = formatVersionToWrite
    let exposed = Member(
      name: gone.name, identity: gone.identity, isOwner: false, read: gone.environments,
      write: [])
    for environment in gone.environments {
      try rekey(environment, exposedTo: exposed, by: owner, now: now)
    }
    header.generation = max(header.generation, gone.generation) + 1
    signHeader(with: owner)
    departed.removeAll { $0.name == gone.name }
    return Removal(rekeyed: gone.environments, dropped: [], departed: true)
  }

  /// Gives `environment` a new key pair after `exposed` lost read access to it (removed, or
  /// narrowed by `changeMember`): every entry of it, in every project, is re-encrypted under
  /// the new key and re-signed by `owner`, and flagged as exposed to `exposed` (`wrote` for
  /// what they wrote) until a new version is stored; older versions are dropped. The new
  /// key is sealed to every other member who reads `environment`. The one re-keying path of
  /// removal and narrowing; the caller has checked that `owner` reads `environment` and
  /// writes every group in it.
  mutating func rekey(
    _ environment: String, exposedTo exposed: Member, by owner: Identity, now: String
  ) throws {
    let name = exposed.name
    let exposedKey = exposed.identity.signingKey
    try checkNoRetiredReader(of: environment, except: name)
    let old = try environmentKeyPair(environment, project: "*", identity: owner)
    let new = BoxKeyPair.generate()
    // Through OpenBao first: a failure there leaves everything as it was.
    let openBao = try resealedOpenBao(environment, newKey: new)
    for index in blocks.indices where blocks[index].environment == environment {
      let group = try decode(blocks[index])
      var entries: [Entry] = []
      for entry in group.entries {
        // Nobody holds the key it was encrypted to: say so, not "decryption failed".
        if isUnderRetiredKey(entry) { throw retiredKey(entry) }
        entries.append(
          try sealed(entry, value: open(entry, with: old), to: new.publicKey, by: owner))
      }
      var flags = group.flags.filter { $0.member != name }
      // Who wrote a value stays visible after it is re-signed as `owner`: `wrote`.
      flags += group.entries.map {
        ExposureFlag(name: $0.name, member: name, time: now, wrote: $0.writer == exposedKey)
      }
      // Older versions are dropped, not re-encrypted: every one of them was readable by
      // `exposed`, so a rollback to one would bring back an exposed value with no flag to
      // say so (FileFormat.md, "History"). Their links go with them; the current versions
      // keep theirs (the same key at OpenAI), and so do pending rotations.
      try replaceGroup(
        project: group.project, environment: environment, entries: entries, flags: flags,
        gone: group.gone, history: [], links: group.links, rotations: group.rotations,
        identity: owner)
    }
    if let index = header.environments.firstIndex(where: { $0.name == environment }) {
      header.environments[index].publicKey = new.publicKey
    }
    header.seals.removeAll { $0.environment == environment }
    for member in header.members where member.name != name && member.read.contains(environment) {
      header.seals.append(
        Seal(
          environment: environment, member: member.name,
          box: try SealedBox.seal(new.secretKey, to: member.identity.boxKey)))
    }
    header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    if let openBao,
      let index = header.openBao.firstIndex(where: { $0.environment == environment })
    {
      header.openBao[index] = openBao
    }
  }
}
