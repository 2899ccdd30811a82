import Glibc
import VaultCore

/// `vault exec` for a reader without an identity (a CI runner): OpenBao unwraps the
/// environment's key (README, "Organisations: OpenBao"). The plain `exec` path pays a few
/// `getenv` calls for it, nothing more.
enum OpenBaoExec {
  /// The variables whose presence makes `exec` read through OpenBao: a credential, a role or
  /// an address. Every `VAULT_BAO_*` variable is withheld from the child (`Launcher`).
  static let variables = [
    "VAULT_BAO_TOKEN", "VAULT_BAO_TOKEN_FILE", "VAULT_BAO_JWT_FILE", "VAULT_BAO_ROLE",
    "VAULT_BAO_ADDR",
  ]

  /// Whether an OpenBao credential is set: a token, the agent's token file, or a JWT file.
  static var hasCredential: Bool {
    for name in ["VAULT_BAO_TOKEN", "VAULT_BAO_TOKEN_FILE", "VAULT_BAO_JWT_FILE"] {
      if let value = getenv(name), value.pointee != 0 { return true }
    }
    return false
  }

  /// OpenBao's transit engine when one of `variables` is set, else nil. In `vault` it never
  /// returns then: vault-net takes over with the same arguments, before anything is read.
  static func transitIfRequested() throws -> (any TransitService)? {
    for name in variables where getenv(name) != nil {
      return try NetworkHelper.requireTransit()
    }
    return nil
  }
}
