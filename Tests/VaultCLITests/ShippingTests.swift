import Foundation
import Testing
import VaultCore

/// What a packaged `vault` tells about itself (issue 11). The install tree, the man pages and
/// the Debian package are checked by Tests/package-test.sh (`make package-test`), which needs
/// the release build.
@Suite struct ShippingTests {
  /// `vault --version`: vault's version (VaultVersion, the one place that defines it) and the
  /// libsodium it runs with, which Debian's libsodium-dev it was built against names too.
  @Test func versionNamesVaultAndLibsodium() throws {
    let box = try Sandbox()
    let result = try box.run(["--version"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty, "\(result.stderr)")
    let sodium = try box.execute("/usr/bin/pkg-config", ["--modversion", "libsodium"])
    try #require(sodium.status == 0, "pkg-config has no libsodium: \(sodium.stderr)")
    let linked = sodium.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(result.stdout == "vault \(VaultVersion.number) (libsodium \(linked))\n")
    #expect(VaultVersion.number.split(separator: ".").count == 3)
  }
}
