import CSodium
import Synchronization

/// Released `sodium_malloc` buffers, zeroed, kept by size for reuse. Each allocation costs
/// several system calls (guard pages, mprotect, mlock); re-keying 10,000 entries makes about
/// ten buffers per entry, so without reuse most of its time went to the kernel. A pooled
/// buffer stays locked, guarded and zero while it waits. The pool is a list of (size,
/// address) pairs, not a dictionary by size: `exec` allocates here, and the first use of a
/// Dictionary type costs a runtime protocol-conformance lookup (README, "Why it is fast");
/// there are only a few sizes.
private let pool = Mutex<[(size: Int, address: UInt)]>([])

/// At most this many idle buffers per size.
private let poolDepth = 16

/// Secret bytes in a `sodium_malloc` buffer: guarded pages, locked in memory, and zeroed
/// when the last reference goes away. Key material and secret values live only here.
public final class SecretBytes: @unchecked Sendable {
  /// The number of bytes held.
  public let count: Int
  private let base: UnsafeMutableRawPointer

  /// Allocates `count` zeroed bytes. `count` may be zero.
  public init(count: Int) {
    Sodium.ensureInitialized()
    self.count = count
    // sodium_malloc(0) may return a valid pointer or NULL; ask for one byte at least.
    let size = Swift.max(count, 1)
    if let reused = pool.withLock({ buffers -> UInt? in
      guard let index = buffers.lastIndex(where: { $0.size == size }) else { return nil }
      return buffers.remove(at: index).address
    }),
      let pointer = UnsafeMutableRawPointer(bitPattern: reused)
    {
      self.base = pointer
      return
    }
    guard let pointer = sodium_malloc(size) else {
      fatalError("sodium_malloc failed: out of memory")
    }
    sodium_memzero(pointer, size)
    self.base = pointer
  }

  /// Copies `bytes` into a new secret buffer. The caller zeroes its own copy.
  public convenience init<C: Collection<UInt8>>(copying bytes: C) {
    self.init(count: bytes.count)
    let target = base.assumingMemoryBound(to: UInt8.self)
    var index = 0
    for byte in bytes {
      target[index] = byte
      index += 1
    }
  }

  deinit {
    let size = Swift.max(count, 1)
    sodium_memzero(base, size)
    let address = UInt(bitPattern: base)
    let kept = pool.withLock { buffers -> Bool in
      guard buffers.count(where: { $0.size == size }) < poolDepth else { return false }
      buffers.append((size, address))
      return true
    }
    if !kept { sodium_free(base) }
  }

  /// Read access to the bytes. The pointer must not escape the closure.
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try body(UnsafeRawBufferPointer(start: base, count: count))
  }

  /// Write access to the bytes. The pointer must not escape the closure.
  public func withUnsafeMutableBytes<R>(
    _ body: (UnsafeMutableRawBufferPointer) throws -> R
  ) rethrows -> R {
    try body(UnsafeMutableRawBufferPointer(start: base, count: count))
  }

  /// A new buffer holding `range` of these bytes.
  public func slice(_ range: Range<Int>) -> SecretBytes {
    precondition(range.lowerBound >= 0 && range.upperBound <= count)
    let result = SecretBytes(count: range.count)
    result.withUnsafeMutableBytes { target in
      withUnsafeBytes { source in
        if !range.isEmpty {
          target.baseAddress!.copyMemory(
            from: source.baseAddress! + range.lowerBound, byteCount: range.count)
        }
      }
    }
    return result
  }

  /// Constant-time comparison with another buffer.
  public func constantTimeEquals(_ other: SecretBytes) -> Bool {
    guard count == other.count else { return false }
    return withUnsafeBytes { a in
      other.withUnsafeBytes { b in
        sodium_memcmp(a.baseAddress!, b.baseAddress!, count) == 0
      }
    }
  }
}

/// Zeroes a Swift array that briefly held secret bytes (a copy the runtime made may remain;
/// secrets stay in `SecretBytes` wherever an API allows).
@inline(never)
public func wipe(_ bytes: inout [UInt8]) {
  bytes.withUnsafeMutableBytes { buffer in
    if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
  }
  bytes.removeAll()
}
