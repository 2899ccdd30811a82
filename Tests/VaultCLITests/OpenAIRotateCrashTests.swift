import Foundation
import Testing

/// `vault openai rotate` interrupted at each step (issue 9, "Crash safety of rotation"): a
/// real run is killed with SIGKILL while it waits on a slow request to the stand-in, which
/// carries the request out after the delay although the client is gone. The vault must hold
/// the pending step, `vault status` must name it with the command that finishes it, and the
/// next `vault openai rotate` must finish it, leaving one live key for the entry, the stored
/// one, and no extra service account.
@Suite struct OpenAIRotateCrashTests {
  typealias Fixture = OpenAITests.Fixture

  /// The fixture with prod's OPENAI_API_KEY made by `create-key` for the new service account
  /// ci-bot (its own account, so rotation deletes it whole). Returns the key's id, account id
  /// and value.
  static func rotatable(scopes: String? = nil) throws
    -> (f: Fixture, key: String, account: String, value: String)
  {
    let f = try Fixture()
    let created = try f.vault(
      [
        "openai", "create-key", "--env", "prod", "--openai-project", "proj_abc",
        "--service-account", "ci-bot",
      ] + (scopes.map { ["--scopes", $0] } ?? []))
    #expect(created.status == 0, "\(created.stderr)")
    let value = try f.stored("prod")
    let key = try #require(try f.keyHolding(value))
    let id = try #require(key["id"] as? String)
    let account = try #require((key["owner"] as? [String: Any])?["id"] as? String)
    _ = try f.api.control("DELETE", "/_standin/requests", nil)
    return (f, id, account, value)
  }

  // MARK: Helpers

  /// Starts `vault openai rotate --env prod`, waits until the stand-in has taken the queued
  /// slow fault (the request is in flight and the stand-in sleeps on it), kills the process
  /// with SIGKILL, then waits until the stand-in has carried the request out.
  @discardableResult
  static func killDuringSlowRequest(
    _ f: Fixture, method: String, path: String, count: Int = 1
  ) throws -> RunResult {
    try f.api.fault(["kind": "slow", "delay": 2, "method": method, "path": path, "count": count])
    let running = try Running(f.box, ["openai", "rotate", "--env", "prod"])
    try poll("the slow request to arrive") {
      (try f.api.state()["faults"] as? [Any])?.isEmpty == true || running.exited
    }
    #expect(!running.exited, "the rotation was still waiting when it was killed")
    let result = running.kill()
    #expect(result.signaled && result.status == SIGKILL)
    try poll("the stand-in to carry the request out") {
      try f.api.requests().filter {
        $0["method"] as? String == method && $0["fault"] as? String == "slow"
      }.count == count
    }
    try expectNoKeyValue(f, in: result)
    return result
  }

  /// Polls `done` every 50 ms for at most a minute (a ceiling for a loaded machine, not a
  /// timing assumption).
  static func poll(_ what: String, _ done: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(60)
    while try !done() {
      guard Date() < deadline else {
        Issue.record("timed out waiting for \(what)")
        return
      }
      Thread.sleep(forTimeInterval: 0.05)
    }
  }

  /// No value of any key the stand-in ever held (deleted ones included) and not the Admin
  /// key in `result`'s stdout or stderr.
  static func expectNoKeyValue(
    _ f: Fixture, in result: RunResult, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    expectNoLeak(f.admin, in: result, sourceLocation: sourceLocation)
    for key in try f.api.project("proj_abc")["api_keys"] as? [[String: Any]] ?? [] {
      if let value = key["value"] as? String {
        expectNoLeak(value, in: result, sourceLocation: sourceLocation)
      }
    }
  }

  /// Runs `vault args` and checks it against every key value ever held.
  @discardableResult
  static func vault(_ f: Fixture, _ args: [String]) throws -> RunResult {
    let result = try f.vault(args)
    if args.first != "get" { try expectNoKeyValue(f, in: result) }
    return result
  }

  /// The `rotation:` line of `vault status`, checked to name the command that finishes it.
  static func pendingLine(_ f: Fixture, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> String
  {
    let status = try vault(f, ["status"])
    #expect(status.status == 0, "\(status.stderr)", sourceLocation: sourceLocation)
    let line = outputLines(status.stdout).first { $0.hasPrefix("rotation: ") } ?? ""
    #expect(
      line.hasSuffix("run `vault openai rotate --project shop --env prod`"), "\(status.stdout)",
      sourceLocation: sourceLocation)
    return line
  }

  /// The vault file's `rotation` line for prod's OPENAI_API_KEY, split in fields.
  static func rotationRecord(_ f: Fixture) throws -> [String]? {
    let text = String(decoding: try f.box.readFile(f.box.vaultPath), as: UTF8.self)
    return outputLines(text).first { $0.hasPrefix("rotation shop prod OPENAI_API_KEY ") }
      .map { $0.split(separator: " ").map(String.init) }
  }

