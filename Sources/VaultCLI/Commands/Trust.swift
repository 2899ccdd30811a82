import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Trust: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Pin the vault's current owners after checking them with an owner.",
      discussion: """
        The first time you open a vault, its owners' keys and its membership generation are \
        pinned under ${XDG_STATE_HOME:-~/.local/state}/vault/. A vault whose owners later \
        change without a signature from a pinned owner, or a different vault at the same path, \
        is refused until you run this. Check the owners (`vault members list` shows their \
        fingerprints) out of band first. Identities you saw removed are never pinned again.

        An older membership generation than the one you saw (a rolled-back file, or an old \
        checkout) is refused; --accept-rollback pins it anyway, for an old copy you mean to \
        use. --pin prints VAULT_PIN for readers without state, such as CI runners.

        Examples:
          vault members list
          vault trust
          vault trust --pin          # VAULT_PIN for the CI settings
        """)

    @OptionGroup var vault: VaultOptions

    @Flag(help: "Accept a membership generation older than the highest seen (an old copy).")
    var acceptRollback = false

    @Flag(help: "Print VAULT_PIN (vault id, generation, owner fingerprints) for stateless readers.")
    var pin = false

    func validate() throws {
      if pin && acceptRollback {
        throw ValidationError("--pin and --accept-rollback cannot be combined")
      }
    }

    func run() throws {
      let session = Session()
      let trust = try session.trust
      let path = try session.paths.vaultFile(explicit: vault.vaultPath)
      if pin {
        // Only a vault that passes every check is worth pinning.
        let file = try VaultStore(path: path, trust: trust).load(warn: Output.warn)
        Output.line(try trust.pin(for: file).description)
        return
      }
      let store = VaultStore(path: path)
      let file = try store.load(warn: Output.warn)
      try trust.accept(file, acceptRollback: acceptRollback)
      let owners = file.header.members.filter(\.isOwner)
        .map { "\($0.name) (\($0.identity.fingerprint))" }
      Output.line(
        "trusting \(file.path) at generation \(file.header.generation): owners \(owners.joined(separator: ", "))"
      )
    }
  }
}
