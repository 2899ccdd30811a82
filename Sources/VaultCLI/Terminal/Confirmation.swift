import Glibc
import VaultCore

/// A yes-or-no question on the controlling terminal, before something that cannot be undone.
enum Confirmation {
  /// Asks `question` on `/dev/tty` and reads one line, echoed as typed. True for `y` or
  /// `yes` (any case), false for anything else; nil when stdin is not a terminal (a script:
  /// it must say `--yes`) or there is no terminal. Throws `cancelled` on Ctrl-D.
  static func ask(_ question: String) throws -> Bool? {
    guard Output.isTerminal(0) else { return nil }
    let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    Array(question.utf8).withUnsafeBytes { Output.write(fd, $0) }
    var answer: [UInt8] = []
    var byte: UInt8 = 0
    while true {
      let count = read(fd, &byte, 1)
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { throw VaultError.cancelled }
      if byte == 0x0A || byte == 0x0D { break }
      if answer.count < 16 { answer.append(byte) }
    }
    let word = String(decoding: answer, as: UTF8.self).lowercased()
    return word == "y" || word == "yes"
  }
}
