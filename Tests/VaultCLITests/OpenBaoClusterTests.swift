import Foundation
import Testing
import VaultCore

/// Issue 12's cluster behaviour: a CI runner lists the three nodes of a Raft cluster in
/// VAULT_BAO_ADDR, and the leader dies in the middle of a series of `vault exec` reads.
@Suite(.serialized) struct OpenBaoClusterTests {
  @Test func killingTheLeaderDuringCIReadsNeverGivesAWrongValue() throws {
    let cluster = try BaoCluster()
    try cluster.createTransitKey("shop-prod")
    let issuer = try JWTIssuer()
    try cluster.configureJWT(
      role: "shop-ci", keys: ["shop-prod"], issuer: issuer, audience: BaoScene.audience,
      subject: BaoScene.subject)
    let nodes = cluster.addresses.joined(separator: ",")

    let alice = try Sandbox.person("alice")
    try alice.initVault()
    try alice.set(BaoScene.prodValue, env: "prod", name: "OPENAI_API_KEY")
    let add = try alice.run(
      [
        "env", "recipient", "add", "prod", "openbao", "--addr", cluster.addresses[0],
        "--transit-key", "shop-prod",
      ],
      env: ["VAULT_BAO_TOKEN": cluster.rootToken, "VAULT_BAO_ADDR": nodes])
    #expect(add.status == 0, "\(add.stderr)")

    let ci = try Sandbox()
    let vault = ci.root.appendingPathComponent("shop.vault").path
    try FileManager.default.copyItem(atPath: alice.vaultPath, toPath: vault)
    #expect(try ci.run(["members", "list", "--vault", vault]).status == 0)
    func read() throws -> RunResult {
      let jwt = try ci.writeSandboxFile(
        "oidc-\(UUID().uuidString)",
        try issuer.mint(subject: BaoScene.subject, audience: BaoScene.audience))
      return try ci.run(
        [
          "exec", "--vault", vault, "--project", "shop", "--env", "prod", "--", "/bin/sh", "-c",
          "printf %s \"$OPENAI_API_KEY\"",
        ],
        env: ["VAULT_BAO_ADDR": nodes, "VAULT_BAO_ROLE": "shop-ci", "VAULT_BAO_JWT_FILE": jwt])
    }

    for _ in 0..<3 {
      let before = try read()
      #expect(before.status == 0, "\(before.stderr)")
      #expect(before.stdout == BaoScene.prodValue)
    }
    let leader = try cluster.leader()
    cluster.kill(leader)
    var succeeded = 0
    var failed: [String] = []
    for _ in 0..<8 {
      let result = try read()
      #expect(!result.signaled)
      if result.status == 0 {
        #expect(result.stdout == BaoScene.prodValue)
        succeeded += 1
      } else {
        // A clear error, never a value.
        expectOneError(result, 69, mentioning: "OpenBao could not be reached")
        failed.append(result.stderr)
      }
    }
    // Once a new leader is active, every read succeeds again.
    _ = try cluster.waitForNewLeader(excluding: leader, timeout: 30)
    let after = try read()
    #expect(after.status == 0, "\(after.stderr)")
    #expect(after.stdout == BaoScene.prodValue)
    #expect(succeeded + failed.count == 8)
    print("failover: \(succeeded) of 8 reads succeeded during the failover; errors: \(failed)")
  }

  /// A node that redirects to a host not in the list (the header's address or
  /// VAULT_BAO_ADDR) is not followed: the token never reaches that host.
  @Test func aRedirectToAnUnlistedHostIsNotFollowed() throws {
    let box = try Sandbox()
    let ports = try BaoTools.freePorts(2)
    let hits = box.root.appendingPathComponent("hits").path
    let script = """
      import http.server, sys
      listed, other, hits = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
      class Standby(http.server.BaseHTTPRequestHandler):
          def do_POST(self):
              if self.server.server_port == other:
                  with open(hits, "a") as f:
                      f.write(self.headers.get("X-Vault-Token", "") + "\\n")
                  self.send_response(500); self.end_headers(); return
              self.send_response(307)
              self.send_header("Location", f"http://127.0.0.1:{other}{self.path}")
              self.end_headers()
          do_GET = do_POST
          def log_message(self, *args): pass
      import threading
      for port in (listed, other):
          server = http.server.HTTPServer(("127.0.0.1", port), Standby)
          threading.Thread(target=server.serve_forever, daemon=True).start()
      print("ready", flush=True)
      sys.stdin.read()
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-c", script, String(ports[0]), String(ports[1]), hits]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    defer {
      try? input.fileHandleForWriting.close()
      process.waitUntilExit()
    }
    _ = output.fileHandleForReading.availableData

    // A vault whose prod is sealed to "OpenBao" at the listed node (the seal never opens:
    // nothing answers transit), read with a token.
    let alice = try Sandbox.person("alice")
    try alice.initVault()
    try alice.set(BaoScene.prodValue, env: "prod", name: "OPENAI_API_KEY")
    var file = try VaultFile.parse(
      Array(try alice.readFile(alice.vaultPath)), path: alice.vaultPath)
    file.header.openBao = [
      OpenBaoRecipient(
        environment: "prod", address: "http://127.0.0.1:\(ports[0])", mount: "transit",
        key: "shop-prod", ciphertext: "vault:v1:AAAA")
    ]
    file.header.generation += 1
    file.signHeader(with: try alice.identity())
    try Data(file.serialized()).write(to: URL(fileURLWithPath: alice.vaultPath))
    let token = "s.redirect-test-token-0123456789"
    let result = try alice.run(
      ["exec", "--env", "prod", "--", "/bin/sh", "-c", "printf %s \"$OPENAI_API_KEY\""],
      env: ["VAULT_BAO_TOKEN": token])
    expectOneError(result, 69, mentioning: "redirected to a node not in the list")
    expectNoLeak(token, in: result)
    #expect(!FileManager.default.fileExists(atPath: hits), "the token went to the other host")
  }
}
