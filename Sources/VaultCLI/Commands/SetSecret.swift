import ArgumentParser
import VaultCore

extension VaultCommand {
  struct SetSecret: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "set",
      abstract: "Store a secret from a no-echo prompt or stdin (never from the command line).",
      discussion: """
        Reads the value from a no-echo prompt when stdin is a terminal, else all of stdin. \
        Surrounding whitespace is trimmed. A key pasted split over lines, in quotes, or as \
        NAME=VALUE / export NAME="VALUE" for this name is stored as the key, with a warning; \
        another name's assignment, a .env file or several keys are refused (README "Values"). \
        Storing a name again makes a new version. A multi-line value (a PEM key) is pasted \
        at the prompt whole, or redirected from its file; keys the prompt does not handle \
        (arrows, Tab) refuse the value, and over 64 KiB is refused (README "Typing and \
        pasting at the prompt").

        Examples:
          vault set --env prod                          # prompts for OPENAI_API_KEY
          printf %s "$KEY" | vault set --env dev
          vault set --env prod OPENAI_ORG_ID < org.txt
          vault set --env prod TLS_KEY < key.pem
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
        raw = try Prompt.secret(
          "\(name) for \(project)/\(label.environment): ", purpose: "value",
          pastedLines: true)
      } else {
        raw = try Prompt.standardInput()
      }
      let trimmed = Prompt.trimmed(raw)
      guard trimmed.count > 0 else { throw VaultError.emptyValue }
      guard !trimmed.withUnsafeBytes({ $0.contains(0) }) else {
        throw VaultError.nulInValue(label: "\(project)/\(label.environment)/\(name)")
      }
      let (value, fixes) = try PastedValue.interpret(trimmed, name: name)
      guard value.count > 0 else { throw VaultError.emptyValue }

      let entry = try store.update(warn: Output.warn) { file in
        try file.set(
          [(name, value)], project: project, environment: label.environment, identity: identity)[0]
      }
      // Warnings say what happened, so they come once the value is stored.
      let redacted = OpenAIKeys.redact(value)
      for fix in fixes { warn(fix, redacted: redacted) }
      warnAbout(value)
      Output.line("stored \(entry.label)  \(redacted) (version \(entry.version))")
    }

    private func warn(_ fix: PastedValue.Fix, redacted: String) {
      switch fix {
      case .joinedLines(let count):
        Output.warning(
          "the pasted value was a key split over \(count) lines; stored the lines joined"
            + " (\(redacted))")
      case .removedQuotes:
        Output.warning(
          "the pasted value was in quotes; stored what is inside them (\(redacted))")
      case .tookAssignment(let name):
        Output.warning(
          "the pasted value was an assignment, \(name)=…; stored the value after '='"
            + " (\(redacted))")
      }
    }

    private func warnAbout(_ value: SecretBytes) {
      switch OpenAIKeys.advice(name: name, value: value) {
      case .adminKeyAsAPIKey:
        Output.warning(
          "this is an Admin API key (sk-admin-…); it belongs in OPENAI_ADMIN_KEY, not an app's OPENAI_API_KEY"
        )
      case .otherProvider(let shape):
        Output.warning(
          "the value looks like \(shape.described) (\(shape.prefix)…), not an OpenAI key;"
            + " stored as \(name) anyway, though it usually goes in \(shape.variable)")
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
