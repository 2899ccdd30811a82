import Foundation
import Testing
import VaultCore

// MARK: - People, repositories and git (TeamTests, TeamBadInputTests, GitMergeTests)

/// The built binary's directory, put first on PATH so git finds `vault` for the merge
/// driver and the diff textconv.
let binaryDirectory = URL(fileURLWithPath: Sandbox.binary).deletingLastPathComponent().path

extension Sandbox {
  /// A person with their own HOME: `USER` and git author are `name`, the built binary is
  /// first on PATH, and git reads no system or global configuration.
  static func person(_ name: String) throws -> Sandbox {
    let box = try Sandbox()
    box.environment["USER"] = name
    box.environment["PATH"] = binaryDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    for role in ["AUTHOR", "COMMITTER"] {
      box.environment["GIT_\(role)_NAME"] = name
      box.environment["GIT_\(role)_EMAIL"] = "\(name)@example.com"
    }
    box.environment["GIT_CONFIG_NOSYSTEM"] = "1"
    box.environment["GIT_CONFIG_COUNT"] = "1"
    box.environment["GIT_CONFIG_KEY_0"] = "init.defaultBranch"
    box.environment["GIT_CONFIG_VALUE_0"] = "main"
    return box
  }

  /// The clone (the work directory, $HOME/code/shop) and its team vault.
  var clone: URL { workDirectory }
  var teamVault: String { workDirectory.path + "/.vault" }
  /// `${XDG_STATE_HOME:-~/.local/state}/vault`: pinned owners, removed members.
  var stateDirectory: String { home.path + "/.local/state/vault" }

  /// Runs git in the clone (or `directory`); with `check`, expects success.
  @discardableResult
  func git(
    _ args: [String], in directory: URL? = nil, check: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> RunResult {
    let result = try execute("/usr/bin/git", args, directory: directory ?? workDirectory)
    if check {
      #expect(result.status == 0, "git \(args.joined(separator: " ")): \(result.stdout)\(result.stderr)",
        sourceLocation: sourceLocation)
    }
    return result
  }

  /// Clones `origin` into the work directory and configures the vault's git driver.
  func cloneTeamRepository(_ origin: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    try git(["clone", "-q", origin.path, workDirectory.path], in: root, sourceLocation: sourceLocation)
    let setup = try run(["git", "setup"])
    #expect(setup.status == 0, "\(setup.stderr)", sourceLocation: sourceLocation)
  }

  /// The identity in this person's identity file (made with `--no-passphrase`).
  func identity() throws -> Identity {
    let bytes = try readFile(identityPath)
    return try IdentityFile.parse(Array(bytes), path: identityPath).unlock(passphrase: nil)
  }

