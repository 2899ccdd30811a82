import Testing

@testable import VaultCore

/// The scanner on streams fed in pieces of every size: a match is found once, with its
/// line, wherever the chunk boundaries fall.
@Suite struct LeakScannerTests {
  static let value = "pw-" + String(repeating: "Zq7", count: 12) + "-end"
  static let key =
    "sk-None-" + String(repeating: "Ab3", count: 16) + "T3BlbkFJ" + String(repeating: "x9", count: 20)

  func scan(_ text: [UInt8], pieces: Int) -> [Leak] {
    var index = ValueIndex()
    index.add(SecretBytes(copying: Array(Self.value.utf8)), label: "shop/dev/DB")
    let scanner = LeakScanner(values: index)
    scanner.begin()
    var found: [Leak] = []
    var offset = 0
    while offset < text.count {
      let end = min(text.count, offset + pieces)
      text[offset..<end].withUnsafeBytes { _ = scanner.feed($0) { found.append($0) } }
      offset = end
    }
    scanner.finish { found.append($0) }
    return found
  }

  @Test func aMatchAcrossTheChunkBoundaryIsFoundOnce() {
    let boundary = LeakScanner.chunkSize
    for secret in [Self.value, Self.key] {
      for start in stride(from: boundary - secret.utf8.count - 2, through: boundary + 2, by: 3) {
        var text = Array(String(repeating: "abc def\n", count: start / 8).utf8)
        text += Array(repeating: 0x20, count: start - text.count)
        text += Array((secret + " tail\nmore\n").utf8)
        for pieces in [1000, 4096, 65_536, 1 << 20] {
          let found = scan(text, pieces: pieces)
          #expect(found.count == 1, "start \(start), pieces \(pieces)")
          #expect(found.first?.line == start / 8 + 1)
          #expect(found.first?.kind == (secret == Self.key ? .noneKey : .vaultValue))
          #expect(found.first?.label == (secret == Self.key ? nil : "shop/dev/DB"))
        }
      }
    }
  }

  @Test func aValueThatIsAlsoAKeyIsReportedOnceAsTheVaultsValue() {
    var index = ValueIndex()
    index.add(SecretBytes(copying: Array(Self.key.utf8)), label: "shop/prod/OPENAI_API_KEY")
    index.add(SecretBytes(copying: Array(Self.key.utf8)), label: "shop/dev/OPENAI_API_KEY")
    let scanner = LeakScanner(values: index)
    scanner.begin()
    var found: [Leak] = []
    Array("K='\(Self.key)'\n".utf8).withUnsafeBytes { _ = scanner.feed($0) { found.append($0) } }
    scanner.finish { found.append($0) }
    #expect(
      found == [
        Leak(
          line: 1, kind: .vaultValue, redacted: "sk-None-…x9x9",
          label: "shop/prod/OPENAI_API_KEY, shop/dev/OPENAI_API_KEY")
      ])
  }
}
