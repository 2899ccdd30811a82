import ArgumentParser
import VaultCore

/// A version number given on the command line: decimal digits, 1 … 2^63 − 1 (the file's
/// range). Anything else is a usage error that shows the word escaped or redacted.
enum VersionArgument {
  static func parse(_ word: String, option: String) throws -> UInt64 {
    let bytes = Array(word.utf8)
    guard !bytes.isEmpty, bytes.count <= 19, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let value = UInt64(word), value >= 1, value <= UInt64(Int64.max)
    else { throw VaultError.invalidNumber(option: option, shown: UsageCheck.shown(word)) }
    return value
  }
}

extension VaultCommand {
  struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the versions an entry keeps: dates, writers, redacted forms; never values.",
      discussion: """
        Each entry keeps its last versions (5 unless an owner set another number with \
        --keep), each encrypted and signed like the current one. Without a name, every \
        entry of the environment is listed. The redacted forms decrypt, so this unlocks your \
        identity; with --no-redacted nothing is decrypted and no passphrase is asked. A \
        version linked to an OpenAI key (`vault openai`) shows the key's id, `-` for one \
        that is not.

        Examples:
          vault history --env prod
          vault history --env prod OPENAI_API_KEY
          vault get --env prod --at-version 1
          vault rollback --env prod --to 1
          vault history --keep 10          # owners: how many versions each entry keeps
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: "The secret's name (default: every entry of the environment).")
    var name: String?

    @Flag(help: "Show no redacted forms: nothing is decrypted, no unlock.")
    var noRedacted = false

    @Option(
      help: ArgumentHelp(
        "Owners: keep this many versions of each entry, the current one included (1-100).",
        valueName: "n"))
    var keep: String?

    func run() throws {
      let session = Session()
      if let keep {
        let limit = try VersionArgument.parse(keep, option: "--keep")
        guard limit <= Header.maximumHistoryLimit else {
          throw VaultError.historyLimitOutOfRange(given: keep)
        }
        let store = try session.existingStore(vault)
        let identity = try session.unlock(unlock)
        var changed = false
        try store.update(warn: Output.warn) { file in
          changed = try file.setHistoryLimit(limit, by: identity)
        }
        Output.line(
          changed
            ? "each entry now keeps \(limit) version\(limit == 1 ? "" : "s");"
              + " older ones go at its next write"
            : "each entry already keeps \(limit) version\(limit == 1 ? "" : "s")")
        return
      }
      let project = try session.project(label, vault: vault).name
      if let name { try Names.check(name, as: .name) }
      let environment = label.environment
      let store = try session.store(vault)
      let file = try store.load(project: project, environment: environment, warn: Output.warn)
      guard file.header.environment(environment) != nil else {
        throw file.environmentNotFound(environment)
      }
      guard let group = try file.group(project: project, environment: environment),
        !group.entries.isEmpty
      else {
        if let name { throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(name)") }
        throw VaultError.noEntries(
          project: project, environment: environment, holdings: try store.holdings())
      }
      let names = name.map { [$0] } ?? group.entries.map(\.name)
      var keyPair: BoxKeyPair?
      if !noRedacted {
        keyPair = try file.environmentKeyPair(
          environment, project: project, identity: session.unlock(unlock))
      }
      var rows:
        [(
          label: String, version: String, created: String, writer: String, shown: String,
          key: String
        )] = []
      for entryName in names {
        for entry in try file.versions(of: entryName, project: project, environment: environment) {
          var shown = ""
          if let keyPair {
            shown =
              file.isUnderRetiredKey(entry)
              ? "-" : OpenAIKeys.redact(try file.open(entry, with: keyPair))
          }
          let current = entry.version == group.entries.first { $0.name == entryName }?.version
          rows.append(
            (
              entry.label, "v\(entry.version)" + (current ? " (current)" : ""), entry.created,
              file.header.member(signingKey: entry.writer)?.name ?? "?", shown,
              // The OpenAI key this version is (FileFormat.md, "OpenAI links and rotations").
              group.link(entryName, version: entry.version)?.keyID ?? "-"
            ))
        }
      }
      let labelWidth = rows.map(\.label.count).max() ?? 0
      let versionWidth = rows.map(\.version.count).max() ?? 0
      let shownWidth = rows.map(\.shown.count).max() ?? 0
      // The OpenAI key column appears when a version listed is linked to one.
      let keyWidth = rows.contains { $0.key != "-" } ? rows.map(\.key.count).max() ?? 0 : 0
      for row in rows {
        var line = row.label + String(repeating: " ", count: labelWidth - row.label.count)
        line += "  " + row.version + String(repeating: " ", count: versionWidth - row.version.count)
        line += "  " + row.created
        if shownWidth > 0 {
          line += "  " + row.shown + String(repeating: " ", count: shownWidth - row.shown.count)
        }
        if keyWidth > 0 {
          line += "  " + row.key + String(repeating: " ", count: keyWidth - row.key.count)
        }
        line += "  " + row.writer
        Output.line(line)
      }
    }
  }

  struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Store an older version's value again, as a new version.",
      discussion: """
        A rollback never rewrites a version: it stores the value of version --to as the \
        next version, written and signed by you, and the version it replaces is kept like \
        any other. Rolling back to the current version is refused.

        Examples:
          vault history --env prod
          vault rollback --env prod --to 1
          vault rollback --env prod --to 3 OPENAI_ORG_ID
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Option(help: ArgumentHelp("The version whose value to store again.", valueName: "version"))
    var to: String

    @Argument(help: "The secret's name.")
    var name: String = "OPENAI_API_KEY"

    func run() throws {
      let version = try VersionArgument.parse(to, option: "--to")
      let session = Session()
      let project = try session.project(label, vault: vault).name
      try Names.check(name, as: .name)
      let store = try session.existingStore(vault)
      let identity = try session.unlock(unlock)
      var written: Entry?
      try store.update(warn: Output.warn) { file in
        written = try file.rollback(
          name, to: version, project: project, environment: label.environment, identity: identity)
      }
      if let written {
        Output.line(
          "stored \(written.label) v\(written.version) with the value of v\(version)")
      }
    }
  }
}
