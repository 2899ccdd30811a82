import ArgumentParser
import VaultCore

extension VaultCommand {
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List labels, versions, dates and writers; needs no passphrase.",
      discussion: """
        Signatures are verified with public keys only, so nothing is decrypted. --redacted \
        adds each value's redacted form (sk-proj-…wxyz, as `vault set` prints it) to match \
        against the provider's dashboard: that decrypts, so it unlocks your identity; an \
        environment you cannot read shows `-`.

        Examples:
          vault list
          vault list --project shop --env prod
          vault list --redacted --env prod
          vault list --json | jq -r '.[].name'
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var unlock: UnlockOptions

    @OptionGroup var filter: FilterOptions

    @Flag(
      help: ArgumentHelp(
        "Print a JSON array of {project, environment, name, version, created, writer, exposed, "
          + "written_by_removed, retired_key, openai_key_id, rotation, versions_kept}.")
    )
    var json = false

    @Flag(
      help:
        "Add each value's redacted form (prefix and last four; `redacted` in JSON); decrypts, so it unlocks."
    )
    var redacted = false

    func run() throws {
      let session = Session()
      let file = try session.store(vault).load(warn: Output.warn)
      // A filter on an environment the vault does not have is a mistake, not an empty list.
      if let environment = filter.environment, file.header.environment(environment) == nil {
        throw file.environmentNotFound(environment)
      }
      var rows:
        [(
          entry: Entry, writer: String, exposed: [String], wrote: [String], redacted: String?,
          retired: Bool, kept: Int, link: OpenAILink?, rotation: PendingRotation?
        )] = []
      var reader = try redacted ? Redactor(file: file, identity: session.unlock(unlock)) : nil
      for block in file.blocks {
        guard filter.matches(project: block.project, environment: block.environment) else {
          continue
        }
        let group = try file.decode(block)
        for entry in group.entries {
          let flags = group.flags.filter { $0.name == entry.name }
          // An entry under a retired key cannot be decrypted: `-` for its redacted form.
          let retired = file.isUnderRetiredKey(entry)
          rows.append(
            (
              entry, file.header.member(signingKey: entry.writer)?.name ?? "?",
              flags.map(\.member), flags.filter(\.wrote).map(\.member),
              retired ? (reader == nil ? nil : "-") : try reader?.redact(entry), retired,
              // Versions kept, the current one included (`vault history` lists them).
              1 + group.history.filter { $0.name == entry.name }.count,
              group.link(entry.name, version: entry.version), group.rotation(entry.name)
            ))
        }
      }
      if json {
        let objects = rows.map { row in
          "{\"project\":\(JSON.quote(row.entry.project)),\"environment\":\(JSON.quote(row.entry.environment)),"
            + "\"name\":\(JSON.quote(row.entry.name)),\"version\":\(row.entry.version),"
            + "\"created\":\(JSON.quote(row.entry.created)),\"writer\":\(JSON.quote(row.writer)),"
            + "\"exposed\":[\(row.exposed.map(JSON.quote).joined(separator: ","))],"
            + "\"written_by_removed\":[\(row.wrote.map(JSON.quote).joined(separator: ","))],"
            + "\"retired_key\":\(row.retired),"
            + "\"openai_key_id\":\(row.link.map { JSON.quote($0.keyID) } ?? "null"),"
            + "\"rotation\":\(row.rotation.map { JSON.quote($0.step.rawValue) } ?? "null"),"
            + "\"versions_kept\":\(row.kept)"
            + (redacted ? ",\"redacted\":" + (row.redacted.map(JSON.quote) ?? "null") : "") + "}"
        }
        Output.line("[" + objects.joined(separator: ",") + "]")
        return
      }
      if rows.isEmpty {
        Output.note("no entries in \(file.path)")
        return
      }
      let width = rows.map { $0.entry.label.count }.max() ?? 0
      let redactedWidth = rows.map { ($0.redacted ?? "").count }.max() ?? 0
      // Versions of different widths (v9, v10) are padded too, so the dates line up.
      let versionWidth = rows.map { "v\($0.entry.version)".count }.max() ?? 0
      // How many versions an entry keeps, in a column of its own when any keeps more than one.
      func keptText(_ kept: Int) -> String { kept > 1 ? "(\(kept) kept)" : "" }
      let keptWidth = rows.map { keptText($0.kept).count }.max() ?? 0
      for row in rows {
        var label = row.entry.label + String(repeating: " ", count: width - row.entry.label.count)
        if let shown = row.redacted {
          label += "  " + shown + String(repeating: " ", count: redactedWidth - shown.count)
        }
        // A value a removed member wrote is theirs, not the re-signer's: say so first.
        let exposed = row.exposed.filter { !row.wrote.contains($0) }
        var notes = row.wrote.map { "written by \($0) (\(file.header.departure(of: $0)))" }
        if !exposed.isEmpty { notes.append("exposed to \(exposed.joined(separator: ", "))") }
        // The OpenAI key the current version is, by id (never the key).
        var flag = row.link.map { "  openai:\($0.keyID)" } ?? ""
        if let rotation = row.rotation { flag += "  rotation \(rotation.step.rawValue)" }
        flag += notes.isEmpty ? "" : "  rotate: \(notes.joined(separator: "; "))"
        // A text merge without the vault merge driver (FileFormat.md, "Key ids").
        if row.retired {
          flag += "  encrypted to a retired key of \(row.entry.environment): store it again"
        }
        let version = "v\(row.entry.version)"
        var versionColumn = version + String(repeating: " ", count: versionWidth - version.count)
        if keptWidth > 0 {
          let kept = keptText(row.kept)
          versionColumn += "  " + kept + String(repeating: " ", count: keptWidth - kept.count)
        }
        Output.line("\(label)  \(versionColumn)  \(row.entry.created)  \(row.writer)\(flag)")
      }
    }
  }
}

/// Decrypts entries for `list --redacted` and keeps only their redacted forms.
private struct Redactor {
  let member: Member
  private var keys: EnvironmentKeys

  init(file: VaultFile, identity: Identity) throws {
    member = try file.member(for: identity)
    keys = EnvironmentKeys(file: file, identity: identity)
  }

  /// `sk-proj-…wxyz`, or `-` for an environment this member cannot read.
  mutating func redact(_ entry: Entry) throws -> String {
    guard member.read.contains(entry.environment) else { return "-" }
    let pair = try keys.pair(entry.environment, project: entry.project)
    return OpenAIKeys.redact(try keys.file.open(entry, with: pair))
  }
}
