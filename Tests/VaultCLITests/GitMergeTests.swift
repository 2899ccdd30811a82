import Foundation
import Testing
import VaultCore

/// `vault git setup`, the merge driver and the diff textconv, through real `git merge`,
/// `git diff` and `git show` on real clones of a bare origin.
@Suite struct GitMergeTests {
  /// alice (owner) and bob (reads and writes dev), each with a clone set up by
  /// `vault git setup`; the vault with one dev and one prod value, pushed.
  struct Repo {
    let alice: Sandbox
    let bob: Sandbox
    let origin: URL
  }

  func makeRepo(bobReads: String = "dev", bobWrites: String = "dev") throws -> Repo {
    let alice = try Sandbox.person("alice")
    let bob = try Sandbox.person("bob")
    let origin = try makeOrigin(in: alice)
    try alice.git(["clone", "-q", origin.path, alice.clone.path], in: alice.root)
    try alice.ok(["init", "--here", "--no-passphrase"])
    let setup = try alice.ok(["git", "setup"])
    #expect(setup.stdout == "configured git in \(alice.clone.path): .gitattributes (commit it) and .git/config\n")
    #expect(try String(contentsOfFile: alice.clone.path + "/.gitattributes", encoding: .utf8) == ".vault merge=vault diff=vault\n")
    // `--` and %P: a path may start with `-`, and messages name the file, not git's
    // temporary copies; the inner merge of a criss-cross history has its own mode.
    #expect(try alice.git(["config", "merge.vault.driver"]).stdout == "vault git merge -- %O %A %B %P\n")
    #expect(try alice.git(["config", "merge.vault.recursive"]).stdout == "vault-base\n")
    #expect(
      try alice.git(["config", "merge.vault-base.driver"]).stdout
        == "vault git merge --virtual-base -- %O %A %B %P\n")
    #expect(try alice.git(["config", "diff.vault.textconv"]).stdout == "vault git diff --\n")
    try alice.ok(["git", "setup"])  // twice: .gitattributes keeps one line
    #expect(try String(contentsOfFile: alice.clone.path + "/.gitattributes", encoding: .utf8) == ".vault merge=vault diff=vault\n")

