/* adv_fuzz HELPER SEED COUNT [REFERENCE-HELPER]
 *
 * Runs HELPER COUNT times with random classic-protocol arguments (seeded,
 * reproducible), fd 0 a fresh TCP socket each time (IPv6 when the last
 * argument is "6"). Meant to be run by a user without any grant: every run
 * must end with a non-zero exit status, not a signal, within 2 s (1 s
 * counted as slow), with at most one line on stderr and no panic text, and
 * leave the socket unbound. With REFERENCE-HELPER (Debian's), each case is
 * run through it too and the two wait statuses must be equal (except when
 * the first argument is `--native`: our own protocol). Prints one
 * line per failure (the arguments C-escaped) and a summary:
 *
 *   fuzz: seed=S cases=N failures=F differences=D max_ms=M exits=CODE:COUNT,...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t state;

static uint64_t next(void) { /* xorshift64* */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(unsigned n) { return (unsigned)(next() % n); }

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char HEX[] = "0123456789abcdefABCDEF";

static char *random_hex(size_t len) {
    char *s = malloc(len + 1);
    for (size_t i = 0; i < len; i++) s[i] = HEX[pick(sizeof HEX - 1)];
    s[len] = 0;
    return s;
}

/* Replace, insert or delete one character of a (heap) copy of `base`. */
static char *mutate(const char *base) {
    size_t len = strlen(base);
    char *s = malloc(len + 2);
    strcpy(s, base);
    unsigned what = pick(4);
    size_t at = len ? pick((unsigned)len + 1) : 0;
    static const char odd[] = "0123456789abcdefxX+- \t\n6gG.:/";
    char c = next() % 4 == 0 ? (char)(1 + pick(255)) : odd[pick(sizeof odd - 1)];
    if (what == 0 && at < len) {
        s[at] = c;
    } else if (what == 1) {
        memmove(s + at + 1, s + at, len - at + 1);
        s[at] = c;
    } else if (what == 2 && at < len) {
        memmove(s + at, s + at + 1, len - at);
    }
    return s;
}

static char *with_prefix(const char *body) {
    static const char *prefixes[] = {"0x", "0X", "+", "-", " ", "\t", "\n", " +0x", "-0x", "00", "0x0x", ""};
    const char *p = prefixes[pick(sizeof prefixes / sizeof prefixes[0])];
    char *s = malloc(strlen(p) + strlen(body) + 1);
    strcpy(s, p);
    strcat(s, body);
    return s;
}

static char *random_bytes(size_t len) {
    char *s = malloc(len + 1);
    for (size_t i = 0; i < len; i++) s[i] = (char)(1 + pick(255));
    s[len] = 0;
    return s;
}

static char *one_arg(int position) {
    static const char *fixed[] = {
        "6", "4", "06", "6 ", " 6", "", "--native", "-", "+", "0x", "ffffffff", "100000000",
        "ffffffffffffffffffff", "0", "5000", "0100007f", "00000000000000000000000000000001",
        "00000000000000000000ffff7f000001", "ffff", "10000", "-1", "+5000", "5000 ",
    };
    /* What a real caller passes in this position, most of the time mangled. */
    const char *plausible = position == 0 ? (pick(2) ? "0100007f" : "00000000000000000000000000000001")
                            : position == 1 ? (pick(2) ? "5000" : "5100")
                                            : "6";
    switch (pick(12)) {
    case 0: return strdup(fixed[pick(sizeof fixed / sizeof fixed[0])]);
    case 1: return random_hex(pick(41));
    case 2: case 3: return mutate(plausible);
    case 4: {
        char *once = mutate(plausible), *twice = mutate(once);
        free(once);
        return twice;
    }
    case 5: return with_prefix(random_hex(1 + pick(12)));
    case 6: return random_bytes(pick(24));
    case 7: return random_hex(1000 + pick(4000));
    case 8: case 9: return with_prefix(plausible);
    case 10: return strdup(plausible);
    default: return mutate(fixed[pick(sizeof fixed / sizeof fixed[0])]);
    }
}

