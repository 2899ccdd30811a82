import Testing
@testable import VaultCore

@Suite struct IdentityFileTests {
  let identity = TestIdentities.alice

  @Test func unprotectedRoundTrip() throws {
    let file = try IdentityFile(identity: identity, passphrase: nil, path: "id")
    let bytes = file.serialized()
    #expect(text(bytes).hasPrefix("vault-identity 1\npublic vault-pub-"))
    #expect(text(bytes).contains("\nkdf none\nsecret "))
    let parsed = try IdentityFile.parse(bytes, path: "id")
    #expect(parsed.serialized() == bytes)
    #expect(!parsed.needsPassphrase)
    #expect(try parsed.unlock(passphrase: nil).publicIdentity == identity.publicIdentity)
  }

  @Test func passphraseRoundTrip() throws {
    // The floor's cost keeps the test fast; vault itself writes MODERATE.
    let file = try IdentityFile(
      identity: identity, passphrase: secret("correct horse"), path: "id", parameters: .floor)
    let bytes = file.serialized()
    let lines = text(bytes).split(separator: "\n")
    #expect(lines.count == 5)
    #expect(lines[2].hasPrefix("kdf argon2id ops=2 mem=67108864 salt="))
    let parsed = try IdentityFile.parse(bytes, path: "id")
    #expect(parsed.serialized() == bytes)
    #expect(try parsed.unlock(passphrase: secret("correct horse")).publicIdentity == identity.publicIdentity)
    #expect(throws: VaultError.wrongPassphrase(path: "id")) {
      try parsed.unlock(passphrase: secret("correct horsE"))
    }
    // The kdf line is associated data: editing it (here the salt) breaks the unlock.
    var edited = text(bytes)
    let salt = edited.range(of: "salt=")!.upperBound
    edited.replaceSubrange(salt...salt, with: edited[salt] == "A" ? "B" : "A")
    let reparsed = try IdentityFile.parse(Array(edited.utf8), path: "id")
    #expect(throws: VaultError.wrongPassphrase(path: "id")) {
      try reparsed.unlock(passphrase: secret("correct horse"))
    }
  }

  func kdfFile(ops: String, mem: String) -> [UInt8] {
    Array(
      ("vault-identity 1\npublic \(identity.publicIdentity.description)\n"
        + "kdf argon2id ops=\(ops) mem=\(mem) salt=\(Base64URL.encode([UInt8](repeating: 0, count: 16)))\n"
        + "nonce \(Base64URL.encode([UInt8](repeating: 0, count: 24)))\n"
        + "secret \(Base64URL.encode([UInt8](repeating: 0, count: 80)))\n").utf8)
  }

  @Test func parametersAreBoundedBeforeTheKDF() throws {
    for (ops, mem) in [("2", "67108864"), ("10", "1073741824"), ("3", "268435456")] {
      _ = try IdentityFile.parse(kdfFile(ops: ops, mem: mem), path: "id")
    }
    for (ops, mem) in [
      ("1", "67108864"), ("11", "67108864"), ("2", "67108863"), ("2", "1073741825"),
      ("0", "268435456"), ("4294967296", "268435456"), ("3", "4398046511104"),
    ] {
      #expect(throws: VaultError.kdfParametersOutOfRange(path: "id", opsLimit: UInt64(ops)!, memLimit: UInt64(mem)!)) {
        try IdentityFile.parse(kdfFile(ops: ops, mem: mem), path: "id")
      }
    }
    // Non-canonical decimals are format errors, not parameters.
    for (ops, mem) in [("03", "268435456"), ("3", "+268435456"), ("3", "99999999999999999999")] {
      #expect {
        try IdentityFile.parse(kdfFile(ops: ops, mem: mem), path: "id")
      } throws: { error in
        if case VaultError.malformed(_, 3, .badField("kdf")) = error { return true }
        return false
      }
    }
  }

  @Test func strictGrammar() throws {
    let good = try IdentityFile(identity: identity, passphrase: nil, path: "id").serialized()
    let cases: [[UInt8]] = [
      [], Array(good.dropLast()), good + Array("x\n".utf8), Array("vault-identity 2\n".utf8),
      Array(text(good).replacingOccurrences(of: "\n", with: "\r\n").utf8),
      Array(text(good).replacingOccurrences(of: "secret ", with: "secret  ").utf8),
    ]
    for bytes in cases {
      #expect(throws: (any Error).self) { try IdentityFile.parse(bytes, path: "id") }
    }
    #expect(throws: VaultError.unsupportedVersion(path: "id", version: "2")) {
      try IdentityFile.parse(Array("vault-identity 2\n".utf8), path: "id")
    }
  }
}

extension IdentityFileTests {
  /// A CRLF identity file is a format error, as a CRLF vault is: characters come before the
  /// version.
  @Test func crlfIsAFormatErrorNotAVersion() throws {
    let good = try IdentityFile(identity: identity, passphrase: nil, path: "id").serialized()
    let crlf = Array(text(good).replacingOccurrences(of: "\n", with: "\r\n").utf8)
    #expect(throws: VaultError.malformed(path: "id", line: 1, problem: .invalidCharacter)) {
      try IdentityFile.parse(crlf, path: "id")
    }
  }
}
