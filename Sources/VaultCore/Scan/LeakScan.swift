import Glibc

/// What `vault scan` reads, and how (README, "Leak scan"): the files of a work tree as git
/// lists them (tracked, and untracked but not ignored), every file under a directory
/// outside git, the staged content, or what each commit of the history added.
public struct LeakScan {
  /// One finding, with where it was.
  public struct Finding: Sendable, Equatable {
    /// The commit that added it (`--history`), else nil.
    public var commit: String?
    /// The file, as given or as git names it.
    public var path: String
    public var leak: Leak
  }

  let scanner: LeakScanner
  let found: (Finding) -> Void
  /// A file not read: its path and why.
  let skipped: (String, String) -> Void

  public init(
    scanner: LeakScanner, found: @escaping (Finding) -> Void,
    skipped: @escaping (String, String) -> Void
  ) {
    self.scanner = scanner
    self.found = found
    self.skipped = skipped
  }

  /// Whether `path` is inside a git work tree.
  public static func isInWorkTree(_ path: String) -> Bool {
    GitProcess.capture(["-C", path, "rev-parse", "--is-inside-work-tree"]) == "true\n"
  }

  // MARK: Files

  /// Scans `root`: a file alone, or a directory's files (git's list inside a work tree,
  /// else a walk that follows no symlink and skips `.git` directories).
  public func files(under root: String) throws {
    var info = stat()
    guard lstat(root, &info) == 0 else {
      if errno == ENOENT || errno == ENOTDIR { throw VaultError.pathNotFound(path: root) }
      throw VaultError.io(path: root, operation: "stat", errno: errno)
    }
    if (info.st_mode & S_IFMT) != S_IFDIR {
      Self.file(AT_FDCWD, root, display: { root }, scanner: scanner, emit: report)
      return
    }
    let directory = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directory >= 0 else { throw VaultError.io(path: root, operation: "open", errno: errno) }
    defer { close(directory) }
    let prefix = root == "." ? "" : (root.hasSuffix("/") ? root : root + "/")
    if Self.isInWorkTree(root) {
      try listed(directory, root: root, prefix: prefix)
    } else {
      walk(directory, prefix: prefix)
    }
  }

  /// The files `git ls-files` names, each scanned as soon as git prints its name. (Two
  /// threads, each with its own scanner, were measured no faster on this 2-core machine:
  /// README, "Performance".)
  private func listed(_ directory: Int32, root: String, prefix: String) throws {
    let git = try GitProcess([
      "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
      "--deduplicate",
    ])
    var reader = PipeReader(fd: git.output)
    var name: [CChar] = []
    while try reader.record(
      separator: 0,
      { record in
        name.removeAll(keepingCapacity: true)
        name.append(contentsOf: record.bindMemory(to: CChar.self))
        name.append(0)
      })
    {
      Self.file(
        directory, name,
        display: {
          prefix + String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }, scanner: scanner, emit: report)
    }
    guard git.wait() == 0 else {
      throw VaultError.io(path: "git ls-files", operation: "run", errno: EIO)
    }
  }

  /// One finding or one skipped file.
  enum Event {
    case found(Finding)
    case skipped(String, String)
  }

  private func report(_ event: Event) {
    switch event {
    case .found(let finding): found(finding)
    case .skipped(let path, let reason): skipped(path, reason)
    }
  }

  /// Every file under `directory`, without following symlinks.
  private func walk(_ directory: Int32, prefix: String) {
    let fd = dup(directory)
    guard fd >= 0, let stream = fdopendir(fd) else {
      if fd >= 0 { close(fd) }
      skipped(prefix.isEmpty ? "." : prefix, String(cString: strerror(errno)))
      return
    }
    defer { closedir(stream) }
    while let entry = readdir(stream) {
      var name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        Array(raw.bindMemory(to: CChar.self).prefix { $0 != 0 })
      }
      let text = String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      if text == "." || text == ".." { continue }
      name.append(0)
      var type = Int32(entry.pointee.d_type)
      if type == Int32(DT_UNKNOWN) {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
        type = (info.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : Int32(DT_REG)
      }
      if type == Int32(DT_DIR) {
        if text == ".git" { continue }
        let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard child >= 0 else {
          skipped(prefix + text, String(cString: strerror(errno)))
          continue
        }
        walk(child, prefix: prefix + text + "/")
        close(child)
      } else {
        Self.file(
          directory, name, display: { prefix + text }, scanner: scanner, emit: report)
      }
    }
  }

