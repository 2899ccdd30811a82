import Foundation
import Testing
import VaultCore

// Issue 12: environment keys held by a real OpenBao (Support/OpenBao.swift starts it), read
// by a CI runner that holds no identity.

/// alice's vault with prod (and staging) values, prod sealed to OpenBao's transit key, and a
/// CI runner's HOME with a copy of the file and no identity.
struct BaoScene {
  let server: BaoServer
  let alice: Sandbox
  let ci: Sandbox
  let issuer: JWTIssuer
  /// The CI runner's copy of alice's vault.
  let ciVault: String
  static let prodValue = fakeKey("prod")
  static let stagingValue = fakeKey("stag")
  static let audience = "https://bao.test"
  static let subject = "repo:shop:ref:main"

  /// alice's environment for owner commands: the root token of the test server.
  var owner: [String: String] {
    var env = ["VAULT_BAO_TOKEN": server.rootToken]
    if let ca = server.caFile { env["VAULT_BAO_CACERT"] = ca }
    return env
  }

  init(tls: Bool = false, keys: [String] = ["shop-prod"], sealStaging: Bool = false) throws {
    server = try BaoServer(tls: tls)
    for key in keys + (sealStaging ? ["shop-staging"] : []) { try server.createTransitKey(key) }
    issuer = try JWTIssuer()
    try server.configureJWT(
      role: "shop-ci", keys: keys + (sealStaging ? ["shop-staging"] : []), issuer: issuer,
      audience: Self.audience, subject: Self.subject)
    alice = try Sandbox.person("alice")
    try alice.initVault()
    try alice.set(Self.prodValue, env: "prod", name: "OPENAI_API_KEY")
    try alice.set(Self.stagingValue, env: "staging", name: "OPENAI_API_KEY")
    ci = try Sandbox()
    ciVault = ci.root.appendingPathComponent("shop.vault").path
    try addRecipient("prod", key: "shop-prod")
    if sealStaging { try addRecipient("staging", key: "shop-staging") }
    try publish()
    // The runner's first open pins the vault's owner (a note on stderr): done once here, so
    // each test's errors are one line.
    let pin = try ci.run(["members", "list", "--vault", ciVault])
    #expect(pin.status == 0, "\(pin.stderr)")
  }

  func addRecipient(_ environment: String, key: String) throws {
    let add = try alice.run(
      [
        "env", "recipient", "add", environment, "openbao", "--addr", server.address,
        "--transit-key", key,
      ],
      env: owner)
    #expect(add.status == 0, "\(add.stderr)")
  }

  /// Copies alice's vault to the runner (what a checkout does).
  func publish() throws {
    try? FileManager.default.removeItem(atPath: ciVault)
    try FileManager.default.copyItem(atPath: alice.vaultPath, toPath: ciVault)
  }

  /// The runner's OIDC token in a file, as CI systems hand it out.
  func jwtFile(subject: String = BaoScene.subject, expiresIn: Int = 300) throws -> String {
    try ci.writeSandboxFile(
      "oidc-\(UUID().uuidString)",
      try issuer.mint(subject: subject, audience: Self.audience, expiresIn: expiresIn))
  }

  /// The runner's environment for JWT login.
  func jwtEnvironment(role: String = "shop-ci") throws -> [String: String] {
    var env = [
      "VAULT_BAO_ADDR": server.address, "VAULT_BAO_ROLE": role,
      "VAULT_BAO_JWT_FILE": try jwtFile(),
    ]
    if let ca = server.caFile { env["VAULT_BAO_CACERT"] = ca }
    return env
  }

  /// `vault exec --env ENV` on the runner, printing OPENAI_API_KEY.
  func ciExec(_ env: [String: String], environment: String = "prod", script: String? = nil)
    throws -> RunResult
  {
    try ci.run(
      [
        "exec", "--vault", ciVault, "--project", "shop", "--env", environment, "--", "/bin/sh",
        "-c", script ?? "printf %s \"$OPENAI_API_KEY\"",
      ],
      env: env)
  }

  /// Rewrites alice's vault with `change` applied to its header, signed by alice (an
  /// owner's own mistake, or a forged file that an owner signed).
  func resign(_ path: String, _ change: (inout Header) -> Void) throws {
    var file = try VaultFile.parse(
      Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
    change(&file.header)
    file.header.generation += 1
    file.signHeader(with: try alice.identity())
    try Data(file.serialized()).write(to: URL(fileURLWithPath: path))
  }

  func header(_ path: String) throws -> Header {
    try VaultFile.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path).header
  }
}

