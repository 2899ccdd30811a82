import Foundation
import Testing

/// `vault status` says what needs action (issue 9): values older than the policy, the same
/// value in two environments, an Admin API key stored as OPENAI_API_KEY. Never a value.
@Suite struct StatusChecksTests {
  func line(_ text: String, _ prefix: String) -> String? {
    outputLines(text).first { $0.hasPrefix(prefix) }
  }

  @Test func valuesOlderThanThePolicyAreNamed() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("age1"), env: "prod")
    #expect(line(try box.run(["status"]).stdout, "old:") == nil)
    // Stored a second ago: older than 0 days.
    Thread.sleep(forTimeInterval: 1.2)
    let strict = try box.run(["status", "--max-age", "0"])
    let old = try #require(line(strict.stdout, "old:"), "\(strict.stdout)")
    #expect(old.contains("shop/prod/OPENAI_API_KEY (v1, 0 days)"), "\(old)")
    #expect(old.hasSuffix("older than 0 days; rotate"))
    // The policy from the user's config; the flag wins over it.
    let config = box.home.path + "/.config/vault/config"
    try box.writeFile(config, Data("max-age 0\naccess-log on\n".utf8))
    #expect(line(try box.run(["status"]).stdout, "old:") != nil)
    #expect(line(try box.run(["status", "--max-age", "30"]).stdout, "old:") == nil)
    for bad in ["-1", "36501", "ninety"] {
      expectOneError(try box.run(["status", "--max-age", bad]), 64)
    }
    try box.writeFile(config, Data("max-age 90 days\n".utf8))
    expectOneError(try box.run(["status"]), 64, mentioning: "config:1")
  }

  @Test func theSameValueInTwoEnvironmentsAndAnAdminKeyAreNamed() throws {
    let box = try Sandbox()
    try box.initVault()
    let shared = fakeKey("same")
    try box.set(shared, env: "dev")
    try box.set(fakeKey("stg1"), env: "staging")
    try box.set(shared, env: "prod")
    let admin = "sk-admin-" + String(repeating: "Q7w8E9r0T1", count: 6) + "T3BlbkFJ"
      + String(repeating: "m3N4", count: 8) + "adm2"
    try box.run(["set", "--project", "api", "--env", "prod"], stdin: admin)
    let status = try box.run(["status"])
    #expect(status.status == 0, "\(status.stderr)")
    let same = try #require(line(status.stdout, "same:"), "\(status.stdout)")
    #expect(same.contains("shop/dev/OPENAI_API_KEY = shop/prod/OPENAI_API_KEY"), "\(same)")
    #expect(!same.contains("staging"))
    let adminLine = try #require(line(status.stdout, "admin:"), "\(status.stdout)")
    #expect(adminLine.contains("api/prod/OPENAI_API_KEY holds an Admin API key"))
    expectNoLeak(shared, in: status)
    expectNoLeak(admin, in: status)

    // Distinct values: nothing to say.
    try box.set(fakeKey("prd2"), env: "prod")
    #expect(line(try box.run(["status"]).stdout, "same:") == nil)
  }

  @Test func aLockedIdentityIsNotPromptedForUnlessAsked() throws {
    let box = try Sandbox()
    let pass = try box.writeSandboxFile("pass", "correct horse battery staple")
    #expect(try box.run(["init", "--passphrase-file", pass]).status == 0)
    let shared = fakeKey("lck1")
    for env in ["dev", "prod"] {
      let set = try box.run(["set", "--env", env, "--no-cache", "--passphrase-file", pass], stdin: shared)
      #expect(set.status == 0, "\(set.stderr)")
    }
    #expect(try box.run(["lock"]).status == 0)
    // No terminal, nothing cached: status does not ask, and says what was not compared.
    let locked = try box.run(["status"])
    #expect(locked.status == 0, "\(locked.stderr)")
    #expect(line(locked.stdout, "values:")?.contains("not compared (locked)") == true, "\(locked.stdout)")
    #expect(line(locked.stdout, "same:") == nil)
    let asked = try box.run(["status", "--values", "--no-cache", "--passphrase-file", pass])
    #expect(asked.status == 0, "\(asked.stderr)")
    #expect(line(asked.stdout, "same:")?.contains("shop/dev/OPENAI_API_KEY") == true, "\(asked.stdout)")
    expectNoLeak(shared, in: asked)
  }

  /// A record of the access log, as `vault` writes it.
  func logRecord(_ time: String, _ environment: String, _ name: String, project: String = "shop")
    -> String
  {
    "{\"time\":\"\(time)\",\"command\":\"get\",\"project\":\"\(project)\","
      + "\"environment\":\"\(environment)\",\"name\":\"\(name)\",\"version\":1,"
      + "\"program\":null,\"terminal\":false}\n"
  }

  @Test func entriesThisMachineHasNotUsedAreNamed() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("dev1"), env: "dev")
    try box.set(fakeKey("prd1"), env: "prod")
    try box.set(fakeKey("oth1"), env: "dev", name: "OTHER_KEY")
    let admin = "sk-admin-" + String(repeating: "Q7w8E9r0T1", count: 6) + "T3BlbkFJ"
      + String(repeating: "m3N4", count: 8) + "adm3"
    try box.set(admin, env: "prod", name: "OPENAI_ADMIN_KEY")
    try box.run(["set", "--project", "api", "--env", "prod"], stdin: fakeKey("api1"))
    // This machine last used shop/dev/OPENAI_API_KEY, the Admin key (which `vault openai`
    // reads without a record) and api/prod/OPENAI_API_KEY (another project) in 2020.
    let state = box.home.path + "/.local/state/vault"
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    try box.writeFile(
      state + "/access.log",
      Data(
        (logRecord("2020-01-01T00:00:00Z", "dev", "OPENAI_API_KEY")
          + logRecord("2020-01-01T00:00:00Z", "prod", "OPENAI_ADMIN_KEY")
          + logRecord("2020-01-01T00:00:00Z", "prod", "OPENAI_API_KEY", project: "api")).utf8))
    // shop/prod/OPENAI_API_KEY is used now; OTHER_KEY has no record and was stored now.
    #expect(try box.run(["get", "--env", "prod"]).status == 0)

    let status = try box.run(["status"])
    #expect(status.status == 0, "\(status.stderr)")
    let unused = try #require(line(status.stdout, "unused:"), "\(status.stdout)")
    #expect(unused.hasPrefix("unused:   shop/dev/OPENAI_API_KEY (last used "), "\(unused)")
    #expect(unused.contains(" days ago)"), "\(unused)")
    #expect(!unused.contains("shop/prod"), "used now: \(unused)")
    #expect(!unused.contains("OTHER_KEY"), "stored now: \(unused)")
    #expect(!unused.contains("OPENAI_ADMIN_KEY"), "\(unused)")
    #expect(!unused.contains("api/"), "another project: \(unused)")
    #expect(unused.contains("this machine's access log"), "\(unused)")
    expectNoLeak(fakeKey("dev1"), in: status)

    // The threshold: --unused-days, else `unused-days DAYS` in the config, else 30.
    #expect(line(try box.run(["status", "--unused-days", "36500"]).stdout, "unused:") == nil)
    let config = box.home.path + "/.config/vault/config"
    try box.writeFile(config, Data("unused-days 36500\n".utf8))
    #expect(line(try box.run(["status"]).stdout, "unused:") == nil)
    #expect(line(try box.run(["status", "--unused-days", "30"]).stdout, "unused:") != nil)
    for bad in ["-1", "36501", "thirty"] {
      expectOneError(try box.run(["status", "--unused-days", bad]), 64)
    }
    try box.writeFile(config, Data("unused-days 30 days\n".utf8))
    expectOneError(try box.run(["status"]), 64, mentioning: "config:1")

    // Without a record, the current version's creation: stored a second ago is older than
    // 0 days.
    try box.writeFile(config, Data("unused-days 0\n".utf8))
    Thread.sleep(forTimeInterval: 1.2)
    let strict = try #require(line(try box.run(["status"]).stdout, "unused:"))
    #expect(strict.contains("shop/dev/OTHER_KEY (not used since stored 0 days ago)"), "\(strict)")
    // The log off: nothing to go by, nothing said.
    try box.writeFile(config, Data("unused-days 0\naccess-log off\n".utf8))
    #expect(line(try box.run(["status"]).stdout, "unused:") == nil)
  }
}
