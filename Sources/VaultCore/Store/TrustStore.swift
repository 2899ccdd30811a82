import Glibc

/// What this person has seen of each vault, kept under
/// `${XDG_STATE_HOME:-~/.local/state}/vault/` like SSH's known_hosts (TeamVaults.md, "Local
/// trust state"):
///
/// - `paths/<fingerprint of the vault's real path>`: the vault id first seen at that file, so
///   a vault with another id pasted over it is refused;
/// - `trust/<vault id>`: the highest membership generation seen, the owners' signing keys,
///   the members last seen with the environment keys they held, and the identities seen
///   removed with the keys they held when last seen.
///
/// Trust only moves forward: a header older than the highest generation seen is a rollback
/// and is refused; an identity once seen removed is never pinned again, and nothing it signs
/// is accepted; a header whose owners changed must be signed by a pinned owner.
public struct TrustStore: Sendable {
  /// `${XDG_STATE_HOME:-~/.local/state}/vault`.
  public let directory: String
  /// A pin kept outside the repository (`VAULT_PIN`), for readers without state (CI).
  public let pin: Pin?

  public init(directory: String, pin: Pin? = nil) {
    self.directory = directory
    self.pin = pin
  }

  /// `VAULT_PIN`: a vault id, a minimum generation and the owners allowed to sign the header,
  /// as `<vault id>:<generation>:<fingerprint>[,<fingerprint>…]` (`vault trust --pin` prints
  /// it). A stateless reader given it refuses a rolled-back header and a header signed by
  /// anyone else, as a reader with state does.
  public struct Pin: Sendable, Equatable, CustomStringConvertible {
    public var vaultID: [UInt8]
    public var generation: UInt64
    /// Owner fingerprints (`PublicIdentity.fingerprint`), sorted.
    public var owners: [String]

    public init(vaultID: [UInt8], generation: UInt64, owners: [String]) {
      self.vaultID = vaultID
      self.generation = generation
      self.owners = owners.sorted()
    }

    /// Parses the text form; nil when it is malformed.
    public init?(_ text: String) {
      let parts = Array(text.utf8).split(separator: 0x3A, omittingEmptySubsequences: false)
      guard parts.count == 3, let id = Base64URL.decode(parts[0], length: 16),
        let generation = IdentityFile.parseDecimal(parts[1]),
        generation <= UInt64(Int64.max)
      else { return nil }
      var owners: [String] = []
      for owner in parts[2].split(separator: 0x2C, omittingEmptySubsequences: false) {
        guard Base64URL.decode(owner, length: 16) != nil else { return nil }
        owners.append(String(decoding: owner, as: UTF8.self))
      }
      self.init(vaultID: id, generation: generation, owners: owners)
    }

    public var description: String {
      "\(Base64URL.encode(vaultID)):\(generation):\(owners.joined(separator: ","))"
    }
  }

  /// What is remembered about one vault. Kept in sorted arrays, not sets or dictionaries:
  /// this runs on every `exec`, and each new Set or Dictionary type costs a runtime
  /// protocol-conformance lookup there.
  struct State: Equatable {
    /// An environment a member could read, and the key id (`EntryCipher.keyID`) of its key
    /// then.
    struct Held: Equatable {
      var environment: String
      var keyID: [UInt8]
    }

    /// A public identity and the member name it had.
    struct Known: Equatable {
      var identity: PublicIdentity
      var name: String
      /// The environments it could read, with their keys' ids, when last seen as a member;
      /// nil when a release before trust state version 3 recorded it.
      var held: [Held]? = nil
      /// For a removed identity: the highest generation at which it was seen a member (0 when
      /// unknown).
      var generation: UInt64 = 0
    }

    /// The highest membership generation seen.
    var generation: UInt64 = 0
    /// Owners' signing keys, base64url, sorted. Never an identity in `removed`.
    var owners: [String] = []
    var members: [Known] = []
    var removed: [Known] = []

    /// `dev:KEYID,prod:KEYID`, or `-` for none.
    static func heldText(_ held: [Held]) -> String {
      held.isEmpty
        ? "-"
        : held.map { "\($0.environment):\(Base64URL.encode($0.keyID))" }.joined(separator: ",")
    }

