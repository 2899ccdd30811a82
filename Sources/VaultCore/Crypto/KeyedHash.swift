import CSodium

/// Keyed hashes under keys made fresh for one run: `vault scan` compares file contents
/// with the vault's values through these, so the values themselves are dropped (zeroed)
/// once hashed and never sit in clear beside the files being read.
///
/// Two functions, both libsodium's: a 64-bit SipHash-2-4 tag (`crypto_shorthash`) of a
/// fixed 8-byte prefix, a cheap first test at each candidate position; and a 128-bit keyed
/// BLAKE2b (`crypto_generichash` with a 32-byte key) of a whole candidate, the real test.
public final class KeyedHash: @unchecked Sendable {
  /// How many leading bytes `prefixTag` covers.
  public static let prefixLength = 8

  private let prefixKey: SecretBytes
  private let digestKey: SecretBytes

  /// Two fresh random keys from the operating system's CSPRNG.
  public init() {
    Sodium.ensureInitialized()
    prefixKey = SecretBytes(count: Int(crypto_shorthash_keybytes()))
    prefixKey.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
    digestKey = SecretBytes(count: 32)
    digestKey.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
  }

  /// SipHash-2-4 of the `prefixLength` bytes at `bytes`.
  @inline(__always)
  public func prefixTag(_ bytes: UnsafeRawPointer) -> UInt64 {
    var tag: UInt64 = 0
    prefixKey.withUnsafeBytes { key in
      withUnsafeMutableBytes(of: &tag) { out in
        _ = crypto_shorthash(
          out.bindMemory(to: UInt8.self).baseAddress!,
          bytes.assumingMemoryBound(to: UInt8.self), UInt64(Self.prefixLength),
          key.bindMemory(to: UInt8.self).baseAddress!)
      }
    }
    return tag
  }

  /// Keyed BLAKE2b-128 of the `count` bytes at `bytes` (`count` > 0).
  public func digest(_ bytes: UnsafeRawPointer, count: Int) -> Digest {
    var digest = Digest()
    digestKey.withUnsafeBytes { key in
      withUnsafeMutableBytes(of: &digest) { out in
        _ = crypto_generichash(
          out.bindMemory(to: UInt8.self).baseAddress!, 16,
          bytes.assumingMemoryBound(to: UInt8.self), UInt64(count),
          key.bindMemory(to: UInt8.self).baseAddress!, 32)
      }
    }
    return digest
  }

  /// A 128-bit keyed digest, comparable and sortable.
  public struct Digest: Comparable, Sendable {
    var high: UInt64 = 0
    var low: UInt64 = 0

    public static func < (a: Digest, b: Digest) -> Bool {
      (a.high, a.low) < (b.high, b.low)
    }
  }
}
