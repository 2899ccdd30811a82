/// An OpenBao transit key that holds a sealed copy of one environment's secret key: the
/// header's `openbao` line (format version 3). The owner signs it with the header, so the
/// address a reader sends its OpenBao token to, and the key it asks to unwrap with, are the
/// owner's choice, never a file editor's (FileFormat.md, "OpenBao recipients").
public struct OpenBaoRecipient: Sendable, Equatable {
  /// The environment whose secret key `ciphertext` holds.
  public var environment: String
  /// `http(s)://host[:port]`: where the owner's OpenBao answers (`VAULT_BAO_ADDR` overrides).
  public var address: String
  /// The transit secrets engine's mount path, `transit` by default.
  public var mount: String
  /// The transit key's name.
  public var key: String
  /// Transit's ciphertext (`vault:vN:…`) of the environment's 32-byte secret key, encrypted
  /// with `OpenBaoRecipient.context` as associated data.
  public var ciphertext: String

  /// A recipient line's fields.
  public init(
    environment: String, address: String, mount: String, key: String, ciphertext: String
  ) {
    self.environment = environment
    self.address = address
    self.mount = mount
    self.key = key
    self.ciphertext = ciphertext
  }

  /// The associated data transit binds the seal to: the vault, the environment and the
  /// environment's public key, so a seal copied to another vault or environment, or left
  /// from before a re-key, does not decrypt.
  /// `LP("vault.openbao.v1") ‖ LP(vault_id) ‖ LP(environment) ‖ LP(env_public)`.
  public static func context(vaultID: [UInt8], environment: String, publicKey: [UInt8])
    -> [UInt8]
  {
    var fields = LengthPrefixed()
    fields.append("vault.openbao.v1")
    fields.append(vaultID)
    fields.append(environment)
    fields.append(publicKey)
    return fields.bytes
  }

  // MARK: Grammar

  /// `("http" / "https") "://" host [":" port]`: host of lower-case letters, digits, `.`
  /// and `-` (1–253), port a decimal 1–65535 without a leading zero. Nothing else: no user,
  /// path, query or upper case, so that one address has one spelling.
  public static func isValidAddress(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    let rest: ArraySlice<UInt8>
    if bytes.starts(with: Array("https://".utf8)) {
      rest = bytes[8...]
    } else if bytes.starts(with: Array("http://".utf8)) {
      rest = bytes[7...]
    } else {
      return false
    }
    let colon = rest.firstIndex(of: UInt8(ascii: ":"))
    let host = rest[rest.startIndex..<(colon ?? rest.endIndex)]
    guard !host.isEmpty, host.count <= 253,
      host.allSatisfy({ isLower($0) || isDigit($0) || $0 == 0x2E || $0 == 0x2D }),
      host.first != 0x2E, host.first != 0x2D
    else { return false }
    guard let colon else { return true }
    let port = rest[(colon + 1)...]
    guard !port.isEmpty, port.count <= 5, port.allSatisfy(isDigit), port.first != 0x30,
      let value = Int(String(decoding: port, as: UTF8.self)), value <= 65535
    else { return false }
    return true
  }

  /// Whether a token may be sent to `address` (a valid address): `https://` anywhere, plain
  /// `http://` only to a loopback host (a dev server, a local agent), as for OpenAI's base
  /// URL. A token sent in the clear over a network is a token given away.
  public static func isAllowedForToken(_ address: String) -> Bool {
    if address.hasPrefix("https://") { return true }
    guard address.hasPrefix("http://") else { return false }
    let authority = address.dropFirst("http://".count)
    let host = authority.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
    return BaseURL.isLoopback(host: host)
  }

  /// Segments of letters, digits, `_` and `-` joined by `/`, 1–128 bytes, each segment
  /// starting with a letter or digit.
  public static func isValidMount(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty, bytes.count <= 128 else { return false }
    return bytes.split(separator: 0x2F, omittingEmptySubsequences: false).allSatisfy {
      segment in
      guard let first = segment.first, isAlnum(first) else { return false }
      return segment.allSatisfy { isAlnum($0) || $0 == 0x5F || $0 == 0x2D }
    }
  }

  /// A letter or digit, then letters, digits, `_`, `-` and `.`: 1–128 bytes.
  public static func isValidKey(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard let first = bytes.first, isAlnum(first), bytes.count <= 128 else { return false }
    return bytes.allSatisfy { isAlnum($0) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }
  }

  /// `"vault:v" decimal ":" base64`: transit's form, standard base64 with padding, 4–8192
  /// characters (a 32-byte key's ciphertext is about 80).
  public static func isValidCiphertext(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    let prefix = Array("vault:v".utf8)
    guard bytes.starts(with: prefix),
      let colon = bytes[prefix.count...].firstIndex(of: UInt8(ascii: ":"))
    else { return false }
    let version = bytes[prefix.count..<colon]
    guard !version.isEmpty, version.count <= 10, version.allSatisfy(isDigit),
      version.first != 0x30 || version.count == 1
    else { return false }
    let body = bytes[(colon + 1)...]
    guard body.count >= 4, body.count <= 8192, body.count % 4 == 0 else { return false }
    var padding = 0
    for byte in body {
      if byte == UInt8(ascii: "=") {
        padding += 1
        continue
      }
      guard padding == 0, isAlnum(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
      else { return false }
    }
    return padding <= 2
  }

  private static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
  private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
  private static func isAlnum(_ byte: UInt8) -> Bool {
    isLower(byte) || isDigit(byte) || (byte >= 0x41 && byte <= 0x5A)
  }
}
