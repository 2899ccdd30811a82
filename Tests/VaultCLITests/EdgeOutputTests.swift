import Foundation
import Testing

/// The edges of import, export, exec and error messages (issue 8, items 13 and 14): each
/// case is what the review found stored, printed or run differently from what the README
/// says, or from what a shell would do.
@Suite struct EdgeOutputTests {
  func box() throws -> Sandbox {
    let box = try Sandbox()
    try box.initVault()
    return box
  }

  func importFile(_ box: Sandbox, _ text: Data, args: [String] = []) throws -> RunResult {
    let path = box.root.appendingPathComponent("in.env").path
    try box.writeFile(path, text)
    return try box.run(["import"] + args + [path])
  }

  func exportedJSON(_ box: Sandbox) throws -> [String: String] {
    let export = try box.run(["export", "--format", "json"])
    #expect(export.status == 0, "\(export.stderr)")
    return try JSONSerialization.jsonObject(with: export.stdoutBytes) as? [String: String] ?? [:]
  }

  // MARK: - Item 13: `$` in imported values

  /// `${NAME}` and `$NAME` take an earlier line's value, as bash reads the same file; single
  /// quotes and `\$` keep the `$`.
  @Test func importSubstitutesLikeAShell() throws {
    let box = try box()
    let text = """
      DB_USER=app
      DB_PASS='s3cr$t'
      DATABASE_URL="postgres://${DB_USER}:${DB_PASS}@db/$DB_USER"
      LITERAL='${DB_USER}'
      ESCAPED="\\$DB_USER"

      """
    let path = box.root.appendingPathComponent("sub.env").path
    try box.writeFile(path, Data(text.utf8))
    let imported = try box.run(["import", path])
    #expect(imported.status == 0, "\(imported.stderr)")
    let values = try exportedJSON(box)
    #expect(values["DATABASE_URL"] == "postgres://app:s3cr$t@db/app")
    #expect(values["LITERAL"] == "${DB_USER}")
    #expect(values["ESCAPED"] == "$DB_USER")
    // bash reads the same file to the same values.
    let sourced = try box.execute(
      "/bin/bash",
      ["-c", "set -a; . \"$1\"; printf '%s\\n' \"$DATABASE_URL\" \"$LITERAL\" \"$ESCAPED\"", "sh",
       path])
    #expect(sourced.stdout == "postgres://app:s3cr$t@db/app\n${DB_USER}\n$DB_USER\n")
  }

  /// A name no earlier line defines (a shell would read its environment) and every other
  /// `$` form are refused with the line, and nothing is stored.
  @Test func importRefusesDollarsItCannotReadLikeAShell() throws {
    let box = try box()
    let before = box.fileBytes()
    for (text, line) in [
      ("A=1\nB=\"${HOME}/x\"\n", 2), ("A=pa$$word\n", 1), ("A=1\nB=$(id)\n", 2),
      ("A=\"${A:-x}\"\n", 1),
    ] {
      let result = try importFile(box, Data(text.utf8))
      expectOneError(result, 64, mentioning: "line \(line): ")
      #expect(result.stderr.contains("nothing imported"))
    }
    #expect(box.fileBytes() == before)
  }

  // MARK: - Item 14: CR line ends

  /// A file with CR-only line ends is refused, never stored as one value holding the rest.
  @Test func crOnlyLineEndsAreRefused() throws {
    let box = try box()
    let before = box.fileBytes()
    let result = try importFile(box, Data("A=one\rB=two\rC=three\r".utf8))
    expectOneError(result, 64, mentioning: "line 1: a carriage return inside the line")
    #expect(box.fileBytes() == before)
    // CR LF is fine.
    let crlf = try importFile(box, Data("A=one\r\nB=two\r\n".utf8))
    #expect(crlf.status == 0, "\(crlf.stderr)")
  }

  // MARK: - Item 14: export of values that are not UTF-8