  /// After a finished rotation: no record, no `rotation:` line, exactly one live key on
  /// ci-bot accounts, holding the stored value, and one ci-bot account.
  static func expectFinished(_ f: Fixture, replacing old: String) throws {
    #expect(try rotationRecord(f) == nil, "the record is cleared")
    let status = try vault(f, ["status"])
    #expect(!status.stdout.contains("rotation:"), "\(status.stdout)")
    let stored = try f.stored("prod")
    let accounts = try f.api.accounts("proj_abc").filter { $0["name"] as? String == "ci-bot" }
    #expect(accounts.count == 1, "no extra account: \(accounts)")
    let ids = Set(accounts.compactMap { $0["id"] as? String })
    let live = try f.api.liveKeys("proj_abc").filter {
      ids.contains((($0["owner"] as? [String: Any])?["id"] as? String) ?? "")
    }
    #expect(live.count == 1, "one live key for the entry")
    #expect(live.first?["value"] as? String == stored, "the live key is the stored one")
    #expect(try f.keyHolding(old) == nil, "the old key is gone")
    #expect(
      try f.api.liveKeys("proj_abc").contains { $0["id"] as? String == "key_bot" },
      "deploy-bot's key is untouched")
  }

  static let accounts = "/v1/organization/projects/proj_abc/service_accounts"

  // MARK: a. killed during the create

  /// Without scopes the account comes with its key (one POST); with scopes the account is
  /// made bare and the scoped key added to it (two POSTs): killed during the second.
  @Test(arguments: [nil, "api.model.read"])
  func killedWhileCreatingTheNewKey(_ scopes: String?) throws {
    let (f, oldKey, oldAccount, oldValue) = try Self.rotatable(scopes: scopes)
    try Self.killDuringSlowRequest(
      f, method: "POST", path: Self.accounts, count: scopes == nil ? 1 : 2)
    let posts = try f.api.requests().filter { $0["method"] as? String == "POST" }
    #expect(posts.count == (scopes == nil ? 1 : 2), "carried out by the stand-in")

    // The record says `started`; the vault still holds the old key, current.
    let record = try #require(try Self.rotationRecord(f))
    #expect(record[4] == "started" && record[7] == oldKey && record[8] == oldAccount)
    #expect(record[9] == "-" && record[10] == "-")
    #expect(try f.stored("prod") == oldValue)
    let line = try Self.pendingLine(f)
    #expect(line.contains("shop/prod/OPENAI_API_KEY rotation started"), "\(line)")
    #expect(line.contains("old key \(oldKey)"), "\(line)")
    // OpenAI made a second ci-bot account whose key nobody has.
    let halfMade = try #require(
      try f.api.accounts("proj_abc").first {
        $0["name"] as? String == "ci-bot" && $0["id"] as? String != oldAccount
      })
    let orphan = try #require(
      try f.api.liveKeys("proj_abc").first {
        ($0["owner"] as? [String: Any])?["id"] as? String == halfMade["id"] as? String
      })
    let orphanValue = try #require(orphan["value"] as? String)

    let finish = try Self.vault(f, ["openai", "rotate", "--env", "prod"])
    #expect(finish.status == 0, "\(finish.stderr)")
    #expect(
      finish.stderr.contains("deleted service account \(halfMade["id"] as? String ?? "?"), half-made"),
      "\(finish.stderr)")
    #expect(finish.stdout.contains("replaces \(oldKey), deleted at OpenAI"), "\(finish.stdout)")
    #expect(try f.stored("prod") != orphanValue)
    try Self.expectFinished(f, replacing: oldValue)
  }

  // MARK: b. killed during the verification

  @Test func killedWhileVerifyingTheNewKey() throws {
    let (f, oldKey, oldAccount, oldValue) = try Self.rotatable()
    try Self.killDuringSlowRequest(f, method: "GET", path: "/v1/models")

    let record = try #require(try Self.rotationRecord(f))
    #expect(record[4] == "stored" && record[7] == oldKey && record[8] == oldAccount)
    let newValue = try f.stored("prod")
    #expect(newValue != oldValue, "the new value is already in the vault")
    let newKey = try #require(try f.keyHolding(newValue)?["id"] as? String)
    #expect(record[9] == newKey)
    #expect(try f.keyHolding(oldValue) != nil, "the old key is still live")
    let line = try Self.pendingLine(f)
    #expect(line.contains("rotation pending (stored \(newKey); the old key \(oldKey)"), "\(line)")

    let finish = try Self.vault(f, ["openai", "rotate", "--env", "prod"])
    #expect(finish.status == 0, "\(finish.stderr)")
    #expect(finish.stderr.contains("finishing the rotation of shop/prod/OPENAI_API_KEY"))
    #expect(finish.stdout.contains("\(newKey) (v2) replaces \(oldKey)"), "\(finish.stdout)")
    #expect(try f.stored("prod") == newValue, "nothing new was made")
    try Self.expectFinished(f, replacing: oldValue)
  }

  // MARK: c. killed during the deletion of the old account

  @Test func killedWhileDeletingTheOldKey() throws {
    let (f, oldKey, oldAccount, oldValue) = try Self.rotatable()
    try Self.killDuringSlowRequest(f, method: "DELETE", path: Self.accounts + "/" + oldAccount)

    let record = try #require(try Self.rotationRecord(f))
    #expect(record[4] == "stored" && record[7] == oldKey)
    #expect(try f.keyHolding(oldValue) == nil, "the stand-in deleted it after the client died")
    _ = try Self.pendingLine(f)
    let newValue = try f.stored("prod")

    // The DELETE now answers 404: success.
    let finish = try Self.vault(f, ["openai", "rotate", "--env", "prod"])
    #expect(finish.status == 0, "\(finish.stderr)")
    #expect(finish.stdout.contains("replaces \(oldKey), deleted at OpenAI"), "\(finish.stdout)")
    let deletes = try f.api.requests().filter {
      $0["method"] as? String == "DELETE" && $0["fault"] is NSNull
    }
    #expect(deletes.map { $0["status"] as? Int } == [404], "the repeated delete found nothing")
    #expect(try f.stored("prod") == newValue)
    try Self.expectFinished(f, replacing: oldValue)
  }

  // MARK: d. the create fails

  @Test(arguments: ["drop", "500"])
  func theCreateFailsAndIsNeverRetried(_ fault: String) throws {
    let (f, oldKey, _, oldValue) = try Self.rotatable()
    try f.api.fault(
      fault == "drop"
        ? ["kind": "drop", "method": "POST", "path": Self.accounts]
        : ["kind": "status", "status": 500, "method": "POST", "path": Self.accounts])
    let failed = try Self.vault(f, ["openai", "rotate", "--env", "prod"])
    expectOneError(failed, 69, mentioning: "could not create the new key")
    #expect(failed.stderr.contains("the old key \(oldKey) is untouched"), "\(failed.stderr)")
    let posts = try f.api.requests().filter { $0["method"] as? String == "POST" }
    #expect(posts.count == 1, "the POST is never sent twice")
    #expect(try f.keyHolding(oldValue) != nil)
    #expect(try f.stored("prod") == oldValue)
    #expect(try Self.rotationRecord(f)?[4] == "started")
    let line = try Self.pendingLine(f)
    #expect(line.contains("rotation started"), "\(line)")

    let finish = try Self.vault(f, ["openai", "rotate", "--env", "prod"])
    #expect(finish.status == 0, "\(finish.stderr)")
    #expect(finish.stdout.contains("replaces \(oldKey), deleted at OpenAI"), "\(finish.stdout)")
    try Self.expectFinished(f, replacing: oldValue)
  }

  // MARK: e. the new key is refused

  @Test func theNewKeyIsRefusedAndTheOldOneStays() throws {
    let (f, oldKey, _, oldValue) = try Self.rotatable()
    try f.api.fault(["kind": "status", "status": 401, "path": "/v1/models"])
    let refused = try Self.vault(f, ["openai", "rotate", "--env", "prod"])
    expectOneError(refused, 4, mentioning: "but OpenAI did not accept it")
    #expect(refused.stderr.contains("the old key \(oldKey) stays active"), "\(refused.stderr)")
    #expect(try f.keyHolding(oldValue) != nil, "the old key is still live")
    let newValue = try f.stored("prod")
    #expect(newValue != oldValue)
    #expect(try Self.rotationRecord(f)?[4] == "stored")
    _ = try Self.pendingLine(f)

    let finish = try Self.vault(f, ["openai", "rotate", "--env", "prod"])
    #expect(finish.status == 0, "\(finish.stderr)")
    #expect(try f.stored("prod") == newValue)
    try Self.expectFinished(f, replacing: oldValue)
  }
}

/// A `vault` process started in the background, to be killed mid-way.
final class Running: @unchecked Sendable {
  let process = Process()
  let out = Pipe()
  let err = Pipe()

  init(_ box: Sandbox, _ args: [String]) throws {
    process.executableURL = URL(fileURLWithPath: Sandbox.binary)
    process.arguments = args
    process.environment = box.baseEnvironment()
    process.currentDirectoryURL = box.workDirectory
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
  }

  var exited: Bool { !process.isRunning }

  /// SIGKILL (vault-net took over vault's process: the same pid), then what it printed.
  func kill() -> RunResult {
    Glibc.kill(process.processIdentifier, SIGKILL)
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return RunResult(
      status: process.terminationStatus,
      stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self),
      signaled: process.terminationReason == .uncaughtSignal, stdoutBytes: outData)
  }
}
