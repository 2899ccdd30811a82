import Foundation
import Testing

/// `vault openai exposure` end to end (issue 9): alice's vault had bob as a reader of dev;
/// `members rm bob` flagged dev's entries "exposed to bob"; was each key used since?
@Suite struct OpenAIExposureTests {
  typealias Fixture = OpenAITests.Fixture

  /// The fixture, with dev's OPENAI_API_KEY made by `create-key` (service account dev-bot),
  /// bob added as a reader of dev and removed. Returns the key id and the flag's time.
  static func exposed(linked: Bool = true) throws -> (f: Fixture, key: String?, removed: Int) {
    let f = try Fixture()
    if linked {
      let created = try f.vault([
        "openai", "create-key", "--env", "dev", "--admin-env", "prod",
        "--openai-project", "proj_abc", "--service-account", "dev-bot",
      ])
      #expect(created.status == 0, "\(created.stderr)")
    } else {
      try f.box.set(openAIShaped("sk-proj-", "d"), env: "dev")
    }
    let key = linked ? try f.keyHolding(try f.stored("dev"))?["id"] as? String : nil
    let bob = try Sandbox.person("bob")
    try bob.ok(["init", "--no-passphrase"], directory: bob.root)
    try f.box.ok(["members", "add", "bob", try bob.publicIdentity(), "--read", "dev"])
    let removed = Int(Date().timeIntervalSince1970)
    try f.box.ok(["members", "rm", "bob"])
    let list = try f.box.ok(["list", "--env", "dev"])
    #expect(list.stdout.contains("rotate: exposed to bob"), "\(list.stdout)")
    return (f, key, removed)
  }

  static func exposure(_ f: Fixture, _ extra: [String] = []) throws -> RunResult {
    try f.vault(["openai", "exposure", "--env", "dev", "--admin-env", "prod"] + extra)
  }

  @Test func aKeyUsedAfterTheRemovalNeedsAction() throws {
    let (f, key, removed) = try Self.exposed()
    let id = try #require(key)
    // Used an hour after the removal: 3 requests, 70 tokens, and the key's last use.
    let later = removed + 3_600
    try f.api.addUsage([
      "time": later, "api_key_id": id, "project_id": "proj_abc", "num_model_requests": 3,
      "input_tokens": 50, "output_tokens": 20,
    ])
    try f.api.patchKey(id, ["last_used_at": later])
    try f.api.config(["clock_offset": 7_200])
    let result = try Self.exposure(f)
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    let line = try #require(outputLines(result.stdout).first, "\(result.stdout)")
    #expect(line.hasPrefix("used: shop/dev/OPENAI_API_KEY (\(id)) was used after bob's removal"), "\(line)")
    #expect(line.contains("3 requests, 70 tokens since"), "\(line)")
    #expect(line.hasSuffix("rotate it: `vault openai rotate --env dev`"), "\(line)")
  }

  @Test func usageAloneCountsAsUse() throws {
    // The usage API says the key served requests after the removal, but OpenAI's
    // `last_used_at` was not (yet) updated: still used.
    let (f, key, removed) = try Self.exposed()
    let id = try #require(key)
    try f.api.addUsage([
      "time": removed + 60, "api_key_id": id, "project_id": "proj_abc", "num_model_requests": 2,
      "input_tokens": 5, "output_tokens": 5,
    ])
    try f.api.config(["clock_offset": 120])
    let result = try Self.exposure(f)
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.hasPrefix("used: shop/dev/OPENAI_API_KEY (\(id))"), "\(result.stdout)")
    #expect(result.stdout.contains("2 requests, 10 tokens since"), "\(result.stdout)")
  }

  @Test func aKeyNotUsedSinceIsReportedAndExitsZero() throws {
    let (f, key, removed) = try Self.exposed()
    let id = try #require(key)
    // Used before the removal only.
    try f.api.addUsage([
      "time": removed - 86_400, "api_key_id": id, "project_id": "proj_abc",
      "num_model_requests": 9,
    ])
    try f.api.patchKey(id, ["last_used_at": removed - 86_400])
    let result = try Self.exposure(f)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(
      result.stdout.hasPrefix(
        "not used: shop/dev/OPENAI_API_KEY (\(id)) has not been used since bob's removal"),
      "\(result.stdout)")
    #expect(result.stdout.contains("rotate it anyway"))
  }

  @Test func aFlaggedEntryThatIsNotLinkedNeedsAction() throws {
    let (f, _, _) = try Self.exposed(linked: false)
    let result = try Self.exposure(f)
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    #expect(
      result.stdout.hasPrefix(
        "unlinked: shop/dev/OPENAI_API_KEY is exposed to bob but not linked to an OpenAI key"),
      "\(result.stdout)")
    #expect(try f.api.requests().isEmpty, "nothing to ask OpenAI")
  }

  @Test func noFlagsNothingToDo() throws {
    let f = try Fixture()
    try f.vault([
      "openai", "create-key", "--env", "dev", "--admin-env", "prod",
      "--openai-project", "proj_abc", "--service-account", "dev-bot",
    ])
    let result = try Self.exposure(f)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "no entry of shop/dev is flagged exposed\n", "\(result.stdout)")
  }

  @Test func aNewVersionClearsTheFlag() throws {
    let (f, _, _) = try Self.exposed()
    // Rotating stores a new version, which clears the flag.
    let rotate = try f.vault(["openai", "rotate", "--env", "dev", "--admin-env", "prod"])
    #expect(rotate.status == 0, "\(rotate.stderr)")
    let result = try Self.exposure(f)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "no entry of shop/dev is flagged exposed\n", "\(result.stdout)")
  }
}
