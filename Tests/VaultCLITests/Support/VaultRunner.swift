import Foundation
import Testing

/// The result of one run of the built `vault` binary.
struct RunResult {
  var status: Int32
  var stdout: String
  var stderr: String
  /// Whether the process was killed by a signal (status is then the signal number).
  var signaled: Bool

  var stdoutBytes: Data
}

/// A throwaway HOME with its own XDG directories, and helpers to run `vault` in it.
/// Every test makes its own, so tests run in parallel without sharing state.
final class Sandbox: @unchecked Sendable {
  let root: URL
  var home: URL { root.appendingPathComponent("home") }
  /// The directory commands run in by default: $HOME/code/shop, so the project is "shop".
  var workDirectory: URL
  /// Variables added to every run (on top of a minimal PATH/HOME environment).
  var environment: [String: String] = [:]

  init(project: String = "shop") throws {
    root = FileManager.default.temporaryDirectory
      .appendingPathComponent("vault-test-\(UUID().uuidString)")
    workDirectory = root.appendingPathComponent("home/code/\(project)")
    try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(at: root)
  }

  var identityPath: String { home.path + "/.config/vault/identity" }
  var vaultPath: String { home.path + "/.local/share/vault/personal.vault" }

  /// The built binary: $VAULT_BIN, else `vault` next to the test bundle, else .build/debug.
  static let binary: String = {
    if let path = ProcessInfo.processInfo.environment["VAULT_BIN"] { return path }
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("vault").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return FileManager.default.currentDirectoryPath + "/.build/debug/vault"
  }()

  /// The base environment of a run: nothing inherited but PATH, so tests are hermetic.
  func baseEnvironment() -> [String: String] {
    var env: [String: String] = [
      "HOME": home.path,
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      "USER": "alice",
      "LANG": "C.UTF-8",
    ]
    for (key, value) in environment { env[key] = value }
    return env
  }

  /// Runs `vault args` with `stdin` bytes (nil: /dev/null), in `directory` (default the
  /// work directory), with `env` added.
  @discardableResult
  func run(
    _ args: [String], stdin: String? = nil, env: [String: String] = [:],
    directory: URL? = nil, removeEnvironment: [String] = []
  ) throws -> RunResult {
    try execute(Self.binary, args, stdin: stdin.map { Data($0.utf8) }, env: env, directory: directory,
                removeEnvironment: removeEnvironment)
  }

  /// Runs any executable the same way.
  func execute(
    _ executable: String, _ args: [String], stdin: Data? = nil, env: [String: String] = [:],
    directory: URL? = nil, removeEnvironment: [String] = []
  ) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    var fullEnv = baseEnvironment()
    for (key, value) in env { fullEnv[key] = value }
    for key in removeEnvironment { fullEnv.removeValue(forKey: key) }
    process.environment = fullEnv
    process.currentDirectoryURL = directory ?? workDirectory
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    if let stdin {
      let inPipe = Pipe()
      process.standardInput = inPipe
      try process.run()
      inPipe.fileHandleForWriting.write(stdin)
      try inPipe.fileHandleForWriting.close()
    } else {
      process.standardInput = FileHandle.nullDevice
      try process.run()
    }
    // Read both pipes concurrently so a chatty child cannot deadlock on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
      errData = errPipe.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return RunResult(
      status: process.terminationStatus,
      stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self),
      signaled: process.terminationReason == .uncaughtSignal,
      stdoutBytes: outData)
  }

  /// `vault init --no-passphrase`, checked.
  func initVault(_ extra: [String] = []) throws {
    let result = try run(["init", "--no-passphrase"] + extra)
    #expect(result.status == 0, "init failed: \(result.stderr)")
  }

  /// Stores `value` for `name` in `env` through stdin, checked.
  func set(_ value: String, env: String = "dev", name: String? = nil, extra: [String] = []) throws {
    let result = try run(["set", "--env", env] + (name.map { [$0] } ?? []) + extra, stdin: value)
    #expect(result.status == 0, "set failed: \(result.stderr)")
  }

  func readFile(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
  }

  func writeFile(_ path: String, _ data: Data) throws {
    try data.write(to: URL(fileURLWithPath: path))
  }
}

/// A realistic fake OpenAI project key (never a real one).
func fakeKey(_ tag: String = "wxyz") -> String {
  "sk-proj-" + String(repeating: "A1b2C3d4E5", count: 6) + "T3BlbkFJ" + String(repeating: "z9Y8", count: 8) + tag
}