    try bob.ok(["init", "--no-passphrase"], directory: bob.root)
    try alice.ok(["members", "add", "bob", try bob.publicIdentity(), "--read", bobReads, "--write", bobWrites])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd1"))
    try alice.git(["add", ".vault", ".gitattributes"])
    try alice.git(["commit", "-q", "-m", "add vault"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.cloneTeamRepository(origin)
    return Repo(alice: alice, bob: bob, origin: origin)
  }

  /// `git fetch` then `git merge origin/main` in `box`'s clone (git's own status).
  func fetchAndMerge(_ box: Sandbox) throws -> RunResult {
    try box.git(["fetch", "-q", "origin"])
    return try box.git(["merge", "--no-edit", "origin/main"], check: false)
  }

  func vaultText(_ box: Sandbox) throws -> String {
    try String(contentsOfFile: box.teamVault, encoding: .utf8)
  }

  // MARK: Merges

  /// alice adds KEY_A, bob adds KEY_B in the same group: their entry lines are adjacent and
  /// both sides re-signed the group line, so a text merge conflicts; the driver does not.
  @Test func independentAdditionsOnAdjacentLinesMergeCleanly() throws {
    let repo = try makeRepo()
    let (alice, bob) = (repo.alice, repo.bob)
    try alice.ok(["set", "--env", "dev", "KEY_A"], stdin: "value-a-1234")
    try alice.git(["commit", "-q", "-am", "KEY_A"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev", "KEY_B"], stdin: "value-b-5678")
    try bob.git(["commit", "-q", "-am", "KEY_B"])

    // Without the driver, git's own text merge of the same three files conflicts.
    try bob.git(["fetch", "-q", "origin"])
    let scratch = bob.root.appendingPathComponent("textmerge")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    for (name, revision) in [("base", "HEAD~1"), ("ours", "HEAD"), ("theirs", "origin/main")] {
      let show = try bob.execute("/usr/bin/git", ["show", "--no-textconv", "\(revision):.vault"], directory: bob.clone)
      #expect(show.status == 0)
      try show.stdoutBytes.write(to: scratch.appendingPathComponent(name))
    }
    let textMerge = try bob.git(["merge-file", "-p", "ours", "base", "theirs"], in: scratch, check: false)
    #expect(textMerge.status > 0, "a plain text merge conflicts, so the driver is what makes this clean")

    let merge = try fetchAndMerge(bob)
    #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
    let text = try vaultText(bob)
    #expect(!text.contains("<<<<<<<") && !text.contains(">>>>>>>"))
    let lines = outputLines(text)
    let a = try #require(lines.firstIndex { $0.hasPrefix("entry shop dev KEY_A ") })
    #expect(lines[a + 1].hasPrefix("entry shop dev KEY_B "), "the two entries are adjacent lines")
    #expect(try bob.git(["status", "--porcelain"]).stdout == "")
    #expect(try bob.git(["log", "-1", "--format=%P"]).stdout.split(separator: " ").count == 2, "a merge commit")

    // Everything reads and verifies, on both sides.
    #expect(try bob.ok(["get", "--env", "dev", "KEY_A"]).stdout == "value-a-1234\n")
    #expect(try bob.ok(["get", "--env", "dev", "KEY_B"]).stdout == "value-b-5678\n")
    #expect(try bob.ok(["get", "--env", "dev"]).stdout == fakeKey("dev1") + "\n")
    try bob.git(["push", "-q", "origin", "main"])
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try alice.ok(["get", "--env", "dev", "KEY_B"]).stdout == "value-b-5678\n")
    #expect(try alice.ok(["get", "--env", "prod"]).stdout == fakeKey("prd1") + "\n")
    let list = try alice.ok(["list"])
    #expect(outputLines(list.stdout).count == 4)
  }

  /// Additions to different groups (prod by alice, dev by bob) need no signature at all.
  @Test func additionsToDifferentGroupsMergeCleanly() throws {
    let repo = try makeRepo()
    let (alice, bob) = (repo.alice, repo.bob)
    try alice.ok(["set", "--env", "prod", "KEY_P"], stdin: "value-p")
    try alice.git(["commit", "-q", "-am", "KEY_P"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev", "KEY_D"], stdin: "value-d")
    try bob.git(["commit", "-q", "-am", "KEY_D"])
    let merge = try fetchAndMerge(bob)
    #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
    #expect(try bob.ok(["get", "--env", "dev", "KEY_D"]).stdout == "value-d\n")
    let list = try bob.ok(["list"])
    #expect(listRow(list, "shop/prod/KEY_P")?.hasSuffix("alice") == true, "\(list.stdout)")
  }

  /// The same entry changed on both sides: a conflict that names it; git merge fails.
  @Test func theSameEntryChangedOnBothSidesConflicts() throws {
    let repo = try makeRepo()
    let (alice, bob) = (repo.alice, repo.bob)
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("ali2"))
    try alice.git(["commit", "-q", "-am", "alice rotates"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev"], stdin: fakeKey("bob2"))
    try bob.git(["commit", "-q", "-am", "bob rotates"])
    let ours = try bob.readFile(bob.teamVault)

    let merge = try fetchAndMerge(bob)
    #expect(merge.status != 0)
    let output = merge.stdout + merge.stderr
    #expect(output.contains("shop/dev/OPENAI_API_KEY changed on both branches"), "\(output)")
    #expect(output.contains("CONFLICT"), "\(output)")
    #expect(!output.contains(fakeKey("ali2")) && !output.contains(fakeKey("bob2")))
    #expect(try bob.git(["diff", "--name-only", "--diff-filter=U"]).stdout == ".vault\n")
    // git leaves our side in place for the person to resolve.
    #expect(try bob.readFile(bob.teamVault) == ours)
    try bob.git(["merge", "--abort"])
  }

  /// bob writes a dev entry while alice re-keys dev (she removed carol): bob holds the old
  /// dev key (his branch) and the new one (alice's), so the driver moves his entry to the
  /// new key, signs it, and flags it as exposed to carol, who could read it on his branch
  /// (issue 8: it used to leave nothing merged and advise a `vault set` on the old file).
  @Test func anEntryForAKeyTheOtherBranchRotated() throws {
    let repo = try makeRepo()
    let (alice, bob) = (repo.alice, repo.bob)
    let carol = Identity.generate()
    try alice.ok(["members", "add", "carol", carol.publicIdentity.description, "--read", "dev"])
    try alice.git(["commit", "-q", "-am", "carol"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])

    try alice.ok(["members", "rm", "carol"])
    try alice.git(["commit", "-q", "-am", "remove carol"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev", "NEW_KEY"], stdin: "value-new")
    try bob.git(["commit", "-q", "-am", "NEW_KEY"])

    let merge = try fetchAndMerge(bob)
    let output = merge.stdout + merge.stderr
    #expect(merge.status == 0, "\(output)")
    #expect(!output.contains("value-new"))
    #expect(try bob.ok(["get", "--env", "dev", "NEW_KEY"]).stdout == "value-new\n")
    let review = try bob.ok(["git", "diff", "--", ".vault"]).stdout
    #expect(review.contains("shop/dev/NEW_KEY rotate: exposed to carol"), "\(review)")
    #expect(!review.contains("member carol"), "\(review)")
    try bob.git(["push", "-q", "origin", "main"])
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try alice.ok(["get", "--env", "dev", "NEW_KEY"]).stdout == "value-new\n")
  }

  /// alice adds carol (the header) while bob adds an entry (a group): clean, and carol reads
  /// bob's entry with the key she was sealed on the other branch.
  @Test func aMemberAddedOnOneSideAndAnEntryOnTheOther() throws {
    let repo = try makeRepo()
    let (alice, bob) = (repo.alice, repo.bob)
    let carol = Identity.generate()
    let carolSecret = carol.secretString.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    try alice.ok(["members", "add", "carol", carol.publicIdentity.description, "--read", "dev"])
    try alice.git(["commit", "-q", "-am", "carol"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev", "KEY_B"], stdin: "value-b")
    try bob.git(["commit", "-q", "-am", "KEY_B"])

    let merge = try fetchAndMerge(bob)
    #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
    let merged = outputLines(try bob.ok(["members", "list"]).stdout)
    #expect(merged.map { String($0.prefix(5)) } == ["alice", "bob  ", "carol", "signe"])
    #expect(merged.last?.hasPrefix("signed by alice (") == true, "\(merged)")
    #expect(try bob.ok(["get", "--env", "dev", "KEY_B"]).stdout == "value-b\n")
    let carolRead = try bob.run(["get", "--env", "dev", "KEY_B"], env: ["VAULT_IDENTITY": carolSecret])
    #expect(carolRead.status == 0, "\(carolRead.stderr)")
    #expect(carolRead.stdout == "value-b\n")
    try bob.git(["push", "-q", "origin", "main"])
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try alice.ok(["get", "--env", "dev", "KEY_B"]).stdout == "value-b\n")
  }

  // MARK: Conflicts keep everything else (issue 7, point 3)

  /// Both branches change shop/dev/OPENAI_API_KEY; alice's also adds
  /// shop/staging/EMBEDDINGS_KEY. bob merges: a conflict, and the file git leaves holds
  /// EMBEDDINGS_KEY, bob's dev key, and a message naming the commands to run.
  func conflictWithAnUnrelatedAddition() throws -> Repo {
    let repo = try makeRepo()
    let (alice, bob) = (repo.alice, repo.bob)
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("ali2"))
    try alice.ok(["set", "--env", "staging", "EMBEDDINGS_KEY"], stdin: fakeKey("emb1"))
    try alice.git(["commit", "-q", "-am", "alice rotates dev, adds staging"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev"], stdin: fakeKey("bob2"))
    try bob.git(["commit", "-q", "-am", "bob rotates dev"])

    let merge = try fetchAndMerge(bob)
    #expect(merge.status != 0)
    let output = merge.stdout + merge.stderr
    #expect(output.contains("CONFLICT"), "\(output)")
    #expect(output.contains("shop/dev/OPENAI_API_KEY changed on both branches"), "\(output)")
    #expect(
      output.contains("vault git resolve OPENAI_API_KEY --project shop --env dev --take theirs"),
      "\(output)")
    #expect(output.contains("--take ours"), "\(output)")
    #expect(output.contains("git add .vault && git commit"), "\(output)")
    for secret in [fakeKey("ali2"), fakeKey("bob2"), fakeKey("emb1")] {
      #expect(!output.contains(secret))
    }
    #expect(try bob.git(["diff", "--name-only", "--diff-filter=U"]).stdout == ".vault\n")
    // The file left in the work tree: a vault that verifies, with alice's unrelated entry and
    // bob's side of the conflicted one.
    let left = try bob.ok(["git", "diff", ".vault"]).stdout
    #expect(left.contains("shop/staging/EMBEDDINGS_KEY v1 "), "\(left)")
    #expect(!left.contains("unreadable") && !left.contains("does not verify"), "\(left)")
    #expect(try bob.ok(["get", "--env", "dev"]).stdout == fakeKey("bob2") + "\n")
    return repo
  }

  /// After the conflict, `vault git resolve --take SIDE`, `git add` and `git commit`: the
  /// dev key is that side's, and EMBEDDINGS_KEY is in the merge commit, readable by alice.
  func resolveTheConflict(taking side: String) throws {
    let repo = try conflictWithAnUnrelatedAddition()
    let (alice, bob) = (repo.alice, repo.bob)
    let resolve = try bob.ok(["git", "resolve", "--project", "shop", "--env", "dev", "--take", side])
    #expect(resolve.stdout.contains("shop/dev/OPENAI_API_KEY: took \(side)"), "\(resolve.stdout)")
    #expect(resolve.stdout.contains("git add .vault && git commit"), "\(resolve.stdout)")
    #expect(resolve.stderr == "")
    let expected = fakeKey(side == "theirs" ? "ali2" : "bob2")
    #expect(try bob.ok(["get", "--env", "dev"]).stdout == expected + "\n")
    try bob.git(["add", ".vault"])
    #expect(try bob.git(["diff", "--name-only", "--diff-filter=U"]).stdout == "")
    try bob.git(["commit", "-q", "--no-edit"])
    #expect(try bob.git(["log", "-1", "--format=%P"]).stdout.split(separator: " ").count == 2)
    #expect(try bob.ok(["get", "--env", "dev"]).stdout == expected + "\n")
    #expect(try bob.git(["show", "HEAD:.vault"]).stdout.contains("entry shop staging EMBEDDINGS_KEY "))

    try bob.git(["push", "-q", "origin", "main"])
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try alice.ok(["get", "--env", "staging", "EMBEDDINGS_KEY"]).stdout == fakeKey("emb1") + "\n")
    #expect(try alice.ok(["get", "--env", "dev"]).stdout == expected + "\n")
    #expect(try alice.ok(["get", "--env", "prod"]).stdout == fakeKey("prd1") + "\n")
  }

  @Test func aConflictKeepsTheOtherBranchsChangesAndResolvesToTheirs() throws {
    try resolveTheConflict(taking: "theirs")
  }

  @Test func aConflictKeepsTheOtherBranchsChangesAndResolvesToOurs() throws {
    try resolveTheConflict(taking: "ours")
  }

  /// Conflicts in dev and staging at once, and an unrelated prod change: one message names
  /// both commands; each resolve keeps the side the other one chose.
  @Test func conflictsInTwoGroupsResolveOneByOne() throws {
    let repo = try makeRepo(bobReads: "dev,staging", bobWrites: "dev,staging")
    let (alice, bob) = (repo.alice, repo.bob)
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("ali2"))
    try alice.ok(["set", "--env", "staging"], stdin: fakeKey("alis"))
    try alice.ok(["set", "--env", "prod", "PROD_ONLY"], stdin: "value-prod")
    try alice.git(["commit", "-q", "-am", "alice"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.ok(["set", "--env", "dev"], stdin: fakeKey("bob2"))
    try bob.ok(["set", "--env", "staging"], stdin: fakeKey("bobs"))
    try bob.ok(["set", "--env", "dev", "BOB_ONLY"], stdin: "value-bob")
    try bob.git(["commit", "-q", "-am", "bob"])

    let merge = try fetchAndMerge(bob)
    #expect(merge.status != 0)
    let output = merge.stdout + merge.stderr
    for command in [
      "vault git resolve OPENAI_API_KEY --project shop --env dev --take theirs",
      "vault git resolve OPENAI_API_KEY --project shop --env staging --take theirs",
    ] {
      #expect(output.contains(command), "\(output)")
    }
    #expect(try bob.ok(["get", "--env", "staging"]).stdout == fakeKey("bobs") + "\n")
    #expect(try bob.ok(["get", "--env", "dev", "BOB_ONLY"]).stdout == "value-bob\n")

    try bob.ok(["git", "resolve", "--env", "dev", "--take", "theirs"])
    try bob.ok(["git", "resolve", "--env", "staging", "--take", "ours"])
    #expect(try bob.ok(["get", "--env", "dev"]).stdout == fakeKey("ali2") + "\n", "dev stays theirs")
    #expect(try bob.ok(["get", "--env", "staging"]).stdout == fakeKey("bobs") + "\n")
    // Taking ours again for dev, then theirs for staging: each command changes its own entry.
    try bob.ok(["git", "resolve", "--env", "dev", "--take", "ours"])
    try bob.ok(["git", "resolve", "--env", "staging", "--take", "theirs"])
    #expect(try bob.ok(["get", "--env", "dev"]).stdout == fakeKey("bob2") + "\n")
    #expect(try bob.ok(["get", "--env", "staging"]).stdout == fakeKey("alis") + "\n")
    try bob.git(["add", ".vault"])
    try bob.git(["commit", "-q", "--no-edit"])
    try bob.git(["push", "-q", "origin", "main"])
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try alice.ok(["get", "--env", "prod", "PROD_ONLY"]).stdout == "value-prod\n")
    #expect(try alice.ok(["get", "--env", "dev", "BOB_ONLY"]).stdout == "value-bob\n")
    #expect(try alice.ok(["get", "--env", "dev"]).stdout == fakeKey("bob2") + "\n")
    #expect(try alice.ok(["get", "--env", "staging"]).stdout == fakeKey("alis") + "\n")
  }

  /// `vault git resolve` outside a merge, for a label without a conflict, and with a bad
  /// --take: one error line each, the README's exit code, and .vault unchanged.
  @Test func badInputToResolve() throws {
    let outside = try Sandbox.person("carol")
    try outside.initVault()
    expectOneError(
      try outside.run(["git", "resolve", "--take", "ours"]), 2, mentioning: "no merge conflict")

    let merging = try conflictWithAnUnrelatedAddition().bob
    let before = try merging.readFile(merging.teamVault)
    expectOneError(
      try merging.run(["git", "resolve", "OTHER_KEY", "--take", "theirs"]), 2,
      mentioning: "shop/dev/OTHER_KEY")
    expectOneError(
      try merging.run(["git", "resolve", "--env", "prod", "--take", "theirs"]), 2,
      mentioning: "conflicted: shop/dev/OPENAI_API_KEY")
    expectOneError(try merging.run(["git", "resolve", "--take", "mine"]), 64, mentioning: "mine")
    expectOneError(try merging.run(["git", "resolve"]), 64, mentioning: "--take")
    #expect(try merging.readFile(merging.teamVault) == before)
    // Resolved and added: the index holds no stages any more.
    try merging.ok(["git", "resolve", "--take", "theirs"])
    try merging.git(["add", ".vault"])
    let after = try merging.readFile(merging.teamVault)
    expectOneError(
      try merging.run(["git", "resolve", "--take", "ours"]), 2, mentioning: "no merge conflict")
    #expect(try merging.readFile(merging.teamVault) == after)
  }

  // MARK: Diff

  /// `git diff` and `git show` go through `vault git diff`: labels, versions, writers,
  /// members and flags; never a value or a ciphertext; and no unlock (a stranger with no
  /// identity at all reads the history).
  @Test func diffAndShowShowLabelsNeverValues() throws {
    let repo = try makeRepo()
    let alice = repo.alice
    let value = fakeKey("dif1")
    try alice.ok(["set", "--env", "staging", "OPENAI_ORG_ID"], stdin: value)
    let diff = try alice.git(["diff"])
    let added = outputLines(diff.stdout).filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") }
    #expect(added.count == 1, "\(diff.stdout)")
    #expect(added.first?.hasPrefix("+shop/staging/OPENAI_ORG_ID v1 ") == true)
    #expect(added.first?.hasSuffix(" alice") == true)
    let ciphertext = try #require(
      line(try vaultText(alice), startingWith: "entry shop staging OPENAI_ORG_ID ")?.split(separator: " ")[9])
    #expect(!diff.stdout.contains(value) && !diff.stdout.contains(String(ciphertext.prefix(24))))
    #expect(!diff.stdout.contains("entry shop"), "the raw lines never show")
    try alice.git(["commit", "-q", "-am", "org id"])

    let carol = Identity.generate()
    try alice.ok(["members", "add", "carol", carol.publicIdentity.description, "--read", "staging"])
    try alice.git(["commit", "-q", "-am", "carol came"])
    try alice.ok(["members", "rm", "carol"])
    try alice.git(["commit", "-q", "-am", "carol went"])
    try alice.git(["push", "-q", "origin", "main"])

    // A stranger: no identity, no vault of their own; only the clone and `vault git setup`.
    let stranger = try Sandbox.person("stranger")
    try stranger.cloneTeamRepository(repo.origin)
    #expect(!FileManager.default.fileExists(atPath: stranger.identityPath))
    let show = try stranger.git(["show", "HEAD"])
    #expect(show.stdout.contains("+shop/staging/OPENAI_ORG_ID rotate: exposed to carol"), "\(show.stdout)")
    #expect(show.stdout.contains("shop/staging/OPENAI_ORG_ID v1 "))
    #expect(show.stdout.contains("-env staging key "), "the staging key was re-keyed")
    let log = try stranger.git(["log", "-p", "--format=%s"])
    #expect(log.stdout.contains("+member carol read staging write -"))
    #expect(log.stdout.contains("-member carol read staging write -"))
    #expect(log.stdout.contains("+member bob read dev write dev"))
    #expect(log.stdout.contains("+shop/prod/OPENAI_API_KEY v1 "))
    for output in [show.stdout, log.stdout] {
      for secret in [value, fakeKey("dev1"), fakeKey("prd1")] {
        #expect(!output.contains(secret))
      }
      #expect(!output.contains(String(ciphertext.prefix(24))))
      #expect(!output.contains("entry shop"))
      #expect(!output.contains("seal "))
    }
    // The same, through the command itself.
    let direct = try stranger.ok(["git", "diff", ".vault"])
    #expect(direct.stdout.contains("shop/dev/OPENAI_API_KEY v1 "))
    #expect(!direct.stdout.contains(fakeKey("dev1")))
  }
}
