import Glibc
import VaultCore

/// Writing to the standard streams with `write(2)`: unbuffered, so nothing is left in a
/// buffer at `execve`, and secret bytes go straight from their locked buffer to the pipe.
///
/// Every write to stdout is checked: a failure (a full disk, a reader that closed the pipe
/// while SIGPIPE is ignored) ends the command with exit 1 and one message, never a silent
/// exit 0 with output missing (README, "Exit codes"). With SIGPIPE at its default action a
/// closed pipe ends vault by the signal, quietly, as it does cat or ls.
enum Output {
  /// Writes all of `bytes` to `fd` (stderr, a terminal), ignoring a failure: there is no
  /// better place to report it.
  static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
    _ = checkedWrite(fd, bytes)
  }

  /// Writes all of `bytes` to `fd`; the `errno` of the write that failed, or nil.
  static func checkedWrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    guard let base = bytes.baseAddress else { return nil }
    var offset = 0
    while offset < bytes.count {
      let count = Glibc.write(fd, base + offset, bytes.count - offset)
      if count < 0 {
        if errno == EINTR { continue }
        return errno
      }
      offset += count
    }
    return nil
  }

  /// Writes `bytes` to stdout, or exits 1 saying why not. `unsavedIdentity`: they are the
  /// only copy of a new identity, and the message says it was not saved.
  static func standardOutput(_ bytes: UnsafeRawBufferPointer, unsavedIdentity: Bool = false) {
    guard let code = checkedWrite(1, bytes) else { return }
    Failure.exit(VaultError.cannotWriteOutput(errno: code, unsavedIdentity: unsavedIdentity))
  }

  /// A line of text on stdout.
  static func line(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    bytes.withUnsafeBytes { standardOutput($0) }
    bytes.removeAll()
  }

  /// Raw bytes on stdout.
  static func bytes(_ bytes: [UInt8], unsavedIdentity: Bool = false) {
    bytes.withUnsafeBytes { standardOutput($0, unsavedIdentity: unsavedIdentity) }
  }

  /// Secret bytes on stdout (`get`, `export` and `identity new` only).
  static func secret(_ value: SecretBytes, unsavedIdentity: Bool = false) {
    value.withUnsafeBytes { standardOutput($0, unsavedIdentity: unsavedIdentity) }
  }

  /// When stdout is a regular file, flushes it to the disk (`fsync`), or exits 1 as a failed
  /// write does: for output that is the only copy of something (`identity new`).
  static func syncStandardOutput(unsavedIdentity: Bool) {
    var info = stat()
    guard fstat(1, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, fsync(1) != 0 else {
      return
    }
    Failure.exit(VaultError.cannotWriteOutput(errno: errno, unsavedIdentity: unsavedIdentity))
  }

  /// Registered with `atexit`: the last check of stdout, as coreutils' `close_stdout`. What
  /// went through stdio (the argument parser's help) is flushed, and stdout is closed, so an
  /// error the system reports only then (a full disk, NFS) is exit 1 too.
  static let finish: @convention(c) () -> Void = {
    var failure: Int32?
    if fflush(nil) != 0 { failure = errno }
    if failure == nil && close(1) != 0 && errno != EBADF { failure = errno }
    guard let failure else { return }
    let message = "vault: error: cannot write to standard output: \(describe(errno: failure))\n"
    Array(message.utf8).withUnsafeBytes { Output.write(2, $0) }
    _exit(Failure.general)
  }

  /// The system's wording of `errno`.
  static func describe(errno code: Int32) -> String {
    String(cString: strerror(code))
  }

  /// `vault: warning: …` on stderr.
  static func warning(_ text: String) {
    let bytes = Array("vault: warning: \(Failure.printableMessage(text))\n".utf8)
    bytes.withUnsafeBytes { write(2, $0) }
  }

  /// `vault: …` on stderr, for progress the user should see but scripts should not parse.
  static func note(_ text: String) {
    let bytes = Array("vault: \(Failure.printableMessage(text))\n".utf8)
    bytes.withUnsafeBytes { write(2, $0) }
  }

  static func isTerminal(_ fd: Int32) -> Bool {
    isatty(fd) == 1
  }

  /// Prints a store warning.
  static func warn(_ warning: VaultStore.Warning) {
    switch warning {
    case .readableByOthers(let path):
      let shown = Failure.printable(path: path)
      self.warning("'\(shown)' is readable by other users; run: chmod 600 '\(shown)'")
    case .pinnedOwners(let path, let owners):
      // Pinning only yourself needs no check; anyone else's fingerprint does.
      let me = try? IdentitySource(paths: Paths.current()).publicIdentity()
      guard owners.contains(where: { $0.identity != me }) else { return }
      let list = owners.map { "\($0.name) (\($0.identity.fingerprint))" }
      note(
        "first use of '\(Failure.printable(path: path))': pinned its owners \(list.joined(separator: ", ")); check these fingerprints with an owner"
      )
    }
  }
}
