/// OpenBao's transit engine as the vault sees it: wrap an environment's secret key under a
/// recipient's transit key, and unwrap it again, each bound to `context` (transit's
/// `associated_data`). The implementation lives in `vault-net` (`OpenBaoClient`), so that
/// `vault` links no networking library; it throws ``OpenBaoFailure``.
public protocol TransitService: Sendable {
  /// Transit's ciphertext (`vault:vN:…`) of `secret`, bound to `context`.
  func encrypt(_ secret: SecretBytes, for recipient: OpenBaoRecipient, context: [UInt8]) throws
    -> String
  /// The plaintext of `recipient.ciphertext`, which transit releases only for the same
  /// `context`.
  func decrypt(_ recipient: OpenBaoRecipient, context: [UInt8]) throws -> SecretBytes
}
