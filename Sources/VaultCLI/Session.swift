import VaultCore

/// What every command resolves the same way: paths, the vault, the identity.
struct Session {
  let paths = Paths.current()

  /// How many times a passphrase is asked for at the terminal before exit 3.
  static let promptAttempts = 3

  /// The passphrase file named by the flag or `VAULT_PASSPHRASE_FILE`.
  func passphraseFile(_ explicit: String?) -> String? {
    if let file = explicit, !file.isEmpty { return file }
    if let file = paths.environment["VAULT_PASSPHRASE_FILE"], !file.isEmpty { return file }
    return nil
  }

  /// The project `label` names, or the one resolved for the vault `options` name (README,
  /// "Finding things").
  func project(_ label: LabelOptions, vault options: VaultOptions) throws -> ResolvedProject {
    let path = try paths.vaultFile(explicit: options.vaultPath)
    return try paths.resolveProject(explicit: label.project, vaultFile: path) {
      try VaultStore(path: path).holdings()
    }
  }

  func store(_ options: VaultOptions) throws -> VaultStore {
    VaultStore(path: try paths.vaultFile(explicit: options.vaultPath), trust: try trust)
  }

  /// The vault store, checked to exist before any prompt (the write re-reads it under the
  /// lock).
  func existingStore(_ options: VaultOptions) throws -> VaultStore {
    let store = try store(options)
    guard FileSystem.exists(store.path) else { throw VaultError.vaultNotFound(path: store.path) }
    return store
  }

  /// The local trust state, with the stateless pin `VAULT_PIN` when it is set.
  var trust: TrustStore {
    get throws {
      var pin: TrustStore.Pin?
      if let text = paths.environment["VAULT_PIN"], !text.isEmpty {
        guard let parsed = TrustStore.Pin(text) else { throw VaultError.invalidPin }
        pin = parsed
      }
      return TrustStore(directory: paths.stateDirectory, pin: pin)
    }
  }

  func identitySource() -> IdentitySource {
    IdentitySource(paths: paths)
  }

  /// Unlocks the identity: `VAULT_IDENTITY`, the cache, a passphrase file, or a prompt.
  func unlock(_ options: UnlockOptions) throws -> Identity {
    try unlock(cache: options.cachePolicy, passphraseFile: options.passphraseFile)
  }

  /// The same without ArgumentParser's types, for the `exec` fast path.
  func unlock(cache: IdentitySource.CachePolicy, passphraseFile explicit: String?) throws
    -> Identity
  {
    let file = passphraseFile(explicit)
    // Only a prompt takes the per-user prompt lock: a passphrase file needs no terminal. A
    // person at the prompt gets three attempts; a file gets one (it will not change).
    return try identitySource().unlock(
      cache: cache, exclusive: file == nil, attempts: file == nil ? Self.promptAttempts : 1,
      readableByOthers: warnExposed
    ) { identityFile, attempt in
      if let path = file { return try Prompt.passphrase(fromFile: path) }
      if attempt > 1 {
        Output.note("wrong passphrase; try again (attempt \(attempt) of \(Self.promptAttempts))")
      }
      return try Prompt.secret(
        "Passphrase for \(Failure.printable(path: identityFile.path)): ", purpose: "passphrase")
    }
  }

  /// Warns that a file holding key material is readable by group or others.
  func warnExposed(_ path: String) {
    Output.warn(.readableByOthers(path: path))
  }
}
