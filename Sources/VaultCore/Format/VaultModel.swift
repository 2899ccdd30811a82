/// A member of a vault: a public identity, a role, and the environments it may read and write.
public struct Member: Sendable, Equatable {
  public var name: String
  public var identity: PublicIdentity
  public var isOwner: Bool
  /// Environments whose key this member holds a sealed copy of, sorted.
  public var read: [String]
  /// Environments this member may sign entries for, sorted.
  public var write: [String]

  public init(
    name: String, identity: PublicIdentity, isOwner: Bool, read: [String], write: [String]
  ) {
    self.name = name
    self.identity = identity
    self.isOwner = isOwner
    self.read = read.sorted()
    self.write = write.sorted()
  }

  /// Whether readers trust what this member signs in `environment`: it must be in both its
  /// `write=` and its `read=` list. A member that may write an environment it cannot read
  /// could plant a variable (`OPENAI_BASE_URL`) that sends the values it cannot read to it, so
  /// write without read is not honoured (TeamVaults.md, "Write access").
  public func canWrite(_ environment: String) -> Bool {
    write.contains(environment) && read.contains(environment)
  }
}

/// An environment's X25519 public key; its secret key is sealed to each reader.
public struct EnvironmentKey: Sendable, Equatable {
  public var name: String
  public var publicKey: [UInt8]
}

/// One member's sealed copy of one environment's secret key.
public struct Seal: Sendable, Equatable {
  public var environment: String
  public var member: String
  public var box: [UInt8]

  public init(environment: String, member: String, box: [UInt8]) {
    self.environment = environment
    self.member = member
    self.box = box
  }
}

/// Everything before the groups: vault id, generation, members, environments, seals, and an
/// owner's signature over them.
public struct Header: Sendable, Equatable {
  /// The format version of the `vault N` line: 1 (no generation line), 2, or 3 (entry
  /// lines name the environment key they were encrypted to).
  public var formatVersion: Int = VaultFile.currentFormatVersion
  public var vaultID: [UInt8]
  /// The membership generation: every header change increases it, under the owner's
  /// signature, so a reader that saw generation N refuses an older header (a rollback).
  /// A version 1 header has none: 0.
  public var generation: UInt64 = 0
  /// How many versions of each entry writers keep, the current one included (the `history N`
  /// line, format version 3); nil when the line is absent: `Header.defaultHistoryLimit`.
  public var historyLimit: UInt64? = nil
  public var members: [Member]
  public var environments: [EnvironmentKey]
  public var seals: [Seal]
  /// The environments whose key an OpenBao transit key also holds (format version 3): sorted
  /// by environment, one each, each naming an environment of the header.
  public var openBao: [OpenBaoRecipient] = []
  public var signer: [UInt8]
  public var signature: [UInt8]

  /// The member whose identity is `identity`, if any.
  public func member(for identity: PublicIdentity) -> Member? {
    members.first { $0.identity == identity }
  }

  /// The member whose signing key is `key`, if any.
  public func member(signingKey key: [UInt8]) -> Member? {
    members.first { $0.identity.signingKey == key }
  }

  /// The environment named `name`, if any.
  public func environment(_ name: String) -> EnvironmentKey? {
    environments.first { $0.name == name }
  }

  /// The OpenBao recipient of `environment`, if any.
  public func openBaoRecipient(_ environment: String) -> OpenBaoRecipient? {
    openBao.first { $0.environment == environment }
  }

  /// The member who signed the header (verified by `VaultFile.verifyHeader`).
  public var signingMember: Member? { member(signingKey: signer) }

  /// Versions kept per entry when the header has no `history` line.
  public static let defaultHistoryLimit: UInt64 = 5
  /// The largest `history N` accepted.
  public static let maximumHistoryLimit: UInt64 = 100

  /// How many versions of each entry a writer keeps, the current one included: 1 in files
  /// before version 3 (which have no history lines).
  public var versionsKept: UInt64 {
    formatVersion >= 3 ? historyLimit ?? Header.defaultHistoryLimit : 1
  }
}

