import Foundation
import Testing

/// Writers racing on one vault, and writers killed mid-write: no entry is lost, and the vault
/// always opens afterwards.
@Suite struct ConcurrencyTests {
  @Test func concurrentSetsKeepEveryEntry() throws {
    let box = try Sandbox()
    try box.initVault()
    let rounds = 20
    let writers = 3
    let failures = Adversary.Locked<[String]>([])
    for round in 0..<rounds {
      DispatchQueue.concurrentPerform(iterations: writers) { writer in
        let name = "KEY_\(round)_\(writer)"
        do {
          let result = try box.run(["set", "--env", "dev", name], stdin: "value-\(round)-\(writer)")
          if result.status != 0 { failures.update { $0.append("\(name): \(result.stderr)") } }
        } catch {
          failures.update { $0.append("\(name): \(error)") }
        }
      }
    }
    #expect(failures.value.isEmpty, "\(failures.value)")
    let names = try Concurrency.listedNames(box)
    let expected = Set((0..<rounds).flatMap { round in (0..<writers).map { "shop/dev/KEY_\(round)_\($0)" } })
    #expect(names == expected, "missing: \(expected.subtracting(names).sorted())")
    let printed = try box.run(["exec", "--env", "dev", "--", "env"])
    #expect(printed.status == 0, "\(printed.stderr)")
    for round in 0..<rounds {
      for writer in 0..<writers {
        #expect(printed.stdout.contains("KEY_\(round)_\(writer)=value-\(round)-\(writer)\n"))
      }
    }
    #expect(try Adversary.tempFiles(in: (box.vaultPath as NSString).deletingLastPathComponent).isEmpty)
  }

  @Test func twoImportsOfAHundredEntriesEach() throws {
    let box = try Sandbox()
    try box.initVault()
    // Two imports of 100 names each, and two loops of single sets into another
    // environment, all at once.
    let failures = Adversary.Locked<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      do {
        if worker < 2 {
          let prefix = worker == 0 ? "A" : "B"
          let text = (0..<100).map { "\(prefix)_\($0)=import-\(prefix)-\($0)\n" }.joined()
          let path = box.root.appendingPathComponent("\(prefix).env").path
          try Data(text.utf8).write(to: URL(fileURLWithPath: path))
          let result = try box.run(["import", "--env", "dev", path])
          if result.status != 0 { failures.update { $0.append("import \(prefix): \(result.stderr)") } }
        } else {
          for index in 0..<10 {
            let name = "S\(worker)_\(index)"
            let result = try box.run(["set", "--env", "staging", name], stdin: "set-\(worker)-\(index)")
            if result.status != 0 { failures.update { $0.append("\(name): \(result.stderr)") } }
          }
        }
      } catch {
        failures.update { $0.append("worker \(worker): \(error)") }
      }
    }
    #expect(failures.value.isEmpty, "\(failures.value)")
    let names = try Concurrency.listedNames(box)
    var expected = Set<String>()
    for prefix in ["A", "B"] { for i in 0..<100 { expected.insert("shop/dev/\(prefix)_\(i)") } }
    for worker in 2..<4 { for i in 0..<10 { expected.insert("shop/staging/S\(worker)_\(i)") } }
    #expect(names.count == 220)
    #expect(names == expected, "missing: \(expected.subtracting(names).sorted().prefix(20))")
    let printed = try box.run(["exec", "--env", "dev", "--", "env"])
    #expect(printed.status == 0, "\(printed.stderr)")
    for prefix in ["A", "B"] {
      for i in 0..<100 { #expect(printed.stdout.contains("\n\(prefix)_\(i)=import-\(prefix)-\(i)\n")) }
    }
  }

