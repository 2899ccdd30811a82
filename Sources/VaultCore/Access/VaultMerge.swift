/// Three-way merge of vault files for git (`vault git merge %O %A %B`): per member, per
/// group and per entry, so independent additions on two branches merge even when their
/// lines are adjacent. What both sides changed differently is a conflict that names it.
///
/// A merge combines entries; it never grants access that either side took away, and it
/// never changes who is trusted (TeamVaults.md, "Merge rules"). The merge base is chosen by
/// whoever wrote the branches, so it is only used to see what changed, never to vouch for a
/// signer: the other branch's membership change (each side's, when both changed it) counts
/// only when it is signed by an owner the other side still has (and the person merging has
/// not seen removed); a side that removed someone wins over a side that kept them; a new owner never comes from one side of a
/// header both sides changed; and a header the merge re-signs is signed only by an owner of
/// the base and both sides, whom every pinned reader already trusts.
///
/// An entry changed differently on both sides does not stop the rest of the merge: the
/// result holds every other change of both sides and one side's version of each such entry
/// (`Outcome.partial`), so nothing either branch wrote is dropped while a person chooses
/// (`vault git resolve`). Entries written for an environment key the other side rotated are
/// moved to the new key when the person merging holds both keys, else left out and named
/// (`Outcome.withheld`). Any other conflict leaves nothing merged.
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
    /// Membership changed in ways that do not combine, or a side's membership change is
    /// signed by someone this merge may not trust.
    case membership(String)
    /// The merged result needs a signature the person merging may not or cannot give.
    case cannotSign(String)
    /// The two sides are different vaults.
    case differentVaults
    /// A side's membership generation is older than the merge base's: that side rolled the
    /// membership back, and the merge would too.
    case rolledBack(side: String, generation: UInt64, base: UInt64)
  }

  /// A change of one side the merge could not carry: an entry written (or removed) for an
  /// environment key the other side rotated, when the person merging cannot move it to the
  /// new key.
  public struct Withheld: Equatable, Sendable {
    public var project: String
    public var environment: String
    public var name: String
    /// The side whose change it is.
    public var side: Side
    /// The side removed the entry (the removal was not applied), rather than wrote it.
    public var removal: Bool
    /// Members the other side took out of the environment who could read the value on
    /// this side's branch: it must be rotated at its provider.
    public var exposedTo: [String]

    /// `project/environment/name`.
    public var label: String { "\(project)/\(environment)/\(name)" }
  }

  /// The merged file, or the conflicts that stop it.
  public enum Outcome {
    /// Everything combined; nothing conflicted.
    case merged(VaultFile)
    /// Only entries conflicted (the labels, sorted): the file holds every other change of
    /// both sides and, for each label, the side `choices` named (ours when none). It
    /// verifies as any vault does.
    case partial(VaultFile, conflicted: [String])
    /// As `partial`, and some changes of one side were left out (`Withheld`): the file holds
    /// the merged membership and everything else; each left-out change must be made again.
    case withheld(VaultFile, conflicted: [String], withheld: [Withheld])
    /// Conflicts about membership, keys, signing or history: nothing is merged.
    case conflicts([Conflict])
  }

  /// A name's lines in one side's group: an entry with its older versions, the OpenAI links
  /// of those versions and its pending rotation, a tombstone, or nothing. Two slots are the
  /// same only with the same older versions, links and rotation: two branches that each
  /// stored a version conflict, as before history, and so do two that linked a version or
  /// recorded a rotation differently (never a silent pick of one OpenAI key id).
  private enum Slot: Equatable {
    case entry(Entry, older: [Entry], links: [OpenAILink], rotation: PendingRotation?)
    case gone(Tombstone)
  }

  let base: VaultFile?
  let ours: VaultFile
  let theirs: VaultFile
  /// Whether the person merging saw this identity removed from the vault (their local trust
  /// state): nothing it signed is merged.
  let seenRemoved: (PublicIdentity) throws -> Bool

  /// `base` is nil when the file did not exist in the merge base (or git's virtual merge
  /// base could not be made). `seenRemoved` answers from the local trust state.
  public init(
    base: VaultFile?, ours: VaultFile, theirs: VaultFile,
    seenRemoved: @escaping (PublicIdentity) throws -> Bool = { _ in false }
  ) {
    self.base = base
    self.ours = ours
    self.theirs = theirs
    self.seenRemoved = seenRemoved
  }

  /// Merges. `identity` is asked for only when something must be re-signed. `choices` names,
  /// by label, the side to take for an entry both sides changed differently; a conflicted
  /// entry without a choice takes ours. With `virtualBase` (git's inner merge of two merge
  /// bases, `vault git merge --virtual-base`), a conflicted or withheld entry is left out of
  /// the result altogether, so the outer merge sees it as added on both sides: equal or a
  /// conflict, never one side's choice taken silently.
  public func merge(
    identity: () throws -> Identity, choices: [String: Side] = [:], virtualBase: Bool = false
  ) throws -> Outcome {
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
    switch try mergedHeader(me: me) {
    case .success(let merged):
      if let merged {
        result.header = merged.header
        result.headerSignedText = merged.signedText
        if merged.resign {
          // Newer than both sides: every reader that saw either accepts it as a step forward.
          result.header.generation = max(ours.header.generation, theirs.header.generation) + 1
          result.signHeader(with: try me())
        }
      }
    case .failure(let conflict):
      return .conflicts([conflict])
    }

    // Groups: one side's block if only one side changed it, else entry by entry.
    var keys = Set(ours.blocks.map { "\($0.project) \($0.environment)" })
    keys.formUnion(theirs.blocks.map { "\($0.project) \($0.environment)" })
    var blocks: [Block] = []
    var withheld: [Withheld] = []
    for key in keys.sorted(by: Self.blockOrder) {
      let parts = key.split(separator: " ").map(String.init)
      let (project, environment) = (parts[0], parts[1])
      func find(_ file: VaultFile?) -> Block? {
        file?.blocks.first { $0.project == project && $0.environment == environment }
      }
      let (o, a, b) = (find(base), find(ours), find(theirs))
      if a?.text == b?.text {
        if let a { blocks.append(a) }
        continue
      }
      // A side that changed the group for an environment key the result does not have (the
      // other side rotated it): its changes are moved to the new key, or left out.
      let key = result.header.environment(environment)?.publicKey
      func stale(_ block: Block?, _ file: VaultFile) -> Bool {
        block != nil && block?.text != o?.text
          && file.header.environment(environment)?.publicKey != key
      }
      let staleSide: Side? = stale(a, ours) ? .ours : stale(b, theirs) ? .theirs : nil
      if let staleSide, !(stale(a, ours) && stale(b, theirs)) {
        let merged = try mergeRotated(
          project: project, environment: environment, base: o,
          stale: staleSide == .ours ? (a, ours) : (b, theirs),
          rotated: staleSide == .ours ? b : a, staleSide: staleSide, result: result,
          choices: choices, virtualBase: virtualBase, me: me, conflicts: &conflicts,
          withheld: &withheld)
        if let merged { blocks.append(merged) }
        continue
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
        choices: choices, virtualBase: virtualBase, conflicts: &conflicts)
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
      if let block = try signedBlock(
        in: result, project: project, environment: environment, entries: merged.entries,
        flags: merged.flags, gone: merged.gone, history: merged.history, links: merged.links,
        rotations: merged.rotations, identity: identity)
      {
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
    if !withheld.isEmpty {
      return .withheld(check, conflicted: conflicted.sorted(), withheld: withheld)
    }
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
    if let entry = group?.entries.first(where: { $0.name == name }) {
      return .entry(
        entry, older: group?.history.filter { $0.name == name } ?? [],
        links: group?.links.filter { $0.name == name } ?? [], rotation: group?.rotation(name))
    }
    if let gone = group?.gone.first(where: { $0.name == name }) { return .gone(gone) }
    return nil
  }

  static func blockOrder(_ a: String, _ b: String) -> Bool {
    let x = a.split(separator: " "), y = b.split(separator: " ")
    return (x[0], x[1]) < (y[0], y[1])
  }

  /// The block of (`project`, `environment`) holding these lines, signed by `identity` in
  /// `file`; nil when they are empty (the group goes).
  private func signedBlock(
    in file: VaultFile, project: String, environment: String, entries: [Entry],
    flags: [ExposureFlag], gone: [Tombstone], history: [Entry], links: [OpenAILink],
    rotations: [PendingRotation], identity: Identity
  ) throws -> Block? {
    var copy = file
    try copy.replaceGroup(
      project: project, environment: environment, entries: entries, flags: flags, gone: gone,
      history: history, links: links, rotations: rotations, identity: identity)
    return copy.blocks.first { $0.project == project && $0.environment == environment }
  }

  /// Per entry, with the base (three-way) or without one (`base` nil: both branches added
  /// the file, or git's inner merge failed). Without a base, an entry on one side only was
  /// added there (a removal leaves a tombstone since format version 2); an entry against a
  /// tombstone of the same or a later version was removed after it; anything else that
  /// differs is a conflict.
  private func mergeGroup(
    project: String, environment: String, base: Block?, ours: Block?, theirs: Block?,
    choices: [String: Side], virtualBase: Bool, conflicts: inout [Conflict]
  ) throws -> (
    entries: [Entry], flags: [ExposureFlag], gone: [Tombstone], history: [Entry],
    links: [OpenAILink], rotations: [PendingRotation]
  )? {
    let o = try base.map { try (self.base ?? self.ours).decode($0) }
    let a = try ours.map { try self.ours.decode($0) }
    let b = try theirs.map { try self.theirs.decode($0) }
    let slot = Self.slot
    var names = Set<String>()
    for group in [o, a, b] {
      names.formUnion(group?.entries.map(\.name) ?? [])
      names.formUnion(group?.gone.map(\.name) ?? [])
    }
    let tombstones = min(self.ours.header.formatVersion, self.theirs.header.formatVersion) >= 2
    var entries: [Entry] = []
    var gone: [Tombstone] = []
    var flags: [ExposureFlag] = []
    var history: [Entry] = []
    var links: [OpenAILink] = []
    var rotations: [PendingRotation] = []
    for name in names.sorted() {
      let eo = slot(o, name)
      let ea = slot(a, name)
      let eb = slot(b, name)
      var chosen: Slot?
      var flagSource: [Group?]
      var conflicted = false
      if ea == eb {
        chosen = ea
        flagSource = [a, b]
      } else if self.base == nil {
        switch Self.withoutBase(ea, eb, tombstones: tombstones) {
        case .ours?: (chosen, flagSource) = (ea, [a])
        case .theirs?: (chosen, flagSource) = (eb, [b])
        case nil: (chosen, flagSource, conflicted) = (nil, [], true)
        }
      } else if ea == eo {
        chosen = eb
        flagSource = [b]
      } else if eb == eo {
        chosen = ea
        flagSource = [a]
      } else {
        (chosen, flagSource, conflicted) = (nil, [], true)
      }
      if conflicted {
        // Both changed it differently: a conflict, with one side's version kept meanwhile
        // (ours unless chosen), so the rest of the group still merges; in a virtual base,
        // neither.
        let label = "\(project)/\(environment)/\(name)"
        conflicts.append(.entry(label: label))
        if virtualBase { continue }
        let side = choices[label] ?? .ours
        chosen = side == .ours ? ea : eb
        flagSource = [side == .ours ? a : b]
      }
      guard let chosen else { continue }
      guard case .entry(let entry, let older, let linked, let rotation) = chosen else {
        if case .gone(let tombstone) = chosen { gone.append(tombstone) }
        continue
      }
      entries.append(entry)
      history += older
      links += linked
      if let rotation { rotations.append(rotation) }
      for group in flagSource {
        for flag in group?.flags ?? [] where flag.name == name && !flags.contains(flag) {
          flags.append(flag)
        }
      }
    }
    return (entries, flags, gone, history, links, rotations)
  }

  /// The side to take for a name whose slots differ when there is no base, or nil when
  /// that is unclear (a conflict).
  private static func withoutBase(_ a: Slot?, _ b: Slot?, tombstones: Bool) -> Side? {
    switch (a, b) {
    case (nil, _?): return tombstones ? .theirs : nil
    case (_?, nil): return tombstones ? .ours : nil
    case (.entry(let entry, _, _, _)?, .gone(let tombstone)?):
      return tombstone.version >= entry.version ? .theirs : nil
    case (.gone(let tombstone)?, .entry(let entry, _, _, _)?):
      return tombstone.version >= entry.version ? .ours : nil
    case (.gone(let x)?, .gone(let y)?):
      return x.version >= y.version ? .ours : .theirs
    default:
      return nil
    }
  }

  /// Whether `side` holds the value `base` holds: the same entry (version and time; a
  /// re-key re-encrypts and re-signs it without changing either), the same tombstone, or
  /// nothing in both.
  private static func sameValue(_ side: Slot?, _ base: Slot?) -> Bool {
    switch (side, base) {
    case (nil, nil): return true
    case (.entry(let x, _, _, _)?, .entry(let y, _, _, _)?):
      return x.version == y.version && x.created == y.created
    case (.gone(let x)?, .gone(let y)?): return x == y
    default: return false
    }
  }

  /// A group one side (`stale`) changed for the environment key the other side rotated.
  /// Per entry: what only the rotating side changed is its version (re-encrypted); what
  /// only the stale side changed is moved to the new key — decrypted with the old key the
  /// person merging holds on the stale side, encrypted to the new one, signed by them, and
  /// flagged as exposed to each reader the rotating side took out (they could read it on
  /// the branch). When the person merging cannot do that, the change is left out
  /// (`withheld`) and the rotating side's group stands: no result ever carries a key or a
  /// member either side removed.
  private func mergeRotated(
    project: String, environment: String, base: Block?, stale: (Block?, VaultFile),
    rotated: Block?, staleSide: Side, result: VaultFile, choices: [String: Side],
    virtualBase: Bool, me: () throws -> Identity, conflicts: inout [Conflict],
    withheld: inout [Withheld]
  ) throws -> Block? {
    let rotatedFile = staleSide == .ours ? theirs : ours
    let o = try base.map { try (self.base ?? ours).decode($0) }
    let s = try stale.0.map { try stale.1.decode($0) }
    let r = try rotated.map { try rotatedFile.decode($0) }
    // Who could read the stale side's values there and reads nothing here.
    let readers = result.header.members.filter { $0.read.contains(environment) }.map(\.identity)
    let exposed = stale.1.header.members.filter {
      $0.read.contains(environment) && !readers.contains($0.identity)
    }
    var names = Set<String>()
    for group in [o, s, r] {
      names.formUnion(group?.entries.map(\.name) ?? [])
      names.formUnion(group?.gone.map(\.name) ?? [])
    }
    // Each name: the slot to keep, and whether it is the stale side's (to move or withhold).
    var kept: [(name: String, slot: Slot?, fromStale: Bool)] = []
    for name in names.sorted() {
      let (so, ss, sr) = (Self.slot(o, name), Self.slot(s, name), Self.slot(r, name))
      let staleChanged = ss != so
      if !staleChanged {
        kept.append((name, sr, false))
      } else if Self.sameValue(sr, so) || sr == ss {
        kept.append((name, ss, true))
      } else {
        let label = "\(project)/\(environment)/\(name)"
        conflicts.append(.entry(label: label))
        if virtualBase { continue }
        let take = (choices[label] ?? .ours) == staleSide
        kept.append((name, take ? ss : sr, take))
      }
    }
    let now = Timestamp.now()
    var entries: [Entry] = []
    var gone: [Tombstone] = []
    var flags: [ExposureFlag] = []
    var moves: [Entry] = []
    var history: [Entry] = []
    var links: [OpenAILink] = []
    var rotations: [PendingRotation] = []
    for (name, slot, fromStale) in kept {
      let source = fromStale ? s : r
      switch slot {
      case .entry(let entry, let older, let linked, let rotation)?:
        // A moved value goes to the new key alone: its older versions, under the old key,
        // are dropped as a re-key drops them, and their links with them (replaceGroup
        // keeps only links of versions it holds). Its own link and rotation travel with it.
        if fromStale {
          moves.append(entry)
        } else {
          entries.append(entry)
          history += older
        }
        links += linked
        if let rotation { rotations.append(rotation) }
      case .gone(let tombstone)?:
        gone.append(tombstone)
      case nil:
        break
      }
      if case .entry? = slot {
        flags += source?.flags.filter { $0.name == name } ?? []
      }
    }
    let changed = !moves.isEmpty || gone != (r?.gone ?? []) || kept.contains { $0.fromStale }
    guard changed else { return rotated }
    func withhold(_ entriesLeft: [Entry], removals: [Tombstone]) {
      let names = exposed.map(\.name)
      withheld += entriesLeft.map {
        Withheld(
          project: project, environment: environment, name: $0.name, side: staleSide,
          removal: false, exposedTo: names)
      }
      withheld += removals.map {
        Withheld(
          project: project, environment: environment, name: $0.name, side: staleSide,
          removal: true, exposedTo: [])
      }
    }
    let identity = try me()
    guard let member = result.header.member(for: identity.publicIdentity),
      member.canWrite(environment), let newKey = result.header.environment(environment)
    else {
      // Nobody here may sign the combined group: the rotating side's stands.
      let removals = gone.filter { tombstone in
        !(r?.gone.contains(tombstone) ?? false)
      }
      if !virtualBase { withhold(moves, removals: removals) }
      return rotated
    }
    let oldKey = try? stale.1.environmentKeyPair(environment, project: project, identity: identity)
    if let oldKey {
      for entry in moves {
        let value = try stale.1.open(entry, with: oldKey)
        entries.append(try result.sealed(entry, value: value, to: newKey.publicKey, by: identity))
        for reader in exposed
        where !flags.contains(where: { $0.name == entry.name && $0.member == reader.name }) {
          flags.append(
            ExposureFlag(
              name: entry.name, member: reader.name, time: now,
              wrote: entry.writer == reader.identity.signingKey))
        }
      }
    } else {
      if !virtualBase { withhold(moves, removals: []) }
      let left = Set(moves.map(\.name))
      flags.removeAll { left.contains($0.name) }
    }
    return try signedBlock(
      in: result, project: project, environment: environment, entries: entries, flags: flags,
      gone: gone, history: history, links: links, rotations: rotations, identity: identity)
  }

  /// The merged header and whether it must be re-signed, nil to keep ours; or the conflict.
  private func mergedHeader(me: () throws -> Identity) throws
    -> Result<(header: Header, signedText: [UInt8], resign: Bool)?, Conflict>
  {
    if ours.headerSignedText == theirs.headerSignedText { return .success(nil) }
    guard let base else {
      // Without a base nothing says which side changed what: a member on one side only may
      // have been added there or removed on the other.
      return .failure(
        .membership(
          "the two branches' membership differs and git gave no merge base (both branches added .vault, or a criss-cross merge whose bases conflict); make it the same on both branches with `vault members` commands"
        ))
    }
    let oursChanged = ours.headerSignedText != base.headerSignedText
    let theirsChanged = theirs.headerSignedText != base.headerSignedText
    // Only this branch changed it: the result keeps this branch's header as it is, so the
    // merge changes nothing about whom this branch trusts (git does the same when the other
    // branch did not touch the file). This is also the upstream of a rebase.
    if !theirsChanged { return .success(nil) }
    // Each side's change counts only when signed by an owner the other side still has.
    for (side, file, other) in [("ours", ours, theirs), ("theirs", theirs, ours)]
    where side == "ours" ? oursChanged : theirsChanged {
      if let conflict = try untrustedSigner(side: side, of: file, other: other) {
        return .failure(conflict)
      }
    }
    if !oursChanged { return .success((theirs.header, theirs.headerSignedText, false)) }
    let eligible = ours.header.members.filter { member in
      member.isOwner
        && [base.header, theirs.header].allSatisfy { header in
          header.members.contains { $0.isOwner && $0.identity == member.identity }
        }
    }
    switch try mergeHeaders(steadyOwners: eligible.map(\.name)) {
    case .success(let header):
      // Re-signed by someone every pinned reader of either side already trusts.
      let identity = try me()
      guard eligible.contains(where: { $0.identity == identity.publicIdentity }) else {
        let who =
          eligible.isEmpty
          ? "nobody is an owner on both branches and at the merge base"
          : "ask \(eligible.map(\.name).joined(separator: " or ")) to merge"
        return .failure(
          .cannotSign(
            "membership changed on both branches, and the merged membership must be signed by an owner on both branches and at the merge base, whom every member already trusts; \(who)"
          ))
      }
      return .success((header, [], true))
    case .failure(let conflict):
      return .failure(conflict)
    }
  }

  /// Why `file`'s header change may not be merged, or nil: it must be signed by an owner
  /// `other` still has (a removal wins), whom the person merging has not seen removed.
  private func untrustedSigner(side: String, of file: VaultFile, other: VaultFile) throws
    -> Conflict?
  {
    let branch = side == "ours" ? "this branch" : "the other branch"
    let otherBranch = side == "ours" ? "the other branch" : "this branch"
    guard let signer = file.header.signingMember else {
      return .membership("\(branch)'s membership is signed by an unknown key")
    }
    if try seenRemoved(signer.identity) {
      return .membership(
        "\(branch)'s membership is signed by \(signer.name), whom you saw removed from this vault; nothing they sign is merged"
      )
    }
    guard
      other.header.members.contains(where: { $0.isOwner && $0.identity == signer.identity })
    else {
      // The base only chooses the words: whether the signer was an owner before.
      let wasOwner =
        base?.header.members.contains { $0.isOwner && $0.identity == signer.identity } ?? false
      if wasOwner {
        return .membership(
          "\(branch)'s membership change is signed by \(signer.name), who is no longer an owner on \(otherBranch); a removal wins, and nothing they signed on \(branch) merges"
        )
      }
      return .membership(
        "\(branch)'s membership change is signed by \(signer.name), who is not an owner on \(otherBranch); merge the commit that made \(signer.name) an owner first (`git log -p -- .vault` shows it), or have an owner on \(otherBranch) make the change"
      )
    }
    return nil
  }

  /// Combines two membership changes when each member and each environment key changed
  /// on one side at most. A member removed on one side and changed on the other is removed
  /// (a removal wins), unless the change gave them an environment or ownership they did not
  /// have at the base. A member who is an owner in the result must be the same owner on
  /// both sides: a new owner never comes from one side of a header both sides changed.
  /// `steadyOwners`: the names of the owners of the base and both sides, for messages.
  private func mergeHeaders(steadyOwners: [String]) throws -> Result<Header, Conflict> {
    let baseHeader = base?.header
    var header = ours.header
    // Environment keys: a key rotated on one side wins, with its seals.
    var environments: [EnvironmentKey] = []
    var seals: [Seal] = []
    var openBao: [OpenBaoRecipient] = []
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
      // The OpenBao recipient: the side that changed it, when its seal is of the merged
      // key; an addition or a removal is never dropped silently (README, "Organisations:
      // OpenBao").
      let ro = baseHeader?.openBaoRecipient(name)
      let ra = ours.header.openBaoRecipient(name)
      let rb = theirs.header.openBaoRecipient(name)
      let recipient: OpenBaoRecipient?
      if ra == rb {
        recipient = ra
      } else if ka != kb && kb == ko {
        // Our side re-keyed (and re-sealed): theirs may not have changed the recipient.
        guard rb == ro else { return .failure(.membership(openBaoConflict(name))) }
        recipient = ra
      } else if ka != kb && ka == ko {
        guard ra == ro else { return .failure(.membership(openBaoConflict(name))) }
        recipient = rb
      } else if ra == ro {
        recipient = rb
      } else if rb == ro {
        recipient = ra
      } else {
        return .failure(
          .membership("the OpenBao recipient of \(name) changed on both branches"))
      }
      if let recipient { openBao.append(recipient) }
    }
    // Members: per member, the side that changed it; a removal wins over a change that
    // gave nothing new.
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
      } else if let mo, let kept = ma ?? mb, ma == nil || mb == nil,
        kept.identity == mo.identity, Set(kept.read).isSubset(of: mo.read),
        !kept.isOwner || mo.isOwner
      {
        chosen = nil
      } else {
        return .failure(.membership("member \(name) changed on both branches"))
      }
      if let chosen { members.append(chosen) }
    }
    for member in members where member.isOwner {
      for (file, branch) in [(ours, "this branch"), (theirs, "the other branch")]
      where !file.header.members.contains(where: { $0.isOwner && $0.identity == member.identity }) {
        let who = steadyOwners.isEmpty ? "an owner" : steadyOwners.joined(separator: " or ")
        return .failure(
          .membership(
            "\(member.name) is an owner only on \(branch == "this branch" ? "the other branch" : "this branch") while both branches changed the membership; \(who) makes it on \(branch) with `vault members set \(member.name) --owner` (or `vault members add \(member.name) IDENTITY --owner`), then merges"
          ))
      }
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
    // How many versions are kept: the side that changed it; both changed it differently
    // is a conflict like any header line.
    let limits = (ours.header.historyLimit, theirs.header.historyLimit)
    if limits.0 != limits.1 {
      let baseLimit = baseHeader?.historyLimit
      if limits.0 == baseLimit {
        header.historyLimit = limits.1
      } else if limits.1 != baseLimit {
        return .failure(.membership("the number of versions kept changed on both branches"))
      }
    }
    header.environments = environments
    header.openBao = openBao
    header.members = members
    header.seals = kept.sorted { ($0.environment, $0.member) < ($1.environment, $1.member) }
    return .success(header)
  }
}

/// Why an OpenBao recipient changed on one branch cannot merge with a re-key on the other.
private func openBaoConflict(_ environment: String) -> String {
  "\(environment) was re-keyed on one branch and its OpenBao recipient changed on the other;"
    + " merge the re-key alone, then run `vault env recipient` again"
}

extension VaultMerge.Conflict: Error {}
