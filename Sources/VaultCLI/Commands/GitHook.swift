import ArgumentParser
import Glibc
import VaultCore

extension VaultCommand.Git {
  struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Install git hooks that run vault.",
      subcommands: [Install.self])

    struct Install: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Add a pre-commit hook that runs `vault scan --staged`.",
        discussion: """
          Writes the repository's pre-commit hook (where `git rev-parse --git-path hooks` \
          says: core.hooksPath is honoured), so a commit whose staged content holds an \
          OpenAI key or one of this vault's values is refused, with the findings redacted. \
          An existing hook of another kind is never overwritten: the message says which line \
          to add to it. `git commit --no-verify` skips the hook. `vault` must be on PATH when \
          git runs.

          Examples:
            vault git hook install
          """)

      /// The line that runs the scan, in the hook vault writes and in the advice for a hook
      /// that exists.
      static let command = "vault scan --staged"

      static let script = """
        #!/bin/sh
        # Installed by `vault git hook install`: refuses a commit whose staged content holds
        # an OpenAI key or a value of the vault (findings are shown redacted).
        exec \(command)

        """

      func run() throws {
        let paths = Session().paths
        guard paths.gitRoot != nil, LeakScan.isInWorkTree(".") else {
          throw VaultError.notAGitWorkTree(path: paths.currentDirectory)
        }
        guard var hooks = GitProcess.capture(["rev-parse", "--git-path", "hooks"]) else {
          throw VaultError.notAGitWorkTree(path: paths.currentDirectory)
        }
        hooks = String(hooks.dropLast(hooks.hasSuffix("\n") ? 1 : 0))
        let hook = paths.absolute(hooks) + "/pre-commit"
        let existing: FileSystem.Contents?
        do {
          existing = try FileSystem.read(hook, maximumSize: 1 << 20)
        } catch VaultError.symlink, VaultError.notRegularFile, VaultError.fileTooLarge {
          throw VaultError.hookExists(path: hook, line: "\(Self.command) || exit 1")
        }
        if let existing {
          let text = String(decoding: existing.bytes, as: UTF8.self)
          if text.split(separator: "\n").contains(where: { $0.contains(Self.command) }) {
            Output.line("\(Failure.printable(path: hook)) already runs `\(Self.command)`")
            return
          }
          throw VaultError.hookExists(path: hook, line: "\(Self.command) || exit 1")
        }
        if FileSystem.exists(hook) {
          throw VaultError.hookExists(path: hook, line: "\(Self.command) || exit 1")
        }
        try FileSystem.makeDirectories(Paths.directory(of: hook))
        let fd = open(hook, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o755)
        guard fd >= 0 else {
          if errno == EEXIST {
            throw VaultError.hookExists(path: hook, line: "\(Self.command) || exit 1")
          }
          throw VaultError.io(path: hook, operation: "create", errno: errno)
        }
        defer { close(fd) }
        let bytes = Array(Self.script.utf8)
        var written = 0
        while written < bytes.count {
          let count = bytes.withUnsafeBytes {
            write(fd, $0.baseAddress! + written, $0.count - written)
          }
          if count < 0 {
            if errno == EINTR { continue }
            throw VaultError.io(path: hook, operation: "write", errno: errno)
          }
          written += count
        }
        guard fchmod(fd, 0o755) == 0 else {
          throw VaultError.io(path: hook, operation: "chmod", errno: errno)
        }
        Output.line(
          "installed \(Failure.printable(path: hook)): commits now run `\(Self.command)`")
      }
    }
  }
}