    static func parseHeld(_ field: ArraySlice<UInt8>) -> [Held]? {
      if field.elementsEqual("-".utf8) { return [] }
      var held: [Held] = []
      for part in field.split(separator: 0x2C, omittingEmptySubsequences: false) {
        let pieces = part.split(separator: 0x3A, omittingEmptySubsequences: false)
        guard pieces.count == 2, Names.isValidEnvironment(pieces[0]),
          let id = Base64URL.decode(pieces[1], length: EntryCipher.keyIDLength)
        else { return nil }
        held.append(Held(environment: String(decoding: pieces[0], as: UTF8.self), keyID: id))
      }
      return held
    }

    func serialized() -> [UInt8] {
      var lines = ["vault-trust 3", "generation \(generation)"]
      lines += owners.map { "owner \($0)" }
      lines += members.map {
        "member \($0.identity.description) \($0.name)"
          + ($0.held.map { " " + Self.heldText($0) } ?? "")
      }.sorted()
      lines += removed.map {
        "removed \($0.identity.description) \($0.name)"
          + ($0.held.map { [generation = $0.generation] in
            " \(generation) " + Self.heldText($0)
          } ?? "")
      }.sorted()
      return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Parses a state file; `vault-trust 1` (no generation line) is generation 0, and
    /// `vault-trust 2` has no held keys.
    static func parse(_ bytes: [UInt8], path: String) throws -> State {
      var state = State()
      let lines = bytes.split(separator: 0x0A)
      var rest = lines.dropFirst()
      if lines.first?.elementsEqual("vault-trust 2".utf8) == true
        || lines.first?.elementsEqual("vault-trust 3".utf8) == true
      {
        let fields = rest.first?.split(separator: 0x20) ?? []
        guard fields.count == 2, fields[0].elementsEqual("generation".utf8),
          let generation = IdentityFile.parseDecimal(fields[1])
        else {
          throw VaultError.malformed(path: path, line: 2, problem: .badField("trust generation"))
        }
        state.generation = generation
        rest = rest.dropFirst()
      } else if lines.first?.elementsEqual("vault-trust 1".utf8) != true {
        throw VaultError.malformed(path: path, line: 1, problem: .wrongMagic)
      }
      // Indices, not `zip(rest.indices, rest)`: the first Zip2Sequence of these types costs
      // two runtime protocol-conformance lookups, a sixth of a warm `exec`'s instructions.
      for index in rest.indices {
        let line = rest[index]
        let fields = line.split(separator: 0x20)
        let bad = VaultError.malformed(path: path, line: index + 1, problem: .badField("trust"))
        switch (fields.first.map { String(decoding: $0, as: UTF8.self) }, fields.count) {
        case ("owner", 2):
          guard Base64URL.decode(fields[1], length: 32) != nil else { throw bad }
          state.owners.append(String(decoding: fields[1], as: UTF8.self))
        case ("member", 3), ("removed", 3), ("member", 4), ("removed", 5):
          guard let identity = PublicIdentity(utf8: fields[1]), Names.isValidMember(fields[2])
          else {
            throw bad
          }
          var known = Known(identity: identity, name: String(decoding: fields[2], as: UTF8.self))
          if fields.count == 4 {
            guard let held = parseHeld(fields[3]) else { throw bad }
            known.held = held
          } else if fields.count == 5 {
            guard let generation = IdentityFile.parseDecimal(fields[3]),
              let held = parseHeld(fields[4])
            else { throw bad }
            known.generation = generation
            known.held = held
          }
          if fields[0].elementsEqual("member".utf8) {
            state.members.append(known)
          } else {
            state.removed.append(known)
          }
        default:
          throw bad
        }
      }
      state.owners.sort()
      return state
    }

    init() {}

    /// What `header` says, remembering `removed` and the higher of the two generations. An
    /// identity in `removed` is never pinned as an owner. Each member is remembered with the
    /// keys of the environments it reads (`keyIDs`: each environment's key id).
    init(
      _ header: Header, keyIDs: [(String, [UInt8])], removed: [Known] = [],
      generation seen: UInt64 = 0
    ) {
      generation = max(header.generation, seen)
      self.removed = removed
      owners = header.members.filter { $0.isOwner && !wasRemoved($0.identity) }
        .map { Base64URL.encode($0.identity.signingKey) }.sorted()
      members = header.members.map { member in
        Known(
          identity: member.identity, name: member.name,
          held: member.read.compactMap { environment in
            keyIDs.first { $0.0 == environment }.map { Held(environment: environment, keyID: $0.1) }
          })
      }
    }

    /// `known` as a removed identity: the keys it held, and the generation last seen.
    func departing(_ known: Known) -> Known {
      var removed = known
      removed.generation = generation
      return removed
    }

    /// Identities seen removed (or vanished now) that are not members of `header` while an
    /// environment there still has a key they held: they left without a re-key.
    static func departed(
      _ removed: [Known], header: Header, keyIDs: [(String, [UInt8])]
    ) -> [DepartedMember] {
      removed.compactMap { known in
        guard let held = known.held,
          !header.members.contains(where: { $0.identity == known.identity })
        else { return nil }
        let stale = held.filter { h in
          keyIDs.contains { $0.0 == h.environment && $0.1 == h.keyID }
        }.map(\.environment)
        guard !stale.isEmpty else { return nil }
        return DepartedMember(
          name: known.name, identity: known.identity, generation: known.generation,
          environments: stale)
      }
    }

    func isMember(_ identity: PublicIdentity) -> Bool {
      members.contains { $0.identity == identity }
    }

    func wasRemoved(_ identity: PublicIdentity) -> Bool {
      removed.contains { $0.identity == identity }
    }
  }

