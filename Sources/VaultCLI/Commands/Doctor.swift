import ArgumentParser
import Glibc
import VaultCore

extension VaultCommand {
  struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show which parts of a vault are damaged; drop a damaged group.",
      discussion: """
        Checks the header (the owner's signature, the membership rules, what you trusted \
        before) and every (project, environment) group on its own, with public keys only: \
        no passphrase. Exits 5 when anything is damaged.

        --drop PROJECT/ENV removes a group that does not verify, after you confirm at the \
        terminal (--yes for scripts); its values are lost (store them again). Nothing else \
        is re-signed, so the header must verify, every other group must verify or be dropped \
        in the same run (repeat --drop), and you must be able to write that environment. \
        A group that verifies is refused: `vault rm` removes entries.

        Examples:
          vault doctor
          vault doctor --drop shop/prod
          vault doctor --drop shop/prod --drop shop/dev --yes
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var unlock: UnlockOptions

    @Option(
      help: ArgumentHelp("Drop this damaged group (repeatable).", valueName: "project/env"))
    var drop: [String] = []

    @Flag(help: "Do not ask for confirmation before dropping (scripts).")
    var yes = false

    func validate() throws {
      if yes && drop.isEmpty { throw ValidationError("--yes only confirms --drop") }
    }

    func run() throws {
      let session = Session()
      let store = try session.existingStore(vault)
      let diagnosis = try store.diagnose(warn: Output.warn)
      if !drop.isEmpty {
        try dropGroups(diagnosis, store: store, session: session)
        return
      }
      var damaged = 0
      if let problem = diagnosis.header {
        damaged += 1
        Output.line("damaged  header  \(Failure.describe(problem).message)")
      } else {
        Output.line("ok       header")
      }
      for group in diagnosis.groups {
        let label = "\(group.project)/\(group.environment)"
        if let problem = group.problem {
          damaged += 1
          Output.line("damaged  \(label)  \(Failure.describe(problem).message)")
        } else {
          var line = "ok       \(label)  \(group.entries) entr\(group.entries == 1 ? "y" : "ies")"
          if !group.retired.isEmpty {
            line += "; encrypted to a retired key of \(group.environment), store again:"
              + " \(group.retired.joined(separator: ", "))"
          }
          Output.line(line)
        }
      }
      if damaged > 0 { throw VaultError.damaged(path: store.path, count: damaged) }
    }

    private func dropGroups(
      _ diagnosis: VaultStore.Diagnosis, store: VaultStore, session: Session
    ) throws {
      // Nothing is re-signed: a drop is only sound in a file whose header verifies.
      if let problem = diagnosis.header { throw problem }
      var labels: [(project: String, environment: String)] = []
      for text in drop {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else {
          throw ValidationError("--drop takes PROJECT/ENV, as `vault doctor` shows it")
        }
        try Names.check(parts[0], as: .project)
        try Names.check(parts[1], as: .environment)
        guard
          let group = diagnosis.groups.first(where: {
            $0.project == parts[0] && $0.environment == parts[1]
          })
        else { throw VaultError.noEntries(project: parts[0], environment: parts[1], holdings: []) }
        if group.problem == nil { throw VaultError.groupNotDamaged(label: text) }
        labels.append((parts[0], parts[1]))
      }
      if !yes {
        let list = labels.map { "\($0.project)/\($0.environment)" }.joined(separator: ", ")
        let answer = try Self.ask(
          "Drop \(list) from \(Failure.printable(path: store.path))? Its values are lost for good"
            + " (store them again afterwards). Type yes to drop: ")
        guard answer == "yes" else { throw VaultError.cancelled }
      }
      let me = try session.unlock(unlock)
      try store.update(warn: Output.warn) { file in
        for label in labels {
          try file.dropDamagedGroup(
            project: label.project, environment: label.environment, identity: me)
        }
      }
      for label in labels {
        Output.line(
          "dropped \(label.project)/\(label.environment); store its values again with `vault set --project \(label.project) --env \(label.environment)`"
        )
      }
    }

    /// One line typed at the controlling terminal, echoed (it is not a secret).
    private static func ask(_ prompt: String) throws -> String {
      let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
      guard fd >= 0 else { throw VaultError.noTerminal(purpose: "confirmation") }
      defer { close(fd) }
      Array(prompt.utf8).withUnsafeBytes { Output.write(fd, $0) }
      var line: [UInt8] = []
      var byte: UInt8 = 0
      while line.count < 256 {
        let count = read(fd, &byte, 1)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { throw VaultError.cancelled }
        if byte == 0x0A || byte == 0x0D { break }
        line.append(byte)
      }
      return String(decoding: line, as: UTF8.self)
    }
  }
}
