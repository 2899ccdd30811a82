import CSodium
import Testing
@testable import VaultCore

@Suite struct EntryCipherTests {
  let environment = BoxKeyPair.generate()
  let ad = Array("label".utf8)

  @Test func roundTripAndPadding() throws {
    for length in [0, 1, 255, 256, 257, 1000, EntryCipher.maximumValueLength] {
      let value = SecretBytes(copying: (0..<length).map { UInt8(truncatingIfNeeded: $0) })
      let sealed = try EntryCipher.seal(value, to: environment.publicKey, associatedData: ad)
      // Padded to the next multiple of 256 (always at least one byte of padding), plus the tag.
      #expect(sealed.ciphertext.count == (length / 256 + 1) * 256 + AEAD.tagLength)
      #expect(sealed.nonce.count == 24 && sealed.ephemeralPublicKey.count == 32)
      let opened = try EntryCipher.open(sealed, with: environment, associatedData: ad)
      #expect(opened.constantTimeEquals(value))
    }
  }

  @Test func bindsAssociatedDataAndKey() throws {
    let sealed = try EntryCipher.seal(secret("sk-proj-x"), to: environment.publicKey, associatedData: ad)
    #expect(throws: CryptoError.authenticationFailed) {
      try EntryCipher.open(sealed, with: environment, associatedData: Array("label2".utf8))
    }
    #expect(throws: CryptoError.authenticationFailed) {
      try EntryCipher.open(sealed, with: BoxKeyPair.generate(), associatedData: ad)
    }
    var tampered = sealed
    tampered.ciphertext[3] ^= 1
    #expect(throws: CryptoError.authenticationFailed) {
      try EntryCipher.open(tampered, with: environment, associatedData: ad)
    }
    // An all-zero (low-order) ephemeral key is refused before any decryption.
    var lowOrder = sealed
    lowOrder.ephemeralPublicKey = [UInt8](repeating: 0, count: 32)
    #expect(throws: CryptoError.invalidKey) {
      try EntryCipher.open(lowOrder, with: environment, associatedData: ad)
    }
  }

  /// The construction in FileFormat.md, computed by hand from libsodium primitives.
  @Test func matchesTheSpecifiedConstruction() throws {
    let value = secret("sk-proj-spec")
    let sealed = try EntryCipher.seal(value, to: environment.publicKey, associatedData: ad)
    let shared = try EntryCipherTests.x25519(environment.secretKey, sealed.ephemeralPublicKey)
    let key = Sodium.blake2b(shared + sealed.ephemeralPublicKey + environment.publicKey)
    let padded = try AEAD.open(
      sealed.ciphertext, key: SecretBytes(copying: key), nonce: sealed.nonce, associatedData: ad)
    let bytes = padded.withUnsafeBytes { Array($0) }
    #expect(bytes.count == 256)
    #expect(Array(bytes.prefix(12)) == Array("sk-proj-spec".utf8))
    #expect(bytes[12] == 0x80 && bytes[13...].allSatisfy { $0 == 0 })
  }

  /// X25519 straight from libsodium, independent of EntryCipher's own code.
  static func x25519(_ secret: SecretBytes, _ peer: [UInt8]) throws -> [UInt8] {
    var shared = [UInt8](repeating: 0, count: 32)
    let status = secret.withUnsafeBytes { scalar in
      crypto_scalarmult(&shared, scalar.bindMemory(to: UInt8.self).baseAddress!, peer)
    }
    try #require(status == 0)
    return shared
  }
}