  /// `vault identity show`, checked.
  func publicIdentity(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let show = try run(["identity", "show"])
    #expect(show.status == 0, "\(show.stderr)", sourceLocation: sourceLocation)
    return show.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Runs `vault` and expects success.
  @discardableResult
  func ok(
    _ args: [String], stdin: String? = nil, env: [String: String] = [:], directory: URL? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> RunResult {
    let result = try run(args, stdin: stdin, env: env, directory: directory)
    #expect(result.status == 0, "vault \(args.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
    return result
  }

  /// What `vault exec --env env` gives a program as OPENAI_API_KEY (or `name`).
  func execValue(
    env: String, name: String = "OPENAI_API_KEY", extra: [String: String] = [:], directory: URL? = nil
  ) throws -> RunResult {
    try run(
      ["exec", "--env", env, "--", "/bin/sh", "-c", "printf %s \"$\(name)\""], env: extra,
      directory: directory)
  }

  /// Every file under `directory`, by path, to compare before and after a refused command.
  func snapshot(_ directories: [String]) -> [String: Data] {
    var result: [String: Data] = [:]
    for directory in directories {
      guard let walker = FileManager.default.enumerator(atPath: directory) else { continue }
      for case let relative as String in walker {
        let path = directory + "/" + relative
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
          let data = FileManager.default.contents(atPath: path)
        {
          result[path] = data
        }
      }
    }
    return result
  }
}

/// A bare origin repository under `box`'s root.
func makeOrigin(in box: Sandbox) throws -> URL {
  let origin = box.root.appendingPathComponent("origin.git")
  try box.git(["init", "-q", "--bare", origin.path], in: box.root)
  return origin
}

/// The rows of `vault list` that mention `label`.
func listRow(_ list: RunResult, _ label: String) -> String? {
  outputLines(list.stdout).first { $0.hasPrefix(label + " ") }
}

/// The line of `text` that starts with `prefix`.
func line(_ text: String, startingWith prefix: String) -> String? {
  outputLines(text).first { $0.hasPrefix(prefix) }
}

// MARK: - The issue's scenario

/// The team-vault issue, typed as its three people would: alice (owner), bob (dev and
/// staging) and a CI runner (prod), each with their own HOME, sharing a real git remote.
@Suite struct TeamTests {
  /// alice's clone with a committed team vault, bob's and ci's identities, and everyone's
  /// access as in the issue; the values alice stored.
  struct Team {
    let alice: Sandbox
    let bob: Sandbox
    let ci: Sandbox
    let origin: URL
    let ciSecret: String
    let ciPublic: String
    let bobPublic: String
    let values: [String: String]
  }

  /// Runs the issue's first half: init --here, push, members add, set --env prod, push.
  static func makeTeam() throws -> Team {
    let alice = try Sandbox.person("alice")
    let bob = try Sandbox.person("bob")
    let ci = try Sandbox.person("ci")
    let origin = try makeOrigin(in: alice)

    // alice$ cd shop && vault init --here; git add .vault && git commit && git push
    try alice.git(["clone", "-q", origin.path, alice.clone.path], in: alice.root)
    let initRun = try alice.ok(["init", "--here", "--no-passphrase"])
    #expect(line(initRun.stdout, startingWith: "created vault ") == "created vault \(alice.teamVault)")
    #expect(initRun.stdout.contains("you are alice (owner)"))
    try alice.ok(["git", "setup"])
    let app = alice.clone.appendingPathComponent("app")
    try Data("#!/bin/sh\nprintf 'app has %s' \"$OPENAI_API_KEY\"\n".utf8).write(to: app)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: app.path)
    try alice.git(["add", ".vault", ".gitattributes", "app"])
    try alice.git(["commit", "-q", "-m", "add vault"])
    try alice.git(["push", "-q", "origin", "main"])

    // bob$ vault identity show (bob made his identity with his own personal vault)
    try bob.ok(["init", "--no-passphrase"], directory: bob.root)
    let bobPublic = try bob.publicIdentity()
    #expect(bobPublic.hasPrefix("vault-pub-"))

    // CI: vault identity new --no-passphrase: the secret on stdout, the public on stderr.
    let ciNew = try ci.ok(["identity", "new", "--no-passphrase"], directory: ci.root)
    let ciSecret = ciNew.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(ciSecret.hasPrefix("VAULT-SECRET-"))
    #expect(!ciNew.stderr.contains(ciSecret))
    let publicLine = try #require(line(ciNew.stderr, startingWith: "vault: public identity: "))
    let ciPublic = String(publicLine.dropFirst("vault: public identity: ".count))
    #expect(ciPublic.hasPrefix("vault-pub-") && !ciPublic.contains(" "))
    #expect(!FileManager.default.fileExists(atPath: ci.identityPath), "identity new without --output writes no file")

    // alice$ vault members add bob … --read dev,staging; vault members add ci … --read prod
    let addBob = try alice.ok(["members", "add", "bob", bobPublic, "--read", "dev,staging"])
    #expect(addBob.stdout == "added bob: read dev,staging, write -\n")
    let addCI = try alice.ok(["members", "add", "ci", ciPublic, "--read", "prod"])
    #expect(addCI.stdout == "added ci: read prod, write -\n")

    // alice$ vault set --env prod (and dev and staging, so bob has something to read)
    let values = ["dev": fakeKey("dev1"), "staging": fakeKey("stg1"), "prod": fakeKey("prd1")]
    for environment in ["dev", "staging", "prod"] {
      let set = try alice.ok(["set", "--env", environment], stdin: values[environment])
      #expect(set.stdout.hasPrefix("stored shop/\(environment)/OPENAI_API_KEY  sk-proj-…"))
    }
    try alice.git(["commit", "-q", "-am", "members and keys"])
    try alice.git(["push", "-q", "origin", "main"])
    return Team(
      alice: alice, bob: bob, ci: ci, origin: origin, ciSecret: ciSecret, ciPublic: ciPublic,
      bobPublic: bobPublic, values: values)
  }

  @Test func theIssueScenario() throws {
    let team = try Self.makeTeam()
    let (alice, bob, ci) = (team.alice, team.bob, team.ci)
    let prodKey = try #require(team.values["prod"])

    // members list, plain and JSON; needs no unlock.
    let members = try alice.ok(["members", "list"])
    let aliceFP = try alice.ok(["identity", "show", "--fingerprint"]).stdout.dropLast()
    let bobFP = try #require(PublicIdentity(team.bobPublic)).fingerprint
    let ciFP = try #require(PublicIdentity(team.ciPublic)).fingerprint
    #expect(outputLines(members.stdout) == [
      "alice  owner   \(aliceFP)  read dev,prod,staging  write dev,prod,staging",
      "bob    member  \(bobFP)  read dev,staging       write -",
      "ci     member  \(ciFP)  read prod              write -",
      "signed by alice (\(aliceFP))",
    ])
    let json = try alice.ok(["members", "list", "--json"])
    let parsed = try #require(try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [[String: Any]])
    #expect(parsed.map { $0["name"] as? String } == ["alice", "bob", "ci"])
    #expect(parsed.map { $0["owner"] as? Bool } == [true, false, false])
    #expect(parsed[1]["read"] as? [String] == ["dev", "staging"])
    #expect(parsed[1]["write"] as? [String] == [])
    #expect(parsed[1]["identity"] as? String == team.bobPublic)
    #expect(parsed[1]["fingerprint"] as? String == bobFP)
    #expect(parsed.map { $0["signer"] as? Bool } == [true, false, false])
    #expect(parsed[2]["read"] as? [String] == ["prod"])

