import Glibc

/// Buffered reading of a pipe (git's output) in records, lines or raw pieces, in a buffer
/// of fixed size: nothing git prints is held whole.
public struct PipeReader {
  private let fd: Int32
  private var buffer: [UInt8]
  private var start = 0
  private var end = 0
  private var atEnd = false

  public init(fd: Int32, capacity: Int = 256 << 10) {
    self.fd = fd
    buffer = [UInt8](repeating: 0, count: capacity)
  }

  /// Moves what is unread to the front and reads more; false at end of input.
  private mutating func fill() throws -> Bool {
    if atEnd { return false }
    if start > 0 {
      buffer.withUnsafeMutableBytes { raw in
        raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
      }
      end -= start
      start = 0
    }
    guard end < buffer.count else { return true }
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + end, $0.count - end) }
      if count < 0 {
        if errno == EINTR { continue }
        throw VaultError.io(path: "git", operation: "read output of", errno: errno)
      }
      if count == 0 {
        atEnd = true
        return false
      }
      end += count
      return true
    }
  }

  /// Whatever is buffered or next read, as one piece; empty at end of input.
  public mutating func next() throws -> [UInt8] {
    if start == end { _ = try fill() }
    defer { start = end }
    return Array(buffer[start..<end])
  }

  /// The next record ending in `separator`, without it; nil at end of input. A record
  /// longer than the buffer is cut (its first part only). The pointer is valid until the
  /// next call; the byte after the record is the separator (or the buffer's end).
  public mutating func record(
    separator: UInt8, _ body: (UnsafeRawBufferPointer) throws -> Void
  ) throws -> Bool {
    while true {
      if let index = buffer[start..<end].firstIndex(of: separator) {
        let record = start..<index
        start = index + 1
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[record])) }
        return true
      }
      if end - start == buffer.count {
        // Too long: take what is here and drop the rest of the record.
        let record = start..<end
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[record])) }
        start = end
        while true {
          if start == end, !(try fill()) { return true }
          if let index = buffer[start..<end].firstIndex(of: separator) {
            start = index + 1
            return true
          }
          start = end
        }
      }
      if !(try fill()) {
        guard start < end else { return false }
        let record = start..<end
        start = end
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[record])) }
        return true
      }
    }
  }

  /// Calls `body` with the next line's bytes (no newline) in pieces: `first` for the first
  /// piece, which holds the whole line or a full buffer; `last` for the last. False at end
  /// of input.
  public mutating func line(
    _ body: (UnsafeRawBufferPointer, _ first: Bool, _ last: Bool) throws -> Void
  ) throws -> Bool {
    var first = true
    while true {
      if start == end, !(try fill()) {
        if !first { try body(UnsafeRawBufferPointer(start: nil, count: 0), false, true) }
        return !first
      }
      if let index = buffer[start..<end].firstIndex(of: 0x0A) {
        let piece = start..<index
        start = index + 1
        try buffer.withUnsafeBytes {
          try body(UnsafeRawBufferPointer(rebasing: $0[piece]), first, true)
        }
        return true
      }
      if first && end - start < buffer.count && !atEnd {
        // Read more before the first piece, so it holds the line's start whole.
        let before = end - start
        if try fill() || end - start > before { continue }
      }
      let piece = start..<end
      start = end
      try buffer.withUnsafeBytes {
        try body(UnsafeRawBufferPointer(rebasing: $0[piece]), first, false)
      }
      first = false
    }
  }

  /// Passes the next `count` bytes to `body` in pieces.
  public mutating func exactly(
    _ count: Int, _ body: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    var left = count
    while left > 0 {
      if start == end, !(try fill()) {
        throw VaultError.io(path: "git", operation: "read output of", errno: EPIPE)
      }
      let take = Swift.min(left, end - start)
      let piece = start..<(start + take)
      start += take
      left -= take
      try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[piece])) }
    }
  }
}