  /// Scans one file named `name` relative to `directory`: regular files only (a symlink,
  /// a directory or a submodule is passed over; a FIFO, socket or device is reported as
  /// skipped and never opened), opened without following a symlink and without blocking.
  static func file(
    _ directory: Int32, _ name: UnsafePointer<CChar>, display: () -> String,
    scanner: LeakScanner, emit: (Event) -> Void
  ) {
    var info = stat()
    guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
      // A tracked file deleted in the work tree has nothing to scan.
      if errno != ENOENT { emit(.skipped(display(), String(cString: strerror(errno)))) }
      return
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFLNK, S_IFDIR: return
    default:
      emit(.skipped(display(), "not a regular file"))
      return
    }
    if info.st_size == 0 { return }
    let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else {
      emit(.skipped(display(), String(cString: strerror(errno))))
      return
    }
    defer { close(fd) }
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      emit(.skipped(display(), "not a regular file"))
      return
    }
    do {
      var shown: String?
      _ = try scanner.scan(fd: fd) { leak in
        if shown == nil { shown = display() }
        emit(.found(Finding(commit: nil, path: shown ?? "", leak: leak)))
      }
    } catch let VaultError.io(_, _, code) {
      emit(.skipped(display(), String(cString: strerror(code))))
    } catch {
      emit(.skipped(display(), "\(error)"))
    }
  }

  // MARK: Staged content

  /// Scans the staged content of every file the index changes against HEAD (`git diff
  /// --cached`), read from the index with `git cat-file --batch`. Paths are git's, from the
  /// top of the work tree.
  public func staged(in root: String) throws {
    let list = try GitProcess([
      "-C", root, "diff", "--cached", "--name-only", "-z", "--diff-filter=d", "--no-renames",
    ])
    var names: [[UInt8]] = []
    var reader = PipeReader(fd: list.output)
    while try reader.record(separator: 0, { names.append(Array($0)) }) {}
    guard list.wait() == 0 else {
      throw VaultError.io(path: "git diff --cached", operation: "run", errno: EIO)
    }
    if names.isEmpty { return }
    let batch = try GitProcess(["-C", root, "cat-file", "--batch", "-z"], input: true)
    var output = PipeReader(fd: batch.output)
    for name in names {
      let display = String(decoding: name, as: UTF8.self)
      try batch.write(Array(":".utf8) + name + [0])
      var header: [UInt8] = []
      guard try output.record(separator: 0x0A, { header = Array($0) }) else {
        throw VaultError.io(path: "git cat-file", operation: "run", errno: EPIPE)
      }
      // `<oid> <type> <size>`, or `<name> missing`.
      let fields = header.split(separator: 0x20)
      guard fields.count == 3, let size = Int(String(decoding: fields[2], as: UTF8.self)) else {
        skipped(display, "not in the index")
        continue
      }
      let isBlob = fields[1].elementsEqual("blob".utf8)
      scanner.begin()
      var wanted = isBlob
      try output.exactly(size) { piece in
        guard wanted else { return }
        wanted = scanner.feed(piece) { found(Finding(commit: nil, path: display, leak: $0)) }
      }
      if wanted { scanner.finish { found(Finding(commit: nil, path: display, leak: $0)) } }
      try output.exactly(1) { _ in }
    }
    guard batch.wait() == 0 else {
      throw VaultError.io(path: "git cat-file", operation: "run", errno: EIO)
    }
  }

  // MARK: History

  /// Scans what every commit reachable from any ref added (`git log -p --all`): each run
  /// of added lines of a hunk as one stream, so a value over several lines is found, with
  /// the line numbers of the file in that commit. What a commit removed was added by an
  /// earlier one, and is found there.
  public func history(in root: String) throws {
    let git = try GitProcess([
      "-C", root, "log", "-p", "--all", "--no-color", "--no-ext-diff", "--no-textconv",
      "--format=commit %H",
    ])
    var reader = PipeReader(fd: git.output)
    var commit = ""
    var path = ""
    var oldLeft = 0
    var newLeft = 0
    var newLine = 0
    var inRun = false
    func report(_ leak: Leak) {
      found(Finding(commit: commit, path: path, leak: leak))
    }
    func closeRun() {
      if inRun { scanner.finish(report: report) }
      inRun = false
    }
    let newline: [UInt8] = [0x0A]
    while try reader.line({ piece, first, last in
      if !first {
        // The rest of a long added line.
        if inRun { scanner.feed(piece, report: report) }
        if last && inRun { newline.withUnsafeBytes { _ = scanner.feed($0, report: report) } }
        return
      }
      let lead = piece.first ?? 0
      if oldLeft > 0 || newLeft > 0 {
        switch lead {
        case 0x2B:  // "+"
          if !inRun {
            scanner.begin(line: newLine, detectBinary: false)
            inRun = true
          }
          scanner.feed(UnsafeRawBufferPointer(rebasing: piece.dropFirst()), report: report)
          if last { newline.withUnsafeBytes { _ = scanner.feed($0, report: report) } }
          newLeft -= 1
          newLine += 1
          return
        case 0x20:  // " "
          closeRun()
          oldLeft -= 1
          newLeft -= 1
          newLine += 1
          return
        case 0x2D:  // "-"
          closeRun()
          oldLeft -= 1
          return
        case 0x5C:  // "\ No newline at end of file"
          return
        default:
          closeRun()
          oldLeft = 0
          newLeft = 0
        }
      }
      closeRun()
      if piece.starts(with: "commit ".utf8) {
        commit = String(decoding: piece.dropFirst(7), as: UTF8.self)
      } else if piece.starts(with: "+++ ".utf8) {
        var name = piece.dropFirst(4)
        if name.starts(with: "b/".utf8) { name = name.dropFirst(2) }
        path = String(decoding: name, as: UTF8.self)
      } else if piece.starts(with: "@@ ".utf8) {
        (oldLeft, newLeft, newLine) = Self.hunk(piece)
      }
    }) {}
    closeRun()
    guard git.wait() == 0 else {
      throw VaultError.io(path: "git log", operation: "run", errno: EIO)
    }
  }

  /// The old and new line counts of a hunk header `@@ -a,b +c,d @@`, and its first new line.
  static func hunk(_ header: UnsafeRawBufferPointer) -> (Int, Int, Int) {
    let words = header.split(separator: 0x20)
    func range(_ word: Slice<UnsafeRawBufferPointer>) -> (start: Int, count: Int) {
      let parts = word.dropFirst().split(separator: 0x2C, omittingEmptySubsequences: false)
      let start = parts.first.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
      let count = parts.count > 1 ? Int(String(decoding: parts[1], as: UTF8.self)) ?? 0 : 1
      return (start, count)
    }
    guard words.count >= 3 else { return (0, 0, 0) }
    let old = range(words[1])
    let new = range(words[2])
    return (old.count, new.count, new.start)
  }
}

