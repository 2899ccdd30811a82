import CSodium
import Glibc

/// One thing `vault scan` found: where, what, and a redacted form; never the value.
public struct Leak: Sendable, Equatable {
  /// The line (from 1) the match starts on.
  public var line: Int
  public var kind: LeakKind
  /// The redacted form (`sk-proj-…wxyz`, `OpenAIKeys.redact`).
  public var redacted: String
  /// For a vault value: the labels that hold it.
  public var label: String?
}

/// Finds OpenAI key shapes and this vault's values in a stream of bytes, in chunks of
/// `chunkSize`, with bounded memory: a file of any size costs one buffer of
/// `chunkSize` plus the longest match. The last `window` bytes of each chunk are kept for
/// the next, so a match that spans a read boundary is still found.
///
/// Positions tested: a key starts at `sk-` where a run of key characters (letters, digits,
/// `-`, `_`) begins; a vault value at a token start, a printable byte (not a blank or a
/// control character) that follows a byte which is not a key character, or the stream's
/// start. So a value is found inside `KEY="…"`, `Bearer …`, `?key=…`, a JSON string, but not
/// glued to the end of a longer word (`xyzVALUE`). Testing every byte position instead would
/// cost about five times the hashing for no realistic case.
///
/// Binary input: a NUL byte among the first `binaryProbe` bytes skips the whole stream (as
/// git decides what is binary); a later NUL ends the scan there (as ripgrep does), so a
/// sparse file or a disk image costs one block, not gigabytes of reading.
public final class LeakScanner {
  /// Bytes read per chunk.
  public static let chunkSize = 64 << 10
  /// How many leading bytes decide that a stream is binary (git's figure).
  public static let binaryProbe = 8000

  let values: ValueIndex?
  /// Bytes kept from one chunk for the next: the longest match, plus one to see its end.
  let window: Int
  private let capacity: Int
  private let buffer: UnsafeMutableRawPointer

  // One stream's state.
  private var filled = 0
  private var line = 1
  private var previous: UInt8 = 0x0A
  private var skip = 0
  private var probed = false
  private var stopped = false
  private var detectBinary = true
  private var found: [(start: Int, length: Int, kind: LeakKind, label: Int?)] = []

  /// A scanner for key shapes, and for `values` when given.
  public init(values: ValueIndex?) {
    self.values = values
    window = Swift.max(KeyShapes.maximumLength, values?.maximumLength ?? 0) + 1
    capacity = Self.chunkSize + window
    buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
  }

  deinit {
    buffer.deallocate()
  }

  /// Whether this run looks for vault values too.
  public var hasValues: Bool { (values?.count ?? 0) > 0 }

  /// Starts a new stream whose first byte is on line `line`. With `detectBinary` false
  /// (diff lines from git), NUL bytes are scanned through like any other.
  public func begin(line: Int = 1, detectBinary: Bool = true) {
    filled = 0
    self.line = line
    previous = 0x0A
    skip = 0
    probed = !detectBinary
    stopped = false
    binary = false
    self.detectBinary = detectBinary
  }

  /// Whether the stream was found binary at its start (nothing was reported).
  public private(set) var binary = false

  /// Adds bytes to the stream. Returns false once the rest of the stream is not needed (it
  /// turned binary).
  @discardableResult
  public func feed(_ bytes: UnsafeRawBufferPointer, report: (Leak) -> Void) -> Bool {
    var offset = 0
    while offset < bytes.count && !stopped {
      let count = Swift.min(bytes.count - offset, capacity - filled)
      (buffer + filled).copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
      offset += count
      absorb(count, report: report)
    }
    return !stopped
  }

  /// Scans the regular file open at `fd` to its end (or its first NUL byte) as one stream.
  /// Returns false when it is binary (nothing reported).
  public func scan(fd: Int32, report: (Leak) -> Void) throws -> Bool {
    begin()
    while !stopped {
      let count = read(fd, buffer + filled, capacity - filled)
      if count < 0 {
        if errno == EINTR { continue }
        throw VaultError.io(path: "", operation: "read", errno: errno)
      }
      if count == 0 { break }
      absorb(count, report: report)
    }
    finish(report: report)
    return !binary
  }

  /// Ends the stream: scans what is left.
  public func finish(report: (Leak) -> Void) {
    if stopped { return }
    if !probed {
      probed = true
      if Self.hasNUL(buffer, filled) {
        binary = true
        stopped = true
        return
      }
    }
    process(limit: filled, report: report)
    filled = 0
    stopped = true
  }

