import VaultCore

/// The hidden line of a no-echo prompt, fed one byte at a time from a terminal in raw mode.
///
/// It edits by character (Backspace removes a whole UTF-8 character, Ctrl-W a word, Ctrl-U
/// the line), reads a bracketed paste (`ESC [200~ … ESC [201~`) whole with its line breaks,
/// and keeps no key it does not handle: a control character or an escape sequence (arrows,
/// Home, Delete, function keys, Alt) marks the line refused instead of going into the value,
/// and Ctrl-U clears that with the line. More than `limit` bytes marks it refused too, and
/// the rest is read and dropped, never cut and stored.
struct LineEditor {
  /// What the prompt does after a byte.
  enum Step: Equatable {
    /// Keep reading.
    case more
    /// A line break typed (or in a paste the terminal did not bracket): the line ends,
    /// unless more input follows at once, which makes it part of a paste
    /// (`continueAfterLineBreak()`).
    case lineBreak
    /// The line is done (a bracketed paste that ended with a line break).
    case submit
    /// Ctrl-C, Ctrl-\, or Ctrl-D on an empty line.
    case cancel
    /// Ctrl-Z: stop as the terminal would, then go on reading.
    case suspend
  }

  /// Where an escape sequence is.
  private enum Escape {
    case none
    /// After ESC.
    case started
    /// After `ESC [`: parameters so far (only `200` and `201` matter).
    case csi(parameter: Int, length: Int)
    /// After `ESC O`: one more byte ends it.
    case ss3
  }

  let limit: Int
  private let buffer: SecretBytes
  private(set) var length = 0
  /// Why the line will be refused, the first reason seen since the last Ctrl-U.
  private(set) var problem: PromptProblem?
  private var escape = Escape.none
  private var inPaste = false
  /// The last pasted byte was a CR (a CR LF in a paste is one line break).
  private var pastedCR = false
  /// The last byte of the paste so far was a line break.
  private var pasteEndsWithLineBreak = false

  init(limit: Int) {
    self.limit = limit
    buffer = SecretBytes(count: limit)
  }

  /// The line as typed; call once a step said it is done and `problem` is nil.
  func value() -> SecretBytes {
    buffer.slice(0..<length)
  }

  /// Takes one byte from the terminal.
  mutating func feed(_ byte: UInt8) -> Step {
    switch escape {
    case .none:
      break
    case .started:
      if byte == 0x5B {  // [
        escape = .csi(parameter: 0, length: 0)
        return .more
      }
      if byte == 0x4F {  // O
        escape = .ss3
        return .more
      }
      escape = .none
      if byte < 0x20 || byte == 0x7F {
        // ESC pressed alone, then a key the prompt handles (Enter, Ctrl-U …).
        refuse(.editingKey)
        break
      }
      refuse(.editingKey)  // Alt with a key
      return .more
    case .ss3:
      escape = .none
      refuse(.editingKey)
      return .more
    case .csi(let parameter, let count):
      if byte >= 0x30 && byte <= 0x3F || byte >= 0x20 && byte <= 0x2F {
        let digit = byte >= 0x30 && byte <= 0x39 ? Int(byte - 0x30) : -1
        let next = digit >= 0 && parameter < 1000 ? parameter * 10 + digit : 1000
        if count >= 16 {
          escape = .none
          refuse(.editingKey)
        } else {
          escape = .csi(parameter: next, length: count + 1)
        }
        return .more
      }
      escape = .none
      if byte == 0x7E && count == 3 && parameter == 200 {  // ESC [200~
        if !inPaste {
          inPaste = true
          pastedCR = false
          pasteEndsWithLineBreak = false
        }
        return .more
      }
      if byte == 0x7E && count == 3 && parameter == 201 {  // ESC [201~
        let wasPaste = inPaste
        inPaste = false
        return wasPaste && pasteEndsWithLineBreak ? .submit : .more
      }
      refuse(inPaste ? .controlCharacter : .editingKey)
      if byte >= 0x40 && byte <= 0x7E { return .more }
      // Not a sequence after all: the byte counts on its own.
    }
    return inPaste ? pasted(byte) : typed(byte)
  }

  /// A line break that more input followed at once (a paste the terminal did not bracket):
  /// it stays in the value, and reading goes on.
  mutating func continueAfterLineBreak() {
    append(0x0A)
  }

  private mutating func typed(_ byte: UInt8) -> Step {
    switch byte {
    case 0x0D, 0x0A:
      return .lineBreak
    case 0x03, 0x1C:  // Ctrl-C, Ctrl-\ (the keys for SIGINT and SIGQUIT)
      return .cancel
    case 0x04:  // Ctrl-D
      return length == 0 && problem == nil ? .cancel : .more
    case 0x1A:  // Ctrl-Z
      return .suspend
    case 0x1B:
      escape = .started
    case 0x7F, 0x08:  // Backspace: one character, whatever its number of bytes
      buffer.withUnsafeBytes { raw in
        while length > 0 && raw[length - 1] & 0xC0 == 0x80 { length -= 1 }
      }
      if length > 0 { length -= 1 }
    case 0x15:  // Ctrl-U: the whole line, and whatever made it refused
      length = 0
      problem = nil
    case 0x17:  // Ctrl-W: the word before, and the blanks after it
      buffer.withUnsafeBytes { raw in
        while length > 0 && (raw[length - 1] == 0x20 || raw[length - 1] == 0x09) { length -= 1 }
        while length > 0 && raw[length - 1] != 0x20 && raw[length - 1] != 0x09 { length -= 1 }
      }
    case 0x00..<0x20:
      refuse(.controlCharacter)
    default:
      append(byte)
    }
    return .more
  }

  private mutating func pasted(_ byte: UInt8) -> Step {
    let wasCR = pastedCR
    pastedCR = byte == 0x0D
    switch byte {
    case 0x1B:
      escape = .started
      return .more
    case 0x0D:
      append(0x0A)
      pasteEndsWithLineBreak = true
    case 0x0A:
      if !wasCR { append(0x0A) }
      pasteEndsWithLineBreak = true
    case 0x09:
      append(byte)
      pasteEndsWithLineBreak = false
    case 0x00..<0x20, 0x7F:
      refuse(.controlCharacter)
      pasteEndsWithLineBreak = false
    default:
      append(byte)
      pasteEndsWithLineBreak = false
    }
    return .more
  }

  private mutating func append(_ byte: UInt8) {
    guard length < limit else {
      refuse(.tooLong(limit: limit))
      return
    }
    buffer.withUnsafeMutableBytes { $0[length] = byte }
    length += 1
  }

  private mutating func refuse(_ reason: PromptProblem) {
    if problem == nil { problem = reason }
  }
}
