import ArgumentParser
import Glibc
import VaultCore

extension VaultCommand {
  struct Git: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Set up git to merge and diff the team vault.",
      discussion: """
        Examples:
          vault git setup            # once per clone: .gitattributes and .git/config
          git diff .vault            # labels, versions, writers, flags; never values
          vault git resolve --env dev --take theirs   # after a conflict in .vault
        """,
      subcommands: [Setup.self, Merge.self, Resolve.self, Diff.self, Hook.self])

    struct Setup: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Write .gitattributes and this clone's git config for the merge driver and diff.",
        discussion: """
          Adds `.vault merge=vault diff=vault` to .gitattributes (commit it) and sets \
          merge.vault.driver, merge.vault.recursive (the inner merge of a criss-cross \
          history, driver vault-base) and diff.vault.textconv in .git/config (each clone runs \
          this; run it again after upgrading vault). `vault` must be on PATH when git runs.

          Examples:
            vault git setup
          """)

      func run() throws {
        let paths = Session().paths
        guard let root = paths.gitRoot else {
          throw ValidationError("not in a git work tree")
        }
        let attributes = root + "/.gitattributes"
        let line = ".vault merge=vault diff=vault"
        var text =
          (try FileSystem.read(attributes)?.bytes).map { String(decoding: $0, as: UTF8.self) } ?? ""
        if !text.split(separator: "\n").contains(where: { $0 == line }) {
          if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
          text += line + "\n"
          try FileSystem.writeAtomically(attributes, Array(text.utf8))
        }
        // `--` before the files: git names them by their path, which may start with `-`.
        // The inner merge of a criss-cross history (two merge bases) runs the driver as
        // `vault-base`, which makes a virtual base that brings nothing back (TeamVaults.md).
        for (key, value) in [
          ("merge.vault.name", "vault: merge per entry and per member"),
          ("merge.vault.driver", "vault git merge -- %O %A %B %P"),
          ("merge.vault.recursive", "vault-base"),
          ("merge.vault-base.name", "vault: the virtual merge base of a criss-cross merge"),
          ("merge.vault-base.driver", "vault git merge --virtual-base -- %O %A %B %P"),
          ("diff.vault.textconv", "vault git diff --"),
        ] {
          try runGit(["git", "-C", root, "config", key, value])
        }
        Output.line("configured git in \(root): .gitattributes (commit it) and .git/config")
      }

      private func runGit(_ arguments: [String]) throws {
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let status = posix_spawnp(&pid, "git", nil, nil, argv, Glibc.environ)
        guard status == 0 else { throw VaultError.commandNotFound("git") }
        var result: Int32 = 0
        while waitpid(pid, &result, 0) < 0 && errno == EINTR {}
        guard result == 0 else {
          throw VaultError.io(path: arguments.joined(separator: " "), operation: "run", errno: EIO)
        }
      }
    }

    struct Merge: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "git's merge driver for .vault (run by git, not by hand).",
        discussion: """
          Merges per member, per group and per entry. Exits 0 with the result in OURS, or 1 \
          with each conflict on stderr. When only entries conflict, OURS holds every other \
          change of both branches and this branch's version of each conflicted entry \
          (`vault git resolve` chooses); an entry written for a key the other branch rotated \
          is moved to the new key, or left out and named. Any other conflict leaves a note \
          in OURS, not a vault, so nothing either branch removed can be committed back. \
          Re-signs what it combines, so it may ask to unlock. With --virtual-base (git's \
          inner merge of a criss-cross history) it always exits 0: the merged base, or an \
          empty file (no base) when the bases conflict.

          Examples:
            git merge feature        # git runs: vault git merge -- %O %A %B %P
          """)

      @OptionGroup var unlock: UnlockOptions
      @Flag(help: "Make git's virtual merge base (merge.vault.recursive); never fails.")
      var virtualBase = false
      @Argument(help: "The merge base (%O).") var base: String
      @Argument(help: "Ours (%A); the result is written here.") var ours: String
      @Argument(help: "Theirs (%B).") var theirs: String
      @Argument(help: "The file's path in the repository (%P), for messages.") var name: String?

      /// What OURS holds when nothing merged: not a vault, so committing it cannot bring
      /// back a member or a key either branch removed.
      static let note = Array(
        """
        vault: merge conflict: this file is not a vault. The merge driver found a conflict \
        that needs an owner (see git merge's output). Run `git merge --abort`.

        """.utf8)

      func run() throws {
        let session = Session()
        let raw = name ?? ".vault"
        let shown = Failure.printable(path: raw)
        func load(_ path: String, as label: String) throws -> VaultFile? {
          guard let contents = try FileSystem.read(path) else { return nil }
          if contents.bytes.isEmpty { return nil }
          // Named as the person knows it, never by git's temporary file (messages escape it).
          let file = try VaultFile.parse(contents.bytes, path: "\(label) \(raw)")
          try file.verifyHeader()
          return file
        }
        if virtualBase {
          // Whatever happens below, the base git uses is this file: empty (no base) unless
          // the bases merge.
          let sides = try? (load(ours, as: "a merge base's"), load(theirs, as: "a merge base's"))
          try FileSystem.writeAtomically(ours, [])
          guard let sides, let oursFile = sides.0, let theirsFile = sides.1 else { return }
          let baseFile = try? load(base, as: "the merge bases' base")
          let merge = VaultMerge(base: baseFile, ours: oursFile, theirs: theirsFile)
          let outcome = try? merge.merge(
            identity: { try session.unlock(unlock) }, virtualBase: true)
          switch outcome {
          case .merged(let file)?, .partial(let file, _)?, .withheld(let file, _, _)?:
            try FileSystem.writeAtomically(ours, file.serialized())
          case .conflicts?, nil:
            break
          }
          return
        }
        do {
          guard let oursFile = try load(ours, as: "this branch's"),
            let theirsFile = try load(theirs, as: "the other branch's")
          else {
            throw VaultError.vaultNotFound(path: "\(raw) on one of the branches")
          }
          let trust = try session.trust
          let merge = VaultMerge(
            base: try load(base, as: "the merge base's"), ours: oursFile, theirs: theirsFile,
            seenRemoved: { try trust.removedName(of: $0, in: oursFile) != nil })
          switch try merge.merge(identity: { try session.unlock(unlock) }) {
          case .merged(let file):
            try FileSystem.writeAtomically(ours, file.serialized())
          case .partial(let file, let conflicted):
            // Everything else merged: written, so nothing either branch wrote waits on a choice.
            try FileSystem.writeAtomically(ours, file.serialized())
            Git.exitWithEntryConflicts(conflicted, withheld: [])
          case .withheld(let file, let conflicted, let withheld):
            try FileSystem.writeAtomically(ours, file.serialized())
            Git.exitWithEntryConflicts(conflicted, withheld: withheld)
          case .conflicts(let conflicts):
            try FileSystem.writeAtomically(ours, Self.note)
            Git.exitWithConflicts(conflicts)
          }
        } catch let error as VaultError {
          // Not a conflict (a side that does not parse or verify, no identity): nothing
          // merged; say which file and what to run, never git's temporary file names.
          try? FileSystem.writeAtomically(ours, Self.note)
          let described = Failure.describe(error)
          Failure.exit(
            message: "cannot merge \(shown): \(described.message)",
            hint: described.hint
              ?? "nothing was merged: run `git merge --abort`; `vault doctor` on the branch named above says what is wrong with its \(shown)",
            code: described.code)
        }
      }
    }

    /// `vault: error: merge conflict: …` for entries only (the merged file was written), with
    /// the commands that choose a side and finish the merge, and for each change left out
    /// (`withheld`) the command that makes it again; exit 1.
    static func exitWithEntryConflicts(
      _ conflicted: [String], withheld: [VaultMerge.Withheld]
    ) -> Never {
      var reasons: [String] = []
      var steps: [String] = []
      var after: [String] = []
      if !conflicted.isEmpty {
        let commands = conflicted.map { label -> String in
          let parts = label.split(separator: "/", maxSplits: 2).map(String.init)
          guard parts.count == 3 else { return "`vault git resolve`" }
          return
            "`vault git resolve \(parts[2]) --project \(parts[0]) --env \(parts[1]) --take theirs`"
        }
        let what = conflicted.map { "\($0) changed on both branches" }.joined(separator: "; ")
        reasons.append(
          "\(what); .vault holds every other change of both branches and this branch's version of \(conflicted.count == 1 ? "it" : "each")"
        )
        steps.append(
          "to take the other branch's: \(commands.joined(separator: ", ")) (`--take ours` keeps this branch's)"
        )
      }
      for item in withheld {
        let (branch, other) =
          item.side == .ours ? ("this branch", "the other") : ("the other branch", "this one")
        if item.removal {
          reasons.append(
            "\(item.label) was removed on \(branch) while \(other) rotated the \(item.environment) key, and nobody here may sign that: it is not removed in .vault"
          )
          after.append(
            "vault rm --yes --project \(item.project) --env \(item.environment) \(item.name)")
        } else {
          var reason =
            "\(item.label) was written on \(branch) for the \(item.environment) key \(other) rotated, and you cannot move it to the new key (you need both keys): it is left out of .vault"
          if !item.exposedTo.isEmpty {
            reason +=
              " (\(item.exposedTo.joined(separator: ", ")) could read it there: rotate it at its provider)"
          }
          reasons.append(reason)
          after.append(
            "vault set --project \(item.project) --env \(item.environment) \(item.name) (by whoever knows the value; a new one, if rotated)"
          )
        }
      }
      steps.append(
        "\(steps.isEmpty ? "" : "then ")`git add .vault && git commit` (git add marks it resolved)")
      if !after.isEmpty { steps.append("then: \(after.joined(separator: "; "))") }
      Failure.exit(
        message: "merge conflict: \(reasons.joined(separator: "; "))",
        hint: steps.joined(separator: "; "), code: Failure.general)
    }

    /// `vault: error: merge conflict: …` naming every conflict when nothing was merged (the
    /// file is this branch's, untouched), and how to get out; exit 1.
    static func exitWithConflicts(_ conflicts: [VaultMerge.Conflict]) -> Never {
      // One `vault: error:` line, as every error (README), naming each conflict.
      let reasons = conflicts.map { conflict -> String in
        switch conflict {
        case .entry(let label):
          return "\(label) changed on both branches"
        case .membership(let reason), .cannotSign(let reason):
          return reason
        case .differentVaults:
          return "the two sides are different vaults (different ids)"
        case .rolledBack(let side, let generation, let base):
          return
            "\(side == "ours" ? "this branch" : "the other branch") has membership generation \(generation), older than the merge base's \(base): it rolled membership back"
        }
      }
      Failure.exit(
        message: "merge conflict: \(reasons.joined(separator: "; "))",
        hint:
          "nothing was merged: .vault holds a note, not a vault, so nothing either branch removed can be committed back; run `git merge --abort`, settle the above on a branch, then merge again",
        code: Failure.general)
    }

    struct Resolve: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Choose a side for an entry that conflicted in a git merge of .vault.",
        discussion: """
          After `git merge` reports a conflict in .vault, .vault holds every change of both \
          branches except each conflicted entry, which is at this branch's version. This \
          re-runs the merge from git's index (stages 1, 2 and 3 of .vault), takes the named \
          side for NAME, keeps the side .vault holds now for every other conflicted entry, \
          and writes .vault. Then `git add .vault` (marks it resolved) and `git commit`. \
          Re-signs what it combines, so it may ask to unlock.

          Examples:
            vault git resolve --env dev --take theirs
            vault git resolve OPENAI_ORG_ID --project shop --env prod --take ours
            git add .vault && git commit
          """)

      /// The side to take, as typed.
      enum Take: String, ExpressibleByArgument, CaseIterable {
        case ours, theirs
      }

      @OptionGroup var vault: VaultOptions
      @OptionGroup var label: LabelOptions
      @OptionGroup var unlock: UnlockOptions

      @Option(help: "ours (this branch's version) or theirs (the merged branch's).")
      var take: Take

      @Argument(help: "The conflicted entry's name.")
      var name: String = "OPENAI_API_KEY"

      func run() throws {
        let session = Session()
        let project = try session.paths.project(explicit: label.project)
        try Names.check(name, as: .name)
        let path = try session.paths.vaultFile(explicit: vault.vaultPath)
        let target = "\(project)/\(label.environment)/\(name)"
        func stage(_ number: Int) throws -> VaultFile? {
          guard let bytes = try GitIndex.stage(number, of: path), !bytes.isEmpty else {
            return nil
          }
          let file = try VaultFile.parse(bytes, path: ":\(number):\(path)")
          try file.verifyHeader()
          return file
        }
        guard let ours = try stage(2), let theirs = try stage(3) else {
          throw VaultError.notMerging(path: path)
        }
        let trust = try session.trust
        let merge = VaultMerge(
          base: try stage(1), ours: ours, theirs: theirs,
          seenRemoved: { try trust.removedName(of: $0, in: ours) != nil })
        var signer: Identity?
        func identity() throws -> Identity {
          if let signer { return signer }
          let unlocked = try session.unlock(unlock)
          signer = unlocked
          return unlocked
        }
        let conflicted: [String]
        switch try merge.merge(identity: identity) {
        case .merged: conflicted = []
        case .partial(_, let labels), .withheld(_, let labels, _): conflicted = labels
        case .conflicts(let conflicts): Git.exitWithConflicts(conflicts)
        }
        guard conflicted.contains(target) else {
          throw VaultError.noConflict(label: target, conflicted: conflicted)
        }
        // The other conflicted entries keep the side the work tree's .vault holds (an earlier
        // resolve's choice); a file that does not verify holds no choice: ours.
        let current = try? FileSystem.read(path).flatMap { contents -> VaultFile? in
          let file = try VaultFile.parse(contents.bytes, path: path)
          try file.verifyHeader()
          return file
        }
        var choices: [String: VaultMerge.Side] = [:]
        for other in conflicted where other != target {
          let parts = other.split(separator: "/", maxSplits: 2).map(String.init)
          guard let current, parts.count == 3 else { continue }
          choices[other] = merge.side(
            in: current, project: parts[0], environment: parts[1], name: parts[2])
        }
        let side: VaultMerge.Side = take == .ours ? .ours : .theirs
        choices[target] = side
        let file: VaultFile
        var withheld: [VaultMerge.Withheld] = []
        switch try merge.merge(identity: identity, choices: choices) {
        case .partial(let merged, _): file = merged
        case .withheld(let merged, _, let left):
          file = merged
          withheld = left
        default: throw VaultError.noConflict(label: target, conflicted: [])
        }
        try FileSystem.writeAtomically(path, file.serialized())
        let whose = side == .ours ? "this branch's version" : "the merged branch's version"
        Output.line(
          "\(target): took \(side.rawValue) (\(whose)) in \(Failure.printable(path: path))")
        let others = conflicted.filter { $0 != target }.map {
          "\($0) (\((choices[$0] ?? .ours).rawValue))"
        }
        if !others.isEmpty {
          Output.line("other conflicted entries, as they were: \(others.joined(separator: ", "))")
        }
        Output.line(
          "every other change of both branches is kept; now: git add .vault && git commit")
        // The driver's advice for what it left out still stands after the commit.
        for item in withheld {
          let command = item.removal ? "vault rm --yes" : "vault set"
          Output.line(
            "then: \(command) --project \(item.project) --env \(item.environment) \(item.name)"
              + " (\(item.label) is left out: it was for a key the other branch rotated)")
        }
      }
    }

    struct Diff: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract:
          "git's text conversion for .vault: labels, versions, writers, flags, never values.",
        discussion: """
          Prints the vault id; each member with role, environments and key fingerprint; the \
          owner who signed the header (signed-by NAME FINGERPRINT); each environment's key \
          prefix; each OpenBao recipient's address, mount/key and a short hash of its seal; \
          each entry's label, version, time, a short hash of its ciphertext \
          (sealed:…, so a value replaced under the same label, version, time and writer \
          shows) and writer; and the rotation flags. Needs no passphrase: it decrypts nothing.

          Examples:
            vault git diff -- .vault
          """)

      @Argument(help: "The vault file.") var file: String

      func run() throws {
        guard let contents = try FileSystem.read(file) else {
          throw VaultError.vaultNotFound(path: file)
        }
        let vault: VaultFile
        do {
          vault = try VaultFile.parse(contents.bytes, path: file)
          try vault.verifyHeader()
        } catch let error as VaultError {
          Output.line("unreadable vault: \(Failure.describe(error).message)")
          return
        }
        Output.line("vault \(Base64URL.encode(vault.header.vaultID))")
        // A membership change shows as a new generation; a rollback as an older one.
        Output.line("generation \(vault.header.generation)")
        // How many versions each entry keeps, when an owner set it.
        if let limit = vault.header.historyLimit { Output.line("history \(limit)") }
        // Each key's fingerprint, and who signed: a new key behind a familiar name, or a new
        // signer, is a changed line in review.
        for m in vault.header.members {
          let read = m.read.isEmpty ? "-" : m.read.joined(separator: ",")
          let write = m.write.isEmpty ? "-" : m.write.joined(separator: ",")
          Output.line(
            "member \(m.name)\(m.isOwner ? " owner" : "") read \(read) write \(write)"
              + " fingerprint \(m.identity.fingerprint)")
        }
        // verifyHeader found the signer among the members; the fallback never shows.
        let signer = vault.header.member(signingKey: vault.header.signer)
        Output.line(
          "signed-by \(signer?.name ?? "?") \(signer?.identity.fingerprint ?? "?")")
        for e in vault.header.environments {
          Output.line("env \(e.name) key \(Base64URL.encode(e.publicKey.prefix(6)))")
        }
        // Where a runner sends its OpenBao token, and which key holds the environment's key:
        // a changed address or seal is a changed line in review.
        for r in vault.header.openBao {
          let digest = Sodium.blake2b(Array(r.ciphertext.utf8), length: 16)
          Output.line(
            "openbao \(r.environment) \(r.address) \(r.mount)/\(r.key)"
              + " sealed:\(Base64URL.encode(digest.prefix(6)))")
        }
        for block in vault.blocks {
          guard let group = try? vault.decode(block) else {
            Output.line("\(block.project)/\(block.environment): does not verify")
            continue
          }
          // Each current version, then its older versions kept (newest first), marked.
          let names = group.entries.map(\.name)
          for entry in names.flatMap({ name in
            group.entries.filter { $0.name == name } + group.history.filter { $0.name == name }
          }) {
            let older = group.entries.contains(entry) ? "" : " older"
            let writer = vault.header.member(signingKey: entry.writer)?.name ?? "?"
            // A short hash of the ciphertext: another value under the same label, version,
            // time and writer is a changed line too. It says nothing about the value.
            let sealed = entry.sealed
            let digest = Sodium.blake2b(
              sealed.ephemeralPublicKey + sealed.nonce + sealed.ciphertext, length: 16)
            // A retired key: a text merge without the driver put it beside a re-key.
            let retired = vault.isUnderRetiredKey(entry) ? " retired-key" : ""
            // The OpenAI key this version is, by id: a relinked version is a changed line.
            let link = group.link(entry.name, version: entry.version).map { " openai:\($0.keyID)" }
            Output.line(
              "\(entry.label) v\(entry.version) \(entry.created)"
                + " sealed:\(Base64URL.encode(digest.prefix(6))) \(writer)\(retired)\(older)"
                + (link ?? ""))
          }
          for rotation in group.rotations {
            Output.line(
              "\(group.project)/\(group.environment)/\(rotation.name) rotation"
                + " \(rotation.step.rawValue) \(rotation.time) \(rotation.oldKey)"
                + " -> \(rotation.newKey ?? "-")")
          }
          for flag in group.flags {
            Output.line(
              "\(group.project)/\(group.environment)/\(flag.name) rotate: "
                + (flag.wrote
                  ? "written by \(flag.member) (\(vault.header.departure(of: flag.member)))"
                  : "exposed to \(flag.member)")
            )
          }
        }
      }
    }
  }
}
