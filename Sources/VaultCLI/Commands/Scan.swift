import ArgumentParser
import Glibc
import VaultCore

extension VaultCommand {
  struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Find hardcoded OpenAI keys and this vault's values in files or git history.",
      discussion: """
        Looks for every OpenAI key shape (sk-proj-, sk-svcacct-, sk-admin-, sk-None-, legacy \
        sk-; all carry T3BlbkFJ) and for the values of 12 bytes or more this vault holds \
        that you can read, compared by keyed hash, never kept in clear. In a git work tree it \
        reads the files git lists (tracked, and untracked but not ignored); elsewhere every \
        file under PATH. Binary files are skipped, symlinks not followed; a file that cannot \
        be read is named on stderr. Prints `PATH:LINE: KIND REDACTED [LABELS]` per finding \
        (`COMMIT:PATH:LINE: …` with --history), never a value. Exit 1 when anything is found, \
        0 when clean. Without an identity (or a vault), only key shapes are looked for, and \
        stderr says so.

        Examples:
          vault scan                    # this work tree
          vault scan --history          # what every commit added, on every branch
          vault scan --staged           # what a commit would record (the pre-commit hook)
          vault scan ~/code --json
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var unlock: UnlockOptions

    @Argument(help: ArgumentHelp("The file or directory to scan.", valueName: "path"))
    var path: String = "."

    @Flag(help: "Scan what every commit on every branch added (git log -p --all), not the files.")
    var history = false

    @Flag(help: "Scan the staged content (git diff --cached), as a pre-commit hook does.")
    var staged = false

    @Flag(help: "Print a JSON array of {commit, path, line, kind, redacted, labels}.")
    var json = false

    func validate() throws {
      if history && staged { throw ValidationError("--history and --staged go one at a time") }
    }

    func run() throws {
      let session = Session()
      // Where to look is checked before the vault is opened (which may ask to unlock).
      var info = stat()
      guard lstat(path, &info) == 0 else { throw VaultError.pathNotFound(path: path) }
      if (history || staged) && !LeakScan.isInWorkTree(path) {
        throw VaultError.notAGitWorkTree(path: path)
      }
      let index = try values(session)
      let scanner = LeakScanner(values: index)
      var count = 0
      var objects: [String] = []
      let scan = LeakScan(
        scanner: scanner,
        found: { finding in
          count += 1
          if json {
            objects.append(Self.json(finding))
          } else {
            Output.line(Self.text(finding))
          }
        },
        skipped: { path, reason in
          Output.note("skipped \(Failure.printable(path: path)): \(reason)")
        })
      if history || staged {
        if history { try scan.history(in: path) } else { try scan.staged(in: path) }
      } else {
        try scan.files(under: path)
      }
      if json { Output.line("[" + objects.joined(separator: ",") + "]") }
      if count > 0 { throw ExitCode(1) }
    }

    /// This vault's readable values as keyed hashes, or nil (with one note) when there is
    /// no vault or identity to read them with.
    private func values(_ session: Session) throws -> ValueIndex? {
      func keyShapesOnly(_ why: String) -> ValueIndex? {
        Output.note("\(why): looking for OpenAI key shapes only, not this vault's values")
        return nil
      }
      let file: VaultFile
      do {
        file = try session.existingStore(vault).load(warn: Output.warn)
      } catch VaultError.vaultNotFound(let path) {
        return keyShapesOnly("no vault at '\(Failure.printable(path: path))'")
      }
      let identity: Identity
      do {
        identity = try session.unlock(unlock)
      } catch VaultError.identityNotFound(let path) {
        return keyShapesOnly("no identity at '\(Failure.printable(path: path))'")
      } catch VaultError.noTerminal {
        return keyShapesOnly("no terminal to ask for the passphrase")
      }
      guard let member = try? file.member(for: identity) else {
        return keyShapesOnly(
          "this identity is not a member of '\(Failure.printable(path: file.path))'")
      }
      var index = ValueIndex()
      var keys = EnvironmentKeys(file: file, identity: identity)
      for block in file.blocks where member.read.contains(block.environment) {
        let pair = try keys.pair(block.environment, project: block.project)
        let group = try file.decode(block)
        // Older versions too: a value replaced last week is still a leak in a file today. An
        // entry under a retired key cannot be opened (`status` names it); it is skipped.
        for entry in group.entries where !file.isUnderRetiredKey(entry) {
          index.add(try file.open(entry, with: pair), label: entry.label)
        }
        for entry in group.history where !file.isUnderRetiredKey(entry) {
          index.add(
            try file.open(entry, with: pair), label: "\(entry.label) v\(entry.version) (older)")
        }
      }
      return index
    }

    static func text(_ finding: LeakScan.Finding) -> String {
      var place = Failure.printable(path: finding.path) + ":\(finding.leak.line)"
      if let commit = finding.commit { place = commit + ":" + place }
      let labels = finding.leak.label.map { " " + $0 } ?? ""
      return "\(place): \(finding.leak.kind.rawValue) \(finding.leak.redacted)\(labels)"
    }

    static func json(_ finding: LeakScan.Finding) -> String {
      let labels =
        finding.leak.label.map { text in
          "[" + text.split(separator: ", ").map { JSON.quote(String($0)) }.joined(separator: ",")
            + "]"
        } ?? "[]"
      return "{\"commit\":\(finding.commit.map(JSON.quote) ?? "null"),"
        + "\"path\":\(JSON.quote(finding.path)),\"line\":\(finding.leak.line),"
        + "\"kind\":\(JSON.quote(finding.leak.kind.rawValue)),"
        + "\"redacted\":\(JSON.quote(finding.leak.redacted)),\"labels\":\(labels)}"
    }
  }
}
