import Foundation
import Testing

/// An Admin API key (`sk-admin-`) manages the whole organization: `exec` injects one only
/// when asked for it by name, and never as an app's `OPENAI_API_KEY` without
/// `--allow-admin-key` (README, "OpenAI keys").
@Suite struct AdminKeyExecTests {
  let admin = "sk-admin-" + String(repeating: "Q7w8E9r0T1", count: 6) + "T3BlbkFJ"
    + String(repeating: "m3N4", count: 8) + "adm1"
  let printBoth = ["/bin/sh", "-c", "printf '%s|%s' \"$OPENAI_API_KEY\" \"${OPENAI_ADMIN_KEY-unset}\""]

  @Test func anAdminKeyIsInjectedOnlyWhenNamed() throws {
    let box = try Sandbox()
    try box.initVault()
    let key = fakeKey("app1")
    try box.set(key, env: "prod")
    try box.set(admin, env: "prod", name: "OPENAI_ADMIN_KEY")

    let all = try box.run(["exec", "--env", "prod", "--"] + printBoth)
    #expect(all.status == 0, "\(all.stderr)")
    #expect(all.stdout == key + "|unset")
    #expect(all.stderr.contains("shop/prod/OPENAI_ADMIN_KEY is an Admin API key"), "\(all.stderr)")
    #expect(all.stderr.contains("--only OPENAI_ADMIN_KEY"))
    expectNoLeak(admin, in: all)

    let named = try box.run(
      ["exec", "--env", "prod", "--only", "OPENAI_ADMIN_KEY", "--"] + printBoth)
    #expect(named.stdout == "|" + admin, "\(named.stderr)")
    #expect(named.stderr == "")
    let mapped = try box.run(
      ["exec", "--env", "prod", "--map", "ADMIN=OPENAI_ADMIN_KEY", "--", "/bin/sh", "-c",
       "printf %s \"$ADMIN\""])
    #expect(mapped.stdout == admin, "\(mapped.stderr)")
    // The access log records what was handed out: never the withheld admin key.
    let log = try box.run(["log", "--json"])
    #expect(!log.stdout.contains(admin))
    #expect(log.stdout.components(separatedBy: "OPENAI_ADMIN_KEY").count - 1 == 2)
  }

  @Test func anAdminKeyIsNeverAnAppsKeyUnlessAllowed() throws {
    let box = try Sandbox()
    try box.initVault()
    // `set` stores it with a warning (it is the user's vault); exec is where it would leak.
    let stored = try box.run(["set", "--env", "prod"], stdin: admin)
    #expect(stored.status == 0 && stored.stderr.contains("OPENAI_ADMIN_KEY"), "\(stored.stderr)")
    for extra in [[], ["--only", "OPENAI_API_KEY"]] {
      let refused = try box.run(["exec", "--env", "prod"] + extra + ["--"] + printBoth)
      expectOneError(refused, 64, mentioning: "shop/prod/OPENAI_API_KEY holds an Admin API key")
      expectNoLeak(admin, in: refused)
    }
    // Mapped onto OPENAI_API_KEY from another name: the same refusal.
    try box.set(admin, env: "dev", name: "OPENAI_ADMIN_KEY")
    let mapped = try box.run(
      ["exec", "--env", "dev", "--map", "OPENAI_API_KEY=OPENAI_ADMIN_KEY", "--"] + printBoth)
    expectOneError(mapped, 64, mentioning: "Admin API key")
    // Nothing but admin keys, none named: refused, naming the flag that asks for one.
    let only = try box.run(["exec", "--env", "dev", "--"] + printBoth)
    expectOneError(only, 64, mentioning: "--only OPENAI_ADMIN_KEY")

    let allowed = try box.run(["exec", "--env", "prod", "--allow-admin-key", "--"] + printBoth)
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(allowed.stdout == admin + "|unset")
    // The same flag through ArgumentParser (the `run` alias with `--flag=value` forms).
    let slow = try box.run(
      ["run", "--allow-admin-key", "--env=prod", "--cache-ttl", "1m", "--"] + printBoth)
    #expect(slow.stdout == admin + "|unset", "\(slow.stderr)")
  }
}
