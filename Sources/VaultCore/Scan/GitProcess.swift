import Glibc

/// A `git` process started without a shell: its stdout on a pipe this process reads, its
/// stdin on a pipe (for `cat-file --batch`) or `/dev/null`, its stderr passed through or
/// to `/dev/null`.
public final class GitProcess {
  private let pid: pid_t
  /// The read end of git's stdout.
  public let output: Int32
  /// The write end of git's stdin, when asked for.
  public private(set) var input: Int32?
  private var waited: Int32?

  /// Starts `git ARGUMENTS`; throws `commandNotFound` when git cannot be started.
  public init(_ arguments: [String], input wantsInput: Bool = false, quiet: Bool = false) throws {
    var out: [Int32] = [-1, -1]
    var inp: [Int32] = [-1, -1]
    guard pipe(&out) == 0, !wantsInput || pipe(&inp) == 0 else {
      throw VaultError.io(path: "git", operation: "run", errno: errno)
    }
    for fd in out + (wantsInput ? inp : []) { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if wantsInput {
      posix_spawn_file_actions_adddup2(&actions, inp[0], 0)
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    posix_spawn_file_actions_adddup2(&actions, out[1], 1)
    if quiet { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
    let argv = (["git"] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, "git", &actions, nil, argv, environ)
    close(out[1])
    if wantsInput { close(inp[0]) }
    guard spawned == 0 else {
      close(out[0])
      if wantsInput { close(inp[1]) }
      throw VaultError.commandNotFound("git")
    }
    self.pid = pid
    output = out[0]
    input = wantsInput ? inp[1] : nil
  }

  /// Writes all of `bytes` to git's stdin.
  public func write(_ bytes: [UInt8]) throws {
    guard let input else { return }
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeBytes {
        Glibc.write(input, $0.baseAddress! + offset, $0.count - offset)
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw VaultError.io(path: "git", operation: "write to", errno: errno)
      }
      offset += count
    }
  }

  /// Closes both pipes and waits for git; returns its exit status (128 + N for signal N).
  @discardableResult
  public func wait() -> Int32 {
    if let waited { return waited }
    if let input { close(input) }
    input = nil
    close(output)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    waited = code
    return code
  }

  deinit {
    wait()
  }

  /// The stdout of `git ARGUMENTS` (at most 64 KiB), or nil when git fails or is missing.
  public static func capture(_ arguments: [String]) -> String? {
    guard let git = try? GitProcess(arguments, quiet: true) else { return nil }
    var reader = PipeReader(fd: git.output, capacity: 64 << 10)
    var text: [UInt8] = []
    while let piece = try? reader.next(), !piece.isEmpty, text.count < 64 << 10 {
      text += piece
    }
    guard git.wait() == 0 else { return nil }
    return String(decoding: text, as: UTF8.self)
  }
}
