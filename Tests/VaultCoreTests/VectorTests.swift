import Foundation
import Testing
@testable import VaultCore

/// Walks every vector in Vectors/ and checks what it states, through the full parser and
/// through the one-group parser `exec` uses (they must agree on every vector).
@Suite struct VectorTests {
  static let vectors: [Vector] = (try? Vector.all()) ?? []

  @Test func vectorsArePresent() throws {
    let vectors = try Vector.all()
    #expect(vectors.count >= 25)
    #expect(vectors.contains { $0.name == "frozen-v1" && $0.expect == .success })
    for outcome in Vector.Outcome.allCases {
      #expect(vectors.contains { $0.expect == outcome }, "no vector expects \(outcome.rawValue)")
    }
  }

  @Test(arguments: vectors) func vector(_ vector: Vector) throws {
    for fast in [false, true] {
      let path = fast ? "one-group parser" : "full parser"
      switch vector.expect {
      case .success:
        let results = try vector.run(fast: fast)
        #expect(results == vector.reads, "\(path)")
      default:
        do {
          let results = try vector.run(fast: fast)
          Issue.record("\(path): read \(results.map(\.values)), expected \(vector.expect.rawValue)")
        } catch {
          #expect(
            outcome(of: error) == vector.expect,
            "\(path): \(error), expected \(vector.expect.rawValue)")
        }
      }
    }
  }

  /// A vault that opens re-serializes to its own bytes: one encoding per vault.
  @Test(arguments: vectors.filter { $0.expect == .success }) func canonical(_ vector: Vector) throws {
    let bytes = Array(try Data(contentsOf: vector.vaultURL))
    let file = try VaultFile.parse(bytes, path: vector.vault)
    #expect(file.serialized() == bytes)
    for group in try file.allGroups() {
      #expect(LineCodec.groupText(group).elementsEqual(
        file.blocks.first { $0.project == group.project && $0.environment == group.environment }!.text))
    }
  }

  /// The frozen vault of the first release: its bytes are fixed, so any change to how this
  /// version reads them shows up here.
  @Test func frozenVaultIsUnchanged() throws {
    let vector = try #require(Self.vectors.first { $0.name == "frozen-v1" })
    let bytes = Array(try Data(contentsOf: vector.vaultURL))
    #expect(text(Array(bytes.prefix(8))) == "vault 1\n")
    let results = try vector.run(fast: false)
    #expect(results.flatMap(\.values).count == 3)
  }
}
