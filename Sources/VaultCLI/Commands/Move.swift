import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Move: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "mv",
      abstract: "Move a secret (or a whole environment) to another environment or project.",
      discussion: """
        As `vault cp`, then the source entries are removed, in the same atomic write of the \
        vault: either both happen or neither. Needs write access to the source as well.

        Examples:
          vault mv OPENAI_API_KEY --env dev --to-env staging
          vault mv --env prod --to-project shop-v2
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var destination: DestinationOptions
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: "The secret's name (default: every entry of --env).")
    var name: String?

    func validate() throws {
      try destination.requireDestination()
    }

    func run() throws {
      try Transfer(
        vault: vault, label: label, destination: destination, unlock: unlock, name: name,
        fromVault: nil, move: true
      ).run()
    }
  }
}