/// One secret: its label, version, time, writer, ciphertext and the writer's signature.
public struct Entry: Sendable, Equatable {
  public var project: String
  public var environment: String
  public var name: String
  public var version: UInt64
  public var created: String
  public var writer: [UInt8]
  public var sealed: EntryCipher.Sealed
  public var signature: [UInt8]
  /// The key id of the environment key the value was encrypted to (`EntryCipher.keyID`),
  /// written in format version 3 files; nil for an entry line of the version 2 form.
  public var keyID: [UInt8]? = nil

  /// `project/environment/name`.
  public var label: String { "\(project)/\(environment)/\(name)" }
}

/// The entries of one (project, environment), with the signature that covers them as a set.
public struct Group: Sendable, Equatable {
  public var project: String
  public var environment: String
  public var signer: [UInt8]
  public var signature: [UInt8]
  /// The current version of each name: sorted by name, names unique.
  public var entries: [Entry]
  /// Older versions kept for `get --at-version` and `rollback` (format version 3): sorted by
  /// name, then version descending, each lower than its name's current version.
  public var history: [Entry] = []
  /// Names removed from the group, with the last version they had, so that versions keep
  /// counting after `rm` (format version 2). A name is an entry or a tombstone, never both.
  public var gone: [Tombstone] = []
  /// Entries a removed member could read, until a new version is stored; sorted by
  /// (name, member).
  public var flags: [ExposureFlag] = []
  /// The OpenAI key each linked entry version holds (format version 3): sorted by name, then
  /// version descending; each names a current or older entry line.
  public var links: [OpenAILink] = []
  /// Unfinished OpenAI key rotations (format version 3): sorted by name, one per name, each
  /// for a name with a current entry.
  public var rotations: [PendingRotation] = []

  /// The link of version `version` of `name`, if any.
  public func link(_ name: String, version: UInt64) -> OpenAILink? {
    links.first { $0.name == name && $0.version == version }
  }

  /// The link of `name`'s current version, if any.
  public func currentLink(_ name: String) -> OpenAILink? {
    guard let entry = entries.first(where: { $0.name == name }) else { return nil }
    return link(name, version: entry.version)
  }

  /// The pending rotation of `name`, if any.
  public func rotation(_ name: String) -> PendingRotation? {
    rotations.first { $0.name == name }
  }
}

/// A removed entry's name and last version: the next value stored under the name is one
/// version later, never version 1 again.
public struct Tombstone: Sendable, Equatable {
  public var name: String
  public var version: UInt64
  /// When it was removed, in the file's timestamp form.
  public var time: String

  public init(name: String, version: UInt64, time: String) {
    self.name = name
    self.version = version
    self.time = time
  }
}

/// "rotate: exposed to bob": an entry that a member who was removed could read. The flag
/// stays until a new version of the entry is stored.
public struct ExposureFlag: Sendable, Equatable {
  public var name: String
  public var member: String
  /// When the member was removed, in the file's timestamp form.
  public var time: String
  /// The removed member wrote this value (they know it, and chose it: a planted variable
  /// stays visible after the removal re-signed it). Version 2 files only.
  public var wrote: Bool

  public init(name: String, member: String, time: String, wrote: Bool = false) {
    self.name = name
    self.member = member
    self.time = time
    self.wrote = wrote
  }
}

/// Where a group's lines sit in the file, kept as raw bytes so a write copies the groups it
/// did not change byte for byte.
public struct Block: Sendable {
  public var project: String
  public var environment: String
  /// The block's lines, each with its newline.
  public var text: ArraySlice<UInt8>
  /// The 1-based line number of the group line.
  public var line: Int
}

/// A member this person saw in a vault who is gone from its header while an environment
/// still has a key they held: they left without a re-key (a `git revert` of `members add`
/// does that), and can still read what is stored there. `vault members rm NAME` re-keys.
public struct DepartedMember: Sendable, Equatable {
  public var name: String
  public var identity: PublicIdentity
  /// The highest generation at which they were seen a member (0: not known).
  public var generation: UInt64
  /// The environments whose current key is one they held, sorted.
  public var environments: [String]

  public init(name: String, identity: PublicIdentity, generation: UInt64, environments: [String]) {
    self.name = name
    self.identity = identity
    self.generation = generation
    self.environments = environments
  }
}

