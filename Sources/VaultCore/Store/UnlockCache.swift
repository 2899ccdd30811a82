import CSodium
import Glibc

/// Caches an unlocked identity's 64 secret bytes in the Linux kernel's session keyring, one
/// key per identity fingerprint (`vault:<fingerprint>`), with a timeout. No daemon: the kernel
/// drops the key when the timeout passes, and `vault lock` invalidates it at once.
///
/// The key is possessor-only: only processes that possess the session keyring (this login
/// session's processes; without a session keyring, the user-session keyring every such
/// process of the user shares) can find or read it. What they read is the identity itself,
/// so the exposure lasts beyond the timeout (Security.md).
public enum UnlockCache {
  /// What the kernel said.
  public enum Status: Equatable, Sendable {
    case cached
    case empty
    /// keyctl is refused here (seccomp in some containers, or no kernel support).
    case unavailable(errno: Int32)
  }

  /// The default time an unlock stays cached: 15 minutes.
  public static let defaultTimeout: UInt32 = 900

  static func description(_ identity: PublicIdentity) -> String {
    "vault:" + identity.fingerprint
  }

  private static func isRefusal(_ error: Int32) -> Bool {
    error == ENOSYS || error == EPERM || error == EACCES || error == EOPNOTSUPP
  }

  /// The cached identity secret, or nil on a miss or when keyctl is refused.
  public static func load(_ identity: PublicIdentity) -> SecretBytes? {
    let key = vault_search_session_key(description(identity))
    guard key >= 0 else { return nil }
    let secret = SecretBytes(count: 64)
    let length = secret.withUnsafeMutableBytes { vault_read_key(key, $0.baseAddress!, 64) }
    guard length == 64 else { return nil }
    return secret
  }

  /// Caches `secret` for `timeout` seconds. Returns false when the kernel refused.
  @discardableResult
  public static func store(_ secret: SecretBytes, for identity: PublicIdentity, timeout: UInt32)
    -> Bool
  {
    let keyring = vault_cache_keyring()
    guard keyring >= 0 else { return false }
    let key = secret.withUnsafeBytes {
      vault_add_key(description(identity), $0.baseAddress!, $0.count, keyring)
    }
    guard key >= 0 else { return false }
    // The kernel's default grants the user view only; narrow it to the possessor before the
    // key is used, and drop it when that fails rather than keep it wider.
    guard vault_set_key_permissions(key) == 0, vault_set_key_timeout(key, timeout) == 0 else {
      _ = vault_invalidate_key(key)
      return false
    }
    return true
  }

  /// Forgets the cached unlock of `identity` (every copy the search finds, an older
  /// version's user-keyring key included). Returns whether one was cached.
  @discardableResult
  public static func clear(_ identity: PublicIdentity) -> Bool {
    var cleared = false
    for _ in 0..<4 {
      let key = vault_search_session_key(description(identity))
      guard key >= 0, vault_invalidate_key(key) == 0 else { break }
      cleared = true
    }
    return cleared
  }

  /// Whether `identity` is cached, or why the cache cannot work here.
  public static func status(_ identity: PublicIdentity) -> Status {
    let key = vault_search_session_key(description(identity))
    if key >= 0 { return .cached }
    let error = errno
    return isRefusal(error) ? .unavailable(errno: error) : .empty
  }

  /// How long the cached unlock of `identity` has left, as the kernel shows it in
  /// `/proc/keys`: a count of whole units, rounded down, and the unit (`s`, `m`, `h`, `d`,
  /// `w`); `14m` means 14 to 15 minutes. Nil when nothing is cached, the key never expires
  /// or the kernel does not say. keyctl itself cannot read a key's
  /// expiry, and a record of our own could disagree with the kernel; this one cannot.
  public static func timeLeft(_ identity: PublicIdentity) -> (count: Int, unit: Character)? {
    let key = vault_search_session_key(description(identity))
    guard key >= 0 else { return nil }
    let fd = open("/proc/keys", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var text: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while text.count < 1 << 20 {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      text += chunk[..<count]
    }
    // Each line: id (hex), flags, usage, timeout, permissions, uid, gid, type, description.
    for line in text.split(separator: 0x0A) {
      let fields = line.split(separator: 0x20)
      guard fields.count > 3, Int(String(decoding: fields[0], as: UTF8.self), radix: 16) == key
      else { continue }
      let timeout = String(decoding: fields[3], as: UTF8.self)
      guard let unit = timeout.last, "smhdw".contains(unit), let count = Int(timeout.dropLast())
      else { return nil }
      return (count, unit)
    }
    return nil
  }
}
