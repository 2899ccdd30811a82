import CSodium
import Glibc

/// Runs a command as a child of `vault`, which stays alive as its parent: for
/// `vault exec --redact` (its output passes through a ``Redactor``), and for anything else
/// that must run beside the child (README, "Supervised exec").
///
/// The model, as a shell sees it: the child stays in vault's process group, so both are the
/// terminal's foreground job and the child reads the terminal as it would without vault.
/// - Signals the terminal sends to the whole group (Ctrl-C, Ctrl-\, window size: the kernel's
///   `SI_KERNEL`) reach the child directly; vault does not forward them, so the child gets
///   each once.
/// - INT, TERM, HUP, QUIT, USR1, USR2 and WINCH that a process sends to vault (`kill PID`) are
///   forwarded to the child. Sent to the whole group (`kill -TERM -PGID`, `kill %1`), the child
///   gets the signal twice: once directly, once forwarded.
/// - Ctrl-Z stops the group: the child and vault stop together and `fg` continues both (vault
///   leaves SIGTSTP, SIGTTIN, SIGTTOU and SIGCONT at their defaults).
/// - When the child ends, ``wait()`` says how; the caller exits with its status, or re-raises
///   its signal.
/// - The child gets SIGKILL if vault dies without forwarding anything (SIGKILL, a crash):
///   `PR_SET_PDEATHSIG`, so it never runs on unsupervised.
///
/// Create the supervisor before starting any thread: it blocks the signals it handles in
/// the calling thread, and threads started later inherit the mask, so the signals reach its
/// `signalfd`. Spawn from a thread that lives as long as the child (the death signal is tied
/// to the spawning thread). Then call ``spawn(_:arguments:injecting:redactor:)`` and
/// ``wait()`` on that thread; other work (a proxy) runs on other threads meanwhile.
public final class Supervisor {
  /// The signals forwarded to the child when sent to vault.
  public static let forwarded: [Int32] = [
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
  ]

  /// How the child ended.
  public enum Termination: Equatable, Sendable {
    case exited(Int32)
    case signaled(Int32)
  }

  /// The signal mask from before the supervisor blocked its signals: the child's.
  var originalMask = sigset_t()
  let signals: Int32
  public private(set) var child: pid_t = 0
  /// The child's stdout and stderr pipes (read ends) with the descriptor each goes to.
  var outputs: [(pipe: Int32, destination: Int32, held: Int)] = []
  var redactor: Redactor?
  var buffers: [SecretBytes] = []

  /// Blocks the forwarded signals, SIGCHLD and SIGPIPE (a closed stdout is then an error
  /// to handle, not vault's death) in this thread, and opens a signalfd for them.
  public init() {
    var mask = sigset_t()
    sigemptyset(&mask)
    for signal in Self.forwarded + [SIGCHLD, SIGPIPE] { sigaddset(&mask, signal) }
    pthread_sigmask(SIG_BLOCK, &mask, &originalMask)
    sigdelset(&mask, SIGPIPE)
    signals = vault_signalfd(&mask)
    signalsError = errno
  }

  /// Why the signalfd could not be opened (reported by `spawn`).
  let signalsError: Int32

  deinit {
    if signals >= 0 { close(signals) }
    for output in outputs where output.pipe >= 0 { close(output.pipe) }
  }

  /// Starts `executable` (resolved as for `Launcher.exec`) with `arguments` and the
  /// environment `Launcher.exec` builds. With a `redactor`, the child's stdout and stderr
  /// are pipes that ``wait()`` copies to vault's, redacted; otherwise the child shares
  /// vault's descriptors. Failures are `Launcher.exec`'s (126, 127).
  public func spawn(
    _ executable: String, arguments: [String],
    injecting secrets: [(name: String, value: SecretBytes)], redactor: Redactor?
  ) throws {
    try Launcher.checkValues(secrets.map { ($0.name, $0.value) })
    guard signals >= 0 else {
      throw VaultError.notExecutable(executable, errno: signalsError)
    }
    self.redactor = redactor
    var pipes: [(read: Int32, write: Int32)] = []
    if redactor != nil {
      for _ in 0..<2 {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw VaultError.notExecutable(executable, errno: errno) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        pipes.append((ends[0], ends[1]))
      }
    }
    var spawnError: Int32 = 0
    fflush(nil)
    let pid = Launcher.withVectors(executable, arguments: arguments, injecting: secrets) {
      argv, envp, shell in
      vault_spawn(
        executable, argv, envp, shell, &originalMask, pipes.first?.write ?? -1,
        pipes.last?.write ?? -1, &spawnError)
    }
    for ends in pipes { close(ends.write) }
    outputs = zip(pipes, [STDOUT_FILENO, STDERR_FILENO]).map { ($0.0.read, $0.1, 0) }
    guard pid > 0 else {
      throw Launcher.launchError(spawnError, executable: executable)
    }
    child = pid
    if let redactor {
      for output in outputs {
        _ = fcntl(output.pipe, F_SETFL, fcntl(output.pipe, F_GETFL) | O_NONBLOCK)
        buffers.append(SecretBytes(count: Self.chunk + max(redactor.longest, 1)))
      }
    }
  }

