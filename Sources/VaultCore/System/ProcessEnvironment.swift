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
  public static func values(of names: [String]) -> Variables {
    var result = Variables()
    for name in names {
      if let value = getenv(name) { result.pairs.append((name, String(cString: value))) }
    }
    return result
  }

  /// Some environment variables and their values: a short list of pairs, not a Dictionary,
  /// because `exec` reads them and the first use of a Dictionary type costs a runtime
  /// protocol-conformance lookup (README, "Why it is fast").
  public struct Variables: Sendable {
    var pairs: [(name: String, value: String)] = []

    /// No variables.
    public init() {}

    /// The value of `name`, or nil when it is not set.
    public subscript(name: String) -> String? {
      pairs.last { $0.name == name }?.value
    }
  }
}