  /// JSON and docker's env file hold UTF-8 text only: a value that is not is refused before
  /// anything is printed; dotenv carries it byte for byte.
  @Test func exportRefusesInvalidUTF8WhereTheFormatCannotHoldIt() throws {
    let box = try box()
    try box.set(fakeKey())
    let stored = try box.execute(
      Sandbox.binary, ["set", "BINARY"], stdin: Data([0x61, 0xFF, 0xFE, 0x62]))
    #expect(stored.status == 0, "\(stored.stderr)")
    for format in ["json", "docker"] {
      let result = try box.run(["export", "--format", format])
      expectOneError(result, 64, mentioning: "shop/dev/BINARY is not UTF-8 text")
      #expect(result.stderr.contains("--format \(format)"))
    }
    let dotenv = try box.run(["export"])
    #expect(dotenv.status == 0)
    let line = Data("BINARY=\"".utf8) + Data([0x61, 0xFF, 0xFE, 0x62, 0x22, 0x0A])
    #expect(dotenv.stdoutBytes.range(of: line) != nil)
  }

  // MARK: - Item 14: control characters in messages

  /// A path with terminal escapes reaches stderr escaped in every message, here the
  /// rollback error, which interpolated the path raw.
  @Test func controlCharactersNeverReachStderrRaw() throws {
    let box = try box()
    let directory = box.root.appendingPathComponent("d\u{1B}[31m\u{7}")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("v").path
    try box.ok(["init", "--no-passphrase", "--vault", path])
    let old = try box.readFile(path)
    let other = try box.run(["identity", "new", "--no-passphrase"])
    let pub = try #require(other.stderr.split(separator: " ").last.map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines) })
    try box.ok(["members", "add", "bob", pub, "--read", "dev", "--vault", path])
    try box.writeFile(path, old)
    let result = try box.run(["list", "--vault", path])
    expectOneError(result, 5, mentioning: "d\\u{1b}[31m\\u{7}")
    #expect(!result.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    #expect(!result.stderr.contains("\u{1B}"))
  }

  // MARK: - Item 14: exit codes from the README's table

  /// An invalid environment or project name given to `list` is a usage error (64), as at
  /// every other command; a valid one the vault lacks is not found (2).
  @Test func listWithAnInvalidNameIsUsage() throws {
    let box = try box()
    try box.set(fakeKey())
    expectOneError(try box.run(["list", "--env", "BAD"]), 64, mentioning: "invalid environment")
    expectOneError(try box.run(["list", "--project", "a b"]), 64, mentioning: "invalid project")
    expectOneError(try box.run(["list", "--env", "nothere"]), 2)
  }

  /// `--only` with an invalid name is a usage error (64), not "not found".
  @Test func onlyWithAnInvalidNameIsUsage() throws {
    let box = try box()
    try box.set(fakeKey())
    expectOneError(try box.run(["exec", "--only", "X Y", "--", "true"]), 64)
    expectOneError(try box.run(["exec", "--env", "staging", "--only", "X Y", "--", "true"]), 64)
  }

  /// `import -` reads a .env file on stdin as it reads one from disk (up to 1 MiB): one
  /// over 64 KiB imports; one over 1 MiB is refused as too large, not as a failed "read".
  @Test func importFromStdinTakesWhatAFileTakes() throws {
    let box = try box()
    var text = ""
    for index in 0..<4 { text += "V\(index)=\"" + String(repeating: "v", count: 30_000) + "\"\n" }
    let large = try box.run(["import", "-"], stdin: text)
    #expect(large.status == 0, "\(large.stderr)")
    let huge = try box.run(
      ["import", "-"], stdin: "A=" + String(repeating: "x", count: (1 << 20) + 10) + "\n")
    expectOneError(huge, 1, mentioning: "larger than 1 MiB")
    #expect(!huge.stderr.contains("read ("), "\(huge.stderr)")
  }

  // MARK: - Item 14: exec as execvp

  /// A script without `#!` is run by /bin/sh, as execvp (and every shell) runs it.
  @Test func scriptWithoutShebangRunsWithSh() throws {
    let box = try box()
    try box.set(fakeKey())
    let path = box.workDirectory.appendingPathComponent("app").path
    let body = "printf '%s|%s|%s' \"$0\" \"$1\" \"${OPENAI_API_KEY#sk-proj-}\"\nexit 7\n"
    try box.writeFile(path, Data(body.utf8))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    let result = try box.run(["exec", "--", "./app", "one"])
    #expect(result.status == 7, "\(result.stderr)")
    #expect(result.stdout == "./app|one|" + String(fakeKey().dropFirst(8)))
    #expect(result.stderr == "")
  }