    // bob$ git pull && vault exec --env dev -- ./app: works.
    try bob.cloneTeamRepository(team.origin)
    let devRun = try bob.run(["exec", "--env", "dev", "--", "./app"])
    #expect(devRun.status == 0, "\(devRun.stderr)")
    #expect(devRun.stdout == "app has \(team.values["dev"] ?? "?")")
    #expect(try bob.execValue(env: "staging").stdout == team.values["staging"])

    // bob$ vault exec --env prod -- ./app: "bob cannot read shop/prod", exit 4; app not run.
    let prodRun = try bob.run(["exec", "--env", "prod", "--", "./app"])
    expectOneError(prodRun, 4, mentioning: "bob cannot read shop/prod")
    expectNoLeak(prodKey, in: prodRun)
    expectOneError(try bob.run(["get", "--env", "prod"]), 4, mentioning: "bob cannot read shop/prod")
    // bob may read but not write dev.
    let bobWrite = try bob.run(["set", "--env", "dev", "OTHER"], stdin: "value")
    expectOneError(bobWrite, 4, mentioning: "bob cannot write to dev")

    // CI reads prod with VAULT_IDENTITY, and nothing else.
    try ci.cloneTeamRepository(team.origin)
    let ciRun = try ci.run(["exec", "--env", "prod", "--", "./app"], env: ["VAULT_IDENTITY": team.ciSecret])
    #expect(ciRun.status == 0, "\(ciRun.stderr)")
    #expect(ciRun.stdout == "app has \(prodKey)")
    expectOneError(
      try ci.execValue(env: "dev", extra: ["VAULT_IDENTITY": team.ciSecret]), 4, mentioning: "ci cannot read shop/dev")

    // Reading commands change nothing in the work tree.
    #expect(try bob.git(["status", "--porcelain"]).stdout == "")
    #expect(try ci.git(["status", "--porcelain"]).stdout == "")