  static let chunk = 65536
  /// `si_code` of a signal the kernel sent (SI_KERNEL): the terminal's, to its foreground group.
  static let fromKernel: Int32 = 0x80

  /// Forwards signals and copies the child's output until the child exits; then copies what
  /// it left in its pipes (not what a process it started writes later) and says how it ended.
  public func wait() -> Termination {
    var open = outputs.indices.map { _ in true }
    while true {
      var descriptors = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
      for index in outputs.indices where open[index] {
        descriptors.append(pollfd(fd: outputs[index].pipe, events: Int16(POLLIN), revents: 0))
      }
      if poll(&descriptors, nfds_t(descriptors.count), -1) < 0 {
        if errno == EINTR { continue }
      }
      for index in outputs.indices where open[index] {
        open[index] = copy(index, draining: false)
      }
      if descriptors[0].revents & Int16(POLLIN) != 0, let ended = handleSignals() {
        for index in outputs.indices where open[index] {
          _ = copy(index, draining: true)
        }
        return ended
      }
    }
  }

  /// Reads the signalfd: forwards what was sent to vault alone, and reaps the child.
  func handleSignals() -> Termination? {
    var info = signalfd_siginfo()
    let size = MemoryLayout<signalfd_siginfo>.size
    while read(signals, &info, size) == size {
      let signal = Int32(info.ssi_signo)
      if signal == SIGCHLD { continue }
      // The terminal sent it to the whole foreground group: the child has its own copy.
      if info.ssi_code == Self.fromKernel { continue }
      kill(child, signal)
    }
    var status: Int32 = 0
    let reaped = waitpid(child, &status, WNOHANG)
    guard reaped == child else { return nil }
    if status & 0x7F == 0 { return .exited((status >> 8) & 0xFF) }
    return .signaled(status & 0x7F)
  }

  /// Copies what output `index` has now, redacted; `draining`, until its pipe is empty, with
  /// nothing held back. Returns false once the pipe is closed: at end of file, after
  /// draining, or when vault's own descriptor fails (the child's next write then fails, as
  /// it would have without vault).
  func copy(_ index: Int, draining: Bool) -> Bool {
    guard let redactor, outputs[index].pipe >= 0 else { return false }
    let output = outputs[index]
    var held = output.held
    var shown: [UInt8] = []
    shown.reserveCapacity(Self.chunk)
    let open = buffers[index].withUnsafeMutableBytes { buffer in
      while true {
        let got = read(output.pipe, buffer.baseAddress! + held, Self.chunk)
        if got < 0 && errno == EINTR { continue }
        if got < 0 && errno == EAGAIN && !draining { return true }
        let end = got <= 0
        let count = held + max(got, 0)
        shown.removeAll(keepingCapacity: true)
        held = redactor.redact(
          UnsafeRawBufferPointer(buffer), count: count, final: end, into: &shown)
        if held > 0 {
          memmove(buffer.baseAddress!, buffer.baseAddress! + (count - held), held)
        }
        if !writeAll(shown, to: output.destination) || end { return false }
      }
    }
    outputs[index].held = held
    if !open {
      close(output.pipe)
      outputs[index].pipe = -1
    }
    return open
  }

  func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let wrote = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
        if wrote < 0 {
          if errno == EINTR { continue }
          if errno == EAGAIN {
            var wait = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            _ = poll(&wait, 1, -1)
            continue
          }
          return false
        }
        offset += wrote
      }
      return true
    }
  }
}
