/// OpenBao recipients (FileFormat.md, "OpenBao recipients"): an environment's secret key also
/// sealed with an OpenBao transit key, so a reader without an identity (a CI runner) can
/// have OpenBao unwrap it, and OpenBao can refuse, log and revoke that.
extension VaultFile {
  /// Seals `environment`'s key with OpenBao's transit key `key` at `address` (mount
  /// `mount`) and records it in the header, signed by `owner`. Refused before anything
  /// changes unless `owner` is an owner who reads `environment`, and when the environment
  /// already has an OpenBao recipient (`rm` it first: one per environment).
  public mutating func addOpenBaoRecipient(
    environment: String, address: String, mount: String, key: String, by owner: Identity,
    transit: any TransitService
  ) throws {
    let me = try self.owner(owner)
    guard let environmentKey = header.environment(environment) else {
      throw environmentNotFound(environment)
    }
    guard header.openBaoRecipient(environment) == nil else {
      throw VaultError.openBaoRecipientExists(environment: environment)
    }
    guard me.read.contains(environment) else {
      throw VaultError.cannotRead(member: me.name, project: "*", environment: environment)
    }
    let pair = try environmentKeyPair(environment, project: "*", identity: owner)
    var recipient = OpenBaoRecipient(
      environment: environment, address: address, mount: mount, key: key,
      ciphertext: "vault:v1:AAAA")
    let context = OpenBaoRecipient.context(
      vaultID: header.vaultID, environment: environment, publicKey: environmentKey.publicKey)
    recipient.ciphertext = try transit.encrypt(pair.secretKey, for: recipient, context: context)
    guard OpenBaoRecipient.isValidCiphertext(recipient.ciphertext) else {
      throw OpenBaoFailure(.unavailable, "OpenBao answered with a ciphertext vault cannot store")
    }
    header.openBao.append(recipient)
    header.openBao.sort { $0.environment < $1.environment }
    header.generation += 1
    signHeader(with: owner)
  }

  /// Removes `environment`'s OpenBao recipient, signed by `owner`. The environment keeps its
  /// key: whoever unwrapped it through OpenBao before may still hold it, so the values
  /// should be rotated when that matters (README, "Organisations: OpenBao").
  public mutating func removeOpenBaoRecipient(environment: String, by owner: Identity) throws {
    _ = try self.owner(owner)
    guard header.environment(environment) != nil else { throw environmentNotFound(environment) }
    guard header.openBaoRecipient(environment) != nil else {
      throw VaultError.noOpenBaoRecipient(environment: environment)
    }
    header.openBao.removeAll { $0.environment == environment }
    header.generation += 1
    signHeader(with: owner)
  }

  /// `environment`'s key pair, unwrapped by OpenBao from the header's seal: transit checks
  /// the context (vault, environment, public key), and the key must match the env line.
  public func openBaoKeyPair(environment: String, transit: any TransitService) throws
    -> BoxKeyPair
  {
    guard let key = header.environment(environment) else { throw environmentNotFound(environment) }
    guard let recipient = header.openBaoRecipient(environment) else {
      throw VaultError.noOpenBaoRecipient(environment: environment)
    }
    let context = OpenBaoRecipient.context(
      vaultID: header.vaultID, environment: environment, publicKey: key.publicKey)
    let secret = try transit.decrypt(recipient, context: context)
    guard secret.count == 32, let pair = try? BoxKeyPair(secretKey: secret),
      pair.publicKey == key.publicKey
    else {
      throw VaultError.integrity(
        path: path, what: "openbao \(environment)", problem: .keyMismatch)
    }
    return pair
  }

  /// Re-seals `environment`'s new key through its OpenBao recipient during a re-key (a
  /// member removed or narrowed): nothing if it has none. Without a transit service the
  /// re-key is refused before anything changes, never written with a seal of the old key or
  /// without the recipient (README, "Organisations: OpenBao").
  func resealedOpenBao(_ environment: String, newKey: BoxKeyPair) throws -> OpenBaoRecipient? {
    guard var recipient = header.openBaoRecipient(environment) else { return nil }
    guard let transit else { throw VaultError.openBaoNeeded(environment: environment) }
    let context = OpenBaoRecipient.context(
      vaultID: header.vaultID, environment: environment, publicKey: newKey.publicKey)
    recipient.ciphertext = try transit.encrypt(newKey.secretKey, for: recipient, context: context)
    guard OpenBaoRecipient.isValidCiphertext(recipient.ciphertext) else {
      throw OpenBaoFailure(.unavailable, "OpenBao answered with a ciphertext vault cannot store")
    }
    return recipient
  }
}
