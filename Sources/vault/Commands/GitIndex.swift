import Glibc
import VaultCore

/// The vault as git's index holds it during a conflicted merge: stage 1 (the merge base),
/// 2 (ours) and 3 (theirs), read with `git cat-file blob :N:./NAME` run without a shell.
enum GitIndex {
  /// The bytes of stage `stage` of the file at `path`, or nil when the index has no such
  /// stage (not in a merge, already resolved, or not in a git work tree).
  static func stage(_ stage: Int, of path: String) throws -> [UInt8]? {
    // `./NAME` is relative to git's working directory, which `-C` sets to the file's own.
    let spec = ":\(stage):./\(Paths.baseName(of: path))"
    return try run(["git", "-C", Paths.directory(of: path), "cat-file", "blob", spec], name: spec)
  }

  /// Runs git with `arguments` (stdin and stderr on /dev/null), returning its stdout, or nil
  /// when it exits non-zero.
  private static func run(_ arguments: [String], name: String) throws -> [UInt8]? {
    var fds: [Int32] = [-1, -1]
    // Close-on-exec, so only the dup2 below reaches git (vault runs no other threads).
    guard pipe(&fds) == 0 else { throw VaultError.io(path: "git", operation: "run", errno: errno) }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, "git", &actions, nil, argv, Glibc.environ)
    close(fds[1])
    guard spawned == 0 else {
      close(fds[0])
      throw VaultError.commandNotFound("git")
    }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var failure: VaultError?
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
      if count > 0 {
        output += buffer[..<count]
        if output.count > FileSystem.maximumVaultSize {
          failure = .fileTooLarge(path: name, limit: FileSystem.maximumVaultSize)
          break
        }
      } else if count == 0 {
        break
      } else if errno != EINTR {
        failure = .io(path: name, operation: "read", errno: errno)
        break
      }
    }
    close(fds[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if let failure { throw failure }
    return status == 0 ? output : nil
  }
}
