import Foundation
import Testing

/// Issue 7, point 9: the small things people reach for (cp/mv, exec --map, list --redacted,
/// rm confirmation for prod, status details, init --here's hint, docker export, list
/// alignment). Each runs the built binary in throwaway HOMEs.
@Suite struct ToolsTests {
  /// A sandbox with a no-passphrase identity and a personal vault.
  static func solo() throws -> Sandbox {
    let box = try Sandbox()
    try box.initVault()
    return box
  }

  // MARK: list alignment

  @Test func listColumnsStayAlignedPastV9() throws {
    let box = try Self.solo()
    for index in 0..<10 { try box.set(fakeKey("a\(index)aa"), name: "ALPHA") }
    try box.set(fakeKey("bbbb"), name: "BRAVO")
    let list = try box.ok(["list"])
    let alpha = try #require(listRow(list, "shop/dev/ALPHA"))
    let bravo = try #require(listRow(list, "shop/dev/BRAVO"))
    #expect(alpha.contains("  v10  "), "\(alpha)")
    // Same label width, same date width, same writer: equal rows mean aligned columns.
    #expect(alpha.count == bravo.count, "\n\(alpha)\n\(bravo)")
    #expect(alpha.range(of: " alice")?.lowerBound.utf16Offset(in: alpha)
      == bravo.range(of: " alice")?.lowerBound.utf16Offset(in: bravo))
  }
}
