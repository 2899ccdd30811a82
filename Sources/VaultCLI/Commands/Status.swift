import ArgumentParser
import Glibc
import VaultCore

/// Thrown by the passphrase callback when status must not prompt.
private struct WouldPrompt: Error {}

extension VaultCommand {
  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the identity, the vault, your access and the unlock cache.",
      discussion: """
        Besides where things are, status says what needs action: entries flagged for \
        rotation, OpenAI key rotations that have not finished (`rotation:`), entries under \
        a retired key, members who left without a re-key, values older than the policy \
        (`old:`, default 90 days: --max-age, or `max-age DAYS` in \
        ~/.config/vault/config), and, for the environments you read, entries of the \
        project this machine's access log has not seen used for 30 days (`unused:`: \
        --unused-days, or `unused-days DAYS`), the same value in \
        two environments and an Admin API key stored as OPENAI_API_KEY. Those two need \
        the values: status checks them when your identity unlocks without a prompt (a \
        cached unlock, no passphrase, $VAULT_IDENTITY) and otherwise says so; --values \
        unlocks (asking for the passphrase) to check them.

        Examples:
          vault status
          vault status --values --max-age 30
          vault status --unused-days 7
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Option(
      help: ArgumentHelp(
        "Say to rotate values older than this many days (default: max-age in ~/.config/vault/config, else 90).",
        valueName: "days"))
    var maxAge: Int?

    @Option(
      help: ArgumentHelp(
        "Name entries this machine has not used for this many days (default: unused-days in ~/.config/vault/config, else 30).",
        valueName: "days"))
    var unusedDays: Int?

    @Flag(help: "Unlock (asking for the passphrase if needed) to compare the values.")
    var values = false

    func validate() throws {
      if let maxAge, !(0...36500).contains(maxAge) {
        throw ValidationError("--max-age takes 0 to 36500 days")
      }
      if let unusedDays, !(0...36500).contains(unusedDays) {
        throw ValidationError("--unused-days takes 0 to 36500 days")
      }
    }

    func run() throws {
      let session = Session()
      // Read before anything is printed: a bad config is one error line, not half a status.
      let config = try UserConfig.load(path: UserConfig.path(session.paths))
      let days = maxAge ?? config.maxAgeDays
      let source = session.identitySource()
      let identity = try source.publicIdentity()
      Output.line(
        "identity: \(source.inlineSecret != nil ? "$VAULT_IDENTITY" : Failure.printable(path: session.paths.identityFile))")
      Output.line("public:   \(identity.description)")
      switch UnlockCache.status(identity) {
      case .cached:
        Output.line("cache:    unlocked (kernel keyring)")
        // The kernel rounds down to whole units: `14m` means 14 to 15 minutes.
        if let left = UnlockCache.timeLeft(identity) {
          Output.line("expires:  in at least \(left.count)\(left.unit)")
        }
      case .empty: Output.line("cache:    locked")
      case .unavailable:
        Output.line(
          "cache:    unavailable here (keyctl refused); every command asks for the passphrase")
      }
      let store = try session.store(vault)
      Output.line("vault:    \(Failure.printable(path: store.path))")
      let resolution = try ProjectCommand.Show.resolution(session, label: label, vault: vault)
      for line in resolution { Output.line(line) }
      let file = try store.load(warn: Output.warn)
      if let member = file.header.member(for: identity) {
        Output.line("member:   \(member.name)\(member.isOwner ? " (owner)" : "")")
        // `-` for none, as `members list` and `members add` print it.
        Output.line("reads:    \(member.read.isEmpty ? "-" : member.read.joined(separator: ", "))")
        Output.line(
          "writes:   \(member.write.isEmpty ? "-" : member.write.joined(separator: ", "))")
      } else {
        Output.line("member:   not a member of this vault")
      }
      Output.line("groups:   \(file.blocks.count) project/environment pairs hold entries")
      let groups = try file.allGroups()
      // Entries a text merge left under a key their environment no longer has: unreadable
      // until their writer stores them again.
      let retired = groups.flatMap { group in
        group.entries.filter { file.isUnderRetiredKey($0) }.map { entry in
          let writer = file.header.member(signingKey: entry.writer)?.name
          return "\(entry.label) (encrypted to a retired key of \(entry.environment): store it"
            + " again with `vault set --project \(entry.project) --env \(entry.environment)"
            + " \(entry.name)`\(writer.map { "; \($0) has the value" } ?? ""))"
        }
      }
      // Members seen leaving without a re-key (a `git revert` of `members add`).
      for gone in file.departed {
        let seen = gone.generation > 0 ? " (a member at generation \(gone.generation))" : ""
        Output.line(
          "departed: \(gone.name) left the members\(seen) without a re-key of "
            + "\(gone.environments.joined(separator: ", ")): an owner runs"
            + " `vault members rm \(gone.name)`"
        )
      }
      if !retired.isEmpty {
        Output.line("retired:  \(retired.joined(separator: ", "))")
      }
      let flagged = groups.flatMap { group in
        group.flags.map {
          "\(group.project)/\(group.environment)/\($0.name) "
            + ($0.wrote
              ? "(written by \($0.member), \(file.header.departure(of: $0.member)))"
              : "(exposed to \($0.member))")
        }
      }
      if !flagged.isEmpty {
        Output.line("rotate:   \(flagged.joined(separator: ", "))")
      }
      for group in groups {
        for rotation in group.rotations {
          Output.line("rotation: " + Self.pending(rotation, in: group))
        }
      }
      reportAge(groups, days: days)
      if config.accessLog {
        reportUnused(
          file, groups: groups, identity: identity, session: session,
          days: unusedDays ?? config.unusedDays)
      }
      try reportValues(file, identity: identity, session: session)
    }

    /// A rotation of an OpenAI key that has not finished (FileFormat.md, "OpenAI links and
    /// rotations"): where it stopped, and what finishes it.
    static func pending(_ rotation: PendingRotation, in group: Group) -> String {
      let label = "\(group.project)/\(group.environment)/\(rotation.name)"
      let command =
        "`vault openai rotate --project \(group.project) --env \(group.environment)"
        + (rotation.name == "OPENAI_API_KEY" ? "" : " --name \(rotation.name)") + "`"
      let new = rotation.newKey ?? "-"
      switch rotation.step {
      case .started:
        return "\(label) rotation started \(rotation.time) and not finished (old key"
          + " \(rotation.oldKey)); a new key may exist at OpenAI that the vault does not hold:"
          + " run \(command)"
      case .stored:
        return "\(label) rotation pending (stored \(new); the old key \(rotation.oldKey) is"
          + " still active at OpenAI): run \(command)"
      case .manual:
        return "\(label) rotation pending (stored \(new)); delete the old key"
          + " \(rotation.oldKey) in OpenAI's dashboard (project \(rotation.project)), then run"
          + " \(command)"
      }
    }

    /// `old:`: values stored longer ago than the policy.
    func reportAge(_ groups: [Group], days: Int) {
      let now = Int(time(nil))
      let old = groups.flatMap { group in
        group.entries.compactMap { entry -> String? in
          guard let stored = Timestamp.seconds(entry.created), now - stored > days * 86_400
          else { return nil }
          return "\(entry.label) (v\(entry.version), \((now - stored) / 86_400) days)"
        }
      }
      if !old.isEmpty {
        Output.line("old:      \(old.joined(separator: ", ")): older than \(days) days; rotate")
      }
    }

    /// `unused:`: entries of the project, in the environments this identity reads, that this
    /// machine's access log has not seen used (`exec`, `get`, `export`, any version) for more
    /// than `days` days; an entry without a record counts from its current version's
    /// creation. Offline, so only this machine's log: a key used on a server is unused here.
    /// The Admin key is left out, since `vault openai …` reads it without a record.
    func reportUnused(
      _ file: VaultFile, groups: [Group], identity: PublicIdentity, session: Session, days: Int
    ) {
      guard let member = file.header.member(for: identity),
        let project = try? session.project(label, vault: vault).name
      else { return }
      let log = AccessLog(paths: session.paths)
      guard let records = try? log.records().records else {
        Output.line(
          "unused:   not checked: \(Failure.printable(path: log.path)) cannot be read")
        return
      }
      var lastUse: [String: Int] = [:]
      for record in records where record.project == project {
        guard let seconds = Timestamp.seconds(record.time) else { continue }
        let label = "\(record.project)/\(record.environment)/\(record.name)"
        lastUse[label] = max(lastUse[label] ?? 0, seconds)
      }
      let now = Int(time(nil))
      let unused = groups.filter { $0.project == project && member.read.contains($0.environment) }
        .flatMap { group in
          group.entries.compactMap { entry -> String? in
            guard entry.name != "OPENAI_ADMIN_KEY" else { return nil }
            if let used = lastUse[entry.label] {
              guard now - used > days * 86_400 else { return nil }
              return "\(entry.label) (last used \((now - used) / 86_400) days ago)"
            }
            guard let stored = Timestamp.seconds(entry.created), now - stored > days * 86_400
            else { return nil }
            return "\(entry.label) (not used since stored \((now - stored) / 86_400) days ago)"
          }
        }
      if !unused.isEmpty {
        Output.line(
          "unused:   \(unused.joined(separator: ", ")): no use for \(days) days in this"
            + " machine's access log; delete what nothing needs")
      }
    }

    /// `same:` and `admin:`: checks that need the values of the environments this identity
    /// reads, made without a prompt unless `--values` asks for one. Values are compared by a
    /// keyed hash under a key made for this run, and never printed.
    func reportValues(_ file: VaultFile, identity: PublicIdentity, session: Session) throws {
      guard let member = file.header.member(for: identity), !member.read.isEmpty else { return }
      let unlocked: Identity
      do {
        if values {
          unlocked = try session.unlock(unlock)
        } else {
          unlocked = try session.identitySource().unlock(cache: unlock.cachePolicy) { _, _ in
            throw WouldPrompt()
          }
        }
      } catch is WouldPrompt {
        Output.line("values:   not compared (locked); `vault status --values` unlocks to compare")
        return
      }
      let hash = KeyedHash()
      var seen: [(digest: KeyedHash.Digest, label: String, environment: String)] = []
      var admin: [String] = []
      for block in file.blocks where member.read.contains(block.environment) {
        let secrets: [(entry: Entry, value: SecretBytes)]
        do {
          secrets = try file.secrets(
            project: block.project, environment: block.environment, identity: unlocked)
        } catch VaultError.retiredKey {
          continue  // named above under `retired:`; the group is read once it is stored again
        }
        for (entry, value) in secrets {
          if entry.name == "OPENAI_API_KEY" && OpenAIKeys.isAdminKey(value) {
            admin.append(entry.label)
          }
          let digest = value.withUnsafeBytes { raw in
            raw.isEmpty ? nil : hash.digest(raw.baseAddress!, count: raw.count)
          }
          if let digest {
            seen.append((digest, entry.label, entry.environment))
          }
        }
      }
      // The same value in two environments: one key per environment, so a leak of one
      // (or a removal from one) does not reach the other.
      var same: [String] = []
      for (index, a) in seen.enumerated() {
        let twins = seen[(index + 1)...].filter { $0.digest == a.digest && $0.environment != a.environment }
        if !twins.isEmpty, !same.contains(where: { $0.hasPrefix(a.label + " ") }) {
          same.append("\(a.label) = \(twins.map(\.label).joined(separator: " = "))")
        }
      }
      if !same.isEmpty {
        Output.line(
          "same:     \(same.joined(separator: ", ")): one key per environment; store a new one")
      }
      if !admin.isEmpty {
        Output.line(
          "admin:    \(admin.joined(separator: ", ")) holds an Admin API key: store it as"
            + " OPENAI_ADMIN_KEY and an API key here")
      }
    }
  }
}
