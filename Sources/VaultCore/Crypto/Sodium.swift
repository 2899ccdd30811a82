import CSodium

/// libsodium's initialization, randomness, hashing and encodings: the small helpers every
/// other crypto wrapper uses.
public enum Sodium {
  private static let initialized: Bool = sodium_init() >= 0

  /// Runs `sodium_init` once; libsodium picks its fastest implementations there.
  public static func ensureInitialized() {
    precondition(initialized, "sodium_init failed")
  }

  /// `count` bytes from the operating system's CSPRNG.
  public static func randomBytes(_ count: Int) -> [UInt8] {
    ensureInitialized()
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
      if let base = buffer.baseAddress { randombytes_buf(base, count) }
    }
    return bytes
  }

  /// Unkeyed BLAKE2b with an output of `length` bytes (16...64).
  public static func blake2b(_ input: [UInt8], length: Int = 32) -> [UInt8] {
    ensureInitialized()
    // libsodium's bounds (16...64 bytes): outside them it fails and the output would stay
    // zeros. Lengths are constants of the format, so a wrong one is a programming error.
    precondition((16...64).contains(length), "BLAKE2b output length \(length) out of 16...64")
    var output = [UInt8](repeating: 0, count: length)
    let padded = input.isEmpty ? [0] : input
    let status = padded.withUnsafeBufferPointer { source in
      crypto_generichash(
        &output, length, source.baseAddress, UInt64(input.count), nil, 0)
    }
    precondition(status == 0, "crypto_generichash failed")
    return output
  }

  /// Constant-time equality of two byte arrays of equal length.
  public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return sodium_memcmp(a, b, a.count) == 0
  }
}
