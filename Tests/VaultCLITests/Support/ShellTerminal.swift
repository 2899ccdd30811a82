import Foundation
import Testing

/// An interactive bash, with job control and a history file, on a real terminal: a tmux
/// server of its own (its socket in the sandbox) runs it in a 200×50 window. Tests type and
/// paste into it as a person would, then read the screen and the history file, to prove
/// what reached the shell: whatever vault's prompt leaves unread, bash runs as commands and
/// saves in `history` (`PROMPT_COMMAND='history -a'` writes each line as it runs).
final class ShellTerminal {
  let box: Sandbox
  let socket: String
  let historyPath: String

  /// Starts bash in the sandbox's work directory. `term` is the `TERM` the shell and what
  /// it runs see (tmux's own by default; nil leaves it unset).
  init(_ box: Sandbox, term: String? = "screen") throws {
    self.box = box
    socket = box.root.path + "/tmux.sock"
    historyPath = box.root.path + "/bash_history"
    var variables = [
      "HOME=\(box.home.path)", "PATH=\(Sandbox.binaryDirectory):/usr/bin:/bin",
      "LANG=C.UTF-8", "HISTFILE=\(historyPath)", "PS1='$ '", "PROMPT_COMMAND='history -a'",
    ]
    if let term { variables.append("TERM=\(term)") }
    let script = """
      cd '\(box.workDirectory.path)' || exit 1
      exec env -i \(variables.joined(separator: " ")) bash --norc --noprofile -i

      """
    let start = try box.writeSandboxFile("start-shell.sh", script)
    // The server outlives this call: it must hold none of the runner's descriptors
    // (Foundation's Process takes the call for running while any copy of its own is open),
    // and it must not inherit the runner's blocked signals (nor pass them to bash).
    let result = try box.execute(
      "/usr/bin/perl",
      [
        "-MPOSIX", "-e",
        "sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die; POSIX::close($_) for 3..1023;"
          + " exec { $ARGV[0] } @ARGV or die",
        "/bin/sh", "-c", "exec /usr/bin/tmux -S \"$0\" -f /dev/null new-session -d -x 200 -y 50"
          + " -s vault \"sh $1\" </dev/null >/dev/null 2>&1", socket, start,
      ])
    #expect(result.status == 0, "tmux did not start")
    try waitFor { $0.contains("$ ") }
  }

  deinit {
    _ = try? tmux(["kill-server"])
  }

  @discardableResult
  func tmux(_ arguments: [String]) throws -> RunResult {
    try box.execute("/usr/bin/tmux", ["-S", socket] + arguments)
  }

  /// Types `text` as keys, byte for byte (control characters included).
  func type(_ text: String) throws {
    try tmux(["send-keys", "-t", "vault", "-l", "--", text])
  }

  /// Presses named keys (`Enter`, `C-z`).
  func press(_ keys: String...) throws {
    try tmux(["send-keys", "-t", "vault"] + keys)
  }

  /// Types `command` and Enter at the shell.
  func run(_ command: String) throws {
    try type(command)
    try press("Enter")
  }

  /// Pastes `text` as a terminal does: line breaks sent as CR, and in bracketed paste
  /// sequences when the program asked for them (tmux's `paste-buffer -p`).
  func paste(_ text: String) throws {
    let file = try box.writeSandboxFile("paste-buffer", text)
    try tmux(["load-buffer", "-b", "paste", file])
    try tmux(["paste-buffer", "-p", "-d", "-b", "paste", "-t", "vault"])
  }

  /// Everything the terminal has shown, the scrollback included, wrapped lines joined.
  func screen() throws -> String {
    try tmux(["capture-pane", "-p", "-J", "-S", "-", "-t", "vault"]).stdout
  }

  /// The shell's history file as bash wrote it.
  func history() -> String {
    (try? String(contentsOfFile: historyPath, encoding: .utf8)) ?? ""
  }

  /// Waits until the screen satisfies `condition` (60 seconds at most, then records an
  /// issue with the screen: a bound, not a timing assertion).
  func waitFor(
    _ what: String = "the screen", sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: (String) -> Bool
  ) throws {
    for _ in 0..<1200 {
      if condition(try screen()) { return }
      usleep(50_000)
    }
    Issue.record(
      "no \(what) in time; the screen:\n\(try screen())", sourceLocation: sourceLocation)
    throw ShellTerminalTimeout()
  }

  /// The name of the program whose process group holds the terminal (tmux's
  /// `pane_current_command`): `bash` at the prompt, `vault` while it runs in the foreground.
  func foreground() throws -> String {
    try tmux(["display-message", "-p", "-t", "vault", "#{pane_current_command}"]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Waits until `program` holds the terminal (the same bound as the screen's). Keys for a
  /// job that `fg` resumes must wait for this: until bash has handed the terminal over it
  /// is in readline's mode (no ICRNL), and an Enter typed then reaches the job as a CR its
  /// line never ends with; the terminal is back in the job's mode before bash hands it over.
  func waitForForeground(
    _ program: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    for _ in 0..<1200 {
      if try foreground() == program { return }
      usleep(50_000)
    }
    let holder = try foreground()
    Issue.record(
      "\(program) not in the foreground in time (\(holder) is); the screen:\n\(try screen())",
      sourceLocation: sourceLocation)
    throw ShellTerminalTimeout()
  }

  /// Waits until `text` shows `count` times.
  func waitFor(
    _ text: String, count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    try waitFor("'\(text)' ×\(count)", sourceLocation: sourceLocation) {
      $0.components(separatedBy: text).count - 1 >= count
    }
  }
}

struct ShellTerminalTimeout: Error {}

/// A command prefix that runs the command after it with no signal blocked, in the same
/// process (perl clears the mask, then execs). Processes the test runner starts inherit its
/// thread's mask, in which SIGTERM, SIGINT, SIGCHLD and more are blocked.
let unblockSignals = [
  "/usr/bin/perl", "-MPOSIX", "-e",
  "sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die; exec { $ARGV[0] } @ARGV or die",
]

extension Sandbox {
  /// The directory of the built binary, so a shell finds it as `vault`.
  static var binaryDirectory: String {
    URL(fileURLWithPath: binary).deletingLastPathComponent().path
  }
}
