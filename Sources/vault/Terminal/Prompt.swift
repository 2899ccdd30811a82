import Glibc
import VaultCore

/// No-echo prompts on the controlling terminal (`/dev/tty`), so they work while stdin is a
/// pipe. The terminal runs in non-canonical mode without echo or signals while reading, and
/// is restored before returning, on Ctrl-C and Ctrl-D too.
enum Prompt {
  /// The largest value a prompt accepts.
  static let maximumLength = 65_536

  /// Reads one line without echo. Throws `noTerminal` when there is no terminal and
  /// `cancelled` on Ctrl-C or Ctrl-D.
  ///
  /// With `pastedLines`, a line break that arrives with more input already waiting behind
  /// it (a paste of several lines comes in one piece) is kept and reading goes on to the
  /// next line break typed alone: a key split over two lines is read whole, never half of
  /// it left on the terminal for the shell to run as a command.
  static func secret(_ prompt: String, purpose: String, pastedLines: Bool = false) throws
    -> SecretBytes
  {
    let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
    guard fd >= 0 else { throw VaultError.noTerminal(purpose: purpose) }
    defer { close(fd) }
    var saved = termios()
    guard tcgetattr(fd, &saved) == 0 else { throw VaultError.noTerminal(purpose: purpose) }
    var raw = saved
    raw.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
    withUnsafeMutableBytes(of: &raw.c_cc) { cc in
      cc[Int(VMIN)] = 1
      cc[Int(VTIME)] = 0
    }
    // Echo off before the prompt shows: a value typed (or pasted) as soon as the prompt
    // appears must neither be echoed nor discarded by the flush.
    guard tcsetattr(fd, TCSAFLUSH, &raw) == 0 else { throw VaultError.noTerminal(purpose: purpose) }
    Array(prompt.utf8).withUnsafeBytes { Output.write(fd, $0) }
    defer {
      tcsetattr(fd, TCSAFLUSH, &saved)
      Array("\n".utf8).withUnsafeBytes { Output.write(fd, $0) }
    }
    let buffer = SecretBytes(count: maximumLength)
    var length = 0
    var byte: UInt8 = 0
    while true {
      let count = read(fd, &byte, 1)
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { throw VaultError.cancelled }
      switch byte {
      case 0x0D, 0x0A:
        if pastedLines && length > 0 && length < maximumLength && inputWaiting(fd) {
          buffer.withUnsafeMutableBytes { $0[length] = 0x0A }
          length += 1
          continue
        }
        let result = buffer.slice(0..<length)
        byte = 0
        return result
      case 0x03:  // Ctrl-C
        throw VaultError.cancelled
      case 0x04:  // Ctrl-D
        if length == 0 { throw VaultError.cancelled }
      case 0x7F, 0x08:  // backspace
        if length > 0 { length -= 1 }
      case 0x15:  // Ctrl-U
        length = 0
      default:
        guard length < maximumLength else { continue }
        buffer.withUnsafeMutableBytes { $0[length] = byte }
        length += 1
      }
    }
  }

  /// Whether input is already waiting on `fd` (nothing is waited for).
  private static func inputWaiting(_ fd: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLIN) != 0
  }

  /// Reads all of stdin into a secret buffer (at most `maximumLength` bytes).
  static func standardInput() throws -> SecretBytes {
    let buffer = SecretBytes(count: maximumLength + 1)
    var length = 0
    while length <= maximumLength {
      let count = buffer.withUnsafeMutableBytes {
        read(0, $0.baseAddress! + length, $0.count - length)
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw VaultError.io(path: "<stdin>", operation: "read", errno: errno)
      }
      if count == 0 { break }
      length += count
    }
    guard length <= maximumLength else {
      throw VaultError.io(path: "<stdin>", operation: "read (value over 64 KiB)", errno: EFBIG)
    }
    return buffer.slice(0..<length)
  }

  /// `value` without surrounding ASCII whitespace (a pasted key often brings a newline).
  static func trimmed(_ value: SecretBytes) -> SecretBytes {
    value.withUnsafeBytes { raw in
      var start = 0
      var end = raw.count
      func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
      while start < end && isSpace(raw[start]) { start += 1 }
      while end > start && isSpace(raw[end - 1]) { end -= 1 }
      return value.slice(start..<end)
    }
  }

  /// A new passphrase: from `file` when given, else typed twice without echo. Refuses an
  /// empty one and warns about one under 12 characters.
  static func newPassphrase(fromFile file: String?) throws -> SecretBytes {
    let passphrase: SecretBytes
    if let file {
      passphrase = try Self.passphrase(fromFile: file)
    } else {
      passphrase = try secret("New passphrase: ", purpose: "passphrase")
      guard passphrase.count > 0 else { throw VaultError.emptyPassphrase }
      let again = try secret("Repeat passphrase: ", purpose: "passphrase")
      guard passphrase.constantTimeEquals(again) else { throw VaultError.passphraseMismatch }
    }
    guard passphrase.count > 0 else { throw VaultError.emptyPassphrase }
    if passphrase.count < 12 { Output.warning("a passphrase under 12 characters is easy to guess") }
    return passphrase
  }

  /// A passphrase file's contents without one trailing newline.
  static func passphrase(fromFile path: String) throws -> SecretBytes {
    guard let contents = try FileSystem.read(path, maximumSize: 4096) else {
      throw VaultError.io(path: path, operation: "open", errno: ENOENT)
    }
    var bytes = contents.bytes
    defer { wipe(&bytes) }
    if bytes.last == 0x0A { bytes.removeLast() }
    if bytes.last == 0x0D { bytes.removeLast() }
    return SecretBytes(copying: bytes)
  }
}
