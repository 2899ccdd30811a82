import ArgumentParser
import VaultCore

/// Which vault file to use.
struct VaultOptions: ParsableArguments {
  @Option(
    name: .customLong("vault"),
    help: ArgumentHelp(
      "The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).",
      valueName: "path"))
  var vaultPath: String?
}

/// Which project and environment a command acts on.
struct LabelOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree's or current directory's name, else a team vault's only project).",
      valueName: "name"))
  var project: String?

  @Option(
    name: .customLong("env"),
    help: ArgumentHelp("The environment (default: $VAULT_ENV, else dev).", valueName: "env"))
  var environmentFlag: String?

  /// `--env`, else `$VAULT_ENV`, else `dev` (checked in `validate`).
  var environment: String {
    (try? Paths.current().environment(explicit: environmentFlag).name) ?? "dev"
  }

  func validate() throws {
    // Before anything runs or prints (Names.check redacts a value pasted as a name).
    if let project {
      do {
        try Names.check(project, as: .project)
      } catch let error as VaultError {
        throw ValidationError(Failure.describe(error).message)
      }
    }
    if let flag = environmentFlag, !Names.isValidEnvironment(Array(flag.utf8)) {
      throw ValidationError(
        "invalid environment '\(Failure.printable(flag))': use lowercase letters, digits, '_', '-'"
      )
    }
    _ = try Paths.current().environment(explicit: environmentFlag)
  }
}

/// How the identity is unlocked.
struct UnlockOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).",
      valueName: "file"))
  var passphraseFile: String?

  @Flag(help: "Neither use nor fill the unlock cache.")
  var noCache = false

  @Option(
    help: ArgumentHelp(
      "How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.",
      valueName: "duration"))
  var cacheTTL: String = "15m"

  func validate() throws {
    guard Self.seconds(cacheTTL) != nil else {
      throw ValidationError(
        "invalid --cache-ttl '\(Failure.printable(cacheTTL))': use seconds, or a number with s, m or h (1s to 24h)"
      )
    }
  }

  /// `900`, `900s`, `15m`, `1h` in seconds, between 1 s and 24 h; nil otherwise.
  static func seconds(_ text: String) -> UInt32? {
    var digits = Substring(text)
    var unit: UInt32 = 1
    switch text.last {
    case "s": digits = digits.dropLast()
    case "m": digits = digits.dropLast(); unit = 60
    case "h": digits = digits.dropLast(); unit = 3600
    default: break
    }
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = UInt32(digits),
      value > 0, value <= 86_400 / unit
    else { return nil }
    return value * unit
  }

  var cachePolicy: IdentitySource.CachePolicy {
    IdentitySource.CachePolicy(
      enabled: !noCache, timeout: Self.seconds(cacheTTL) ?? UnlockCache.defaultTimeout)
  }
}

/// `--project` and `--env` as filters (`list`, `log`): each optional, checked before
/// anything runs (a value pasted as a name is shown redacted).
struct FilterOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Only this project.", valueName: "name"))
  var project: String?

  @Option(
    name: .customLong("env"), help: ArgumentHelp("Only this environment.", valueName: "env"))
  var environment: String?

  func validate() throws {
    do {
      if let environment { try Names.check(environment, as: .environment) }
      if let project { try Names.check(project, as: .project) }
    } catch let error as VaultError {
      throw ValidationError(Failure.describe(error).message)
    }
  }

  /// Whether a label of (`project`, `environment`) passes the filters.
  func matches(project: String, environment: String) -> Bool {
    (self.project == nil || self.project == project)
      && (self.environment == nil || self.environment == environment)
  }
}
