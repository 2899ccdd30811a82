import Foundation
import Testing

/// Issue 7, point 7: errors that say what is wrong and what to run instead.
@Suite struct MisleadingErrorTests {
  @Test func execWithoutTheTerminatorShowsTheCorrectedLine() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("prd1"), env: "prod")
    let short = "s3cr3tPa55"
    let result = try box.run(
      ["exec", "--env", "prod", "python3", "app.py", "TOKEN=" + short, fakeKey("argv")])
    expectOneError(result, 64, mentioning: "`--` is missing")
    #expect(
      result.stderr.contains("vault: hint: run: vault exec --env prod -- python3 app.py TOKEN=…"),
      "\(result.stderr)")
    expectNoLeak(short, in: result)
    expectNoLeak(String(fakeKey("argv").dropLast(4)), in: result)
  }

  @Test func runIsAnAliasOfExecAndTyposGetASuggestion() throws {
    let box = try Sandbox()
    try box.initVault()
    try box.set(fakeKey("dev1"), env: "dev")
    for args in [
      ["run", "--env", "dev", "--", "/bin/sh", "-c", "printf %s \"$OPENAI_API_KEY\""],
      ["run", "--no-cache", "--", "/bin/sh", "-c", "printf %s \"$OPENAI_API_KEY\""],
    ] {
      let result = try box.run(args)
      #expect(result.status == 0 && result.stdout == fakeKey("dev1"), "\(result.stderr)")
    }
    let typo = try box.run(["exce", "--env", "prod", "--", "true"])
    expectOneError(typo, 64, mentioning: "unknown command 'exce'; did you mean exec?")
  }
}
