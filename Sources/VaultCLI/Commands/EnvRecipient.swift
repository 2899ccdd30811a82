import ArgumentParser
import VaultCore

extension VaultCommand.Environments {
  /// `vault env recipient add|rm|list`: a key service that also holds an environment's key.
  struct Recipient: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Seal an environment's key to an OpenBao transit key, for readers without an"
        + " identity (CI).",
      discussion: """
        The recipient line is part of the membership (owner-signed). A CI runner with \
        VAULT_BAO_ADDR, VAULT_BAO_ROLE and VAULT_BAO_JWT_FILE (or VAULT_BAO_TOKEN) set then \
        runs `vault exec --env ENV -- …` with no VAULT_IDENTITY: OpenBao unwraps the key.

        Examples:
          vault env recipient add prod openbao --addr https://bao.internal:8200 --transit-key shop-prod
          vault env recipient list
          vault env recipient rm prod openbao
        """,
      subcommands: [Add.self, Remove.self, List.self])

    /// The kinds of recipient there are: OpenBao's transit engine alone.
    static func checkKind(_ kind: String) throws {
      guard kind == "openbao" else {
        throw ValidationError("unknown recipient kind '\(kind)'; the one kind is `openbao`")
      }
    }

    struct Add: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Seal ENV's key with OpenBao's transit key (owners only).",
        discussion: """
          Asks OpenBao (with VAULT_BAO_TOKEN, VAULT_BAO_TOKEN_FILE or VAULT_BAO_JWT_FILE and \
          VAULT_BAO_ROLE) to encrypt the environment's key, bound to this vault and \
          environment, and records the address, mount, key and ciphertext in the header.

          Examples:
            vault env recipient add prod openbao --addr https://bao.internal:8200 --transit-key shop-prod
            vault env recipient add prod openbao --addr https://bao.internal:8200 --transit-key shop-prod --mount ci-transit
          """)

      @OptionGroup var vault: VaultOptions
      @OptionGroup var unlock: UnlockOptions
      @Argument(help: "The environment.") var environment: String
      @Argument(help: "The kind of recipient: openbao.") var kind: String
      @Option(help: ArgumentHelp("OpenBao's address, http(s)://host[:port].", valueName: "url"))
      var addr: String
      @Option(help: ArgumentHelp("The transit key's name.", valueName: "key"))
      var transitKey: String
      @Option(help: ArgumentHelp("The transit engine's mount path.", valueName: "path"))
      var mount: String = "transit"

      func validate() throws {
        try Recipient.checkKind(kind)
        var address = addr
        if address.hasSuffix("/") { address.removeLast() }
        guard OpenBaoRecipient.isValidAddress(address) else {
          throw ValidationError("--addr takes http(s)://host[:port] (lower case, no path)")
        }
        guard OpenBaoRecipient.isAllowedForToken(address) else {
          throw ValidationError("--addr must be https:// (plain http:// only to a loopback address)")
        }
        guard OpenBaoRecipient.isValidKey(transitKey) else {
          throw ValidationError("--transit-key takes letters, digits, _, - and . (up to 128)")
        }
        guard OpenBaoRecipient.isValidMount(mount) else {
          throw ValidationError("--mount takes a path of letters, digits, _ and - (up to 128)")
        }
      }

      func run() throws {
        try Names.check(environment, as: .environment)
        var address = addr
        if address.hasSuffix("/") { address.removeLast() }
        let session = Session()
        let store = try session.existingStore(vault)
        // Checked before vault-net takes over, so that the common mistakes need no network.
        let current = try store.load(warn: Output.warn)
        guard current.header.environment(environment) != nil else {
          throw current.environmentNotFound(environment)
        }
        guard current.header.openBaoRecipient(environment) == nil else {
          throw VaultError.openBaoRecipientExists(environment: environment)
        }
        // In `vault`, vault-net runs this command from here: before anything is prompted.
        let transit = try NetworkHelper.requireTransit()
        let me = try session.unlock(unlock)
        try store.update(warn: Output.warn) { file in
          try file.addOpenBaoRecipient(
            environment: environment, address: address, mount: mount, key: transitKey, by: me,
            transit: transit)
        }
        Output.line(
          "sealed \(environment)'s key with OpenBao transit key \(mount)/\(transitKey)"
            + " at \(address)")
      }
    }

    struct Remove: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove ENV's OpenBao recipient (owners only); needs no network.",
        discussion: """
          The environment keeps its key: whoever had OpenBao unwrap it may still hold it. \
          Revoke the role in OpenBao as well, and re-key (`vault members rm`) or rotate the \
          values if that matters.

          Examples:
            vault env recipient rm prod openbao
          """)

      @OptionGroup var vault: VaultOptions
      @OptionGroup var unlock: UnlockOptions
      @Argument(help: "The environment.") var environment: String
      @Argument(help: "The kind of recipient: openbao.") var kind: String

      func validate() throws { try Recipient.checkKind(kind) }

      func run() throws {
        try Names.check(environment, as: .environment)
        let session = Session()
        let store = try session.existingStore(vault)
        let current = try store.load(warn: Output.warn)
        guard current.header.environment(environment) != nil else {
          throw current.environmentNotFound(environment)
        }
        guard current.header.openBaoRecipient(environment) != nil else {
          throw VaultError.noOpenBaoRecipient(environment: environment)
        }
        let me = try session.unlock(unlock)
        try store.update(warn: Output.warn) { file in
          try file.removeOpenBaoRecipient(environment: environment, by: me)
        }
        Output.line("removed the OpenBao recipient of \(environment)")
      }
    }

    struct List: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "The environments sealed to OpenBao: address, mount and key; needs no"
          + " passphrase.",
        discussion: """
          Examples:
            vault env recipient list
          """)

      @OptionGroup var vault: VaultOptions

      func run() throws {
        let file = try Session().store(vault).load(warn: Output.warn)
        for recipient in file.header.openBao {
          Output.line(
            "\(recipient.environment)  openbao  \(recipient.address)"
              + "  \(recipient.mount)/\(recipient.key)")
        }
      }
    }
  }
}
