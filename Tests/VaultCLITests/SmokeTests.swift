import Foundation
import Testing

@Suite struct SmokeTests {
  @Test func initSetExecRoundTrip() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey(), env: "prod")
    let result = try box.run(["exec", "--env", "prod", "--", "sh", "-c", "printf %s \"$OPENAI_API_KEY\""])
    #expect(result.status == 0)
    #expect(result.stdout == fakeKey())
  }

  /// The harness itself: a child that exits without reading its stdin must not kill the test
  /// runner with SIGPIPE (1 MiB is more than a pipe holds, so the write meets EPIPE).
  @Test func aChildThatIgnoresItsStdinDoesNotKillTheRunner() throws {
    let box = try Sandbox()
    let result = try box.execute("/bin/true", [], stdin: Data(count: 1 << 20))
    #expect(result.status == 0)
  }
}