extension Header {
  /// How a member named in a `wrote` flag left: "read access taken away" while they are
  /// still a member (`members set` narrowed them, which flags like a removal), else
  /// "removed". One wording for `list`, `status`, `exec` and `git diff`.
  public func departure(of member: String) -> String {
    members.contains { $0.name == member } ? "read access taken away" : "removed"
  }
}

/// Which OpenAI key an entry version holds (the `openai` line of a group, format version 3):
/// the OpenAI project, the key's id, the service account that owns it (nil for a user's
/// key) and the scopes it was created with. It names the key, never its value; `vault
/// openai check` and `rotate` use it to find the key at OpenAI. It belongs to one version:
/// storing a new version without a link leaves the new one unlinked (a new value is a
/// different key until linked).
public struct OpenAILink: Sendable, Equatable {
  /// The variable.
  public var name: String
  /// The entry version it describes (current or older).
  public var version: UInt64
  /// The OpenAI project id, `proj_…`.
  public var project: String
  /// The OpenAI key id, `key_…`.
  public var keyID: String
  /// The service account's id that owns the key; nil (`-`) for a user's key.
  public var account: String?
  /// The scopes the key was created with, strictly increasing; empty (`-`) for none.
  public var scopes: [String]

  public init(
    name: String, version: UInt64, project: String, keyID: String, account: String?,
    scopes: [String]
  ) {
    self.name = name
    self.version = version
    self.project = project
    self.keyID = keyID
    self.account = account
    self.scopes = scopes
  }

  /// The longest OpenAI id or scope a vault line holds.
  public static let maximumIDLength = 64
  /// The most scopes one link holds.
  public static let maximumScopes = 64

  /// Whether `id` is an OpenAI id (project, key or service account) a vault may store:
  /// `[A-Za-z0-9][A-Za-z0-9_-]{0,63}` (FileFormat.md, "OpenAI links and rotations"), and not
  /// shaped like a key (`sk-…`, OpenAI's `T3BlbkFJ` marker): an id OpenAI returns that
  /// breaks this is refused, never written.
  public static func isValidID(_ id: String) -> Bool {
    LineCodec.isOpenAIID(Array(id.utf8)[...]) && !Names.looksLikeSecret(id)
  }

  /// Whether `scope` is a scope a vault may store: `[a-z0-9][a-z0-9._-]{0,63}`.
  public static func isValidScope(_ scope: String) -> Bool {
    LineCodec.isScope(Array(scope.utf8)[...])
  }
}

/// A rotation of an entry's OpenAI key that has not finished (the `rotation` line of a
/// group, format version 3): `vault openai rotate` records each step before the next, so
/// an interruption loses nothing and orphans nothing silently; `vault status` shows it and
/// the next `rotate` finishes it. One per name, for a name with a current entry.
public struct PendingRotation: Sendable, Equatable {
  /// How far the rotation got.
  public enum Step: String, Sendable, CaseIterable {
    /// A new key is being created at OpenAI; nothing new is stored yet.
    case started
    /// The new key is stored as the entry's current version; the old key is still active
    /// at OpenAI until it is deleted there.
    case stored
    /// The new key is stored; the old key must be deleted in OpenAI's dashboard (the Admin
    /// API could not delete it).
    case manual
  }

  public var name: String
  public var step: Step
  /// When this step was recorded, in the file's timestamp form.
  public var time: String
  /// The OpenAI project id.
  public var project: String
  /// The key being replaced.
  public var oldKey: String
  /// Its service account; nil (`-`) for none.
  public var oldAccount: String?
  /// The new key's id; nil while `started`.
  public var newKey: String?
  /// Its service account; nil (`-`) for none.
  public var newAccount: String?

  public init(
    name: String, step: Step, time: String, project: String, oldKey: String,
    oldAccount: String?, newKey: String?, newAccount: String?
  ) {
    self.name = name
    self.step = step
    self.time = time
    self.project = project
    self.oldKey = oldKey
    self.oldAccount = oldAccount
    self.newKey = newKey
    self.newAccount = newAccount
  }
}
