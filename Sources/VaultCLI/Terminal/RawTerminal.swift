import Glibc
import VaultCore

/// The controlling terminal while a no-echo prompt reads it: no echo, no canonical line
/// editing (no 4 KiB line limit), no signal keys, and bracketed paste asked for when the
/// terminal names itself (`TERM` set and not `dumb`; without it a terminal that does not
/// know the sequence would print it). Every way out hands the terminal back as it was:
/// `restore()`, and a handler for SIGINT, SIGTERM, SIGHUP and SIGQUIT that restores it and
/// then dies of the same signal. SIGTSTP (or Ctrl-Z, `suspend()`) restores it before the
/// process stops and takes it again on SIGCONT, showing the prompt again.
///
/// One at a time: the handlers work on one shared state, and vault prompts once at a time.
final class RawTerminal {
  /// How long input must stay quiet before a drain ends, or before a line break is taken
  /// as typed rather than pasted (a paste comes in pieces a few milliseconds apart).
  static let quietMilliseconds: Int32 = 250

  let fd: Int32
  /// Whether bracketed paste was asked for: pastes then come as `ESC [200~ … ESC [201~`.
  let bracketedPaste: Bool
  private var restored = false

  /// Opens `/dev/tty`, installs the handlers, turns echo off (discarding input typed before
  /// the prompt, which was meant for the shell) and shows `prompt`. Throws `noTerminal`.
  init(prompt: String, purpose: String) throws {
    fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
    guard fd >= 0 else { throw VaultError.noTerminal(purpose: purpose) }
    let state = terminalState
    // Every global the handlers use exists before they can run (no allocation in them).
    _ = (enableBracketedPaste, disableBracketedPaste, lineBreak, onTerminatingSignal)
    _ = (onStopSignal, onContinueSignal, terminatingSignals, handledSignals)
    guard tcgetattr(fd, &state.pointee.saved) == 0 else {
      close(fd)
      throw VaultError.noTerminal(purpose: purpose)
    }
    let term = getenv("TERM").map { String(cString: $0) } ?? ""
    bracketedPaste = !term.isEmpty && term != "dumb"
    var raw = state.pointee.saved
    raw.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
    // Bytes as they come: Enter is CR, a pasted line break LF or CR, so CR LF is one break.
    raw.c_iflag &= ~tcflag_t(ICRNL | INLCR | IGNCR)
    withUnsafeMutableBytes(of: &raw.c_cc) { cc in
      cc[Int(VMIN)] = 1
      cc[Int(VTIME)] = 0
    }
    state.pointee.raw = raw
    state.pointee.fd = fd
    state.pointee.bracketed = bracketedPaste ? 1 : 0
    let bytes = Array(prompt.utf8)
    let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
    copy.initialize(from: bytes, count: bytes.count)
    state.pointee.prompt = copy
    state.pointee.promptLength = bytes.count
    installHandlers()
    state.pointee.active = 1
    // Echo off before the prompt shows: a value typed (or pasted) as soon as the prompt
    // appears must be neither echoed nor discarded by the flush.
    guard tcsetattr(fd, TCSAFLUSH, &state.pointee.raw) == 0 else {
      state.pointee.active = 0
      uninstallHandlers()
      close(fd)
      throw VaultError.noTerminal(purpose: purpose)
    }
    if bracketedPaste { writeRaw(enableBracketedPaste) }
    writeRaw(UnsafeRawBufferPointer(start: copy, count: bytes.count))
  }

  deinit { restore() }

  /// Reads one byte; nil at end of input or on an error (EINTR is retried).
  func readByte() -> UInt8? {
    var byte: UInt8 = 0
    while true {
      let count = read(fd, &byte, 1)
      if count == 1 { return byte }
      if count < 0 && errno == EINTR { continue }
      return nil
    }
  }

