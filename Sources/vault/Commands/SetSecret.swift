import ArgumentParser
import VaultCore

extension VaultCommand {
  struct SetSecret: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "set",
      abstract: "Store a secret from a no-echo prompt or stdin (never from the command line).",
      discussion: """
        Reads the value from a no-echo prompt when stdin is a terminal, else all of stdin. \
        Surrounding whitespace is trimmed. Storing a name again makes a new version.

        Examples:
          vault set --env prod                          # prompts for OPENAI_API_KEY
          printf %s "$KEY" | vault set --env dev
          vault set --env prod OPENAI_ORG_ID < org.txt
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: "The variable name the secret is injected as.")
    var name: String = "OPENAI_API_KEY"

    @Flag(
      help: "Allow a name that changes how programs load or start (PATH, LD_*, NODE_OPTIONS, …).")
    var allowReserved = false

    func run() throws {
      let session = Session()
      let project = try session.project(label, vault: vault).name
      try Names.check(name, as: .name)
      if Names.isReserved(name) && !allowReserved { throw VaultError.reservedName(name) }
      let store = try session.existingStore(vault)
      let identity = try session.unlock(unlock)

      let raw: SecretBytes
      if Output.isTerminal(0) {
        raw = try Prompt.secret("\(name) for \(project)/\(label.environment): ", purpose: "value")
      } else {
        raw = try Prompt.standardInput()
      }
      let value = Prompt.trimmed(raw)
      guard value.count > 0 else { throw VaultError.emptyValue }
      guard !value.withUnsafeBytes({ $0.contains(0) }) else {
        throw VaultError.nulInValue(label: "\(project)/\(label.environment)/\(name)")
      }
      warnAbout(value)

      let entry = try store.update(warn: Output.warn) { file in
        try file.set(
          [(name, value)], project: project, environment: label.environment, identity: identity)[0]
      }
      Output.line("stored \(entry.label)  \(OpenAIKeys.redact(value)) (version \(entry.version))")
    }

    private func warnAbout(_ value: SecretBytes) {
      switch OpenAIKeys.advice(name: name, value: value) {
      case .adminKeyAsAPIKey:
        Output.warning(
          "this is an Admin API key (sk-admin-…); it belongs in OPENAI_ADMIN_KEY, not an app's OPENAI_API_KEY"
        )
      case .unrecognizedShape:
        Output.warning(
          "the value does not look like an OpenAI API key (sk-proj-…, sk-svcacct-…, sk-…); stored anyway"
        )
      case nil:
        break
      }
    }
  }
}
