import VaultCore

/// What every command resolves the same way: paths, the vault, the identity.
struct Session {
  let paths = Paths.current()

  /// The passphrase file named by the flag or `VAULT_PASSPHRASE_FILE`.
  func passphraseFile(_ unlock: UnlockOptions) -> String? {
    if let file = unlock.passphraseFile, !file.isEmpty { return file }
    if let file = paths.environment["VAULT_PASSPHRASE_FILE"], !file.isEmpty { return file }
    return nil
  }

  func store(_ options: VaultOptions) -> VaultStore {
    VaultStore(path: paths.vaultFile(explicit: options.vaultPath), trust: trust)
  }

  var trust: TrustStore {
    TrustStore(directory: paths.stateDirectory)
  }

  func identitySource() -> IdentitySource {
    IdentitySource(paths: paths)
  }

  /// Unlocks the identity: `VAULT_IDENTITY`, the cache, a passphrase file, or a prompt.
  func unlock(_ options: UnlockOptions) throws -> Identity {
    let source = identitySource()
    if let path = source.inlineSecret == nil ? try? source.file().path : nil {
      warnIfExposed(path)
    }
    return try source.unlock(cache: options.cachePolicy) { file in
      if let path = passphraseFile(options) { return try Prompt.passphrase(fromFile: path) }
      return try Prompt.secret("Passphrase for \(file.path): ", purpose: "passphrase")
    }
  }

  /// Warns when the identity file is readable by group or others.
  func warnIfExposed(_ path: String) {
    if let contents = try? FileSystem.read(path, maximumSize: 64 << 10), contents.mode & 0o077 != 0 {
      Output.warning("'\(path)' is readable by other users; run: chmod 600 '\(path)'")
    }
  }
}
