import Foundation
import Testing

/// File modes, symlinks, never overwriting, fresh randomness on every save, and (under
/// strace) where a secret goes: only to `get`'s stdout, never to a file or an argv.
@Suite struct FileSafetyTests {
  @Test func newFilesAre0600EvenWithUmask000() throws {
    let box = try Sandbox()
    let created = try box.execute("/bin/sh", ["-c", "umask 000; exec \"$0\" init --no-passphrase", Sandbox.binary])
    #expect(created.status == 0, "\(created.stderr)")
    #expect(Adversary.mode(box.identityPath) == 0o600)
    #expect(Adversary.mode(box.vaultPath) == 0o600)
    #expect(Adversary.mode((box.identityPath as NSString).deletingLastPathComponent) == 0o700)
    #expect(Adversary.mode((box.vaultPath as NSString).deletingLastPathComponent) == 0o700)
    let stored = try box.execute(
      "/bin/sh", ["-c", "umask 000; exec \"$0\" set --env prod", Sandbox.binary], stdin: Data(fakeKey("umsk").utf8))
    #expect(stored.status == 0, "\(stored.stderr)")
    #expect(Adversary.mode(box.vaultPath) == 0o600)
    #expect(try Adversary.tempFiles(in: (box.vaultPath as NSString).deletingLastPathComponent).isEmpty)

    // A passphrase-protected identity too (and a vault at an explicit path).
    let other = try Sandbox()
    let passphrase = other.root.appendingPathComponent("pass").path
    try Adversary.writePrivate(passphrase, Array("a long enough passphrase\n".utf8)[...])
    let team = other.workDirectory.appendingPathComponent(".vault").path
    let protected = try other.execute(
      "/bin/sh",
      ["-c", "umask 000; exec \"$0\" init --no-cache --passphrase-file \"$1\" --vault \"$2\"", Sandbox.binary, passphrase, team])
    #expect(protected.status == 0, "\(protected.stderr)")
    #expect(Adversary.mode(other.identityPath) == 0o600)
    #expect(Adversary.mode(team) == 0o600)
  }

