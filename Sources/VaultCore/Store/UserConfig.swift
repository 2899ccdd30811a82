/// The user's own settings, `${XDG_CONFIG_HOME:-~/.config}/vault/config` (README, "OpenAI
/// keys"): lines of `key value`, `#` starting a comment line. Only this file, which a vault
/// or a cloned repository cannot write, holds them.
///
/// - `access-log on|off`: the local access log (default on).
/// - `max-age DAYS`: how old a stored value may get before `vault status` says to rotate it
///   (default 90, OpenAI's usual advice; 0 to 36500).
/// - `unused-days DAYS`: how long this machine's access log may go without a use of an entry
///   before `vault status` names it `unused:` (default 30, as `vault openai check`; 0 to
///   36500).
///
/// Any other line is an error naming the line, so a typo never silently leaves a setting at
/// its default.
public struct UserConfig: Equatable, Sendable {
  public var accessLog = true
  public var maxAgeDays = 90
  public var unusedDays = 30

  /// The default settings.
  public init() {}

  /// The file's path under `paths`.
  public static func path(_ paths: Paths) -> String { paths.configDirectory + "/config" }

  /// The settings of the file at `path` (the defaults when it does not exist).
  public static func load(path: String) throws -> UserConfig {
    var config = UserConfig()
    guard let contents = try FileSystem.read(path, maximumSize: 1 << 16) else { return config }
    var number = 0
    for line in contents.bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
      number += 1
      let text = line.last == 0x0D ? line.dropLast() : line
      let fields = text.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
      if fields.isEmpty || fields[0].first == 0x23 { continue }
      guard fields.count == 2 else { throw VaultError.badConfig(path: path, line: number) }
      switch String(decoding: fields[0], as: UTF8.self) {
      case "access-log" where fields[1].elementsEqual("on".utf8):
        config.accessLog = true
      case "access-log" where fields[1].elementsEqual("off".utf8):
        config.accessLog = false
      case "max-age":
        guard let days = IdentityFile.parseDecimal(fields[1]), days <= 36500 else {
          throw VaultError.badConfig(path: path, line: number)
        }
        config.maxAgeDays = Int(days)
      case "unused-days":
        guard let days = IdentityFile.parseDecimal(fields[1]), days <= 36500 else {
          throw VaultError.badConfig(path: path, line: number)
        }
        config.unusedDays = Int(days)
      default:
        throw VaultError.badConfig(path: path, line: number)
      }
    }
    return config
  }
}
