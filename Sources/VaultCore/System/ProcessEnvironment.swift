import CSodium
import Glibc

/// The process itself: hardening against core dumps and ptrace, and its environment.
public enum ProcessEnvironment {
  /// Sets `RLIMIT_CORE` to 0 and `PR_SET_DUMPABLE` to 0 so no core file or same-user
  /// debugger can read key material. Call before touching any secret.
  @discardableResult
  public static func harden() -> Bool {
    vault_harden_process() == 0
  }

  /// The values of `names` that are set, as getenv(3) returns them.
  public static func values(of names: [String]) -> [String: String] {
    var result: [String: String] = [:]
    for name in names {
      if let value = getenv(name) { result[name] = String(cString: value) }
    }
    return result
  }
}
