import Foundation
import Testing

/// The local access log (README, "Access log"): one JSON line per entry that `exec`, `get` or
/// `export` hands out; never a value; 0600; capped; turned off only by the user's own config.
@Suite struct AccessLogTests {
  func logPath(_ box: Sandbox) -> String { box.home.path + "/.local/state/vault/access.log" }

  func records(_ box: Sandbox, _ file: String? = nil) throws -> [[String: Any]] {
    let text = try String(contentsOfFile: file ?? logPath(box), encoding: .utf8)
    return try outputLines(text).map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
  }

  @Test func execGetAndExportAreRecordedWithoutValues() throws {
    let box = try Sandbox()
    try box.initVault()
    let key = fakeKey("log1")
    let org = "org-Secretive0rgId99"
    try box.set(key, env: "prod")
    try box.set(org, env: "prod", name: "OPENAI_ORG_ID")
    // set, list and status hand out nothing.
    #expect(!FileManager.default.fileExists(atPath: logPath(box)))

    let run = try box.run(["exec", "--env", "prod", "--", "/bin/sh", "-c", "true"])
    #expect(run.status == 0, "\(run.stderr)")
    let get = try box.run(["get", "--env", "prod"])
    #expect(get.stdout == key + "\n")
    let export = try box.run(["export", "--env", "prod"])
    #expect(export.status == 0, "\(export.stderr)")

    let raw = try String(contentsOfFile: logPath(box), encoding: .utf8)
    #expect(!raw.contains(key) && !raw.contains(org) && !raw.contains("T3BlbkFJ"))
    let all = try records(box)
    #expect(all.count == 5, "\(raw)")
    #expect(all.map { $0["command"] as? String } == ["exec", "exec", "get", "export", "export"])
    #expect(all[0]["program"] as? String == "sh")
    #expect(all[2]["program"] is NSNull)
    #expect(all[2]["name"] as? String == "OPENAI_API_KEY")
    #expect(all[2]["project"] as? String == "shop" && all[2]["environment"] as? String == "prod")
    #expect(all[2]["version"] as? Int == 1)
    #expect(all[2]["terminal"] as? Bool == false)
    let attributes = try FileManager.default.attributesOfItem(atPath: logPath(box))
    #expect((attributes[.posixPermissions] as? Int) == 0o600)

    let shown = try box.run(["log"])
    #expect(shown.status == 0, "\(shown.stderr)")
    let lines = outputLines(shown.stdout)
    #expect(lines.count == 5)
    #expect(lines[0].contains("exec") && lines[0].contains("shop/prod/") && lines[0].hasSuffix("sh"))
    #expect(lines[2].contains("get") && lines[2].contains("shop/prod/OPENAI_API_KEY v1"))
    expectNoLeak(key, in: shown)
    let json = try box.run(["log", "--json", "--env", "prod", "--project", "shop"])
    let array = try #require(
      JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    #expect(array.count == 5)
    #expect(try box.run(["log", "--env", "dev"]).stdout == "")
    expectOneError(try box.run(["log", "--env", "Prod"]), 64)
  }

  @Test func onlyTheUsersOwnConfigTurnsItOff() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("off1"), env: "dev")
    let config = box.home.path + "/.config/vault/config"
    try box.writeFile(config, Data("# no log on this machine\naccess-log off\n".utf8))
    #expect(try box.run(["exec", "--", "true"]).status == 0)
    #expect(!FileManager.default.fileExists(atPath: logPath(box)))
    let off = try box.run(["log"])
    #expect(off.status == 0 && off.stderr.contains("access log is off"), "\(off.stderr)")

    // A typo is not silently "off" or "on": exec still runs (the log must not stop a
    // deployment) and says so; `vault log` refuses the file with its line.
    try box.writeFile(config, Data("access-log of\n".utf8))
    let typo = try box.run(["exec", "--", "true"])
    #expect(typo.status == 0)
    #expect(typo.stderr.contains("access log was not written") && typo.stderr.contains("config:1"))
    expectOneError(try box.run(["log"]), 64, mentioning: "config:1")

    // Nothing a repository controls reaches the switch: a vault beside the code, a .vault
    // directory's files and VAULT_* variables leave it on.
    try FileManager.default.removeItem(atPath: config)
    let repo = box.workDirectory.path
    try box.writeFile(repo + "/config", Data("access-log off\n".utf8))
    let run = try box.run(
      ["exec", "--", "true"], env: ["VAULT_ACCESS_LOG": "off", "VAULT_CONFIG": repo + "/config"])
    #expect(run.status == 0)
    #expect(try records(box).count == 1)
  }

  @Test func theLogMovesAsideAtOneMebibyte() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("rot1"), env: "dev")
    #expect(try box.run(["exec", "--", "true"]).status == 0)
    let line = try String(contentsOfFile: logPath(box), encoding: .utf8)
    let filler = String(repeating: line, count: (1 << 20) / line.utf8.count + 1)
    try box.writeFile(logPath(box), Data(filler.utf8))
    #expect(try box.run(["exec", "--", "true"]).status == 0)
    #expect(try records(box).count == 1)
    #expect(try records(box, logPath(box) + ".1").count == filler.utf8.count / line.utf8.count)
    let shown = try box.run(["log", "--json"])
    let array = try #require(
      JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [[String: Any]])
    #expect(array.count == filler.utf8.count / line.utf8.count + 1)
  }

  @Test func aSymlinkedLogIsNotFollowed() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("sym1"), env: "dev")
    let target = box.root.appendingPathComponent("elsewhere").path
    try box.writeFile(target, Data())
    try FileManager.default.createDirectory(
      atPath: box.home.path + "/.local/state/vault", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: logPath(box), withDestinationPath: target)
    let run = try box.run(["exec", "--", "true"])
    #expect(run.status == 0)
    #expect(run.stderr.contains("access log was not written"), "\(run.stderr)")
    #expect(try box.readFile(target).isEmpty)
  }
}

extension AccessLogTests {
  @Test func aKeyPastedAsAFilterIsNotEchoed() throws {
    let box = try Sandbox()
    let key = fakeKey("pst1")
    let result = try box.run(["log", "--project", key])
    expectOneError(result, 64)
    expectNoLeak(key, in: result)
  }
}
