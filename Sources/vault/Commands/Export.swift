import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Print an environment's secrets as dotenv or JSON (refuses a terminal without --force).",
      discussion: """
        dotenv writes each value as NAME="…" with a backslash before \\, ", $ and backtick \
        and every other byte (newlines too) as it is: `vault import` and a shell's \
        `set -a; . FILE` both read back the same bytes, and sourcing runs nothing.

        Examples:
          vault export --env staging --format dotenv > .env.staging
          vault export --env prod --format json | jq .
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case dotenv, json
    }

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Option(help: "dotenv or json.")
    var format: Format = .dotenv

    @Flag(help: "Print to a terminal anyway.")
    var force = false

    func run() throws {
      if Output.isTerminal(1) && !force {
        throw ValidationError(
          "refusing to print secrets to a terminal; redirect stdout or pass --force")
      }
      let session = Session()
      let project = try session.project(label, vault: vault).name
      let file = try session.store(vault).load(
        project: project, environment: label.environment, warn: Output.warn)
      let identity = try session.unlock(unlock)
      let secrets = try file.secrets(
        project: project, environment: label.environment, identity: identity)
      switch format {
      case .dotenv:
        for (entry, value) in secrets { Output.secret(Dotenv.line(name: entry.name, value: value)) }
      case .json:
        Output.bytes(Array("{".utf8))
        for (index, (entry, value)) in secrets.enumerated() {
          var quoted = value.withUnsafeBytes { JSON.quote($0) }
          let member = SecretBytes(
            copying: Array(((index == 0 ? "" : ",") + JSON.quote(entry.name) + ":").utf8) + quoted)
          wipe(&quoted)
          Output.secret(member)
        }
        Output.bytes(Array("}\n".utf8))
      }
    }
  }
}
