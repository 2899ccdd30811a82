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
    var fullEnv = baseEnvironment()
    for (key, value) in env { fullEnv[key] = value }
    for key in removeEnvironment { fullEnv.removeValue(forKey: key) }
    let (process, outData, errData) = try runToCompletion(
      executable, args, environment: fullEnv, directory: directory ?? workDirectory,
      stdin: stdin)
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

// MARK: - Terminals, snapshots and error checks (JourneyTests, ExecTests, BadInputTests, PromptTests)

/// The expect scripts beside the tests (Tests/VaultCLITests/Expect).
let expectScripts = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Expect")

/// One prompt of a terminal conversation: wait for `prompt` exactly, then type `answer`.
struct PromptStep: Sendable {
  var prompt: String
  var answer: String

  /// Types `text` and Enter.
  static func type(_ text: String, after prompt: String) -> PromptStep {
    PromptStep(prompt: prompt, answer: text + "\r")
  }
}

extension Sandbox {
  /// Runs `command` on a pseudo-terminal through `Expect/converse.exp`, answering `steps`.
  /// `stdout` is the transcript, what the terminal showed (CRLF turned into LF); `status`
  /// is the command's exit status (128+N when signal N killed it, 200-203 when the
  /// conversation itself failed: see the script).
  func converse(
    _ command: [String], steps: [PromptStep] = [], env: [String: String] = [:], directory: URL? = nil
  ) throws -> RunResult {
    var full = env
    full["CONVERSE_STEPS"] = String(steps.count)
    for (index, step) in steps.enumerated() {
      full["CONVERSE_PROMPT_\(index + 1)"] = step.prompt
      full["CONVERSE_ANSWER_\(index + 1)"] = step.answer
    }
    let script = expectScripts.appendingPathComponent("converse.exp").path
    var result = try execute("/usr/bin/expect", [script] + command, env: full, directory: directory)
    result.stdout = result.stdout.replacingOccurrences(of: "\r\n", with: "\n")
    return result
  }

  /// `vault args` on a pseudo-terminal (see `converse`).
  func converseVault(
    _ args: [String], steps: [PromptStep] = [], env: [String: String] = [:], directory: URL? = nil
  ) throws -> RunResult {
    try converse([Self.binary] + args, steps: steps, env: env, directory: directory)
  }

  /// The bytes of each file (nil when missing), to compare before and after a failure.
  func fileBytes(_ paths: [String]? = nil) -> [String: Data?] {
    var result: [String: Data?] = [:]
    for path in paths ?? [vaultPath, identityPath] {
      result.updateValue(try? Data(contentsOf: URL(fileURLWithPath: path)), forKey: path)
    }
    return result
  }

  /// Runs `vault args` with every signal unblocked and at its default action, as from an
  /// interactive shell: through `env --default-signal`, which then execs vault (same pid).
  /// Processes the test runner starts directly inherit its thread's blocked signals.
  func runFromShell(_ args: [String], env: [String: String] = [:]) throws -> RunResult {
    try execute("/usr/bin/env", ["--default-signal", Self.binary] + args, env: env)
  }

  /// Writes `text` to a file in the sandbox root (outside the work directory) with mode 0600.
  @discardableResult
  func writeSandboxFile(_ name: String, _ text: String) throws -> String {
    let path = root.appendingPathComponent(name).path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    return path
  }
}

/// The lines of `text`, without the empty last one a final newline leaves.
func outputLines(_ text: String) -> [String] {
  var result = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  if result.last == "" { result.removeLast() }
  return result
}

/// Checks a failed run: exit status `code`, nothing on stdout, and on stderr exactly one
/// `vault: error:` line, first, followed by at most `vault: hint:` lines.
func expectOneError(
  _ result: RunResult, _ code: Int32, mentioning needle: String? = nil,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(result.status == code, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
  #expect(!result.signaled, sourceLocation: sourceLocation)
  #expect(result.stdout == "", sourceLocation: sourceLocation)
  let errorLines = outputLines(result.stderr)
  #expect(errorLines.count >= 1, sourceLocation: sourceLocation)
  #expect(
    errorLines.first?.hasPrefix("vault: error: ") == true, "stderr: \(result.stderr)",
    sourceLocation: sourceLocation)
  #expect(
    errorLines.dropFirst().allSatisfy { $0.hasPrefix("vault: hint: ") }, "stderr: \(result.stderr)",
    sourceLocation: sourceLocation)
  if let needle {
    #expect(result.stderr.contains(needle), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
  }
}

/// Checks that `secret` appears nowhere in stderr and, unless allowed, not in stdout.
func expectNoLeak(
  _ secret: String, in result: RunResult, stdoutAllowed: Bool = false,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(!result.stderr.contains(secret), "secret on stderr", sourceLocation: sourceLocation)
  if !stdoutAllowed {
    #expect(!result.stdout.contains(secret), "secret on stdout", sourceLocation: sourceLocation)
  }
}

/// Writes `data` to a child's stdin pipe without letting SIGPIPE end the test runner: a child
/// that exits before reading all of it (a refused command) makes the write fail with EPIPE,
/// and SIGPIPE at its default action would kill the whole test process. SIGPIPE is blocked in
/// this thread for the write (it is sent to the writing thread), a pending one is consumed,
/// and the mask restored; the children were spawned before, with the usual mask.
func feed(_ handle: FileHandle, _ data: Data) {
  var pipeSignal = sigset_t()
  sigemptyset(&pipeSignal)
  sigaddset(&pipeSignal, SIGPIPE)
  var previous = sigset_t()
  pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
  try? handle.write(contentsOf: data)
  var none = timespec(tv_sec: 0, tv_nsec: 0)
  while sigtimedwait(&pipeSignal, nil, &none) == SIGPIPE {}
  pthread_sigmask(SIG_SETMASK, &previous, nil)
}

/// Runs `executable` to completion with `stdin` (or /dev/null), reading stdout and stderr
/// concurrently so that a chatty child cannot deadlock on a full pipe.
func runToCompletion(
  _ executable: String, _ arguments: [String], environment: [String: String],
  directory: URL? = nil, stdin: Data?
) throws -> (process: Process, stdout: Data, stderr: Data) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.environment = environment
  if let directory { process.currentDirectoryURL = directory }
  let outPipe = Pipe()
  let errPipe = Pipe()
  process.standardOutput = outPipe
  process.standardError = errPipe
  if let stdin {
    let inPipe = Pipe()
    process.standardInput = inPipe
    try process.run()
    feed(inPipe.fileHandleForWriting, stdin)
    try inPipe.fileHandleForWriting.close()
  } else {
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }
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
  return (process, outData, errData)
}
