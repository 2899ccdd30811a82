import ArgumentParser
import Glibc
import VaultCore

/// One thing `vault openai check` found.
struct OpenAIFinding {
  /// `deleted`, `owner-inactive`, `unused` (exit 1) or `unknown` (listed, exit 0 alone).
  var kind: String
  var label: String?
  var openAIProject: String
  var keyID: String
  var detail: String

  var needsAction: Bool { kind != "unknown" }

  var line: String {
    "\(kind): " + (label.map { "\($0) " } ?? "") + detail
  }

  var json: String {
    "{\"finding\":\(JSON.quote(kind)),\"entry\":\(label.map { JSON.quote($0) } ?? "null"),"
      + "\"openai_project\":\(JSON.quote(openAIProject)),\"key_id\":\(JSON.quote(keyID)),"
      + "\"detail\":\(JSON.quote(detail))}"
  }
}

extension VaultCommand.OpenAI {
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare the linked entries with OpenAI's list of keys.",
      discussion: """
        For every entry of the project linked to an OpenAI key (its current version): the key \
        deleted at OpenAI, its owner without access to the OpenAI project, or the key unused \
        for more than --unused-days: exit 1. Keys OpenAI has in those projects that no entry \
        holds are listed as unknown (exit 0 when that is all). Nothing is decrypted but the \
        Admin key.

        Examples:
          vault openai check
          vault openai check --env prod --unused-days 7
          vault openai check --json
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var openAI: OpenAIOptions

    @Option(
      help: ArgumentHelp(
        "Also list the keys of this OpenAI project (repeatable).", valueName: "proj_…"))
    var openaiProject: [String] = []

    @Option(help: ArgumentHelp("A key unused for more days than this is a finding (default 30).", valueName: "days"))
    var unusedDays: String = "30"

    @Flag(help: "Print a JSON array of findings.")
    var json = false

    func run() throws {
      _ = try NetworkHelper.require()
      guard let days = Int(unusedDays), days >= 0, days <= 36_500 else {
        throw VaultError.invalidNumber(option: "--unused-days", shown: UsageCheck.shown(unusedDays))
      }
      var projects = try openaiProject.map {
        try checkedOption($0, "--openai-project", example: "proj_abc")
      }
      // Which environments: --env, else every one of the project. The Admin key's: --admin-env,
      // else --env, else the only environment that holds OPENAI_ADMIN_KEY.
      let loaded = try OpenAIContext.Loaded(vault: vault, label: label)
      let (project, file) = (loaded.project, loaded.file)
      let environments =
        label.environmentFlag != nil
        ? [label.environment] : file.header.environments.map(\.name)
      let groups = try file.allGroups().filter {
        $0.project == project && environments.contains($0.environment)
      }
      var links: [(label: String, link: OpenAILink)] = []
      for group in groups {
        for entry in group.entries {
          if let link = group.link(entry.name, version: entry.version) {
            links.append(("\(project)/\(group.environment)/\(entry.name)", link))
          }
        }
      }
      for (_, link) in links where !projects.contains(link.project) { projects.append(link.project) }
      guard !projects.isEmpty else {
        throw VaultError.openAI(
          OpenAIFailure(
            .notFound, "no entry of \(project) is linked to an OpenAI key",
            hint: "link one with `vault openai link --env ENV --openai-project proj_…`,"
              + " or name a project with --openai-project"))
      }
      let adminEnvironment =
        openAI.adminEnv ?? label.environmentFlag
        ?? groups.filter { $0.entries.contains { $0.name == "OPENAI_ADMIN_KEY" } }
        .map(\.environment).onlyElement
      guard let adminEnvironment else {
        throw VaultError.openAI(
          OpenAIFailure(
            .usage, "which environment's OPENAI_ADMIN_KEY to use is not clear",
            hint: "name it with --admin-env"))
      }
      let context = try OpenAIContext.open(
        openAI, vault: vault, label: label, unlock: unlock, adminEnvironment: adminEnvironment,
        loaded: loaded)

      let now = Int64(time(nil))
      var findings: [OpenAIFinding] = []
      for openAIProject in projects {
        let keys = try context.client.keys(project: openAIProject)
        let held = links.filter { $0.link.project == openAIProject }
        for (entryLabel, link) in held {
          guard let key = keys.first(where: { $0.id == link.keyID }) else {
            // Who deleted it, when the audit log says (an Admin key may not read the log:
            // then the finding stands without it).
            let deletion = (try? context.client.deletion(project: openAIProject, keyID: link.keyID)) ?? nil
            let when = deletion.map { " (deleted \(Timestamp.format(Int($0.time))) by \($0.actor))" } ?? ""
            findings.append(
              OpenAIFinding(
                kind: "deleted", label: entryLabel, openAIProject: openAIProject, keyID: link.keyID,
                detail: "holds \(link.keyID), which OpenAI no longer has in \(openAIProject)\(when)"))
            continue
          }
          if key.ownerProjectAccess != "active" {
            findings.append(
              OpenAIFinding(
                kind: "owner-inactive", label: entryLabel, openAIProject: openAIProject,
                keyID: key.id,
                detail: "holds \(key.id), whose owner \(Printable.escaped(key.ownerName, limit: 60))"
                  + " has no access to \(openAIProject)"))
          }
          let since = key.lastUsedAt ?? key.createdAt
          let idle = (now - since) / 86_400
          if idle > days {
            let what = key.lastUsedAt == nil ? "never used (created \(idle) days ago)" : "unused for \(idle) days"
            findings.append(
              OpenAIFinding(
                kind: "unused", label: entryLabel, openAIProject: openAIProject, keyID: key.id,
                detail: "holds \(key.id), \(what)"))
          }
        }
        for key in keys where !held.contains(where: { $0.link.keyID == key.id }) {
          findings.append(
            OpenAIFinding(
              kind: "unknown", label: nil, openAIProject: openAIProject, keyID: key.id,
              detail: "\(openAIProject) has \(key.id) (\(Printable.escaped(key.redactedValue, limit: 40)),"
                + " \(key.ownerType == "user" ? "user" : "service account")"
                + " \(Printable.escaped(key.ownerName, limit: 60))), which no entry holds"))
        }
      }
      if json {
        Output.line("[" + findings.map(\.json).joined(separator: ",") + "]")
      } else if findings.isEmpty {
        Output.line("\(links.count) linked key\(links.count == 1 ? "" : "s") checked: nothing to do")
      } else {
        for finding in findings { Output.line(finding.line) }
      }
      if findings.contains(where: \.needsAction) { throw ExitCode(1) }
    }
  }
}

extension Array {
  /// The element when there is exactly one.
  var onlyElement: Element? { count == 1 ? first : nil }
}
