/// Verification, decryption and changes: everything that needs keys.
extension VaultFile {
  /// The default environments of a new vault.
  public static let defaultEnvironments = ["dev", "prod", "staging"]

  /// A new vault whose only member and owner is `identity`, named `memberName`.
  public static func create(
    identity: Identity, memberName: String, environments: [String] = defaultEnvironments,
    path: String
  ) throws -> VaultFile {
    try Names.check(memberName, as: .member)
    for environment in environments { try Names.check(environment, as: .environment) }
    let sorted = environments.sorted()
    let member = Member(
      name: memberName, identity: identity.publicIdentity, isOwner: true, read: sorted,
      write: sorted)
    var keys: [EnvironmentKey] = []
    var seals: [Seal] = []
    for name in sorted {
      let pair = BoxKeyPair.generate()
      keys.append(EnvironmentKey(name: name, publicKey: pair.publicKey))
      seals.append(
        Seal(
          environment: name, member: memberName,
          box: try SealedBox.seal(pair.secretKey, to: identity.boxKeyPair.publicKey)))
    }
    let header = Header(
      vaultID: Sodium.randomBytes(16), members: [member], environments: keys, seals: seals,
      signer: [], signature: [])
    var file = VaultFile(path: path, header: header, headerSignedText: [], blocks: [])
    file.signHeader(with: identity)
    return file
  }

  /// Re-serializes and signs the header as `identity`, an owner, in the current format.
  /// Callers that change membership raise `header.generation` first (`bumpGeneration`).
  public mutating func signHeader(with identity: Identity) {
    header.formatVersion = formatVersionToWrite
    if header.generation == 0 { header.generation = 1 }
    let text = Self.headerText(header)
    header.signer = identity.signingKeyPair.publicKey
    header.signature = identity.signingKeyPair.sign(
      Signatures.header(vaultID: header.vaultID, signedText: text))
    headerSignedText = text
  }

  // MARK: Verifying

  /// Checks the membership rules and an owner's signature over the header.
  public func verifyHeader() throws {
    func fail(_ what: String, _ problem: IntegrityProblem) -> VaultError {
      .integrity(path: path, what: what, problem: problem)
    }
    guard header.members.contains(where: { $0.isOwner }) else {
      throw fail("members", .headerNotSignedByOwner)
    }
    // Linear checks over a handful of members: Set and Dictionary would cost a runtime
    // protocol-conformance lookup on every `exec`.
    for (index, member) in header.members.enumerated() {
      // Each key names one member: a signature's writer and a seal's reader are unambiguous.
      for other in header.members[..<index]
      where other.identity.signingKey == member.identity.signingKey
        || other.identity.boxKey == member.identity.boxKey
      {
        throw VaultError.malformed(
          path: path, line: 0, problem: .duplicate("identity of \(member.name)"))
      }
      for environment in member.read + member.write
      where !header.environments.contains(where: { $0.name == environment }) {
        throw VaultError.malformed(
          path: path, line: 0,
          problem: .badField("member \(member.name): unknown env \(environment)"))
      }
    }
    // Each OpenBao recipient names an environment of the header.
    for recipient in header.openBao
    where !header.environments.contains(where: { $0.name == recipient.environment }) {
      throw VaultError.malformed(
        path: path, line: 0,
        problem: .badField("openbao \(recipient.environment): unknown env"))
    }
    // Exactly one seal per (environment, reader), and none for anyone else. The parser
    // already refused duplicate seals, so equal counts and full coverage suffice.
    var readers = 0
    for member in header.members {
      for environment in member.read {
        readers += 1
        guard
          header.seals.contains(where: { $0.environment == environment && $0.member == member.name }
          )
        else {
          throw VaultError.malformed(
            path: path, line: 0, problem: .badField("seals do not match readers"))
        }
      }
    }
    guard readers == header.seals.count else {
      throw VaultError.malformed(
        path: path, line: 0, problem: .badField("seals do not match readers"))
    }
    guard let signer = header.member(signingKey: header.signer) else {
      throw fail("members", .unknownSigner)
    }
    guard signer.isOwner else {
      throw fail("members (signed by \(signer.name))", .headerNotSignedByOwner)
    }
    guard
      checkSignature(
        header.signature,
        message: Signatures.header(vaultID: header.vaultID, signedText: headerSignedText),
        publicKey: header.signer)
    else { throw fail("members", .badSignature) }
  }

