import Testing
@testable import VaultCore

@Suite struct PublicIdentityTests {
  @Test func textRoundTripAndTypoDetection() throws {
    let identity = TestIdentities.alice.publicIdentity
    let text = identity.description
    #expect(text.hasPrefix("vault-pub-") && text.count == 10 + 91)
    #expect(PublicIdentity(text) == identity)
    // Any single changed character is caught by the check bytes (or the base64 rules).
    let characters = Array(text)
    for index in 10..<characters.count {
      var typo = characters
      typo[index] = characters[index] == "x" ? "y" : "x"
      #expect(PublicIdentity(String(typo)) == nil, "typo at \(index)")
    }
    #expect(PublicIdentity(String(text.dropLast())) == nil)
    #expect(PublicIdentity(text + "A") == nil)
    #expect(PublicIdentity("VAULT-PUB-" + text.dropFirst(10)) == nil)
  }

  @Test func secretStringRoundTripAndChecksum() throws {
    let identity = TestIdentities.bob
    let text = TestIdentities.secretString(identity)
    #expect(text.hasPrefix("VAULT-SECRET-") && text.count == 13 + 91)
    let parsed = try Identity(secretString: secret("  " + text + "\n"))
    #expect(parsed.publicIdentity == identity.publicIdentity)
    var typo = Array(text)
    typo[20] = typo[20] == "x" ? "y" : "x"
    #expect(throws: VaultError.invalidIdentityString) { try Identity(secretString: secret(String(typo))) }
    #expect(throws: VaultError.invalidIdentityString) { try Identity(secretString: secret("VAULT-SECRET-")) }
  }
}
