import Glibc

/// One passphrase prompt per user at a time: an exclusive `flock` on `prompt.lock` in
/// `${XDG_RUNTIME_DIR}/vault` (else the state directory), held around "check the unlock
/// cache, prompt, fill the cache". Two `vault` processes started together on one terminal
/// (`make -j2`) would otherwise both switch echo off and read the same keystrokes; the one
/// that finished first turned echo back on while the other was still reading, so the next
/// typing of the passphrase showed on screen.
///
/// The file is empty, mode 0600, in a directory of the user's own with mode 0700. When that
/// cannot be had (a read-only home, a directory someone else owns or can write) there is no
/// lock and prompts are not serialized: a lock is a convenience, and a command must not fail
/// for want of one.
public final class PromptLock {
  private var fd: Int32

  private init(fd: Int32) {
    self.fd = fd
  }

  /// The lock file's name inside its directory.
  public static let fileName = "prompt.lock"

  /// Blocks until the lock in `directory` is held; nil when it cannot be used safely.
  public static func acquire(directory: String) -> PromptLock? {
    guard (try? FileSystem.makeDirectories(directory)) != nil else { return nil }
    var info = stat()
    guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
      info.st_uid == geteuid(), info.st_mode & 0o077 == 0
    else { return nil }
    let path = directory + "/" + fileName
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
    guard fd >= 0 else { return nil }
    var file = stat()
    guard fstat(fd, &file) == 0, (file.st_mode & S_IFMT) == S_IFREG, file.st_uid == geteuid()
    else {
      close(fd)
      return nil
    }
    if file.st_mode & 0o7777 != 0o600 { fchmod(fd, 0o600) }
    while flock(fd, LOCK_EX) != 0 {
      if errno == EINTR { continue }
      close(fd)
      return nil
    }
    return PromptLock(fd: fd)
  }

  /// Lets the next process prompt. Called once; later calls do nothing.
  public func release() {
    guard fd >= 0 else { return }
    flock(fd, LOCK_UN)
    close(fd)
    fd = -1
  }

  deinit {
    release()
  }
}
