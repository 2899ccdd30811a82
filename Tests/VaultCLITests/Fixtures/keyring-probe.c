// keyring-probe: looks at the unlock cache's key the way another process could.
//
//   keyring-probe new-session CMD ARGS...  runs CMD in a new, empty session keyring (what
//                                          another login, a cron job or a service has)
//   keyring-probe read SERIAL              tries KEYCTL_READ on key SERIAL; prints
//                                          "read N bytes" or "refused errno E", never the bytes
//
// CacheKeyringTests compiles it at test time with `cc`.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>

int main(int argc, char **argv) {
  if (argc >= 3 && argv[1][0] == 'n') {
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0) {
      perror("keyctl join");
      return 2;
    }
    execvp(argv[2], argv + 2);
    perror("execvp");
    return 127;
  }
  if (argc == 3 && argv[1][0] == 'r') {
    char buffer[256];
    long serial = strtol(argv[2], NULL, 16);
    long length = syscall(SYS_keyctl, KEYCTL_READ, serial, buffer, sizeof buffer);
    for (size_t i = 0; i < sizeof buffer; i++) buffer[i] = 0;
    if (length < 0) {
      printf("refused errno %d\n", errno);
      return 1;
    }
    printf("read %ld bytes\n", length);
    return 0;
  }
  fprintf(stderr, "usage: keyring-probe new-session CMD... | read SERIAL\n");
  return 64;
}
