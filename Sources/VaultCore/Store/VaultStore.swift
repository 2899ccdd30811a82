/// Reads and writes one vault file: strict parsing, header verification, an exclusive lock
/// across every read-modify-write, and atomic replacement.
public struct VaultStore: Sendable {
  /// Where the vault lives.
  public let path: String

  /// What this person has seen of vaults; nil skips pinning (tests of the format alone).
  public let trust: TrustStore?

  public init(path: String, trust: TrustStore? = nil) {
    self.path = path
    self.trust = trust
  }

  /// A team vault (`.vault`) lives in a repository, where git checks files out 0644; it
  /// holds only ciphertext and public keys, so its mode is not warned about.
  var warnsAboutMode: Bool { Paths.baseName(of: path) != ".vault" }

  /// Something worth telling the user that does not stop the command.
  public enum Warning: Equatable, Sendable {
    case readableByOthers(path: String)
    /// The first open of this vault pinned these owners (trust on first use).
    case pinnedOwners(path: String, owners: [Member])
  }

  /// Reads the file; throws `vaultNotFound` when missing.
  private func contents(warn: (Warning) -> Void) throws -> [UInt8] {
    guard let contents = try FileSystem.read(path) else {
      throw VaultError.vaultNotFound(path: path)
    }
    if warnsAboutMode && contents.mode & 0o077 != 0 { warn(.readableByOthers(path: path)) }
    return contents.bytes
  }

  /// The whole vault, header verified, every group framed.
  public func load(warn: (Warning) -> Void = { _ in }) throws -> VaultFile {
    var file = try VaultFile.parse(try contents(warn: warn), path: path)
    try file.verifyHeader()
    try checkTrust(&file, warn: warn)
    return file
  }

  private func checkTrust(_ file: inout VaultFile, warn: (Warning) -> Void) throws {
    if let pinned = try trust?.check(&file) { warn(.pinnedOwners(path: path, owners: pinned)) }
  }

  /// What `vault doctor` found, checked with public keys only.
  public struct Diagnosis: Sendable {
    /// One group and what is wrong with it (nil: it verifies).
    public struct GroupReport: Sendable {
      public var project: String
      public var environment: String
      /// Entries in it, when it verifies.
      public var entries: Int
      public var problem: VaultError?
      /// Names of its entries encrypted to a key the environment no longer has (a text
      /// merge without the driver): not damage, but unreadable until stored again.
      public var retired: [String] = []
    }

    /// Why the header (membership, signature, trust) does not verify; nil when it does.
    public var header: VaultError?
    public var groups: [GroupReport]
  }

  /// Checks the header (signature, membership rules, the trust state) and then each group on
  /// its own, collecting every problem instead of stopping at the first. A file whose framing
  /// is broken (no per-group view is possible) throws as `load` does.
  public func diagnose(warn: (Warning) -> Void = { _ in }) throws -> Diagnosis {
    var file = try VaultFile.parse(try contents(warn: warn), path: path)
    var header: VaultError?
    do {
      try file.verifyHeader()
      try checkTrust(&file, warn: warn)
    } catch let error as VaultError {
      header = error
    }
    var groups: [Diagnosis.GroupReport] = []
    for block in file.blocks {
      var report = Diagnosis.GroupReport(
        project: block.project, environment: block.environment, entries: 0, problem: nil)
      do {
        let group = try file.decode(block)
        report.entries = group.entries.count
        report.retired = group.entries.filter { file.isUnderRetiredKey($0) }.map(\.name)
      } catch let error as VaultError {
        report.problem = error
      }
      groups.append(report)
    }
    return Diagnosis(header: header, groups: groups)
  }

  /// The header and the one group of (`project`, `environment`), for `exec` and `get`.
  public func load(
    project: String, environment: String, warn: (Warning) -> Void = { _ in }
  ) throws -> VaultFile {
    try load(environment: environment, warn: warn) { _, _ in project }.file
  }

  /// The same, with the project chosen by `project` from the file mapped once (`exec`
  /// resolves the project from the groups the vault holds; mapping the file a second time
  /// for that cost a millisecond at 10,000 entries). `project` gets two questions to ask:
  /// whether the vault has the group of a project in `environment` (answered by parsing for
  /// that group, which the load then reuses) and every project's holdings (a pass over all
  /// group lines, asked only when the first cannot settle it).
  public func load(
    environment: String, warn: (Warning) -> Void = { _ in },
    project resolve: (
      _ holds: (String) throws -> Bool, _ holdings: () -> [ProjectHolding]
    ) throws -> String
  ) throws -> (file: VaultFile, project: String) {
    let parsed = try FileSystem.withMapped(path) {
      buffer, mode -> (VaultFile, String) in
      if warnsAboutMode && mode & 0o077 != 0 { warn(.readableByOthers(path: path)) }
      var tried: VaultFile?
      let project = try resolve(
        { name in
          let file = try VaultFile.parse(
            buffer, path: path, onlyProject: name, environment: environment)
          tried = file
          return !file.blocks.isEmpty
        },
        { ProjectHolding.scan(buffer) })
      if let tried, tried.blocks.first?.project == project { return (tried, project) }
      let file = try VaultFile.parse(
        buffer, path: path, onlyProject: project, environment: environment)
      return (file, project)
    }
    guard let (loaded, project) = parsed else { throw VaultError.vaultNotFound(path: path) }
    var file = loaded
    // A reader of one group verifies its three signatures through the cache of those verified
    // before (Security.md, "Verified-signature cache"); writes never use it.
    if let trust { file.verified = VerifiedSignatures(directory: trust.directory) }
    try file.verifyHeader()
    try checkTrust(&file, warn: warn)
    return (file, project)
  }

  /// Locks the vault's directory, re-reads the vault, applies `change`, and replaces the file
  /// atomically. When `change` throws, nothing is written.
  public func update<T>(
    warn: (Warning) -> Void = { _ in }, _ change: (inout VaultFile) throws -> T
  ) throws -> T {
    let lock = try DirectoryLock(directory: Paths.directory(of: path))
    var file = try load(warn: warn)
    let result = try change(&file)
    let bytes = file.serialized()
    // Never write a file this reader would refuse: parse what is about to be written, and
    // verify its header and every group (signers seen removed included) before the rename.
    var written = try VaultFile.parse(bytes, path: path)
    written.retired = file.retired
    try written.verifyHeader()
    _ = try written.allGroups()
    try FileSystem.writeAtomically(path, bytes)
    // Remember our own change (a removal above all), so a later rollback is recognized.
    try trust?.check(&file, ownWrite: true)
    withExtendedLifetime(lock) {}
    return result
  }

  /// Writes a new vault; refuses when one exists.
  public func create(_ file: VaultFile) throws {
    try FileSystem.makeDirectories(Paths.directory(of: path))
    if FileSystem.exists(path) { throw VaultError.alreadyExists(path: path) }
    try FileSystem.writeAtomically(path, file.serialized(), exclusive: true)
    try trust?.accept(file)
  }
}