  /// The verified group of (`project`, `environment`), or nil when it has no entries.
  /// Without `olderVersions`, the entry signatures of older versions are not checked (the
  /// group signature still covers their bytes): for readers of current values only, which
  /// never decrypt an older one (FileFormat.md, "Reading", step 5).
  public func group(project: String, environment: String, olderVersions: Bool = true) throws
    -> Group?
  {
    guard
      let block = blocks.first(where: { $0.project == project && $0.environment == environment })
    else { return nil }
    return try decode(block, olderVersions: olderVersions)
  }

  /// Every group, each verified.
  public func allGroups() throws -> [Group] {
    try blocks.map { try decode($0) }
  }

  /// Decodes a block strictly and verifies the group signature and every entry signature.
  /// `blindWriter` (a member being removed) is let through where it may write but not read,
  /// so its entries can be dropped.
  public func decode(_ block: Block, blindWriter: [UInt8]? = nil, olderVersions: Bool = true)
    throws -> Group
  {
    var lines = block.text.split(separator: 0x0A, omittingEmptySubsequences: false)
    lines.removeLast()  // the text ends with a newline
    func bad(_ offset: Int, _ problem: FormatProblem) -> VaultError {
      .malformed(path: path, line: block.line == 0 ? 0 : block.line + offset, problem: problem)
    }
    for (offset, line) in lines.enumerated() where line.contains(where: { $0 < 0x20 || $0 > 0x7E })
    {
      throw bad(offset, .invalidCharacter)
    }
    guard let f = LineCodec.fields(lines[0]), f.count == 5, f[0].elementsEqual("group".utf8),
      let signer = Base64URL.decode(f[3], length: 32),
      let signature = Base64URL.decode(f[4], length: 64)
    else { throw bad(0, .badField("group")) }
    var group = Group(
      project: block.project, environment: block.environment, signer: signer, signature: signature,
      entries: [])
    // Entries and tombstones share one strictly increasing name order.
    var lastName: String?
    func checkOrder(_ name: String, _ offset: Int, _ what: String) throws {
      if let lastName {
        if lastName == name { throw bad(offset, .duplicate("\(what) \(block.project)/\(block.environment)/\(name)")) }
        guard lastName < name else { throw bad(offset, .outOfOrder) }
      }
      lastName = name
    }
    for (offset, line) in lines.enumerated().dropFirst() {
      guard let fields = LineCodec.fields(line) else { throw bad(offset, .badField("entry")) }
      if fields[0].elementsEqual("flag".utf8) {
        guard let flag = LineCodec.parseFlag(fields, formatVersion: header.formatVersion),
          fields[1].elementsEqual(block.project.utf8),
          fields[2].elementsEqual(block.environment.utf8)
        else { throw bad(offset, .badField("flag")) }
        guard group.entries.contains(where: { $0.name == flag.name }) else {
          throw bad(offset, .badField("flag for a name with no entry"))
        }
        if let last = group.flags.last {
          if (last.name, last.member) == (flag.name, flag.member) {
            throw bad(offset, .duplicate("flag \(flag.name) \(flag.member)"))
          }
          guard (last.name, last.member) < (flag.name, flag.member) else {
            throw bad(offset, .outOfOrder)
          }
        }
        group.flags.append(flag)
        continue
      }
      if fields[0].elementsEqual("openai".utf8) {
        guard let link = LineCodec.parseOpenAI(fields, formatVersion: header.formatVersion),
          fields[1].elementsEqual(block.project.utf8),
          fields[2].elementsEqual(block.environment.utf8)
        else { throw bad(offset, .badField("openai")) }
        guard group.flags.isEmpty, group.rotations.isEmpty else { throw bad(offset, .outOfOrder) }
        // The order of the entry lines they describe: name, then version descending.
        if let last = group.links.last {
          if (last.name, last.version) == (link.name, link.version) {
            throw bad(offset, .duplicate("openai \(link.name) \(link.version)"))
          }
          guard last.name < link.name || (last.name == link.name && last.version > link.version)
          else { throw bad(offset, .outOfOrder) }
        }
        guard Self.holds(group, link.name, version: link.version) else {
          throw bad(offset, .badField("openai line for a version with no entry"))
        }
        group.links.append(link)
        continue
      }
      if fields[0].elementsEqual("rotation".utf8) {
        guard let rotation = LineCodec.parseRotation(fields, formatVersion: header.formatVersion),
          fields[1].elementsEqual(block.project.utf8),
          fields[2].elementsEqual(block.environment.utf8)
        else { throw bad(offset, .badField("rotation")) }
        guard group.flags.isEmpty else { throw bad(offset, .outOfOrder) }
        if let last = group.rotations.last {
          if last.name == rotation.name {
            throw bad(offset, .duplicate("rotation \(rotation.name)"))
          }
          guard last.name < rotation.name else { throw bad(offset, .outOfOrder) }
        }
        guard Self.holds(group, rotation.name, version: nil) else {
          throw bad(offset, .badField("rotation line for a name with no entry"))
        }
        group.rotations.append(rotation)
        continue
      }
      guard group.flags.isEmpty, group.links.isEmpty, group.rotations.isEmpty else {
        throw bad(offset, .outOfOrder)
      }
      if fields[0].elementsEqual("gone".utf8) {
        guard let gone = LineCodec.parseGone(fields, formatVersion: header.formatVersion),
          fields[1].elementsEqual(block.project.utf8),
          fields[2].elementsEqual(block.environment.utf8)
        else { throw bad(offset, .badField("gone")) }
        try checkOrder(gone.name, offset, "gone")
        group.gone.append(gone)
        continue
      }
      guard fields[0].elementsEqual("entry".utf8),
        let entry = LineCodec.parseEntry(fields, formatVersion: header.formatVersion)
      else { throw bad(offset, .badField("entry")) }
      guard entry.project == block.project, entry.environment == block.environment else {
        throw bad(offset, .unexpectedLine(expected: "entry \(block.project) \(block.environment)"))
      }
      guard line.elementsEqual(LineCodec.entryLine(entry).utf8) else {
        throw bad(offset, .nonCanonical("entry"))
      }
      // An older version follows its name's current entry line (or the older version
      // before it), with a strictly lower version (format version 3, "History").
      if let previous = group.history.last?.name == entry.name
        ? group.history.last : group.entries.last,
        previous.name == entry.name, lastName == entry.name
      {
        guard header.formatVersion >= 3 else {
          throw bad(offset, .duplicate("entry \(block.project)/\(block.environment)/\(entry.name)"))
        }
        if previous.version == entry.version {
          throw bad(offset, .duplicate("entry \(entry.label) version \(entry.version)"))
        }
        guard entry.version < previous.version else { throw bad(offset, .outOfOrder) }
        group.history.append(entry)
        continue
      }
      try checkOrder(entry.name, offset, "entry")
      group.entries.append(entry)
    }
    guard !group.entries.isEmpty || !group.gone.isEmpty else {
      throw bad(0, .badField("empty group"))
    }
    guard block.text.elementsEqual(LineCodec.groupText(group)) else {
      throw bad(0, .nonCanonical("group"))
    }
    try verify(group, blindWriter: blindWriter, olderVersions: olderVersions)
    return group
  }

