import ArgumentParser
import VaultCore

extension VaultCommand {
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List labels, versions, dates and writers; needs no passphrase.",
      discussion: """
        Signatures are verified with public keys only, so nothing is decrypted.

        Examples:
          vault list
          vault list --project shop --env prod
          vault list --json | jq -r '.[].name'
        """)

    @OptionGroup var vault: VaultOptions

    @Option(help: ArgumentHelp("Only this project.", valueName: "name"))
    var project: String?

    @Option(name: .customLong("env"), help: ArgumentHelp("Only this environment.", valueName: "env"))
    var environment: String?

    @Flag(help: "Print a JSON array of {project, environment, name, version, created, writer}.")
    var json = false

    func run() throws {
      let session = Session()
      let file = try session.store(vault).load(warn: Output.warn)
      var rows: [(entry: Entry, writer: String)] = []
      for block in file.blocks {
        if let project, block.project != project { continue }
        if let environment, block.environment != environment { continue }
        for entry in try file.decode(block).entries {
          rows.append((entry, file.header.member(signingKey: entry.writer)?.name ?? "?"))
        }
      }
      if json {
        let objects = rows.map { row in
          "{\"project\":\(JSON.quote(row.entry.project)),\"environment\":\(JSON.quote(row.entry.environment)),"
            + "\"name\":\(JSON.quote(row.entry.name)),\"version\":\(row.entry.version),"
            + "\"created\":\(JSON.quote(row.entry.created)),\"writer\":\(JSON.quote(row.writer))}"
        }
        Output.line("[" + objects.joined(separator: ",") + "]")
        return
      }
      if rows.isEmpty {
        Output.note("no entries in \(file.path)")
        return
      }
      let width = rows.map { $0.entry.label.count }.max() ?? 0
      for row in rows {
        let label = row.entry.label + String(repeating: " ", count: width - row.entry.label.count)
        Output.line("\(label)  v\(row.entry.version)  \(row.entry.created)  \(row.writer)")
      }
    }
  }
}
