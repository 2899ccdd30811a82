import Glibc

/// Where identities and vaults live, and how the project is named (DESIGN.md, "Concepts").
public struct Paths: Sendable {
  /// The environment variables that steer discovery.
  public var environment: ProcessEnvironment.Variables
  /// The current directory.
  public var currentDirectory: String
  /// How many directories, from the current one up, have a path that is not UTF-8 (0: all
  /// are). For those, `currentDirectory` and its parents as strings are lossy copies (U+FFFD
  /// for the bytes that could not be decoded) that name other directories: vault looks at
  /// them only through relative paths (`.`, `..`), which the kernel resolves byte for byte,
  /// and never names a file there (`VaultError.currentDirectoryNotUTF8`). The directories
  /// above them are named exactly.
  public var inexactLevels: Int

  public init(
    environment: ProcessEnvironment.Variables, currentDirectory: String, inexactLevels: Int = 0
  ) {
    self.environment = environment
    self.currentDirectory = currentDirectory
    self.inexactLevels = inexactLevels
  }

  /// Whether `currentDirectory` is the current directory's path, byte for byte.
  public var currentDirectoryIsExact: Bool { inexactLevels == 0 }

  /// The variables vault reads. Only these are copied out of the environment: building a
  /// dictionary of all of it was a tenth of `exec`'s instructions.
  public static let variables = [
    "HOME", "USER", "PATH", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "VAULT_FILE",
    "VAULT_IDENTITY", "VAULT_IDENTITY_FILE", "VAULT_PROJECT", "VAULT_PASSPHRASE_FILE", "VAULT_PIN",
    "XDG_RUNTIME_DIR",
    "VAULT_ENV",
  ]

