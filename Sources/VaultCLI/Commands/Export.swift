import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Print an environment's secrets (dotenv, json, docker); not to a terminal without --force.",
      discussion: """
        dotenv writes each value as NAME="…" with a backslash before \\, ", $ and backtick \
        and every other byte (newlines too) as it is: `vault import` and a shell's \
        `set -a; . FILE` both read back the same bytes, and sourcing runs nothing.

        docker writes plain NAME=VALUE lines, as `docker run --env-file` reads them: no \
        quoting at all, so a value holding a line break is refused (nothing is printed). \
        json and docker carry UTF-8 text only: a value that is not is refused the same way.

        Examples:
          vault export --env staging --format dotenv > .env.staging
          vault export --env prod --format json | jq .
          vault export --env prod --format docker > /run/user/$UID/app.env
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case dotenv, json, docker
    }

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Option(help: "dotenv, json or docker.")
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
      // JSON strings and docker's env file are UTF-8 text: check every value before printing
      // any, so a refusal prints nothing (dotenv carries any byte).
      if format != .dotenv {
        for (entry, value) in secrets where !value.withUnsafeBytes({ JSON.isValidUTF8($0) }) {
          throw VaultError.invalidUTF8InValue(label: entry.label, format: format.rawValue)
        }
      }
      VaultCommand.Log.record(
        secrets.map(\.entry), command: "export", program: nil, paths: session.paths)
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
      case .docker:
        // docker reads one variable per line and unquotes nothing: check every value before
        // printing any, so a refusal prints nothing.
        for (entry, value) in secrets
        where value.withUnsafeBytes({ $0.contains(0x0A) || $0.contains(0x0D) }) {
          throw VaultError.lineBreakInValue(label: entry.label, format: "docker")
        }
        for (entry, value) in secrets {
          Output.bytes(Array("\(entry.name)=".utf8))
          Output.secret(value)
          Output.bytes([0x0A])
        }
      }
    }
  }
}
