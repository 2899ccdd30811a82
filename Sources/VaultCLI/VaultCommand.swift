import ArgumentParser
import VaultCore

/// The root command.
struct VaultCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vault",
    abstract: "An encrypted local vault for API keys, injected into programs at run time.",
    discussion: """
      Store a key once, from a no-echo prompt or stdin, never from the command line, and run \
      programs with it in their environment.

      Examples:
        vault init
        vault set --env prod                 # paste the new OPENAI_API_KEY, no echo
        vault exec --env prod -- ./app       # ./app sees OPENAI_API_KEY
        vault list

      Exit codes: 0 ok, 1 system error, 2 not found, 3 wrong passphrase, 4 no access, \
      5 corrupt or tampered file, 6 already exists, 7 encrypted to a retired key, 64 usage, \
      69 OpenAI unavailable, \
      126/127 exec, 130 cancelled.
      """,
    version: VaultVersion.description,
    subcommands: [
      Init.self, SetSecret.self, Get.self, List.self, Remove.self, Copy.self, Move.self,
      Exec.self, Proxy.self, Import.self,
      Export.self, Lock.self, Status.self, IdentityCommand.self, Members.self, Environments.self,
      Trust.self, Git.self, Doctor.self, ProjectCommand.self, Log.self,
      Scan.self, History.self, Rollback.self, OpenAI.self,
    ]
  )
}