@Suite(.serialized) struct OpenBaoTests {
  /// The CI journey: alice seals prod to OpenBao; a runner with only a JWT, a role
  /// and an address reads prod; the child sees none of the VAULT_BAO_* variables; nothing of
  /// the token lands in the runner's HOME.
  @Test func ciJourneyWithAJWT() throws {
    let scene = try BaoScene()
    let header = try scene.header(scene.alice.vaultPath)
    let recipient = try #require(header.openBaoRecipient("prod"))
    #expect(recipient.address == scene.server.address)
    #expect(recipient.mount == "transit" && recipient.key == "shop-prod")
    #expect(recipient.ciphertext.hasPrefix("vault:v1:"))
    #expect(header.openBaoRecipient("staging") == nil)

    let list = try scene.alice.run(["env", "recipient", "list"])
    #expect(list.stdout == "prod  openbao  \(scene.server.address)  transit/shop-prod\n")
    // Review: git's text conversion shows the address and key, and a short hash of the seal.
    let diff = try scene.alice.run(["git", "diff", "--", scene.alice.vaultPath])
    let diffLine = try #require(line(diff.stdout, startingWith: "openbao "))
    #expect(diffLine.hasPrefix("openbao prod \(scene.server.address) transit/shop-prod sealed:"))
    let envList = try scene.alice.run(["env", "list"])
    #expect(
      line(envList.stdout, startingWith: "prod")?.hasSuffix(
        "openbao \(scene.server.address) transit/shop-prod") == true)

    let env = try scene.jwtEnvironment()
    let read = try scene.ciExec(env)
    #expect(read.status == 0, "\(read.stderr)")
    #expect(read.stdout == BaoScene.prodValue)
    // No identity anywhere on the runner.
    #expect(!FileManager.default.fileExists(atPath: scene.ci.identityPath))

    // The child's environment: no VAULT_BAO_* at all.
    let childEnv = try scene.ciExec(env, script: "env")
    #expect(childEnv.status == 0, "\(childEnv.stderr)")
    #expect(childEnv.stdout.contains("OPENAI_API_KEY=\(BaoScene.prodValue)"))
    #expect(!childEnv.stdout.contains("VAULT_BAO_"))

