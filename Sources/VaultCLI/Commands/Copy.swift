import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "cp",
      abstract: "Copy a secret (or a whole environment) to another environment or project.",
      discussion: """
        Values are decrypted and encrypted again for the destination, never printed: the \
        output shows labels and redacted forms. Needs read access to the source and write \
        access to the destination; an entry that exists there is replaced only with --force \
        (as a new version). Without NAME, every entry of the source environment is copied. \
        --from-vault copies from another vault file (your personal vault into a team vault, \
        say): your identity must be able to read there and write here.

        Examples:
          vault cp OPENAI_API_KEY --env dev --to-env staging
          vault cp --env prod --to-project shop-v2
          vault cp --from-vault ~/.local/share/vault/personal.vault --env prod
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var destination: DestinationOptions
    @OptionGroup var unlock: UnlockOptions

    @Option(
      help: ArgumentHelp(
        "Copy from this vault file into the vault (default: within the vault).",
        valueName: "path"))
    var fromVault: String?

    @Argument(help: "The secret's name (default: every entry of --env).")
    var name: String?

    func validate() throws {
      if fromVault == nil { try destination.requireDestination() }
    }

    func run() throws {
      try Transfer(
        vault: vault, label: label, destination: destination, unlock: unlock, name: name,
        fromVault: fromVault, move: false
      ).run()
    }
  }
}

/// Where `cp` and `mv` put the copy.
struct DestinationOptions: ParsableArguments {
  @Option(
    name: .customLong("to-env"),
    help: ArgumentHelp("The destination environment (default: --env).", valueName: "env"))
  var environment: String?

  @Option(
    name: .customLong("to-project"),
    help: ArgumentHelp("The destination project (default: the project).", valueName: "name"))
  var project: String?

  @Flag(help: "Replace an entry that exists at the destination (a new version of it).")
  var force = false

  func validate() throws {
    if let environment, !Names.isValidEnvironment(Array(environment.utf8)) {
      throw ValidationError(
        "invalid environment '\(Failure.printable(environment))': use lowercase letters, digits, '_', '-'"
      )
    }
  }

  func requireDestination() throws {
    guard environment != nil || project != nil else {
      throw ValidationError("no destination: give --to-env, --to-project or both")
    }
  }
}

/// `cp` and `mv`: decrypt from one label, store under another, in one atomic write.
struct Transfer {
  let vault: VaultOptions
  let label: LabelOptions
  let destination: DestinationOptions
  let unlock: UnlockOptions
  let name: String?
  let fromVault: String?
  let move: Bool

  func run() throws {
    let session = Session()
    let project = try session.paths.project(explicit: label.project)
    let toProject = destination.project ?? project
    try Names.check(toProject, as: .project)
    let toEnvironment = destination.environment ?? label.environment
    if let name { try Names.check(name, as: .name) }
    let store = try session.existingStore(vault)
    var source: VaultStore?
    if let fromVault {
      let path = try session.paths.vaultFile(explicit: fromVault)
      if path != store.path { source = VaultStore(path: path, trust: try session.trust) }
    }
    if source == nil && project == toProject && label.environment == toEnvironment {
      throw ValidationError(
        "\(project)/\(toEnvironment) is both source and destination: give --to-env or --to-project")
    }
    let identity = try session.unlock(unlock)
    var from: [(entry: Entry, value: SecretBytes)] = []
    if let source {
      let file = try source.load(
        project: project, environment: label.environment, warn: Output.warn)
      from = try file.entriesToCopy(
        name, project: project, environment: label.environment, identity: identity)
    }
    let written = try store.update(warn: Output.warn) { file in
      if source == nil {
        from = try file.entriesToCopy(
          name, project: project, environment: label.environment, identity: identity)
      }
      let written = try file.storeCopies(
        from, project: toProject, environment: toEnvironment, force: destination.force,
        identity: identity)
      // In the same write as the copy: the source goes only if the copy is stored too.
      if move {
        for (entry, _) in from {
          try file.remove(
            entry.name, project: project, environment: label.environment, identity: identity)
        }
      }
      return written
    }
    let prefix = source.map { Failure.printable(path: $0.path) + ":" } ?? ""
    for ((entry, value), copy) in zip(from, written) {
      Output.line(
        "\(move ? "moved" : "copied") \(prefix)\(entry.label) to \(copy.label)  "
          + "\(OpenAIKeys.redact(value)) (version \(copy.version))")
    }
  }
}
