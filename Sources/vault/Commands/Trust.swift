import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Trust: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Pin the vault's current owners after checking them with an owner.",
      discussion: """
        The first time you open a vault, its owners' keys are pinned under
        ${XDG_STATE_HOME:-~/.local/state}/vault/. A vault whose owners later change without a
        signature from a pinned owner, or a different vault at the same path, is refused
        until you run this. Check the owners (`vault members list`) out of band first.

        Examples:
          vault members list
          vault trust
        """)

    @OptionGroup var vault: VaultOptions

    func run() throws {
      let session = Session()
      let store = VaultStore(path: try session.paths.vaultFile(explicit: vault.vaultPath))
      let file = try store.load(warn: Output.warn)
      try session.trust.accept(file)
      let owners = file.header.members.filter(\.isOwner).map(\.name)
      Output.line("trusting \(file.path): owners \(owners.joined(separator: ", "))")
    }
  }
}
