import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print one secret's value alone on stdout, for pipes.",
      discussion: """
        Examples:
          vault get -n --env prod | wl-copy         # the clipboard (X11: xclip -sel clip)
          vault get --env dev OPENAI_ORG_ID > org.txt
          vault get --env prod --at-version 1       # an older version kept (vault history)

        Prefer `vault exec`: a value in a shell variable can leak into history or logs, and \
        one in a command's arguments (a curl header built by command substitution) is \
        visible to every local user in ps. To send a key in a header, keep it out of argv:
          vault exec -- sh -c 'printf "Authorization: Bearer %s" "$OPENAI_API_KEY" |
            curl -H @- https://api.openai.com/v1/models'
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: "The secret's name.")
    var name: String = "OPENAI_API_KEY"

    @Flag(name: [.customShort("n"), .long], help: "Do not print a newline after the value.")
    var noNewline = false

    @Option(
      name: .customLong("at-version"),
      help: ArgumentHelp(
        "Print this older version's value (`vault history` lists those kept).",
        valueName: "version"))
    var atVersion: String?

    func run() throws {
      let version = try atVersion.map { try VersionArgument.parse($0, option: "--at-version") }
      let session = Session()
      let project = try session.project(label, vault: vault).name
      try Names.check(name, as: .name)
      let store = try session.store(vault)
      let file = try store.load(project: project, environment: label.environment, warn: Output.warn)
      let identity = try session.unlock(unlock)
      if let version {
        let old = try file.value(
          of: name, version: version, project: project, environment: label.environment,
          identity: identity)
        VaultCommand.Log.record([old.entry], command: "get", program: nil, paths: session.paths)
        Output.secret(old.value)
        if !noNewline { Output.bytes([0x0A]) }
        return
      }
      let secrets = try file.secrets(
        project: project, environment: label.environment, identity: identity)
      guard !secrets.isEmpty else {
        throw VaultError.noEntries(
          project: project, environment: label.environment, holdings: try store.holdings())
      }
      guard let secret = secrets.first(where: { $0.entry.name == name }) else {
        throw VaultError.entryNotFound(label: "\(project)/\(label.environment)/\(name)")
      }
      VaultCommand.Log.record([secret.entry], command: "get", program: nil, paths: session.paths)
      Output.secret(secret.value)
      if !noNewline { Output.bytes([0x0A]) }
    }
  }
}
