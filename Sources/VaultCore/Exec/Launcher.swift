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

  /// Refuses a value that holds a NUL byte. An environment variable ends at its first NUL,
  /// so injecting one would silently hand the program a different, shorter value; the CLI
  /// refuses such values at input, so one found here came from another writer's file.
  /// `label` names each value in the error.
  public static func checkValues(_ values: [(label: String, value: SecretBytes)]) throws {
    for (label, value) in values where value.withUnsafeBytes({ $0.contains(0) }) {
      throw VaultError.nulInStoredValue(label: label)
    }
  }

  /// The variables that hold or point at vault's own credentials: the child never gets
  /// them. `VAULT_IDENTITY` opens every environment the identity can read and signs as that
  /// member; the identity and passphrase files are the same thing one step removed. The
  /// other `VAULT_*` variables (`VAULT_FILE`, `VAULT_PROJECT`) pass through: they name what
  /// to open, not how, and a nested `vault` call needs them. Every `VAULT_BAO_*` variable is
  /// withheld too (`isWithheld`): OpenBao's token and what logs in or points at it.
  public static let withheldVariables: [StaticString] = [
    "VAULT_IDENTITY", "VAULT_IDENTITY_FILE", "VAULT_PASSPHRASE_FILE",
  ]

  /// Whether `entry` ("NAME=value") is one of `withheldVariables`.
  static func isWithheld(_ entry: UnsafeMutablePointer<CChar>) -> Bool {
    // All three start with "VAULT_": one comparison settles nearly every variable.
    guard entry[0] == 0x56, entry[1] == 0x41, entry[2] == 0x55, entry[3] == 0x4C,
      entry[4] == 0x54, entry[5] == 0x5F
    else { return false }
    // Every `VAULT_BAO_*`: OpenBao's token, token file, JWT file, role and nodes.
    if entry[6] == 0x42, entry[7] == 0x41, entry[8] == 0x4F, entry[9] == 0x5F { return true }
    for name in withheldVariables {
      let matches = name.withUTF8Buffer { bytes in
        for index in 0..<bytes.count where UInt8(bitPattern: entry[index]) != bytes[index] {
          return false
        }
        return entry[bytes.count] == 0x3D
      }
      if matches { return true }
    }
    return false
  }

  /// Whether `entry` ("NAME=value") is the variable `name`.
  static func hasName(_ entry: UnsafeMutablePointer<CChar>, _ name: String) -> Bool {
    var index = 0
    for byte in name.utf8 {
      // A NUL in `entry` ends the comparison here: no byte of a valid name is 0.
      guard UInt8(bitPattern: entry[index]) == byte else { return false }
      index += 1
    }
    return entry[index] == 0x3D
  }

  /// Runs `executable` with `arguments` (argv[0] first). The parent environment passes
  /// through, except `withheldVariables` and every inherited variable named like an
  /// injected one, so the child sees each injected name exactly once, with the vault's
  /// value, and none of vault's own credentials. Returns only by throwing.
  public static func exec(
    _ executable: String, arguments: [String],
    injecting secrets: [(name: String, value: SecretBytes)]
  ) throws -> Never {
    try checkValues(secrets.map { ($0.name, $0.value) })
    let error = withVectors(executable, arguments: arguments, injecting: secrets) {
      argv, envp, shell in
      fflush(nil)
      execve(executable, argv, envp)
      guard errno == ENOEXEC else { return errno }
      // An executable file the kernel cannot run (a script without `#!`): run it with
      // /bin/sh, as execvp does (POSIX), the arguments after it.
      execve("/bin/sh", shell, envp)
      return errno
    }
    throw launchError(error, executable: executable)
  }

  /// The error for a failed execve of `executable` (`errno` `code`): 127 when it is missing,
  /// 126 when it cannot be executed.
  static func launchError(_ code: Int32, executable: String) -> VaultError {
    if code == ENOENT { return VaultError.commandNotFound(executable) }
    if code == E2BIG { return VaultError.environmentTooLarge(command: executable) }
    return VaultError.notExecutable(executable, errno: code)
  }

  /// Calls `body` with the argv and envp vectors of a run of `executable` (see `exec`), and
  /// the argv of its fallback through /bin/sh; the injected values live in one locked buffer
  /// that is zeroed when `body` returns.
  static func withVectors(
    _ executable: String, arguments: [String],
    injecting secrets: [(name: String, value: SecretBytes)],
    _ body: (
      _ argv: [UnsafeMutablePointer<CChar>?], _ envp: [UnsafeMutablePointer<CChar>?],
      _ shell: [UnsafeMutablePointer<CChar>?]
    ) -> Int32
  ) -> Int32 {
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
    var envp: [UnsafeMutablePointer<CChar>?] = []
    var pointer = Glibc.environ
    while let entry = pointer.pointee {
      // Drop vault's own credentials, and every inherited variable named like an injected
      // one, comparing the "NAME=" prefix in place (no copy per variable).
      if !isWithheld(entry) && !secrets.contains(where: { hasName(entry, $0.name) }) {
        envp.append(entry)
      }
      pointer += 1
    }
    let cArguments = arguments.map { strdup($0) }
    var shell: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup(executable)]
    shell += cArguments.dropFirst()
    shell.append(nil)
    let result: Int32 = block.withUnsafeMutableBytes { buffer in
      for offset in offsets {
        envp.append((buffer.baseAddress! + offset).assumingMemoryBound(to: CChar.self))
      }
      envp.append(nil)
      var argv = cArguments
      argv.append(nil)
      return body(argv, envp, shell)
    }
    free(shell[0])
    free(shell[1])
    for argument in cArguments { free(argument) }
    return result
  }
}
