import Foundation
import Testing
@testable import VaultCore

/// Tests/Interop/read_vault.py is a second reader and writer, written from FileFormat.md with
/// Python's standard library and libsodium: it must agree with VaultCore on every vector, read
/// what VaultCore writes, and write entries VaultCore accepts.
@Suite struct InteropTests {
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Interop/read_vault.py")

  /// Exit statuses of read_vault.py.
  static let exitCodes: [Vector.Outcome: Int32] = [
    .success: 0, .formatError: 2, .authenticationFailure: 3, .noAccess: 4,
    .unsupportedVersion: 5, .kdfParameters: 6, .retiredKey: 9,
  ]

  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  enum InteropError: Error, CustomStringConvertible {
    case pythonMissing
    var description: String {
      "python3 was not found on PATH: the interop tests need it (apt-get install python3; CI installs it)"
    }
  }

  /// Runs `python3 read_vault.py ARGS` with `environment` added and `stdin` piped.
  static func python(_ arguments: [String], environment: [String: String] = [:], stdin: String = "")
    throws -> Run
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let run = Run(
      status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
      stderr: String(decoding: err, as: UTF8.self))
    if run.status == 127 && run.stderr.contains("python3") { throw InteropError.pythonMissing }
    return run
  }

  static func identityEnvironment(_ identity: Identity) -> [String: String] {
    ["VAULT_IDENTITY": TestIdentities.secretString(identity)]
  }

  @Test(arguments: VectorTests.vectors) func pythonAgreesOnVector(_ vector: Vector) throws {
    var environment: [String: String] = [:]
    var identityArguments: [String] = []
    if let identity = vector.identity { environment["VAULT_IDENTITY"] = identity }
    if let file = vector.identityFile {
      identityArguments = ["--identity-file", vector.directory.appendingPathComponent(file).path]
      environment["VAULT_PASSPHRASE"] = vector.passphrase ?? ""
    }
    for read in vector.reads {
      let run = try Self.python(
        ["read", vector.vaultURL.path, "--project", read.project, "--env", read.environment,
         "--older"] + identityArguments, environment: environment)
      #expect(run.status == Self.exitCodes[vector.expect], "\(run.stderr)")
      if vector.expect == .success {
        #expect(run.stdout == (read.values + read.older).map { $0 + "\n" }.joined())
        #expect(
          Self.flagLines(run.stderr) == read.flags.map { "flag \(read.project) \(read.environment) \($0)" })
        // OpenAI links and pending rotations, as their file lines, in file order.
        #expect(
          Self.lines(run.stderr, "openai ")
            == read.links.map { "openai \(read.project) \(read.environment) \($0)" })
        #expect(
          Self.lines(run.stderr, "rotation ")
            == read.rotations.map { "rotation \(read.project) \(read.environment) \($0)" })
      } else {
        #expect(run.stdout.isEmpty, "printed something for a failing vector")
        break
      }
    }
  }

  /// The exposure flags read_vault.py printed on stderr (`flag P E NAME MEMBER TIME`).
  static func flagLines(_ stderr: String) -> [String] {
    lines(stderr, "flag ")
  }

  /// The lines read_vault.py printed on stderr that begin with `prefix`.
  static func lines(_ stderr: String, _ prefix: String) -> [String] {
    stderr.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map(String.init)
  }

  func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vault-interop-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// A vault VaultCore writes now (fresh random keys and nonces), read whole by Python.
  @Test func pythonReadsAFreshVault() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var file = try VaultFile.create(identity: TestIdentities.alice, memberName: "alice", path: "v")
    var expected: [String] = []
    for (project, environment) in [("api", "prod"), ("web", "dev"), ("web", "staging")] {
      var values: [(String, SecretBytes)] = []
      for (index, name) in ["A_KEY", "OPENAI_API_KEY", "Z"].enumerated() {
        let value = "\(project) \(environment) \(name) " + String(repeating: "=#'\"\\", count: index * 60)
        values.append((name, secret(value)))
        expected.append("\(project)/\(environment)/\(name)=\(value)")
      }
      try file.set(values, project: project, environment: environment, identity: TestIdentities.alice)
    }
    // A second version of one entry.
    try file.set([("Z", secret("v2"))], project: "web", environment: "dev", identity: TestIdentities.alice)
    expected[expected.firstIndex { $0.hasPrefix("web/dev/Z=") }!] = "web/dev/Z=v2"
    let path = directory.appendingPathComponent("fresh.vault")
    try Data(file.serialized()).write(to: path)
    let run = try Self.python(["read", path.path], environment: Self.identityEnvironment(TestIdentities.alice))
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == expected.map { $0 + "\n" }.joined())
  }

  /// Python writes entries (a new name, a new version, a new group) into a vault VaultCore
  /// made; VaultCore verifies and reads them, and the file stays canonical.
  /// In a version 2 file (`several-projects`) its entries keep the version 2 form; in a
  /// version 3 file (`version-3`) each carries the key id of the environment's current key.
  @Test(arguments: ["several-projects", "version-3"])
  func vaultCoreReadsWhatPythonWrites(_ vectorName: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let bytes = Array(try Data(contentsOf: try #require(VectorTests.vectors.first { $0.name == vectorName }).vaultURL))
    let path = directory.appendingPathComponent("team.vault")
    try Data(bytes).write(to: path)
    let before = try VaultFile.parse(bytes, path: "team.vault")

    let writes: [(Identity, String, String, String, String)] = [
      (TestIdentities.alice, "web", "prod", "NEW_NAME", "written by python"),
      (TestIdentities.alice, "web", "prod", "OPENAI_API_KEY", "sk-proj-rotatedByPython"),
      (TestIdentities.bob, "web", "dev", "OPENAI_ORG_ID", "org-bob-python"),
      (TestIdentities.alice, "zeta", "staging", "OPENAI_API_KEY", String(repeating: "x", count: 700)),
    ]
    for (identity, project, environment, name, value) in writes {
      let run = try Self.python(
        ["write", path.path, "--project", project, "--env", environment, "--name", name,
         "--created", "2026-02-01T12:00:00Z"],
        environment: Self.identityEnvironment(identity), stdin: value)
      #expect(run.status == 0, "\(run.stderr)")
    }
    // bob may not write prod: Python refuses too.
    let refused = try Self.python(
      ["write", path.path, "--project", "web", "--env", "prod", "--name", "X"],
      environment: Self.identityEnvironment(TestIdentities.bob), stdin: "x")
    #expect(refused.status == 4)

    let after = Array(try Data(contentsOf: path))
    let file = try VaultFile.parse(after, path: "team.vault")
    try file.verifyHeader()
    #expect(file.serialized() == after)
    #expect(file.headerSignedText == before.headerSignedText)
    _ = try file.allGroups()
    func values(_ project: String, _ environment: String) throws -> [String] {
      try file.secrets(project: project, environment: environment, identity: TestIdentities.alice).map {
        "\($0.entry.name)@\($0.entry.version)=" + $0.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
      }
    }
    #expect(
      try values("web", "prod") == [
        "NEW_NAME@1=written by python", "OPENAI_API_KEY@2=sk-proj-rotatedByPython",
        "OPENAI_BASE_URL@1=https://api.openai.com/v1", "OPENAI_PROJECT_ID@1=proj_prod0000000000000000",
      ])
    #expect(try values("web", "dev").last == "OPENAI_ORG_ID@2=org-bob-python")
    #expect(try values("zeta", "staging") == ["OPENAI_API_KEY@1=" + String(repeating: "x", count: 700)])
    let written = try #require(try file.group(project: "zeta", environment: "staging")).entries[0]
    if file.header.formatVersion >= 3 {
      let staging = try #require(file.header.environment("staging")).publicKey
      #expect(written.keyID == EntryCipher.keyID(of: staging))
    } else {
      #expect(written.keyID == nil)
    }
    // Groups Python did not touch are byte-identical.
    for project in ["api", "worker"] {
      let old = before.blocks.first { $0.project == project }!
      let new = file.blocks.first { $0.project == project }!
      #expect(Array(old.text) == Array(new.text))
    }
  }

  /// Exposure flags both ways: VaultCore removes a member (flags written, `wrote` on the values
  /// that member wrote), Python reads the flags, then writes into the flagged group (a new
  /// version drops its name's flag, a new name keeps the others, `wrote` or not); VaultCore
  /// verifies the group Python signed, flags included.
  @Test func flagsBothWays() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (alice, bob) = (TestIdentities.alice, TestIdentities.bob)
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["dev"], write: ["dev"], isOwner: false,
      by: alice)
    try file.set(
      [("A_KEY", secret("a1")), ("C_KEY", secret("c1"))], project: "web", environment: "dev",
      identity: bob, now: "2026-01-15T09:30:00Z")
    try file.set(
      [("B_KEY", secret("b1"))], project: "web", environment: "dev", identity: alice,
      now: "2026-01-15T09:30:00Z")
    try file.set([("P_KEY", secret("p1"))], project: "web", environment: "prod", identity: alice)
    try file.removeMember("bob", by: alice, now: "2026-03-01T12:00:00Z")
    let path = directory.appendingPathComponent("flags.vault")
    try Data(file.serialized()).write(to: path)
    let env = Self.identityEnvironment(alice)
    let flagged = ["A_KEY", "B_KEY", "C_KEY"].map {
      "flag web dev \($0) bob 2026-03-01T12:00:00Z" + ($0 == "B_KEY" ? "" : " wrote")
    }
    #expect(
      text(file.serialized()).contains("\nflag web dev A_KEY bob 2026-03-01T12:00:00Z wrote\n"))

    var run = try Self.python(["read", path.path, "--project", "web", "--env", "dev"], environment: env)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "A_KEY=a1\nB_KEY=b1\nC_KEY=c1\n")
    #expect(Self.flagLines(run.stderr) == flagged)
    run = try Self.python(["read", path.path], environment: env)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(Self.flagLines(run.stderr) == flagged)

    for (name, value) in [("A_KEY", "a2"), ("AA_NEW", "new")] {
      run = try Self.python(
        ["write", path.path, "--project", "web", "--env", "dev", "--name", name,
         "--created", "2026-03-02T08:00:00Z"], environment: env, stdin: value)
      #expect(run.status == 0, "\(run.stderr)")
    }
    let bytes = Array(try Data(contentsOf: path))
    let after = try VaultFile.parse(bytes, path: "flags.vault")
    try after.verifyHeader()
    #expect(after.serialized() == bytes)
    let group = try #require(try after.group(project: "web", environment: "dev"))
    #expect(group.flags == [
      ExposureFlag(name: "B_KEY", member: "bob", time: "2026-03-01T12:00:00Z"),
      ExposureFlag(name: "C_KEY", member: "bob", time: "2026-03-01T12:00:00Z", wrote: true),
    ])
    let values = try after.secrets(project: "web", environment: "dev", identity: alice).map {
      "\($0.entry.name)@\($0.entry.version)=" + $0.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
    #expect(values == ["AA_NEW@1=new", "A_KEY@2=a2", "B_KEY@1=b1", "C_KEY@1=c1"])
    // bob's identity is refused by both readers.
    #expect(throws: VaultError.self) {
      try after.secrets(project: "web", environment: "dev", identity: bob)
    }
    run = try Self.python(
      ["read", path.path, "--project", "web", "--env", "dev"], environment: Self.identityEnvironment(bob))
    #expect(run.status == 4)
  }

  /// The values and versions of a group, as VaultCore reads them.
  static func versions(_ file: VaultFile, _ project: String, _ environment: String) throws
    -> [String]
  {
    try file.secrets(project: project, environment: environment, identity: TestIdentities.alice)
      .map {
        "\($0.entry.name)@\($0.entry.version)="
          + $0.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
      }
  }

  /// Tombstones from VaultCore to Python: VaultCore removes an entry (a gone line keeps its
  /// version), Python reads the group without it, then writes the same name: version
  /// tombstone + 1, the gone line replaced by the entry; VaultCore verifies and reads it.
  @Test func pythonWritesAfterATombstone() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let alice = TestIdentities.alice
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    for value in ["a1", "a2"] {
      try file.set([("A_KEY", secret(value))], project: "web", environment: "dev", identity: alice)
    }
    try file.set([("B_KEY", secret("b1"))], project: "web", environment: "dev", identity: alice)
    try file.remove(
      "A_KEY", project: "web", environment: "dev", identity: alice, now: "2026-02-01T08:00:00Z")
    let path = directory.appendingPathComponent("gone.vault")
    try Data(file.serialized()).write(to: path)
    #expect(text(file.serialized()).contains("\ngone web dev A_KEY 2 2026-02-01T08:00:00Z\n"))
    let env = Self.identityEnvironment(alice)

    var run = try Self.python(
      ["read", path.path, "--project", "web", "--env", "dev"], environment: env)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "B_KEY=b1\n")
    run = try Self.python(["read", path.path], environment: env)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "web/dev/B_KEY=b1\n")

    run = try Self.python(
      ["write", path.path, "--project", "web", "--env", "dev", "--name", "A_KEY",
       "--created", "2026-02-02T08:00:00Z"], environment: env, stdin: "a3")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.contains("(version 3)"), "\(run.stderr)")
    let bytes = Array(try Data(contentsOf: path))
    let after = try VaultFile.parse(bytes, path: "gone.vault")
    try after.verifyHeader()
    #expect(after.serialized() == bytes)
    #expect(!text(bytes).contains("\ngone "))
    #expect(try #require(try after.group(project: "web", environment: "dev")).gone.isEmpty)
    #expect(try Self.versions(after, "web", "dev") == ["A_KEY@3=a3", "B_KEY@1=b1"])
  }

  /// Tombstones from Python back to VaultCore: Python writes a new name into a group of
  /// tombstones alone (VaultCore removed its only entry), keeping the other name's gone line
  /// under its group signature; VaultCore verifies the group and, writing the removed name,
  /// continues from the tombstone Python kept.
  @Test func vaultCoreWritesAfterATombstonePythonKept() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let alice = TestIdentities.alice
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    for value in ["z1", "z2", "z3"] {
      try file.set([("Z_KEY", secret(value))], project: "web", environment: "dev", identity: alice)
    }
    try file.remove(
      "Z_KEY", project: "web", environment: "dev", identity: alice, now: "2026-02-01T08:00:00Z")
    let path = directory.appendingPathComponent("gone.vault")
    try Data(file.serialized()).write(to: path)
    let env = Self.identityEnvironment(alice)

    // A group of one gone line reads as empty, in Python too.
    var run = try Self.python(
      ["read", path.path, "--project", "web", "--env", "dev"], environment: env)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.isEmpty)

    run = try Self.python(
      ["write", path.path, "--project", "web", "--env", "dev", "--name", "A_KEY",
       "--created", "2026-02-02T08:00:00Z"], environment: env, stdin: "a1")
    #expect(run.status == 0, "\(run.stderr)")
    let bytes = Array(try Data(contentsOf: path))
    var after = try VaultFile.parse(bytes, path: "gone.vault")
    try after.verifyHeader()
    #expect(after.serialized() == bytes)
    let group = try #require(try after.group(project: "web", environment: "dev"))
    #expect(group.gone == [Tombstone(name: "Z_KEY", version: 3, time: "2026-02-01T08:00:00Z")])
    #expect(group.signer == alice.signingKeyPair.publicKey)
    #expect(try Self.versions(after, "web", "dev") == ["A_KEY@1=a1"])

    try after.set(
      [("Z_KEY", secret("z4"))], project: "web", environment: "dev", identity: alice)
    #expect(try Self.versions(after, "web", "dev") == ["A_KEY@1=a1", "Z_KEY@4=z4"])
  }

  /// Write needs read, in Python too: bob has write=dev,prod but read=dev (a header from before
  /// the rule, signed by the owner). Python refuses to write prod as bob, and refuses to read a
  /// prod entry validly signed by bob, as VaultCore does.
  @Test func pythonRefusesAWriteOnlySigner() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (alice, bob) = (TestIdentities.alice, TestIdentities.bob)
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "v")
    try file.addMember(
      name: "bob", identity: bob.publicIdentity, read: ["dev"], write: ["dev"], isOwner: false,
      by: alice)
    let bobIndex = try #require(file.header.members.firstIndex { $0.name == "bob" })
    file.header.members[bobIndex].write = ["dev", "prod"]
    file.signHeader(with: alice)
    try file.set(
      [
        ("OPENAI_API_KEY", secret("sk-prod")),
        ("OPENAI_BASE_URL", secret("https://api.openai.com/v1")),
      ],
      project: "web", environment: "prod", identity: alice)
    let path = directory.appendingPathComponent("write-only.vault")
    try Data(file.serialized()).write(to: path)

    let refused = try Self.python(
      ["write", path.path, "--project", "web", "--env", "prod", "--name", "OPENAI_BASE_URL"],
      environment: Self.identityEnvironment(bob), stdin: "http://bob.example/v1")
    #expect(refused.status == 4, "\(refused.stderr)")
    #expect(
      Array(try Data(contentsOf: path)) == file.serialized(), "the refused write changed the file")

    // bob's entry, validly signed by him, in a group the owner signed.
    var planted = file
    let generator = VectorGenerator()
    var entries = try #require(try file.group(project: "web", environment: "prod")).entries
    entries[1] = generator.sign(entries[1], in: planted, as: bob)
    generator.forge(&planted, "web", "prod", entries, signer: alice)
    try Data(planted.serialized()).write(to: path)
    let run = try Self.python(
      ["read", path.path, "--project", "web", "--env", "prod"],
      environment: Self.identityEnvironment(alice))
    #expect(run.status == 3, "\(run.stderr)")
    #expect(run.stdout.isEmpty)
    #expect(run.stderr.contains("cannot read"), "\(run.stderr)")
    #expect {
      try planted.secrets(project: "web", environment: "prod", identity: alice)
    } throws: { error in
      guard case VaultError.integrity(_, _, .signerCannotRead) = error else { return false }
      return true
    }
  }

  /// Python writes an entry into the version 1 vault of the first release: the header stays
  /// byte for byte (version 1, no generation line) and VaultCore reads the result.
  @Test func pythonKeepsAVersion1Header() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let vector = try #require(VectorTests.vectors.first { $0.name == "frozen-v1" })
    let bytes = Array(try Data(contentsOf: vector.vaultURL))
    let path = directory.appendingPathComponent("frozen.vault")
    try Data(bytes).write(to: path)
    let run = try Self.python(
      ["write", path.path, "--project", "web", "--env", "dev", "--name", "NEW_NAME",
       "--created", "2026-02-01T12:00:00Z"],
      environment: Self.identityEnvironment(TestIdentities.alice), stdin: "from python")
    #expect(run.status == 0, "\(run.stderr)")
    let after = Array(try Data(contentsOf: path))
    let before = try VaultFile.parse(bytes, path: "frozen.vault")
    let file = try VaultFile.parse(after, path: "frozen.vault")
    try file.verifyHeader()
    #expect(file.header.formatVersion == 1)
    #expect(file.headerSignedText == before.headerSignedText)
    #expect(file.serialized() == after)
    let values = try file.secrets(
      project: "web", environment: "dev", identity: TestIdentities.alice)
    #expect(values.map(\.entry.name) == ["NEW_NAME", "OPENAI_API_KEY", "OPENAI_ORG_ID"])
  }

  /// History both ways: Python stores a new version into the `history` vector (keeping the
  /// three older ones) and into `history-limit` (`history 2`: one older kept); VaultCore reads
  /// every older version Python kept, and VaultCore's own next write keeps what Python wrote.
  @Test(arguments: [("history", [3, 2, 1]), ("history-limit", [3])])
  func pythonKeepsHistory(_ vectorName: String, _ kept: [UInt64]) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let vector = try #require(VectorTests.vectors.first { $0.name == vectorName })
    let path = directory.appendingPathComponent("history.vault")
    try Data(contentsOf: vector.vaultURL).write(to: path)
    let alice = TestIdentities.alice
    let before = try VaultFile.parse(Array(try Data(contentsOf: path)), path: "h")
    let run = try Self.python(
      ["write", path.path, "--project", "web", "--env", "prod", "--name", "OPENAI_API_KEY",
       "--created", "2026-02-01T12:00:00Z"],
      environment: Self.identityEnvironment(alice), stdin: "sk-proj-fourthFromPython")
    #expect(run.status == 0, "\(run.stderr)")
    var file = try VaultFile.parse(Array(try Data(contentsOf: path)), path: "h")
    try file.verifyHeader()
    _ = try file.allGroups()
    let versions = try file.versions(of: "OPENAI_API_KEY", project: "web", environment: "prod")
    #expect(versions.map(\.version) == [4] + kept)
    for version in kept {
      let old = try before.value(
        of: "OPENAI_API_KEY", version: version, project: "web", environment: "prod",
        identity: alice)
      let now = try file.value(
        of: "OPENAI_API_KEY", version: version, project: "web", environment: "prod",
        identity: alice)
      #expect(now.entry == old.entry)
      #expect(
        now.value.withUnsafeBytes { Array($0) } == old.value.withUnsafeBytes { Array($0) })
    }
    // Python reads the older versions back, newest first.
    let read = try Self.python(
      ["read", path.path, "--project", "web", "--env", "prod", "--older"],
      environment: Self.identityEnvironment(alice))
    #expect(read.status == 0, "\(read.stderr)")
    #expect(
      read.stdout.split(separator: "\n").filter { $0.hasPrefix("OPENAI_API_KEY@") }.map {
        String($0.dropFirst("OPENAI_API_KEY@".count).prefix { $0 != "=" })
      } == kept.map(String.init))
    // VaultCore writes next: Python's version becomes an older one.
    try file.set(
      [("OPENAI_API_KEY", secret("sk-proj-fifth"))], project: "web", environment: "prod",
      identity: alice)
    let after = try file.versions(of: "OPENAI_API_KEY", project: "web", environment: "prod")
    let limit = Int(file.header.versionsKept)
    #expect(after.map(\.version) == Array(([5, 4] + kept).prefix(limit)))
  }

  /// OpenAI links and rotations both ways: Python stores a new version of the linked
  /// web/prod/OPENAI_API_KEY of the `openai-links` vector (the new version unlinked, the
  /// older versions' links and the pending rotation kept); VaultCore verifies the group
  /// Python signed, then links the new version and clears the rotation, and Python reads
  /// that back.
  @Test func pythonKeepsOpenAILines() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let vector = try #require(VectorTests.vectors.first { $0.name == "openai-links" })
    let path = directory.appendingPathComponent("openai.vault")
    try Data(contentsOf: vector.vaultURL).write(to: path)
    let alice = TestIdentities.alice
    let run = try Self.python(
      ["write", path.path, "--project", "web", "--env", "prod", "--name", "OPENAI_API_KEY",
       "--created", "2026-02-01T12:00:00Z"],
      environment: Self.identityEnvironment(alice), stdin: "sk-proj-fourthFromPython")
    #expect(run.status == 0, "\(run.stderr)")
    var file = try VaultFile.parse(Array(try Data(contentsOf: path)), path: "o")
    try file.verifyHeader()
    var group = try #require(try file.group(project: "web", environment: "prod"))
    #expect(group.entries.first?.version == 4)
    #expect(group.links.map(\.version) == [3, 2, 1])
    #expect(group.rotations.map(\.step) == [.stored])
    try file.setLink(
      OpenAILink(
        name: "OPENAI_API_KEY", version: 4, project: "proj_prod", keyID: "key_four",
        account: nil, scopes: []),
      project: "web", environment: "prod", identity: alice)
    try file.setRotation(
      nil, name: "OPENAI_API_KEY", project: "web", environment: "prod", identity: alice)
    group = try #require(try file.group(project: "web", environment: "prod"))
    #expect(group.links.map(\.version) == [4, 3, 2, 1] && group.rotations.isEmpty)
    try Data(file.serialized()).write(to: path)
    let read = try Self.python(
      ["read", path.path, "--project", "web", "--env", "prod"],
      environment: Self.identityEnvironment(alice))
    #expect(read.status == 0, "\(read.stderr)")
    #expect(
      Self.lines(read.stderr, "openai ").first
        == "openai web prod OPENAI_API_KEY 4 proj_prod key_four - -")
    #expect(Self.lines(read.stderr, "rotation ").isEmpty)
  }

  /// The associated data an OpenBao seal is bound to, computed by the independent reader
  /// from FileFormat.md, is VaultCore's; and a write by the reader keeps the openbao lines.
  @Test func pythonAgreesOnTheOpenBaoContext() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let vector = try #require(VectorTests.vectors.first { $0.name == "openbao-recipients" })
    let path = directory.appendingPathComponent("bao.vault")
    try Data(contentsOf: vector.vaultURL).write(to: path)
    let file = try VaultFile.parse(Array(try Data(contentsOf: path)), path: "b")
    for environment in ["prod", "staging"] {
      let run = try Self.python(["openbao-context", path.path, "--env", environment])
      #expect(run.status == 0, "\(run.stderr)")
      let key = try #require(file.header.environment(environment)).publicKey
      let context = OpenBaoRecipient.context(
        vaultID: file.header.vaultID, environment: environment, publicKey: key)
      #expect(run.stdout == Data(context).base64EncodedString() + "\n")
    }
    let none = try Self.python(["openbao-context", path.path, "--env", "dev"])
    #expect(none.status != 0)
    let write = try Self.python(
      ["write", path.path, "--project", "web", "--env", "prod", "--name", "NEW",
       "--created", "2026-02-01T12:00:00Z"],
      environment: Self.identityEnvironment(TestIdentities.alice), stdin: "v")
    #expect(write.status == 0, "\(write.stderr)")
    var after = try VaultFile.parse(Array(try Data(contentsOf: path)), path: "b")
    try after.verifyHeader()
    #expect(after.header.openBao == file.header.openBao)
    after.verified = nil
    #expect(try after.group(project: "web", environment: "prod")?.entries.contains { $0.name == "NEW" } == true)
  }
}
