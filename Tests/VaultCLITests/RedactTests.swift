import Foundation
import Testing

/// A vault run the test talks to while it runs: started with no signal blocked (as from a
/// shell), its stdout read as it arrives.
final class LiveRun: @unchecked Sendable {
  let process = Process()
  let lock = NSLock()
  var collected = Data()
  let reader = Pipe()

  init(_ box: Sandbox, _ args: [String], stdin: FileHandle = FileHandle.nullDevice) throws {
    process.executableURL = URL(fileURLWithPath: unblockSignals[0])
    process.arguments = Array(unblockSignals.dropFirst()) + [Sandbox.binary] + args
    process.environment = box.baseEnvironment()
    process.currentDirectoryURL = box.workDirectory
    process.standardOutput = reader
    process.standardError = FileHandle.nullDevice
    process.standardInput = stdin
    try process.run()
    let handle = reader.fileHandleForReading
    Thread.detachNewThread { [self] in
      while true {
        let data = handle.availableData
        if data.isEmpty { return }
        lock.lock()
        collected.append(data)
        lock.unlock()
      }
    }
  }

  var pid: Int32 { process.processIdentifier }

  var output: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: collected, as: UTF8.self)
  }

  /// Polls until the output contains `text` `count` times (60 s at most: a bound, not a
  /// timing assertion).
  func waitFor(
    _ text: String, count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    for _ in 0..<1200 {
      if output.components(separatedBy: text).count - 1 >= count { return }
      usleep(50_000)
    }
    Issue.record("no '\(text)' in time; output:\n\(output)", sourceLocation: sourceLocation)
    throw ShellTerminalTimeout()
  }

  /// Waits for vault to end: its status (the signal number when signaled).
  func finish() -> (status: Int32, signaled: Bool) {
    process.waitUntilExit()
    return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
  }
}