  @Test func readableVaultWarnsAndWritesRestore0600() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("mode"), env: "prod")
    #expect(chmod(box.vaultPath, 0o644) == 0)
    let listed = try box.run(["list"])
    #expect(listed.status == 0)
    #expect(listed.stdout.contains("shop/prod/OPENAI_API_KEY"))
    let warnings = listed.stderr.split(separator: "\n").filter { $0.hasPrefix("vault: warning:") }
    #expect(warnings.count == 1 && warnings[0].contains("readable"), "\(listed.stderr)")
    #expect(!listed.stderr.contains("vault: error:"))
    let read = try box.run(["get", "--env", "prod"])
    #expect(read.status == 0 && read.stdout == fakeKey("mode") + "\n")
    #expect(read.stderr.contains("vault: warning:") && read.stderr.contains("readable"), "\(read.stderr)")
    #expect(Adversary.mode(box.vaultPath) == 0o644, "a read must not change the mode")
    try box.set(fakeKey("mod2"), env: "prod", name: "SECOND")
    #expect(Adversary.mode(box.vaultPath) == 0o600, "a write leaves the vault 0600")
    try box.set(fakeKey("mod3"), env: "dev")
    #expect(Adversary.mode(box.vaultPath) == 0o600)
    let quiet = try box.run(["list"])
    #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")

    // A readable identity file warns too, and still works.
    #expect(chmod(box.identityPath, 0o644) == 0)
    let exposed = try box.run(["get", "--env", "prod"])
    #expect(exposed.status == 0)
    #expect(exposed.stderr.contains("vault: warning:") && exposed.stderr.contains("chmod 600"), "\(exposed.stderr)")
  }

  @Test func symlinkedVaultIsRefused() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("link"), env: "prod")
    let real = box.root.appendingPathComponent("real.vault").path
    try FileManager.default.moveItem(atPath: box.vaultPath, toPath: real)
    try FileManager.default.createSymbolicLink(atPath: box.vaultPath, withDestinationPath: real)
    let before = try box.readFile(real)
    let explicitLink = box.root.appendingPathComponent("link.vault").path
    try FileManager.default.createSymbolicLink(atPath: explicitLink, withDestinationPath: real)
    let commands: [([String], String?)] = [
      (["list"], nil),
      (["get", "--env", "prod"], nil),
      (["exec", "--env", "prod", "--"] + Adversary.printKeys, nil),
      (["set", "--env", "prod", "NEW_KEY"], fakeKey("nlnk")),
      (["rm", "--env", "prod", "OPENAI_API_KEY"], nil),
      (["import", "--env", "dev", "-"], "A=1\n"),
      (["status"], nil),
      (["list", "--vault", explicitLink], nil),
      (["get", "--vault", explicitLink, "--env", "prod"], nil),
      (["set", "--vault", explicitLink, "--env", "prod", "NEW_KEY"], fakeKey("nlnk")),
    ]
    for (args, stdin) in commands {
      let result = try box.run(args, stdin: stdin)
      Adversary.expectRefused(result, code: 1, secrets: [fakeKey("link"), fakeKey("nlnk")], "symlinked vault: \(args)")
      #expect(result.stderr.contains("symbolic link"), "\(args): \(result.stderr)")
    }
    #expect(try box.readFile(real) == before)
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: box.vaultPath)) == real)
    #expect(try Adversary.tempFiles(in: (box.vaultPath as NSString).deletingLastPathComponent).isEmpty)

    // init never writes through a symlink, dangling or not.
    let fresh = try Sandbox()
    let target = fresh.root.appendingPathComponent("target.vault").path
    try FileManager.default.createDirectory(
      atPath: (fresh.vaultPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: fresh.vaultPath, withDestinationPath: target)
    let created = try fresh.run(["init", "--no-passphrase"])
    #expect(created.status != 0)
    #expect(created.stderr.split(separator: "\n").filter { $0.hasPrefix("vault: error:") }.count == 1, "\(created.stderr)")
    #expect(!FileManager.default.fileExists(atPath: target), "init followed the symlink")
  }

  @Test func initNeverOverwrites() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("init"), env: "prod")
    let identity = try box.readFile(box.identityPath)
    let vault = try box.readFile(box.vaultPath)
    for args in [["init", "--no-passphrase"], ["init"], ["init", "--no-passphrase", "--name", "bob"]] {
      let again = try box.run(args)
      Adversary.expectRefused(again, code: 6, secrets: [fakeKey("init")], "\(args)")
      #expect(again.stderr.contains("already exists"), "\(again.stderr)")
      #expect(try box.readFile(box.identityPath) == identity)
      #expect(try box.readFile(box.vaultPath) == vault)
    }
    // A second vault reuses the identity and leaves it byte-identical.
    let team = box.workDirectory.appendingPathComponent(".vault").path
    let reuse = try box.run(["init", "--no-passphrase", "--vault", team])
    #expect(reuse.status == 0, "\(reuse.stderr)")
    #expect((reuse.stdout + reuse.stderr).contains("using the existing identity"))
    #expect(try box.readFile(box.identityPath) == identity)
    #expect(try box.readFile(box.vaultPath) == vault)
    #expect(Adversary.mode(team) == 0o600)
    let third = try box.run(["init", "--vault", team])
    #expect(third.status == 6)
    #expect(try box.readFile(box.identityPath) == identity)
  }

  /// 1,000 saves through the CLI would take too long; 50 saves of one value still show
  /// that every version gets a fresh ephemeral key and nonce (and so a fresh ciphertext).
  @Test func everySaveUsesAFreshNonceAndEphemeralKey() throws {
    let box = try Sandbox()
    try box.initVault()
    var ephemeral = Set<String>(), nonces = Set<String>(), ciphertexts = Set<String>()
    let saves = 50
    for save in 1...saves {
      try box.set(fakeKey("same"), env: "prod")
      let entries = Adversary.entries([UInt8](try box.readFile(box.vaultPath)))
      let entry = try #require(entries.first { $0[1] == "shop" && $0[2] == "prod" && $0[3] == "OPENAI_API_KEY" })
      try #require(entry.count == 12, "entry fields: \(entry.count)")  // format version 3: a key id
      #expect(entry[4] == String(save), "version \(entry[4]) after save \(save)")
      ephemeral.insert(entry[8])
      nonces.insert(entry[9])
      ciphertexts.insert(entry[10])
    }
    #expect(ephemeral.count == saves)
    #expect(nonces.count == saves)
    #expect(ciphertexts.count == saves)
    #expect(Set(ephemeral.map(\.count)) == [43] && Set(nonces.map(\.count)) == [32])
    let read = try box.run(["get", "--env", "prod"])
    #expect(read.stdout == fakeKey("same") + "\n")
  }

  // MARK: strace

  @Test(.enabled(if: Strace.path != nil, "strace is not installed (apt-get install strace); .ci/run installs it"))
  func straceShowsTheSecretGoesNowhereButGetsStdout() throws {
    let box = try Sandbox()
    try box.initVault()
    let secret = fakeKey("strc")
    let vaultDirectory = (box.vaultPath as NSString).deletingLastPathComponent

    let set = try Strace.run(box, ["set", "--env", "prod"], stdin: secret)
    #expect(set.result.status == 0, "\(set.result.stderr)")
    Strace.expectNoSecret(set.lines, secret: secret, allowStdout: false, "set")
    let created = Strace.createdFiles(set.lines)
    #expect(created.count == 1, "set created \(created)")
    for path in created {
      #expect(path.hasPrefix(vaultDirectory + "/.personal.vault.tmp-"), "set created \(path)")
    }
    #expect(set.lines.contains { $0.contains("rename") && $0.contains(".personal.vault.tmp-") && $0.contains("= 0") },
            "set renamed no temp file over the vault")

    let get = try Strace.run(box, ["get", "--env", "prod"])
    #expect(get.result.status == 0 && get.result.stdout == secret + "\n", "\(get.result.stderr)")
    Strace.expectNoSecret(get.lines, secret: secret, allowStdout: true, "get")
    #expect(get.lines.contains { Strace.isStdoutWrite($0) && $0.contains(secret) }, "the value was not written to stdout")
    // The files get and exec may create are the access log and, on the first read of these
    // signatures, the cache of verified signatures' temp file (Security.md, "Verified-
    // signature cache": digests, no value; expectNoSecret checks every write).
    let accessLog = box.home.path + "/.local/state/vault/access.log"
    let verifiedTemp = box.home.path + "/.local/state/vault/.verified.tmp-"
    #expect(
      Strace.createdFiles(get.lines).allSatisfy { $0 == accessLog || $0.hasPrefix(verifiedTemp) },
      "get created \(Strace.createdFiles(get.lines))")

    let exec = try Strace.run(box, ["exec", "--env", "prod", "--", "true"])
    #expect(exec.result.status == 0, "\(exec.result.stderr)")
    Strace.expectNoSecret(exec.lines, secret: secret, allowStdout: false, "exec")
    // exec reads what get verified: a hit, and no cache written.
    #expect(
      Strace.createdFiles(exec.lines).allSatisfy { $0 == accessLog },
      "exec created \(Strace.createdFiles(exec.lines))")
    #expect(exec.lines.contains { $0.contains("execve(\"/usr/bin/true\"") || $0.contains("execve(\"/bin/true\"") },
            "exec did not execve true")
    for line in (set.lines + get.lines + exec.lines) where line.contains("execve(") {
      #expect(!line.contains(String(secret.dropFirst(8).prefix(24))), "a secret in argv: \(line.prefix(200))")
    }
  }
}

