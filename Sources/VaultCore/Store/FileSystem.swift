import Glibc

/// The file operations the vault needs, on Glibc directly: no Foundation (it costs start-up
/// time on the `exec` path), no `Data.write(.atomic)` (it resets modes), no `replaceItemAt`.
public enum FileSystem {
  /// A file's bytes and permission bits.
  public struct Contents: Sendable {
    public var bytes: [UInt8]
    public var mode: mode_t
  }

  /// Opens a regular file read-only without following a symlink and calls `body` with its
  /// descriptor and status. Returns nil when the file does not exist. The open never
  /// blocks (`O_NONBLOCK`: a FIFO would wait for a writer), and anything but a regular file
  /// is refused before a byte is read.
  private static func withRegularFile<R>(
    _ path: String, _ body: (Int32, stat) throws -> R
  ) throws -> R? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    if fd < 0 {
      let error = errno
      if error == ENOENT || error == ENOTDIR { return nil }
      if error == ELOOP { throw VaultError.symlink(path: path) }
      throw VaultError.io(path: path, operation: "open", errno: error)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw VaultError.io(path: path, operation: "stat", errno: errno)
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw VaultError.notRegularFile(path: path) }
    return try body(fd, info)
  }

  /// The largest vault file any command reads or maps: 256 MiB, checked on the file's size
  /// before a byte is read, so a huge (or sparse) file costs neither memory nor time.
  public static let maximumVaultSize = 256 << 20

  /// Reads a regular file of at most `maximumSize` bytes. Returns nil when it does not
  /// exist; refuses symlinks and larger files.
  public static func read(_ path: String, maximumSize: Int = maximumVaultSize) throws
    -> Contents?
  {
    try withRegularFile(path) { fd, info in
      guard Int(info.st_size) <= maximumSize else {
        throw VaultError.fileTooLarge(path: path, limit: maximumSize)
      }
      // Read into uninitialized capacity (zero-filling first costs time on large vaults),
      // with one spare byte: filling it means the file grew while being read.
      let capacity = Int(info.st_size) + 1
      var failure: Int32 = 0
      let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
        initialized = 0
        while initialized < capacity {
          let count = Glibc.read(fd, buffer.baseAddress! + initialized, capacity - initialized)
          if count < 0 {
            if errno == EINTR { continue }
            failure = errno
            return
          }
          if count == 0 { break }
          initialized += count
        }
      }
      if failure != 0 { throw VaultError.io(path: path, operation: "read", errno: failure) }
      guard bytes.count < capacity else {
        throw VaultError.io(
          path: path, operation: "read (file changed while reading)", errno: EAGAIN)
      }
      return Contents(bytes: bytes, mode: info.st_mode & 0o7777)
    }
  }

  /// Maps a regular file of at most `maximumSize` bytes read-only and calls `body` with its
  /// bytes; nil when it does not exist. Refuses symlinks and larger files (the same cap as
  /// `read`). `exec` reads large vaults this way: no copy, and only the pages it searches
  /// are touched.
  public static func withMapped<R>(
    _ path: String, maximumSize: Int = maximumVaultSize,
    _ body: (UnsafeRawBufferPointer, mode_t) throws -> R
  ) throws -> R? {
    try withRegularFile(path) { fd, info in
      let size = Int(info.st_size)
      guard size <= maximumSize else {
        throw VaultError.fileTooLarge(path: path, limit: maximumSize)
      }
      let mode = info.st_mode & 0o7777
      if size == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0), mode) }
      guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapping != MAP_FAILED
      else { throw VaultError.io(path: path, operation: "mmap", errno: errno) }
      defer { munmap(mapping, size) }
      return try body(UnsafeRawBufferPointer(start: mapping, count: size), mode)
    }
  }

  /// Whether anything exists at `path` (a dangling symlink counts).
  public static func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }

  /// Whether `path` is a directory.
  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Creates `path` and its missing parents with mode 0700.
  public static func makeDirectories(_ path: String) throws {
    if path.isEmpty || isDirectory(path) { return }
    try makeDirectories(Paths.directory(of: path))
    if mkdir(path, 0o700) != 0 && errno != EEXIST {
      throw VaultError.io(path: path, operation: "mkdir", errno: errno)
    }
  }

  /// Replaces `path` atomically: a 0600 temp file in the same directory, written, fsynced,
  /// renamed over `path`, then the directory fsynced. A crash leaves the old or the new file.
  /// With `exclusive`, the new file is linked into place and fails if `path` exists. Without
  /// `durable` nothing is fsynced: for a cache, whose reader checks its shape.
  public static func writeAtomically(
    _ path: String, _ bytes: [UInt8], exclusive: Bool = false, durable: Bool = true
  ) throws {
    let directory = Paths.directory(of: path)
    let suffix = Base64URL.encode(Sodium.randomBytes(9))
    let temp = directory + "/." + Paths.baseName(of: path) + ".tmp-" + suffix
    let fd = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { throw VaultError.io(path: temp, operation: "create", errno: errno) }
    var done = false
    defer {
      if !done { unlink(temp) }
    }
    do {
      var isOpen = true
      defer { if isOpen { close(fd) } }
      // The umask may have narrowed the mode further, never widened it; make it exact.
      guard fchmod(fd, 0o600) == 0 else {
        throw VaultError.io(path: temp, operation: "chmod", errno: errno)
      }
      var written = 0
      while written < bytes.count {
        let count = bytes.withUnsafeBytes { buffer in
          write(fd, buffer.baseAddress! + written, buffer.count - written)
        }
        if count < 0 {
          if errno == EINTR { continue }
          throw VaultError.io(path: temp, operation: "write", errno: errno)
        }
        written += count
      }
      guard !durable || fsync(fd) == 0 else {
        throw VaultError.io(path: temp, operation: "fsync", errno: errno)
      }
      // A file system may report a failed write only at close (NFS): checked too.
      isOpen = false
      guard close(fd) == 0 else {
        throw VaultError.io(path: temp, operation: "close", errno: errno)
      }
    }
    if exclusive {
      guard link(temp, path) == 0 else {
        let error = errno
        if error == EEXIST { throw VaultError.alreadyExists(path: path) }
        throw VaultError.io(path: path, operation: "link", errno: error)
      }
      unlink(temp)
    } else {
      guard rename(temp, path) == 0 else {
        throw VaultError.io(path: path, operation: "rename", errno: errno)
      }
    }
    done = true
    if durable { syncDirectory(directory) }
  }

  private static func syncDirectory(_ directory: String) {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      fsync(fd)
      close(fd)
    }
  }
}

/// An exclusive `flock` on the directory that holds a vault, held for a whole
/// read-modify-write. Locking the directory, not the file, survives the rename that replaces
/// the vault's inode and leaves no lock file for `git status` to show.
public final class DirectoryLock {
  private let fd: Int32

  /// Blocks until the lock on `directory` is held.
  public init(directory: String) throws {
    fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw VaultError.io(path: directory, operation: "open", errno: errno) }
    while flock(fd, LOCK_EX) != 0 {
      if errno == EINTR { continue }
      let error = errno
      close(fd)
      throw VaultError.io(path: directory, operation: "lock", errno: error)
    }
  }

  deinit {
    flock(fd, LOCK_UN)
    close(fd)
  }
}