  private func statePath(_ vaultID: [UInt8]) -> String {
    directory + "/trust/" + Base64URL.encode(vaultID)
  }

  /// The binding file of a vault path: named after its real path, so every spelling of the
  /// same file (`./.vault`, `$HOME//repo/.vault`, a path through a symlinked directory) shares
  /// one binding.
  private func bindingPath(_ vaultPath: String) -> String {
    directory + "/paths/" + Base64URL.encode(Sodium.blake2b(Array(Self.realPath(vaultPath).utf8), length: 16))
  }

  /// `realpath(3)` of `path`, or `path` itself when it cannot be resolved.
  static func realPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  private func load(_ vaultID: [UInt8]) throws -> State? {
    let path = statePath(vaultID)
    guard let contents = try FileSystem.read(path, maximumSize: 1 << 20) else { return nil }
    return try State.parse(contents.bytes, path: path)
  }

  private func save(_ state: State, for vaultID: [UInt8]) throws {
    let path = statePath(vaultID)
    try FileSystem.makeDirectories(Paths.directory(of: path))
    try FileSystem.writeAtomically(path, state.serialized())
  }

  private func bind(_ file: VaultFile) throws {
    let binding = bindingPath(file.path)
    try FileSystem.makeDirectories(Paths.directory(of: binding))
    try FileSystem.writeAtomically(
      binding, Array((Base64URL.encode(file.header.vaultID) + "\n").utf8))
  }

  /// Checks `file` against `VAULT_PIN` and what was seen before, and remembers what is new.
  /// Fills `file.retired` with members seen removed earlier who are back. Returns the owners
  /// pinned when this is the first time this vault is seen (trust on first use), else nil.
  /// With `ownWrite`, the header was just signed by this person, who trusts themselves.
  @discardableResult
  public func check(_ file: inout VaultFile, ownWrite: Bool = false) throws -> [Member]? {
    let header = file.header
    let binding = bindingPath(file.path)
    let id = Base64URL.encode(header.vaultID)
    if let contents = try FileSystem.read(binding, maximumSize: 4096) {
      guard contents.bytes.elementsEqual((id + "\n").utf8) else {
        throw VaultError.vaultReplaced(path: file.path)
      }
    } else {
      try bind(file)
    }
    if let pin { try check(file, against: pin) }
    // Arrays of pairs, not a Dictionary: this runs on every `exec`.
    let keyIDs = Self.keyIDs(header)
    guard let state = try load(header.vaultID) else {
      // First open: trust on first use, like SSH; the caller says whom it pinned.
      try save(State(header, keyIDs: keyIDs), for: header.vaultID)
      return header.members.filter(\.isOwner)
    }
    if let signer = header.signingMember, state.wasRemoved(signer.identity) {
      throw VaultError.removedSigner(path: file.path, member: signer.name)
    }
    // Members seen earlier and absent now join the identities seen removed, with the keys
    // they held: if those keys are still the environments' keys, they left without a re-key
    // (a `git revert` of `members add`), and the refusal or `status` says so.
    var removed = state.removed
    for known in state.members
    where !header.members.contains(where: { $0.identity == known.identity })
      && !state.wasRemoved(known.identity)
    {
      removed.append(state.departing(known))
    }
    if header.generation < state.generation {
      let departed = State.departed(removed, header: header, keyIDs: keyIDs)
      guard departed.isEmpty else {
        throw VaultError.rollbackWithoutRekey(
          path: file.path, generation: header.generation, seen: state.generation,
          departed: departed)
      }
      throw VaultError.rollback(
        path: file.path, generation: header.generation, seen: state.generation, pinned: false)
    }
    let remembered = State(
      header, keyIDs: keyIDs, removed: removed, generation: state.generation)
    if !ownWrite && remembered.owners != state.owners
      && !state.owners.contains(Base64URL.encode(header.signer))
    {
      throw VaultError.untrustedOwners(path: file.path, trustFile: statePath(header.vaultID))
    }
    file.retired = header.members.filter { remembered.wasRemoved($0.identity) }
    file.departed = State.departed(remembered.removed, header: header, keyIDs: keyIDs)
    if remembered != state { try save(remembered, for: header.vaultID) }
    return nil
  }

