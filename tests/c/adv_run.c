/* adv_run [OPTIONS] -- PROGRAM ARGS...
 *
 * Runs PROGRAM (the setuid helper, usually) the way an adversary would: with
 * an odd fd 0, odd resource limits, an environment of its choosing, and
 * watches how it ends. Prints one line on stdout:
 *
 *   exit=N | signal=N | timeout    ms=N lines=N panic=0|1 bound=PORT|na
 *
 *   lines  newline-terminated lines (or a final partial line) on its stderr
 *   panic  its stderr mentions "panicked", "RUST_BACKTRACE" or "backtrace"
 *   bound  for a socket on fd 0: the local port of that socket afterwards
 *          (0 when unbound; 1 for a bound Unix socket); "na" otherwise
 *
 * Options:
 *   -0 KIND       fd 0: keep (inherited), null (/dev/null), file (a regular
 *                 file), pipe, closed, unix, unixdgram, tcp4, tcp6, udp4, udp6
 *   -r RES=N      setrlimit RES (soft and hard) to N just before exec:
 *                 nofile, as, data, fsize, stack, cpu, core, nproc
 *   -e NAME=VALUE put NAME=VALUE in the environment (which starts empty)
 *   -t MS         kill it with SIGKILL after MS milliseconds (default 5000)
 *   -s FILE       its stderr goes to FILE (created) instead of a pipe
 *   -S            its stderr is a pipe already full, which nobody reads
 *                 (lines=0 then: nothing can have been written)
 *
 * An argument `@rep:N:TEXT` is replaced by TEXT repeated N times.
 * Exit status: 0, or 2 when adv_run itself cannot do its job.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENV 64
#define MAX_LIMITS 16

static void die(const char *what) {
    printf("adv_run-error=%s errno=%d\n", what, errno);
    exit(2);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int resource_of(const char *name) {
    static const struct { const char *name; int res; } table[] = {
        {"nofile", RLIMIT_NOFILE}, {"as", RLIMIT_AS},       {"data", RLIMIT_DATA},
        {"fsize", RLIMIT_FSIZE},   {"stack", RLIMIT_STACK}, {"cpu", RLIMIT_CPU},
        {"core", RLIMIT_CORE},     {"nproc", RLIMIT_NPROC},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].name, name)) return table[i].res;
    return -1;
}

static char *expand(char *arg) {
    if (strncmp(arg, "@rep:", 5)) return arg;
    char *colon;
    long n = strtol(arg + 5, &colon, 10);
    if (*colon != ':' || n < 0) die("bad-@rep");
    const char *text = colon + 1;
    size_t len = strlen(text);
    char *out = malloc(len * (size_t)n + 1);
    if (!out) die("malloc");
    for (long i = 0; i < n; i++) memcpy(out + (size_t)i * len, text, len);
    out[len * (size_t)n] = 0;
    return out;
}

/* The socket (or other file) that becomes fd 0; -1 for keep/closed. */
static int make_fd0(const char *kind, int *is_socket, int *domain) {
    *is_socket = 0;
    *domain = 0;
    if (!strcmp(kind, "keep") || !strcmp(kind, "closed")) return -1;
    if (!strcmp(kind, "null")) return open("/dev/null", O_RDWR | O_CLOEXEC);
    if (!strcmp(kind, "file")) {
        char path[] = "/tmp/adv_run.XXXXXX";
        int fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0) {
            unlink(path);
            if (write(fd, "0100007f 5000\n", 14) != 14) die("write");
            lseek(fd, 0, SEEK_SET);
        }
        return fd;
    }
    if (!strcmp(kind, "pipe")) {
        int p[2];
        if (pipe2(p, O_CLOEXEC)) die("pipe");
        /* The write end stays open (leaked on purpose) so reads would block. */
        return p[0];
    }
    static const struct { const char *kind; int domain, type; } socks[] = {
        {"unix", AF_UNIX, SOCK_STREAM}, {"unixdgram", AF_UNIX, SOCK_DGRAM},
        {"tcp4", AF_INET, SOCK_STREAM}, {"tcp6", AF_INET6, SOCK_STREAM},
        {"udp4", AF_INET, SOCK_DGRAM},  {"udp6", AF_INET6, SOCK_DGRAM},
    };
    for (size_t i = 0; i < sizeof socks / sizeof socks[0]; i++) {
        if (!strcmp(socks[i].kind, kind)) {
            *is_socket = 1;
            *domain = socks[i].domain;
            return socket(socks[i].domain, socks[i].type | SOCK_CLOEXEC, 0);
        }
    }
    errno = EINVAL;
    die("unknown-fd0-kind");
    return -1;
}

/* 0 when unbound, the port (or 1 for AF_UNIX) when bound, -errno on error. */
static int bound_port(int fd, int domain) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len)) return -errno;
    if (domain == AF_UNIX) return len > sizeof(sa_family_t) ? 1 : 0;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -EAFNOSUPPORT;
}

