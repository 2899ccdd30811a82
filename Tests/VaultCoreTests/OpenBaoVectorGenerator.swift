import Foundation
import Testing

@testable import VaultCore

/// What stands in for OpenBao's transit engine when the vectors are written (no server
/// runs then): a fixed ciphertext of transit's form that names the context, so each vector's
/// line is the same at every regeneration. Readers never decrypt it without a server.
struct VectorTransit: TransitService {
  func encrypt(_ secret: SecretBytes, for recipient: OpenBaoRecipient, context: [UInt8]) throws
    -> String
  {
    let digest = Sodium.blake2b(context, length: 32)
    let text = Base64URL.encode(digest).replacingOccurrences(of: "-", with: "+")
      .replacingOccurrences(of: "_", with: "/")
    return "vault:v1:" + text + "="
  }

  func decrypt(_ recipient: OpenBaoRecipient, context: [UInt8]) throws -> SecretBytes {
    throw OpenBaoFailure(.unavailable, "no server when vectors are written")
  }
}

extension VectorGenerator {
  /// Only the `openbao-*` vectors:
  ///
  ///     VAULT_REGENERATE_OPENBAO_VECTORS=1 swift test --filter VectorGenerator
  static let openBaoEnabled =
    ProcessInfo.processInfo.environment["VAULT_REGENERATE_OPENBAO_VECTORS"] == "1"

  @Test(.enabled(if: openBaoEnabled || enabled)) func regenerateOpenBaoLines() throws {
    try openBaoLines()
  }

  /// The header's `openbao` lines (FileFormat.md, "OpenBao recipients"): the version 3 team
  /// vault with prod and staging sealed to OpenBao, read by the owner and by bob as before
  /// (a member's own seal still opens); then every rule a reader enforces, broken.
  func openBaoLines() throws {
    var team = try makeTeam(formatVersion: 3)
    for (environment, key) in [("prod", "shop-prod"), ("staging", "shop-staging")] {
      try team.addOpenBaoRecipient(
        environment: environment, address: "https://bao.internal:8200", mount: "transit",
        key: key, by: alice, transit: VectorTransit())
    }
    let id = team.header.vaultID
    let base = lines(team.serialized())
    try write("openbao-recipients.vault", team.serialized())
    try expect(
      "openbao-recipients",
      "The version 3 team vault with prod and staging also sealed to OpenBao transit keys "
        + "(owner-signed header lines after the seals); the owner reads as before.",
      .success, identity: alice,
      reads: [("web", "prod", Self.webProd), ("api", "staging", Self.apiStaging)])
    try expect(
      "openbao-recipients-bob", "bob reads staging of the same file with his own seal.",
      .success, vault: "openbao-recipients.vault", identity: bob,
      reads: [("api", "staging", Self.apiStaging)])

    func failure(_ name: String, _ comment: String, _ outcome: Vector.Outcome, _ lines: [String])
      throws
    {
      try write("\(name).vault", joined(lines))
      try expect(name, comment, outcome, identity: alice, reads: [("web", "prod", [])])
    }
    func resigned(_ lines: [String]) throws -> [String] {
      try resignHeader(lines, vaultID: id, as: alice)
    }
    let prod = try #require(base.firstIndex { $0.hasPrefix("openbao prod ") })
    let staging = prod + 1
    func edit(_ change: (inout [String]) -> Void) -> [String] {
      var copy = base
      change(&copy)
      return copy
    }

    try failure(
      "openbao-address-changed-unsigned",
      "prod's OpenBao address changed to another host, nothing re-signed: a file editor may "
        + "not choose where a reader sends its OpenBao token.", .authenticationFailure,
      edit { $0[prod] = $0[prod].replacingOccurrences(of: "bao.internal", with: "bao.evil") })
    try failure(
      "openbao-dropped-unsigned", "staging's openbao line deleted, nothing re-signed.",
      .authenticationFailure, edit { $0.remove(at: staging) })
    try failure(
      "openbao-reordered", "The two openbao lines swapped, the header re-signed by the owner.",
      .formatError, try resigned(edit { $0.swapAt(prod, staging) }))
    try failure(
      "openbao-duplicated", "prod's openbao line twice, the header re-signed by the owner.",
      .formatError, try resigned(edit { $0.insert($0[prod], at: prod) }))
    try failure(
      "openbao-before-seal",
      "prod's openbao line before the last seal line, the header re-signed by the owner.",
      .formatError,
      try resigned(
        edit { lines in
          let line = lines.remove(at: prod)
          lines.insert(line, at: prod - 1)
        }))
    try failure(
      "openbao-unknown-env",
      "An openbao line for an environment with no env line (qa), the header re-signed.",
      .formatError,
      try resigned(
        edit { lines in
          lines.insert(
            lines[staging].replacingOccurrences(of: "openbao staging", with: "openbao zz"),
            at: staging + 1)
        }))
    for (name, comment, old, new) in [
      (
        "openbao-address-upper-case", "An address with an upper-case host.", "bao.internal",
        "Bao.internal"
      ),
      ("openbao-address-path", "An address with a path.", ":8200", ":8200/v1"),
      ("openbao-address-port-zero", "An address with port 0.", ":8200", ":0"),
      ("openbao-mount-slash", "A mount ending in a slash.", " transit ", " transit/ "),
      ("openbao-ciphertext-not-transit", "A ciphertext without `vault:v`.", "vault:v1:", "v1:"),
      ("openbao-ciphertext-padding", "A ciphertext whose padding was dropped.", "=", ""),
    ] {
      try failure(
        name, comment + " The header re-signed by the owner.", .formatError,
        try resigned(edit { $0[prod] = $0[prod].replacingOccurrences(of: old, with: new) }))
    }
    try failure(
      "openbao-extra-field", "An openbao line with a seventh field, the header re-signed.",
      .formatError, try resigned(edit { $0[prod] += " more" }))

    // A version 2 file with an openbao line, validly signed: recipients are version 3's.
    var early = try makeTeam(formatVersion: 2)
    early.header.openBao = [team.header.openBao[0]]
    early.signHeader(with: alice)
    #expect(lines(early.serialized())[0] == "vault 2")
    try failure(
      "openbao-in-version-2",
      "A version 2 file with an openbao line, validly signed by the owner: only version 3 "
        + "files have them.", .formatError, lines(early.serialized()))
  }
}