  /// Whether input arrives within `milliseconds` (0: is already waiting).
  func inputArrives(within milliseconds: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    while true {
      let ready = poll(&entry, 1, milliseconds)
      if ready < 0 && errno == EINTR { continue }
      return ready == 1 && entry.revents & Int16(POLLIN | POLLHUP) != 0
    }
  }

  /// Reads and discards input until it stays quiet for `quietMilliseconds` (at most 64 MiB,
  /// so a terminal that never stops cannot hold vault forever): the rest of a paste must
  /// not reach the shell, to be run as commands and saved in its history.
  func drain() {
    let scratch = SecretBytes(count: 4096)
    var total = 0
    while total < 64 << 20 && inputArrives(within: Self.quietMilliseconds) {
      let count = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { break }
      total += count
    }
  }

  /// Ctrl-Z typed at the prompt: what the terminal does for it with signals on. The
  /// terminal is handed back, the process group stops, and on `fg` the prompt shows again.
  func suspend() {
    suspendProcess(wholeGroup: true)
  }

  /// Hands the terminal back: bracketed paste off, the saved modes (discarding unread
  /// input: it was meant for the prompt), a line break after the prompt, handlers removed.
  func restore() {
    guard !restored else { return }
    restored = true
    let state = terminalState
    state.pointee.active = 0
    if bracketedPaste { writeRaw(disableBracketedPaste) }
    tcsetattr(fd, TCSAFLUSH, &state.pointee.saved)
    writeRaw(lineBreak)
    uninstallHandlers()
    state.pointee.prompt?.deallocate()
    state.pointee.prompt = nil
    state.pointee.promptLength = 0
    state.pointee.fd = -1
    close(fd)
  }

  private func writeRaw(_ bytes: UnsafeRawBufferPointer) {
    Output.write(fd, bytes)
  }
}

// MARK: - Signal handling
//
// The handlers may run at any point of the reading loop, so they use only async-signal-safe
// calls (tcsetattr, write, sigaction, sigprocmask, kill, raise) and plain memory behind one
// pointer, never Swift globals with exclusivity checks or allocation.

/// What the signal handlers need, behind one pointer allocated once.
private struct TerminalState {
  var fd: Int32 = -1
  /// 1 while the prompt holds the terminal in its mode.
  var active: Int32 = 0
  var bracketed: Int32 = 0
  var saved = termios()
  var raw = termios()
  var prompt: UnsafeMutablePointer<UInt8>?
  var promptLength = 0
  var previous: [sigaction] = []
}

nonisolated(unsafe) private let terminalState: UnsafeMutablePointer<TerminalState> = {
  let state = UnsafeMutablePointer<TerminalState>.allocate(capacity: 1)
  state.initialize(to: TerminalState())
  return state
}()

nonisolated(unsafe) private let enableBracketedPaste = staticBytes("\u{1B}[?2004h")
nonisolated(unsafe) private let disableBracketedPaste = staticBytes("\u{1B}[?2004l")
nonisolated(unsafe) private let lineBreak = staticBytes("\n")

/// `text` in memory that is never freed, for the handlers to write.
private func staticBytes(_ text: String) -> UnsafeRawBufferPointer {
  let bytes = Array(text.utf8)
  let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
  bytes.withUnsafeBytes { memory.copyMemory(from: $0) }
  return UnsafeRawBufferPointer(memory)
}

/// The signals that end the process: the terminal is restored before each takes effect.
private let terminatingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
/// The order of `TerminalState.previous`.
private let handledSignals: [Int32] = terminatingSignals + [SIGTSTP, SIGCONT]

private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
  var offset = 0
  while offset < bytes.count, let base = bytes.baseAddress {
    let count = write(fd, base + offset, bytes.count - offset)
    if count < 0 && errno == EINTR { continue }
    if count <= 0 { return }
    offset += count
  }
}

/// The terminal as it was found, from a handler or before stopping: unread input is
/// discarded, so nothing of a paste is left for the shell.
private func handBack() {
  let state = terminalState
  let fd = state.pointee.fd
  if state.pointee.bracketed != 0 { writeAll(fd, disableBracketedPaste) }
  tcsetattr(fd, TCSAFLUSH, &state.pointee.saved)
  writeAll(fd, lineBreak)
}