    // Another environment is not sealed to OpenBao: a clear error, nothing else read.
    let staging = try scene.ciExec(try scene.jwtEnvironment(), environment: "staging")
    expectOneError(staging, 2, mentioning: "staging has no OpenBao recipient")
    expectNoLeak(BaoScene.stagingValue, in: staging)
  }

  /// A token (from `VAULT_BAO_TOKEN` or the agent's token file) instead of a JWT; revoking it
  /// in OpenBao stops the very next exec, with an error that says so.
  @Test func tokenAuthAndRevocation() throws {
    let scene = try BaoScene()
    try scene.server.must(
      ["policy", "write", "prod-reader", "-"], stdin: BaoServer.policy(keys: ["shop-prod"]))
    let token = try scene.server.token(policies: ["prod-reader"])
    let read = try scene.ciExec(["VAULT_BAO_TOKEN": token])
    #expect(read.status == 0, "\(read.stderr)")
    #expect(read.stdout == BaoScene.prodValue)
    expectNoLeak(token, in: read)

    // The agent's sink file, address from the header (no VAULT_BAO_ADDR).
    let sink = try scene.ci.writeSandboxFile("agent-token", token + "\n")
    let fromFile = try scene.ciExec(["VAULT_BAO_TOKEN_FILE": sink])
    #expect(fromFile.status == 0, "\(fromFile.stderr)")
    #expect(fromFile.stdout == BaoScene.prodValue)

    try scene.server.revoke(token: token)
    let revoked = try scene.ciExec(["VAULT_BAO_TOKEN": token])
    expectOneError(
      revoked, 4, mentioning: "OpenBao refused the token: it was revoked or has expired")
    expectNoLeak(BaoScene.prodValue, in: revoked)
    expectNoLeak(token, in: revoked)

    // A token whose policy does not cover the key: a different message.
    try scene.server.must(
      ["policy", "write", "other", "-"], stdin: BaoServer.policy(keys: ["other-key"]))
    let other = try scene.server.token(policies: ["other"])
    let denied = try scene.ciExec(["VAULT_BAO_TOKEN": other])
    expectOneError(
      denied, 4, mentioning: "policy does not let this token decrypt with transit key 'shop-prod'")

    // Two credentials at once: refused before any request.
    let both = try scene.ciExec(["VAULT_BAO_TOKEN": token, "VAULT_BAO_TOKEN_FILE": sink])
    expectOneError(both, 64, mentioning: "set one OpenBao credential")
  }

  /// Deleting the CI role (the operator's revocation of every runner) stops the next exec;
  /// a wrong role, a JWT for another subject, an expired JWT: each its own error.
  @Test func rolesAndJWTs() throws {
    let scene = try BaoScene()
    let wrongRole = try scene.ciExec(try scene.jwtEnvironment(role: "shop-ci-typo"))
    expectOneError(wrongRole, 2, mentioning: "OpenBao has no JWT role 'shop-ci-typo' at auth/jwt")

    var env = try scene.jwtEnvironment()
    env["VAULT_BAO_JWT_FILE"] = try scene.jwtFile(subject: "repo:other:ref:main")
    let otherSubject = try scene.ciExec(env)
    expectOneError(otherSubject, 4, mentioning: "OpenBao refused the JWT login as role 'shop-ci'")

    env["VAULT_BAO_JWT_FILE"] = try scene.jwtFile(expiresIn: -100)
    let expired = try scene.ciExec(env)
    expectOneError(expired, 4, mentioning: "OpenBao refused the JWT login as role 'shop-ci'")

    #expect(try scene.ciExec(try scene.jwtEnvironment()).stdout == BaoScene.prodValue)
    try scene.server.deleteRole("shop-ci")
    let afterRevocation = try scene.ciExec(try scene.jwtEnvironment())
    expectOneError(afterRevocation, 2, mentioning: "OpenBao has no JWT role 'shop-ci'")
    expectNoLeak(BaoScene.prodValue, in: afterRevocation)
  }

  /// A deleted transit key, a sealed server, an unreachable one: each a clear error.
  @Test func deletedKeySealedAndUnreachable() throws {
    let scene = try BaoScene()
    try scene.server.deleteTransitKey("shop-prod")
    let deleted = try scene.ciExec(["VAULT_BAO_TOKEN": scene.server.rootToken])
    expectOneError(
      deleted, 2, mentioning: "OpenBao has no transit key 'shop-prod' at mount 'transit'")

    let closed = try BaoTools.freePorts(1)[0]
    let unreachable = try scene.ciExec([
      "VAULT_BAO_TOKEN": scene.server.rootToken, "VAULT_BAO_ADDR": "http://127.0.0.1:\(closed)",
    ])
    expectOneError(unreachable, 69, mentioning: "OpenBao could not be reached")

    try scene.server.seal()
    let sealed = try scene.ciExec(["VAULT_BAO_TOKEN": scene.server.rootToken])
    expectOneError(sealed, 69, mentioning: "OpenBao at \(scene.server.address) is sealed")
  }

  /// TLS: verified against VAULT_BAO_CACERT; without it, refused.
  @Test func tlsNeedsTheCA() throws {
    let scene = try BaoScene(tls: true)
    #expect(scene.server.address.hasPrefix("https://"))
    let env = try scene.jwtEnvironment()
    let read = try scene.ciExec(env)
    #expect(read.status == 0, "\(read.stderr)")
    #expect(read.stdout == BaoScene.prodValue)
    var withoutCA = try scene.jwtEnvironment()
    withoutCA.removeValue(forKey: "VAULT_BAO_CACERT")
    let refused = try scene.ciExec(withoutCA)
    expectOneError(refused, 69, mentioning: "TLS failed")
    #expect(refused.stderr.contains("VAULT_BAO_CACERT"))
  }

  /// The seal is bound to its vault and environment: a ciphertext moved to another
  /// environment, or from another vault, is refused by transit (even with the header
  /// re-signed by the owner); a seal edited without re-signing is refused before OpenBao
  /// is asked.
  @Test func aSealCannotBeMoved() throws {
    let scene = try BaoScene(sealStaging: true)
    let token = ["VAULT_BAO_TOKEN": scene.server.rootToken]
    #expect(try scene.ciExec(token, environment: "staging").stdout == BaoScene.stagingValue)

    // staging's seal under prod's line, signed by the owner.
    let header = try scene.header(scene.alice.vaultPath)
    let stagingSeal = try #require(header.openBaoRecipient("staging"))
    try scene.resign(scene.alice.vaultPath) { header in
      header.openBao[0].ciphertext = stagingSeal.ciphertext
      header.openBao[0].key = "shop-staging"
    }
    try scene.publish()
    let moved = try scene.ciExec(token)
    expectOneError(moved, 5, mentioning: "OpenBao could not open the seal of prod")
    expectNoLeak(BaoScene.stagingValue, in: moved)
    expectNoLeak(BaoScene.prodValue, in: moved)

    // Another vault's prod seal (same transit key), signed by the owner.
    let other = try Sandbox.person("carol")
    try other.initVault()
    try other.set("other-vault-value", env: "prod", name: "OPENAI_API_KEY")
    let add = try other.run(
      [
        "env", "recipient", "add", "prod", "openbao", "--addr", scene.server.address,
        "--transit-key", "shop-prod",
      ], env: scene.owner)
    #expect(add.status == 0, "\(add.stderr)")
    let foreign = try #require(try scene.header(other.vaultPath).openBaoRecipient("prod"))
    try scene.resign(scene.alice.vaultPath) { header in
      header.openBao[0] = OpenBaoRecipient(
        environment: "prod", address: foreign.address, mount: "transit", key: "shop-prod",
        ciphertext: foreign.ciphertext)
    }
    try scene.publish()
    let copied = try scene.ciExec(token)
    expectOneError(copied, 5, mentioning: "copied from another vault or environment")
    expectNoLeak("other-vault-value", in: copied)

    // Edited without the owner's signature: the header does not verify; OpenBao is not asked.
    var text = try String(contentsOfFile: scene.ciVault, encoding: .utf8)
    text = text.replacingOccurrences(of: scene.server.address, with: "http://127.0.0.2:1")
    try text.write(toFile: scene.ciVault, atomically: false, encoding: .utf8)
    let tampered = try scene.ciExec(token)
    expectOneError(tampered, 5)
    #expect(!tampered.stderr.contains("OpenBao"))
  }

  /// The token never reaches a file under the runner's HOME, argv, or the child.
  @Test func theTokenStaysInMemory() throws {
    let scene = try BaoScene()
    try scene.server.must(
      ["policy", "write", "prod-reader", "-"], stdin: BaoServer.policy(keys: ["shop-prod"]))
    let token = try scene.server.token(policies: ["prod-reader"])
    // The child prints its own environment and every process's argv it can see.
    let script = "env; for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done"
    let read = try scene.ciExec(["VAULT_BAO_TOKEN": token], script: script)
    #expect(read.status == 0, "\(read.stderr)")
    #expect(!read.stdout.contains(token))
    let jwtEnv = try scene.jwtEnvironment()
    let jwtRead = try scene.ciExec(jwtEnv, script: "env")
    #expect(jwtRead.status == 0, "\(jwtRead.stderr)")
    for (path, data) in scene.ci.snapshot([scene.ci.home.path, scene.ci.root.path]) {
      let text = String(decoding: data, as: UTF8.self)
      #expect(!text.contains(token), "token in \(path)")
    }
  }

  /// Under strace -f: the OpenBao token is written to a socket and nowhere else (no file,
  /// no pipe, no argv); the value only reaches the child.
  @Test(.enabled(if: Strace.path != nil, "strace is not installed (apt-get install strace)"))
  func straceShowsTheTokenGoesOnlyToOpenBao() throws {
    let scene = try BaoScene()
    try scene.server.must(
      ["policy", "write", "prod-reader", "-"], stdin: BaoServer.policy(keys: ["shop-prod"]))
    let token = try scene.server.token(policies: ["prod-reader"])
    let trace = scene.ci.root.appendingPathComponent("trace").path
    let result = try scene.ci.execute(
      try #require(Strace.path),
      [
        "-f", "-qq", "-y", "-o", trace, "-e", Strace.calls, "-s", "1000000", Sandbox.binary,
        "exec", "--vault", scene.ciVault, "--project", "shop", "--env", "prod", "--", "/bin/true",
      ],
      env: ["VAULT_BAO_TOKEN": token])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
    let carrying = lines.filter { $0.contains(token) }
    #expect(!carrying.isEmpty, "the trace shows no request with the token")
    for line in carrying {
      let call = line.drop { $0.isNumber || $0 == " " }
      #expect(
        (call.hasPrefix("write(") || call.hasPrefix("sendto(") || call.hasPrefix("sendmsg(")
          || call.hasPrefix("writev("))
          && call.contains("<socket:["),
        "the token went to \(line.prefix(160))")
    }
    for line in lines where line.contains(BaoScene.prodValue) {
      #expect(Bool(false), "the value went to \(line.prefix(160))")
    }
  }

  /// `members rm` re-keys prod and re-seals the new key through transit; without a way to
  /// reach OpenBao it refuses before writing anything.
  @Test func membersRemoveResealsThroughTransit() throws {
    let scene = try BaoScene()
    let bob = try Sandbox.person("bob")
    try bob.initVault()
    let bobPublic = try bob.publicIdentity()
    try scene.alice.ok(["members", "add", "bob", bobPublic, "--read", "prod"])
    try scene.publish()
    let before = try scene.header(scene.alice.vaultPath)

    let bytes = try scene.alice.readFile(scene.alice.vaultPath)
    let refused = try scene.alice.run(["members", "rm", "bob"])
    expectOneError(refused, 4, mentioning: "prod has an OpenBao recipient")
    #expect(try scene.alice.readFile(scene.alice.vaultPath) == bytes)

    let removed = try scene.alice.run(["members", "rm", "bob"], env: scene.owner)
    #expect(removed.status == 0, "\(removed.stderr)")
    let after = try scene.header(scene.alice.vaultPath)
    #expect(after.environment("prod") != before.environment("prod"))
    #expect(
      after.openBaoRecipient("prod")?.ciphertext != before.openBaoRecipient("prod")?.ciphertext)
    try scene.publish()
    let read = try scene.ciExec(try scene.jwtEnvironment())
    #expect(read.status == 0, "\(read.stderr)")
    #expect(read.stdout == BaoScene.prodValue)

    // rm of the recipient: the runner can no longer read prod.
    try scene.alice.ok(["env", "recipient", "rm", "prod", "openbao"])
    #expect(try scene.header(scene.alice.vaultPath).openBao.isEmpty)
    try scene.publish()
    let gone = try scene.ciExec(try scene.jwtEnvironment())
    expectOneError(gone, 2, mentioning: "prod has no OpenBao recipient")
  }

  /// A runner through OpenBao checks trust like any reader without state: with VAULT_PIN,
  /// an older copy of the file (here the one before staging was sealed) is refused.
  @Test func aPinnedRunnerRefusesARollback() throws {
    let scene = try BaoScene(keys: ["shop-prod", "shop-staging"])
    try scene.addRecipient("staging", key: "shop-staging")
    let pin = try scene.alice.run(["trust", "--pin"])
    #expect(pin.status == 0, "\(pin.stderr)")
    var env = try scene.jwtEnvironment()
    env["VAULT_PIN"] = pin.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let rolledBack = try scene.ciExec(env)
    expectOneError(rolledBack, 5)
    expectNoLeak(BaoScene.prodValue, in: rolledBack)
    try scene.publish()
    let current = try scene.ciExec(env)
    #expect(current.status == 0, "\(current.stderr)")
    #expect(current.stdout == BaoScene.prodValue)
  }

  /// The owner's command: bad input and a second recipient change nothing.
  @Test func addRefusesBadInput() throws {
    let scene = try BaoScene()
    let bytes = try scene.alice.readFile(scene.alice.vaultPath)
    let again = try scene.alice.run(
      [
        "env", "recipient", "add", "prod", "openbao", "--addr", scene.server.address,
        "--transit-key", "shop-prod",
      ], env: scene.owner)
    expectOneError(again, 6, mentioning: "prod already has an OpenBao recipient")
    let badAddress = try scene.alice.run(
      [
        "env", "recipient", "add", "staging", "openbao", "--addr", "ftp://bao", "--transit-key",
        "k",
      ], env: scene.owner)
    expectOneError(badAddress, 64, mentioning: "--addr")
    let badKind = try scene.alice.run(
      [
        "env", "recipient", "add", "staging", "kms", "--addr", scene.server.address,
        "--transit-key", "k",
      ], env: scene.owner)
    expectOneError(badKind, 64, mentioning: "openbao")
    let plainHTTP = try scene.alice.run(
      ["env", "recipient", "add", "staging", "openbao", "--addr", "http://bao.internal:8200",
       "--transit-key", "k"], env: scene.owner)
    expectOneError(plainHTTP, 64, mentioning: "https://")
    #expect(try scene.alice.readFile(scene.alice.vaultPath) == bytes)
    // Nor does a runner send its token in the clear beyond the machine.
    let runner = try scene.ciExec([
      "VAULT_BAO_TOKEN": scene.server.rootToken, "VAULT_BAO_ADDR": "http://bao.example:8200",
    ])
    expectOneError(runner, 64, mentioning: "plain http:// only to a loopback address")
  }
}