    // alice$ vault members rm bob: re-keys dev and staging, not prod.
    let before = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    let remove = try alice.ok(["members", "rm", "bob"])
    #expect(remove.stdout == "removed bob\nre-keyed dev, staging; `vault list` shows the entries to rotate\n")
    let after = try String(contentsOfFile: alice.teamVault, encoding: .utf8)
    #expect(line(after, startingWith: "env prod ") == line(before, startingWith: "env prod "))
    #expect(line(after, startingWith: "env dev ") != line(before, startingWith: "env dev "))
    #expect(line(after, startingWith: "env staging ") != line(before, startingWith: "env staging "))
    #expect(!after.contains(team.bobPublic))
    #expect(
      outputLines(after).filter { !$0.hasPrefix("flag ") }.allSatisfy { !$0.contains(" bob ") },
      "no line but the flags names bob")
    #expect(outputLines(after).filter { $0.hasPrefix("flag ") }.map { $0.split(separator: " ").prefix(5).joined(separator: " ") }
      == ["flag shop dev OPENAI_API_KEY bob", "flag shop staging OPENAI_API_KEY bob"])
    let remaining = outputLines(try alice.ok(["members", "list"]).stdout)
    #expect(remaining.map { $0.prefix(5) } == ["alice", "ci   ", "signe"])
    #expect(remaining.last == "signed by alice (\(aliceFP))", "alice signed the removal")

    // alice$ vault list: every entry bob could read is flagged, prod is not.
    var list = try alice.ok(["list"])
    #expect(listRow(list, "shop/dev/OPENAI_API_KEY")?.hasSuffix("alice  rotate: exposed to bob") == true, "\(list.stdout)")
    #expect(listRow(list, "shop/staging/OPENAI_API_KEY")?.hasSuffix("alice  rotate: exposed to bob") == true)
    #expect(listRow(list, "shop/prod/OPENAI_API_KEY")?.hasSuffix("alice") == true)
    let listJSON = try #require(
      try JSONSerialization.jsonObject(with: try alice.ok(["list", "--json"]).stdoutBytes) as? [[String: Any]])
    #expect(
      listJSON.map { "\($0["environment"] as? String ?? "?")=\(($0["exposed"] as? [String]) ?? ["?"])" }
        == ["dev=[\"bob\"]", "prod=[]", "staging=[\"bob\"]"])
    var status = try alice.ok(["status"])
    #expect(line(status.stdout, startingWith: "rotate:") == "rotate:   shop/dev/OPENAI_API_KEY (exposed to bob), shop/staging/OPENAI_API_KEY (exposed to bob)")

    // The re-keyed values are the same values, now under the new keys.
    #expect(try alice.execValue(env: "dev").stdout == team.values["dev"])
    #expect(try alice.execValue(env: "staging").stdout == team.values["staging"])

    // A new version clears its flag, and only its flag.
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev2"))
    list = try alice.ok(["list"])
    #expect(listRow(list, "shop/dev/OPENAI_API_KEY")?.contains("  v2  ") == true)
    #expect(listRow(list, "shop/dev/OPENAI_API_KEY")?.contains("rotate") == false)
    #expect(listRow(list, "shop/staging/OPENAI_API_KEY")?.hasSuffix("rotate: exposed to bob") == true)
    status = try alice.ok(["status"])
    #expect(line(status.stdout, startingWith: "rotate:") == "rotate:   shop/staging/OPENAI_API_KEY (exposed to bob)")
    try alice.ok(["set", "--env", "staging"], stdin: fakeKey("stg2"))
    #expect(!(try alice.ok(["list"]).stdout.contains("rotate")))
    #expect(line(try alice.ok(["status"]).stdout, startingWith: "rotate:") == nil)

    try alice.git(["commit", "-q", "-am", "remove bob, rotate dev and staging"])
    try alice.git(["push", "-q", "origin", "main"])

    // bob$ git pull: bob is no longer a member; CI still reads prod.
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    let bobAfter = try bob.execValue(env: "dev")
    expectOneError(bobAfter, 4, mentioning: "not a member")
    expectNoLeak(fakeKey("dev2"), in: bobAfter)
    try ci.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try ci.execValue(env: "prod", extra: ["VAULT_IDENTITY": team.ciSecret]).stdout == prodKey)
  }

  /// bob keeps the file from before his removal: the environment keys it seals to him are
  /// not the keys the new entries are encrypted to.
  @Test func theOldFileDoesNotOpenNewEntries() throws {
    let team = try Self.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    let old = try bob.readFile(bob.teamVault)
    try alice.ok(["members", "rm", "bob"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("new1"))
    let current = try VaultFile.parse(Array(try alice.readFile(alice.teamVault)), path: alice.teamVault)
    let stale = try VaultFile.parse(Array(old), path: bob.teamVault)
    let bobKey = try stale.environmentKeyPair("dev", project: "shop", identity: try bob.identity())
    let group = try #require(try current.group(project: "shop", environment: "dev"))
    #expect(group.entries.count == 1)
    for entry in group.entries {
      #expect(throws: VaultError.self) { try current.open(entry, with: bobKey) }
    }
    // The same key did open the entries that existed while bob was a member.
    let oldGroup = try #require(try stale.group(project: "shop", environment: "dev"))
    #expect(try stale.open(oldGroup.entries[0], with: bobKey).count == team.values["dev"]?.utf8.count)
  }

  // MARK: Pinned owners, replaced files, rollbacks

  /// Someone with write access to the file adds themselves as an owner and signs the header
  /// with their own key: the header verifies on its own, but not against the owners pinned at
  /// first open.
  @Test func ownersChangedWithoutAPinnedOwnerAreRefused() throws {
    let team = try Self.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    #expect(try bob.execValue(env: "dev").stdout == team.values["dev"], "bob pins alice at first open")

    // mallory: a stranger's identity, made an owner in a header mallory signs.
    let mallory = Identity.generate()
    var file = try VaultFile.parse(Array(try bob.readFile(bob.teamVault)), path: "v")
    file.header.members.append(
      Member(name: "mallory", identity: mallory.publicIdentity, isOwner: true, read: ["dev"], write: ["dev"]))
    file.header.members.sort { $0.name < $1.name }
    // A seal of some key to mallory (a reader needs one; writing needs only the public key).
    file.header.seals.append(
      Seal(environment: "dev", member: "mallory",
        box: try SealedBox.seal(SecretBytes(copying: Sodium.randomBytes(32)), to: mallory.boxKeyPair.publicKey)))
    file.header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    file.header.generation += 1
    file.signHeader(with: mallory)
    try file.set([("OPENAI_BASE_URL", SecretBytes(copying: Array("https://evil.example".utf8)))],
      project: "shop", environment: "dev", identity: mallory)
    try file.verifyHeader()  // it is a well-formed vault in itself
    let forged = Data(file.serialized())
    try bob.writeFile(bob.teamVault, forged)

    let stateBefore = bob.snapshot([bob.stateDirectory])
    let run = try bob.run(["exec", "--env", "dev", "--", "/usr/bin/env"])
    expectOneError(run, 5, mentioning: "owners changed without a signature from an owner you trust")
    #expect(!run.stdout.contains("evil.example"))
    expectOneError(try bob.run(["list"]), 5, mentioning: "owners changed")
    #expect(try bob.readFile(bob.teamVault) == forged)
    #expect(bob.snapshot([bob.stateDirectory]) == stateBefore, "nothing new is pinned")

    // alice, who created it, refuses it the same way.
    try alice.writeFile(alice.teamVault, forged)
    expectOneError(try alice.run(["list"]), 5, mentioning: "owners changed")
    expectOneError(try alice.run(["set", "--env", "dev"], stdin: fakeKey("new1")), 5, mentioning: "owners changed")
    #expect(try alice.readFile(alice.teamVault) == forged)
  }

  /// An owner who is pinned may change the owners: bob trusts carol once alice made her one.
  @Test func aPinnedOwnerMayAddAnOwner() throws {
    let team = try Self.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    #expect(try bob.execValue(env: "dev").stdout == team.values["dev"])
    let carol = Identity.generate()
    try alice.ok(["members", "add", "carol", carol.publicIdentity.description, "--read", "dev", "--owner"])
    try bob.writeFile(bob.teamVault, try alice.readFile(alice.teamVault))
    #expect(try bob.execValue(env: "dev").stdout == team.values["dev"])
  }

  /// The whole file replaced by an attacker's vault (another id, bob a member of it, the
  /// attacker's values): nobody who opened the real one injects anything from it.
  @Test func aReplacedVaultInjectsNothing() throws {
    let team = try Self.makeTeam()
    let (alice, bob) = (team.alice, team.bob)
    try bob.cloneTeamRepository(team.origin)
    #expect(try bob.execValue(env: "dev").stdout == team.values["dev"])

    let mallory = Identity.generate()
    var evil = try VaultFile.create(identity: mallory, memberName: "mallory", path: "v")
    for (name, person) in [("alice", alice), ("bob", bob)] {
      try evil.addMember(
        name: name, identity: try person.identity().publicIdentity, read: ["dev", "prod", "staging"],
        write: [], isOwner: false, by: mallory)
    }
    for environment in ["dev", "prod", "staging"] {
      try evil.set(
        [("OPENAI_API_KEY", SecretBytes(copying: Array("sk-evil-\(environment)".utf8))),
         ("OPENAI_BASE_URL", SecretBytes(copying: Array("https://evil.example".utf8)))],
        project: "shop", environment: environment, identity: mallory)
    }
    let evilBytes = Data(evil.serialized())
    for person in [alice, bob] {
      try person.writeFile(person.teamVault, evilBytes)
      for environment in ["dev", "prod"] {
        let run = try person.run(["exec", "--env", environment, "--", "/usr/bin/env"])
        expectOneError(run, 5, mentioning: "is a different vault (another vault id)")
        #expect(!run.stdout.contains("evil"))
      }
      expectOneError(try person.run(["get", "--env", "dev"]), 5, mentioning: "different vault")
      expectOneError(try person.run(["set", "--env", "dev"], stdin: fakeKey("mine")), 5, mentioning: "different vault")
      #expect(try person.readFile(person.teamVault) == evilBytes)
    }
  }

  /// The file rolled back to before bob's removal: an older membership generation, refused
  /// by every command; accepted on purpose, bob's seals are back, so nothing new may be
  /// sealed to him.
  @Test func aRollbackCannotSealToTheRemovedMember() throws {
    let team = try Self.makeTeam()
    let alice = team.alice
    try alice.ok(["members", "rm", "bob"])
    try alice.git(["commit", "-q", "-am", "remove bob"])

    // git checkout HEAD~1 -- .vault: the version where bob still reads dev and staging.
    try alice.git(["checkout", "HEAD~1", "--", ".vault"])
    let rolledBack = try alice.readFile(alice.teamVault)
    #expect(String(decoding: rolledBack, as: UTF8.self).contains("member bob "))

    let stateBefore = alice.snapshot([alice.stateDirectory])
    for args in [["list"], ["members", "list"], ["get", "--env", "prod"]] {
      expectOneError(try alice.run(args), 5, mentioning: "older than generation")
    }
    let refused = try alice.run(["set", "--env", "dev"], stdin: fakeKey("new9"))
    expectOneError(refused, 5, mentioning: "the file was rolled back")
    expectNoLeak(fakeKey("new9"), in: refused)
    #expect(try alice.readFile(alice.teamVault) == rolledBack)
    #expect(alice.snapshot([alice.stateDirectory]) == stateBefore, "a rollback changes no trust state")

    // Using the old copy on purpose: bob stays removed for alice.
    try alice.ok(["trust", "--accept-rollback"])
    let set = try alice.run(["set", "--env", "dev"], stdin: fakeKey("new9"))
    expectOneError(set, 4, mentioning: "bob was removed from this vault before")
    #expect(set.stderr.contains("rolled back"))
    expectNoLeak(fakeKey("new9"), in: set)
    let staging = try alice.run(["set", "--env", "staging", "OTHER"], stdin: "value")
    expectOneError(staging, 4, mentioning: "rolled back")
    let carol = Identity.generate()
    let add = try alice.run(["members", "add", "carol", carol.publicIdentity.description, "--read", "dev"])
    expectOneError(add, 4, mentioning: "rolled back")
    #expect(try alice.readFile(alice.teamVault) == rolledBack)

    // prod was never bob's: writing it is fine. Removing bob again repairs dev.
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd2"))
    try alice.ok(["members", "rm", "bob"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("new9"))
    #expect(try alice.execValue(env: "dev").stdout == fakeKey("new9"))
  }
}