  /// Each environment's name and key id.
  static func keyIDs(_ header: Header) -> [(String, [UInt8])] {
    header.environments.map { ($0.name, EntryCipher.keyID(of: $0.publicKey)) }
  }

  /// The stateless check: the vault `pin` names, at its generation or later, its header
  /// signed by an owner it names.
  private func check(_ file: VaultFile, against pin: Pin) throws {
    let header = file.header
    guard header.vaultID == pin.vaultID else {
      throw VaultError.pinMismatch(path: file.path)
    }
    if header.generation < pin.generation {
      throw VaultError.rollback(
        path: file.path, generation: header.generation, seen: pin.generation, pinned: true)
    }
    guard let signer = header.signingMember, pin.owners.contains(signer.identity.fingerprint)
    else {
      throw VaultError.untrustedOwners(path: file.path, trustFile: "VAULT_PIN")
    }
  }

  /// Pins the current owners, members and generation of `file` after the person checked them
  /// (`vault trust`), keeping every identity seen removed: none of them is pinned again, and a
  /// header one of them signed is refused. An older generation than the highest seen (an old
  /// copy opened on purpose) is accepted only with `acceptRollback`.
  public func accept(_ file: VaultFile, acceptRollback: Bool = false) throws {
    let header = file.header
    let state = try load(header.vaultID)
    var removed = state?.removed ?? []
    if let signer = header.signingMember, removed.contains(where: { $0.identity == signer.identity })
    {
      throw VaultError.removedSigner(path: file.path, member: signer.name)
    }
    let seen = state?.generation ?? 0
    if header.generation < seen && !acceptRollback {
      throw VaultError.rollback(
        path: file.path, generation: header.generation, seen: seen, pinned: false)
    }
    // Members not in the header accepted are remembered as removed, with the keys they
    // held, as a check would: after accepting a revert of `members add`, `status` names
    // whoever left without a re-key until an owner re-keys what they could read.
    if let state {
      for known in state.members
      where !header.members.contains(where: { $0.identity == known.identity })
        && !state.wasRemoved(known.identity)
      {
        removed.append(state.departing(known))
      }
    }
    try save(State(header, keyIDs: Self.keyIDs(header), removed: removed), for: header.vaultID)
    try bind(file)
  }

  /// The name `identity` had when this person saw it removed from `file`'s vault, or nil
  /// when it was never seen removed (either of its keys counts).
  public func removedName(of identity: PublicIdentity, in file: VaultFile) throws -> String? {
    try load(file.header.vaultID)?.removed.first {
      $0.identity.signingKey == identity.signingKey || $0.identity.boxKey == identity.boxKey
    }?.name
  }

  /// The pin of `file` as this person trusts it: its id, the highest generation seen, and
  /// its owners' fingerprints (for `VAULT_PIN`).
  public func pin(for file: VaultFile) throws -> Pin {
    let state = try load(file.header.vaultID)
    let owners = file.header.members.filter { member in
      member.isOwner && !(state?.wasRemoved(member.identity) ?? false)
    }
    return Pin(
      vaultID: file.header.vaultID, generation: max(file.header.generation, state?.generation ?? 0),
      owners: owners.map(\.identity.fingerprint))
  }
}
