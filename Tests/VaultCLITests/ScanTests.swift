import Foundation
import Testing

/// `vault scan` and `vault git hook install` with the built binary, real git and real files
/// (FIFOs, symlink loops, sparse files, unreadable files) in throwaway HOMEs.
@Suite struct ScanTests {
  /// `count` characters of a key's body, from `seed` (letters and digits; never a real key).
  static func body(_ seed: String, _ count: Int) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    var state = seed.utf8.reduce(UInt64(1_469_598_103_934_665_603)) {
      ($0 ^ UInt64($1)) &* 1_099_511_628_211
    }
    return String(
      (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return alphabet[Int(state >> 33) % alphabet.count]
      })
  }

  /// A fake key of each shape OpenAI issues, with the kind `vault scan` reports and the
  /// redacted form it shows. The `sk-None-` shape is the one common scanners miss.
  static let shapes: [(key: String, kind: String, redacted: String)] = [
    (
      "sk-proj-" + body("p1", 74) + "T3BlbkFJ" + body("p2", 70) + "pr0j", "openai-project-key",
      "sk-proj-…pr0j"
    ),
    (
      "sk-svcacct-" + body("s1", 74) + "T3BlbkFJ" + body("s2", 70) + "svc1", "openai-svcacct-key",
      "sk-svcacct-…svc1"
    ),
    (
      "sk-admin-" + body("a1", 58) + "T3BlbkFJ" + body("a2", 54) + "adm1", "openai-admin-key",
      "sk-admin-…adm1"
    ),
    (
      "sk-None-" + body("n1", 48) + "T3BlbkFJ" + body("n2", 44) + "n0ne", "openai-none-key",
      "sk-None-…n0ne"
    ),
    (
      "sk-" + body("l1", 20) + "T3BlbkFJ" + body("l2", 16) + "leg1", "openai-legacy-key",
      "sk-…leg1"
    ),
  ]

  /// A person whose work directory is a fresh git repository (no vault, no identity).
  func repository() throws -> Sandbox {
    let box = try Sandbox.person("alice")
    try box.git(["init", "-q", "."])
    return box
  }

  func write(_ box: Sandbox, _ name: String, _ text: String) throws {
    let url = box.workDirectory.appendingPathComponent(name)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  // MARK: Key shapes

  @Test(arguments: shapes.indices)
  func everyKeyShapeIsFound(index: Int) throws {
    let (key, kind, redacted) = Self.shapes[index]
    let box = try repository()
    try write(box, "app/config.py", "import os\nOPENAI_API_KEY = \"\(key)\"  # TODO\n")
    let result = try box.run(["scan"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(outputLines(result.stdout) == ["app/config.py:2: \(kind) \(redacted)"])
    // No identity: one note saying only key shapes were looked for.
    #expect(outputLines(result.stderr).count == 1, "\(result.stderr)")
    #expect(result.stderr.contains("key shapes only"), "\(result.stderr)")
    expectNoLeak(key, in: result)
    // Not a key: the marker without enough around it, and a key glued to a word.
    try write(box, "app/config.py", "x = \"sk-proj-abcT3BlbkFJxyz\"\ny = \"word\(key)\"\n")
    let clean = try box.run(["scan"])
    #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
    #expect(clean.stdout == "")
  }

  @Test func jsonListsEveryFinding() throws {
    let box = try repository()
    try write(box, "keys.txt", Self.shapes.map { "k=\($0.key)" }.joined(separator: "\n"))
    let result = try box.run(["scan", "--json"])
    #expect(result.status == 1)
    let array = try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [[String: Any]]
    #expect(array?.count == Self.shapes.count)
    #expect(array?.map { $0["kind"] as? String } == Self.shapes.map(\.kind))
    #expect(array?.map { $0["line"] as? Int } == Array(1...Self.shapes.count))
    #expect(array?.first?["path"] as? String == "keys.txt")
    for shape in Self.shapes { expectNoLeak(shape.key, in: result) }
  }

  // MARK: The vault's own values

  /// A vault with two values that look like no key: one of 12 bytes, one of 11.
  func vaultWithValues() throws -> (Sandbox, long: String, short: String) {
    let box = try repository()
    try box.initVault()
    let long = "pw-" + Self.body("db", 29)
    let short = "Abcdefgh123"  // 11 bytes: not looked for
    let twelve = "Xyzw-5678-ab"  // 12 bytes: looked for
    try box.set(long, env: "prod", name: "DB_PASSWORD")
    try box.set(short, env: "dev", name: "PIN_CODE")
    try box.set(twelve, env: "dev", name: "TWELVE")
    return (box, long, twelve)
  }

  @Test func vaultValuesAreFoundInsideLongerLines() throws {
    let (box, long, twelve) = try vaultWithValues()
    try write(
      box, "deploy.sh",
      "#!/bin/sh\n\ncurl -H \"Authorization: Bearer \(long)\" https://example.com\n"
        + "psql postgres://app:\(long)@db/app\n{\"pin\": \"Abcdefgh123\", \"t\": \"\(twelve)\"}\n")
    let result = try box.run(["scan"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      outputLines(result.stdout) == [
        "deploy.sh:3: vault-value …\(long.suffix(4)) shop/prod/DB_PASSWORD",
        "deploy.sh:4: vault-value …\(long.suffix(4)) shop/prod/DB_PASSWORD",
        "deploy.sh:5: vault-value … shop/dev/TWELVE",
      ])
    #expect(result.stderr == "", "\(result.stderr)")
    for secret in [long, twelve, "Abcdefgh123"] { expectNoLeak(secret, in: result) }
  }

  @Test func valuesAndKeysAcrossReadChunkBoundariesAreFound() throws {
    let (box, long, _) = try vaultWithValues()
    let key = Self.shapes[0].key
    // Read boundaries fall at 64 KiB multiples, shifted by the window kept between chunks;
    // plant a value or key across each candidate offset.
    var text = ""
    var expected: [String] = []
    var line = 1
    for (index, offset) in [65_536, 66_049, 131_072, 131_585, 196_608, 197_121].enumerated() {
      let secret = index % 2 == 0 ? long : key
      while text.utf8.count + 200 < offset - 10 {
        text += String(repeating: "filler text, ", count: 14) + "\n"
        line += 1
      }
      text += String(repeating: "y", count: offset - 10 - text.utf8.count) + " "
      text += secret + " z\n"
      expected.append(
        index % 2 == 0
          ? "big.txt:\(line): vault-value …\(long.suffix(4)) shop/prod/DB_PASSWORD"
          : "big.txt:\(line): openai-project-key sk-proj-…pr0j")
      line += 1
    }
    try write(box, "big.txt", text)
    let result = try box.run(["scan"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(outputLines(result.stdout) == expected)
    expectNoLeak(long, in: result)
    expectNoLeak(key, in: result)
  }

  @Test func aVaultValueOverSeveralLinesIsFound() throws {
    let box = try repository()
    try box.initVault()
    let pem =
      "-----BEGIN KEY-----\n" + Self.body("pem1", 64) + "\n" + Self.body("pem2", 40)
      + "\n-----END KEY-----"
    try box.set(pem, env: "dev", name: "TLS_KEY")
    try write(box, "certs/key.pem", "# key\n" + pem + "\n")
    let result = try box.run(["scan"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      outputLines(result.stdout) == [
        "certs/key.pem:2: vault-value …\(pem.suffix(4)) shop/dev/TLS_KEY"
      ])
    expectNoLeak(Self.body("pem1", 64), in: result)
  }

  @Test func withoutAnIdentityOnlyKeyShapesAreLookedFor() throws {
    let (box, long, _) = try vaultWithValues()
    let key = Self.shapes[0].key
    try write(box, "a.txt", "db=\(long)\n")
    #expect(try box.run(["scan"]).status == 1)
    try FileManager.default.removeItem(atPath: box.identityPath)
    let values = try box.run(["scan"])
    #expect(values.status == 0, "\(values.stdout)")
    #expect(
      outputLines(values.stderr) == [
        "vault: no identity at '\(box.identityPath)': looking for OpenAI key shapes only, not this vault's values"
      ])
    try write(box, "b.txt", "k=\(key)\n")
    let keys = try box.run(["scan"])
    #expect(keys.status == 1)
    #expect(outputLines(keys.stdout) == ["b.txt:1: openai-project-key sk-proj-…pr0j"])
    expectNoLeak(long, in: keys)
  }

  // MARK: What is read

  @Test func ignoredFilesAreSkippedAndUntrackedOnesScanned() throws {
    let box = try repository()
    let key = Self.shapes[1].key
    try write(box, ".gitignore", "*.log\nbuild/\n")
    try write(box, "tracked.py", "K = '\(key)'\n")
    try write(box, "new.py", "\n\nK = '\(key)'\n")
    try write(box, "debug.log", "K = '\(key)'\n")
    try write(box, "build/out.js", "K = '\(key)'\n")
    try box.git(["add", ".gitignore", "tracked.py"])
    let result = try box.run(["scan"])
    #expect(result.status == 1)
    #expect(
      outputLines(result.stdout).sorted() == [
        "new.py:3: openai-svcacct-key sk-svcacct-…svc1",
        "tracked.py:1: openai-svcacct-key sk-svcacct-…svc1",
      ])
    // A subdirectory alone, and a single file.
    let file = try box.run(["scan", "tracked.py"])
    #expect(outputLines(file.stdout) == ["tracked.py:1: openai-svcacct-key sk-svcacct-…svc1"])
    try write(box, "build/x/y.txt", "K = '\(key)'\n")
    try write(box, "sub/a.txt", "K = '\(key)'\n")
    let sub = try box.run(["scan", "sub"])
    #expect(outputLines(sub.stdout) == ["sub/a.txt:1: openai-svcacct-key sk-svcacct-…svc1"])
    expectNoLeak(key, in: result)
  }

  /// Enough files for two threads: every finding and skip, in git's order.
  @Test func aLargeTreeIsReportedInGitsOrder() throws {
    let box = try repository()
    let key = Self.shapes[0].key
    var expected: [String] = []
    for directory in 0..<6 {
      for file in 0..<500 {
        let name = String(format: "d%d/f%03d.txt", directory, file)
        let planted = (directory * 500 + file) % 97 == 5
        try write(box, name, "line\n" + (planted ? "k=\(key)\n" : "nothing\n"))
        if planted { expected.append("\(name):2: openai-project-key sk-proj-…pr0j") }
      }
    }
    try box.git(["add", "-A"])
    let result = try box.run(["scan"])
    #expect(result.status == 1)
    #expect(outputLines(result.stdout) == expected)
    #expect(result.stderr.contains("key shapes only"))
    expectNoLeak(key, in: result)
  }

  @Test func binaryFilesAreSkipped() throws {
    let box = try repository()
    let key = Self.shapes[0].key
    var binary = Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 1])
    binary.append(Data("k=\(key)\n".utf8))
    try binary.write(to: box.workDirectory.appendingPathComponent("app.bin"))
    // Text, then a NUL after the first 8,000 bytes: scanned up to the NUL.
    var late = Data(("k=\(key)\n" + String(repeating: "text\n", count: 2000)).utf8)
    late.append(Data([0]))
    late.append(Data("k=\(key)\n".utf8))
    try late.write(to: box.workDirectory.appendingPathComponent("late.txt"))
    let result = try box.run(["scan"])
    #expect(result.status == 1)
    #expect(outputLines(result.stdout) == ["late.txt:1: openai-project-key sk-proj-…pr0j"])
    try FileManager.default.removeItem(at: box.workDirectory.appendingPathComponent("late.txt"))
    let clean = try box.run(["scan"])
    #expect(clean.status == 0, "\(clean.stdout)")
  }

  /// Outside git: a FIFO, symlink loops and a 2 GiB sparse file, scanned within 1 GiB of
  /// address space; nothing blocks, nothing is followed, nothing is read whole.
  @Test func fifosSymlinkLoopsAndHugeSparseFilesNeitherHangNorFillMemory() throws {
    let box = try Sandbox.person("alice")
    let tree = box.root.appendingPathComponent("tree")
    try FileManager.default.createDirectory(
      at: tree.appendingPathComponent("sub"), withIntermediateDirectories: true)
    let key = Self.shapes[3].key
    try Data("k=\(key)\n".utf8).write(to: tree.appendingPathComponent("sub/found.txt"))
    #expect(mkfifo(tree.appendingPathComponent("pipe").path, 0o644) == 0)
    #expect(symlink("loop-b", tree.appendingPathComponent("loop-a").path) == 0)
    #expect(symlink("loop-a", tree.appendingPathComponent("loop-b").path) == 0)
    #expect(symlink("..", tree.appendingPathComponent("sub/up").path) == 0)
    #expect(symlink(".", tree.appendingPathComponent("self").path) == 0)
    let sparse = tree.appendingPathComponent("disk.img").path
    #expect(try box.execute("/usr/bin/truncate", ["-s", "2G", sparse]).status == 0)
    // 2 GiB of text would be read in chunks, never whole: this one starts as text.
    let texty = tree.appendingPathComponent("huge.log").path
    try Data(String(repeating: "log line\n", count: 2000).utf8).write(
      to: URL(fileURLWithPath: texty))
    #expect(try box.execute("/usr/bin/truncate", ["-s", "2G", texty]).status == 0)
    let command = "ulimit -v 1048576; exec '\(Sandbox.binary)' scan '\(tree.path)'"
    let result = try box.execute("/bin/sh", ["-c", command])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      outputLines(result.stdout) == [
        tree.path + "/sub/found.txt:1: openai-none-key sk-None-…n0ne"
      ])
    #expect(
      result.stderr.contains("vault: skipped \(tree.path)/pipe: not a regular file"),
      "\(result.stderr)")
    #expect(!result.stderr.contains("loop"), "\(result.stderr)")
    expectNoLeak(key, in: result)
  }

  /// A file the user cannot read is named once on stderr; the exit status still says
  /// whether anything was found. Run as `nobody` when the tests run as root.
  @Test func unreadableFilesAreReportedAndTheStatusStillSaysFoundOrNot() throws {
    let box = try Sandbox.person("alice")
    let tree = box.root.appendingPathComponent("tree")
    try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
    #expect(chmod(box.root.path, 0o755) == 0)
    let key = Self.shapes[4].key
    let secret = tree.appendingPathComponent("secret.txt").path
    try Data("k=\(key)\n".utf8).write(to: URL(fileURLWithPath: secret))
    #expect(chmod(secret, 0o000) == 0)
    func scan() throws -> RunResult {
      let args = ["scan", tree.path]
      if getuid() == 0 {
        return try box.execute(
          "/usr/bin/setpriv",
          ["--reuid=65534", "--regid=65534", "--clear-groups", Sandbox.binary] + args,
          env: ["HOME": "/nonexistent"])
      }
      return try box.run(args)
    }
    let clean = try scan()
    #expect(clean.status == 0, "\(clean.stderr)")
    #expect(clean.stdout == "")
    let skips = outputLines(clean.stderr).filter { $0.hasPrefix("vault: skipped") }
    #expect(skips == ["vault: skipped \(secret): Permission denied"], "\(clean.stderr)")
    try Data("k=\(key)\n".utf8).write(to: tree.appendingPathComponent("open.txt"))
    let found = try scan()
    #expect(found.status == 1, "\(found.stderr)")
    #expect(outputLines(found.stdout) == [tree.path + "/open.txt:1: openai-legacy-key sk-…leg1"])
    #expect(found.stderr.contains("vault: skipped \(secret): Permission denied"))
    expectNoLeak(key, in: found)
  }

  // MARK: History and the hook

  @Test func historyFindsAKeyALaterCommitRemoved() throws {
    let box = try repository()
    try box.initVault()
    let value = "pw-" + Self.body("hist", 30)
    try box.set(value, env: "dev", name: "DB_PASSWORD")
    let key = Self.shapes[2].key
    try write(box, "settings.py", "DEBUG = True\nADMIN = '\(key)'\nDB = '\(value)'\n")
    try box.git(["add", "settings.py"])
    try box.git(["commit", "-q", "-m", "settings"])
    let added = try box.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(
      in: .whitespacesAndNewlines)
    try write(box, "settings.py", "DEBUG = True\nADMIN = os.environ['ADMIN']\n")
    try box.git(["commit", "-q", "-am", "no keys in code"])
    let now = try box.run(["scan"])
    #expect(now.status == 0, "\(now.stdout)\(now.stderr)")
    let history = try box.run(["scan", "--history"])
    #expect(history.status == 1, "\(history.stderr)")
    #expect(
      outputLines(history.stdout) == [
        "\(added):settings.py:2: openai-admin-key sk-admin-…adm1",
        "\(added):settings.py:3: vault-value …\(value.suffix(4)) shop/dev/DB_PASSWORD",
      ])
    expectNoLeak(key, in: history)
    expectNoLeak(value, in: history)
    let outside = try box.run(["scan", "--history", box.root.path])
    expectOneError(outside, 2, mentioning: "not in a git work tree")
  }

  @Test func theHookBlocksACommitHoldingAKeyAndLetsACleanOneThrough() throws {
    let box = try repository()
    try box.initVault()
    let value = "pw-" + Self.body("hook", 30)
    try box.set(value, env: "dev", name: "DB_PASSWORD")
    let install = try box.ok(["git", "hook", "install"])
    let hook = box.workDirectory.path + "/.git/hooks/pre-commit"
    #expect(install.stdout == "installed \(hook): commits now run `vault scan --staged`\n")
    #expect(FileManager.default.isExecutableFile(atPath: hook))
    #expect(try box.ok(["git", "hook", "install"]).stdout.contains("already runs"))

    try write(box, "README.md", "# shop\n")
    try box.git(["add", "README.md"])
    try box.git(["commit", "-q", "-m", "clean"])

    let key = Self.shapes[0].key
    try write(box, "app.py", "print('hi')\nKEY = '\(key)'\n")
    try box.git(["add", "app.py"])
    let blocked = try box.git(["commit", "-q", "-m", "oops"], check: false)
    #expect(blocked.status != 0)
    #expect(
      (blocked.stdout + blocked.stderr).contains("app.py:2: openai-project-key sk-proj-…pr0j"),
      "\(blocked.stdout)\(blocked.stderr)")
    expectNoLeak(key, in: blocked)
    // Only the staged content counts: the work tree's copy is clean, the index's is not.
    try write(box, "app.py", "print('hi')\n")
    #expect(try box.git(["commit", "-q", "-m", "oops"], check: false).status != 0)
    try box.git(["add", "app.py"])
    try write(box, "db.txt", "url=postgres://u:\(value)@h\n")
    try box.git(["add", "db.txt"])
    let value2 = try box.git(["commit", "-q", "-m", "db"], check: false)
    #expect(value2.status != 0)
    #expect((value2.stdout + value2.stderr).contains("db.txt:1: vault-value"), "\(value2.stderr)")
    expectNoLeak(value, in: value2)
    try box.git(["rm", "-q", "--cached", "db.txt"])
    try box.git(["commit", "-q", "-m", "app"])
    #expect(try box.git(["log", "--format=%s"]).stdout == "app\nclean\n")
  }

  @Test func anExistingHookIsNeverOverwritten() throws {
    let box = try repository()
    let hook = box.workDirectory.path + "/.git/hooks/pre-commit"
    let mine = "#!/bin/sh\nmake lint\n"
    try FileManager.default.createDirectory(
      atPath: box.workDirectory.path + "/.git/hooks", withIntermediateDirectories: true)
    try Data(mine.utf8).write(to: URL(fileURLWithPath: hook))
    let result = try box.run(["git", "hook", "install"])
    expectOneError(result, 6, mentioning: "already exists")
    #expect(
      result.stderr.contains(
        "vault: hint: add this line to it, before it ends: vault scan --staged || exit 1"))
    #expect(try String(contentsOfFile: hook, encoding: .utf8) == mine)
    let outside = try box.run(["git", "hook", "install"], directory: box.root)
    expectOneError(outside, 2, mentioning: "not in a git work tree")
  }

  @Test func aMissingPathIsNotFound() throws {
    let box = try repository()
    expectOneError(
      try box.run(["scan", "no/such/dir"]), 2, mentioning: "no such file or directory")
    expectOneError(try box.run(["scan", "--history", "--staged"]), 64)
  }
}

extension ScanTests {
  /// An older version kept in history is still a leak where it was pasted: found, labelled
  /// as the older version it is; an entry under a retired key is skipped, not an error.
  @Test func olderVersionsAreFoundToo() throws {
    let (box, long, _) = try vaultWithValues()
    let newer = "pw-" + Self.body("dn", 29)
    try box.set(newer, env: "prod", name: "DB_PASSWORD")
    try write(box, "notes.txt", "old password: \(long)\nnew one: \(newer)\n")
    let result = try box.run(["scan"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      outputLines(result.stdout) == [
        "notes.txt:1: vault-value …\(long.suffix(4)) shop/prod/DB_PASSWORD v1 (older)",
        "notes.txt:2: vault-value …\(newer.suffix(4)) shop/prod/DB_PASSWORD",
      ], "\(result.stdout)")
    for secret in [long, newer] { expectNoLeak(secret, in: result) }
  }
}
