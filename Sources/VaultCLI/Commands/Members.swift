import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Members: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List, add, change and remove the members of a team vault.",
      discussion: """
        Examples:
          vault members add bob vault-pub-… --read dev,staging
          vault members add ci vault-pub-… --read prod
          vault members set bob --read dev
          vault members rm bob
          vault members list --json
        """,
      subcommands: [List.self, Add.self, Change.self, Remove.self])

    struct List: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Who reads and writes which environments; needs no passphrase.",
        discussion: """
          Each line shows the member's key fingerprint (each member reads theirs with \
          `vault identity show --fingerprint`: compare them out of band); the last line names \
          the owner who signed the membership, with theirs.

          Examples:
            vault members list
            vault members list --json
          """)

      @OptionGroup var vault: VaultOptions
      @Flag(
        help: "Print a JSON array of {name, owner, read, write, identity, fingerprint, signer}.")
      var json = false

      func run() throws {
        let file = try Session().store(vault).load(warn: Output.warn)
        let members = file.header.members
        // `load` verified the header, so its signer is a member; the fallback never shows.
        let signer = file.header.member(signingKey: file.header.signer)
        if json {
          let objects = members.map { m in
            "{\"name\":\(JSON.quote(m.name)),\"owner\":\(m.isOwner),"
              + "\"read\":[\(m.read.map(JSON.quote).joined(separator: ","))],"
              + "\"write\":[\(m.write.map(JSON.quote).joined(separator: ","))],"
              + "\"identity\":\(JSON.quote(m.identity.description)),"
              + "\"fingerprint\":\(JSON.quote(m.identity.fingerprint)),"
              + "\"signer\":\(m.name == signer?.name)}"
          }
          Output.line("[" + objects.joined(separator: ",") + "]")
          return
        }
        // Names and fingerprints are ASCII: a character is a column.
        let reads = members.map { m in
          "read " + (m.read.isEmpty ? "-" : m.read.joined(separator: ","))
        }
        let nameWidth = members.map(\.name.count).max() ?? 0
        let readWidth = reads.map(\.count).max() ?? 0
        for (m, read) in zip(members, reads) {
          let write = m.write.isEmpty ? "-" : m.write.joined(separator: ",")
          Output.line(
            padded(m.name, nameWidth) + "  " + (m.isOwner ? "owner " : "member") + "  "
              + m.identity.fingerprint + "  " + padded(read, readWidth) + "  write " + write)
        }
        Output.line(
          signer.map { "signed by \($0.name) (\($0.identity.fingerprint))" }
            ?? "signed by an unknown key")
      }

      private func padded(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
      }
    }

    struct Add: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Add a member by their public identity (owners only).",
        discussion: """
          The new member gets a sealed copy of each readable environment's key; no secret is \
          re-encrypted.

          Examples:
            vault members add bob vault-pub-… --read dev,staging --write dev
            vault members add carol vault-pub-… --read dev,staging,prod --owner
          """)

      @OptionGroup var vault: VaultOptions
      @OptionGroup var unlock: UnlockOptions
      @Argument(help: "The member's name.") var name: String
      @Argument(help: "Their public identity, from `vault identity show`.") var identity: String
      @Option(help: ArgumentHelp("Environments they may read, comma-separated.", valueName: "envs"))
      var read: String
      @Option(help: ArgumentHelp("Environments they may write (default: none).", valueName: "envs"))
      var write: String = ""
      @Flag(help: "Make them an owner: they may change membership.") var owner = false

      func run() throws {
        try Names.check(name, as: .member)
        if identity.hasPrefix(Identity.secretPrefix) { throw VaultError.secretIdentityGiven }
        guard let publicIdentity = PublicIdentity(identity) else {
          throw VaultError.invalidPublicIdentity
        }
        let readList = try Self.environments(read)
        let writeList = try Self.environments(write)
        let session = Session()
        let store = try session.existingStore(vault)
        // Before any prompt: an identity seen removed is never trusted again, so adding it
        // back would make every later write fail (TeamVaults.md, "Retired members").
        try refuseRemoved(publicIdentity, in: store.load(warn: Output.warn), store: store)
        let me = try session.unlock(unlock)
        try store.update(warn: Output.warn) { file in
          try refuseRemoved(publicIdentity, in: file, store: store)
          try file.addMember(
            name: name, identity: publicIdentity, read: readList, write: writeList, isOwner: owner,
            by: me)
        }
        Output.line(
          "added \(name)\(owner ? " (owner)" : ""): read \(readList.joined(separator: ",")), write \(writeList.isEmpty ? "-" : writeList.joined(separator: ","))"
        )
      }

      static func environments(_ list: String) throws -> [String] {
        let names = list.split(separator: ",").map(String.init)
        for name in names { try Names.check(name, as: .environment) }
        return names
      }

      private func refuseRemoved(
        _ identity: PublicIdentity, in file: VaultFile, store: VaultStore
      ) throws {
        if let was = try store.trust?.removedName(of: identity, in: file) {
          throw VaultError.identityRemoved(member: was)
        }
      }
    }

    struct Change: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a member's access, ownership or name (owners only).",
        discussion: """
          A list not given keeps its current value (a kept --write loses what a new --read \
          takes away: write needs read). Each environment taken out of --read gets a new key \
          and its entries are flagged "rotate: exposed to NAME", as at `members rm`; an \
          environment added is sealed to them, nothing re-encrypted. --rename keeps the \
          identity; flags set before keep the old name. The last owner cannot be demoted, \
          and nobody narrows or demotes themselves.

          Examples:
            vault members set bob --read dev            # staging re-keyed and flagged
            vault members set bob --read dev,staging --write dev
            vault members set carol --owner
            vault members set bob --rename robert
          """)

      @OptionGroup var vault: VaultOptions
      @OptionGroup var unlock: UnlockOptions
      @Argument(help: "The member's name.") var name: String
      @Option(
        help: ArgumentHelp("Environments they may read, comma-separated (replaces the list).",
          valueName: "envs"))
      var read: String?
      @Option(
        help: ArgumentHelp("Environments they may write, comma-separated; \"\" for none.",
          valueName: "envs"))
      var write: String?
      @Flag(
        inversion: .prefixedNo,
        help: "Make them an owner (--owner) or a plain member (--no-owner).")
      var owner: Bool?
      @Option(help: ArgumentHelp("A new name for the same identity.", valueName: "name"))
      var rename: String?

      func validate() throws {
        if read == nil && write == nil && owner == nil && rename == nil {
          throw ValidationError("nothing to change: give --read, --write, --owner/--no-owner or --rename")
        }
      }

      func run() throws {
        try Names.check(name, as: .member)
        if let rename { try Names.check(rename, as: .member) }
        let readList = try read.map(Add.environments)
        let writeList = try write.map(Add.environments)
        let session = Session()
        let store = try session.existingStore(vault)
        let transit = try openBaoTransit(
          store.load(warn: Output.warn), rekeying: { file in
            guard let readList, let member = file.header.members.first(where: { $0.name == name })
            else { return [] }
            return member.read.filter { !readList.contains($0) }
          })
        let me = try session.unlock(unlock)
        let change = try store.update(warn: Output.warn) { file in
          file.transit = transit
          return try file.changeMember(
            name, read: readList, write: writeList, isOwner: owner, rename: rename, by: me)
        }
        let member = change.member
        guard change.changed else {
          Output.line("\(member.name): nothing to change")
          return
        }
        if member.name != name { Output.line("renamed \(name) to \(member.name)") }
        Output.line(
          "\(member.name)\(member.isOwner ? " (owner)" : ""): read \(list(member.read)), write \(list(member.write))"
        )
        if !change.sealed.isEmpty {
          Output.line("sealed \(change.sealed.joined(separator: ", ")) to \(member.name); nothing re-encrypted")
        }
        if !change.rekeyed.isEmpty {
          Output.line(
            "re-keyed \(change.rekeyed.joined(separator: ", ")); `vault list` shows the entries to rotate"
          )
        }
        for label in change.resigned {
          Output.line("re-signed \(label): \(member.name) wrote it and may no longer write there")
        }
      }

      private func list(_ environments: [String]) -> String {
        environments.isEmpty ? "-" : environments.joined(separator: ",")
      }
    }

    struct Remove: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a member: re-keys what they could read and flags it for rotation.",
        discussion: """
          Every environment the member could read gets a new key; its entries are \
          re-encrypted and flagged "rotate: exposed to NAME" until a new version is stored. \
          A removed member keeps whatever they already decrypted: rotate those keys. \
          NAME may also be someone `vault status` says left the members without a re-key \
          (a `git revert` of `members add`): what they could read is re-keyed the same way.

          Examples:
            vault members rm bob
          """)

      @OptionGroup var vault: VaultOptions
      @OptionGroup var unlock: UnlockOptions
      @Argument(help: "The member's name.") var name: String

      func run() throws {
        let session = Session()
        let store = try session.existingStore(vault)
        // An environment OpenBao holds gets its new key sealed through OpenBao: in `vault`,
        // vault-net runs this command from here, before anything is prompted.
        let transit = try openBaoTransit(
          store.load(warn: Output.warn), rekeying: { file in
            file.header.members.first { $0.name == name }?.read
              ?? file.departed.first { $0.name == name }?.environments ?? []
          })
        let me = try session.unlock(unlock)
        let removal = try store.update(warn: Output.warn) { file in
          file.transit = transit
          return try file.removeMember(name, by: me)
        }
        Output.line(
          removal.departed
            ? "removed \(name), who had left the members without a re-key" : "removed \(name)")
        if !removal.rekeyed.isEmpty {
          Output.line(
            "re-keyed \(removal.rekeyed.joined(separator: ", ")); `vault list` shows the entries to rotate"
          )
        }
        for label in removal.dropped {
          Output.line("dropped \(label): \(name) wrote it without read access, so no reader trusted it")
        }
      }
    }
  }

  struct Environments: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "env",
      abstract: "List the environments; add more beyond dev, staging and prod.",
      discussion: """
        Examples:
          vault env list
          vault env add qa
          vault env recipient add prod openbao --addr https://bao.internal:8200 --transit-key shop-prod
        """,
      subcommands: [List.self, Add.self, Recipient.self])

    struct List: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "List the environments, and who reads and writes each; needs no passphrase.",
        discussion: """
          Examples:
            vault env list
          """)

      @OptionGroup var vault: VaultOptions

      func run() throws {
        let file = try Session().store(vault).load(warn: Output.warn)
        let width = file.header.environments.map(\.name.count).max() ?? 0
        for environment in file.header.environments {
          let name = environment.name
          let readers = file.header.members.filter { $0.read.contains(name) }.map(\.name)
          let writers = file.header.members.filter { $0.canWrite(name) }.map(\.name)
          let padded = name + String(repeating: " ", count: width - name.count)
          let openBao = file.header.openBaoRecipient(name).map {
            "  openbao \($0.address) \($0.mount)/\($0.key)"
          }
          Output.line(
            "\(padded)  read \(readers.isEmpty ? "-" : readers.joined(separator: ","))"
              + "  write \(writers.isEmpty ? "-" : writers.joined(separator: ","))"
              + (openBao ?? ""))
        }
      }
    }

    struct Add: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Add an environment (owners only); you can read and write it.",
        discussion: """
          Examples:
            vault env add qa
          """)

      @OptionGroup var vault: VaultOptions
      @OptionGroup var unlock: UnlockOptions
      @Argument(help: "The environment's name.") var name: String

      func run() throws {
        try Names.check(name, as: .environment)
        let session = Session()
        let store = try session.existingStore(vault)
        let me = try session.unlock(unlock)
        try store.update(warn: Output.warn) { file in try file.addEnvironment(name, by: me) }
        Output.line("added environment \(name)")
      }
    }
  }
}

/// OpenBao's transit engine when a membership change re-keys an environment with an OpenBao
/// recipient (in `vault`, vault-net takes over the command here, before any prompt); nil
/// when none of the environments `rekeying` names has one.
func openBaoTransit(_ file: VaultFile, rekeying: (VaultFile) -> [String]) throws
  -> (any TransitService)?
{
  let environments = rekeying(file)
  guard
    let recipient = file.header.openBao.first(where: { environments.contains($0.environment) })
  else { return nil }
  // Without a credential the re-key cannot be sealed: refused here, before any prompt.
  guard OpenBaoExec.hasCredential else {
    throw VaultError.openBaoNeeded(environment: recipient.environment)
  }
  return try NetworkHelper.requireTransit()
}
