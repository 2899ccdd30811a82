/// What this person has seen of each vault, kept under
/// `${XDG_STATE_HOME:-~/.local/state}/vault/` like SSH's known_hosts:
///
/// - `paths/<fingerprint of the vault path>`: the vault id first seen at that path, so a
///   vault from another id pasted over it is refused;
/// - `trust/<vault id>`: the owners' signing keys pinned at first open, the members last
///   seen, and the identities seen removed.
///
/// A header signed by a key that is not a pinned owner is refused when the owners changed; a
/// member seen removed who is back (a rolled-back file) may not receive new secrets.
public struct TrustStore: Sendable {
  /// `${XDG_STATE_HOME:-~/.local/state}/vault`.
  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  /// What is remembered about one vault. Kept in sorted arrays, not sets or dictionaries:
  /// this runs on every `exec`, and each new Set or Dictionary type costs a runtime
  /// protocol-conformance lookup there.
  struct State: Equatable {
    /// A public identity and the member name it had.
    struct Known: Equatable {
      var identity: PublicIdentity
      var name: String
    }

    /// Owners' signing keys, base64url, sorted.
    var owners: [String] = []
    var members: [Known] = []
    var removed: [Known] = []

    func serialized() -> [UInt8] {
      var lines = ["vault-trust 1"]
      lines += owners.map { "owner \($0)" }
      lines += members.map { "member \($0.identity.description) \($0.name)" }.sorted()
      lines += removed.map { "removed \($0.identity.description) \($0.name)" }.sorted()
      return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> State {
      var state = State()
      let lines = bytes.split(separator: 0x0A)
      guard lines.first?.elementsEqual("vault-trust 1".utf8) == true else {
        throw VaultError.malformed(path: path, line: 1, problem: .wrongMagic)
      }
      for (index, line) in lines.enumerated().dropFirst() {
        let fields = line.split(separator: 0x20)
        let bad = VaultError.malformed(path: path, line: index + 1, problem: .badField("trust"))
        switch (fields.first.map { String(decoding: $0, as: UTF8.self) }, fields.count) {
        case ("owner", 2):
          guard Base64URL.decode(fields[1], length: 32) != nil else { throw bad }
          state.owners.append(String(decoding: fields[1], as: UTF8.self))
        case ("member", 3), ("removed", 3):
          guard let identity = PublicIdentity(utf8: fields[1]), Names.isValidMember(fields[2])
          else {
            throw bad
          }
          let known = Known(identity: identity, name: String(decoding: fields[2], as: UTF8.self))
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

    init(_ header: Header, removed: [Known] = []) {
      owners = header.members.filter(\.isOwner).map { Base64URL.encode($0.identity.signingKey) }
        .sorted()
      members = header.members.map { Known(identity: $0.identity, name: $0.name) }
      self.removed = removed
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

  private func bindingPath(_ vaultPath: String) -> String {
    directory + "/paths/" + Base64URL.encode(Sodium.blake2b(Array(vaultPath.utf8), length: 16))
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

  /// Checks `file` against what was seen before and remembers what is new. Fills
  /// `file.retired` with members seen removed earlier who are back.
  /// With `ownWrite`, the header was just signed by this person, who trusts themselves.
  public func check(_ file: inout VaultFile, ownWrite: Bool = false) throws {
    let binding = bindingPath(file.path)
    let id = Base64URL.encode(file.header.vaultID)
    if let contents = try FileSystem.read(binding, maximumSize: 4096) {
      let known = String(decoding: contents.bytes, as: UTF8.self)
      guard known == id + "\n" else {
        throw VaultError.vaultReplaced(path: file.path)
      }
    } else {
      try FileSystem.makeDirectories(Paths.directory(of: binding))
      try FileSystem.writeAtomically(binding, Array((id + "\n").utf8))
    }
    guard let state = try load(file.header.vaultID) else {
      // First open: trust on first use, like SSH.
      try save(State(file.header), for: file.header.vaultID)
      return
    }
    let current = State(file.header)
    if !ownWrite && current.owners != state.owners
      && !state.owners.contains(Base64URL.encode(file.header.signer))
    {
      throw VaultError.untrustedOwners(path: file.path, trustFile: statePath(file.header.vaultID))
    }
    var removed = state.removed
    for known in state.members
    where !current.isMember(known.identity) && !state.wasRemoved(known.identity) {
      removed.append(known)
    }
    let remembered = State(file.header, removed: removed)
    file.retired = file.header.members.filter { remembered.wasRemoved($0.identity) }
    if remembered != state { try save(remembered, for: file.header.vaultID) }
  }

  /// Pins the current owners of `file` after the person checked them (`vault trust`).
  public func accept(_ file: VaultFile) throws {
    let removed = try load(file.header.vaultID)?.removed ?? []
    try save(State(file.header, removed: removed), for: file.header.vaultID)
    let binding = bindingPath(file.path)
    try FileSystem.makeDirectories(Paths.directory(of: binding))
    try FileSystem.writeAtomically(
      binding, Array((Base64URL.encode(file.header.vaultID) + "\n").utf8))
  }
}