  /// `vault set` and a large `vault import` killed with SIGKILL at varied moments: the vault
  /// opens every time, holds every entry committed before, and holds the killed write's
  /// entries all or none. Stale temp files are left and harm nothing.
  @Test func sigkillMidWriteLeavesOldOrNewVault() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("base"), env: "prod")
    let vaultDirectory = (box.vaultPath as NSString).deletingLastPathComponent
    // A stale temp file from an earlier crash, planted up front.
    try Adversary.writePrivate(vaultDirectory + "/.personal.vault.tmp-AAAAAAAAAAAA", Array("vault 1\nid garbage\n".utf8)[...])
    let importPath = box.root.appendingPathComponent("big.env").path
    let bigCount = 250
    try Data((0..<bigCount).map { "BIG_\($0)=big-value-\($0)-\(String(repeating: "x", count: 200))\n" }.joined().utf8)
      .write(to: URL(fileURLWithPath: importPath))

    // One uninterrupted run of each, to spread the kills over their whole run time.
    func timed(_ args: [String], stdin: String?) throws -> Double {
      let start = Date()
      let process = try Concurrency.spawn(box, args, stdin: stdin)
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "\(args)")
      return Date().timeIntervalSince(start)
    }
    let importTime = try timed(["import", "--env", "dev", importPath], stdin: nil)
    let setTime = try timed(["set", "--env", "staging", "FIRST"], stdin: "first-value")

    var committed = try Concurrency.listedVersions(box)
    var killedSome = false
    let attempts = 20
    for attempt in 0..<attempts {
      let isImport = attempt % 2 == 0
      // From 0 to 1.2 times an uninterrupted run: before, during and after the write.
      let fraction = Double(attempt / 2) / Double(attempts / 2 - 2)
      let delay = useconds_t(fraction * (isImport ? importTime : setTime) * 1_000_000)
      let env = isImport ? "dev" : "staging"
      let args = isImport
        ? ["import", "--env", env, importPath]
        : ["set", "--env", env, "KILLED_\(attempt)"]
      let process = try Concurrency.spawn(box, args, stdin: isImport ? nil : "killed-value-\(attempt)")
      usleep(delay)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      if process.terminationReason == .uncaughtSignal { killedSome = true }

      let context = "attempt \(attempt) (\(args[0]) killed after \(delay / 1000) ms)"
      let versions = try Concurrency.listedVersions(box, context)
      let lost = Set(committed.keys).subtracting(versions.keys)
      #expect(lost.isEmpty, "\(context) lost \(lost.sorted().prefix(5))")
      let changed = Set(versions.keys.filter { versions[$0] != committed[$0] })
      if isImport {
        // All of the import's entries get the next version, or none does.
        let big = Set((0..<bigCount).map { "shop/dev/BIG_\($0)" })
        #expect(changed.isEmpty || changed == big, "\(context): a partial import of \(changed.count)")
        #expect(Set(big.map { versions[$0] }).count == 1, "\(context): mixed versions")
      } else {
        #expect(changed.isSubset(of: ["shop/staging/KILLED_\(attempt)"]), "\(context): \(changed)")
      }
      committed = versions
    }
    #expect(killedSome, "no process was killed before it finished")
    // Every surviving value decrypts, and the vault still takes writes.
    let prod = try box.run(["get", "--env", "prod"])
    #expect(prod.status == 0 && prod.stdout == fakeKey("base") + "\n", "\(prod.stderr)")
    let staging = try box.run(["exec", "--env", "staging", "--", "true"])
    #expect(staging.status == 0 || staging.stderr.contains("no entries"), "\(staging.stderr)")
    try box.set(fakeKey("after"), env: "prod", name: "AFTER_KILLS")
    let final = try box.run(["list"])
    #expect(final.status == 0 && final.stdout.contains("shop/prod/AFTER_KILLS"), "\(final.stderr)")
    let stale = try Adversary.tempFiles(in: vaultDirectory)
    #expect(stale.contains(".personal.vault.tmp-AAAAAAAAAAAA"))
    for name in stale {
      #expect(Adversary.mode(vaultDirectory + "/" + name) == 0o600, "\(name) is not 0600")
    }
  }
}