  /// Whether `group` has a current entry line of `name` (`version` nil), or an entry line,
  /// current or older, of `name` at `version`. Binary searches over the sorted lines: an
  /// `openai` line costs no pass over the group (`exec` reads this way).
  static func holds(_ group: Group, _ name: String, version: UInt64?) -> Bool {
    var low = 0
    var high = group.entries.count
    while low < high {
      let mid = (low + high) / 2
      if group.entries[mid].name < name { low = mid + 1 } else { high = mid }
    }
    guard low < group.entries.count, group.entries[low].name == name else { return false }
    guard let version, group.entries[low].version != version else { return true }
    // Older versions: by name, then version descending.
    low = 0
    high = group.history.count
    while low < high {
      let mid = (low + high) / 2
      let entry = group.history[mid]
      if entry.name < name || (entry.name == name && entry.version > version) {
        low = mid + 1
      } else {
        high = mid
      }
    }
    return low < group.history.count && group.history[low].name == name
      && group.history[low].version == version
  }

  private func verify(_ group: Group, blindWriter: [UInt8]?, olderVersions: Bool) throws {
    let label = "\(group.project)/\(group.environment)"
    try checkWriter(group.signer, environment: group.environment, what: label, blind: blindWriter)
    guard
      checkSignature(
        group.signature,
        message: Signatures.group(
          vaultID: header.vaultID, signedText: LineCodec.groupSignedText(group)),
        publicKey: group.signer)
    else { throw VaultError.integrity(path: path, what: label, problem: .badSignature) }
    for entry in group.entries { try verifyEntry(entry, blindWriter: blindWriter) }
    // Older versions are checked like current ones, each its writer and signature, whenever
    // they may be read or written; a reader of current values (`exec`, `get`, `export`) skips
    // them: up to N − 1 Ed25519 verifications per name it would never use.
    guard olderVersions else { return }
    for entry in group.history { try verifyEntry(entry, blindWriter: blindWriter) }
  }

