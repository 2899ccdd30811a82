import Foundation
import Testing

/// `vault openai …` end to end: the built binary (which executes vault-net) against the
/// stand-in of OpenAI's API on loopback, one per test (issue 9).
@Suite struct OpenAITests {
  /// alice's personal vault with the Admin key in prod, and a stand-in whose project proj_abc
  /// has the service account deploy-bot with one key, key_bot.
  struct Fixture {
    let box: Sandbox
    let api: StandIn
    let admin = openAIShaped("sk-admin-", "a")
    let botValue = openAIShaped("sk-svcacct-", "b")

    init(adminPermission: String = "write") throws {
      box = try Sandbox()
      api = try StandIn()
      try api.seed(Self.state(admin: admin, bot: botValue, permission: adminPermission))
      box.environment["VAULT_OPENAI_BASE_URL"] = api.baseURL
      try box.initVault()
      try box.set(admin, env: "prod", name: "OPENAI_ADMIN_KEY")
    }

    static func state(admin: String, bot: String, permission: String) -> [String: Any] {
      [
        "admin_keys": [["id": "key_admin", "value": admin, "permission": permission]],
        "users": [["id": "user-alice", "name": "Alice", "email": "alice@example.com"]],
        "projects": [
          [
            "id": "proj_abc", "name": "App", "users": [["id": "user-alice", "role": "owner"]],
            "service_accounts": [["id": "svc_acct_bot", "name": "deploy-bot"]],
            "api_keys": [
              [
                "id": "key_bot", "value": bot,
                "owner": ["type": "service_account", "id": "svc_acct_bot"],
              ]
            ],
          ]
        ],
      ]
    }

