import Glibc
import VaultCore

/// No-echo prompts on the controlling terminal (`/dev/tty`), so they work while stdin is a
/// pipe. `RawTerminal` holds the terminal (no echo, no canonical mode, no signal keys,
/// bracketed paste) and gives it back on every way out, signals included; `LineEditor`
/// turns the keys into the value (README "Typing and pasting at the prompt").
enum Prompt {
  /// The largest value a prompt accepts.
  static let maximumLength = 65_536

  /// Reads one line without echo. Throws `noTerminal` when there is no terminal,
  /// `cancelled` on Ctrl-C, Ctrl-\ or Ctrl-D, and `promptInput` for a line with a key the
  /// prompt does not handle or over `maximumLength` bytes. Whatever happens, input still
  /// arriving (the rest of a paste) is read and dropped before the terminal is handed
  /// back, so none of it reaches the shell.
  ///
  /// A bracketed paste is read whole with its line breaks. With `pastedLines`, a line
  /// break that more input follows at once (a paste the terminal did not bracket) is kept
  /// too, and reading goes on until a line break is followed by quiet: a PEM key or a key
  /// split over two lines is read whole, never half left on the terminal for the shell.
  static func secret(_ prompt: String, purpose: String, pastedLines: Bool = false) throws
    -> SecretBytes
  {
    let terminal = try RawTerminal(prompt: prompt, purpose: purpose)
    defer { terminal.restore() }
    var editor = LineEditor(limit: maximumLength)
    reading: while true {
      guard let byte = terminal.readByte() else {
        terminal.drain()
        throw VaultError.cancelled
      }
      switch editor.feed(byte) {
      case .more:
        continue
      case .suspend:
        terminal.suspend()
      case .cancel:
        terminal.drain()
        throw VaultError.cancelled
      case .submit:
        break reading
      case .lineBreak:
        let waitFor = pastedLines && editor.length > 0 ? RawTerminal.quietMilliseconds : 0
        guard waitFor > 0, terminal.inputArrives(within: waitFor) else { break reading }
        editor.continueAfterLineBreak()
      }
    }
    terminal.drain()
    if let problem = editor.problem {
      throw VaultError.promptInput(purpose: purpose, problem: problem)
    }
    return editor.value()
  }

  /// Reads all of stdin into a secret buffer; more than `maximumLength` bytes is refused
  /// (`stdinTooLarge`), never cut.
  static func standardInput() throws -> SecretBytes {
    try Input.standardInput(
      maximumSize: maximumLength, tooLarge: .stdinTooLarge(limit: maximumLength))
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
