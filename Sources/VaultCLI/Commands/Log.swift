import ArgumentParser
import Glibc
import VaultCore

extension VaultCommand {
  struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the local access log: which entries were used, when, and by what.",
      discussion: """
        `exec`, `get`, `export` and `proxy` add one record per entry they hand out: the \
        time, the label and version, the vault command, the program `exec` ran (its \
        basename) and whether a terminal was attached. Never a value. The proxy (`exec \
        --proxy`, `vault proxy`) adds one record per request (`command` "proxied"): method, \
        path, model, status, duration and the answer's token usage; never a header, a query \
        or a body. The log is \
        ${XDG_STATE_HOME:-~/.local/state}/vault/access.log (mode 0600, moved to \
        access.log.1 at 1 MiB); it records this account's uses only, and anyone with the \
        account can edit it. `access-log off` in ${XDG_CONFIG_HOME:-~/.config}/vault/config \
        turns it off; nothing in a vault or a repository can.

        Examples:
          vault log
          vault log --env prod
          vault log --json | jq -r '.[] | select(.program == "python3") | .time'
        """)

    @OptionGroup var filter: FilterOptions

    @Flag(
      help:
        "Print a JSON array of {time, command, project, environment, name, version, program, terminal}."
    )
    var json = false

    func run() throws {
      let log = AccessLog(paths: Session().paths)
      if try !log.isEnabled() {
        Output.note("the access log is off (\(Failure.printable(path: log.configFile)))")
      }
      let (all, skipped, allRequests) = try log.records()
      let records = all.filter {
        filter.matches(project: $0.project, environment: $0.environment)
      }
      let requests = allRequests.filter {
        filter.matches(project: $0.project, environment: $0.environment)
      }
      if skipped > 0 {
        Output.warning(
          "\(skipped) line\(skipped == 1 ? "" : "s") of \(Failure.printable(path: log.path)) not understood; skipped"
        )
      }
      // Entries handed out and proxied requests, merged by time (each file is in order).
      var lines: [(time: String, json: String, text: String)] = []
      let labels = records.map { "\($0.project)/\($0.environment)/\($0.name) v\($0.version)" }
      let width = labels.map(\.count).max() ?? 0
      for (record, label) in zip(records, labels) {
        var line = "\(record.time)  \(record.command.padding(6))  \(label.padding(width))"
        if let program = record.program { line += "  \(Failure.printable(program))" }
        if record.terminal { line += "  (terminal)" }
        lines.append((record.time, record.json, line))
      }
      for request in requests {
        var line =
          "\(request.time)  proxied \(request.project)/\(request.environment)/\(request.name)"
          + "  \(Failure.printable(request.method)) \(Failure.printable(request.path))"
          + "  \(request.status)  \(request.milliseconds) ms"
        if let model = request.model { line += "  \(Failure.printable(model))" }
        if let total = request.totalTokens { line += "  \(total) tokens" }
        lines.append((request.time, request.json, line))
      }
      let merged = lines.enumerated().sorted {
        ($0.element.time, $0.offset) < ($1.element.time, $1.offset)
      }.map(\.element)
      if json {
        Output.line("[" + merged.map(\.json).joined(separator: ",") + "]")
        return
      }
      for line in merged { Output.line(line.text) }
    }

    /// One record per entry handed out by `command` (`exec`, `get`, `export`); a log that
    /// cannot be written is a warning, never a failure: it must not stop a deployment.
    static func record(_ entries: [Entry], command: String, program: String?, paths: Paths) {
      let time = Timestamp.now()
      let terminal = isatty(0) == 1 || isatty(1) == 1
      var records: [AccessLog.Record] = []
      for entry in entries where !records.contains(where: { $0.name == entry.name }) {
        records.append(
          AccessLog.Record(
            time: time, command: command, project: entry.project,
            environment: entry.environment, name: entry.name, version: entry.version,
            program: program, terminal: terminal))
      }
      do {
        try AccessLog(paths: paths).append(records)
      } catch let error as VaultError {
        Output.warning("the access log was not written: \(Failure.describe(error).message)")
      } catch {
        Output.warning("the access log was not written")
      }
    }
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