static void print_escaped(const char *s) {
    putchar('"');
    size_t len = strlen(s);
    for (size_t i = 0; i < len && i < 120; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    if (len > 120) printf("...(%zu bytes)", len);
    putchar('"');
}

struct result {
    int timed_out, status, lines, panic, port;
    long long ms;
    char err[4096];
};

/* Runs helper with args (fd 0 a fresh TCP socket of the right family). */
static int run_one(const char *helper, char **args, int v6, struct result *res) {
    memset(res, 0, sizeof *res);
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int err[2];
    if (fd < 0 || pipe2(err, O_CLOEXEC)) return -1;
    long long start = now_ms();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fd, 0);
        dup2(err[1], 2);
        char *env[] = {NULL};
        args[0] = (char *)helper;
        execve(helper, args, env);
        _exit(127);
    }
    close(err[1]);
    size_t total = 0;
    for (;;) {
        long long left = start + 2000 - now_ms();
        if (left <= 0) { res->timed_out = 1; break; }
        struct pollfd p = {err[0], POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) { res->timed_out = 1; break; }
        ssize_t k = read(err[0], res->err + total, sizeof res->err - 1 - total);
        if (k <= 0) break;
        total += (size_t)k;
        if (total == sizeof res->err - 1) break;
    }
    if (res->timed_out) kill(pid, SIGKILL);
    waitpid(pid, &res->status, 0);
    close(err[0]);
    res->ms = now_ms() - start;
    res->err[total] = 0;
    for (size_t i = 0; i < total; i++) res->lines += res->err[i] == '\n';
    if (total && res->err[total - 1] != '\n') res->lines++;
    res->panic = strstr(res->err, "panicked") || strstr(res->err, "RUST_BACKTRACE") || strstr(res->err, "backtrace");
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
        res->port = ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same offset in sin6 */
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: adv_fuzz HELPER SEED COUNT [REFERENCE-HELPER]\n");
        return 2;
    }
    const char *helper = argv[1], *reference = argc == 5 ? argv[4] : NULL;
    unsigned long long seed = strtoull(argv[2], NULL, 0);
    int count = atoi(argv[3]);
    state = seed * 2 + 1;
    for (int i = 0; i < 8; i++) next();

    int failures = 0, differences = 0;
    long long max_ms = 0;
    int exits[256] = {0};
    static struct result res, ref;
    for (int n = 0; n < count; n++) {
        int nargs;
        unsigned shape = pick(10);
        nargs = shape < 1 ? 0 : shape < 2 ? 1 : shape < 6 ? 2 : shape < 9 ? 3 : 4 + (int)pick(3);
        char *args[8];
        args[0] = (char *)helper;
        for (int i = 0; i < nargs; i++) args[i + 1] = one_arg(i);
        if (nargs == 3 && pick(2)) {
            free(args[3]);
            args[3] = strdup("6");
        }
        args[nargs + 1] = NULL;
        int v6 = nargs >= 3 && !strcmp(args[nargs], "6");

        if (run_one(helper, args, v6, &res)) {
            printf("fuzz-error=setup errno=%d\n", errno);
            return 2;
        }
        if (res.ms > max_ms) max_ms = res.ms;
        const char *why = NULL;
        if (res.timed_out) why = "timeout";
        else if (WIFSIGNALED(res.status)) why = "signal";
        else if (WEXITSTATUS(res.status) == 0) why = "exit-0";
        else if (res.port) why = "bound";
        else if (res.lines > 1) why = "lines";
        else if (res.panic) why = "panic";
        else if (res.ms > 1000) why = "slow";
        if (!res.timed_out && WIFEXITED(res.status)) exits[WEXITSTATUS(res.status)]++;
        int ref_status = -1;
        /* `--native` first is our own protocol, which Debian's lacks. */
        int comparable = !(nargs >= 1 && !strcmp(args[1], "--native"));
        if (!why && reference && comparable) {
            if (run_one(reference, args, v6, &ref)) {
                printf("fuzz-error=setup errno=%d\n", errno);
                return 2;
            }
            ref_status = ref.timed_out ? -2 : ref.status;
            if (ref_status != res.status) {
                why = "differs";
                differences++;
            }
        }
        if (why) {
            failures++;
            printf("fuzz-failure: seed=%llu case=%d why=%s status=%d reference_status=%d ms=%lld args:", seed, n,
                   why, res.status, ref_status, res.ms);
            for (int i = 1; i <= nargs; i++) {
                putchar(' ');
                print_escaped(args[i]);
            }
            printf(" stderr:");
            print_escaped(res.err);
            putchar('\n');
        }
        for (int i = 1; i <= nargs; i++) free(args[i]);
    }
    printf("fuzz: seed=%llu cases=%d failures=%d differences=%d max_ms=%lld exits=", seed, count, failures,
           differences, max_ms);
    int first = 1;
    for (int i = 0; i < 256; i++) {
        if (exits[i]) {
            printf("%s%d:%d", first ? "" : ",", i, exits[i]);
            first = 0;
        }
    }
    printf("\n");
    return 0;
}
