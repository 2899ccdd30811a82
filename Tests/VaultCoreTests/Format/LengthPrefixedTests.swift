import Testing
@testable import VaultCore

@Suite struct LengthPrefixedTests {
  @Test func fieldsAreFramedByBigEndianLengths() {
    #expect(LengthPrefixed.encode([Array("ab".utf8), []]) == [0, 0, 0, 2, 0x61, 0x62, 0, 0, 0, 0])
    var encoder = LengthPrefixed()
    encoder.append([UInt8](repeating: 7, count: 0x0102))
    #expect(Array(encoder.bytes.prefix(4)) == [0, 0, 1, 2])
  }

  /// The reason for the encoding: a delimiter join cannot tell these apart.
  @Test func noTwoFieldListsEncodeAlike() {
    let a = LengthPrefixed.encode([Array("a:b".utf8), Array("c".utf8)])
    let b = LengthPrefixed.encode([Array("a".utf8), Array("b:c".utf8)])
    #expect(a != b)
    #expect(LengthPrefixed.encode([Array("ab".utf8)]) != LengthPrefixed.encode([Array("a".utf8), Array("b".utf8)]))
  }

  @Test func associatedDataIsTheDocumentedFields() {
    let id = [UInt8](repeating: 1, count: 16)
    let ad = Signatures.associatedData(
      vaultID: id, project: "web", environment: "prod", name: "KEY", version: 12)
    let expected = LengthPrefixed.encode(
      [Array("vault.value.v1".utf8), id, Array("web".utf8), Array("prod".utf8), Array("KEY".utf8), Array("12".utf8)])
    #expect(ad == expected)
    // Moving a character between project and environment changes the data.
    #expect(ad != Signatures.associatedData(vaultID: id, project: "webp", environment: "rod", name: "KEY", version: 12))
  }
}