/// `vault exec --redact`: vault stays the parent, forwards signals, exits as the child did,
/// and redacts injected values (and their encodings) in the child's output.
@Suite struct RedactTests {
  func prodSandbox() throws -> Sandbox {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey(), env: "prod")
    return box
  }

  let redactedKey = "sk-proj-…wxyz"

  @Test func eachForwardedSignalReachesTheChildOnce() throws {
    let box = try prodSandbox()
    let names = ["INT", "HUP", "QUIT", "USR1", "USR2", "WINCH"]
    let traps = names.map { "trap 'echo got-\($0)' \($0);" }.joined()
    let script =
      traps + " trap 'echo got-TERM; exit 3' TERM; echo ready; while :; do sleep 0.05; done"
    let run = try LiveRun(box, ["exec", "--redact", "--env", "prod", "--", "bash", "-c", script])
    try run.waitFor("ready")
    let numbers: [String: Int32] = [
      "INT": SIGINT, "HUP": SIGHUP, "QUIT": SIGQUIT, "USR1": SIGUSR1, "USR2": SIGUSR2,
      "WINCH": SIGWINCH,
    ]
    for name in names {
      kill(run.pid, numbers[name] ?? 0)
      try run.waitFor("got-\(name)")
    }
    kill(run.pid, SIGTERM)
    let end = run.finish()
    #expect(end.status == 3 && !end.signaled)
    try run.waitFor("got-TERM")
    #expect(outputLines(run.output) == ["ready"] + (names + ["TERM"]).map { "got-\($0)" })
  }

  @Test(arguments: [0, 1, 42, 255] as [Int32])
  func exitStatusPassesThrough(code: Int32) throws {
    let box = try prodSandbox()
    let result = try box.run([
      "exec", "--redact", "--env", "prod", "--", "sh", "-c", "echo out; exit \(code)",
    ])
    #expect(result.status == code)
    #expect(!result.signaled)
    #expect(result.stdout == "out\n")
    #expect(result.stderr == "")
  }

  /// A child killed by a signal: vault re-raises it on itself, so a shell reports 128+N.
  @Test func signaledChildIsReraised() throws {
    let box = try prodSandbox()
    let result = try box.runFromShell([
      "exec", "--redact", "--env", "prod", "--", "sh", "-c", "kill -TERM $$",
    ])
    #expect(result.signaled)
    #expect(result.status == SIGTERM)
    #expect(result.stderr == "")
    let shell = try box.execute(
      "/bin/sh",
      [
        "-c", "\"$0\" exec --redact --env prod -- sh -c 'kill -USR1 $$'; echo \"status=$?\"",
        Sandbox.binary,
      ])
    #expect(shell.stdout == "status=\(128 + SIGUSR1)\n")
  }

  @Test func missingAndNonExecutableKeepTheirCodes() throws {
    let box = try prodSandbox()
    let missing = try box.run(["exec", "--redact", "--env", "prod", "--", "./missing-app"])
    expectOneError(missing, 127)
    #expect(missing.stderr == "vault: error: command not found: ./missing-app\n")
    let path = box.workDirectory.appendingPathComponent("app").path
    try Data("echo ran\n".utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    expectOneError(
      try box.run(["exec", "--redact", "--env", "prod", "--", "./app"]), 126,
      mentioning: "cannot execute ./app")
    // A script without `#!` runs with /bin/sh, as without --redact.
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    let script = try box.run(["exec", "--redact", "--env", "prod", "--", "./app"])
    #expect(script.status == 0)
    #expect(script.stdout == "ran\n")
  }

  /// Exact bytes, base64 (padded or not), base64url and percent-encoding, on stdout and
  /// stderr; a value under 8 bytes is left alone.
  @Test func everyEncodingIsRedacted() throws {
    let box = try prodSandbox()
    let password = "p@ss w/rd+secret=1?"
    try box.set(password, env: "prod", name: "DB_PASSWORD")
    try box.set("short7x", env: "prod", name: "SHORT_VALUE")
    let printer = """
      import base64, os, re, sys, urllib.parse as u
      low = lambda t: re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), t)
      for name in ("OPENAI_API_KEY", "DB_PASSWORD"):
          v = os.environ[name].encode()
          for form in (v, base64.b64encode(v), base64.b64encode(v).rstrip(b"="),
                       base64.urlsafe_b64encode(v), base64.urlsafe_b64encode(v).rstrip(b"="),
                       u.quote(v, safe="").encode(), low(u.quote(v, safe="")).encode()):
              sys.stdout.buffer.write(b"[" + form + b"]\\n")
      sys.stderr.write("err " + os.environ["OPENAI_API_KEY"] + " " + os.environ["SHORT_VALUE"])
      """
    let result = try box.run([
      "exec", "--redact", "--env", "prod", "--", "python3", "-c", printer,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    expectNoLeak(fakeKey(), in: result)
    #expect(!result.stdout.contains("ss w/rd") && !result.stdout.contains("cEBzc"))
    let lines = outputLines(result.stdout)
    #expect(lines.count == 14)
    #expect(lines.prefix(7).allSatisfy { $0 == "[\(redactedKey)]" }, "\(lines)")
    #expect(lines.suffix(7).allSatisfy { $0 == "[…]" }, "\(lines)")
    #expect(result.stderr == "err \(redactedKey) short7x")
  }

  /// The child writes half the key, pauses, then the rest: still redacted.
  @Test func valueSplitAcrossWritesIsRedacted() throws {
    let box = try prodSandbox()
    let printer = """
      import os, sys, time
      k = os.environ["OPENAI_API_KEY"]
      sys.stdout.write("a " + k[:30]); sys.stdout.flush(); time.sleep(0.3)
      sys.stdout.write(k[30:] + " b\\n"); sys.stdout.flush()
      """
    let result = try box.run([
      "exec", "--redact", "--env", "prod", "--", "python3", "-c", printer,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "a \(redactedKey) b\n")
  }

  @Test func largeOutputPassesIntact() throws {
    let box = try prodSandbox()
    var bytes = [UInt8](repeating: 0, count: 10_000_000)
    for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
    let file = box.root.appendingPathComponent("big").path
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    let result = try box.run(["exec", "--redact", "--env", "prod", "--", "cat", file])
    #expect(result.status == 0)
    #expect(result.stdoutBytes == Data(bytes))
  }

  /// A line the child prints arrives while the child still runs: the test lets the child go
  /// on only after seeing it.
  @Test func interactiveOutputIsNotHeld() throws {
    let box = try prodSandbox()
    let go = box.root.appendingPathComponent("go").path
    let run = try LiveRun(
      box,
      [
        "exec", "--redact", "--env", "prod", "--", "sh", "-c",
        "printf 'first line\\n'; while [ ! -e '\(go)' ]; do sleep 0.05; done; echo second",
      ])
    try run.waitFor("first line\n")
    _ = FileManager.default.createFile(atPath: go, contents: nil)
    #expect(run.finish().status == 0)
    try run.waitFor("second")
    #expect(run.output == "first line\nsecond\n")
  }

  /// vault killed outright: the child gets SIGKILL (PR_SET_PDEATHSIG), it does not run on.
  @Test func childDiesWithVault() throws {
    let box = try prodSandbox()
    let pidFile = box.root.appendingPathComponent("child.pid").path
    let run = try LiveRun(
      box,
      [
        "exec", "--redact", "--env", "prod", "--", "sh", "-c",
        "echo $$ > '\(pidFile)'; echo started; exec sleep 1000",
      ])
    try run.waitFor("started")
    let text = try String(contentsOfFile: pidFile, encoding: .utf8)
    let child = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    kill(run.pid, SIGKILL)
    _ = run.finish()
    var alive = true
    for _ in 0..<1200 {
      let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
      // Gone, or a zombie waiting for its new parent to reap it.
      if stat.isEmpty || stat.contains(") Z ") {
        alive = false
        break
      }
      usleep(50_000)
    }
    #expect(!alive, "the child runs on after vault was killed")
    if alive { kill(child, SIGKILL) }
  }

  /// stdin is inherited, untouched; what the child echoes of it is still redacted.
  @Test func stdinPassesThrough() throws {
    let box = try prodSandbox()
    let result = try box.run(
      ["exec", "--redact", "--env", "prod", "--", "cat"], stdin: "hello\n\(fakeKey())\n")
    #expect(result.status == 0)
    #expect(result.stdout == "hello\n\(redactedKey)\n")
  }

  /// The fast path declines --redact; the plain path still replaces vault (same pid).
  @Test func plainExecStillReplacesVault() throws {
    let box = try prodSandbox()
    let run = try LiveRun(box, ["exec", "--env", "prod", "--", "sh", "-c", "echo $$"])
    #expect(run.finish().status == 0)
    try run.waitFor("\n")
    #expect(run.output == "\(run.pid)\n")
    let redacted = try LiveRun(
      box, ["exec", "--redact", "--env", "prod", "--", "sh", "-c", "echo $$"])
    #expect(redacted.finish().status == 0)
    try redacted.waitFor("\n")
    #expect(redacted.output != "\(redacted.pid)\n")
  }

  /// On a terminal: Ctrl-C reaches the child once (vault does not forward the terminal's
  /// own signal) and the shell sees 130; Ctrl-Z stops the job, `fg` continues it, and the
  /// child still reads the terminal (it is in the foreground group).
  @Test func terminalJobControl() throws {
    let box = try prodSandbox()
    let shell = try ShellTerminal(box)
    try shell.run(
      "vault exec --redact --env prod -- bash -c \"trap 'echo got-INT; exit 9' INT;"
        + " echo ready$((1+1)); while :; do sleep 0.05; done\"; echo status=$?")
    try shell.waitFor("ready2")
    try shell.press("C-c")
    try shell.waitFor("status=9")
    #expect(try shell.screen().components(separatedBy: "got-INT\n").count == 2)

    // vault ends by SIGINT itself: bash then drops the rest of the line, as for any
    // command Ctrl-C ends, and $? is 130.
    try shell.run(
      "vault exec --redact --env prod -- bash -c 'echo ready$((1+2)); exec sleep 1000';"
        + " echo not-reached")
    try shell.waitFor("ready3")
    try shell.press("C-c")
    try shell.run("echo status=$?")
    try shell.waitFor("status=130")
    #expect(try !shell.screen().contains("\nnot-reached"))

    try shell.run(
      "vault exec --redact --env prod -- bash -c 'echo ready$((2+2)); read -r line;"
        + " echo \"read [$line]\"'; echo status=$?")
    try shell.waitFor("ready4")
    try shell.press("C-z")
    try shell.waitFor("Stopped")
    // The stopped job's status, 128+SIGTSTP, as for any command Ctrl-Z stops.
    try shell.waitFor("status=\(128 + SIGTSTP)")
    try shell.run("fg")
    // The line is for the job: typed before bash hands the terminal back to it, its Enter
    // would be readline's CR and never end the job's line (ShellTerminal.waitForForeground).
    try shell.waitForForeground("vault")
    try shell.run("typed")
    try shell.waitFor("read [typed]")
    try shell.run("echo done=$?")
    try shell.waitFor("done=0")
  }
}
