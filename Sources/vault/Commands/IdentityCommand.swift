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
      subcommands: [Show.self, Passwd.self])

    struct Show: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Print your public identity string (safe to share).",
        discussion: """
          Examples:
            vault identity show
          """)

      func run() throws {
        Output.line(try Session().identitySource().publicIdentity().description)
      }
    }

    struct Passwd: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Change the passphrase that protects your identity.",
        discussion: """
          Asks for the current passphrase, then the new one twice. The file is rewritten
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
        var current: SecretBytes?
        if file.needsPassphrase {
          let fromFile = passphraseFile ?? session.paths.environment["VAULT_PASSPHRASE_FILE"]
          current = try fromFile.map(Prompt.passphrase(fromFile:))
            ?? Prompt.secret("Current passphrase: ", purpose: "passphrase")
        }
        let identity = try file.unlock(passphrase: current)
        let new: SecretBytes
        if let newPassphraseFile {
          new = try Prompt.passphrase(fromFile: newPassphraseFile)
        } else {
          new = try Prompt.secret("New passphrase: ", purpose: "passphrase")
          guard new.count > 0 else { throw VaultError.emptyPassphrase }
          let again = try Prompt.secret("Repeat passphrase: ", purpose: "passphrase")
          guard new.constantTimeEquals(again) else { throw VaultError.passphraseMismatch }
        }
        guard new.count > 0 else { throw VaultError.emptyPassphrase }
        if new.count < 12 { Output.warning("a passphrase under 12 characters is easy to guess") }
        let updated = try IdentityFile(identity: identity, passphrase: new, path: path)
        try FileSystem.writeAtomically(path, updated.serialized())
        withExtendedLifetime(lock) {}
        Output.line("passphrase changed for \(path)")
      }
    }
  }
}
