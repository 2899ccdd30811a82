/// Three-way merge of vault files for git (`vault git merge %O %A %B`): per member, per
/// group and per entry, so independent additions on two branches merge even when their
/// lines are adjacent. What both sides changed differently is a conflict that names it.
///
/// An entry changed differently on both sides does not stop the rest of the merge: the
/// result holds every other change of both sides and one side's version of each such entry
/// (`Outcome.partial`), so nothing either branch wrote is dropped while a person chooses
/// (`vault git resolve`). Any other conflict leaves nothing merged.
public struct VaultMerge {
  /// Which side's version of a conflicted entry a merge takes.
  public enum Side: String, Sendable, CaseIterable {
    /// The branch being merged into (git's stage 2, `%A`).
    case ours
    /// The branch being merged (git's stage 3, `%B`).
    case theirs
  }

  /// Why a merge needs a person.
  public enum Conflict: Equatable, Sendable {
    /// The same entry changed (or removed and changed) on both sides.
    case entry(label: String)
    /// An entry written on one side for an environment key the other side rotated.
    case rotatedKey(label: String, project: String, environment: String, name: String)
    /// Membership changed on both sides in ways that do not combine.
    case membership(String)
    /// The merged result needs a signature the person merging cannot give.
    case cannotSign(String)
    /// The two sides are different vaults.
    case differentVaults
    /// A side's membership generation is older than the merge base's: that side rolled the
    /// membership back, and the merge would too.
    case rolledBack(side: String, generation: UInt64, base: UInt64)
  }

  /// The merged file, or the conflicts that stop it.
  public enum Outcome {
    /// Everything combined; nothing conflicted.
    case merged(VaultFile)
    /// Only entries conflicted (the labels, sorted): the file holds every other change of
    /// both sides and, for each label, the side `choices` named (ours when none). It
    /// verifies as any vault does.
    case partial(VaultFile, conflicted: [String])
    /// Conflicts about membership, keys, signing or history: nothing is merged.
    case conflicts([Conflict])
  }

  /// A name's line in one side's group: an entry, a tombstone, or nothing.
  private enum Slot: Equatable {
    case entry(Entry)
    case gone(Tombstone)
  }

  let base: VaultFile?
  let ours: VaultFile
  let theirs: VaultFile

  /// `base` is nil when the file did not exist in the merge base.
  public init(base: VaultFile?, ours: VaultFile, theirs: VaultFile) {
    self.base = base
    self.ours = ours
    self.theirs = theirs
  }

