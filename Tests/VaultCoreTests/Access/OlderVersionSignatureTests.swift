import Foundation
import Testing

@testable import VaultCore

/// FileFormat.md, "Reading", step 5: a reader of current values (`exec`, `get`, `export`)
/// skips the entry signatures of older versions, whose bytes the group signature covers;
/// reading an older version, or writing the file, checks them.
@Suite struct OlderVersionSignatureTests {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Vectors")

  @Test func anOlderLineWithABadSignatureFailsOnlyWhereItIsRead() throws {
    let vector = Self.directory.appendingPathComponent("history.vault").path
    let expect = try String(
      contentsOfFile: Self.directory.appendingPathComponent("history.expect").path,
      encoding: .utf8)
    let secret = try #require(
      expect.split(separator: "\n").first { $0.hasPrefix("identity: ") }?.dropFirst(10))
    let alice = try Identity(secretString: SecretBytes(copying: Array(secret.utf8)))
    var lines = try String(contentsOfFile: vector, encoding: .utf8)
      .split(separator: "\n").map(String.init)
    // Version 2 of web/prod/OPENAI_API_KEY: another valid-looking signature (its own
    // line's, of version 3), then the group re-signed by alice, who may write prod.
    let current = try #require(lines.firstIndex { $0.hasPrefix("entry web prod OPENAI_API_KEY 3 ") })
    let older = try #require(lines.firstIndex { $0.hasPrefix("entry web prod OPENAI_API_KEY 2 ") })
    var fields = lines[older].split(separator: " ").map(String.init)
    fields[fields.count - 1] = String(lines[current].split(separator: " ").last ?? "")
    lines[older] = fields.joined(separator: " ")
    let start = try #require(lines.firstIndex { $0.hasPrefix("group web prod ") })
    var end = start + 1
    while end < lines.count, ["entry ", "gone ", "flag "].contains(where: { lines[end].hasPrefix($0) }) {
      end += 1
    }
    let file = try VaultFile.parse(Array((lines.joined(separator: "\n") + "\n").utf8), path: vector)
    let key = Base64URL.encode(alice.signingKeyPair.publicKey)
    let head = "group web prod \(key)"
    let signedText = Array(([head] + lines[(start + 1)..<end]).map { $0 + "\n" }.joined().utf8)
    let signature = alice.signingKeyPair.sign(
      Signatures.group(vaultID: file.header.vaultID, signedText: signedText))
    lines[start] = head + " " + Base64URL.encode(signature)
    let tampered = try VaultFile.parse(
      Array((lines.joined(separator: "\n") + "\n").utf8), path: vector)

    // Current values read: the older line is never used.
    let secrets = try tampered.secrets(project: "web", environment: "prod", identity: alice)
    #expect(secrets.map(\.entry.version).contains(3))
    // Anything that may read or write older versions checks them.
    #expect(throws: VaultError.self) { try tampered.group(project: "web", environment: "prod") }
    #expect(throws: VaultError.self) { try tampered.allGroups() }
  }
}
