import Foundation
import Testing

/// `vault exec`: the child replaces vault (same pid, its exit status and signals), sees the
/// secrets exactly once, gets its arguments verbatim, and failures have stable codes.
@Suite struct ExecTests {
  /// A vault with the fake key in shop/prod.
  func prodSandbox() throws -> Sandbox {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey(), env: "prod")
    return box
  }

  /// Writes an executable (or not) script into the work directory.
  @discardableResult
  func script(_ box: Sandbox, _ name: String, _ body: String, mode: Int = 0o755) throws -> String {
    let path = box.workDirectory.appendingPathComponent(name).path
    try Data(("#!/bin/sh\n" + body + "\n").utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    return path
  }

  @Test(arguments: [0, 1, 42, 255] as [Int32])
  func exitStatusPassesThrough(code: Int32) throws {
    let box = try prodSandbox()
    let result = try box.run(["exec", "--env", "prod", "--", "sh", "-c", "exit \(code)"])
    #expect(result.status == code)
    #expect(!result.signaled)
    #expect(result.stdout == "")
    #expect(result.stderr == "")
  }

  /// A child killed by SIGTERM is vault killed by SIGTERM: the parent sees the signal, and a
  /// shell reports 143.
  @Test func sigtermIsTheChilds() throws {
    let box = try prodSandbox()
    let result = try box.runFromShell(["exec", "--env", "prod", "--", "sh", "-c", "kill -TERM $$"])
    #expect(result.signaled)
    #expect(result.status == SIGTERM)
    #expect(result.stderr == "")

    let shell = try box.execute(
      "/bin/sh",
      ["-c", "\"$0\" exec --env prod -- sh -c 'kill -TERM $$'; echo \"status=$?\"", Sandbox.binary])
    #expect(shell.stdout == "status=143\n")
  }

  /// execve, not fork: the child's pid is the pid of the process the test started, and its
  /// parent is the test runner.
  @Test func pidIsKept() throws {
    let box = try prodSandbox()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Sandbox.binary)
    process.arguments = ["exec", "--env", "prod", "--", "sh", "-c", "echo $$; echo $PPID"]
    process.environment = box.baseEnvironment()
    process.currentDirectoryURL = box.workDirectory
    let output = Pipe()
    process.standardOutput = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let printed = outputLines(String(decoding: data, as: UTF8.self))
    #expect(printed == ["\(process.processIdentifier)", "\(getpid())"])
  }

  /// Everything after `--` is the child's, flags that vault also has included.
  @Test(arguments: [
    ["--env", "prod"], ["--env=prod", "--no-cache"],
    ["--no-cache", "--env", "prod", "--only", "OPENAI_API_KEY"],
  ])
  func childFlagsAreVerbatim(options: [String]) throws {
    let box = try prodSandbox()
    let childArguments = ["--env", "x", "-h", "--help", "--", "--only", "--version", ""]
    let result = try box.run(
      ["exec"] + options + ["--", "sh", "-c", "for a in \"$@\"; do echo \"[$a]\"; done", "sh"]
        + childArguments)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(outputLines(result.stdout) == childArguments.map { "[\($0)]" })
    #expect(result.stderr == "")
  }

  @Test func onlyNarrowsTheInjectedNames() throws {
    let box = try prodSandbox()
    try box.set("org-Abc123Def456", env: "prod", name: "OPENAI_ORG_ID")
    let show = "echo \"${OPENAI_API_KEY-unset} ${OPENAI_ORG_ID-unset}\""
    let only = try box.run([
      "exec", "--env", "prod", "--only", "OPENAI_ORG_ID", "--", "sh", "-c", show,
    ])
    #expect(only.status == 0)
    #expect(only.stdout == "unset org-Abc123Def456\n")

    let both = try box.run(["exec", "--env", "prod", "--", "sh", "-c", show])
    #expect(both.stdout == "\(fakeKey()) org-Abc123Def456\n")

    let missing = try box.run([
      "exec", "--env", "prod", "--only", "OPENAI_PROJECT_ID", "--", "true",
    ])
    expectOneError(missing, 2, mentioning: "no entry shop/prod/OPENAI_PROJECT_ID")
  }

  /// An inherited variable of the same name is replaced, so the child sees it once.
  @Test func inheritedVariableIsReplacedOnce() throws {
    let box = try prodSandbox()
    let result = try box.run(
      ["exec", "--env", "prod", "--", "env"],
      env: ["OPENAI_API_KEY": "sk-inherited-stale", "KEEP_ME": "yes"])
    #expect(result.status == 0)
    let variables = outputLines(result.stdout)
    #expect(variables.filter { $0.hasPrefix("OPENAI_API_KEY=") } == ["OPENAI_API_KEY=\(fakeKey())"])
    #expect(!result.stdout.contains("sk-inherited-stale"))
    #expect(variables.contains("KEEP_ME=yes"))
    #expect(variables.contains("HOME=\(box.home.path)"))
  }

  @Test(arguments: [["exec", "--env", "prod"], ["exec", "--env", "prod", "--"], ["exec", "--"]])
  func noCommandIsUsageError(arguments: [String]) throws {
    let box = try prodSandbox()
    let before = box.fileBytes()
    expectOneError(try box.run(arguments), 64, mentioning: "no command to run")
    #expect(box.fileBytes() == before)
  }

  @Test(arguments: ["/nonexistent/app", "./missing-app", "no-such-command-anywhere"])
  func missingCommandIs127(command: String) throws {
    let box = try prodSandbox()
    let result = try box.run(["exec", "--env", "prod", "--", command, "--flag"])
    expectOneError(result, 127)
    #expect(result.stderr == "vault: error: command not found: \(command)\n")
  }

  @Test func nonExecutableIs126() throws {
    let box = try prodSandbox()
    try script(box, "app", "echo ran", mode: 0o644)
    let file = try box.run(["exec", "--env", "prod", "--", "./app"])
    expectOneError(file, 126, mentioning: "cannot execute ./app")
    #expect(outputLines(file.stderr).count == 1)

    try FileManager.default.createDirectory(
      at: box.workDirectory.appendingPathComponent("dir"), withIntermediateDirectories: true)
    let directory = try box.run(["exec", "--env", "prod", "--", "./dir"])
    expectOneError(directory, 126, mentioning: "cannot execute ./dir")
  }

  /// A bare command name is looked up on PATH, as a shell would.
  @Test func commandIsFoundOnPath() throws {
    let box = try prodSandbox()
    let bin = box.home.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    let app = bin.appendingPathComponent("my-app").path
    try Data("#!/bin/sh\necho \"my-app sees $OPENAI_API_KEY\"\n".utf8).write(
      to: URL(fileURLWithPath: app))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: app)
    let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let result = try box.run(["exec", "--env", "prod", "--", "my-app"], env: ["PATH": path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "my-app sees \(fakeKey())\n")
    #expect(result.stderr == "")
  }

  /// A reserved name stored on purpose is still refused at exec time unless allowed there.
  @Test func reservedNameNeedsAllowingAtExec() throws {
    let box = try prodSandbox()
    try box.set("libc.so.6", env: "prod", name: "LD_PRELOAD", extra: ["--allow-reserved"])
    let before = box.fileBytes()
    let refused = try box.run(["exec", "--env", "prod", "--", "sh", "-c", "echo ran"])
    expectOneError(refused, 64, mentioning: "refusing LD_PRELOAD")
    #expect(refused.stderr.contains("vault: hint: pass --allow-reserved LD_PRELOAD"))

    let otherAllowed = try box.run(
      [
        "exec", "--env", "prod", "--allow-reserved", "LD_LIBRARY_PATH", "--", "sh", "-c",
        "echo ran",
      ])
    expectOneError(otherAllowed, 64, mentioning: "refusing LD_PRELOAD")

    let allowed = try box.run(
      [
        "exec", "--env", "prod", "--allow-reserved", "LD_PRELOAD", "--", "sh", "-c",
        "printf %s \"$LD_PRELOAD\"",
      ])
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(allowed.stdout == "libc.so.6")
    #expect(box.fileBytes() == before)
  }

  @Test func childHasNoCoreDumps() throws {
    let box = try prodSandbox()
    let result = try box.run(["exec", "--env", "prod", "--", "sh", "-c", "ulimit -c"])
    #expect(result.status == 0)
    #expect(result.stdout == "0\n")
  }

  @Test func noEntriesForTheEnvironmentIs2() throws {
    let box = try prodSandbox()
    let before = box.fileBytes()
    let result = try box.run(["exec", "--env", "staging", "--", "sh", "-c", "echo ran"])
    expectOneError(result, 2, mentioning: "no entries for shop/staging")
    #expect(box.fileBytes() == before)
  }

  /// The running app sees the key; vault itself prints nothing, and the vault is unchanged.
  @Test func appSeesTheKeyAndVaultPrintsNothing() throws {
    let box = try prodSandbox()
    try script(box, "app", "printf 'app: %s\\n' \"$OPENAI_API_KEY\"")
    let before = box.fileBytes()
    let result = try box.run(["exec", "--env", "prod", "--", "./app"])
    #expect(result.status == 0)
    #expect(result.stdout == "app: \(fakeKey())\n")
    #expect(result.stderr == "")
    #expect(box.fileBytes() == before)
    let other = try box.run(["exec", "--env", "prod", "--project", "other", "--", "./app"])
    expectOneError(other, 2, mentioning: "no entries for other/prod")
    expectNoLeak(fakeKey(), in: other)
  }
}
