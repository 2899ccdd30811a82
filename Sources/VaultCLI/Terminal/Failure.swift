import Glibc
import VaultCore

/// Maps every `VaultError` to one line on stderr, an optional hint, and a stable exit code
/// (README, "Exit codes").
enum Failure {
  static let general: Int32 = 1
  static let notFound: Int32 = 2
  static let unlock: Int32 = 3
  static let access: Int32 = 4
  static let integrity: Int32 = 5
  static let exists: Int32 = 6
  static let retiredKey: Int32 = 7
  static let usage: Int32 = 64
  /// OpenAI (or the network to it) did not answer as documented, after the retries.
  static let unavailable: Int32 = 69
  static let notExecutable: Int32 = 126
  static let commandNotFound: Int32 = 127
  static let cancelled: Int32 = 130

  /// The message, hint and exit code of `error`.
  static func describe(_ error: VaultError) -> (message: String, hint: String?, code: Int32) {
    switch error {
    case .vaultNotFound(let path):
      return ("no vault at '\(printable(path: path))'", "run `vault init` to create one", notFound)
    case .identityNotFound(let path):
      return (
        "no identity at '\(printable(path: path))'",
        "run `vault init`, or set VAULT_IDENTITY or VAULT_IDENTITY_FILE", notFound
      )
    case .entryNotFound(let label):
      return ("no entry \(printable(path: label))", "`vault list` shows what is stored", notFound)
    case .versionNotFound(let label, let version, let kept):
      return (
        "\(printable(path: label)) keeps no version \(version); it keeps "
          + kept.map { "v\($0)" }.joined(separator: ", "),
        "`vault history` lists the versions kept", notFound
      )
    case .rollbackToCurrent(let label, let version):
      return (
        "version \(version) is the current version of \(printable(path: label));"
          + " nothing to roll back",
        "`vault history` lists the older versions", usage
      )
    case .invalidNumber(let option, let shown):
      return ("\(option) takes a version number (1, 2, …), not '\(shown)'", nil, usage)
    case .historyLimitOutOfRange(let given):
      return (
        "cannot keep '\(printable(given))' versions; give a number from 1 to "
          + "\(Header.maximumHistoryLimit)",
        nil, usage
      )
    case .noEntries(let project, let environment, let holdings):
      guard !holdings.isEmpty else {
        return (
          "no entries for \(project)/\(environment); this vault holds none",
          "store one with `vault set --project \(project) --env \(environment)`", notFound
        )
      }
      let held = holdings.map { "\($0.project) (\($0.environments.joined(separator: ", ")))" }
      return (
        "no entries for \(project)/\(environment); this vault holds: \(held.joined(separator: ", "))",
        "use --project or VAULT_PROJECT, and --env or VAULT_ENV", notFound
      )
    case .environmentNotFound(let name, let available):
      let shown = printable(name)
      guard !available.isEmpty else { return ("no environment '\(shown)' in this vault", nil, notFound) }
      let hint = closest(to: name, in: available).map { "did you mean \($0)?" }
        ?? "`vault env list` shows who reads and writes each"
      return (
        "no environment '\(shown)' in this vault; it has \(available.joined(separator: ", "))", hint,
        notFound
      )
    case .alreadyExists(let path):
      return ("'\(printable(path: path))' already exists; refusing to overwrite it", nil, exists)
    case .invalidName(let kind, let shown, let looksLikeSecret):
      let rule: String
      switch kind {
      case .project, .member:
        rule = "letters, digits, '.', '_', '-', starting with a letter or digit, at most 64"
      case .environment:
        rule = "lowercase letters, digits, '_', '-', starting with a letter, at most 32"
      case .name: rule = "letters, digits and '_', not starting with a digit, at most 128"
      }
      // `shown` is already redacted or escaped where it was captured (Names.check).
      if looksLikeSecret {
        switch kind {
        case .project, .member:
          return (
            "invalid \(kind.rawValue) '\(shown)': it looks like a secret, not a name; nothing was stored",
            "name the \(kind.rawValue) with a plain word; keys go in at `vault set`'s prompt or on its stdin",
            usage
          )
        case .environment, .name:
          return (
            "invalid \(kind.rawValue) '\(shown)': it looks like a secret, and values are never read from the command line",
            "run the command without it and paste the value at the prompt, or pipe it on stdin",
            usage
          )
        }
      }
      let hint = kind == .project ? "name the project with --project or VAULT_PROJECT" : nil
      return ("invalid \(kind.rawValue) '\(shown)': use \(rule)", hint, usage)
    case .valueInName(let kind, let shown, let name):
      let stored = name ?? "NAME"
      return (
        "invalid \(kind.rawValue) '\(shown)': values are never read from the command line; nothing was stored",
        "to store it, run `vault set \(stored)` and paste the value at the prompt, or `printf %s … | vault set \(stored)`",
        usage
      )
    case .reservedName(let name):
      return (
        "refusing \(name): it changes how programs load or start",
        "pass --allow-reserved \(name) if you mean it", usage
      )
    case .emptyValue:
      return ("empty value; nothing stored", nil, usage)
    case .nulInValue(let label):
      return (
        "the value for \(printable(path: label)) contains a NUL byte; nothing stored",
        "an environment variable cannot hold one: check what was pasted or piped", usage
      )
    case .retiredKey(let label, let environment, let writer):
      let parts = label.split(separator: "/", maxSplits: 2).map(String.init)
      let command =
        parts.count == 3
        ? "vault set --project \(parts[0]) --env \(parts[1]) \(parts[2])" : "vault set"
      return (
        "\(printable(path: label)) is encrypted to a retired key of \(environment): store it again",
        "\(writer == "?" ? "whoever wrote it" : writer) has the value and runs `\(command)`;"
          + " a git merge without the vault merge driver leaves such entries (`vault git setup`)",
        retiredKey
      )
    case .nulInStoredValue(let label):
      return (
        "the stored value of \(printable(path: label)) contains a NUL byte; refusing to run the command with it cut short",
        "store it again with `vault set`, or leave it out with --only", integrity
      )
    case .adminKeyAsAPIKey(let label):
      return (
        "\(printable(path: label)) holds an Admin API key (sk-admin-…), which would reach the program as OPENAI_API_KEY",
        "store the project's API key there and the admin key as OPENAI_ADMIN_KEY; --allow-admin-key if you mean it",
        usage
      )
    case .onlyAdminKeys(let labels):
      return (
        "\(labels.map { printable(path: $0) }.joined(separator: ", ")) \(labels.count == 1 ? "is an Admin API key" : "are Admin API keys"), which exec injects only by name",
        "name it: --only \(Paths.baseName(of: labels.first ?? "OPENAI_ADMIN_KEY"))", usage
      )
    case .invalidOpenAIField(let field, let shown):
      return (
        "'\(printable(shown))' is not an OpenAI \(field) a vault can store",
        field == "scope"
          ? "scopes are lower-case letters, digits, '.', '_' and '-', up to 64 characters"
          : field.hasSuffix(" id")
            ? "ids are letters, digits, '_' and '-', up to 64 characters, starting with a letter or digit, and never a key"
            : nil,
        usage
      )
    case .openAILinesNeedVersion3(let path):
      return (
        "\(printable(path: path)) is a vault of format version 1 or 2, which cannot record OpenAI key ids",
        "an owner's membership change makes it version 3 (`vault history --keep 5` is one)", usage
      )
    case .badConfig(let path, let line):
      return (
        "\(printable(path: path)):\(line): not a setting vault knows",
        "the settings are `access-log on|off`, `max-age DAYS` and `unused-days DAYS` (0 to 36500)",
        usage
      )
    case .pastedShape(let entry, let problem):
      switch problem {
      case .assignsOtherName(let other):
        return (
          "the pasted value assigns \(other), not \(entry); nothing stored",
          "run `vault set \(other == "another name" ? "NAME" : other)` and paste only the value after '='",
          usage
        )
      case .dotenvLines(let count):
        return (
          "the pasted value is \(count) lines of NAME=VALUE, a .env file; nothing stored",
          "store a .env file with `vault import FILE` (`-` reads stdin)", usage
        )
      case .severalKeys(let count):
        return (
          "the pasted value is \(count) lines that each start like a key; nothing stored",
          "paste one key at a time", usage
        )
      }
    case .valueTooLong(let label, let limit):
      return ("value for \(label) is longer than \(limit) bytes; nothing stored", nil, usage)
    case .emptyPassphrase:
      return ("empty passphrase", "use --no-passphrase for an identity without one", usage)
    case .passphraseMismatch:
      return ("passphrases do not match", nil, usage)
    case .invalidIdentityString:
      return ("VAULT_IDENTITY is not a valid secret identity (VAULT-SECRET-…)", nil, usage)
    case .dotenv(let line, let problem):
      return ("line \(line): \(problem); nothing imported", nil, usage)
    case .noTerminal(let purpose):
      return (
        "no terminal to ask for the \(purpose)",
        purpose == "value"
          ? "pipe the value on stdin"
          : purpose == "confirmation"
            ? "pass --yes to confirm without a terminal"
            : "use --passphrase-file or VAULT_PASSPHRASE_FILE", usage
      )
    case .cancelled:
      return ("cancelled", nil, cancelled)
    case .promptInput(let purpose, let problem):
      let what = "the \(purpose) typed or pasted at the prompt"
      switch problem {
      case .tooLong(let limit):
        return ("\(what) is over \(limit) bytes; nothing stored", nil, usage)
      case .controlCharacter:
        let other =
          purpose == "value"
          ? "one with control characters goes in on stdin: `vault set NAME < FILE`"
          : "a passphrase file can hold any bytes: --passphrase-file"
        return (
          "\(what) holds a control character; nothing stored",
          "type or paste only the \(purpose); \(other)", usage
        )
      case .editingKey:
        return (
          "the \(purpose) was typed with arrow or other editing keys the prompt cannot apply;"
            + " nothing stored",
          "type it again: Backspace, Ctrl-W and Ctrl-U edit the hidden line", usage
        )
      }
    case .stdinTooLarge(let limit):
      return ("stdin holds more than \(limit) bytes; nothing stored", nil, usage)
    case .stdinIsTerminal(let command):
      return (
        "stdin is a terminal: `\(command)` reads a file from a pipe or a redirect, not typing",
        "pass the file, `\(command.dropLast(2)) FILE`, or `\(command) < FILE`", usage
      )
    case .entryExists(let label):
      return (
        "\(printable(path: label)) already exists; nothing copied or moved",
        "pass --force to store the copy as its new version", exists
      )
    case .lineBreakInValue(let label, let format):
      return (
        "the value of \(printable(path: label)) holds a line break, which --format \(format) cannot carry; nothing exported",
        "use --format dotenv or json for it", usage
      )
    case .confirmationNeeded(let label):
      return (
        "no terminal to confirm removing \(printable(path: label))",
        "pass --yes to remove it without asking", usage
      )
    case .invalidMapping(let shown):
      return (
        "invalid --map '\(shown)': use TARGET=NAME, as in --map OPENAI_API_KEY=PROD_KEY", nil, usage
      )
    case .duplicateMapping(let target):
      return ("--map gives \(target) twice", nil, usage)
    case .wrongPassphrase(let path):
      return ("wrong passphrase for '\(printable(path: path))'", nil, unlock)
    case .notAMember(let path):
      return (
        "this identity is not a member of '\(printable(path: path))'",
        "`vault identity show` prints it for an owner to add", access
      )
    case .cannotRead(let member, let project, let environment):
      return ("\(member) cannot read \(project)/\(environment)", nil, access)
    case .cannotWrite(let member, let environment):
      return ("\(member) cannot write to \(environment)", nil, access)
    case .notOwner(let member):
      return ("\(member) is not an owner of this vault; only owners change membership", nil, access)
    case .memberExists(let name):
      return (
        "a member named \(printable(name)) already exists",
        "`vault members list` shows the members", exists
      )
    case .memberNotFound(let name):
      return (
        "no member named \(printable(name))", "`vault members list` shows the members", notFound
      )
    case .identityAlreadyMember(let existing):
      return ("that identity is already a member, as \(existing)", nil, exists)
    case .lastOwner(let name):
      return (
        "refusing to remove \(name): a vault needs at least one owner",
        "add another owner first with `vault members add … --owner`", usage
      )
    case .cannotRemoveSelf(let name):
      return (
        "refusing to remove \(name), yourself: the removal must be signed by an owner who stays",
        "ask another owner to run `vault members rm \(name)`", usage
      )
    case .secretIdentityGiven:
      return (
        "that looks like a secret identity",
        "share `vault identity show` instead; never paste a VAULT-SECRET-… string", usage
      )
    case .writeWithoutRead(let environments):
      let list = environments.joined(separator: ",")
      return (
        "refusing write access to \(list) without read access: readers do not trust what a member who cannot read an environment writes there",
        "add \(list) to --read as well, or leave it out of --write", usage
      )
    case .memberChangeRefused(let member, let reason):
      switch reason {
      case .lastOwner:
        return (
          "refusing to demote \(printable(member)): a vault needs at least one owner",
          "make another member an owner first with `vault members set NAME --owner`", usage
        )
      case .narrowsSelf:
        return (
          "refusing to demote \(printable(member)) or narrow their access, yourself: the change must be signed by an owner who keeps it",
          "ask another owner to run `vault members set \(printable(member)) …`", usage
        )
      }
    case .identityRemoved(let member):
      return (
        "\(printable(member))'s identity was removed from this vault; removed identities are never trusted again",
        "ask \(printable(member)) for a new identity (`vault identity new`, or a fresh `vault init`) and add that",
        access
      )
    case .groupNotDamaged(let label):
      return (
        "\(printable(path: label)) verifies; refusing to drop a sound group",
        "remove its entries one by one with `vault rm`", usage
      )
    case .damaged(let path, let count):
      return (
        "'\(printable(path: path))': \(count) damaged part\(count == 1 ? "" : "s") (listed above)",
        "`vault doctor --drop PROJECT/ENV` drops a damaged group; a damaged header needs an intact copy (git history, a backup)",
        integrity
      )
    case .invalidPublicIdentity:
      return (
        "not a valid public identity (vault-pub-…)", "copy it again from `vault identity show`",
        usage
      )
    case .vaultReplaced(let path):
      return (
        "'\(printable(path: path))' is a different vault (another vault id) than the one first seen there; refusing it",
        "if it was replaced on purpose, check with an owner, then run `vault trust`", integrity
      )
    case .untrustedOwners(let path, let trustFile):
      return (
        "'\(printable(path: path))': its owners changed without a signature from an owner you trust (pinned in \(printable(path: trustFile)))",
        "check the new owners with an existing owner, then run `vault trust`", integrity
      )
    case .sealsToRemovedMember(let member, let environment):
      return (
        "refusing to write \(environment): \(member) was removed from this vault before and can read it again; the file was probably rolled back to an old version",
        "run `vault members rm \(member)` (re-keys what they can read), or restore the newer .vault",
        access
      )
    case .rollback(let path, let generation, let seen, let pinned):
      if pinned {
        return (
          "'\(printable(path: path))': membership generation \(generation) is older than the \(seen) VAULT_PIN requires; the file was rolled back",
          "restore the current .vault, or update VAULT_PIN after checking with an owner", integrity
        )
      }
      return (
        "'\(printable(path: path))': membership generation \(generation) is older than generation \(seen), seen before; the file was rolled back",
        "restore the current .vault (git pull); to use this old copy anyway: vault trust --accept-rollback",
        integrity
      )
    case .departedReader(let member, let environment):
      return (
        "refusing to write \(environment): \(member) left the members without a re-key and still"
          + " holds its key, so they could read a new value",
        "an owner runs `vault members rm \(member)` (re-keys \(environment)); then store it", access
      )
    case .rollbackWithoutRekey(let path, let generation, let seen, let departed):
      let names = departed.map {
        "\($0.name) left the members without a re-key of \($0.environments.joined(separator: ", "))"
      }
      let commands = departed.map { "`vault members rm \($0.name)`" }.joined(separator: ", ")
      return (
        "'\(printable(path: path))': membership generation \(generation) is older than generation"
          + " \(seen), seen before: \(names.joined(separator: "; "))"
          + " (a `git revert` of `members add`?)",
        "if the revert is meant: `vault trust --accept-rollback`, then an owner runs \(commands)"
          + " to re-key; otherwise restore the current .vault (git pull)",
        integrity
      )
    case .removedSigner(let path, let member):
      return (
        "'\(printable(path: path))': membership signed by \(printable(member)), whom you saw removed from this vault; refusing it",
        "restore the current .vault; a removed identity is never trusted again", integrity
      )
    case .pinMismatch(let path):
      return ("'\(printable(path: path))' is not the vault VAULT_PIN names (another vault id)", nil, integrity)
    case .invalidPin:
      return (
        "VAULT_PIN is malformed; expected VAULT-ID:GENERATION:FINGERPRINT[,FINGERPRINT…]",
        "`vault trust --pin` prints it", usage
      )
    case .notMerging(let path):
      return (
        "no merge conflict on '\(printable(path: path))' in git's index: not in a merge, or already marked resolved (git add)",
        "`vault git resolve` settles an entry after `git merge` reports a conflict in .vault",
        notFound
      )
    case .noConflict(let label, let conflicted):
      if conflicted.isEmpty {
        return (
          "no conflict on \(printable(path: label)) in this merge: no entry of the vault conflicts",
          nil, notFound
        )
      }
      return (
        "no conflict on \(printable(path: label)) in this merge; conflicted: \(conflicted.joined(separator: ", "))",
        "name one of them: vault git resolve NAME --project P --env E --take ours|theirs",
        notFound
      )
    case .environmentExists(let name):
      return ("environment \(name) already exists", nil, exists)
    case .malformed(let path, let line, let problem):
      let place =
        line > 0 ? "'\(printable(path: path))' line \(line)" : "'\(printable(path: path))'"
      return ("\(place): \(describe(problem))", nil, integrity)
    case .unsupportedVersion(let path, let version):
      return (
        "'\(printable(path: path))': unsupported format version '\(printable(version))'",
        "a newer vault may have written it", integrity
      )
    case .kdfParametersOutOfRange(let path, let ops, let mem):
      return (
        "'\(printable(path: path))': Argon2id parameters ops=\(ops) mem=\(mem) are outside the accepted range (ops 2-10, mem 64 MiB-1 GiB)",
        nil, integrity
      )
    case .integrity(let path, let what, let problem):
      return (
        "'\(printable(path: path))': \(what): \(describe(problem))",
        what == "identity" ? nil : "`vault doctor` shows which parts of the vault are damaged",
        integrity
      )
    case .io(let path, let operation, let code):
      return (
        "\(operation) '\(printable(path: path))': \(String(cString: strerror(code)))", nil, general
      )
    case .symlink(let path):
      return (
        "'\(printable(path: path))' is a symbolic link; refusing to follow it",
        "pass the real path with --vault",
        general
      )
    case .notRegularFile(let path):
      return ("'\(printable(path: path))' is not a regular file; refusing to read it", nil, general)
    case .fileTooLarge(let path, let limit):
      let size = limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit) bytes"
      return (
        "'\(printable(path: path))' is larger than \(size); refusing to read it", nil, general
      )
    case .unsafeVault(let path, let problem):
      let why: String
      switch problem {
      case .notRegularFile: why = "is not a regular file"
      case .ownedByAnotherUser(let uid): why = "is owned by another user (uid \(uid))"
      case .directoryWritableByOthers: why = "is in a directory other users can write"
      }
      let hint =
        problem == .notRegularFile
        ? "remove it, or name a vault with --vault" : "pass it with --vault if you trust it"
      return ("found '\(printable(path: path))', which \(why); refusing to use it", hint, general)
    case .commandNotFound(let command):
      return ("command not found: \(printable(command))", nil, commandNotFound)
    case .notExecutable(let command, let code):
      return (
        "cannot execute \(printable(command)): \(String(cString: strerror(code)))", nil,
        notExecutable
      )
    case .cannotWriteOutput(let code, let unsavedIdentity):
      return (
        "cannot write to standard output: \(String(cString: strerror(code)))",
        unsavedIdentity
          ? "the new identity was not saved anywhere, and no one can use it; run the command again with room for the output, or write a file with --output"
          : nil,
        general
      )
    case .invalidUTF8InValue(let label, let format):
      return (
        "the value of \(printable(path: label)) is not UTF-8 text, which --format \(format) cannot carry; nothing exported",
        "use --format dotenv for it", usage
      )
    case .currentDirectoryNotUTF8(let shown):
      return (
        "the current directory's path is not UTF-8 ('\(printable(path: shown))'); refusing to name files by a lossy copy of it",
        "run vault from another directory, or name the vault with --vault and the project with --project",
        general
      )
    case .environmentTooLarge(let command):
      return (
        "cannot execute \(printable(command)): its environment (with the injected values) and arguments are over the system's limit (E2BIG)",
        "inject fewer values with --only, or unset large inherited variables", notExecutable
      )
    case .pathNotFound(let path):
      return ("no such file or directory: '\(printable(path: path))'", nil, notFound)
    case .notAGitWorkTree(let path):
      return (
        "'\(printable(path: path))' is not in a git work tree",
        "run it inside a clone (`vault scan` alone works anywhere)", notFound
      )
    case .hookExists(let path, let line):
      return (
        "'\(printable(path: path))' already exists and is not vault's; leaving it as it is",
        "add this line to it, before it ends: \(line)", exists
      )
    case .helperUnavailable(let path, let problem):
      return (
        "this command needs vault-net, the network half of vault, which cannot run from"
          + " '\(printable(path: path))': \(problem)",
        "install vault-net beside vault (`make install` installs both)", general
      )
    case .invalidProxyOption(let option, let problem):
      return (
        "\(option) is refused: \(problem)", "`vault exec --help` describes the proxy's options",
        usage
      )
    case .proxyCannotListen(let address, let problem):
      return (
        "the proxy cannot listen on \(printable(address)): \(problem)",
        "choose another port with --listen 127.0.0.1:PORT, or 0 for a free one", general
      )
    case .proxyAdminKey(let label):
      return (
        "\(printable(path: label)) holds an Admin API key (sk-admin-…), which the proxy never"
          + " forwards",
        "store the project's API key there; the proxy serves inference, not administration", usage
      )
    case .openAI(let failure):
      let code: Int32
      switch failure.kind {
      case .unavailable: code = unavailable
      case .refused: code = access
      case .notFound: code = notFound
      case .failed: code = general
      case .usage: code = usage
      }
      return (failure.message, failure.hint, code)
    case .openBaoRecipientExists(let environment):
      return (
        "\(environment) already has an OpenBao recipient",
        "`vault env recipient rm \(environment) openbao` first to change it", exists
      )
    case .noOpenBaoRecipient(let environment):
      return (
        "\(environment) has no OpenBao recipient",
        "an owner adds one with `vault env recipient add \(environment) openbao --addr URL"
          + " --transit-key KEY`", notFound
      )
    case .openBaoNeeded(let environment):
      return (
        "\(environment) has an OpenBao recipient, and its new key must be sealed through"
          + " OpenBao; nothing was changed",
        "set VAULT_BAO_TOKEN (or VAULT_BAO_JWT_FILE and VAULT_BAO_ROLE) to a token allowed to"
          + " encrypt with its transit key", access
      )
    case .openBao(let failure):
      let code: Int32
      switch failure.kind {
      case .unavailable: code = unavailable
      case .refused: code = access
      case .notFound: code = notFound
      case .integrity: code = integrity
      case .usage: code = usage
      case .failed: code = general
      }
      return (failure.message, failure.hint, code)
    }
  }

  static func describe(_ problem: FormatProblem) -> String {
    switch problem {
    case .empty: return "empty file"
    case .wrongMagic: return "not a vault file"
    case .missingEnd: return "truncated (no end line)"
    case .dataAfterEnd: return "data after the end line"
    case .invalidCharacter: return "invalid character"
    case .unexpectedLine(let expected): return "expected \(expected)"
    case .badField(let field): return "malformed \(field)"
    case .nonCanonical(let what): return "non-canonical \(what) encoding"
    case .outOfOrder: return "lines out of order"
    case .duplicate(let what): return "duplicated \(what)"
    }
  }

  static func describe(_ problem: IntegrityProblem) -> String {
    switch problem {
    case .badSignature: return "signature does not verify"
    case .unknownSigner: return "signed by a key that is not a member"
    case .signerCannotWrite: return "signer has no write access"
    case .signerCannotRead:
      return "signer may write but not read this environment; write without read is not trusted"
    case .signerRemoved: return "signed by a member you saw removed from this vault"
    case .decryptionFailed: return "decryption failed (tampered or moved)"
    case .headerNotSignedByOwner: return "membership not signed by an owner"
    case .keyMismatch: return "key does not match its public key"
    }
  }

  /// The candidate within two edits of `word` (Levenshtein), the nearest first; nil when
  /// none is that close.
  static func closest(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, UsageCheck.distance($0, word)) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
    return best.0
  }

  /// Control characters and non-ASCII shown escaped, so a hostile name cannot drive the
  /// terminal; cut at 80 characters.
  static func printable(_ text: String) -> String {
    Printable.escaped(text, limit: 80)
  }

  /// A path escaped like `printable`, but never cut: a directory name is input too (a
  /// repository someone else named), and the whole path is what the user must see.
  static func printable(path: String) -> String {
    Printable.escaped(path)
  }

  /// `text` with every control character escaped (`\u{1b}`): C0 and C1 controls, DEL,
  /// line and paragraph separators and the bidirectional controls, which could drive the
  /// terminal, fake a line or reorder what is shown. Applied to every message and hint that
  /// reaches stderr, whatever a case interpolated, on top of the per-field `printable`;
  /// other non-ASCII (`…` in a redacted form) is kept. Idempotent: escapes are plain ASCII.
  static func printableMessage(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var result = ""
    for scalar in text.unicodeScalars {
      if isControl(scalar) {
        result += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: return true
    default: return false
    }
  }

  /// Prints `error` and exits with its code.
  static func exit(_ error: VaultError) -> Never {
    let (message, hint, code) = describe(error)
    exit(message: message, hint: hint, code: code)
  }

  /// Whether a command-line word looks like an API key (`sk-…`). A key typed as an
  /// argument is already in the shell's history; an error must not copy it into logs too.
  static func looksLikeKey(_ word: String) -> Bool {
    word.hasPrefix("sk-") && word.utf8.count >= 20
  }

  /// The redacted form of a key-like word (`sk-proj-…wxyz`).
  static func redacted(_ word: String) -> String {
    var bytes = Array(word.utf8)
    defer { wipe(&bytes) }
    return OpenAIKeys.redact(SecretBytes(copying: bytes))
  }

  /// Prints `vault: error: message` (and a hint) on stderr and exits with `code`. Any
  /// key-like command-line argument quoted in the message is shown redacted.
  static func exit(message: String, hint: String?, code: Int32) -> Never {
    var message = message
    for word in CommandLine.arguments.dropFirst() where looksLikeKey(word) && message.contains(word)
    {
      message = message.replacing(word, with: redacted(word))
    }
    var text = "vault: error: \(printableMessage(message))\n"
    if let hint { text += "vault: hint: \(printableMessage(hint))\n" }
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { Output.write(2, $0) }
    Glibc.exit(code)
  }
}
