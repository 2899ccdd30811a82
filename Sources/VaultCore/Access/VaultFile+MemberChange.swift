/// Changing a member in place (`vault members set`): access, ownership, name.
extension VaultFile {
  /// What `changeMember` did.
  public struct MemberChange: Sendable, Equatable {
    /// The member as they are now.
    public var member: Member
    /// Environments taken out of their read access: each got a new key, its entries
    /// re-encrypted and flagged, as at a removal.
    public var rekeyed: [String]
    /// Environments added to their read access: sealed to them, nothing re-encrypted.
    public var sealed: [String]
    /// Labels of entries they wrote in an environment they may no longer write, re-signed by
    /// the owner so readers keep trusting them.
    public var resigned: [String]
    /// False when nothing differed from the current membership (nothing was signed).
    public var changed: Bool
  }

  /// Changes the member `name`: the read and write lists given replace theirs (nil keeps
  /// the current list; a kept write list loses what the new read list takes away, since
  /// write needs read), `isOwner` promotes or demotes, `rename` gives them a new name with
  /// the same identity (their seals move with them; exposure flags keep the name they were
  /// set under). Narrowing read access re-keys each environment taken away exactly as a
  /// removal does (`rekey`); widening it seals the environment's key to them. Refused
  /// before anything is signed when `owner` is not an owner, the result would leave no
  /// owner, or `owner` would narrow or demote themselves (the change must be signed by an
  /// owner who keeps that access).
  @discardableResult
  public mutating func changeMember(
    _ name: String, read newRead: [String]?, write newWrite: [String]?, isOwner newOwner: Bool?,
    rename newName: String?, by owner: Identity, now: String = Timestamp.now()
  ) throws -> MemberChange {
    let me = try self.owner(owner)
    guard let index = header.members.firstIndex(where: { $0.name == name }) else {
      throw VaultError.memberNotFound(name)
    }
    let old = header.members[index]
    for environment in Set((newRead ?? []) + (newWrite ?? []))
    where header.environment(environment) == nil {
      throw environmentNotFound(environment)
    }
    let read = Array(Set(newRead ?? old.read)).sorted()
    let write: [String]
    if let newWrite {
      // Write without read is not honoured by readers (`Member.canWrite`): refuse to grant it.
      let blind = Set(newWrite).subtracting(read).sorted()
      guard blind.isEmpty else { throw VaultError.writeWithoutRead(environments: blind) }
      write = Array(Set(newWrite)).sorted()
    } else {
      write = old.write.filter { read.contains($0) }.sorted()
    }
    let isOwner = newOwner ?? old.isOwner
    var member = old
    member.read = read
    member.write = write
    member.isOwner = isOwner
    if let newName, newName != name {
      try Names.check(newName, as: .member)
      guard header.members.allSatisfy({ $0.name != newName }) else {
        throw VaultError.memberExists(newName)
      }
      member.name = newName
    }
    let taken = old.read.filter { !read.contains($0) }
    let added = read.filter { !old.read.contains($0) }
    let writeTaken = old.write.filter { !write.contains($0) && !taken.contains($0) }
    if old.isOwner && !isOwner
      && header.members.allSatisfy({ !$0.isOwner || $0.name == name })
    {
      throw VaultError.memberChangeRefused(member: name, reason: .lastOwner)
    }
    if old.name == me.name && ((old.isOwner && !isOwner) || !taken.isEmpty || !writeTaken.isEmpty)
    {
      throw VaultError.memberChangeRefused(member: name, reason: .narrowsSelf)
    }
    guard member != old else {
      return MemberChange(member: old, rekeyed: [], sealed: [], resigned: [], changed: false)
    }
    // Everything re-signed below gets `owner` as its signer: checked before anything changes.
    for environment in taken + added where !me.read.contains(environment) {
      throw VaultError.cannotRead(member: me.name, project: "*", environment: environment)
    }
    let key = old.identity.signingKey
    var resign: [Group] = []
    for block in blocks {
      if taken.contains(block.environment) {
        guard me.canWrite(block.environment) else {
          throw VaultError.cannotWrite(member: me.name, environment: block.environment)
        }
      } else if writeTaken.contains(block.environment) {
        // What they wrote while they could would stop verifying (signer has no write
        // access): the owner vouches for it instead.
        let group = try decode(block)
        guard
          group.signer == key
            || (group.entries + group.history).contains(where: { $0.writer == key })
        else { continue }
        guard me.canWrite(block.environment) else {
          throw VaultError.cannotWrite(member: me.name, environment: block.environment)
        }
        resign.append(group)
      }
    }
    header.formatVersion = formatVersionToWrite
    // The seals follow the new name. The access changes last: until then every group
    // still verifies under the old access, so it can be decoded and re-signed.
    for seal in header.seals.indices where header.seals[seal].member == name {
      header.seals[seal].member = member.name
    }
    header.members[index].name = member.name
    var resignedLabels: [String] = []
    for group in resign {
      let entries = group.entries.map { $0.writer == key ? resigned($0, by: owner) : $0 }
      resignedLabels += group.entries.filter { $0.writer == key }.map(\.label)
      // Older versions they wrote would stop verifying too: re-signed the same way.
      let history = group.history.map { $0.writer == key ? resigned($0, by: owner) : $0 }
      try replaceGroup(
        project: group.project, environment: group.environment, entries: entries,
        flags: group.flags, gone: group.gone, history: history, links: group.links,
        rotations: group.rotations, identity: owner)
    }
    for environment in taken {
      try rekey(environment, exposedTo: member, by: owner, now: now)
    }
    header.members[index] = member
    header.members.sort { $0.name < $1.name }
    for environment in added {
      try checkNoRetiredReader(of: environment)
      let pair = try environmentKeyPair(environment, project: "*", identity: owner)
      header.seals.append(
        Seal(
          environment: environment, member: member.name,
          box: try SealedBox.seal(pair.secretKey, to: member.identity.boxKey)))
    }
    header.seals.removeAll { $0.member == member.name && !read.contains($0.environment) }
    header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    header.generation += 1
    signHeader(with: owner)
    return MemberChange(
      member: member, rekeyed: taken, sealed: added, resigned: resignedLabels, changed: true)
  }
}
