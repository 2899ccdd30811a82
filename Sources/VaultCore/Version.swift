import CSodium

/// vault's version, defined here and nowhere else: `vault --version` prints it, and the
/// Makefile reads `number` from this file for the Debian package and the man pages.
public enum VaultVersion {
  /// vault's own version.
  public static let number = "0.1.0"

  /// The version of the libsodium vault runs with, as libsodium reports it (the release
  /// build links it in, so this is the version it was built with).
  public static var sodium: String { String(cString: sodium_version_string()) }

  /// What `vault --version` prints: `vault 0.1.0 (libsodium 1.0.18)`.
  public static var description: String { "vault \(number) (libsodium \(sodium))" }
}
