import Glibc
import VaultCore

/// Writing to the standard streams with `write(2)`: unbuffered, so nothing is left in a
/// buffer at `execve`, and secret bytes go straight from their locked buffer to the pipe.
enum Output {
  static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
      let count = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if count < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += count
    }
  }

  /// A line of text on stdout.
  static func line(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    bytes.withUnsafeBytes { write(1, $0) }
    bytes.removeAll()
  }

  /// Raw bytes on stdout.
  static func bytes(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { write(1, $0) }
  }

  /// Secret bytes on stdout (`get` and `export` only).
  static func secret(_ value: SecretBytes) {
    value.withUnsafeBytes { write(1, $0) }
  }

  /// `vault: warning: …` on stderr.
  static func warning(_ text: String) {
    let bytes = Array("vault: warning: \(text)\n".utf8)
    bytes.withUnsafeBytes { write(2, $0) }
  }

  /// `vault: …` on stderr, for progress the user should see but scripts should not parse.
  static func note(_ text: String) {
    let bytes = Array("vault: \(text)\n".utf8)
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