  /// Merges. `identity` is asked for only when something must be re-signed. `choices` names,
  /// by label, the side to take for an entry both sides changed differently; a conflicted
  /// entry without a choice takes ours.
  public func merge(identity: () throws -> Identity, choices: [String: Side] = [:]) throws
    -> Outcome
  {
    guard ours.header.vaultID == theirs.header.vaultID,
      base.map({ $0.header.vaultID == ours.header.vaultID }) ?? true
    else { return .conflicts([.differentVaults]) }
    var conflicts: [Conflict] = []
    // The result is never older than either side or the base: a side whose generation is
    // below the base's undid a membership change.
    if let base {
      for (side, file) in [("ours", ours), ("theirs", theirs)]
      where file.header.generation < base.header.generation {
        conflicts.append(
          .rolledBack(side: side, generation: file.header.generation, base: base.header.generation))
      }
      if !conflicts.isEmpty { return .conflicts(conflicts) }
    }
    var signer: Identity?
    func me() throws -> Identity {
      if let signer { return signer }
      let unlocked = try identity()
      signer = unlocked
      return unlocked
    }

    // The header: one side's if only one side changed it, else member by member.
    var result = ours
    let baseHeader = base?.headerSignedText
    if ours.headerSignedText != theirs.headerSignedText {
      if ours.headerSignedText == baseHeader {
        result.header = theirs.header
        result.headerSignedText = theirs.headerSignedText
      } else if theirs.headerSignedText != baseHeader {
        switch try mergeHeaders(me: me) {
        case .success(let header):
          result.header = header
          // Newer than both sides: every reader that saw either accepts it as a step forward.
          result.header.generation = max(ours.header.generation, theirs.header.generation) + 1
          result.signHeader(with: try me())
        case .failure(let conflict):
          return .conflicts([conflict])
        }
      }
    }

    // Groups: one side's block if only one side changed it, else entry by entry.
    var keys = Set(ours.blocks.map { "\($0.project) \($0.environment)" })
    keys.formUnion(theirs.blocks.map { "\($0.project) \($0.environment)" })
    var blocks: [Block] = []
    for key in keys.sorted(by: Self.blockOrder) {
      let parts = key.split(separator: " ").map(String.init)
      let (project, environment) = (parts[0], parts[1])
      func find(_ file: VaultFile?) -> Block? {
        file?.blocks.first { $0.project == project && $0.environment == environment }
      }
      let (o, a, b) = (find(base), find(ours), find(theirs))
      let rotatedByOurs = keyChanged(environment, from: base, to: ours)
      let rotatedByTheirs = keyChanged(environment, from: base, to: theirs)
      if a?.text == b?.text {
        if let a { blocks.append(a) }
        continue
      }
      // Entries written for a key the other side rotated cannot be read after the merge.
      if rotatedByTheirs, let a, a.text != o?.text {
        conflicts += try staleEntries(a, against: o, file: ours).map {
          .rotatedKey(
            label: "\(project)/\(environment)/\($0)", project: project, environment: environment,
            name: $0)
        }
      }
      if rotatedByOurs, let b, b.text != o?.text {
        conflicts += try staleEntries(b, against: o, file: theirs).map {
          .rotatedKey(
            label: "\(project)/\(environment)/\($0)", project: project, environment: environment,
            name: $0)
        }
      }
      if a?.text == o?.text {
        if let b { blocks.append(b) }
        continue
      }
      if b?.text == o?.text {
        if let a { blocks.append(a) }
        continue
      }
      let merged = try mergeGroup(
        project: project, environment: environment, base: o, ours: a, theirs: b,
        choices: choices, conflicts: &conflicts)
      guard let merged else { continue }
      if merged.entries.isEmpty && merged.gone.isEmpty { continue }
      let identity = try me()
      guard let member = result.header.member(for: identity.publicIdentity),
        member.canWrite(environment)
      else {
        conflicts.append(
          .cannotSign(
            "\(project)/\(environment) changed on both branches; someone who can write \(environment) must merge"
          ))
        continue
      }
      var file = result
      try file.replaceGroup(
        project: project, environment: environment, entries: merged.entries, flags: merged.flags,
        gone: merged.gone, identity: identity)
      if let block = file.blocks.first(where: {
        $0.project == project && $0.environment == environment
      }) {
        blocks.append(block)
      }
    }
    // Entry conflicts leave a result to choose in; any other conflict leaves none.
    var conflicted: [String] = []
    for conflict in conflicts {
      guard case .entry(let label) = conflict else { return .conflicts(conflicts) }
      conflicted.append(label)
    }
    result.blocks = blocks
    // The result must read as any vault does.
    let check = try VaultFile.parse(result.serialized(), path: ours.path)
    try check.verifyHeader()
    _ = try check.allGroups()
    return conflicted.isEmpty ? .merged(check) : .partial(check, conflicted: conflicted.sorted())
  }

  /// The side whose version of the entry `name` of (`project`, `environment`) `current`
  /// holds: theirs when it matches theirs' and not ours', else ours. `vault git resolve`
  /// asks it for the conflicted entries it is not told about, to keep earlier choices.
  public func side(
    in current: VaultFile, project: String, environment: String, name: String
  ) -> Side {
    func slot(_ file: VaultFile) -> Slot? {
      guard let group = try? file.group(project: project, environment: environment) else {
        return nil
      }
      return Self.slot(group, name)
    }
    let now = slot(current)
    return now == slot(theirs) && now != slot(ours) ? .theirs : .ours
  }

  private static func slot(_ group: Group?, _ name: String) -> Slot? {
    if let entry = group?.entries.first(where: { $0.name == name }) { return .entry(entry) }
    if let gone = group?.gone.first(where: { $0.name == name }) { return .gone(gone) }
    return nil
  }

  static func blockOrder(_ a: String, _ b: String) -> Bool {
    let x = a.split(separator: " "), y = b.split(separator: " ")
    return (x[0], x[1]) < (y[0], y[1])
  }

  private func keyChanged(_ environment: String, from base: VaultFile?, to side: VaultFile) -> Bool
  {
    guard let base, let old = base.header.environment(environment) else { return false }
    return side.header.environment(environment)?.publicKey != old.publicKey
  }

  /// Names whose entry line in `block` is new relative to `base`.
  private func staleEntries(_ block: Block, against base: Block?, file: VaultFile) throws
    -> [String]
  {
    let group = try file.decode(block)
    let old = try base.map { try (self.base ?? file).decode($0) }
    return group.entries.filter { entry in !(old?.entries.contains(entry) ?? false) }.map(\.name)
  }

