import Testing
@testable import VaultCore

@Suite struct NamesTests {
  func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

  @Test func projects() {
    for good in ["web", "A", "0day", "my.app_v2-x", String(repeating: "a", count: 64)] {
      #expect(Names.isValidProject(bytes(good)), "\(good)")
    }
    for bad in ["", ".hidden", "-x", "_x", "a b", "a/b", "é", String(repeating: "a", count: 65)] {
      #expect(!Names.isValidProject(bytes(bad)), "\(bad)")
    }
  }

  @Test func environments() {
    for good in ["dev", "prod", "us-east_1", "a", String(repeating: "a", count: 32)] {
      #expect(Names.isValidEnvironment(bytes(good)), "\(good)")
    }
    for bad in ["", "Prod", "1dev", "-dev", "de v", "dev.1", String(repeating: "a", count: 33)] {
      #expect(!Names.isValidEnvironment(bytes(bad)), "\(bad)")
    }
  }

  @Test func variableNames() {
    for good in ["OPENAI_API_KEY", "_", "a1", String(repeating: "A", count: 128)] {
      #expect(Names.isValidName(bytes(good)), "\(good)")
    }
    for bad in ["", "1ABC", "FOO=BAR", "A\0B", "A-B", "A B", String(repeating: "A", count: 129)] {
      #expect(!Names.isValidName(bytes(bad)), "\(bad)")
    }
  }

  @Test func reservedNames() {
    for name in ["PATH", "LD_PRELOAD", "DYLD_INSERT_LIBRARIES", "BASH_ENV", "NODE_OPTIONS"] {
      #expect(Names.isReserved(name))
    }
    #expect(!Names.isReserved("OPENAI_API_KEY"))
    #expect(throws: VaultError.invalidName(kind: .environment, shown: "Prod", looksLikeSecret: false)) {
      try Names.check("Prod", as: .environment)
    }
  }

  /// Every reserved name, and names that only resemble one (a prefix, a suffix, the case).
  @Test func everyReservedNameAndNoOther() {
    for name in Names.reservedNames { #expect(Names.isReserved(name), "\(name)") }
    for name in ["LD_", "LD_LIBRARY_PATH", "DYLD_", "DYLD_FOO"] {
      #expect(Names.isReserved(name), "\(name)")
    }
    for name in ["PAT", "PATHS", "path", "XPATH", "LD", "OLD_PATH", "DYLD", "", "IFS_"] {
      #expect(!Names.isReserved(name), "\(name)")
    }
  }

  /// The `T3BlbkFJ` marker anywhere (the byte search `exec` uses), and not a near miss.
  @Test func looksLikeSecretFindsTheMarkerAnywhere() {
    for value in [
      "T3BlbkFJ", "xT3BlbkFJ", "T3BlbkFJx", "abcT3BlbkFJdef", "T3BlbT3BlbkFJ", "TT3BlbkFJ",
      "é-T3BlbkFJ-é", "sk-", "sk-proj-x", "VAULT-SECRET-x",
    ] {
      #expect(Names.looksLikeSecret(value), "\(value)")
    }
    let nearMisses = ["", "T3BlbkF", "3BlbkFJ", "T3BlbkFj", "t3blbkfj", "T3Blbk FJ", "sk", "é"]
    for value in nearMisses {
      #expect(!Names.looksLikeSecret(value), "\(value)")
    }
  }
}