  /// An environment too large for execve (E2BIG) says so, not "Argument list too long" as if
  /// the arguments were at fault.
  @Test func tooLargeAnEnvironmentSaysEnvironment() throws {
    let box = try box()
    var text = ""
    for index in 0..<6 {
      text += "BIG\(index)=\"" + String(repeating: "b", count: 60_000) + "\"\n"
    }
    let imported = try importFile(box, Data(text.utf8))
    #expect(imported.status == 0, "\(imported.stderr)")
    // A 1 MiB stack limits execve's arguments and environment to 256 KiB.
    let result = try box.execute(
      "/bin/sh",
      ["-c", "ulimit -s 1024 && exec \"$@\"", "sh", Sandbox.binary, "exec", "--", "true"])
    expectOneError(result, 126, mentioning: "its environment (with the injected values)")
  }

  // MARK: - Item 14: a working directory whose path is not UTF-8

  /// Nothing is made at a lossy copy of the path (a sibling directory named with U+FFFD):
  /// `init --here` in a directory named with a byte that is not UTF-8 either works in that
  /// very directory or refuses with one error, and no other directory appears.
  @Test func nonUTF8DirectoryIsNeverDecodedLossily() throws {
    let box = try box()
    let parent = box.home.appendingPathComponent("code").path
    let made = try box.execute(
      "/usr/bin/python3",
      ["-c", "import os,sys; os.mkdir(os.fsencode(sys.argv[1]) + b'/caf\\xe9')", parent])
    #expect(made.status == 0, "\(made.stderr)")
    let before = try FileManager.default.contentsOfDirectory(atPath: parent).sorted()
    let script = """
      import os, subprocess, sys
      os.chdir(os.fsencode(sys.argv[1]) + b'/caf\\xe9')
      p = subprocess.run(sys.argv[2:], capture_output=True)
      sys.stdout.write('%d %s\\n' % (p.returncode, os.path.exists(b'.vault')))
      sys.stdout.write(p.stderr.decode())
      """
    let result = try box.execute(
      "/usr/bin/python3",
      ["-c", script, parent, Sandbox.binary, "init", "--here", "--name", "alice"],
      env: box.baseEnvironment())
    #expect(try FileManager.default.contentsOfDirectory(atPath: parent).sorted() == before)
    // A pin there would be keyed by the lossy path: refused, nothing recorded.
    let pin = try box.execute(
      "/usr/bin/python3", ["-c", script, parent, Sandbox.binary, "project", "pin", "shop"],
      env: box.baseEnvironment())
    #expect(outputLines(pin.stdout).first == "1 False", "\(pin.stdout)")
    #expect(pin.stdout.contains("vault: error: the current directory's path is not UTF-8"))
    let pins = box.home.appendingPathComponent(".local/state/vault/projects").path
    #expect(!FileManager.default.fileExists(atPath: pins))
    let lines = outputLines(result.stdout)
    if lines.first?.hasPrefix("0 ") == true {
      #expect(lines.first == "0 True", "\(result.stdout)")
    } else {
      #expect(lines.first == "1 False", "\(result.stdout) \(result.stderr)")
      #expect(lines.dropFirst().first?.hasPrefix("vault: error: ") == true, "\(result.stdout)")
      #expect(lines.dropFirst(2).allSatisfy { $0.hasPrefix("vault: hint: ") }, "\(result.stdout)")
    }
  }

