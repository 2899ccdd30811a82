/// This vault's values as keyed hashes, to find them in files without keeping them in
/// clear (README, "Leak scan").
///
/// Each value of at least `minimumLength` bytes is hashed twice under keys made for this
/// run (`KeyedHash`): a SipHash tag of its first 8 bytes, and a keyed BLAKE2b digest of the
/// whole value, filed under its length; then the caller drops the value. A file position is
/// tested by the tag of the 8 bytes there (a 65,536-bit filter first, then the sorted tags),
/// and only on a hit by the digest of the window of each stored length starting there.
/// Which positions are tested is `LeakScanner`'s choice (token starts).
public struct ValueIndex: Sendable {
  /// Values shorter than this are not looked for: too many would match by chance (`dev`,
  /// `true`, a port number), and a short secret is better found by its name.
  public static let minimumLength = 12

  let hash: KeyedHash
  /// One bit per low 16 bits of a prefix tag.
  private var filter = [UInt64](repeating: 0, count: 1024)
  private var tags: [UInt64] = []
  /// Digests by value length, longest first; each digest with the labels holding that value.
  private var lengths: [(length: Int, digests: [(digest: KeyedHash.Digest, label: Int)])] = []
  /// The labels (`project/env/NAME`, several joined when one value is stored under each).
  public private(set) var labels: [String] = []

  /// The longest value indexed (0 when none).
  public var maximumLength: Int { lengths.first?.length ?? 0 }
  /// How many distinct values are indexed.
  public var count: Int { labels.count }

  public init(hash: KeyedHash = KeyedHash()) {
    self.hash = hash
  }

  /// Adds `value` under `label`; false (nothing kept) when it is shorter than
  /// `minimumLength`. The caller may drop `value` right after.
  @discardableResult
  public mutating func add(_ value: SecretBytes, label: String) -> Bool {
    guard value.count >= Self.minimumLength else { return false }
    let (tag, digest) = value.withUnsafeBytes {
      (hash.prefixTag($0.baseAddress!), hash.digest($0.baseAddress!, count: $0.count))
    }
    let slot: Int
    if let found = lengths.firstIndex(where: { $0.length == value.count }) {
      slot = found
    } else {
      slot = lengths.firstIndex(where: { $0.length < value.count }) ?? lengths.count
      lengths.insert((value.count, []), at: slot)
    }
    if let same = lengths[slot].digests.firstIndex(where: { $0.digest == digest }) {
      labels[lengths[slot].digests[same].label] += ", " + label
      return true
    }
    labels.append(label)
    lengths[slot].digests.append((digest, labels.count - 1))
    lengths[slot].digests.sort { $0.digest < $1.digest }
    filter[Int(tag & 0xFFFF) >> 6] |= 1 << (tag & 63)
    if !tags.contains(tag) {
      tags.append(tag)
      tags.sort()
    }
    return true
  }

  /// The length and label index of the longest stored value starting at `start` of
  /// `bytes`, if any.
  @inline(__always)
  func match(_ bytes: UnsafeRawBufferPointer, at start: Int) -> (length: Int, label: Int)? {
    let available = bytes.count - start
    guard available >= Self.minimumLength else { return nil }
    let base = bytes.baseAddress! + start
    let tag = hash.prefixTag(base)
    guard filter[Int(tag & 0xFFFF) >> 6] & (1 << (tag & 63)) != 0, Self.contains(tags, tag)
    else { return nil }
    for (length, digests) in lengths where length <= available {
      let digest = hash.digest(base, count: length)
      var low = 0
      var high = digests.count
      while low < high {
        let middle = (low + high) / 2
        if digests[middle].digest < digest { low = middle + 1 } else { high = middle }
      }
      if low < digests.count && digests[low].digest == digest {
        return (length, digests[low].label)
      }
    }
    return nil
  }

  private static func contains(_ sorted: [UInt64], _ tag: UInt64) -> Bool {
    var low = 0
    var high = sorted.count
    while low < high {
      let middle = (low + high) / 2
      if sorted[middle] < tag { low = middle + 1 } else { high = middle }
    }
    return low < sorted.count && sorted[low] == tag
  }
}
