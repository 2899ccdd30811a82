// The one C door of VaultCore: libsodium, plus static inline wrappers for the variadic
// system calls Swift cannot call directly (prctl, and keyctl/add_key through syscall).
#ifndef VAULT_CSODIUM_SHIM_H
#define VAULT_CSODIUM_SHIM_H

#include <string.h>

#include <sodium.h>
#include <errno.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

/// Disables core dumps and ptrace attachment for this process. Returns 0 on success.
static inline int vault_harden_process(void) {
  struct rlimit none = {0, 0};
  int a = setrlimit(RLIMIT_CORE, &none);
  int b = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return (a == 0 && b == 0) ? 0 : -1;
}

/// The serial of the keyring the unlock cache lives in: this process's session keyring.
/// A process without a session keyring of its own (no pam_keyinit login: containers, CI,
/// most services) has the user-session keyring as its session keyring; the serial names it
/// directly, because add_key(KEY_SPEC_SESSION_KEYRING) there would make a new, private
/// session keyring that dies with this process. Returns -1 (errno set) when refused.
static inline long vault_cache_keyring(void) {
  return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

/// add_key(2) of a "user" key into `keyring`. Returns the key serial or -1 (errno set).
static inline long vault_add_key(const char *description, const void *payload, size_t length,
                                 long keyring) {
  return syscall(SYS_add_key, "user", description, payload, length, keyring);
}

/// keyctl(KEYCTL_SEARCH) from the session keyring (the user-session keyring when the process
/// has none; never creating one). Returns the key serial or -1 (errno set).
static inline long vault_search_session_key(const char *description) {
  return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", description, 0);
}

/// keyctl(KEYCTL_READ). Returns the payload length or -1 (errno set).
static inline long vault_read_key(long key, void *buffer, size_t length) {
  return syscall(SYS_keyctl, KEYCTL_READ, key, buffer, length);
}

/// keyctl(KEYCTL_SET_TIMEOUT) in seconds.
static inline long vault_set_key_timeout(long key, unsigned int seconds) {
  return syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, key, seconds);
}

/// keyctl(KEYCTL_SETPERM): the possessor may view, read, write, search and set attributes
/// (not link it elsewhere); the user, group and others get nothing, so a process of the same
/// user that does not possess the session keyring cannot read the key by its serial.
static inline long vault_set_key_permissions(long key) {
  // KEY_POS_VIEW | KEY_POS_READ | KEY_POS_WRITE | KEY_POS_SEARCH | KEY_POS_SETATTR
  // (keyutils.h; linux/keyctl.h does not define them).
  unsigned int perm = 0x01000000u | 0x02000000u | 0x04000000u | 0x08000000u | 0x20000000u;
  return syscall(SYS_keyctl, KEYCTL_SETPERM, key, perm);
}

/// keyctl(KEYCTL_INVALIDATE): the key is gone at once.
static inline long vault_invalidate_key(long key) {
  return syscall(SYS_keyctl, KEYCTL_INVALIDATE, key);
}

// glibc declares memmem only under _GNU_SOURCE, which would change other system headers
// and clash with Foundation's modules in the tests; declare it directly.
extern void *memmem(const void *, size_t, const void *, size_t);

/// memmem(3): the fast substring search `exec` uses to find its group in a large vault.
static inline void *vault_memmem(const void *haystack, size_t haystack_length,
                                 const void *needle, size_t needle_length) {
  return memmem(haystack, haystack_length, needle, needle_length);
}

/// Starts `path` in a child process for `vault exec --redact` (fork and execve; Swift cannot
/// run safely between the two). The child gets `mask` as its signal mask (vault's mask from
/// before it blocked the signals it supervises), SIGKILL when the thread that spawned it ends
/// (PR_SET_PDEATHSIG: `vault` killed outright does not leave the child running unsupervised),
/// and `stdout_fd`/`stderr_fd` as its descriptors 1 and 2 when they are not -1. An executable
/// the kernel cannot run is run with `shell_argv` (/bin/sh, as execvp does). Returns the
/// child's pid, or -1 with `*spawn_errno` set (fork failed, or execve failed in the child: it
/// reports its errno through a close-on-exec pipe and exits 127, reaped here).
static inline pid_t vault_spawn(const char *path, char *const argv[], char *const envp[],
                                char *const shell_argv[], const sigset_t *mask,
                                int stdout_fd, int stderr_fd, int *spawn_errno) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    *spawn_errno = errno;
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    *spawn_errno = errno;
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (pid == 0) {
    close(report[0]);
    int code = 0;
    // Parent already gone between fork and prctl: the death signal would never come.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) code = errno;
    if (code == 0 && getppid() != parent) _exit(127);
    if (code == 0 && stdout_fd >= 0 && dup2(stdout_fd, 1) < 0) code = errno;
    if (code == 0 && stderr_fd >= 0 && dup2(stderr_fd, 2) < 0) code = errno;
    if (code == 0) {
      sigprocmask(SIG_SETMASK, mask, NULL);
      execve(path, argv, envp);
      code = errno;
      if (code == ENOEXEC) {
        execve("/bin/sh", shell_argv, envp);
        code = errno;
      }
    }
    ssize_t ignored = write(report[1], &code, sizeof code);
    (void)ignored;
    _exit(127);
  }
  close(report[1]);
  int code = 0;
  ssize_t got;
  do {
    got = read(report[0], &code, sizeof code);
  } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == (ssize_t)sizeof code) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    *spawn_errno = code;
    return -1;
  }
  return pid;
}

/// signalfd(2) for `mask` (which the caller has blocked), close-on-exec and non-blocking.
static inline int vault_signalfd(const sigset_t *mask) {
  return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

#endif
