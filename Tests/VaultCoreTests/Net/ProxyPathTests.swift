import Testing

@testable import VaultCore

/// The proxy's path normalisation and policy (README, "Keep keys away from programs and
/// agents"): one spelling per resource before any decision.
@Suite struct ProxyPathTests {
  @Test func spellingsNormaliseToOnePath() throws {
    let cases: [(String, String)] = [
      ("/v1/chat/completions", "/v1/chat/completions"),
      ("//v1///chat//completions/", "/v1/chat/completions"),
      ("/v1/./models/./gpt-4o", "/v1/models/gpt-4o"),
      ("/v1/files/../models", "/v1/models"),
      ("/v1/%6Dodels", "/v1/models"),
      ("/v1/models/%2e%2e/organization", "/v1/organization"),
      ("/v1/models/a%3Bb", "/v1/models/a%3Bb"),
      ("/v1/models/a;b", "/v1/models/a%3Bb"),
      ("/v1/models/caf%C3%A9", "/v1/models/caf%C3%A9"),
      ("/", "/"),
    ]
    for (target, normalised) in cases {
      #expect(try ProxyPath(target: target).encoded == normalised, "\(target)")
    }
    let query = try ProxyPath(target: "/v1/models?limit=2&after=x%2Fy")
    #expect(query.encoded == "/v1/models" && query.query == "limit=2&after=x%2Fy")
  }

  @Test func ambiguousTargetsAreRefused() {
    let cases: [(String, ProxyPath.Problem)] = [
      ("v1/models", .notOriginForm),
      ("http://api.openai.com/v1/models", .notOriginForm),
      ("/v1/organization%2Fprojects", .encodedSeparator),
      ("/v1/organization%5Cprojects", .encodedSeparator),
      ("/v1/models\\x", .encodedSeparator),
      ("/v1/models/%00", .controlByte),
      ("/v1/models/%0a", .controlByte),
      ("/v1/models/%7F", .controlByte),
      ("/v1/models/%zz", .badEscape),
      ("/v1/models/%4", .badEscape),
      ("/v1/../..", .aboveRoot),
      ("/v1/models?a b", .badQuery),
    ]
    for (target, problem) in cases {
      #expect(throws: problem, "\(target)") { try ProxyPath(target: target) }
    }
  }

  @Test func thePolicyAllowsInferenceAndNeverTheAdministration() throws {
    let policy = ProxyPolicy(extra: ["/v1/files"])
    func decide(_ target: String) throws -> ProxyPolicy.Decision {
      policy.decide(try ProxyPath(target: target))
    }
    for allowed in [
      "/v1/responses", "/v1/chat/completions", "/v1/models/gpt-4o", "/v1/embeddings",
      "/v1/audio/speech", "/v1/images/generations", "/v1/moderations", "/v1/completions",
      "/v1/files/file-1",
    ] {
      #expect(try decide(allowed) == .allow, "\(allowed)")
    }
    for refused in ["/v1/modelsx", "/v1/batches", "/v1", "/", "/v2/models", "/V1/models"] {
      #expect(try decide(refused) == .notAllowed, "\(refused)")
    }
    for administration in ["/v1/organization", "/v1/Organization/projects", "/V1/ORGANIZATION"] {
      #expect(try decide(administration) == .administration, "\(administration)")
    }
    // Allowing it changes nothing, and --allow-path refuses it anyway.
    let all = ProxyPolicy(extra: ["/v1/organization"])
    #expect(all.decide(try ProxyPath(target: "/v1/organization/x")) == .administration)
    guard case .failure(.administration) = ProxyPolicy.checkPrefix("/v1/./organization") else {
      Issue.record("an --allow-path under /v1/organization was accepted")
      return
    }
    guard case .success("/v1/files") = ProxyPolicy.checkPrefix("//v1/files/") else {
      Issue.record("--allow-path //v1/files/ was not normalised")
      return
    }
    guard case .failure(.notUnderV1) = ProxyPolicy.checkPrefix("/files") else {
      Issue.record("--allow-path /files was accepted")
      return
    }
  }

  @Test func thePlaceholderIsRandomAndShapedAsDocumented() {
    let one = ProxyConfiguration.makePlaceholder()
    let two = ProxyConfiguration.makePlaceholder()
    #expect(!one.constantTimeEquals(two))
    one.withUnsafeBytes { bytes in
      let text = String(decoding: bytes, as: UTF8.self)
      #expect(text.hasPrefix("vault-proxy-") && text.count == 60)
      #expect(text.dropFirst(12).allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }
  }
}