int main(int argc, char **argv) {
    const char *kind = "keep", *stderr_file = NULL;
    int full_pipe = 0;
    char *env[MAX_ENV + 1];
    int nenv = 0, nlim = 0;
    struct { int res; rlim_t value; } limits[MAX_LIMITS];
    long timeout_ms = 5000;
    int opt;
    while ((opt = getopt(argc, argv, "+0:r:e:t:s:S")) != -1) {
        switch (opt) {
        case '0': kind = optarg; break;
        case 'e':
            if (nenv == MAX_ENV) die("too-many-env");
            env[nenv++] = optarg;
            break;
        case 'r': {
            char *eq = strchr(optarg, '=');
            if (!eq || nlim == MAX_LIMITS) die("bad-limit");
            *eq = 0;
            limits[nlim].res = resource_of(optarg);
            if (limits[nlim].res < 0) die("unknown-limit");
            limits[nlim++].value = strtoull(eq + 1, NULL, 0);
            break;
        }
        case 't': timeout_ms = atol(optarg); break;
        case 's': stderr_file = optarg; break;
        case 'S': full_pipe = 1; break;
        default: die("usage");
        }
    }
    if (optind >= argc) die("usage");
    env[nenv] = NULL;
    char **args = argv + optind;
    for (int i = 0; args[i]; i++) args[i] = expand(args[i]);

    int is_socket, domain;
    int fd0 = make_fd0(kind, &is_socket, &domain);
    if (fd0 < 0 && strcmp(kind, "keep") && strcmp(kind, "closed")) die("fd0");

    int err[2] = {-1, -1};
    if (stderr_file) {
        err[1] = open(stderr_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (err[1] < 0) die("open-stderr-file");
    } else if (pipe2(err, O_CLOEXEC)) {
        die("pipe");
    }
    if (full_pipe) {
        /* Fill it to the brim: every later write would block. */
        int fl = fcntl(err[1], F_GETFL);
        fcntl(err[1], F_SETFL, fl | O_NONBLOCK);
        char junk[4096];
        memset(junk, 'x', sizeof junk);
        while (write(err[1], junk, sizeof junk) > 0) {}
        while (write(err[1], junk, 1) > 0) {}
        fcntl(err[1], F_SETFL, fl);
    }

    long long start = now_ms();
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        if (dup2(err[1], 2) < 0) _exit(126);
        if (!strcmp(kind, "closed")) close(0);
        else if (fd0 >= 0 && dup2(fd0, 0) < 0) _exit(126);
        for (int i = 0; i < nlim; i++) {
            struct rlimit rl = {limits[i].value, limits[i].value};
            if (setrlimit(limits[i].res, &rl)) _exit(125);
        }
        execve(args[0], args, env);
        _exit(127);
    }
    close(err[1]);

    char buf[65536];
    size_t total = 0;
    long long deadline = start + timeout_ms;
    int timed_out = 0;
    if (!stderr_file && !full_pipe) {
        for (;;) {
            long long left = deadline - now_ms();
            if (left <= 0) { timed_out = 1; break; }
            struct pollfd p = {err[0], POLLIN, 0};
            int r = poll(&p, 1, (int)left);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) { timed_out = r == 0; break; }
            ssize_t n = read(err[0], buf + total, sizeof buf - 1 - total);
            if (n <= 0) break;
            total += (size_t)n;
            if (total == sizeof buf - 1) {
                /* Keep draining so that the child never blocks on us. */
                char sink[4096];
                while ((n = read(err[0], sink, sizeof sink)) > 0) {}
                break;
            }
        }
    }
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) die("waitpid");
        if (timed_out || now_ms() >= deadline) {
            timed_out = 1;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(1000);
    }
    long long ms = now_ms() - start;
    if (stderr_file) {
        int fd = open(stderr_file, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof buf - 1);
            total = n > 0 ? (size_t)n : 0;
            close(fd);
        }
    }
    buf[total] = 0;
    int lines = 0;
    for (size_t i = 0; i < total; i++)
        if (buf[i] == '\n') lines++;
    if (total && buf[total - 1] != '\n') lines++;
    int panic = memmem(buf, total, "panicked", 8) || memmem(buf, total, "RUST_BACKTRACE", 14) ||
                memmem(buf, total, "backtrace", 9);

    if (timed_out)
        printf("timeout");
    else if (WIFSIGNALED(status))
        printf("signal=%d", WTERMSIG(status));
    else
        printf("exit=%d", WEXITSTATUS(status));
    printf(" ms=%lld lines=%d panic=%d", ms, lines, panic);
    if (is_socket)
        printf(" bound=%d\n", bound_port(fd0, domain));
    else
        printf(" bound=na\n");
    if (total) {
        /* For the test's dump: what the program said, on our stderr. */
        fprintf(stderr, "adv_run: %s said: %.*s%s", args[0], (int)(total > 600 ? 600 : total), buf,
                buf[total - 1] == '\n' && total <= 600 ? "" : "\n");
    }
    return 0;
}