  /// Runs `vault args` in `parent`/`name`, a directory named with bytes that are not UTF-8
  /// (Foundation cannot chdir there), through python: the status, stdout and stderr.
  func runInRawDirectory(
    _ box: Sandbox, parent: String, name: [UInt8], _ args: [String], stdin: String = ""
  ) throws -> (status: Int, stdout: String, stderr: String) {
    let script = """
      import json, os, subprocess, sys
      os.chdir(os.fsencode(sys.argv[1]) + b'/' + bytes.fromhex(sys.argv[2]))
      p = subprocess.run(sys.argv[3:], input=sys.stdin.buffer.read(), capture_output=True)
      json.dump({"status": p.returncode, "out": p.stdout.decode(), "err": p.stderr.decode()},
                sys.stdout)
      """
    let hex = name.map { String(format: "%02x", $0) }.joined()
    let result = try box.execute(
      "/usr/bin/python3", ["-c", script, parent, hex, Sandbox.binary] + args,
      stdin: Data(stdin.utf8), env: box.baseEnvironment())
    let decoded = try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any]
    return (
      decoded?["status"] as? Int ?? -1, decoded?["out"] as? String ?? "",
      (decoded?["err"] as? String ?? "") + result.stderr
    )
  }

  /// Below a work tree root whose path is UTF-8, a subdirectory whose name is not works: the
  /// root is named exactly (`init --here` makes its `.vault`, discovery finds it, the project
  /// is the root's name); a `.vault` in the subdirectory itself, which cannot be named, is
  /// refused rather than passed over for another vault.
  @Test func nonUTF8SubdirectoryOfAWorkTree() throws {
    let box = try Sandbox()
    let git = try box.execute("/usr/bin/git", ["init", "-q"], directory: box.workDirectory)
    #expect(git.status == 0, "\(git.stderr)")
    let root = box.workDirectory.path
    let name = Array("caf".utf8) + [0xE9]
    let made = try box.execute(
      "/usr/bin/python3",
      ["-c", "import os,sys; os.mkdir(os.fsencode(sys.argv[1]) + b'/caf\\xe9')", root])
    #expect(made.status == 0, "\(made.stderr)")
    let initialized = try runInRawDirectory(
      box, parent: root, name: name, ["init", "--no-passphrase", "--here", "--name", "alice"])
    #expect(initialized.status == 0, "\(initialized.stderr)")
    #expect(FileManager.default.fileExists(atPath: root + "/.vault"))
    let stored = try runInRawDirectory(box, parent: root, name: name, ["set"], stdin: fakeKey())
    #expect(stored.status == 0, "\(stored.stderr)")
    #expect(stored.stdout.hasPrefix("stored shop/dev/OPENAI_API_KEY"), "\(stored.stdout)")
    let read = try runInRawDirectory(box, parent: root, name: name, ["get"])
    #expect(read.status == 0 && read.stdout == fakeKey() + "\n", "\(read.stderr)")

    // A .vault in the directory that cannot be named: refused, not skipped.
    let copied = try box.execute(
      "/usr/bin/python3",
      [
        "-c",
        "import shutil,os,sys; d=os.fsencode(sys.argv[1]); "
          + "shutil.copy(d + b'/.vault', d + b'/caf\\xe9/.vault')",
        root,
      ])
    #expect(copied.status == 0, "\(copied.stderr)")
    let refused = try runInRawDirectory(box, parent: root, name: name, ["list"])
    #expect(refused.status == 1, "\(refused.stderr)")
    #expect(refused.stderr.hasPrefix("vault: error: the current directory's path is not UTF-8"))
  }
}

extension EdgeOutputTests {
  /// Paths printed on stdout (`init`, `status`) go through the same printable filter as
  /// error messages: a terminal escape in a directory name cannot drive the terminal.
  @Test func pathsOnStdoutAreShownPrintable() throws {
    let box = try Sandbox()
    let path = box.root.path + "/a\u{1b}[31mb.vault"
    let created = try box.run(["init", "--no-passphrase", "--vault", path])
    #expect(created.status == 0, "\(created.stderr)")
    #expect(created.stdout.contains("created vault ") && created.stdout.contains("a\\u{1b}[31mb"))
    let status = try box.run(["status", "--vault", path])
    #expect(status.status == 0, "\(status.stderr)")
    for result in [created, status] {
      #expect(!result.stdout.contains("\u{1b}"), "\(result.stdout)")
    }
  }
}