    /// Runs vault and checks that neither the Admin key nor any key the stand-in holds
    /// reached stdout or stderr.
    @discardableResult
    func vault(
      _ args: [String], stdin: String? = nil, env: [String: String] = [:],
      sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> RunResult {
      let result = try box.run(args, stdin: stdin, env: env)
      expectNoLeak(admin, in: result, sourceLocation: sourceLocation)
      for key in try api.liveKeys("proj_abc") {
        if let value = key["value"] as? String {
          expectNoLeak(value, in: result, stdoutAllowed: args.first == "get", sourceLocation: sourceLocation)
        }
      }
      return result
    }

    /// The value `vault get` prints for `name` in `env`.
    func stored(_ env: String, _ name: String = "OPENAI_API_KEY") throws -> String {
      let result = try box.run(["get", "--env", env, name])
      #expect(result.status == 0, "get: \(result.stderr)")
      return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// The stand-in's key whose value is `value`.
    func keyHolding(_ value: String) throws -> [String: Any]? {
      try api.liveKeys("proj_abc").first { $0["value"] as? String == value }
    }
  }

  // MARK: create-key

  @Test func createKeyStoresTheNewKeyAndNeverPrintsIt() throws {
    let f = try Fixture()
    let result = try f.vault([
      "openai", "create-key", "--env", "prod", "--openai-project", "proj_abc",
      "--service-account", "deploy-bot",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasPrefix("created key_"))
    #expect(result.stdout.contains("stored as shop/prod/OPENAI_API_KEY v1; the value is not shown"))
    let value = try f.stored("prod")
    let key = try #require(try f.keyHolding(value), "the stored value is the key OpenAI made")
    // Reused: the account existed, so the key was added to it.
    #expect((key["owner"] as? [String: Any])?["id"] as? String == "svc_acct_bot")
    #expect(try f.api.accounts("proj_abc").count == 1)
    let history = try f.vault(["history", "--env", "prod", "OPENAI_API_KEY"])
    #expect(history.stdout.contains(key["id"] as? String ?? "?"), "history shows the key id")
  }

  @Test func createKeyMakesAScopedAccountWithoutAnUnscopedKey() throws {
    let f = try Fixture()
    let result = try f.vault([
      "openai", "create-key", "--env", "prod", "--openai-project", "proj_abc",
      "--service-account", "batch-bot", "--scopes", "api.responses.write,api.model.read",
      "--name", "OPENAI_API_KEY_BATCH",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("for service account batch-bot (new)"))
    let account = try #require(try f.api.accounts("proj_abc").first { $0["name"] as? String == "batch-bot" })
    let keys = try f.api.liveKeys("proj_abc").filter {
      ($0["owner"] as? [String: Any])?["id"] as? String == account["id"] as? String
    }
    #expect(keys.count == 1, "one key on the new account: no unscoped default key")
    #expect(keys.first?["scopes"] as? [String] == ["api.model.read", "api.responses.write"])
    #expect(keys.first?["value"] as? String == (try f.stored("prod", "OPENAI_API_KEY_BATCH")))
  }

  @Test func createKeyRefusesBadInputBeforeAnyRequest() throws {
    let f = try Fixture()
    let cases: [([String], Int32)] = [
      (["--openai-project", "proj abc", "--service-account", "bot"], 64),
      (["--openai-project", "proj_abc", "--service-account", "bot", "--scopes", "API.BAD"], 64),
      (["--openai-project", "proj_abc", "--service-account", openAIShaped("sk-proj-", "q")], 64),
      (["--openai-project", "proj_abc", "--service-account", ""], 64),
    ]
    for (args, code) in cases {
      let result = try f.vault(["openai", "create-key", "--env", "prod"] + args)
      expectOneError(result, code)
      #expect(!result.stderr.contains("qqqqqqqq"), "a key-shaped argument is not echoed")
    }
    #expect(try f.api.requests().isEmpty)
  }

  @Test func createKeyWithoutWriteAccessMakesNoKey() throws {
    let f = try Fixture()
    let result = try f.vault([
      "openai", "create-key", "--env", "nosuchenv", "--admin-env", "prod",
      "--openai-project", "proj_abc", "--service-account", "deploy-bot",
    ])
    #expect(result.status != 0)
    #expect(try f.api.liveKeys("proj_abc").count == 1, "no key was made")
  }

  // MARK: link

  @Test func linkFindsTheKeyByItsRedactedForm() throws {
    let f = try Fixture()
    try f.box.set(f.botValue, env: "prod")
    let result = try f.vault(["openai", "link", "--env", "prod", "--openai-project", "proj_abc"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout
        == "linked shop/prod/OPENAI_API_KEY v1 to key_bot (service account deploy-bot) in proj_abc\n")
    let check = try f.vault(["openai", "check", "--env", "prod"])
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    #expect(!check.stdout.contains("unknown: proj_abc has key_bot"), "the linked key is not unknown")
  }

  @Test func linkRefusesAmbiguousMissingAndMismatchedKeys() throws {
    let f = try Fixture()
    // A key elsewhere whose redacted form matches too (same head and tail).
    try f.api.config(["redaction": ["head": 3, "tail": 2]])
    try f.box.set(f.botValue, env: "prod")
    _ = try f.api.addKey(
      project: "proj_abc",
      ["id": "key_twin", "value": "sk-" + String(repeating: "x", count: 100) + "bb",
       "owner": ["type": "user", "id": "user-alice"]])
    let ambiguous = try f.vault(["openai", "link", "--env", "prod", "--openai-project", "proj_abc"])
    expectOneError(ambiguous, 1, mentioning: "2 keys of proj_abc match shop/prod/OPENAI_API_KEY")
    let chosen = try f.vault([
      "openai", "link", "--env", "prod", "--openai-project", "proj_abc", "--key-id", "key_bot",
    ])
    #expect(chosen.status == 0, "\(chosen.stderr)")
    let mismatch = try f.vault([
      "openai", "link", "--env", "prod", "--openai-project", "proj_abc", "--key-id", "key_admin",
    ])
    expectOneError(mismatch, 2, mentioning: "OpenAI has no key key_admin in project proj_abc")
    try f.box.set(openAIShaped("sk-proj-", "n"), env: "dev")
    let none = try f.vault([
      "openai", "link", "--env", "dev", "--admin-env", "prod", "--openai-project", "proj_abc",
    ])
    expectOneError(none, 2, mentioning: "no key of project proj_abc has the redacted form")
  }

  // MARK: check

  @Test func checkReportsDeletedInactiveUnusedAndUnknownKeys() throws {
    let f = try Fixture()
    try f.box.set(f.botValue, env: "prod")
    try f.vault(["openai", "link", "--env", "prod", "--openai-project", "proj_abc"])
    let other = try f.api.addKey(
      project: "proj_abc", ["id": "key_other", "owner": ["type": "user", "id": "user-alice"]])
    // Only an unknown key: listed, exit 0.
    let unknown = try f.vault(["openai", "check"])
    #expect(unknown.status == 0, "\(unknown.stderr)")
    #expect(unknown.stdout.contains("unknown: proj_abc has key_other"))
    #expect(!unknown.stdout.contains(other.value))
    // Unused for 40 days: exit 1.
    let old = Int(Date().timeIntervalSince1970) - 40 * 86_400
    try f.api.patchKey("key_bot", ["last_used_at": old, "created_at": old - 86_400])
    let unused = try f.vault(["openai", "check", "--json"])
    #expect(unused.status == 1)
    let findings = try #require(
      try JSONSerialization.jsonObject(with: unused.stdoutBytes) as? [[String: Any]])
    #expect(findings.contains { $0["finding"] as? String == "unused" && $0["key_id"] as? String == "key_bot" })
    #expect(findings.contains { $0["finding"] as? String == "unknown" && $0["key_id"] as? String == "key_other" })
    #expect(try f.vault(["openai", "check", "--unused-days", "60"]).status == 0)
    // Deleted at OpenAI behind vault's back: exit 1.
    try f.api.patchKey("key_bot", ["deleted": true])
    let deleted = try f.vault(["openai", "check"])
    #expect(deleted.status == 1)
    #expect(deleted.stdout.contains("deleted: shop/prod/OPENAI_API_KEY holds key_bot, which OpenAI no longer has"))
  }

  @Test func checkSaysWhoDeletedAKeyWhenTheAuditLogKnows() throws {
    let f = try Fixture()
    let alice = try f.api.addKey(
      project: "proj_abc", ["id": "key_alice", "owner": ["type": "user", "id": "user-alice"]])
    try f.box.set(alice.value, env: "prod")
    try f.vault(["openai", "link", "--env", "prod", "--openai-project", "proj_abc"])
    // Deleted through the Admin API, as the dashboard would: the audit log records it.
    _ = try f.api.api("DELETE", "/v1/organization/projects/proj_abc/api_keys/key_alice", bearer: f.admin)
    let check = try f.vault(["openai", "check"])
    #expect(check.status == 1)
    #expect(
      check.stdout.contains(
        "deleted: shop/prod/OPENAI_API_KEY holds key_alice, which OpenAI no longer has in proj_abc (deleted 20"),
      "\(check.stdout)")
    #expect(check.stdout.contains(" by admin@example.com)"), "\(check.stdout)")
    let asked = try f.api.requests().filter { $0["path"] as? String == "/v1/organization/audit_logs" }
    #expect(asked.count == 1)
  }

  @Test func checkReportsAnOwnerWithoutProjectAccess() throws {
    let f = try Fixture()
    let alice = try f.api.addKey(
      project: "proj_abc", ["id": "key_alice", "owner": ["type": "user", "id": "user-alice"]])
    try f.box.set(alice.value, env: "dev")
    let link = try f.vault([
      "openai", "link", "--env", "dev", "--admin-env", "prod", "--openai-project", "proj_abc",
    ])
    #expect(link.status == 0, "\(link.stderr)")
    _ = try f.api.control("DELETE", "/_standin/projects/proj_abc/users/user-alice", nil)
    let check = try f.vault(["openai", "check", "--admin-env", "prod"])
    #expect(check.status == 1)
    #expect(check.stdout.contains("owner-inactive: shop/dev/OPENAI_API_KEY holds key_alice, whose owner Alice"))
  }

  // MARK: rotate

  @Test func rotateCreatesStoresVerifiesAndDeletesTheOldAccount() throws {
    let f = try Fixture()
    try f.vault([
      "openai", "create-key", "--env", "prod", "--openai-project", "proj_abc",
      "--service-account", "ci-bot", "--scopes", "api.model.read",
    ])
    let first = try f.stored("prod")
    let firstKey = try #require(try f.keyHolding(first))
    let result = try f.vault(["openai", "rotate", "--env", "prod"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("replaces \(firstKey["id"] as? String ?? "?"), deleted at OpenAI"))
    let second = try f.stored("prod")
    #expect(second != first)
    let secondKey = try #require(try f.keyHolding(second), "the new key is live at OpenAI")
    #expect(try f.keyHolding(first) == nil, "the old key is gone")
    #expect(secondKey["scopes"] as? [String] == ["api.model.read"], "the recorded scopes")
    // Verified with one call made with the new key.
    let verified = try f.api.requests().filter {
      $0["path"] as? String == "/v1/models"
        && ($0["auth"] as? [String: Any])?["key_id"] as? String == secondKey["id"] as? String
    }
    #expect(verified.count == 1)
    let status = try f.vault(["status"])
    #expect(!status.stdout.contains("rotation pending"))
    // The old version stays in the history, for the record.
    #expect(try f.vault(["get", "--env", "prod", "--at-version", "1"]).stdout.contains(first))
  }

  @Test func rotateOfAnUnlinkedOrUserKeyIsRefused() throws {
    let f = try Fixture()
    try f.box.set(openAIShaped("sk-proj-", "u"), env: "prod")
    expectOneError(try f.vault(["openai", "rotate", "--env", "prod"]), 2, mentioning: "is not linked")
    let alice = try f.api.addKey(
      project: "proj_abc", ["id": "key_alice", "owner": ["type": "user", "id": "user-alice"]])
    try f.box.set(alice.value, env: "prod")
    try f.vault(["openai", "link", "--env", "prod", "--openai-project", "proj_abc"])
    expectOneError(
      try f.vault(["openai", "rotate", "--env", "prod"]), 1, mentioning: "holds a user's key (key_alice)")
    #expect(try f.api.accounts("proj_abc").count == 1, "nothing was created")
  }

  @Test func rotateWaitsForAManualDeletionWhenTheOldAccountHoldsOtherKeys() throws {
    let f = try Fixture()
    // The shared account deploy-bot holds key_bot; the vault's key is added to it.
    try f.vault([
      "openai", "create-key", "--env", "prod", "--openai-project", "proj_abc",
      "--service-account", "deploy-bot",
    ])
    let old = try #require(try f.keyHolding(try f.stored("prod"))?["id"] as? String)
    let rotate = try f.vault(["openai", "rotate", "--env", "prod"])
    expectOneError(rotate, 1, mentioning: "cannot delete the old key \(old) alone")
    #expect(rotate.stderr.contains("delete \(old) in OpenAI's dashboard"))
    #expect(try f.keyHolding(try f.stored("prod")) != nil, "the new key is stored and live")
    #expect(try f.api.liveKeys("proj_abc").contains { $0["id"] as? String == "key_bot" }, "key_bot untouched")
    let status = try f.vault(["status"])
    #expect(status.stdout.contains("rotation") && status.stdout.contains(old), "\(status.stdout)")
    // Still there: rotate says so again. Deleted by hand: rotate finishes.
    expectOneError(try f.vault(["openai", "rotate", "--env", "prod"]), 1, mentioning: old)
    try f.api.patchKey(old, ["deleted": true])
    let finish = try f.vault(["openai", "rotate", "--env", "prod"])
    #expect(finish.status == 0, "\(finish.stderr)")
    #expect(finish.stdout.contains("\(old) is gone at OpenAI; the rotation is finished"))
  }

  // MARK: Bad input and a misbehaving API

  @Test func adminKeyMissingRevokedOrReadOnly() throws {
    let f = try Fixture()
    let missing = try f.vault(["openai", "check", "--env", "dev", "--openai-project", "proj_abc"])
    expectOneError(missing, 2, mentioning: "no Admin key: shop/dev/OPENAI_ADMIN_KEY does not exist")
    try f.api.patchKey("key_admin", ["deleted": true])
    let revoked = try f.vault(["openai", "check", "--env", "prod", "--openai-project", "proj_abc"])
    expectOneError(revoked, 4, mentioning: "OpenAI refused the key (401 invalid_api_key")
    let readOnly = try Fixture(adminPermission: "read")
    let denied = try readOnly.vault([
      "openai", "create-key", "--env", "prod", "--openai-project", "proj_abc",
      "--service-account", "new-bot",
    ])
    expectOneError(denied, 4, mentioning: "may not POST")
    // A project key stored as the Admin key is refused before any request.
    try f.box.set(openAIShaped("sk-proj-", "p"), env: "staging", name: "OPENAI_ADMIN_KEY")
    let notAdmin = try f.vault(["openai", "check", "--env", "staging", "--openai-project", "proj_abc"])
    expectOneError(notAdmin, 1, mentioning: "is not an Admin key")
  }

  @Test func aProjectIdTypoIsNotFound() throws {
    let f = try Fixture()
    let result = try f.vault(["openai", "check", "--env", "prod", "--openai-project", "proj_abd"])
    expectOneError(result, 2, mentioning: "OpenAI has no project proj_abd (404)")
  }

  @Test func networkDownSlowAnswersAndMalformedJSON() throws {
    let f = try Fixture()
    // Nothing listens on port 9 of loopback.
    let down = try f.vault(
      ["openai", "check", "--env", "prod", "--openai-project", "proj_abc"],
      env: ["VAULT_OPENAI_BASE_URL": "http://127.0.0.1:9/v1"])
    expectOneError(down, 69, mentioning: "cannot reach OpenAI at http://127.0.0.1:9/v1")
    try f.api.fault(["kind": "slow", "delay": 3, "count": 4, "path": "/v1/organization"])
    let slow = try f.vault([
      "openai", "check", "--env", "prod", "--openai-project", "proj_abc", "--timeout", "0.5",
    ])
    expectOneError(slow, 69, mentioning: "no answer within")
    _ = try f.api.control("DELETE", "/_standin/fault", nil)
    try f.api.fault(["kind": "malformed", "path": "/v1/organization"])
    let malformed = try f.vault(["openai", "check", "--env", "prod", "--openai-project", "proj_abc"])
    expectOneError(malformed, 69, mentioning: "is not what its API documents")
  }

  @Test func retriesHonourRetryAfterAndGiveUpAfterFourAttempts() throws {
    let f = try Fixture()
    try f.api.fault(["kind": "status", "status": 429, "retry_after": 1, "count": 2])
    let retried = try f.vault(["openai", "check", "--env", "prod", "--openai-project", "proj_abc"])
    #expect(retried.status == 0, "\(retried.stderr)")
    let attempts = try f.api.requests().filter { ($0["path"] as? String ?? "").hasSuffix("/api_keys") }
    #expect(attempts.count == 3, "two 429s, then the answer")
    if attempts.count == 3, let first = attempts[0]["started"] as? Double,
      let second = attempts[1]["started"] as? Double
    {
      #expect(second - first >= 0.9, "waited for retry-after")
    }
    try f.api.fault(["kind": "status", "status": 503, "count": 10])
    let failing = try f.vault(["openai", "check", "--env", "prod", "--openai-project", "proj_abc"])
    expectOneError(failing, 69, mentioning: "OpenAI answered 503 to GET")
    _ = try f.api.control("DELETE", "/_standin/fault", nil)
    try f.api.fault(["kind": "status", "status": 429, "retry_after": 3600, "count": 1])
    let later = try f.vault(["openai", "check", "--env", "prod", "--openai-project", "proj_abc"])
    expectOneError(later, 69, mentioning: "it asks to retry after 3600 s")
  }

  @Test func theBaseURLNeverComesFromTheVault() throws {
    let f = try Fixture()
    // A stored OPENAI_BASE_URL that points at the stand-in is not used for the Admin key.
    try f.box.set(f.api.baseURL, env: "prod", name: "OPENAI_BASE_URL")
    let result = try f.vault(
      ["openai", "check", "--env", "prod", "--openai-project", "proj_abc"],
      env: ["VAULT_OPENAI_BASE_URL": "http://127.0.0.1:9/v1"])
    expectOneError(result, 69)
    #expect(try f.api.requests().isEmpty, "nothing reached the address stored in the vault")
    // --base-url wins over the environment; plain http to another host is refused.
    let flag = try f.vault(
      ["openai", "check", "--env", "prod", "--openai-project", "proj_abc", "--base-url", f.api.baseURL],
      env: ["VAULT_OPENAI_BASE_URL": "http://127.0.0.1:9/v1"])
    #expect(flag.status == 0, "\(flag.stderr)")
    for url in ["http://10.0.0.1/v1", "ftp://127.0.0.1/v1", "https://user:pw@api.openai.com/v1"] {
      let refused = try f.vault([
        "openai", "check", "--env", "prod", "--openai-project", "proj_abc", "--base-url", url,
      ])
      expectOneError(refused, 64, mentioning: "the OpenAI base URL is refused")
      #expect(!refused.stderr.contains("pw@"))
    }
  }

  @Test func vaultWithoutVaultNetSaysWhatIsMissing() throws {
    let f = try Fixture()
    let lonely = f.box.root.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: lonely, withIntermediateDirectories: true)
    let copy = lonely.appendingPathComponent("vault").path
    try FileManager.default.copyItem(atPath: Sandbox.binary, toPath: copy)
    let result = try f.box.execute(copy, ["openai", "check", "--env", "prod"])
    expectOneError(result, 1, mentioning: "this command needs vault-net")
  }
}
