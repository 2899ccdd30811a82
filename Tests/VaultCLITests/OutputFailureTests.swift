import Foundation
import Testing

/// Writes to stdout that fail (a full disk, a closed pipe) are errors, never a silent exit 0
/// (issue 8, item 12; README, "Exit codes").
@Suite struct OutputFailureTests {
  static let full = "vault: error: cannot write to standard output: No space left on device\n"

  /// `vault args` with stdout on /dev/full, whose every write fails with ENOSPC.
  func runToFull(_ box: Sandbox, _ args: [String], stdin: String? = nil) throws -> RunResult {
    try box.execute(
      "/bin/sh", ["-c", "exec \"$@\" >/dev/full", "sh", Sandbox.binary] + args,
      stdin: stdin.map { Data($0.utf8) })
  }

  func teamBox() throws -> Sandbox {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey())
    try box.set("value with $dollar", name: "OTHER")
    return box
  }

  @Test func getToAFullDiskFails() throws {
    let box = try teamBox()
    let result = try runToFull(box, ["get"])
    #expect(result.status == 1)
    #expect(result.stderr == Self.full)
    let noNewline = try runToFull(box, ["get", "-n", "OTHER"])
    #expect(noNewline.status == 1)
    #expect(noNewline.stderr == Self.full)
  }

  @Test(arguments: ["dotenv", "json", "docker"])
  func exportToAFullDiskFails(format: String) throws {
    let box = try teamBox()
    let result = try runToFull(box, ["export", "--format", format])
    #expect(result.status == 1)
    #expect(result.stderr == Self.full)
    expectNoLeak(fakeKey(), in: result)
  }

  @Test func listToAFullDiskFails() throws {
    let box = try teamBox()
    for args in [["list"], ["list", "--json"], ["list", "--redacted"]] {
      let result = try runToFull(box, args)
      #expect(result.status == 1, "\(args)")
      #expect(result.stderr == Self.full, "\(args)")
    }
  }

  @Test func membersListToAFullDiskFails() throws {
    let box = try Sandbox()
    try box.initVault(["--here"])
    let result = try runToFull(box, ["members", "list"])
    #expect(result.status == 1)
    #expect(result.stderr == Self.full)
  }

  @Test func identityShowToAFullDiskFails() throws {
    let box = try teamBox()
    for args in [["identity", "show"], ["identity", "show", "--fingerprint"]] {
      let result = try runToFull(box, args)
      #expect(result.status == 1, "\(args)")
      #expect(result.stderr == Self.full, "\(args)")
    }
  }

  /// The printed secret is the only copy of a new identity: when it cannot be written, the
  /// error says the identity is lost, and no public identity is shown for anyone to add.
  @Test func identityNewToAFullDiskSaysNothingWasSaved() throws {
    let box = try Sandbox()
    let result = try runToFull(box, ["identity", "new", "--no-passphrase"])
    #expect(result.status == 1)
    let lines = outputLines(result.stderr)
    #expect(lines.first == String(Self.full.dropLast()), "\(result.stderr)")
    #expect(lines.count == 2, "\(result.stderr)")
    #expect(lines.last?.hasPrefix("vault: hint: the new identity was not saved anywhere") == true)
    #expect(!result.stderr.contains("vault-pub-"), "a public identity of a lost secret")
    #expect(!result.stderr.contains("VAULT-SECRET-"))
  }

  /// Help and the version go through the argument parser's buffered stdout: the check at
  /// exit (flush, then close) catches those too.
  @Test func helpToAFullDiskFails() throws {
    let box = try Sandbox()
    for args in [["--help"], ["help", "get"], ["--version"], ["export", "--help"]] {
      let result = try runToFull(box, args)
      #expect(result.status == 1, "\(args)")
      #expect(result.stderr == Self.full, "\(args)")
    }
  }

  /// A command that only reports what it did (`set`) fails too when the report cannot be
  /// written: exit 1 and the message, after the change it made.
  @Test func setReportToAFullDiskFails() throws {
    let box = try Sandbox()
    try box.initVault()
    let result = try runToFull(box, ["set"], stdin: fakeKey())
    #expect(result.status == 1)
    #expect(result.stderr == Self.full)
  }

  /// A reader that went away: with SIGPIPE at its default action vault dies of it quietly,
  /// as cat and ls do; with SIGPIPE ignored (inherited), the write fails with EPIPE and vault
  /// exits 1 with one message, as coreutils do.
  @Test func closedPipe() throws {
    let box = try teamBox()
    let script = """
      import os, signal, subprocess, sys
      r, w = os.pipe()
      os.close(r)
      ignore = sys.argv[1] == "ignore"
      pre = (lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN)) if ignore else None
      p = subprocess.run(sys.argv[2:], stdout=w, stderr=subprocess.PIPE, preexec_fn=pre)
      sys.stdout.write("%d\\n" % p.returncode)
      sys.stdout.write(p.stderr.decode())
      """
    let env = box.baseEnvironment()
    for args in [["list"], ["get"], ["export"]] {
      let killed = try box.execute(
        "/usr/bin/python3", ["-c", script, "default", Sandbox.binary] + args, env: env)
      #expect(killed.stdout == "-13\n", "\(args): \(killed.stdout) \(killed.stderr)")
      let ignored = try box.execute(
        "/usr/bin/python3", ["-c", script, "ignore", Sandbox.binary] + args, env: env)
      #expect(
        ignored.stdout == "1\nvault: error: cannot write to standard output: Broken pipe\n",
        "\(args): \(ignored.stdout) \(ignored.stderr)")
    }
  }
}