  /// The process's own environment (the `variables` vault reads) and working directory.
  public static func current() -> Paths {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let bytes =
      getcwd(&buffer, buffer.count) != nil
      ? buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) } : Array(".".utf8)
    return Paths(
      environment: ProcessEnvironment.values(of: variables),
      currentDirectory: String(decoding: bytes, as: UTF8.self),
      inexactLevels: JSON.isValidUTF8(bytes) ? 0 : inexactLevels(of: bytes))
  }

  /// How many directories of `path`, from the last up, have a path that is not UTF-8: a
  /// component that is not makes its directory and every one below it inexact.
  private static func inexactLevels(of path: [UInt8]) -> Int {
    let components = path.split(separator: 0x2F, omittingEmptySubsequences: false)
    guard let first = components.firstIndex(where: { !JSON.isValidUTF8($0) }) else { return 0 }
    return components.count - first
  }

  /// The directory `level` steps above the current one as a path the system resolves
  /// exactly: the string for a level whose path is UTF-8, else `.`, `..`, `../..`, ….
  /// `directory` is that level's string form (lossy when inexact).
  private func spelling(level: Int, of directory: String) -> String {
    guard level < inexactLevels else { return directory }
    return level == 0 ? "." : Array(repeating: "..", count: level).joined(separator: "/")
  }

  /// The nearest directory at or above the current one whose path is UTF-8 (the current
  /// one, normally).
  private var nearestExactDirectory: String {
    var directory = currentDirectory
    for _ in 0..<inexactLevels { directory = Self.directory(of: directory) }
    return directory
  }

  /// Refuses to go on when the current directory's path is not UTF-8: a path derived from
  /// its lossy copy names another directory (a sibling with U+FFFD in its name), and vault
  /// would read or create files there.
  public func requireExactCurrentDirectory() throws {
    guard !currentDirectoryIsExact else { return }
    throw VaultError.currentDirectoryNotUTF8(shown: currentDirectory)
  }

  private func value(_ name: String) -> String? {
    guard let value = environment[name], !value.isEmpty else { return nil }
    return value
  }

  public var home: String {
    if let home = value("HOME") { return home }
    if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir {
      return String(cString: dir)
    }
    return "/"
  }

  /// `$USER`, else the account name, else "me": the default member name at `vault init`.
  public var userName: String {
    if let user = value("USER") { return user }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
      return String(cString: name)
    }
    return "me"
  }

  private func xdg(_ name: String, default relative: String) -> String {
    if let path = value(name), path.hasPrefix("/") { return path }
    return home + "/" + relative
  }

  /// `${XDG_CONFIG_HOME:-~/.config}/vault/identity`, or `$VAULT_IDENTITY_FILE`.
  public var identityFile: String {
    value("VAULT_IDENTITY_FILE") ?? defaultIdentityFile
  }

  /// `${XDG_CONFIG_HOME:-~/.config}/vault`: the identity and the user's configuration.
  public var configDirectory: String {
    xdg("XDG_CONFIG_HOME", default: ".config") + "/vault"
  }

  /// `${XDG_CONFIG_HOME:-~/.config}/vault/identity`.
  public var defaultIdentityFile: String {
    xdg("XDG_CONFIG_HOME", default: ".config") + "/vault/identity"
  }

  /// `${XDG_STATE_HOME:-~/.local/state}/vault`: pinned owners and removed members.
  public var stateDirectory: String {
    xdg("XDG_STATE_HOME", default: ".local/state") + "/vault"
  }

  /// `${XDG_RUNTIME_DIR}/vault` when `XDG_RUNTIME_DIR` is an absolute path, else the state
  /// directory: where the passphrase prompt's lock lives (`PromptLock`).
  public var runtimeDirectory: String {
    if let path = value("XDG_RUNTIME_DIR"), path.hasPrefix("/") { return path + "/vault" }
    return stateDirectory
  }

  /// `${XDG_DATA_HOME:-~/.local/share}/vault/personal.vault`.
  public var personalVault: String {
    xdg("XDG_DATA_HOME", default: ".local/share") + "/vault/personal.vault"
  }

  /// The vault named by `explicit` (`--vault`) or `$VAULT_FILE`, absolute; nil when neither
  /// is set (an empty value counts as unset).
  public func namedVaultFile(explicit: String?) -> String? {
    if let explicit, !explicit.isEmpty { return absolute(explicit) }
    if let file = value("VAULT_FILE") { return absolute(file) }
    return nil
  }

  /// The vault to use: `explicit` (`--vault`), else `$VAULT_FILE`, else the nearest `.vault`
  /// walking up from the current directory, else the personal vault.
  ///
  /// The walk checks each directory and stops after the first boundary: a directory that
  /// holds `.git` (a work tree's root), `$HOME`, or `/`. A `.vault` found this way is refused
  /// when it is not a regular file, is owned by another user, or lies in a directory that
  /// group or others may write (as git's `safe.directory` does): another local user could
  /// have planted it. A named vault skips these checks: naming it is the override.
  public func vaultFile(explicit: String?) throws -> String {
    if let named = namedVaultFile(explicit: explicit) { return named }
    var homeInfo = stat()
    let hasHome = stat(home, &homeInfo) == 0
    var directory = currentDirectory
    var level = 0
    while true {
      // Directories whose path is not UTF-8 are looked at through `.` and `..`: a `.vault`
      // there cannot be named exactly, so it is refused rather than passed over.
      let here = spelling(level: level, of: directory)
      let prefix = here == "/" ? "" : here
      let candidate = prefix + "/.vault"
      var info = stat()
      if lstat(candidate, &info) == 0 {
        try requireExact(level: level)
        try Self.checkDiscovered(candidate, info, directory: directory)
        return candidate
      }
      if directory == "/" || directory.isEmpty || FileSystem.exists(prefix + "/.git") { break }
      var directoryInfo = stat()
      if hasHome && stat(here, &directoryInfo) == 0
        && directoryInfo.st_dev == homeInfo.st_dev && directoryInfo.st_ino == homeInfo.st_ino
      {
        break
      }
      directory = Self.directory(of: directory)
      level += 1
    }
    return personalVault
  }

  /// Refuses a path derived from the directory `level` steps above the current one when that
  /// directory's path is not UTF-8.
  private func requireExact(level: Int) throws {
    guard level >= inexactLevels else {
      throw VaultError.currentDirectoryNotUTF8(shown: currentDirectory)
    }
  }

  /// The git work tree's root (`gitRoot`), else the current directory, when its path is
  /// UTF-8; `currentDirectoryNotUTF8` otherwise. What `init --here` and the project's
  /// guessed name are derived from.
  public func exactWorkTreeDirectory() throws -> String {
    let (root, level) = gitRootAndLevel()
    try requireExact(level: root == nil ? 0 : level)
    return root ?? currentDirectory
  }

  /// Refuses a discovered `.vault` that another local user may control.
  private static func checkDiscovered(_ path: String, _ info: stat, directory: String) throws {
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFLNK: throw VaultError.symlink(path: path)
    default: throw VaultError.unsafeVault(path: path, problem: .notRegularFile)
    }
    guard info.st_uid == geteuid() else {
      throw VaultError.unsafeVault(path: path, problem: .ownedByAnotherUser(uid: info.st_uid))
    }
    var directoryInfo = stat()
    guard stat(directory, &directoryInfo) == 0 else {
      throw VaultError.io(path: directory, operation: "stat", errno: errno)
    }
    guard directoryInfo.st_mode & 0o022 == 0 else {
      throw VaultError.unsafeVault(path: path, problem: .directoryWritableByOthers)
    }
  }

  /// The project: `explicit` (`--project`), else `$VAULT_PROJECT`, else the basename of the
  /// git work tree root, else of the current directory.
  public func project(explicit: String?) throws -> String {
    let name: String
    if let explicit {
      name = explicit
    } else if let project = value("VAULT_PROJECT") {
      name = project
    } else {
      name = Self.baseName(of: try exactWorkTreeDirectory())
    }
    try Names.check(name, as: .project)
    return name
  }

  /// The environment: `explicit` (`--env`), else `$VAULT_ENV`, else `dev` (never `prod`:
  /// production is always asked for by name). Nil `source` means the default.
  public func environment(explicit: String?) throws -> (name: String, source: String?) {
    let resolved: (name: String, source: String?)
    if let explicit {
      resolved = (explicit, "--env")
    } else if let variable = value("VAULT_ENV") {
      resolved = (variable, "VAULT_ENV")
    } else {
      resolved = ("dev", nil)
    }
    try Names.check(resolved.name, as: .environment)
    return resolved
  }

  /// The project and why, in this order (README, "Finding things"): `explicit`
  /// (`--project`), `$VAULT_PROJECT`, the project pinned to the nearest directory at or above
  /// this one (`vault project pin`), the git work tree's or current directory's name when
  /// the vault holds entries under it, the only project of a vault other than the personal
  /// one when it holds one project and nothing under that name, else that name.
  /// `holdings` is called only in the last two cases; `vaultFile` is the vault in use.
  /// `holds` answers whether the vault has a group of a project in the
  /// environment in use: when it holds the guessed name's, `holdings` (a pass over every
  /// group line) is not needed, since a held name is never replaced by the only project.
  public func resolveProject(
    explicit: String?, vaultFile: String, holds: (String) throws -> Bool = { _ in false },
    holdings: () throws -> [ProjectHolding]
  ) throws -> ResolvedProject {
    if let explicit {
      try Names.check(explicit, as: .project)
      return ResolvedProject(name: explicit, source: .flag)
    }
    if let project = value("VAULT_PROJECT") {
      try Names.check(project, as: .project)
      return ResolvedProject(name: project, source: .variable)
    }
    // No pin is kept for a directory whose path is not UTF-8: the nearest one above applies.
    let pins = ProjectPins(stateDirectory: stateDirectory)
    if let pin = try pins.nearest(to: ProjectPins.realPath(nearestExactDirectory)) {
      return ResolvedProject(name: pin.project, source: .pinned(directory: pin.directory))
    }
    let root = gitRoot
    // Lossy when the directory's path is not UTF-8: then never used as the name (below).
    let guessed = Self.baseName(of: root ?? currentDirectory)
    let guessedSource: ResolvedProject.Source =
      root.map { .gitWorkTree(root: $0) } ?? .directory(path: currentDirectory)
    // A personal vault collects many projects: its only one must not capture a new directory.
    if vaultFile != personalVault,
      try !(Names.isValidProject(guessed.utf8) && holds(guessed))
    {
      let held = try holdings()
      if held.count == 1, let only = held.first, only.project != guessed {
        return ResolvedProject(name: only.project, source: .onlyProject(guessed: guessed))
      }
    }
    _ = try exactWorkTreeDirectory()
    try Names.check(guessed, as: .project)
    return ResolvedProject(name: guessed, source: guessedSource)
  }

  /// The nearest directory at or above the current one that holds `.git`.
  /// Its path is lossy when the current directory's is not UTF-8 at that level
  /// (`exactWorkTreeDirectory` refuses it then).
  public var gitRoot: String? { gitRootAndLevel().root }

  /// `gitRoot` and how many levels above the current directory it is.
  private func gitRootAndLevel() -> (root: String?, level: Int) {
    var directory = currentDirectory
    var level = 0
    while true {
      let here = spelling(level: level, of: directory)
      if FileSystem.exists((here == "/" ? "" : here) + "/.git") { return (directory, level) }
      if directory == "/" || directory.isEmpty { return (nil, level) }
      directory = Self.directory(of: directory)
      level += 1
    }
  }

  /// `path` made absolute against the current directory; left relative (the kernel then
  /// resolves it against the real directory, byte for byte) when that directory's path is
  /// not UTF-8.
  public func absolute(_ path: String) -> String {
    path.hasPrefix("/") || !currentDirectoryIsExact ? path : currentDirectory + "/" + path
  }

  /// The directory part of `path` ("/" for a top-level path, "." for a bare name).
  public static func directory(of path: String) -> String {
    var bytes = Array(path.utf8)
    while bytes.count > 1 && bytes.last == 0x2F { bytes.removeLast() }
    guard let slash = bytes.lastIndex(of: 0x2F) else { return "." }
    if slash == 0 { return "/" }
    return String(decoding: bytes[..<slash], as: UTF8.self)
  }

  /// The last component of `path`.
  public static func baseName(of path: String) -> String {
    var bytes = Array(path.utf8)
    while bytes.count > 1 && bytes.last == 0x2F { bytes.removeLast() }
    guard let slash = bytes.lastIndex(of: 0x2F) else { return path }
    return String(decoding: bytes[(slash + 1)...], as: UTF8.self)
  }
}