extension ConcurrencyTests {
  /// The same crash at exact points of the save, by strace's fault injection: SIGKILL on
  /// entering the temp file's first write, its fsync, the rename, and the directory fsync
  /// after the rename. Before the rename the old vault must open unchanged; after it, the
  /// new one, with every entry.
  @Test(.enabled(if: Strace.path != nil, "strace is not installed (apt-get install strace); .ci/run installs it"))
  func sigkillAtEachStepOfTheSave() throws {
    let strace = try #require(Strace.path)
    let steps: [(name: String, inject: String, landed: Bool)] = [
      ("the temp file's first write", "write:signal=KILL:when=1", false),
      ("the temp file's fsync", "fsync:signal=KILL:when=1", false),
      ("the rename", "/^rename:signal=KILL:when=1", false),
      ("the directory fsync after the rename", "fsync:signal=KILL:when=2", true),
    ]
    for command in ["set", "import", "rm"] {
      for step in steps {
        let box = try Sandbox()
        try box.initVault()
        try box.set(fakeKey("keep"), env: "prod")
        try box.set("dev-value-1", env: "dev", name: "DEV_ONE")
        let before = try box.readFile(box.vaultPath)
        let args: [String]
        var stdin: String?
        switch command {
        case "set": args = ["set", "--env", "prod", "NEW_KEY"]; stdin = fakeKey("newk")
        case "import": args = ["import", "--env", "prod", "-"]; stdin = "NEW_KEY=imported-new\nOTHER_NEW=imported-other\n"
        default: args = ["rm", "--env", "dev", "DEV_ONE"]
        }
        let killed = try box.execute(
          strace, ["-f", "-qq", "-o", "/dev/null", "-e", "trace=write,fsync,/^rename", "-e", "inject=" + step.inject,
                   Sandbox.binary] + args, stdin: stdin.map { Data($0.utf8) })
        let context = "\(command) killed at \(step.name)"
        #expect(killed.status == 128 + SIGKILL || killed.status == SIGKILL, "\(context): exit \(killed.status) \(killed.stderr)")
        let listed = try box.run(["list"])
        #expect(listed.status == 0 && listed.stderr.isEmpty, "\(context): \(listed.stderr)")
        #expect(listed.stdout.contains("shop/prod/OPENAI_API_KEY"), "\(context): an untouched entry is gone")
        let after = try box.readFile(box.vaultPath)
        if step.landed {
          #expect(after != before, "\(context): the renamed vault should be the new one")
          switch command {
          case "rm": #expect(!listed.stdout.contains("DEV_ONE"), "\(context)")
          default: #expect(listed.stdout.contains("shop/prod/NEW_KEY"), "\(context)")
          }
        } else {
          #expect(after == before, "\(context): the old vault should be untouched")
        }
        let read = try box.run(["get", "--env", "prod"])
        #expect(read.status == 0 && read.stdout == fakeKey("keep") + "\n", "\(context): \(read.stderr)")
        // Stale temp files, if any, are private and harmless: the next write works.
        let directory = (box.vaultPath as NSString).deletingLastPathComponent
        for name in try Adversary.tempFiles(in: directory) {
          #expect(Adversary.mode(directory + "/" + name) == 0o600, "\(context): \(name)")
        }
        try box.set(fakeKey("next"), env: "prod", name: "NEXT_KEY")
        let final = try box.run(["list"])
        #expect(final.status == 0 && final.stdout.contains("shop/prod/NEXT_KEY"), "\(context): \(final.stderr)")
      }
    }
  }
}

enum Concurrency {
  /// The labels `vault list --json` prints, as project/env/name.
  static func listedNames(_ box: Sandbox) throws -> Set<String> {
    Set(try listedVersions(box).keys)
  }

  /// The labels `vault list --json` prints, as project/env/name, with their versions.
  static func listedVersions(_ box: Sandbox, _ context: String = "") throws -> [String: Int] {
    let result = try box.run(["list", "--json"])
    #expect(result.status == 0 && result.stderr.isEmpty, "\(context): list: \(result.stderr)")
    var names: [String: Int] = [:]
    for object in result.stdout.components(separatedBy: "},{") {
      func field(_ key: String) -> String? {
        guard let start = object.range(of: "\"\(key)\":\"") else { return nil }
        let rest = object[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
      }
      if let project = field("project"), let env = field("environment"), let name = field("name") {
        let version = object.range(of: "\"version\":").map { range in
          Int(object[range.upperBound...].prefix { $0.isNumber }) ?? -1
        }
        names["\(project)/\(env)/\(name)"] = version ?? -1
      }
    }
    return names
  }

  /// Starts `vault args` in `box` without waiting for it.
  static func spawn(_ box: Sandbox, _ args: [String], stdin: String?) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Sandbox.binary)
    process.arguments = args
    process.environment = box.baseEnvironment()
    process.currentDirectoryURL = box.workDirectory
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    if let stdin {
      let pipe = Pipe()
      process.standardInput = pipe
      try process.run()
      feed(pipe.fileHandleForWriting, Data(stdin.utf8))
      try pipe.fileHandleForWriting.close()
    } else {
      process.standardInput = FileHandle.nullDevice
      try process.run()
    }
    return process
  }
}
