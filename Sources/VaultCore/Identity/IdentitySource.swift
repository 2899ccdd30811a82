/// Finds and unlocks the identity a command acts as: `VAULT_IDENTITY` (the secret string),
/// else the identity file (`VAULT_IDENTITY_FILE` or the default path), through the unlock
/// cache when allowed, else with a passphrase.
public struct IdentitySource: Sendable {
  /// How a command may use the unlock cache.
  public struct CachePolicy: Sendable {
    public var enabled: Bool
    public var timeout: UInt32
    public init(enabled: Bool, timeout: UInt32) {
      self.enabled = enabled
      self.timeout = timeout
    }
  }

  public var paths: Paths

  public init(paths: Paths) {
    self.paths = paths
  }

  /// The `VAULT_IDENTITY` secret string, when set.
  public var inlineSecret: String? {
    guard let value = paths.environment["VAULT_IDENTITY"], !value.isEmpty else { return nil }
    return value
  }

  /// Reads and parses the identity file.
  /// `readableByOthers` is called with the path when group or others may read the file.
  public func file(readableByOthers: (String) -> Void = { _ in }) throws -> IdentityFile {
    let path = paths.identityFile
    guard let contents = try FileSystem.read(path, maximumSize: 64 << 10) else {
      throw VaultError.identityNotFound(path: path)
    }
    if contents.mode & 0o077 != 0 { readableByOthers(path) }
    return try IdentityFile.parse(contents.bytes, path: path)
  }

  /// The public identity, without unlocking anything.
  public func publicIdentity() throws -> PublicIdentity {
    if let inlineSecret {
      return try Identity(secretString: SecretBytes(copying: Array(inlineSecret.utf8)))
        .publicIdentity
    }
    return try file().publicIdentity
  }

  /// The unlocked identity. `passphrase` is called only when a passphrase is needed.
  ///
  /// With `exclusive` (a passphrase typed at a terminal), a cache miss takes the user's
  /// `PromptLock` before asking, and looks in the cache again once it holds it: a process
  /// that waited for another's prompt uses the unlock that one cached instead of asking.
  /// `passphrase` gets the attempt number, from 1; a wrong passphrase is asked for again up
  /// to `attempts` times in all, and the last one's `wrongPassphrase` is thrown.
  public func unlock(
    cache: CachePolicy, exclusive: Bool = false, attempts: Int = 1,
    readableByOthers: (String) -> Void = { _ in },
    passphrase: (IdentityFile, _ attempt: Int) throws -> SecretBytes
  ) throws -> Identity {
    if let inlineSecret {
      return try Identity(secretString: SecretBytes(copying: Array(inlineSecret.utf8)))
    }
    let file = try file(readableByOthers: readableByOthers)
    guard file.needsPassphrase else { return try file.unlock(passphrase: nil) }
    if let identity = cached(file, cache) { return identity }
    let lock = exclusive ? PromptLock.acquire(directory: paths.runtimeDirectory) : nil
    defer { lock?.release() }
    if lock != nil, let identity = cached(file, cache) { return identity }
    var attempt = 1
    let identity: Identity
    while true {
      do {
        identity = try file.unlock(passphrase: try passphrase(file, attempt))
        break
      } catch VaultError.wrongPassphrase(let path) {
        guard attempt < attempts else { throw VaultError.wrongPassphrase(path: path) }
        attempt += 1
      }
    }
    if cache.enabled {
      UnlockCache.store(identity.secret, for: file.publicIdentity, timeout: cache.timeout)
    }
    return identity
  }

  /// The cached unlock of `file`'s identity, when the policy allows the cache and it holds
  /// a matching one.
  private func cached(_ file: IdentityFile, _ cache: CachePolicy) -> Identity? {
    guard cache.enabled, let secret = UnlockCache.load(file.publicIdentity),
      let identity = try? Identity(secret: secret), identity.publicIdentity == file.publicIdentity
    else { return nil }
    return identity
  }
}