  private func mergeGroup(
    project: String, environment: String, base: Block?, ours: Block?, theirs: Block?,
    choices: [String: Side], conflicts: inout [Conflict]
  ) throws -> (entries: [Entry], flags: [ExposureFlag], gone: [Tombstone])? {
    let o = try base.map { try (self.base ?? self.ours).decode($0) }
    let a = try ours.map { try self.ours.decode($0) }
    let b = try theirs.map { try self.theirs.decode($0) }
    let slot = Self.slot
    var names = Set<String>()
    for group in [o, a, b] {
      names.formUnion(group?.entries.map(\.name) ?? [])
      names.formUnion(group?.gone.map(\.name) ?? [])
    }
    var entries: [Entry] = []
    var gone: [Tombstone] = []
    var flags: [ExposureFlag] = []
    for name in names.sorted() {
      let eo = slot(o, name)
      let ea = slot(a, name)
      let eb = slot(b, name)
      let chosen: Slot?
      let flagSource: [Group?]
      if ea == eb {
        chosen = ea
        flagSource = [a, b]
      } else if ea == eo {
        chosen = eb
        flagSource = [b]
      } else if eb == eo {
        chosen = ea
        flagSource = [a]
      } else {
        // Both changed it differently: a conflict, with one side's version kept meanwhile
        // (ours unless chosen), so the rest of the group still merges.
        let label = "\(project)/\(environment)/\(name)"
        conflicts.append(.entry(label: label))
        let side = choices[label] ?? .ours
        chosen = side == .ours ? ea : eb
        flagSource = [side == .ours ? a : b]
      }
      guard let chosen else { continue }
      guard case .entry(let entry) = chosen else {
        if case .gone(let tombstone) = chosen { gone.append(tombstone) }
        continue
      }
      entries.append(entry)
      for group in flagSource {
        for flag in group?.flags ?? [] where flag.name == name && !flags.contains(flag) {
          flags.append(flag)
        }
      }
    }
    return (entries, flags, gone)
  }

  /// Combines two membership changes when each member and each environment key changed
  /// on one side at most.
  private func mergeHeaders(me: () throws -> Identity) throws -> Result<Header, Conflict> {
    let baseHeader = base?.header
    // The merged header is re-signed below, which vouches for both sides' changes: each
    // must be signed by someone who was an owner at the merge base. (A side's header only
    // proves its signer is an owner in that header, which its signer may have written.)
    for side in [ours.header, theirs.header] {
      guard
        baseHeader?.members.contains(where: { $0.isOwner && $0.identity.signingKey == side.signer })
          == true
      else {
        let signer = side.member(signingKey: side.signer)?.name ?? "an unknown key"
        return .failure(
          .membership(
            "membership changed on both branches, one of them signed by \(signer), not an owner at the merge base; check it with an owner and merge by hand"
          ))
      }
    }
    var header = ours.header
    // Environment keys: a key rotated on one side wins, with its seals.
    var environments: [EnvironmentKey] = []
    var seals: [Seal] = []
    let names = Set(ours.header.environments.map(\.name) + theirs.header.environments.map(\.name))
    for name in names.sorted() {
      let ko = baseHeader?.environment(name)
      let ka = ours.header.environment(name)
      let kb = theirs.header.environment(name)
      let source: Header
      if ka == kb {
        // Same key: seals from both sides, for the members kept below.
        source = ours.header
        seals += theirs.header.seals.filter { $0.environment == name }
      } else if ka == ko, kb != nil {
        source = theirs.header
      } else if kb == ko, ka != nil {
        source = ours.header
      } else {
        return .failure(.membership("environment \(name) was re-keyed on both branches"))
      }
      if let key = source.environment(name) { environments.append(key) }
      seals += source.seals.filter { $0.environment == name }
    }
    // Members: per member, the side that changed it.
    var members: [Member] = []
    let memberNames = Set(
      ours.header.members.map(\.name) + theirs.header.members.map(\.name)
        + (baseHeader?.members.map(\.name) ?? []))
    for name in memberNames.sorted() {
      let mo = baseHeader?.members.first { $0.name == name }
      let ma = ours.header.members.first { $0.name == name }
      let mb = theirs.header.members.first { $0.name == name }
      let chosen: Member?
      if ma == mb {
        chosen = ma
      } else if ma == mo {
        chosen = mb
      } else if mb == mo {
        chosen = ma
      } else {
        return .failure(.membership("member \(name) changed on both branches"))
      }
      if let chosen { members.append(chosen) }
    }
    // Keep exactly one seal per (environment, reader); a reader without a seal for the
    // merged key was added for a key the other side rotated.
    var kept: [Seal] = []
    for member in members {
      for environment in member.read {
        guard
          let seal = seals.first(where: {
            $0.environment == environment && $0.member == member.name
          })
        else {
          return .failure(
            .membership(
              "\(member.name) was given \(environment) for a key the other branch rotated; run `vault members rm \(member.name)` and add them again after the merge"
            ))
        }
        kept.append(seal)
      }
    }
    header.environments = environments
    header.members = members
    header.seals = kept.sorted { ($0.environment, $0.member) < ($1.environment, $1.member) }
    let identity = try me()
    guard members.contains(where: { $0.isOwner && $0.identity == identity.publicIdentity }) else {
      return .failure(.cannotSign("membership changed on both branches; an owner must merge"))
    }
    return .success(header)
  }
}

extension VaultMerge.Conflict: Error {}
