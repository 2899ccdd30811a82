import Glibc
import VaultCore

/// Reading all of stdin, for pipes and redirections: `vault import -` and `set`'s piped value.
enum Input {
  /// All of stdin into a secret buffer, up to `maximumSize` bytes; `tooLarge` beyond it.
  /// By default the error a file named on the command line gets (`fileTooLarge`, exit 1).
  static func standardInput(maximumSize: Int, tooLarge: VaultError? = nil) throws -> SecretBytes {
    let buffer = SecretBytes(count: maximumSize + 1)
    var length = 0
    while length <= maximumSize {
      let count = buffer.withUnsafeMutableBytes { raw -> Int in
        guard let base = raw.baseAddress else { return 0 }
        return read(0, base + length, raw.count - length)
      }
      if count < 0 {
        if errno == EINTR { continue }
        throw VaultError.io(path: "<stdin>", operation: "read", errno: errno)
      }
      if count == 0 { break }
      length += count
    }
    guard length <= maximumSize else {
      throw tooLarge ?? VaultError.fileTooLarge(path: "<stdin>", limit: maximumSize)
    }
    return buffer.slice(0..<length)
  }
}
