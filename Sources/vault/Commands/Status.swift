import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the identity, the vault, your access and the unlock cache.",
      discussion: """
        Examples:
          vault status
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions

    func run() throws {
      let session = Session()
      let source = session.identitySource()
      let identity = try source.publicIdentity()
      Output.line(
        "identity: \(source.inlineSecret != nil ? "$VAULT_IDENTITY" : session.paths.identityFile)")
      Output.line("public:   \(identity.description)")
      switch UnlockCache.status(identity) {
      case .cached:
        Output.line("cache:    unlocked (kernel keyring)")
        // The kernel rounds down to whole units: `14m` means 14 to 15 minutes.
        if let left = UnlockCache.timeLeft(identity) {
          Output.line("expires:  in at least \(left.count)\(left.unit)")
        }
      case .empty: Output.line("cache:    locked")
      case .unavailable:
        Output.line(
          "cache:    unavailable here (keyctl refused); every command asks for the passphrase")
      }
      let store = try session.store(vault)
      Output.line("vault:    \(store.path)")
      let resolution = try ProjectCommand.Show.resolution(session, label: label, vault: vault)
      for line in resolution { Output.line(line) }
      let file = try store.load(warn: Output.warn)
      if let member = file.header.member(for: identity) {
        Output.line("member:   \(member.name)\(member.isOwner ? " (owner)" : "")")
        // `-` for none, as `members list` and `members add` print it.
        Output.line("reads:    \(member.read.isEmpty ? "-" : member.read.joined(separator: ", "))")
        Output.line(
          "writes:   \(member.write.isEmpty ? "-" : member.write.joined(separator: ", "))")
      } else {
        Output.line("member:   not a member of this vault")
      }
      Output.line("groups:   \(file.blocks.count) project/environment pairs hold entries")
      let groups = try file.allGroups()
      // Entries a text merge left under a key their environment no longer has: unreadable
      // until their writer stores them again.
      let retired = groups.flatMap { group in
        group.entries.filter { file.isUnderRetiredKey($0) }.map { entry in
          let writer = file.header.member(signingKey: entry.writer)?.name
          return "\(entry.label) (encrypted to a retired key of \(entry.environment): store it"
            + " again with `vault set --project \(entry.project) --env \(entry.environment)"
            + " \(entry.name)`\(writer.map { "; \($0) has the value" } ?? ""))"
        }
      }
      // Members seen leaving without a re-key (a `git revert` of `members add`).
      for gone in file.departed {
        let seen = gone.generation > 0 ? " (a member at generation \(gone.generation))" : ""
        Output.line(
          "departed: \(gone.name) left the members\(seen) without a re-key of "
            + "\(gone.environments.joined(separator: ", ")): an owner runs"
            + " `vault members rm \(gone.name)`"
        )
      }
      if !retired.isEmpty {
        Output.line("retired:  \(retired.joined(separator: ", "))")
      }
      let flagged = groups.flatMap { group in
        group.flags.map {
          "\(group.project)/\(group.environment)/\($0.name) "
            + (!$0.wrote
              ? "(exposed to \($0.member))"
              : file.header.members.contains(where: { [name = $0.member] in $0.name == name })
                ? "(written by \($0.member), read access taken away)"
                : "(written by \($0.member), removed)")
        }
      }
      if !flagged.isEmpty {
        Output.line("rotate:   \(flagged.joined(separator: ", "))")
      }
    }
  }
}