  /// `count` new bytes are at `buffer + filled`.
  private func absorb(_ count: Int, report: (Leak) -> Void) {
    var count = count
    if probed && detectBinary, let nul = memchr(buffer + filled, 0, count) {
      // A NUL after the probe: the text ends here.
      count = buffer.distance(to: nul) - filled
      stopped = true
    }
    filled += count
    if !probed {
      guard filled >= Self.binaryProbe || stopped else { return }
      probed = true
      if Self.hasNUL(buffer, Swift.min(filled, Self.binaryProbe)) {
        binary = true
        stopped = true
        return
      }
      if let nul = memchr(buffer, 0, filled) {
        filled = buffer.distance(to: nul)
        stopped = true
      }
    }
    if stopped {
      process(limit: filled, report: report)
      filled = 0
      return
    }
    if filled == capacity {
      let limit = capacity - window
      process(limit: limit, report: report)
      // Keep the window for the next chunk.
      previous = buffer.load(fromByteOffset: limit - 1, as: UInt8.self)
      buffer.copyMemory(from: buffer + limit, byteCount: filled - limit)
      filled -= limit
      skip = Swift.max(0, skip - limit)
    }
  }

  private static func hasNUL(_ pointer: UnsafeMutableRawPointer, _ count: Int) -> Bool {
    count > 0 && memchr(pointer, 0, count) != nil
  }

  /// Reports every match starting before `limit`; bytes up to `filled` may be read.
  private func process(limit: Int, report: (Leak) -> Void) {
    guard limit > 0 else { return }
    let bytes = UnsafeRawBufferPointer(start: buffer, count: filled)
    found.removeAll(keepingCapacity: true)
    findKeys(bytes, limit: limit)
    if let values, values.count > 0 { findValues(bytes, limit: limit, values: values) }
    var counted = 0
    if !found.isEmpty {
      // Values before keys at one start; a match inside an earlier one is dropped.
      found.sort {
        ($0.start, $0.kind == .vaultValue ? 0 : 1) < ($1.start, $1.kind == .vaultValue ? 0 : 1)
      }
      var end = skip
      for match in found where match.start >= end {
        line += Self.newlines(buffer + counted, match.start - counted)
        counted = match.start
        end = match.start + match.length
        let value = SecretBytes(
          copying: UnsafeRawBufferPointer(start: buffer + match.start, count: match.length))
        report(
          Leak(
            line: line, kind: match.kind, redacted: OpenAIKeys.redact(value),
            label: match.label.map { values?.labels[$0] ?? "" }))
      }
      skip = Swift.max(skip, end)
    }
    line += Self.newlines(buffer + counted, limit - counted)
  }

  private func findKeys(_ bytes: UnsafeRawBufferPointer, limit: Int) {
    let needle: [UInt8] = [0x73, 0x6B, 0x2D]  // "sk-"
    var position = skip
    while position < limit {
      let span = Swift.min(bytes.count, limit + 2) - position
      guard span >= 3,
        let hit = needle.withUnsafeBytes({
          vault_memmem(bytes.baseAddress! + position, span, $0.baseAddress!, 3)
        })
      else { return }
      let start = bytes.baseAddress!.distance(to: UnsafeRawPointer(hit))
      guard start < limit else { return }
      let before = start == 0 ? previous : bytes[start - 1]
      if !ProviderKeys.isKeyCharacter(before),
        let (length, kind) = KeyShapes.match(bytes, at: start)
      {
        found.append((start, length, kind, nil))
        position = start + length
      } else {
        position = start + 1
      }
    }
  }

  private func findValues(_ bytes: UnsafeRawBufferPointer, limit: Int, values: ValueIndex) {
    var afterKeyCharacter =
      skip == 0
      ? ProviderKeys.isKeyCharacter(previous) : ProviderKeys.isKeyCharacter(bytes[skip - 1])
    var position = skip
    while position < limit {
      let byte = bytes[position]
      if !afterKeyCharacter && byte > 0x20 && byte != 0x7F,
        let (length, label) = values.match(bytes, at: position)
      {
        found.append((position, length, .vaultValue, label))
        position += length
        guard position < bytes.count else { return }
        afterKeyCharacter = ProviderKeys.isKeyCharacter(bytes[position - 1])
        continue
      }
      afterKeyCharacter = ProviderKeys.isKeyCharacter(byte)
      position += 1
    }
  }

  private static func newlines(_ start: UnsafeMutableRawPointer, _ count: Int) -> Int {
    var total = 0
    var cursor = start
    var left = count
    while left > 0, let hit = memchr(cursor, 0x0A, left) {
      total += 1
      let next = hit + 1
      left -= cursor.distance(to: next)
      cursor = next
    }
    return total
  }
}