/// The prompt's mode again, after a stop.
private func takeBack() {
  let state = terminalState
  let fd = state.pointee.fd
  tcsetattr(fd, TCSANOW, &state.pointee.raw)
  if state.pointee.bracketed != 0 { writeAll(fd, enableBracketedPaste) }
}

private func setHandler(_ signal: Int32, _ handler: (@convention(c) (Int32) -> Void)?) {
  var action = sigaction()
  action.__sigaction_handler.sa_handler = handler
  sigemptyset(&action.sa_mask)
  action.sa_flags = SA_RESTART
  sigaction(signal, &action, nil)
}

private func installHandlers() {
  let state = terminalState
  state.pointee.previous = handledSignals.map { signal in
    var old = sigaction()
    sigaction(signal, nil, &old)
    return old
  }
  for signal in terminatingSignals {
    // A signal ignored when vault started (nohup, a shell's background job) stays ignored.
    let previous = state.pointee.previous[handledSignals.firstIndex(of: signal) ?? 0]
    if let handler = previous.__sigaction_handler.sa_handler,
      unsafeBitCast(handler, to: Int.self) == 1  // SIG_IGN
    {
      continue
    }
    setHandler(signal, onTerminatingSignal)
  }
  setHandler(SIGTSTP, onStopSignal)
  setHandler(SIGCONT, onContinueSignal)
}

private func uninstallHandlers() {
  let state = terminalState
  for (index, signal) in handledSignals.enumerated() where index < state.pointee.previous.count {
    sigaction(signal, &state.pointee.previous[index], nil)
  }
  state.pointee.previous = []
}

/// SIGINT, SIGTERM, SIGHUP, SIGQUIT: restore the terminal, then die of the signal, so the
/// parent sees what killed vault.
private let onTerminatingSignal: @convention(c) (Int32) -> Void = { signal in
  let state = terminalState
  if state.pointee.active != 0 {
    state.pointee.active = 0
    handBack()
  }
  setHandler(signal, nil)
  // Blocked while this handler runs: it takes effect, at its default action, on return.
  raise(signal)
}

/// SIGTSTP from outside (`kill -TSTP`): stop as the default action would, with the
/// terminal handed back first.
private let onStopSignal: @convention(c) (Int32) -> Void = { _ in
  suspendProcess(wholeGroup: false)
}

/// SIGCONT after a stop the prompt did not see (SIGSTOP, SIGTTIN): its mode again.
private let onContinueSignal: @convention(c) (Int32) -> Void = { _ in
  if terminalState.pointee.active != 0 { takeBack() }
}

/// Hands the terminal back, stops (the whole process group for Ctrl-Z, as the terminal
/// would; only vault for a SIGTSTP sent to it), and once continued takes the terminal
/// again and shows the prompt. A process group the kernel will not stop (orphaned: no
/// shell waits to resume it) just goes on.
private func suspendProcess(wholeGroup: Bool) {
  let state = terminalState
  let active = state.pointee.active != 0
  if active {
    state.pointee.active = 0
    handBack()
  }
  setHandler(SIGTSTP, nil)
  var stop = sigset_t()
  var previous = sigset_t()
  sigemptyset(&stop)
  sigaddset(&stop, SIGTSTP)
  sigprocmask(SIG_UNBLOCK, &stop, &previous)
  if wholeGroup { kill(0, SIGTSTP) } else { raise(SIGTSTP) }
  sigprocmask(SIG_SETMASK, &previous, nil)
  setHandler(SIGTSTP, onStopSignal)
  if active {
    state.pointee.active = 1
    takeBack()
    if let prompt = state.pointee.prompt {
      let shown = UnsafeRawBufferPointer(start: prompt, count: state.pointee.promptLength)
      writeAll(state.pointee.fd, shown)
    }
  }
}
