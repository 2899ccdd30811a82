import Foundation
import Testing
import VaultCore

/// Issue 8, the merge driver: a merge combines entries; it never grants access that either
/// side took away, and it never changes who is trusted. Each case through real `git merge`
/// (ort), the real binary as git's driver, and one HOME per person.
@Suite struct MergeAttackTests {
  /// alice (owner, every environment) and the people named, each with their own HOME and
  /// identity; those with access are members, each with a clone set up by `vault git setup`.
  struct Team {
    let alice: Sandbox
    let people: [String: Sandbox]
    let origin: URL

    subscript(_ name: String) -> Sandbox {
      // Every name asked for was made by `makeTeam`.
      people[name] ?? alice
    }
  }

  /// `members`: name and `members add` flags (nil: an identity only, not a member, no clone).
  func makeTeam(_ members: [(String, [String]?)]) throws -> Team {
    let alice = try Sandbox.person("alice")
    let origin = try makeOrigin(in: alice)
    try alice.git(["clone", "-q", origin.path, alice.clone.path], in: alice.root)
    try alice.ok(["init", "--here", "--no-passphrase"])
    try alice.ok(["git", "setup"])
    var people: [String: Sandbox] = [:]
    for (name, flags) in members {
      let box = try Sandbox.person(name)
      try box.ok(["init", "--no-passphrase"], directory: box.root)
      if let flags {
        try alice.ok(["members", "add", name, try box.publicIdentity()] + flags)
      }
      people[name] = box
    }
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("dev1"))
    try alice.ok(["set", "--env", "prod"], stdin: fakeKey("prd1"))
    try alice.git(["add", ".vault", ".gitattributes"])
    try alice.git(["commit", "-q", "-m", "team vault"])
    try alice.git(["push", "-q", "origin", "main"])
    for (name, flags) in members where flags != nil {
      try people[name]?.cloneTeamRepository(origin)
    }
    return Team(alice: alice, people: people, origin: origin)
  }

  /// `vault git diff` of the work tree's .vault (members, signer, labels, flags).
  func review(_ box: Sandbox) throws -> String {
    try box.run(["git", "diff", "--", ".vault"]).stdout
  }

  // MARK: 1. A rotation on one branch, new entries for the old key on the other

  /// The case: carol adds NEW_KEY on a branch while alice removes bob on main
  /// (re-keying dev); carol merges main. Whatever the driver says, following it must leave
  /// bob out, and bob must never read carol's value.
  @Test func followingTheDriverNeverReaddsARemovedMember() throws {
    let team = try makeTeam([
      ("bob", ["--read", "dev", "--write", "dev"]), ("carol", ["--read", "dev", "--write", "dev"]),
    ])
    let (alice, bob, carol) = (team.alice, team["bob"], team["carol"])
    let value = "carol-new-value-7f3k"
    try carol.git(["checkout", "-q", "-b", "feature"])
    try carol.ok(["set", "--env", "dev", "NEW_KEY"], stdin: value)
    try carol.git(["commit", "-q", "-am", "NEW_KEY"])
    try alice.ok(["members", "rm", "bob"])
    try alice.git(["commit", "-q", "-am", "remove bob"])
    try alice.git(["push", "-q", "origin", "main"])

    try carol.git(["fetch", "-q", "origin"])
    let merge = try carol.git(["merge", "--no-edit", "origin/main"], check: false)
    let said = merge.stdout + merge.stderr
    #expect(!said.contains(value))
    if merge.status != 0 {
      // What the driver said to do, done exactly.
      if said.contains("vault set --project shop --env dev NEW_KEY") {
        try carol.ok(["set", "--project", "shop", "--env", "dev", "NEW_KEY"], stdin: value)
      }
      try carol.git(["add", ".vault"])
      try carol.git(["commit", "-q", "--no-edit"])
    }
    // carol holds the old dev key (her branch) and the new one (main): the driver moves her
    // entry to the new key itself, and says bob could read it on the branch.
    #expect(merge.status == 0, "\(said)")
    #expect(try carol.git(["log", "-1", "--format=%P"]).stdout.split(separator: " ").count == 2)
    let members = try carol.ok(["members", "list"]).stdout
    #expect(!members.contains("bob"), "\(members)")
    #expect(try carol.ok(["get", "--env", "dev", "NEW_KEY"]).stdout == value + "\n")
    #expect(try review(carol).contains("shop/dev/NEW_KEY rotate: exposed to bob"))
    #expect(try carol.ok(["get", "--env", "dev"]).stdout == fakeKey("dev1") + "\n")

    try carol.git(["push", "-q", "origin", "HEAD:main"])
    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    #expect(try alice.ok(["get", "--env", "dev", "NEW_KEY"]).stdout == value + "\n")
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    let read = try bob.run(["get", "--env", "dev", "NEW_KEY"])
    #expect(read.status != 0)
    expectNoLeak(value, in: read)
    #expect(!(try bob.run(["members", "list"]).stdout.contains("bob ")))
  }

  /// The same, merged by dave, added on main after the rotation: he holds the new dev key
  /// but never held the old one, so he cannot move NEW_KEY. The result is main's membership
  /// without NEW_KEY, and the message says to store it again and rotate it at its provider
  /// (bob could read it on the branch). Following that leaves bob out.
  @Test func aMergerWhoCannotReadBothKeysLeavesTheEntryOut() throws {
    let team = try makeTeam([
      ("bob", ["--read", "dev", "--write", "dev"]), ("carol", ["--read", "dev", "--write", "dev"]),
      ("dave", nil),
    ])
    let (alice, bob, carol, dave) = (team.alice, team["bob"], team["carol"], team["dave"])
    let value = "carol-new-value-9q2w"
    try carol.git(["checkout", "-q", "-b", "feature"])
    try carol.ok(["set", "--env", "dev", "NEW_KEY"], stdin: value)
    try carol.git(["commit", "-q", "-am", "NEW_KEY"])
    try carol.git(["push", "-q", "origin", "feature"])
    try alice.ok(["members", "rm", "bob"])
    try alice.ok(["members", "add", "dave", try dave.publicIdentity(), "--read", "dev", "--write", "dev"])
    try alice.git(["commit", "-q", "-am", "bob out, dave in"])
    try alice.git(["push", "-q", "origin", "main"])

    try dave.cloneTeamRepository(team.origin)
    try dave.git(["fetch", "-q", "origin"])
    let merge = try dave.git(["merge", "--no-edit", "origin/feature"], check: false)
    let said = merge.stdout + merge.stderr
    #expect(merge.status != 0)
    #expect(said.contains("shop/dev/NEW_KEY"), "\(said)")
    #expect(said.contains("vault set --project shop --env dev NEW_KEY"), "\(said)")
    #expect(said.contains("rotate it at its provider") && said.contains("bob"), "\(said)")
    #expect(!said.contains(".merge_file"), "\(said)")
    #expect(!said.contains(value))
    // What git left is a vault: main's membership, without NEW_KEY.
    let left = try review(dave)
    #expect(!left.contains("member bob") && left.contains("member dave"), "\(left)")
    #expect(!left.contains("NEW_KEY"), "\(left)")
    try dave.git(["add", ".vault"])
    try dave.git(["commit", "-q", "--no-edit"])
    try dave.git(["push", "-q", "origin", "main"])

    // carol, who knows the value, stores it again on main.
    try carol.git(["checkout", "-q", "main"])
    try carol.git(["pull", "-q", "--no-rebase", "origin", "main"])
    try carol.ok(["set", "--env", "dev", "NEW_KEY"], stdin: value)
    try carol.git(["commit", "-q", "-am", "NEW_KEY again"])
    try carol.git(["push", "-q", "origin", "main"])
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    let read = try bob.run(["get", "--env", "dev", "NEW_KEY"])
    #expect(read.status != 0)
    expectNoLeak(value, in: read)
    #expect(!(try review(bob)).contains("member bob"))
    #expect(try dave.ok(["get", "--env", "dev"]).stdout == fakeKey("dev1") + "\n")
  }

  /// The same, with an entry conflict too (both branches stored a new dev key): `vault git
  /// resolve` settles the conflict and repeats what is left out, and what it writes never
  /// holds bob.
  @Test func resolvingAfterAnEntryLeftOutRepeatsTheAdvice() throws {
    let team = try makeTeam([
      ("bob", ["--read", "dev", "--write", "dev"]), ("carol", ["--read", "dev", "--write", "dev"]),
      ("dave", nil),
    ])
    let (alice, carol, dave) = (team.alice, team["carol"], team["dave"])
    try carol.git(["checkout", "-q", "-b", "feature"])
    try carol.ok(["set", "--env", "dev", "NEW_KEY"], stdin: "carol-new-value")
    try carol.ok(["set", "--env", "dev"], stdin: fakeKey("car2"))
    try carol.git(["commit", "-q", "-am", "NEW_KEY, dev key"])
    try carol.git(["push", "-q", "origin", "feature"])
    try alice.ok(["members", "rm", "bob"])
    try alice.ok(["members", "add", "dave", try dave.publicIdentity(), "--read", "dev", "--write", "dev"])
    try alice.ok(["set", "--env", "dev"], stdin: fakeKey("ali2"))
    try alice.git(["commit", "-q", "-am", "bob out, dave in, dev key"])
    try alice.git(["push", "-q", "origin", "main"])

    try dave.cloneTeamRepository(team.origin)
    try dave.git(["fetch", "-q", "origin"])
    let merge = try dave.git(["merge", "--no-edit", "origin/feature"], check: false)
    let said = merge.stdout + merge.stderr
    #expect(merge.status != 0)
    #expect(said.contains("shop/dev/OPENAI_API_KEY changed on both branches"), "\(said)")
    #expect(said.contains("shop/dev/NEW_KEY was written on the other branch"), "\(said)")
    let resolve = try dave.ok(["git", "resolve", "--env", "dev", "--take", "ours"])
    #expect(
      resolve.stdout.contains("then: vault set --project shop --env dev NEW_KEY"),
      "\(resolve.stdout)")
    #expect(try dave.ok(["get", "--env", "dev"]).stdout == fakeKey("ali2") + "\n")
    let left = try review(dave)
    #expect(!left.contains("member bob") && !left.contains("NEW_KEY"), "\(left)")
    for secret in ["carol-new-value", fakeKey("car2"), fakeKey("ali2")] {
      #expect(!said.contains(secret) && !resolve.stdout.contains(secret))
    }
  }

  // MARK: 2. A removed owner's branch

  /// alice makes dave an owner, then removes him; dave branches from before his removal and
  /// adds mallory as an owner; alice merges. mallory must not become an owner, and bob (who
  /// saw dave removed) must not accept whatever alice commits.
  @Test func aRemovedOwnersBranchAddsNoOwner() throws {
    let team = try makeTeam([
      ("bob", ["--read", "dev", "--write", "dev"]), ("dave", nil), ("mallory", nil),
    ])
    let (alice, bob, dave, mallory) = (team.alice, team["bob"], team["dave"], team["mallory"])
    try alice.ok([
      "members", "add", "dave", try dave.publicIdentity(), "--read", "dev,prod,staging",
      "--write", "dev,prod,staging", "--owner",
    ])
    try alice.git(["commit", "-q", "-am", "dave co-owner"])
    try alice.git(["push", "-q", "origin", "main"])
    let before = try alice.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    try bob.ok(["list"])
    try alice.ok(["members", "rm", "dave"])
    try alice.git(["commit", "-q", "-am", "dave removed"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    try bob.ok(["list"])  // bob sees dave removed

    try dave.cloneTeamRepository(team.origin)
    try dave.git(["checkout", "-q", "-b", "evil", before])
    // No environment, so no key alice rotated is involved: only who is an owner.
    try dave.ok([
      "members", "add", "mallory", try mallory.publicIdentity(), "--read", "", "--owner",
    ])
    try dave.git(["commit", "-q", "-am", "mallory"])
    try dave.git(["push", "-q", "origin", "evil"])

    try alice.git(["fetch", "-q", "origin"])
    let merge = try alice.git(["merge", "--no-edit", "origin/evil"], check: false)
    let said = merge.stdout + merge.stderr
    #expect(merge.status != 0, "\(said)")
    #expect(said.contains("dave"), "\(said)")
    #expect(!(try review(alice)).contains("member mallory"))
    if merge.status != 0 {
      // alice commits whatever git left, against the advice.
      try alice.git(["add", ".vault"])
      try alice.git(["commit", "-q", "--no-edit"])
    }
    try alice.git(["push", "-q", "origin", "main"])
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    let list = try bob.run(["members", "list"])
    #expect(list.status != 0 || !list.stdout.contains("mallory"), "\(list.stdout)")
  }

  /// The rule's cost, and its way out: carol became an owner on main and then added erin
  /// there; bob's older branch (where carol is no owner) merges main. The driver refuses
  /// (the base may not vouch for carol), and says to merge the commit that made her an
  /// owner first; that merge, then main, both merge cleanly.
  @Test func aNewOwnersChangeMergesAfterTheCommitThatMadeThemOwner() throws {
    let team = try makeTeam([
      ("bob", ["--read", "dev", "--write", "dev"]),
      ("carol", ["--read", "dev,prod,staging", "--write", "dev,prod,staging"]), ("erin", nil),
    ])
    let (alice, bob, carol, erin) = (team.alice, team["bob"], team["carol"], team["erin"])
    try bob.git(["checkout", "-q", "-b", "feature"])
    try bob.ok(["set", "--env", "dev", "FEATURE_KEY"], stdin: "feature-value")
    try bob.git(["commit", "-q", "-am", "feature"])
    try alice.ok(["members", "set", "carol", "--owner"])
    try alice.git(["commit", "-q", "-am", "carol owner"])
    try alice.git(["push", "-q", "origin", "main"])
    let promoted = try alice.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try carol.git(["pull", "-q", "--no-rebase", "origin", "main"])
    try carol.ok(["members", "add", "erin", try erin.publicIdentity(), "--read", "dev"])
    try carol.git(["commit", "-q", "-am", "erin"])
    try carol.git(["push", "-q", "origin", "main"])

    try bob.git(["fetch", "-q", "origin"])
    let refused = try bob.git(["merge", "--no-edit", "origin/main"], check: false)
    let said = refused.stdout + refused.stderr
    #expect(refused.status != 0, "\(said)")
    #expect(said.contains("merge the commit that made carol an owner first"), "\(said)")
    try bob.git(["merge", "--abort"])
    let first = try bob.git(["merge", "--no-edit", promoted], check: false)
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    // bob sees carol become an owner under alice's signature, so he trusts her next change.
    try bob.ok(["list"])
    let second = try bob.git(["merge", "--no-edit", "origin/main"], check: false)
    #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
    #expect(try bob.ok(["get", "--env", "dev", "FEATURE_KEY"]).stdout == "feature-value\n")
    #expect(try bob.ok(["members", "list"]).stdout.contains("erin"))
  }

  /// The other way round: alice, on main (where carol became an owner and added erin),
  /// merges bob's older branch, and bob rebases his branch onto main. The result's header
  /// is main's as it is, so both go through in one step.
  @Test func mainsOwnChangesNeedNoStepWhenMergingOrRebasingAnOlderBranch() throws {
    let team = try makeTeam([
      ("bob", ["--read", "dev", "--write", "dev"]),
      ("carol", ["--read", "dev,prod,staging", "--write", "dev,prod,staging"]), ("erin", nil),
    ])
    let (alice, bob, carol, erin) = (team.alice, team["bob"], team["carol"], team["erin"])
    try bob.git(["checkout", "-q", "-b", "feature"])
    try bob.ok(["set", "--env", "dev", "FEATURE_KEY"], stdin: "feature-value")
    try bob.git(["commit", "-q", "-am", "feature"])
    try bob.git(["push", "-q", "origin", "feature"])
    try alice.ok(["members", "set", "carol", "--owner"])
    try alice.git(["commit", "-q", "-am", "carol owner"])
    try alice.git(["push", "-q", "origin", "main"])
    try bob.git(["fetch", "-q", "origin"])
    try bob.git(["checkout", "-q", "main"])
    try bob.git(["merge", "-q", "--ff-only", "origin/main"])
    try bob.ok(["list"])  // bob sees carol made an owner by alice
    try bob.git(["checkout", "-q", "feature"])
    try carol.git(["pull", "-q", "--no-rebase", "origin", "main"])
    try carol.ok(["members", "add", "erin", try erin.publicIdentity(), "--read", "dev"])
    try carol.git(["commit", "-q", "-am", "erin"])
    try carol.git(["push", "-q", "origin", "main"])

    try alice.git(["pull", "-q", "--no-rebase", "origin", "main"])
    try alice.git(["fetch", "-q", "origin"])
    let merge = try alice.git(["merge", "--no-edit", "origin/feature"], check: false)
    #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
    #expect(try alice.ok(["get", "--env", "dev", "FEATURE_KEY"]).stdout == "feature-value\n")

    try bob.git(["fetch", "-q", "origin"])
    let rebase = try bob.git(["rebase", "origin/main"], check: false)
    #expect(rebase.status == 0, "\(rebase.stdout)\(rebase.stderr)")
    #expect(try bob.ok(["get", "--env", "dev", "FEATURE_KEY"]).stdout == "feature-value\n")
    #expect(try bob.ok(["members", "list"]).stdout.contains("erin"))
  }

  /// alice's own old branch (from before dave's removal) still has dave as an owner; dave's
  /// branch from the same commit adds mallory. Only dave's side changed the membership and
  /// dave is an owner on alice's side, but alice saw him removed: nothing he signs merges.
  @Test func aSignerYouSawRemovedIsNotMerged() throws {
    let team = try makeTeam([("dave", nil), ("mallory", nil)])
    let (alice, dave, mallory) = (team.alice, team["dave"], team["mallory"])
    try alice.ok([
      "members", "add", "dave", try dave.publicIdentity(), "--read", "dev,prod,staging",
      "--write", "dev,prod,staging", "--owner",
    ])
    try alice.git(["commit", "-q", "-am", "dave co-owner"])
    try alice.git(["push", "-q", "origin", "main"])
    try alice.git(["checkout", "-q", "-b", "feature"])
    try alice.ok(["set", "--env", "prod", "FEATURE_KEY"], stdin: "feature-value")
    try alice.git(["commit", "-q", "-am", "feature"])
    try dave.cloneTeamRepository(team.origin)
    try dave.git(["checkout", "-q", "-b", "evil"])
    try dave.ok([
      "members", "add", "mallory", try mallory.publicIdentity(), "--read", "", "--owner",
    ])
    try dave.git(["commit", "-q", "-am", "mallory"])
    try dave.git(["push", "-q", "origin", "evil"])
    try alice.git(["checkout", "-q", "main"])
    try alice.ok(["members", "rm", "dave"])
    try alice.git(["commit", "-q", "-am", "dave removed"])

    try alice.git(["checkout", "-q", "feature"])
    try alice.git(["fetch", "-q", "origin"])
    let merge = try alice.git(["merge", "--no-edit", "origin/evil"], check: false)
    let said = merge.stdout + merge.stderr
    #expect(merge.status != 0, "\(said)")
    #expect(said.contains("signed by dave, whom you saw removed"), "\(said)")
    #expect(!(try review(alice)).contains("member mallory"))
  }

  // MARK: 5. A merge signed by a new owner

  /// alice makes carol an owner on a branch, and adds erin on main; carol merges main into
  /// her branch. bob (who pinned alice) must still read afterwards, or the merge is refused
  /// with a message naming who can merge.
  @Test func aNewOwnersMergeDoesNotLockPinnedMembersOut() throws {
    let team = try makeTeam([
      ("bob", ["--read", "dev", "--write", "dev"]),
      ("carol", ["--read", "dev,prod,staging", "--write", "dev,prod,staging"]), ("erin", nil),
    ])
    let (alice, bob, carol, erin) = (team.alice, team["bob"], team["carol"], team["erin"])
    try bob.ok(["list"])  // bob pins alice
    try alice.git(["checkout", "-q", "-b", "promote"])
    try alice.ok(["members", "set", "carol", "--owner"])
    try alice.git(["commit", "-q", "-am", "carol owner"])
    try alice.git(["push", "-q", "origin", "promote"])
    try alice.git(["checkout", "-q", "main"])
    try alice.ok(["trust", "--accept-rollback"])  // main is one membership change behind
    try alice.ok(["members", "add", "erin", try erin.publicIdentity(), "--read", "dev"])
    try alice.git(["commit", "-q", "-am", "erin"])
    try alice.git(["push", "-q", "origin", "main"])

    try carol.git(["fetch", "-q", "origin"])
    try carol.git(["checkout", "-q", "-b", "promote", "origin/promote"])
    let merge = try carol.git(["merge", "--no-edit", "origin/main"], check: false)
    let said = merge.stdout + merge.stderr
    if merge.status == 0 {
      try carol.git(["push", "-q", "origin", "HEAD:main"])
      try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
      let read = try bob.run(["get", "--env", "dev"])
      #expect(read.status == 0, "\(read.stderr)")
    } else {
      #expect(said.contains("alice"), "names who can merge: \(said)")
      #expect(said.contains("carol"), "\(said)")
    }
    // Either way, nothing signed by carol asks bob to trust her as an owner.
    #expect(merge.status != 0, "\(said)")
  }

  /// Both branches make carol an owner (the same change, signed by alice), and each adds
  /// someone else. carol is an owner on both sides but not at the base, where bob pinned
  /// alice only: a header carol re-signs would lock him out, so carol may not merge; alice
  /// may, and bob reads the result.
  @Test func onlyAnOwnerOfTheBaseAndBothSidesReSignsAMergedHeader() throws {
    let team = try makeTeam([
      ("bob", ["--read", "dev", "--write", "dev"]),
      ("carol", ["--read", "dev,prod,staging", "--write", "dev,prod,staging"]),
      ("erin", nil), ("frank", nil),
    ])
    let (alice, bob, carol) = (team.alice, team["bob"], team["carol"])
    let (erin, frank) = (team["erin"], team["frank"])
    try bob.ok(["list"])  // bob pins alice
    let base = try alice.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try alice.ok(["members", "set", "carol", "--owner"])
    try alice.ok(["members", "add", "erin", try erin.publicIdentity(), "--read", "dev"])
    try alice.git(["commit", "-q", "-am", "carol owner, erin"])
    try alice.git(["push", "-q", "origin", "main"])
    try alice.git(["checkout", "-q", "-b", "side", base])
    try alice.ok(["trust", "--accept-rollback"])  // an older membership, on purpose
    try alice.ok(["members", "set", "carol", "--owner"])
    try alice.ok(["members", "add", "frank", try frank.publicIdentity(), "--read", "dev"])
    try alice.git(["commit", "-q", "-am", "carol owner, frank"])
    try alice.git(["push", "-q", "origin", "side"])

    try carol.git(["fetch", "-q", "origin"])
    try carol.git(["checkout", "-q", "-b", "side", "origin/side"])
    let refused = try carol.git(["merge", "--no-edit", "origin/main"], check: false)
    let said = refused.stdout + refused.stderr
    #expect(refused.status != 0, "\(said)")
    #expect(said.contains("ask alice to merge"), "\(said)")
    try carol.git(["merge", "--abort"])

    try alice.git(["fetch", "-q", "origin"])
    let merge = try alice.git(["merge", "--no-edit", "origin/main"], check: false)
    #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
    try alice.git(["push", "-q", "origin", "HEAD:main"])
    try bob.git(["pull", "-q", "--no-rebase", "origin", "main"])
    let read = try bob.run(["get", "--env", "dev"])
    #expect(read.status == 0, "\(read.stderr)")
    let members = try bob.ok(["members", "list"]).stdout
    #expect(members.contains("erin") && members.contains("frank"), "\(members)")
  }

  // MARK: 3. Criss-cross histories

  /// Commits with fixed dates, so git orders the two merge bases the same way every run.
  func commit(_ box: Sandbox, _ message: String, day: Int, all: Bool = true) throws {
    let date = String(format: "2026-01-%02d 12:00:00 +0000", day)
    box.environment["GIT_AUTHOR_DATE"] = date
    box.environment["GIT_COMMITTER_DATE"] = date
    try box.git(["commit", "-q", all ? "-am" : "-m", message])
  }

  /// Two branches each merge the other's first commit, resolving the same two conflicts the
  /// other way (prod/OLD_KEY deleted on a, changed on b; staging/S changed on both); then a
  /// removes bob. Merging b into a has two merge bases whose inner merge conflicts: the
  /// outer merge must neither bring OLD_KEY back, nor bob, nor take one branch's resolution
  /// silently.
  @Test func aCrissCrossMergeBringsNothingBack() throws {
    let team = try makeTeam([("bob", ["--read", "dev", "--write", "dev"])])
    let alice = team.alice
    try alice.ok(["set", "--env", "prod", "OLD_KEY"], stdin: "old-key-one")
    try alice.ok(["set", "--env", "staging", "S"], stdin: "staging-zero")
    try commit(alice, "base", day: 1)
    try alice.git(["checkout", "-q", "-b", "b"])
    try alice.git(["checkout", "-q", "-b", "a"])
    try alice.ok(["rm", "--yes", "--env", "prod", "OLD_KEY"])
    try alice.ok(["set", "--env", "staging", "S"], stdin: "staging-a")
    try commit(alice, "a1", day: 2)
    let a1 = try alice.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try alice.git(["checkout", "-q", "b"])
    try alice.ok(["set", "--env", "prod", "OLD_KEY"], stdin: "old-key-two")
    try alice.ok(["set", "--env", "staging", "S"], stdin: "staging-b")
    try commit(alice, "b1", day: 3)
    let b1 = try alice.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    // a merges b1 keeping its own side of both conflicts; b merges a1 keeping its own.
    for (branch, other, day) in [("a", b1, 4), ("b", a1, 5)] {
      try alice.git(["checkout", "-q", branch])
      let merge = try alice.git(["merge", "--no-edit", "--no-commit", other], check: false)
      #expect(merge.status != 0, "\(merge.stdout)\(merge.stderr)")
      try alice.ok(["git", "resolve", "OLD_KEY", "--env", "prod", "--take", "ours"])
      try alice.ok(["git", "resolve", "S", "--env", "staging", "--take", "ours"])
      try alice.git(["add", ".vault"])
      try commit(alice, "merge into \(branch)", day: day, all: false)
    }
    try alice.git(["checkout", "-q", "a"])
    try alice.ok(["members", "rm", "bob"])
    try commit(alice, "bob out", day: 6)
    let bases = try alice.git(["merge-base", "--all", "a", "b"]).stdout
    #expect(outputLines(bases).count == 2, "a criss-cross: two merge bases")

    let merge = try alice.git(["merge", "-s", "ort", "--no-edit", "b"], check: false)
    let said = merge.stdout + merge.stderr
    let left = try review(alice)
    #expect(!left.contains("member bob"), "\(left)")
    if merge.status == 0 {
      #expect(!left.contains("shop/prod/OLD_KEY v"), "OLD_KEY came back: \(left)")
      #expect(try alice.ok(["get", "--env", "staging", "S"]).stdout == "staging-a\n")
    } else {
      // The two branches resolved differently: a conflict on those entries, nothing else.
      #expect(said.contains("shop/prod/OLD_KEY changed on both branches"), "\(said)")
      #expect(said.contains("shop/staging/S changed on both branches"), "\(said)")
      #expect(!left.contains("shop/prod/OLD_KEY v"), "this branch's side: deleted: \(left)")
    }
    #expect(merge.status != 0, "each branch resolved the conflicts its own way: \(said)")
  }

  // MARK: 7. Lows

  /// Both branches added .vault (no merge base): an entry deleted on one side, with a
  /// tombstone at its version, stays deleted; one changed on one side and deleted at an
  /// older version on the other is a conflict; nothing comes back silently.
  @Test func anAddAddMergeKeepsDeletions() throws {
    let alice = try Sandbox.person("alice")
    try alice.git(["init", "-q", alice.clone.path], in: alice.root)
    try alice.writeFile(alice.clone.path + "/README", Data("shop\n".utf8))
    try alice.git(["add", "README"])
    try alice.git(["commit", "-q", "-m", "root"])
    try alice.ok(["init", "--here", "--no-passphrase"])
    try alice.ok(["git", "setup"])
    try alice.ok(["set", "--env", "dev", "GONE"], stdin: "gone-value")
    try alice.ok(["set", "--env", "dev", "KEPT"], stdin: "kept-value")
    let shared = try alice.readFile(alice.teamVault)
    try alice.git(["add", ".vault", ".gitattributes"])
    try alice.git(["commit", "-q", "-m", "vault on main"])
    try alice.ok(["set", "--env", "dev", "MAIN_ONLY"], stdin: "main-value")
    try alice.git(["commit", "-q", "-am", "main adds"])
    try alice.git(["checkout", "-q", "-b", "other", "HEAD~2"])
    try alice.writeFile(alice.teamVault, shared)
    try alice.ok(["rm", "--yes", "--env", "dev", "GONE"])
    try alice.ok(["set", "--env", "dev", "OTHER_ONLY"], stdin: "other-value")
    try alice.git(["add", ".vault"])
    try alice.git(["commit", "-q", "-m", "vault on other"])
    try alice.git(["checkout", "-q", "main"])
    let merge = try alice.git(["merge", "--no-edit", "--allow-unrelated-histories", "other"], check: false)
    let said = merge.stdout + merge.stderr
    #expect(merge.status == 0, "\(said)")
    let list = try alice.ok(["list"]).stdout
    #expect(!list.contains("shop/dev/GONE "), "\(list)")
    for name in ["KEPT", "MAIN_ONLY", "OTHER_ONLY"] {
      #expect(list.contains("shop/dev/\(name) "), "\(list)")
    }
  }

  /// Without a merge base, a value stored again on one side (version 2) and deleted at
  /// version 1 on the other is unclear: a conflict, never the value silently back.
  @Test func anAddAddMergeWithAnUnclearDeletionConflicts() throws {
    let alice = try Sandbox.person("alice")
    try alice.git(["init", "-q", alice.clone.path], in: alice.root)
    try alice.writeFile(alice.clone.path + "/README", Data("shop\n".utf8))
    try alice.git(["add", "README"])
    try alice.git(["commit", "-q", "-m", "root"])
    try alice.ok(["init", "--here", "--no-passphrase"])
    try alice.ok(["git", "setup"])
    try alice.ok(["set", "--env", "dev", "GONE"], stdin: "gone-value")
    let shared = try alice.readFile(alice.teamVault)
    try alice.ok(["set", "--env", "dev", "GONE"], stdin: "gone-value-2")
    try alice.git(["add", ".vault", ".gitattributes"])
    try alice.git(["commit", "-q", "-m", "vault on main"])
    try alice.git(["checkout", "-q", "-b", "other", "HEAD~1"])
    try alice.writeFile(alice.teamVault, shared)
    try alice.ok(["rm", "--yes", "--env", "dev", "GONE"])
    try alice.git(["add", ".vault"])
    try alice.git(["commit", "-q", "-m", "vault on other"])
    try alice.git(["checkout", "-q", "main"])
    let merge = try alice.git(["merge", "--no-edit", "--allow-unrelated-histories", "other"], check: false)
    let said = merge.stdout + merge.stderr
    #expect(merge.status != 0)
    #expect(said.contains("shop/dev/GONE changed on both branches"), "\(said)")
  }

  /// The textconv works for a vault under a directory whose name starts with `-`.
  @Test func theDiffWorksUnderADashDirectory() throws {
    let team = try makeTeam([])
    let alice = team.alice
    try FileManager.default.createDirectory(
      at: alice.clone.appendingPathComponent("-team"), withIntermediateDirectories: true)
    try alice.git(["mv", "--", ".vault", "-team/.vault"])
    try alice.git(["commit", "-q", "-m", "move"])
    try alice.ok(["set", "--vault", "./-team/.vault", "--env", "dev", "DASH"], stdin: "dash-value")
    let diff = try alice.git(["diff"], check: false)
    #expect(diff.status == 0, "\(diff.stderr)")
    #expect(diff.stdout.contains("+shop/dev/DASH v1 "), "\(diff.stdout)")
    #expect(!diff.stdout.contains("dash-value"))
  }

  /// Two values stored under the same label, version, time and writer differ in review: each
  /// entry line carries a short fingerprint of its ciphertext (never the ciphertext).
  @Test func aReplacedValueShowsInTheDiff() throws {
    let team = try makeTeam([])
    let alice = team.alice
    let identity = try alice.identity()
    let original = try alice.readFile(alice.teamVault)
    var texts: [Data] = []
    for value in ["first-value", "second-value"] {
      var file = try VaultFile.parse(Array(original), path: ".vault")
      try file.set(
        [("SAME", SecretBytes(copying: Array(value.utf8)))], project: "shop", environment: "dev",
        identity: identity, now: "2026-01-01T00:00:00Z")
      texts.append(Data(file.serialized()))
    }
    try alice.writeFile(alice.teamVault, texts[0])
    try alice.git(["commit", "-q", "-am", "first"])
    try alice.writeFile(alice.teamVault, texts[1])
    let diff = try alice.git(["diff"])
    let added = outputLines(diff.stdout).filter { $0.hasPrefix("+shop/dev/SAME v1 ") }
    let removed = outputLines(diff.stdout).filter { $0.hasPrefix("-shop/dev/SAME v1 ") }
    #expect(added.count == 1 && removed.count == 1, "\(diff.stdout)")
    #expect(added.first?.hasSuffix(" alice") == true, "\(diff.stdout)")
  }

  /// A branch whose .vault does not parse: the driver names the branch's .vault (not git's
  /// temporary file) and what to run.
  @Test func aBrokenSideIsNamedNotItsTemporaryFile() throws {
    let team = try makeTeam([])
    let alice = team.alice
    try alice.git(["checkout", "-q", "-b", "broken"])
    var text = try alice.readFile(alice.teamVault)
    text.append(Data("garbage line\n".utf8))
    try alice.writeFile(alice.teamVault, text)
    try alice.git(["commit", "-q", "-am", "broken"])
    try alice.git(["checkout", "-q", "main"])
    try alice.ok(["set", "--env", "dev", "MAIN"], stdin: "main-value")
    try alice.git(["commit", "-q", "-am", "main"])
    let merge = try alice.git(["merge", "--no-edit", "broken"], check: false)
    let said = merge.stdout + merge.stderr
    #expect(merge.status != 0)
    #expect(!said.contains(".merge_file"), "\(said)")
    #expect(said.contains("the other branch's .vault"), "\(said)")
    #expect(said.contains("git merge --abort"), "\(said)")
  }
}
