import Testing
@testable import VaultCore

@Suite struct Base64Tests {
  @Test func roundTripAndStrictness() {
    for length in 0..<40 {
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      let text = Base64URL.encode(bytes)
      #expect(Base64URL.decode(Array(text.utf8)) == bytes)
    }
    // Non-zero trailing bits, padding and the standard alphabet's + and / are refused.
    #expect(Base64URL.decode(Array("AB".utf8)) == nil)
    #expect(Base64URL.decode(Array("AA==".utf8)) == nil)
    #expect(Base64URL.decode(Array("a+/b".utf8)) == nil)
  }
}
