import Glibc
import VaultCore

/// The small files vault-net reads outside the vault: a CA bundle, an OpenBao token or a CI
/// runner's JWT. Symlinks are followed (an agent's token sink or a projected token may be
/// one), unlike `FileSystem.read`, which guards the vault itself.
enum SmallFile {
  /// The bytes of `path`, or nil when it cannot be read or holds `limit` bytes or more. The
  /// read buffer is wiped, since the file may hold a token.
  static func read(_ path: String, below limit: Int) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    defer { wipe(&buffer) }
    while bytes.count < limit {
      let count = buffer.withUnsafeMutableBytes {
        Glibc.read(descriptor, $0.baseAddress, $0.count)
      }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { break }
      if count == 0 { return bytes }
      bytes.append(contentsOf: buffer[0..<count])
    }
    wipe(&bytes)
    return nil
  }
}
