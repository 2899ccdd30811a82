import CSodium
import Glibc

/// Replaces this process with a command whose environment holds the vault's secrets
/// (DESIGN.md, "exec"): same pid, so the exit status and signals are the child's.
public enum Launcher {
  /// Resolves `command` as `execvp` would: a name with a slash is used as given, otherwise
  /// the first executable regular file in `PATH` (an empty entry is the current directory).
  public static func resolve(_ command: String, path: String?) throws -> String {
    if command.isEmpty { throw VaultError.commandNotFound(command) }
    if command.contains("/") {
      guard FileSystem.exists(command) else { throw VaultError.commandNotFound(command) }
      guard access(command, X_OK) == 0, !FileSystem.isDirectory(command) else {
        throw VaultError.notExecutable(command, errno: EACCES)
      }
      return command
    }
    var firstNonExecutable: String?
    let search = path ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in search.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + command
      var info = stat()
      guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
      if access(candidate, X_OK) == 0 { return candidate }
      if firstNonExecutable == nil { firstNonExecutable = candidate }
    }
    if firstNonExecutable != nil { throw VaultError.notExecutable(command, errno: EACCES) }
    throw VaultError.commandNotFound(command)
  }

  /// Checks that each injected name is a valid variable name and, unless listed in
  /// `allowed`, not one that changes how programs load or start.
  public static func checkNames(_ names: [String], allowed: [String]) throws {
    for name in names {
      try Names.check(name, as: .name)
      if Names.isReserved(name) && !allowed.contains(name) { throw VaultError.reservedName(name) }
    }
  }

  /// Runs `executable` with `arguments` (argv[0] first). The parent environment passes
  /// through, except that every inherited variable named like an injected one is dropped, so
  /// the child sees each injected name exactly once, with the vault's value. Returns only by
  /// throwing.
  public static func exec(
    _ executable: String, arguments: [String],
    injecting secrets: [(name: String, value: SecretBytes)]
  ) throws -> Never {
    // "NAME=value\0" for each secret, in one locked buffer that is zeroed if execve fails.
    let total = secrets.reduce(0) { $0 + $1.name.utf8.count + 1 + $1.value.count + 1 }
    let block = SecretBytes(count: total)
    var offsets: [Int] = []
    block.withUnsafeMutableBytes { buffer in
      var offset = 0
      for (name, value) in secrets {
        offsets.append(offset)
        for byte in name.utf8 {
          buffer[offset] = byte
          offset += 1
        }
        buffer[offset] = 0x3D
        offset += 1
        value.withUnsafeBytes { source in
          if source.count > 0 {
            (buffer.baseAddress! + offset).copyMemory(
              from: source.baseAddress!, byteCount: source.count)
          }
        }
        offset += value.count
        buffer[offset] = 0
        offset += 1
      }
    }
    let injected = secrets.map { Array($0.name.utf8) + [0x3D] }
    var envp: [UnsafeMutablePointer<CChar>?] = []
    var pointer = Glibc.environ
    while let entry = pointer.pointee {
      // Compare the inherited "NAME=" prefix with the injected names.
      var length = 0
      while entry[length] != 0 && entry[length] != 0x3D { length += 1 }
      let prefix = (0...length).map { UInt8(bitPattern: entry[$0]) }
      if !(entry[length] == 0x3D && injected.contains(prefix)) { envp.append(entry) }
      pointer += 1
    }
    let cArguments = arguments.map { strdup($0) }
    let error: Int32 = block.withUnsafeMutableBytes { buffer in
      for offset in offsets {
        envp.append((buffer.baseAddress! + offset).assumingMemoryBound(to: CChar.self))
      }
      envp.append(nil)
      var argv = cArguments
      argv.append(nil)
      fflush(nil)
      execve(executable, argv, envp)
      return errno
    }
    for argument in cArguments { free(argument) }
    if error == ENOENT { throw VaultError.commandNotFound(executable) }
    throw VaultError.notExecutable(executable, errno: error)
  }
}
