import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Store every NAME=VALUE of a .env file (`-` reads stdin) as entries.",
      discussion: """
        Comments, blank lines, quotes (double quotes may span lines) and an `export` prefix \
        are understood; README ".env files" has the grammar. All lines are checked before \
        anything is stored: one bad line and nothing is imported. Delete the .env file \
        afterwards.

        In double quotes and bare values, ${NAME} and $NAME take the value NAME has on an \
        earlier line, as a shell reads the file; any other $ is refused with its line \
        (write \\$, or use single quotes, for a literal $).

        Examples:
          vault import --env staging .env.staging
          cat .env | vault import --env dev -
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: "The .env file, or - for stdin.")
    var file: String

    @Flag(help: "Allow names that change how programs load or start.")
    var allowReserved = false

    func run() throws {
      let session = Session()
      let project = try session.project(label, vault: vault).name
      let text: SecretBytes
      if file == "-" {
        // Typed at a terminal, a .env file would be echoed and cut at the terminal's line
        // limit: refused (README "Typing and pasting at the prompt").
        guard !Output.isTerminal(0) else {
          throw VaultError.stdinIsTerminal(command: "vault import -")
        }
        text = try Input.standardInput(maximumSize: 1 << 20)
      } else {
        guard
          var contents = try FileSystem.read(session.paths.absolute(file), maximumSize: 1 << 20)?
            .bytes
        else {
          throw VaultError.io(path: file, operation: "open", errno: 2)
        }
        text = SecretBytes(copying: contents)
        wipe(&contents)
      }
      let entries = try Dotenv.parse(text)
      guard !entries.isEmpty else {
        throw VaultError.dotenv(line: 1, problem: "no NAME=VALUE lines")
      }
      for (name, _) in entries where Names.isReserved(name) && !allowReserved {
        throw VaultError.reservedName(name)
      }
      for (name, value) in entries where value.withUnsafeBytes({ $0.contains(0) }) {
        throw VaultError.nulInValue(label: "\(project)/\(label.environment)/\(name)")
      }
      let store = try session.existingStore(vault)
      let identity = try session.unlock(unlock)
      let written = try store.update(warn: Output.warn) { vaultFile in
        try vaultFile.set(
          entries, project: project, environment: label.environment, identity: identity)
      }
      for entry in written {
        Output.line("stored \(entry.label) (version \(entry.version))")
      }
    }
  }
}
