import Glibc
import VaultCore

/// How a command that talks to a server reaches one. `vault` links no networking library (so
/// that `vault exec` starts as fast as it does); `vault-net` is the same command line plus an
/// ``HTTPTransport``. A network command run by `vault` executes `vault-net` in its place with
/// the same arguments, the way `git` runs `git-remote-https`.
enum NetworkHelper {
  /// Set once by ``VaultMain/run(transport:)`` before any command runs.
  nonisolated(unsafe) static var transport: (any HTTPTransport)?
  /// The loopback proxy (VaultNet's `ProxyServer`), set with the transport in `vault-net`.
  nonisolated(unsafe) static var proxy: (any ProxyStarter)?

  /// OpenBao's transit engine, set with the transport in `vault-net`.
  nonisolated(unsafe) static var transit: (any TransitService)?

  /// OpenBao's transit engine, or, in `vault`, never returns: `vault-net` takes over.
  static func requireTransit() throws -> any TransitService {
    if let transit { return transit }
    _ = try require()
    throw VaultError.helperUnavailable(path: "vault-net", problem: "it has no OpenBao client")
  }

  /// The transport, or, in `vault`, never returns: `vault-net` takes over the process.
  static func require() throws -> any HTTPTransport {
    if let transport { return transport }
    try execHelper()
  }

  /// The proxy, or, in `vault`, never returns: `vault-net` takes over the process. Called
  /// by `exec --proxy` and `vault proxy` before anything is prompted or decrypted.
  static func requireProxy() throws -> any ProxyStarter {
    if let proxy { return proxy }
    try execHelper()
  }

  /// Executes `vault-net` with the same arguments; returns only by throwing.
  static func execHelper() throws -> Never {
    let candidates = helperPaths()
    for path in candidates where access(path, X_OK) == 0 {
      let arguments = CommandLine.arguments
      var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
      argv.append(nil)
      execv(path, argv)
      let code = errno
      throw VaultError.helperUnavailable(
        path: path, problem: String(cString: strerror(code)))
    }
    throw VaultError.helperUnavailable(
      path: candidates.first ?? "vault-net", problem: "not installed")
  }

  /// Where `vault-net` may be: beside the running binary (a build folder, or `make install`'s
  /// bin), then `../libexec/vault/` from it (the Debian package's place). Found from
  /// `/proc/self/exe`, never from `PATH`: a writable directory early in `PATH` must not choose
  /// the program that receives the Admin key.
  static func helperPaths() -> [String] {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return [] }
    let executable = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = executable.lastIndex(of: "/") else { return [] }
    let directory = String(executable[..<slash])
    return [directory + "/vault-net", directory + "/../libexec/vault/vault-net"]
  }
}
