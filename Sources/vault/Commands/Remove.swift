import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rm",
      abstract: "Remove a secret from an environment.",
      discussion: """
        Removing does not revoke: revoke a leaked key in the provider's dashboard too.

        Examples:
          vault rm --env dev OPENAI_API_KEY
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: "The secret's name.")
    var name: String

    func run() throws {
      let session = Session()
      let project = try session.project(label, vault: vault).name
      try Names.check(name, as: .name)
      let store = try session.existingStore(vault)
      let identity = try session.unlock(unlock)
      try store.update(warn: Output.warn) { file in
        try file.remove(name, project: project, environment: label.environment, identity: identity)
      }
      Output.line("removed \(project)/\(label.environment)/\(name)")
    }
  }
}
