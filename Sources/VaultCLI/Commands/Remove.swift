import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rm",
      abstract: "Remove a secret from an environment.",
      discussion: """
        Removing does not revoke: revoke a leaked key in the provider's dashboard too.
        Removing a prod entry asks first at a terminal; scripts pass --yes (without a
        terminal and without --yes it is refused, exit 64).

        Examples:
          vault rm --env dev OPENAI_API_KEY
          vault rm --env prod --yes OLD_KEY
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: "The secret's name.")
    var name: String

    @Flag(name: [.customShort("y"), .long], help: "Remove a prod entry without asking.")
    var yes = false

    func run() throws {
      let session = Session()
      let project = try session.project(label, vault: vault).name
      try Names.check(name, as: .name)
      let store = try session.existingStore(vault)
      let identity = try session.unlock(unlock)
      // After the unlock, as for every other environment: a wrong passphrase is exit 3 first.
      if label.environment == "prod" && !yes {
        try confirm(store, project: project, identity: identity)
      }
      try store.update(warn: Output.warn) { file in
        try file.remove(name, project: project, environment: label.environment, identity: identity)
      }
      Output.line("removed \(project)/\(label.environment)/\(name)")
    }

    /// Asks before a prod entry goes, after the checks `remove` makes in the same order (a
    /// member, who may write, of an entry that exists): no question about nothing.
    private func confirm(_ store: VaultStore, project: String, identity: Identity) throws {
      let shown = "\(project)/\(label.environment)/\(name)"
      let file = try store.load(project: project, environment: label.environment, warn: Output.warn)
      let member = try file.member(for: identity)
      guard member.canWrite(label.environment) else {
        throw VaultError.cannotWrite(member: member.name, environment: label.environment)
      }
      let group = try file.group(project: project, environment: label.environment)
      guard group?.entries.contains(where: { $0.name == name }) == true else {
        throw VaultError.entryNotFound(label: shown)
      }
      switch try Confirmation.ask("remove \(Failure.printable(path: shown))? [y/N] ") {
      case nil: throw VaultError.confirmationNeeded(label: shown)
      case false?: throw VaultError.cancelled
      case true?: break
      }
    }
  }
}
