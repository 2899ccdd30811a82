import CSodium
import Glibc

/// The signatures this user has verified lately, so that a warm `exec` or `get` of an
/// unchanged vault does not verify the same three Ed25519 signatures again (about a third of
/// its instructions). Kept in `verified` in the trust state's directory
/// (`${XDG_STATE_HOME:-~/.local/state}/vault/`), beside the pins `exec` already reads
/// (Security.md, "Verified-signature cache").
///
/// Each record is a keyed BLAKE2b-256 of `LP("vault.verified.v1") ‖ LP(public key) ‖
/// LP(signature) ‖ LP(message)` under a random 32-byte key kept in the same file. Ed25519
/// verification is deterministic, so a record means "exactly these bytes verified before",
/// and a hit stands for the verification alone: every other check (who signed, what they may
/// write, the trust state) runs as before. Different bytes (a tampered vault) hash
/// differently, miss, and are verified.
///
/// The file is `vault-verified 1\n`, the key, then up to `capacity` records, oldest first;
/// it is read only when it is a regular file (never through a symlink) of this user's with
/// no group or other permission, and of exactly that shape: anything else is ignored as a
/// whole and replaced on the next miss. It is written (atomically, mode 0600) only after a
/// miss, and a failed write is silent: the cache never stops a command.
public final class VerifiedSignatures: @unchecked Sendable {
  /// The file's name in the state directory.
  public static let fileName = "verified"
  /// The most records kept: the newest.
  static let capacity = 256
  static let recordLength = 32
  static let keyLength = 32
  static let magic: [UInt8] = Array("vault-verified 1\n".utf8)

  private let path: String
  private var key: [UInt8]
  /// The records, oldest first, `recordLength` bytes each.
  private var records: [UInt8]
  private var changed = false

  /// Reads the cache of `directory` (the trust state's); an absent, unsafe or malformed file
  /// is an empty cache with a new key.
  public init(directory: String) {
    path = directory + "/" + Self.fileName
    if let (key, records) = Self.read(path) {
      self.key = key
      self.records = records
    } else {
      key = Sodium.randomBytes(Self.keyLength)
      records = []
    }
  }

  private static func read(_ path: String) -> ([UInt8], [UInt8])? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    let header = magic.count + keyLength
    let largest = header + capacity * recordLength
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
      info.st_uid == geteuid(), info.st_mode & 0o077 == 0,
      Int(info.st_size) >= header, Int(info.st_size) <= largest,
      (Int(info.st_size) - header) % recordLength == 0
    else { return nil }
    let size = Int(info.st_size)
    var complete = false
    let bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
      count = 0
      while count < size + 1 {
        let got = Glibc.read(fd, buffer.baseAddress! + count, size + 1 - count)
        if got < 0 && errno == EINTR { continue }
        if got <= 0 { break }
        count += got
      }
      complete = count == size
    }
    guard complete, bytes[..<magic.count].elementsEqual(magic) else { return nil }
    return (Array(bytes[magic.count..<header]), Array(bytes[header...]))
  }

  /// The record of one verification.
  private func record(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> [UInt8] {
    var input = LengthPrefixed()
    input.append("vault.verified.v1")
    input.append(publicKey)
    input.append(signature)
    input.append(message)
    var output = [UInt8](repeating: 0, count: Self.recordLength)
    _ = crypto_generichash(
      &output, Self.recordLength, input.bytes, UInt64(input.bytes.count), key, key.count)
    return output
  }

  private func contains(_ record: [UInt8]) -> Bool {
    records.withUnsafeBytes { all in
      record.withUnsafeBytes { one in
        var offset = 0
        while offset < all.count {
          if memcmp(all.baseAddress! + offset, one.baseAddress!, Self.recordLength) == 0 {
            return true
          }
          offset += Self.recordLength
        }
        return false
      }
    }
  }

  /// `SigningKeyPair.verify`, answered from the cache when exactly these bytes verified
  /// before; a new success is remembered (written by `save`).
  public func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
    Sodium.ensureInitialized()
    guard signature.count == 64, publicKey.count == 32 else { return false }
    let record = record(signature: signature, message: message, publicKey: publicKey)
    if contains(record) { return true }
    guard SigningKeyPair.verify(signature: signature, message: message, publicKey: publicKey)
    else { return false }
    records += record
    let excess = records.count - Self.capacity * Self.recordLength
    if excess > 0 { records.removeFirst(excess) }
    changed = true
    return true
  }

  /// Writes the cache when a verification was added; errors are ignored (the next run
  /// verifies again).
  public func save() {
    guard changed else { return }
    changed = false
    try? FileSystem.makeDirectories(Paths.directory(of: path))
    try? FileSystem.writeAtomically(path, Self.magic + key + records, durable: false)
  }
}
