import Glibc
import VaultCore

/// The vault as git's index holds it during a conflicted merge: stage 1 (the merge base),
/// 2 (ours) and 3 (theirs), read with `git cat-file blob :N:./NAME` run without a shell.
enum GitIndex {
  /// The bytes of stage `stage` of the file at `path`, or nil when the index has no such
  /// stage (not in a merge, already resolved, or not in a git work tree).
  static func stage(_ stage: Int, of path: String) throws -> [UInt8]? {
    // `./NAME` is relative to git's working directory, which `-C` sets to the file's own.
    let spec = ":\(stage):./\(Paths.baseName(of: path))"
    return try run(["-C", Paths.directory(of: path), "cat-file", "blob", spec], name: spec)
  }

  /// Runs git with `arguments` (stdin and stderr on /dev/null, `GitProcess`), returning
  /// its stdout, or nil when it exits non-zero.
  private static func run(_ arguments: [String], name: String) throws -> [UInt8]? {
    let git = try GitProcess(arguments, quiet: true)
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var failure: VaultError?
    while true {
      let count = buffer.withUnsafeMutableBytes { read(git.output, $0.baseAddress, $0.count) }
      if count > 0 {
        output += buffer[..<count]
        if output.count > FileSystem.maximumVaultSize {
          failure = .fileTooLarge(path: name, limit: FileSystem.maximumVaultSize)
          break
        }
      } else if count == 0 {
        break
      } else if errno != EINTR {
        failure = .io(path: name, operation: "read", errno: errno)
        break
      }
    }
    let status = git.wait()
    if let failure { throw failure }
    return status == 0 ? output : nil
  }
}
