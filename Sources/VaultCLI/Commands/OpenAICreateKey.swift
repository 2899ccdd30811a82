import ArgumentParser
import VaultCore

extension VaultCommand.OpenAI {
  struct CreateKey: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "create-key",
      abstract: "Create a service-account key at OpenAI and store it; it is never printed.",
      discussion: """
        The service account named --service-account is reused when the OpenAI project has \
        one of that name (the key is added to it) and created otherwise. The new key goes \
        straight into the vault as a new version of the entry, linked to its OpenAI id, with \
        the scopes recorded for `vault openai rotate`. With --scopes a new account is made \
        without a default key, so no unscoped key ever exists.

        Examples:
          vault openai create-key --env prod --openai-project proj_abc --service-account deploy-bot
          vault openai create-key --env prod --openai-project proj_abc \\
            --service-account deploy-bot --scopes api.responses.write,api.model.read
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var openAI: OpenAIOptions

    @Option(help: ArgumentHelp("The OpenAI project to create the key in.", valueName: "proj_…"))
    var openaiProject: String

    @Option(help: ArgumentHelp("The service account's name: reused if it exists, else created.", valueName: "name"))
    var serviceAccount: String

    @Option(help: ArgumentHelp("The key's scopes, comma-separated (default: the account's role).", valueName: "scopes"))
    var scopes: String?

    @Option(help: ArgumentHelp("The entry to store it as (default OPENAI_API_KEY).", valueName: "name"))
    var name = "OPENAI_API_KEY"

    func run() throws {
      _ = try NetworkHelper.require()
      try Names.check(name, as: .name)
      let openAIProject = try checkedOption(openaiProject, "--openai-project", example: "proj_abc")
      let accountName = try AccountName.check(serviceAccount)
      let scopes = try ScopesArgument.parse(scopes) ?? []
      let context = try OpenAIContext.open(openAI, vault: vault, label: label, unlock: unlock)
      let environment = label.environment
      let entryLabel = "\(context.project)/\(environment)/\(name)"

      // Everything that could refuse the store is checked before a key exists at OpenAI.
      let file = context.file
      try file.checkCanStore(
        name, project: context.project, environment: environment, identity: context.identity)
      if let group = try file.group(project: context.project, environment: environment),
        group.rotation(name) != nil
      {
        throw VaultError.openAI(
          OpenAIFailure(
            .failed, "a rotation of \(entryLabel) is pending",
            hint: "finish it first: `vault openai rotate --env \(environment)`"))
      }

      let accounts = try context.client.serviceAccounts(project: openAIProject)
        .filter { $0.name == accountName }
      let created: CreatedKey
      let reused: Bool
      switch accounts.count {
      case 0:
        created = try context.client.createServiceAccount(
          project: openAIProject, name: accountName, scopes: scopes)
        reused = false
      case 1:
        created = try context.client.createKey(
          project: openAIProject, account: accounts[0].id, name: accountName, scopes: scopes)
        reused = true
      default:
        throw VaultError.openAI(
          OpenAIFailure(
            .failed,
            "\(accounts.count) service accounts of \(openAIProject) are named \(accountName)"
              + " (\(accounts.map(\.id).joined(separator: ", ")))",
            hint: "rename or delete the extra ones in OpenAI's dashboard"))
      }
      let link = try OpenAILink(
        name: name, version: 0, project: openAIProject, keyID: checkedID(created.id, "key id"),
        account: checkedID(created.account, "service account id"), scopes: scopes)
      var stored: Entry?
      do {
        try context.store.update(warn: Output.warn) { file in
          stored = try file.set(
            [(name, created.value)], project: context.project, environment: environment,
            identity: context.identity, link: link
          ).first
        }
      } catch {
        // The key exists at OpenAI but not in the vault, and its value is lost with this
        // process: revoke it rather than leave it behind.
        let revoked =
          reused
          ? ((try? context.client.deleteKey(project: openAIProject, id: created.id)) ?? false)
          : ((try? context.client.deleteServiceAccount(
            project: openAIProject, account: created.account)) ?? false)
        Output.warning(
          revoked
            ? "the new key \(created.id) could not be stored, so it was deleted at OpenAI"
            : "the new key \(created.id) could not be stored and is still active at OpenAI:"
              + " delete it in OpenAI's dashboard")
        throw error
      }
      let version = stored.map { " v\($0.version)" } ?? ""
      Output.line(
        "created \(created.id) for service account \(accountName)"
          + (reused ? "" : " (new)") + " in \(openAIProject),"
          + " stored as \(entryLabel)\(version); the value is not shown")
    }
  }
}

/// A service account's name as `--service-account` gives it: printable ASCII without control
/// characters, 1-100 characters (the longest OpenAI's dashboard takes), not shaped like a key.
enum AccountName {
  static func check(_ text: String) throws -> String {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty, bytes.count <= 100, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
      !text.contains("sk-")
    else {
      throw VaultError.openAI(
        OpenAIFailure(
          .usage, "--service-account takes a name of 1-100 printable characters, such as deploy-bot"))
    }
    return text
  }
}

extension VaultFile {
  /// Throws what storing a new version of `name` would throw (no write access, a departed
  /// reader, a retired key…), by storing a placeholder in a copy: run before a key is made at
  /// OpenAI, so that a refusal never leaves one behind.
  func checkCanStore(_ name: String, project: String, environment: String, identity: Identity) throws {
    var copy = self
    _ = try copy.set(
      [(name, SecretBytes(copying: Array("placeholder".utf8)))], project: project,
      environment: environment, identity: identity)
  }
}
