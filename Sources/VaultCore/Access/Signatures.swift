/// The messages that Ed25519 signatures in a vault cover, and the associated data that binds
/// each ciphertext to its label (FileFormat.md, "Signatures" and "Entry encryption").
/// Every message is `LP(domain) ‖ LP(vault id) ‖ LP(text)`.
enum Signatures {
  static func message(domain: String, vaultID: [UInt8], text: [UInt8]) -> [UInt8] {
    var encoder = LengthPrefixed()
    encoder.append(domain)
    encoder.append(vaultID)
    encoder.append(text)
    return encoder.bytes
  }

  static func header(vaultID: [UInt8], signedText: [UInt8]) -> [UInt8] {
    message(domain: "vault.header.v1", vaultID: vaultID, text: signedText)
  }

  static func entry(vaultID: [UInt8], unsignedLine: String) -> [UInt8] {
    message(domain: "vault.entry.v1", vaultID: vaultID, text: Array(unsignedLine.utf8))
  }

  static func group(vaultID: [UInt8], signedText: [UInt8]) -> [UInt8] {
    message(domain: "vault.group.v1", vaultID: vaultID, text: signedText)
  }

  /// `LP("vault.value.v1") ‖ LP(vault id) ‖ LP(project) ‖ LP(env) ‖ LP(name) ‖ LP(version)`,
  /// the version in decimal ASCII.
  static func associatedData(
    vaultID: [UInt8], project: String, environment: String, name: String, version: UInt64
  ) -> [UInt8] {
    var encoder = LengthPrefixed()
    encoder.append("vault.value.v1")
    encoder.append(vaultID)
    encoder.append(project)
    encoder.append(environment)
    encoder.append(name)
    encoder.append(String(version))
    return encoder.bytes
  }
}
