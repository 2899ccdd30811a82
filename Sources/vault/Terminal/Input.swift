import Glibc
import VaultCore

/// Reading a whole file from stdin (`vault import -`), for pipes and redirections.
enum Input {
  /// All of stdin into a secret buffer, up to `maximumSize` bytes: the same cap as a file
  /// named on the command line, and the same error (`fileTooLarge`, exit 1) beyond it.
  static func standardInput(maximumSize: Int) throws -> SecretBytes {
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
      throw VaultError.fileTooLarge(path: "<stdin>", limit: maximumSize)
    }
    return buffer.slice(0..<length)
  }
}