enum Strace {
  static let path: String? = {
    for directory in ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin"] {
      let candidate = directory + "/strace"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }()

  static let calls = "trace=openat,open,creat,write,writev,pwrite64,pwritev,sendto,sendmsg,rename,renameat,renameat2,link,linkat,unlink,unlinkat,execve"

  /// Runs `vault args` under `strace -f`, returning the result and the trace lines.
  static func run(_ box: Sandbox, _ args: [String], stdin: String? = nil) throws -> (result: RunResult, lines: [String]) {
    let trace = box.root.appendingPathComponent("trace-\(UUID().uuidString)").path
    let strace = try #require(path)
    let result = try box.execute(
      strace, ["-f", "-qq", "-o", trace, "-e", calls, "-s", "1000000", Sandbox.binary] + args,
      stdin: stdin.map { Data($0.utf8) })
    let text = try String(contentsOfFile: trace, encoding: .utf8)
    return (result, text.split(separator: "\n").map(String.init))
  }

  /// `write(1, …)` (strace -f prefixes the pid).
  static func isStdoutWrite(_ line: String) -> Bool {
    let body = line.drop { $0.isNumber || $0 == " " }
    return body.hasPrefix("write(1, ")
  }

  static func expectNoSecret(
    _ lines: [String], secret: String, allowStdout: Bool, _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    // The whole value, and a distinctive piece of it (a write split in two).
    let pieces = [secret, String(secret.dropFirst(8).prefix(16)), String(secret.suffix(16))]
    for line in lines where pieces.contains(where: { line.contains($0) }) {
      #expect(allowStdout && isStdoutWrite(line), "\(context): the secret went to \(line.prefix(160))", sourceLocation: sourceLocation)
    }
  }

  /// Paths opened with O_CREAT (or creat) successfully, and link targets.
  static func createdFiles(_ lines: [String]) -> [String] {
    lines.compactMap { line -> String? in
      let call = line.drop { $0.isNumber || $0 == " " }
      let isCreate = ((call.hasPrefix("open") || call.hasPrefix("openat")) && line.contains("O_CREAT"))
        || call.hasPrefix("creat(") || call.hasPrefix("link(") || call.hasPrefix("linkat(")
      guard isCreate, !line.contains("= -1") else { return nil }
      guard let start = line.firstIndex(of: "\"") else { return nil }
      let rest = line[line.index(after: start)...]
      return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
  }
}
