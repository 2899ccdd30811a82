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
}
