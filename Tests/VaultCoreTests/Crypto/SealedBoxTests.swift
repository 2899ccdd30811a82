import Testing
@testable import VaultCore

@Suite struct SealedBoxTests {
  @Test func sealsAnEnvironmentKeyToOneRecipient() throws {
    let member = BoxKeyPair.generate()
    let environment = BoxKeyPair.generate()
    let box = try SealedBox.seal(environment.secretKey, to: member.publicKey)
    #expect(box.count == SealedBox.sealedKeyLength)
    let opened = try SealedBox.open(box, with: member)
    #expect(opened.constantTimeEquals(environment.secretKey))
    #expect(try BoxKeyPair(secretKey: opened).publicKey == environment.publicKey)
    // Another recipient, a flipped bit and a short box all fail.
    #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open(box, with: .generate()) }
    var flipped = box
    flipped[40] ^= 0x10
    #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open(flipped, with: member) }
    #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open(Array(box.prefix(47)), with: member) }
    #expect(throws: CryptoError.invalidKey) { try SealedBox.seal(environment.secretKey, to: [1, 2]) }
  }

  @Test func signaturesVerifyOnlyTheirMessage() {
    let pair = SigningKeyPair.generate()
    let message = Array("vault".utf8)
    let signature = pair.sign(message)
    #expect(SigningKeyPair.verify(signature: signature, message: message, publicKey: pair.publicKey))
    #expect(!SigningKeyPair.verify(signature: signature, message: Array("vaulT".utf8), publicKey: pair.publicKey))
    #expect(!SigningKeyPair.verify(signature: signature, message: message, publicKey: SigningKeyPair.generate().publicKey))
    #expect(SigningKeyPair.verify(signature: pair.sign([]), message: [], publicKey: pair.publicKey))
  }
}
