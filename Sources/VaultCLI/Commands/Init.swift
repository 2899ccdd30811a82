import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create your identity (if you have none) and a new vault.",
      discussion: """
        Asks for a passphrase twice, without echo, and protects the identity with Argon2id \
        (256 MiB, 3 passes). Never overwrites an existing vault or identity: an existing \
        identity is reused. With a vault but no identity (a lost identity file), creates a \
        new identity only and says what follows for that vault.

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
        // ./.vault must be this directory's, never a lossy copy's (a sibling made anew).
        store = VaultStore(
          path: try paths.exactWorkTreeDirectory() + "/.vault", trust: try session.trust)
      } else {
        store = VaultStore(
          path: paths.namedVaultFile(explicit: vault.vaultPath) ?? paths.personalVault,
          trust: try session.trust)
      }
      let memberName = name ?? paths.userName
      try Names.check(memberName, as: .member)
      let source = session.identitySource()
      let hasIdentity = source.inlineSecret != nil || FileSystem.exists(paths.identityFile)
      if FileSystem.exists(store.path) {
        guard !hasIdentity else { throw VaultError.alreadyExists(path: store.path) }
        // Only beside a vault that is a readable regular file (never a symlink): anything
        // else is refused as it would be at any command, before an identity is made.
        guard let existing = try FileSystem.read(store.path) else {
          throw VaultError.alreadyExists(path: store.path)
        }
        // A lost identity beside an existing vault: make a new identity, leave the vault
        // as it is, and say what follows (README, "Recovery").
        let identity = try createIdentity(session: session, path: paths.identityFile)
        explainExisting(
          store.path, contents: existing.bytes, newIdentity: identity.publicIdentity,
          name: memberName)
        return
      }

      let identity: Identity
      if hasIdentity {
        identity = try session.unlock(unlock)
        Output.note("using the existing identity \(identity.publicIdentity.description)")
      } else {
        identity = try createIdentity(session: session, path: paths.identityFile)
      }
      let file = try VaultFile.create(identity: identity, memberName: memberName, path: store.path)
      try store.create(file)
      Output.line("created vault \(Failure.printable(path: store.path))")
      Output.line(
        "environments: \(VaultFile.defaultEnvironments.joined(separator: ", ")); you are \(memberName) (owner)"
      )
      if here { suggestCopies(session: session) }
    }

    /// After `init --here`: when the personal vault holds entries for this project, say how
    /// to copy them into the new team vault (read without decrypting; a personal vault that
    /// cannot be read is passed over in silence, the team vault exists either way).
    private func suggestCopies(session: Session) {
      let personal = session.paths.personalVault
      guard let project = try? session.paths.project(explicit: nil),
        let file = try? VaultStore(path: personal, trust: session.trust).load()
      else { return }
      let environments = file.blocks.filter { $0.project == project }.map(\.environment)
      guard !environments.isEmpty else { return }
      Output.line(
        "your personal vault holds entries for \(project) (\(environments.joined(separator: ", "))); to copy them here:"
      )
      let path = Failure.printable(path: personal)
      let plain = path.allSatisfy { $0.isLetter || $0.isNumber || "/._-+".contains($0) }
      let shown = plain ? path : "'\(path)'"
      for environment in environments {
        Output.line("  vault cp --from-vault \(shown) --env \(environment)")
      }
    }

    /// What a new identity means for the vault that already exists at `path`, which it
    /// cannot open (the vault's keys are sealed to the lost identity).
    private func explainExisting(
      _ path: String, contents: [UInt8], newIdentity: PublicIdentity, name: String
    ) {
      let shown = Failure.printable(path: path)
      Output.note("'\(shown)' already exists and was not changed; the new identity cannot open it")
      let header = try? VaultFile.parse(contents, path: path).header
      if let header, header.members.count > 1 {
        let owners = header.members.filter(\.isOwner).map(\.name).joined(separator: ", ")
        Output.note(
          "it is a team vault: ask an owner (\(owners)) to remove your lost identity and add this"
            + " one: `vault members rm OLDNAME` then `vault members add \(name) \(newIdentity.description) --read ENVS`"
        )
      } else {
        Output.note(
          "its values were encrypted to the lost identity and are lost for good; to start over,"
            + " move it aside (mv '\(shown)' '\(shown).lost') and run `vault init` again")
      }
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
      Output.line("created identity \(Failure.printable(path: path))")
      Output.line("public identity: \(identity.publicIdentity.description)")
      return identity
    }
  }
}
