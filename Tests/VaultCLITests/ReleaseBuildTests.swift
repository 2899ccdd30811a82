import Foundation
import Testing

/// The release binary's hardening (issue 6, item 10), when one has been built (`make build`
/// builds it and runs the same check; CI runs `make build` after the tests).
@Suite struct ReleaseBuildTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let release = root.appendingPathComponent(".build/release/vault").path

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: release)))
  func theReleaseBinaryIsHardened() throws {
    let box = try Sandbox()
    let script = Self.root.appendingPathComponent("Tests/check-hardening.sh").path
    let result = try box.execute("/bin/bash", [script, Self.release])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(!result.stdout.contains("FAIL"), "\(result.stdout)")
  }
}
