import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create your identity (if you have none) and a new vault.",
      discussion: """
        Asks for a passphrase twice, without echo, and protects the identity with Argon2id \
        (256 MiB, 3 passes). Never overwrites an existing vault or identity: an existing \
        identity is reused.

        Examples:
          vault init
          vault init --no-passphrase                   # CI runners, tests
          vault init --passphrase-file ~/.vault-pass
          cd shop && vault init --here                 # a team vault, ./.vault, for git
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var unlock: UnlockOptions

    @Flag(help: "Store the new identity without a passphrase (protected by file mode 0600 only).")
    var noPassphrase = false

    @Flag(
      help: "Create a team vault, ./.vault at the git work tree's root, to commit with the code.")
    var here = false

    @Option(
      help: ArgumentHelp("Your member name in the vault (default: $USER).", valueName: "name"))
    var name: String?

    func validate() throws {
      if here && vault.vaultPath != nil {
        throw ValidationError("--here and --vault exclude each other")
      }
      if noPassphrase && unlock.passphraseFile != nil {
        throw ValidationError("--no-passphrase and --passphrase-file exclude each other")
      }
    }

    func run() throws {
      let session = Session()
      let paths = session.paths
      let store: VaultStore
      if here {
        store = VaultStore(
          path: (paths.gitRoot ?? paths.currentDirectory) + "/.vault", trust: try session.trust)
      } else {
        store = VaultStore(
          path: paths.namedVaultFile(explicit: vault.vaultPath) ?? paths.personalVault,
          trust: try session.trust)
      }
      if FileSystem.exists(store.path) { throw VaultError.alreadyExists(path: store.path) }
      let memberName = name ?? paths.userName
      try Names.check(memberName, as: .member)

      let source = session.identitySource()
      let identity: Identity
      if source.inlineSecret != nil || FileSystem.exists(paths.identityFile) {
        identity = try session.unlock(unlock)
        Output.note("using the existing identity \(identity.publicIdentity.description)")
      } else {
        identity = try createIdentity(session: session, path: paths.identityFile)
      }
      let file = try VaultFile.create(identity: identity, memberName: memberName, path: store.path)
      try store.create(file)
      Output.line("created vault \(store.path)")
      Output.line(
        "environments: \(VaultFile.defaultEnvironments.joined(separator: ", ")); you are \(memberName) (owner)"
      )
    }

    private func createIdentity(session: Session, path: String) throws -> Identity {
      let passphrase =
        noPassphrase
        ? nil : try Prompt.newPassphrase(fromFile: session.passphraseFile(unlock.passphraseFile))
      let identity = Identity.generate()
      let file = try IdentityFile(identity: identity, passphrase: passphrase, path: path)
      try FileSystem.makeDirectories(Paths.directory(of: path))
      try FileSystem.writeAtomically(path, file.serialized(), exclusive: true)
      if passphrase != nil && !unlock.noCache {
        UnlockCache.store(
          identity.secret, for: identity.publicIdentity, timeout: unlock.cachePolicy.timeout)
      }
      Output.line("created identity \(path)")
      Output.line("public identity: \(identity.publicIdentity.description)")
      return identity
    }
  }
}
