import ArgumentParser
import VaultCore

extension VaultCommand {
  /// `vault project pin|unpin|show`: a project pinned to a directory tree.
  struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "project",
      abstract: "Pin the project for a directory tree, so no flag is needed in it.",
      discussion: """
        A pin is kept in ${XDG_STATE_HOME:-~/.local/state}/vault/projects, keyed by the \
        directory's real path; the nearest pinned directory at or above the current one wins. \
        --project and VAULT_PROJECT still come first.

        Examples:
          cd ~/src/shop-hotfix && vault project pin shop
          vault project show
        """,
      subcommands: [Pin.self, Unpin.self, Show.self])

    struct Pin: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Use this project in the current directory and below.")

      @Argument(help: "The project.") var name: String

      func run() throws {
        let session = Session()
        // A pin is keyed by the directory's path: never by a lossy copy of it.
        try session.paths.requireExactCurrentDirectory()
        let directory = ProjectPins.realPath(session.paths.currentDirectory)
        try ProjectPins(stateDirectory: session.paths.stateDirectory).pin(name, to: directory)
        Output.line("pinned \(name) to \(Failure.printable(path: directory))")
      }
    }

    struct Unpin: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Remove the current directory's pin.")

      func run() throws {
        let session = Session()
        // A pin is keyed by the directory's path: never by a lossy copy of it.
        try session.paths.requireExactCurrentDirectory()
        let directory = ProjectPins.realPath(session.paths.currentDirectory)
        let pins = ProjectPins(stateDirectory: session.paths.stateDirectory)
        guard let project = try pins.unpin(directory) else {
          Output.line("no pin at \(Failure.printable(path: directory))")
          return
        }
        Output.line("unpinned \(project) from \(Failure.printable(path: directory))")
      }
    }

    struct Show: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Show the project and environment a command here uses, and why.")

      @OptionGroup var vault: VaultOptions
      @OptionGroup var label: LabelOptions

      func run() throws {
        let session = Session()
        for line in try Self.resolution(session, label: label, vault: vault) { Output.line(line) }
      }

      /// `project: NAME (why)` and `env: NAME (why)`, as `status` prints them too.
      static func resolution(_ session: Session, label: LabelOptions, vault: VaultOptions) throws
        -> [String]
      {
        let environment = try session.paths.environment(explicit: label.environmentFlag)
        let envLine = "env:      \(environment.name) (\(environment.source ?? "default"))"
        let project: ResolvedProject
        do {
          project = try session.project(label, vault: vault)
        } catch VaultError.invalidName(let kind, let shown, _)
          where kind == .project && label.project == nil
            && session.paths.environment["VAULT_PROJECT"] == nil
        {
          // Guessed from a directory whose name is no project name: what to do, not a failure
          // of the whole status.
          return [
            "project:  none ('\(Failure.printable(shown))' here is not a project name: pass"
              + " --project, or `vault project pin NAME`)",
            envLine,
          ]
        }
        let why: String
        switch project.source {
        case .flag: why = "--project"
        case .variable: why = "VAULT_PROJECT"
        case .pinned(let directory): why = "pinned at \(Failure.printable(path: directory))"
        case .onlyProject(let guessed):
          why = "the only project in the vault; nothing under \(Failure.printable(guessed))"
        case .gitWorkTree(let root): why = "git work tree name, \(Failure.printable(path: root))"
        case .directory(let path): why = "directory name, \(Failure.printable(path: path))"
        }
        return ["project:  \(project.name) (\(why))", envLine]
      }
    }
  }
}
