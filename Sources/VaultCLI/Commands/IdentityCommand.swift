import ArgumentParser
import VaultCore

extension VaultCommand {
  struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "identity",
      abstract: "Show your public identity or change your passphrase.",
      discussion: """
        Examples:
          vault identity show          # share this string; it holds public keys only
          vault identity passwd
        """,
      subcommands: [Show.self, New.self, Passwd.self])

    struct Show: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Print your public identity string (safe to share).",
        discussion: """
          --fingerprint prints the short name of the same keys that `vault members list` and \
          `git diff .vault` show beside your member name: compare them with an owner.

          Examples:
            vault identity show
            vault identity show --fingerprint
          """)

      @Flag(help: "Print the fingerprint that members list and git diff show instead.")
      var fingerprint = false

      func run() throws {
        let identity = try Session().identitySource().publicIdentity()
        Output.line(fingerprint ? identity.fingerprint : identity.description)
      }
    }

    struct New: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Make a separate identity, for a CI runner or a second machine.",
        discussion: """
          With --output, writes an identity file (mode 0600, never over an existing file). \
          Without it, prints the secret identity string on stdout, for a CI secret store \
          (VAULT_IDENTITY), and the public identity on stderr; that needs --no-passphrase. \
          Redirect it with umask 077 to a file outside the work tree (never one git may \
          commit), paste it into the CI store, then delete it.

          Examples:
            (umask 077; vault identity new --no-passphrase > ~/ci.secret)   # outside the work tree
            vault identity new --output ~/laptop2.identity
          """)

      @Flag(help: "No passphrase (the string or file is the secret).") var noPassphrase = false
      @Option(help: ArgumentHelp("Write an identity file here instead.", valueName: "file"))
      var output: String?
      @Option(help: ArgumentHelp("Read the new passphrase from this file.", valueName: "file"))
      var passphraseFile: String?

      func validate() throws {
        if output == nil && !noPassphrase {
          throw ValidationError(
            "printing a secret identity string needs --no-passphrase; or write a file with --output"
          )
        }
      }

      func run() throws {
        let identity = Identity.generate()
        guard let output else {
          // The printed string is the only copy of the identity: a failed write (or fsync,
          // when stdout is a file) says it was not saved, and the public identity is shown
          // only once the secret is out, so no one adds an identity nobody holds.
          Output.secret(identity.secretString, unsavedIdentity: true)
          Output.bytes([0x0A], unsavedIdentity: true)
          Output.syncStandardOutput(unsavedIdentity: true)
          Output.note("public identity: \(identity.publicIdentity.description)")
          return
        }
        let passphrase = noPassphrase ? nil : try Prompt.newPassphrase(fromFile: passphraseFile)
        let path = Session().paths.absolute(output)
        let file = try IdentityFile(identity: identity, passphrase: passphrase, path: path)
        try FileSystem.writeAtomically(path, file.serialized(), exclusive: true)
        Output.line("created identity \(Failure.printable(path: path))")
        Output.line("public identity: \(identity.publicIdentity.description)")
      }
    }

    struct Passwd: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Change the passphrase that protects your identity.",
        discussion: """
          Asks for the current passphrase, then the new one twice. The file is rewritten \
          atomically with a new salt and Argon2id at 256 MiB, 3 passes.

          Examples:
            vault identity passwd
          """)

      @Option(help: ArgumentHelp("Read the current passphrase from this file.", valueName: "file"))
      var passphraseFile: String?

      @Option(help: ArgumentHelp("Read the new passphrase from this file.", valueName: "file"))
      var newPassphraseFile: String?

      func run() throws {
        let session = Session()
        let path = session.paths.identityFile
        let lock = try DirectoryLock(directory: Paths.directory(of: path))
        let file = try session.identitySource().file()
        // At a terminal, as every unlock: three attempts, each wrong one said; a file gets one.
        let fromFile = passphraseFile ?? session.paths.environment["VAULT_PASSPHRASE_FILE"]
        let attempts = file.needsPassphrase && fromFile == nil ? Session.promptAttempts : 1
        var attempt = 1
        let identity: Identity
        while true {
          do {
            var current: SecretBytes?
            if file.needsPassphrase {
              current =
                try fromFile.map(Prompt.passphrase(fromFile:))
                ?? Prompt.secret("Current passphrase: ", purpose: "passphrase")
            }
            identity = try file.unlock(passphrase: current)
            break
          } catch VaultError.wrongPassphrase(let path) {
            guard attempt < attempts else { throw VaultError.wrongPassphrase(path: path) }
            attempt += 1
            Output.note("wrong passphrase; try again (attempt \(attempt) of \(attempts))")
          }
        }
        let new = try Prompt.newPassphrase(fromFile: newPassphraseFile)
        let updated = try IdentityFile(identity: identity, passphrase: new, path: path)
        try FileSystem.writeAtomically(path, updated.serialized())
        withExtendedLifetime(lock) {}
        // The cached unlock is the identity itself, whatever the passphrase: drop it, so the
        // new passphrase is asked for, and a passwd after a suspected leak ends the cache.
        UnlockCache.clear(identity.publicIdentity)
        Output.line("passphrase changed for \(Failure.printable(path: path))")
      }
    }
  }
}
