import ArgumentParser
import VaultCore

extension VaultCommand.OpenAI {
  struct Link: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Record which OpenAI key an entry holds, found by its redacted form.",
      discussion: """
        Lists the project's keys at OpenAI and finds the one whose redacted form \
        (sk-pro...x9Q) matches the entry's value; with --key-id, checks that key instead. \
        The link (OpenAI's project and key id, and the service account) is stored beside the \
        entry's current version, signed like the rest of its group.

        Examples:
          vault openai link --env prod --openai-project proj_abc
          vault openai link --env dev --openai-project proj_abc --key-id key_abc
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var openAI: OpenAIOptions

    @Option(help: ArgumentHelp("The OpenAI project the key belongs to.", valueName: "proj_…"))
    var openaiProject: String

    @Option(help: ArgumentHelp("The key's id, when the redacted form is ambiguous.", valueName: "key_…"))
    var keyId: String?

    @Option(help: ArgumentHelp("The entry (default OPENAI_API_KEY).", valueName: "name"))
    var name = "OPENAI_API_KEY"

    func run() throws {
      _ = try NetworkHelper.require()
      try Names.check(name, as: .name)
      let openAIProject = try checkedOption(openaiProject, "--openai-project", example: "proj_abc")
      if let keyId { _ = try checkedOption(keyId, "--key-id", example: "key_abc") }
      let context = try OpenAIContext.open(openAI, vault: vault, label: label, unlock: unlock)
      let environment = label.environment
      let entryLabel = "\(context.project)/\(environment)/\(name)"
      let file = context.file
      let current = try file.versions(of: name, project: context.project, environment: environment)
      guard let entry = current.first else { throw VaultError.entryNotFound(label: entryLabel) }
      let value = try file.value(
        of: name, version: entry.version, project: context.project, environment: environment,
        identity: context.identity
      ).value

      let key: OpenAIKey
      if let keyId {
        guard let found = try context.client.key(project: openAIProject, id: keyId) else {
          throw VaultError.openAI(
            OpenAIFailure(.notFound, "OpenAI has no key \(keyId) in project \(openAIProject)"))
        }
        guard found.matches(value) else {
          throw VaultError.openAI(
            OpenAIFailure(
              .failed,
              "\(keyId)'s redacted form \(Printable.escaped(found.redactedValue, limit: 40)) does not match \(entryLabel)"
            ))
        }
        key = found
      } else {
        let matching = try context.client.keys(project: openAIProject).filter { $0.matches(value) }
        guard let only = matching.first else {
          throw VaultError.openAI(
            OpenAIFailure(
              .notFound,
              "no key of project \(openAIProject) has the redacted form of \(entryLabel)",
              hint: "check --openai-project, or give the key's id with --key-id"))
        }
        guard matching.count == 1 else {
          let ids = matching.map(\.id).joined(separator: ", ")
          throw VaultError.openAI(
            OpenAIFailure(
              .failed, "\(matching.count) keys of \(openAIProject) match \(entryLabel): \(ids)",
              hint: "choose one with --key-id"))
        }
        key = only
      }
      let account =
        key.ownerType == "service_account" ? try checkedID(key.ownerID, "service account id") : nil
      let link = OpenAILink(
        name: name, version: entry.version, project: openAIProject,
        keyID: try checkedID(key.id, "key id"), account: account, scopes: [])
      try context.store.update(warn: Output.warn) { file in
        try file.setLink(
          link, project: context.project, environment: environment, identity: context.identity)
      }
      let owner =
        account == nil
        ? "user \(Printable.escaped(key.ownerName, limit: 60))"
        : "service account \(Printable.escaped(key.ownerName, limit: 60))"
      Output.line("linked \(entryLabel) v\(entry.version) to \(key.id) (\(owner)) in \(openAIProject)")
    }
  }
}
