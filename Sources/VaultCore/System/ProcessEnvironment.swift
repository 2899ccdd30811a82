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

  /// The environment as a dictionary (the first of duplicate names wins, as in getenv).
  public static func dictionary() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = Glibc.environ
    while let entry = pointer.pointee {
      let text = String(cString: entry)
      if let equals = text.firstIndex(of: "=") {
        let name = String(text[..<equals])
        if result[name] == nil { result[name] = String(text[text.index(after: equals)...]) }
      }
      pointer += 1
    }
    return result
  }
}
