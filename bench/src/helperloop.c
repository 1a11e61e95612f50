/* The setuid helper alone, exec to exit, for rows (s)-(t) of make bench:
 * per iteration a fresh TCP socket on fd 0, a child that execs HELPER
 * with authbind 2.1's arguments for 127.0.0.1:PORT (as libauthbind
 * passes them), and the wait for its exit status (0: bound). No launcher
 * and no library: the same request for our helper and Debian's, so their
 * ratio is the helpers' own. Run as the sandbox's user.
 *
 *   helperloop HELPER run PORT ITERATIONS MAX_MS MEM WARMUP BLOCKS
 *     (bindloop's arguments; MEM must be 0) prints per block
 *     "ok median_ns=N binds=N minflt_per_exec=N": the median exec-to-exit
 *     time and the children's minor page faults per exec (getrusage).
 *   helperloop HELPER once PORT
 *     execs HELPER itself with the socket on fd 0 (for strace: the
 *     system calls of one grant), exit status the helper's. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static char addr[16], port[8];

static void exec_helper(const char *helper, int s) {
    if (dup2(s, 0) == 0) execl(helper, helper, addr, port, (char *)NULL);
    perror("helperloop: exec");
    _exit(127);
}

/* One exec of the helper: its exit status, or -1. */
static int one(const char *helper) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    pid_t pid = fork();
    if (pid == 0) exec_helper(helper, s);
    int status = -1;
    if (pid > 0) waitpid(pid, &status, 0);
    close(s);
    return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv) {
    if (argc < 4 || (strcmp(argv[2], "run") != 0 && strcmp(argv[2], "once") != 0) ||
        (strcmp(argv[2], "run") == 0 && (argc != 9 || atoi(argv[6]) != 0))) {
        fprintf(stderr, "usage: helperloop HELPER run PORT ITERATIONS MAX_MS 0 WARMUP BLOCKS\n"
                        "       helperloop HELPER once PORT\n");
        return 2;
    }
    const char *helper = argv[1];
    snprintf(addr, sizeof addr, "%08lx", (unsigned long)htonl(INADDR_LOOPBACK));
    snprintf(port, sizeof port, "%04x", (unsigned)htons((unsigned short)atoi(argv[3])));
    if (strcmp(argv[2], "once") == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        exec_helper(helper, s);
    }
    int iterations = atoi(argv[4]), max_ms = atoi(argv[5]), warmup = atoi(argv[7]),
        blocks = atoi(argv[8]);
    if (iterations < 1) iterations = 1;
    long long *t = calloc((size_t)iterations, sizeof *t);
    if (!t) return 1;
    for (int i = 0; i < warmup; i++) {
        int st = one(helper);
        if (st != 0) {
            printf("error helper_status=%d\n", st);
            return 1;
        }
    }
    for (int b = 0; b < blocks; b++) {
        struct rusage before, after;
        getrusage(RUSAGE_CHILDREN, &before);
        long long start = now_ns();
        int n = 0;
        while (n < iterations && (n == 0 || (now_ns() - start) / 1000000 < max_ms)) {
            long long t0 = now_ns();
            int st = one(helper);
            t[n] = now_ns() - t0;
            if (st != 0) {
                printf("error helper_status=%d\n", st);
                return 1;
            }
            n++;
        }
        getrusage(RUSAGE_CHILDREN, &after);
        qsort(t, (size_t)n, sizeof *t, cmp);
        printf("ok median_ns=%lld binds=%d minflt_per_exec=%ld\n", t[n / 2], n,
               (after.ru_minflt - before.ru_minflt) / n);
        fflush(stdout);
    }
    return 0;
}
