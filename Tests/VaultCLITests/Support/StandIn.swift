import Foundation
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// OpenAI's API stand-in (Tests/OpenAIStandIn/standin.py) on a free loopback port, one per
/// test, driven through its control API (`/_standin/…`).
final class StandIn: @unchecked Sendable {
  let process = Process()
  /// `http://127.0.0.1:PORT`.
  let url: String
  /// What `--base-url` takes.
  var baseURL: String { url + "/v1" }

  static let script = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("OpenAIStandIn/standin.py").path

  /// The test CA whose certificate the stand-in serves, when it serves HTTPS.
  let ca: TestCA?

  /// Starts it seeded with `state` (a state file's JSON object); over HTTPS with a server
  /// certificate of `ca` when given.
  init(state: [String: Any] = [:], tls ca: TestCA? = nil) throws {
    self.ca = ca
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      ["python3", Self.script, "--port", "0", "--seed", "7"]
      + (ca.map { ["--tls-cert", $0.serverCertificate, "--tls-key", $0.serverKey] } ?? [])
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    var line = Data()
    while true {
      let byte = output.fileHandleForReading.readData(ofLength: 1)
      if byte.isEmpty || byte == Data([0x0A]) { break }
      line.append(byte)
    }
    url = String(decoding: line, as: UTF8.self)
    guard url.hasPrefix("http://127.0.0.1:") || url.hasPrefix("https://127.0.0.1:") else {
      kill(process.processIdentifier, SIGKILL)
      throw StandInError.didNotStart
    }
    if !state.isEmpty { try seed(state) }
  }

  deinit {
    // SIGKILL: the stand-in's server threads may outlive a SIGTERM.
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// Replaces the whole state (and clears faults and the request log).
  func seed(_ state: [String: Any]) throws {
    _ = try control("POST", "/_standin/state", state)
  }

  /// Queues a fault (`kind`, `path`, `method`, `count`, …).
  func fault(_ fault: [String: Any]) throws {
    _ = try control("POST", "/_standin/fault", fault)
  }

  func config(_ config: [String: Any]) throws {
    _ = try control("POST", "/_standin/config", config)
  }

  /// Patches one key (`deleted`, `last_used_at`, `owner_project_access`, …).
  func patchKey(_ id: String, _ fields: [String: Any]) throws {
    _ = try control("POST", "/_standin/keys/\(id)", fields)
  }

  /// Adds a key made elsewhere; returns its id and value.
  func addKey(project: String, _ key: [String: Any]) throws -> (id: String, value: String) {
    let json = try control("POST", "/_standin/projects/\(project)/keys", key)
    return (json["id"] as? String ?? "", json["value"] as? String ?? "")
  }

  func addUsage(_ event: [String: Any]) throws {
    _ = try control("POST", "/_standin/usage", event)
  }

  /// The state, with key values when `values`.
  func state(values: Bool = false) throws -> [String: Any] {
    try control("GET", "/_standin/state" + (values ? "?values=1" : ""), nil)
  }

  /// The request log.
  func requests() throws -> [[String: Any]] {
    try control("GET", "/_standin/requests", nil)["requests"] as? [[String: Any]] ?? []
  }

  /// The project `id` of the state.
  func project(_ id: String) throws -> [String: Any] {
    let projects = try state(values: true)["projects"] as? [[String: Any]] ?? []
    return projects.first { $0["id"] as? String == id } ?? [:]
  }

  /// The keys of project `id` that are not deleted, with their values.
  func liveKeys(_ project: String) throws -> [[String: Any]] {
    (try self.project(project)["api_keys"] as? [[String: Any]] ?? []).filter {
      $0["deleted"] as? Bool != true
    }
  }

  /// The service accounts of project `id`.
  func accounts(_ project: String) throws -> [[String: Any]] {
    try self.project(project)["service_accounts"] as? [[String: Any]] ?? []
  }

  /// A request to the API itself (`/v1/…`) with `bearer`, as another client of OpenAI would
  /// make it (a teammate deleting a key in the dashboard).
  func api(_ method: String, _ path: String, bearer: String) throws -> [String: Any] {
    try control(method, path, nil, bearer: bearer)
  }

  func control(
    _ method: String, _ path: String, _ body: [String: Any]?, bearer: String? = nil
  ) throws -> [String: Any] {
    if let ca { return try controlOverTLS(method, path, body, ca: ca) }
    var request = URLRequest(url: URL(string: url + path)!)
    if let bearer { request.setValue("Bearer " + bearer, forHTTPHeaderField: "Authorization") }
    request.httpMethod = method
    if let body {
      request.httpBody = try JSONSerialization.data(withJSONObject: body)
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Data?
    URLSession.shared.dataTask(with: request) { data, _, _ in
      result = data
      done.signal()
    }.resume()
    done.wait()
    guard let result else { throw StandInError.noAnswer }
    return (try JSONSerialization.jsonObject(with: result) as? [String: Any]) ?? [:]
  }
}

extension StandIn {
  /// A control request over HTTPS, trusting only the test CA: through python3's urllib, as
  /// FoundationNetworking on Linux cannot be given a CA.
  func controlOverTLS(
    _ method: String, _ path: String, _ body: [String: Any]?, ca: TestCA
  ) throws -> [String: Any] {
    let script = """
      import json, ssl, sys, urllib.request
      context = ssl.create_default_context(cafile=sys.argv[1])
      data = sys.argv[4].encode() if sys.argv[4] else None
      request = urllib.request.Request(
          sys.argv[2], data=data, method=sys.argv[3], headers={"Content-Type": "application/json"})
      sys.stdout.write(urllib.request.urlopen(request, context=context).read().decode())
      """
    let json = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, ca.certificate, url + path, method, json ?? ""]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw StandInError.noAnswer }
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
  }
}

/// A throwaway CA and a server certificate for 127.0.0.1 it signed, made with openssl as the
/// stand-in's README ("TLS") shows.
final class TestCA: Sendable {
  let directory: String
  var certificate: String { directory + "/ca.pem" }
  var serverCertificate: String { directory + "/server.pem" }
  var serverKey: String { directory + "/server.key" }

  init() throws {
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("vault-ca-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true)
    try Data(
      """
      subjectAltName=IP:127.0.0.1,DNS:localhost
      basicConstraints=CA:FALSE
      keyUsage=critical,digitalSignature,keyEncipherment
      extendedKeyUsage=serverAuth
      subjectKeyIdentifier=hash
      authorityKeyIdentifier=keyid,issuer

      """.utf8
    ).write(to: URL(fileURLWithPath: directory + "/server.ext"))
    let steps = [
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=vault test CA",
        "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      ],
      [
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
        "server.key", "-out", "server.csr",
      ],
      [
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "1", "-out", "server.pem", "-extfile", "server.ext",
      ],
    ]
    for step in steps {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["openssl"] + step
      process.currentDirectoryURL = URL(fileURLWithPath: directory)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else { throw StandInError.didNotStart }
    }
  }

  deinit {
    try? FileManager.default.removeItem(atPath: directory)
  }
}

enum StandInError: Error { case didNotStart, noAnswer }

/// A key value of OpenAI's shape with `prefix` (`sk-admin-`, `sk-svcacct-`, `sk-proj-`).
func openAIShaped(_ prefix: String, _ tag: Character) -> String {
  prefix + String(repeating: tag, count: 74) + "T3BlbkFJ" + String(repeating: tag, count: 74)
}
