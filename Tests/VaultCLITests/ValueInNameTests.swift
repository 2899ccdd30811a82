import Foundation
import Testing

/// Issue 7, point 2: `vault set NAME=VALUE` (the Doppler and Heroku habit) and every other
/// NAME argument never echo what follows `=`, and say how to store the value instead.
@Suite struct ValueInNameTests {
  /// A long key and a 10-character value: neither may appear, not even in part.
  static let values = [fakeKey("vnam"), "s3cr3tPa55"]

  @Test(arguments: values)
  func aValueAfterEqualsIsNeverEchoed(value: String) throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("kept"), env: "dev")
    let before = box.fileBytes()
    let pair = "OPENAI_API_KEY=" + value
    let runs = [
      try box.run(["set", pair], stdin: fakeKey("other")),
      try box.run(["set", "--env", "prod", pair]),
      try box.run(["get", pair]),
      try box.run(["rm", pair]),
      try box.run(["exec", "--only", pair, "--", "true"]),
      try box.run(["exec", "--only=" + pair, "--", "true"]),
    ]
    for result in runs {
      expectOneError(result, 64, mentioning: "'OPENAI_API_KEY=…'")
      expectNoLeak(value, in: result)
      expectNoLeak(String(value.prefix(6)), in: result)
      expectNoLeak(String(value.suffix(4)), in: result)
      #expect(
        result.stderr.contains("printf %s … | vault set OPENAI_API_KEY"), "\(result.stderr)")
      #expect(result.stderr.contains("run `vault set OPENAI_API_KEY`"), "\(result.stderr)")
    }
    #expect(box.fileBytes() == before)
  }
}