  private func verifyEntry(_ entry: Entry, blindWriter: [UInt8]?) throws {
    try checkWriter(
      entry.writer, environment: entry.environment, what: entry.label, blind: blindWriter)
    guard
      checkSignature(
        entry.signature,
        message: Signatures.entry(
          vaultID: header.vaultID, unsignedLine: LineCodec.entryUnsigned(entry)),
        publicKey: entry.writer)
    else { throw VaultError.integrity(path: path, what: entry.label, problem: .badSignature) }
  }

  /// Whether `signature` is `publicKey`'s Ed25519 signature of `message`: answered by the
  /// cache of verified signatures when there is one and it holds exactly these bytes.
  private func checkSignature(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8])
    -> Bool
  {
    if let verified {
      return verified.verify(signature: signature, message: message, publicKey: publicKey)
    }
    return SigningKeyPair.verify(signature: signature, message: message, publicKey: publicKey)
  }

  /// The signer of a group or entry must be a member who can write and read `environment`,
  /// and not an identity this person saw removed (`retired`).
  private func checkWriter(
    _ key: [UInt8], environment: String, what: String, blind: [UInt8]? = nil
  ) throws {
    guard let member = header.member(signingKey: key) else {
      throw VaultError.integrity(path: path, what: what, problem: .unknownSigner)
    }
    let problem: IntegrityProblem
    if !member.write.contains(environment) {
      problem = .signerCannotWrite
    } else if !member.read.contains(environment) {
      if key == blind { return }
      problem = .signerCannotRead
    } else if retired.contains(where: { $0.identity == member.identity }) {
      problem = .signerRemoved
    } else {
      return
    }
    throw VaultError.integrity(path: path, what: "\(what) (signed by \(member.name))", problem: problem)
  }

  // MARK: Reading

  /// "No environment NAME", naming the environments this vault has.
  public func environmentNotFound(_ name: String) -> VaultError {
    .environmentNotFound(name, available: header.environments.map(\.name))
  }

  /// The member `identity` is in this vault.
  public func member(for identity: Identity) throws -> Member {
    guard let member = header.member(for: identity.publicIdentity) else {
      throw VaultError.notAMember(path: path)
    }
    return member
  }

  /// Opens `identity`'s sealed copy of `environment`'s key pair.
  public func environmentKeyPair(
    _ environment: String, project: String, identity: Identity
  ) throws -> BoxKeyPair {
    let member = try member(for: identity)
    guard let key = header.environment(environment) else {
      throw environmentNotFound(environment)
    }
    guard member.read.contains(environment),
      let seal = header.seals.first(where: {
        $0.environment == environment && $0.member == member.name
      })
    else {
      throw VaultError.cannotRead(member: member.name, project: project, environment: environment)
    }
    let pair: BoxKeyPair
    do {
      pair = try BoxKeyPair(secretKey: SealedBox.open(seal.box, with: identity.boxKeyPair))
    } catch {
      throw VaultError.integrity(
        path: path, what: "seal \(environment) \(member.name)", problem: .decryptionFailed)
    }
    guard pair.publicKey == key.publicKey else {
      throw VaultError.integrity(path: path, what: "env \(environment)", problem: .keyMismatch)
    }
    return pair
  }

  /// Whether `entry` names an environment key other than its environment's current one
  /// (format version 3): it was encrypted before a re-key and reached this file without
  /// being re-encrypted (git's text merge, without the vault merge driver). Nobody holding
  /// only the current key can read it; its writer stores it again. An entry of the version 2
  /// form names no key: false.
  public func isUnderRetiredKey(_ entry: Entry) -> Bool {
    guard let id = entry.keyID, let key = header.environment(entry.environment) else {
      return false
    }
    return id != EntryCipher.keyID(of: key.publicKey)
  }

  /// Decrypts one verified entry with `environmentKey`. Callers that read with the
  /// environment's current key check `isUnderRetiredKey` first (`read` does).
  public func open(_ entry: Entry, with environmentKey: BoxKeyPair) throws -> SecretBytes {
    let ad = Signatures.associatedData(
      vaultID: header.vaultID, project: entry.project, environment: entry.environment,
      name: entry.name, version: entry.version)
    do {
      return try EntryCipher.open(entry.sealed, with: environmentKey, associatedData: ad)
    } catch {
      throw VaultError.integrity(path: path, what: entry.label, problem: .decryptionFailed)
    }
  }

  /// The error for an entry encrypted to a retired key, naming its writer.
  public func retiredKey(_ entry: Entry) -> VaultError {
    .retiredKey(
      label: entry.label, environment: entry.environment,
      writer: header.member(signingKey: entry.writer)?.name ?? "?")
  }

  /// Every entry of (`project`, `environment`), verified and decrypted, sorted by name.
  public func secrets(
    project: String, environment: String, identity: Identity
  ) throws -> [(entry: Entry, value: SecretBytes)] {
    try read(project: project, environment: environment, identity: identity).secrets
  }

  /// The same, with the group's exposure flags (`exec` warns about values a removed member
  /// wrote).
  public func read(
    project: String, environment: String, identity: Identity
  ) throws -> (secrets: [(entry: Entry, value: SecretBytes)], flags: [ExposureFlag]) {
    let keyPair = try environmentKeyPair(environment, project: project, identity: identity)
    return try read(project: project, environment: environment, keyPair: keyPair)
  }

  /// The same with the environment's key pair already opened (by OpenBao, for a reader
  /// without an identity).
  public func read(
    project: String, environment: String, keyPair: BoxKeyPair
  ) throws -> (secrets: [(entry: Entry, value: SecretBytes)], flags: [ExposureFlag]) {
    guard
      let group = try group(project: project, environment: environment, olderVersions: false)
    else { return ([], []) }
    // An entry under a retired key is named before anything is decrypted: the first one
    // found is the error. One key id per group, compared byte for byte (`exec`'s path).
    let current = EntryCipher.keyID(of: keyPair.publicKey)
    for entry in group.entries {
      if let id = entry.keyID, id != current { throw retiredKey(entry) }
    }
    let secrets = try group.entries.map { ($0, try open($0, with: keyPair)) }
    // The signatures newly verified are remembered once everything read checked out.
    verified?.save()
    return (secrets, group.flags)
  }

  // MARK: Changing

  /// Stores `values` as new versions in (`project`, `environment`), signed by `identity`,
  /// and re-signs the group. Returns the new entries.
  ///
  /// A new version has no OpenAI link (a new value is a different key until linked) unless
  /// `link` is given: it is attached to the new version of `link.name`, which this call must
  /// write (its `version` is replaced by the new version's). `rotation`: `.some(r)` sets or
  /// replaces the pending rotation of `r.name` (a name of the group after this write),
  /// `.some(nil)` clears the pending rotation of every name this call writes, nil leaves
  /// rotations as they are (a rotation line survives a new version of its name). One write,
  /// one group signature (FileFormat.md, "OpenAI links and rotations").
  @discardableResult
  public mutating func set(
    _ values: [(name: String, value: SecretBytes)], project: String, environment: String,
    identity: Identity, now: String = Timestamp.now(), link: OpenAILink? = nil,
    rotation: PendingRotation?? = nil
  ) throws -> [Entry] {
    let link = link.map(Self.normalized)
    if let link {
      try Self.check(link)
      guard values.contains(where: { $0.name == link.name }) else {
        throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(link.name)")
      }
    }
    var setsRotation = false
    if case .some(.some(let pending)) = rotation {
      try Self.check(pending)
      setsRotation = true
    }
    if link != nil || setsRotation, header.formatVersion < 3 {
      throw VaultError.openAILinesNeedVersion3(path: path)
    }
    try Names.check(project, as: .project)
    try Names.check(environment, as: .environment)
    let member = try member(for: identity)
    guard let key = header.environment(environment) else {
      throw environmentNotFound(environment)
    }
    guard member.canWrite(environment) else {
      throw VaultError.cannotWrite(member: member.name, environment: environment)
    }
    try checkNoRetiredReader(of: environment)
    // Nor while someone who left without a re-key still holds the environment's key.
    if let gone = departed.first(where: { $0.environments.contains(environment) }) {
      throw VaultError.departedReader(member: gone.name, environment: environment)
    }
    let existing = try group(project: project, environment: environment)
    var entries = existing?.entries ?? []
    var flags = existing?.flags ?? []
    var gone = existing?.gone ?? []
    var history = existing?.history ?? []
    var written: [Entry] = []
    for (name, value) in values {
      try Names.check(name, as: .name)
      // A longer value would pad past what readers accept: refuse it rather than write an
      // entry nobody can read.
      guard value.count <= EntryCipher.maximumValueLength else {
        throw VaultError.valueTooLong(
          label: "\(project)/\(environment)/\(name)", limit: EntryCipher.maximumValueLength)
      }
      // Versions keep counting after `rm`: a tombstone holds the last one.
      let last = entries.first { $0.name == name }?.version ?? gone.first { $0.name == name }?.version
      let version = (last ?? 0) + 1
      let entry = try sealed(
        Entry(
          project: project, environment: environment, name: name, version: version, created: now,
          writer: [], sealed: EntryCipher.Sealed(ephemeralPublicKey: [], nonce: [], ciphertext: []),
          signature: []),
        value: value, to: key.publicKey, by: identity)
      // The version it replaces is kept, encrypted and signed as it was ("History").
      history += entries.filter { $0.name == name }
      entries.removeAll { $0.name == name }
      gone.removeAll { $0.name == name }
      entries.append(entry)
      // A new version is not exposed to anyone removed before it existed.
      flags.removeAll { $0.name == name }
      written.append(entry)
    }
    // Older versions keep their links (trimming drops those of versions it drops); the new
    // versions have none but the one `link` gives.
    var links = existing?.links ?? []
    if let link, let entry = written.last(where: { $0.name == link.name }) {
      var attached = link
      attached.version = entry.version
      links.append(attached)
    }
    var rotations = existing?.rotations ?? []
    switch rotation {
    case .some(.some(let pending)):
      guard entries.contains(where: { $0.name == pending.name }) else {
        throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(pending.name)")
      }
      rotations.removeAll { $0.name == pending.name }
      rotations.append(pending)
    case .some(.none):
      rotations.removeAll { old in values.contains { $0.name == old.name } }
    case .none:
      break
    }
    try replaceGroup(
      project: project, environment: environment, entries: entries, flags: flags, gone: gone,
      history: Self.trimmed(history, keeping: header.versionsKept), links: links,
      rotations: rotations, identity: identity)
    return written
  }

  /// Adds, or replaces, the OpenAI link of version `link.version` of `link.name` in
  /// (`project`, `environment`) (current or older), signed by `identity` under the same rules
  /// as `set`; the value is not touched. Throws `entryNotFound` for a name the group does not
  /// hold, `versionNotFound` for a version it does not keep, and `invalidOpenAIField` for an
  /// id or scope a vault line cannot hold.
  public mutating func setLink(
    _ link: OpenAILink, project: String, environment: String, identity: Identity
  ) throws {
    let link = Self.normalized(link)
    try Self.check(link)
    try changeOpenAILines(project: project, environment: environment, identity: identity) {
      group in
      let label = "\(project)/\(environment)/\(link.name)"
      guard let current = group.entries.first(where: { $0.name == link.name }) else {
        throw VaultError.entryNotFound(label: label)
      }
      guard Self.holds(group, link.name, version: link.version) else {
        let kept = [current.version] + group.history.filter { $0.name == link.name }.map(\.version)
        throw VaultError.versionNotFound(label: label, version: link.version, kept: kept)
      }
      group.links.removeAll { $0.name == link.name && $0.version == link.version }
      group.links.append(link)
    }
  }

  /// Sets, replaces (`rotation` given) or clears (nil) the pending rotation of `name` in
  /// (`project`, `environment`), signed by `identity` under the same rules as `set`. A
  /// rotation needs a current entry of `name` (`entryNotFound`); clearing one that is not
  /// there writes nothing.
  public mutating func setRotation(
    _ rotation: PendingRotation?, name: String, project: String, environment: String,
    identity: Identity
  ) throws {
    if let rotation {
      try Self.check(rotation)
      guard rotation.name == name else {
        throw VaultError.invalidOpenAIField(
          field: "rotation name", shown: Printable.escaped(rotation.name, limit: 80))
      }
    }
    try changeOpenAILines(project: project, environment: environment, identity: identity) {
      group in
      guard group.entries.contains(where: { $0.name == name }) else {
        throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(name)")
      }
      group.rotations.removeAll { $0.name == name }
      if let rotation { group.rotations.append(rotation) }
    }
  }

  /// Applies `change` to the verified group of (`project`, `environment`) and signs it as
  /// `identity`, who must read and write the environment as for `set`; nothing is written
  /// when the change leaves the group as it was.
  private mutating func changeOpenAILines(
    project: String, environment: String, identity: Identity,
    _ change: (inout Group) throws -> Void
  ) throws {
    try Names.check(project, as: .project)
    try Names.check(environment, as: .environment)
    let member = try member(for: identity)
    guard header.environment(environment) != nil else { throw environmentNotFound(environment) }
    guard member.canWrite(environment) else {
      throw VaultError.cannotWrite(member: member.name, environment: environment)
    }
    guard header.formatVersion >= 3 else {
      throw VaultError.openAILinesNeedVersion3(path: path)
    }
    guard let existing = try group(project: project, environment: environment) else {
      throw VaultError.noEntries(project: project, environment: environment, holdings: [])
    }
    var group = existing
    try change(&group)
    guard group.links != existing.links || group.rotations != existing.rotations else { return }
    try replaceGroup(
      project: project, environment: environment, entries: group.entries, flags: group.flags,
      gone: group.gone, history: group.history, links: group.links, rotations: group.rotations,
      identity: identity)
  }

  /// `link` with its scopes sorted and each once: the one order a line holds them in.
  static func normalized(_ link: OpenAILink) -> OpenAILink {
    var copy = link
    var scopes: [String] = []
    for scope in link.scopes.sorted() where scopes.last != scope { scopes.append(scope) }
    copy.scopes = scopes
    return copy
  }

  /// Refuses a link whose fields a vault line cannot hold (`invalidOpenAIField`).
  static func check(_ link: OpenAILink) throws {
    try checkID(link.project, "project id")
    try checkID(link.keyID, "key id")
    if let account = link.account { try checkID(account, "service account id") }
    guard link.scopes.count <= OpenAILink.maximumScopes else {
      throw VaultError.invalidOpenAIField(
        field: "scope list",
        shown: "\(link.scopes.count) scopes (at most \(OpenAILink.maximumScopes))")
    }
    for scope in link.scopes where !OpenAILink.isValidScope(scope) {
      throw VaultError.invalidOpenAIField(field: "scope", shown: shown(scope))
    }
  }

  /// Refuses a rotation whose fields a vault line cannot hold, or whose step does not match
  /// its new key (`started` has none, `stored` and `manual` have one).
  static func check(_ rotation: PendingRotation) throws {
    try Names.check(rotation.name, as: .name)
    guard Timestamp.isValid(Array(rotation.time.utf8)[...]) else {
      throw VaultError.invalidOpenAIField(field: "rotation time", shown: shown(rotation.time))
    }
    try checkID(rotation.project, "project id")
    try checkID(rotation.oldKey, "key id")
    if let account = rotation.oldAccount { try checkID(account, "service account id") }
    if let key = rotation.newKey { try checkID(key, "key id") }
    if let account = rotation.newAccount { try checkID(account, "service account id") }
    switch rotation.step {
    case .started where rotation.newKey != nil || rotation.newAccount != nil:
      throw VaultError.invalidOpenAIField(
        field: "rotation step", shown: "started, with a new key")
    case .stored where rotation.newKey == nil, .manual where rotation.newKey == nil:
      throw VaultError.invalidOpenAIField(
        field: "rotation step", shown: "\(rotation.step.rawValue), without a new key")
    default:
      break
    }
  }

  private static func checkID(_ id: String, _ field: String) throws {
    guard OpenAILink.isValidID(id) else {
      throw VaultError.invalidOpenAIField(field: field, shown: shown(id))
    }
  }

  /// What a message may show of a refused id: redacted when it looks like a key.
  private static func shown(_ value: String) -> String {
    Names.shown(value, looksLikeSecret: Names.looksLikeSecret(value))
  }

  /// `history` sorted by name then version descending, with at most `keeping` − 1 older
  /// versions of each name (the current version is the one more kept).
  static func trimmed(_ history: [Entry], keeping: UInt64) -> [Entry] {
    var result: [Entry] = []
    var count: UInt64 = 0
    for entry in history.sorted(by: { ($0.name, $1.version) < ($1.name, $0.version) }) {
      count = result.last?.name == entry.name ? count + 1 : 1
      if count < keeping { result.append(entry) }
    }
    return result
  }

  /// `entry` with `value` encrypted to `environmentKey` under the entry's label and version,
  /// and `identity` as its writer and signer.
  func sealed(
    _ entry: Entry, value: SecretBytes, to environmentKey: [UInt8], by identity: Identity
  ) throws -> Entry {
    var copy = entry
    // Version 3 files name the key on every entry written (FileFormat.md, "Key ids").
    copy.keyID = header.formatVersion >= 3 ? EntryCipher.keyID(of: environmentKey) : nil
    copy.sealed = try EntryCipher.seal(
      value, to: environmentKey,
      associatedData: Signatures.associatedData(
        vaultID: header.vaultID, project: entry.project, environment: entry.environment,
        name: entry.name, version: entry.version))
    return resigned(copy, by: identity)
  }

  /// `entry` with `identity` as its writer, signed again.
  func resigned(_ entry: Entry, by identity: Identity) -> Entry {
    var copy = entry
    copy.writer = identity.signingKeyPair.publicKey
    copy.signature = identity.signingKeyPair.sign(
      Signatures.entry(vaultID: header.vaultID, unsignedLine: LineCodec.entryUnsigned(copy)))
    return copy
  }

  /// Refuses to encrypt anything new for `environment` while a member seen removed earlier
  /// can read it.
  func checkNoRetiredReader(of environment: String, except removed: String? = nil) throws {
    for member in header.members
    where member.name != removed && retired.contains(where: { $0.identity == member.identity })
      && member.read.contains(environment)
    {
      throw VaultError.sealsToRemovedMember(member: member.name, environment: environment)
    }
  }

  /// Removes `name` from (`project`, `environment`) and re-signs the group. In a version 2
  /// file a tombstone keeps the name's last version, so the next value stored under it is
  /// one version later (a version 1 header has no tombstones: versions restart there).
  public mutating func remove(
    _ name: String, project: String, environment: String, identity: Identity,
    now: String = Timestamp.now()
  ) throws {
    let member = try member(for: identity)
    guard member.canWrite(environment) else {
      throw VaultError.cannotWrite(member: member.name, environment: environment)
    }
    let existing = try group(project: project, environment: environment)
    var entries = existing?.entries ?? []
    guard entries.contains(where: { $0.name == name }) else {
      throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(name)")
    }
    var gone = existing?.gone ?? []
    if header.formatVersion >= 2, let removed = entries.first(where: { $0.name == name }) {
      gone.append(Tombstone(name: name, version: removed.version, time: now))
    }
    entries.removeAll { $0.name == name }
    let flags = (existing?.flags ?? []).filter { $0.name != name }
    // Its older versions go with it: `rm` removes values, the tombstone keeps the count.
    let history = (existing?.history ?? []).filter { $0.name != name }
    // So do its links and its pending rotation (replaceGroup keeps only lines of entries).
    try replaceGroup(
      project: project, environment: environment, entries: entries, flags: flags, gone: gone,
      history: history, links: existing?.links ?? [], rotations: existing?.rotations ?? [],
      identity: identity)
  }

  /// Replaces the group of (`project`, `environment`) by these lines, signed by `identity`;
  /// a group with neither entries nor tombstones is removed. Older versions (`history`) of a
  /// name with no current entry are dropped, and so are links of a version no entry line
  /// holds and rotations of a name with no current entry: a trimmed, removed or re-keyed
  /// version takes its link with it.
  mutating func replaceGroup(
    project: String, environment: String, entries: [Entry], flags: [ExposureFlag],
    gone: [Tombstone], history: [Entry], links: [OpenAILink], rotations: [PendingRotation],
    identity: Identity
  ) throws {
    let index =
      blocks.firstIndex { ($0.project, $0.environment) >= (project, environment) } ?? blocks.count
    let replacing =
      index < blocks.count && blocks[index].project == project
      && blocks[index].environment == environment
    if entries.isEmpty && gone.isEmpty {
      if replacing { blocks.remove(at: index) }
      return
    }
    var group = Group(
      project: project, environment: environment, signer: identity.signingKeyPair.publicKey,
      signature: [], entries: entries.sorted { $0.name < $1.name },
      history: history.filter { old in entries.contains { $0.name == old.name } }
        .sorted { ($0.name, $1.version) < ($1.name, $0.version) },
      gone: gone.sorted { $0.name < $1.name },
      flags: flags.sorted { ($0.name, $0.member) < ($1.name, $1.member) })
    group.links = links.filter { Self.holds(group, $0.name, version: $0.version) }
      .sorted { ($0.name, $1.version) < ($1.name, $0.version) }
    group.rotations = rotations.filter { Self.holds(group, $0.name, version: nil) }
      .sorted { $0.name < $1.name }
    group.signature = identity.signingKeyPair.sign(
      Signatures.group(vaultID: header.vaultID, signedText: LineCodec.groupSignedText(group)))
    let text = LineCodec.groupText(group)
    let block = Block(project: project, environment: environment, text: text[...], line: 0)
    if replacing {
      blocks[index] = block
    } else {
      blocks.insert(block, at: index)
    }
  }
}
