/* sysbind MODE ARGS...   (linked statically: only the seccomp supervisor can help it)
 *
 * Every bind here is `syscall(SYS_bind, ...)`, never libc's bind(), so no
 * LD_PRELOAD library could see it even in a dynamic build. Prints key=value
 * lines on stdout; a result is "ok" or "errno=N".
 *
 *   grid PORT        TCP 127.0.0.1:PORT and [::1]:PORT, UDP 127.0.0.1:PORT,
 *                    from the main thread and from a second thread:
 *                    v4_main v6_main udp4_main v4_thread v6_thread udp4_thread
 *   nodump PORT      grid PORT after prctl(PR_SET_DUMPABLE, 0), as
 *                    hardened daemons do (and as the kernel does to a
 *                    program whose executable the user may not read)
 *   passthrough      what needs no help: high= (127.0.0.1:8080) zero=
 *                    (127.0.0.1:0) high6= ([::1]:1024) unix_path= unix_abstract=
 *   errors PORT      malformed calls, each aimed at PORT (see below); the
 *                    answers must be the kernel's own
 *   granted PORT     calls on a granted PORT whose outcome is the kernel's
 *                    as for root: storage= (addrlen 128) inuse= (a second
 *                    socket on a listening PORT) rebind= (bound socket bound
 *                    again) straddle= (16 valid bytes before an unmapped page)
 *   ownfiles PORT    a second thread unshares its descriptor table
 *                    (CLONE_FILES), replaces the main thread's unbound
 *                    socket's number with a socket of its own, and binds
 *                    that to 127.0.0.1:PORT: ownfiles=ok only if the
 *                    thread's own socket is bound ("wrong" if bind said 0
 *                    but it is not), and leader_untouched=ok if the main
 *                    thread's socket of the same number stayed unbound
 *   timer PORT N restart|norestart
 *                    N binds of fresh TCP sockets to 127.0.0.1:PORT while
 *                    ITIMER_REAL fires every 100 us (SIGALRM handler with or
 *                    without SA_RESTART); after each, getsockname() tells
 *                    whether the socket is bound. Prints total= ok= eintr=
 *                    failed= (other errors) inconsistent= (result and
 *                    socket state disagree) signals= errnos=
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static long sys_bind(int fd, const void *addr, long len) {
    return syscall(SYS_bind, fd, addr, len);
}

static void result(const char *key, long r, int e) {
    if (r == 0)
        printf("%s=ok\n", key);
    else
        printf("%s=errno=%d\n", key, e);
    fflush(stdout);
}

static struct sockaddr_in v4(const char *addr, int port) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, addr, &sin.sin_addr);
    return sin;
}

static struct sockaddr_in6 v6(const char *addr, int port) {
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons((unsigned short)port);
    inet_pton(AF_INET6, addr, &sin6.sin6_addr);
    return sin6;
}

static int new_socket(int family, int type) {
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("socket-errno=%d\n", errno);
        exit(2);
    }
    return fd;
}

/* One bind of a fresh socket, closed afterwards; 0 or errno. */
static int bind_fresh(int family, int type, const void *addr, long len) {
    int fd = new_socket(family, type);
    long r = sys_bind(fd, addr, len);
    int e = r ? errno : 0;
    close(fd);
    return e;
}

static void report(const char *key, int e) {
    result(key, e ? -1 : 0, e);
}

struct grid_args {
    int port;
    int v4, v6, udp4;
};

static void grid_binds(struct grid_args *g) {
    struct sockaddr_in sin = v4("127.0.0.1", g->port);
    struct sockaddr_in6 sin6 = v6("::1", g->port);
    g->v4 = bind_fresh(AF_INET, SOCK_STREAM, &sin, sizeof sin);
    g->v6 = bind_fresh(AF_INET6, SOCK_STREAM, &sin6, sizeof sin6);
    g->udp4 = bind_fresh(AF_INET, SOCK_DGRAM, &sin, sizeof sin);
}

static void *grid_thread(void *arg) {
    grid_binds(arg);
    return NULL;
}

static int grid(int port) {
    struct grid_args main_thread = {.port = port}, second = {.port = port};
    grid_binds(&main_thread);
    pthread_t t;
    if (pthread_create(&t, NULL, grid_thread, &second) != 0) {
        printf("pthread_create failed\n");
        return 2;
    }
    pthread_join(t, NULL);
    report("v4_main", main_thread.v4);
    report("v6_main", main_thread.v6);
    report("udp4_main", main_thread.udp4);
    report("v4_thread", second.v4);
    report("v6_thread", second.v6);
    report("udp4_thread", second.udp4);
    return 0;
}

static int passthrough(void) {
    struct sockaddr_in high = v4("127.0.0.1", 8080), zero = v4("127.0.0.1", 0);
    struct sockaddr_in6 high6 = v6("::1", 1024);
    report("high", bind_fresh(AF_INET, SOCK_STREAM, &high, sizeof high));
    report("zero", bind_fresh(AF_INET, SOCK_STREAM, &zero, sizeof zero));
    report("high6", bind_fresh(AF_INET6, SOCK_STREAM, &high6, sizeof high6));

    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "/tmp/authbind-e2e-sysbind.%d", (int)getpid());
    unlink(sun.sun_path);
    report("unix_path", bind_fresh(AF_UNIX, SOCK_STREAM, &sun, sizeof sun));
    unlink(sun.sun_path);

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    int n = snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1, "authbind-e2e-sysbind.%d", (int)getpid());
    report("unix_abstract",
           bind_fresh(AF_UNIX, SOCK_DGRAM, &sun, (long)(offsetof(struct sockaddr_un, sun_path) + 1 + n)));
    return 0;
}

/* A page whose last 16 bytes hold `addr`, followed by an unmapped page. */
static void *before_a_hole(const void *addr, size_t len) {
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap-errno=%d\n", errno);
        exit(2);
    }
    munmap(p + page, page);
    memcpy(p + page - len, addr, len);
    return p + page - len;
}

static int errors(int port) {
    struct sockaddr_in sin = v4("127.0.0.1", port);
    struct sockaddr_in6 sin6 = v6("::1", port);

    /* Not a descriptor at all, and a descriptor that is no socket. */
    report("badfd", sys_bind(9999, &sin, sizeof sin) ? errno : 0);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    report("notsock", sys_bind(devnull, &sin, sizeof sin) ? errno : 0);
    close(devnull);
    /* Addresses the kernel cannot read. */
    report("badptr", bind_fresh(AF_INET, SOCK_STREAM, (void *)1, sizeof sin));
    report("null", bind_fresh(AF_INET, SOCK_STREAM, NULL, sizeof sin));
    report("straddle128", bind_fresh(AF_INET, SOCK_STREAM, before_a_hole(&sin, sizeof sin), 128));
    /* Lengths. */
    report("short8", bind_fresh(AF_INET, SOCK_STREAM, &sin, 8));
    report("len1", bind_fresh(AF_INET, SOCK_STREAM, &sin, 1));
    report("len0", bind_fresh(AF_INET, SOCK_STREAM, &sin, 0));
    report("negative", bind_fresh(AF_INET, SOCK_STREAM, &sin, -1));
    struct sockaddr_storage big[2];
    memset(big, 0, sizeof big);
    memcpy(big, &sin, sizeof sin);
    report("len129", bind_fresh(AF_INET, SOCK_STREAM, big, 129));
    report("short6_24", bind_fresh(AF_INET6, SOCK_STREAM, &sin6, 24));
    report("short6_20", bind_fresh(AF_INET6, SOCK_STREAM, &sin6, 20));
    /* Families that do not match the socket. */
    report("v6_on_v4", bind_fresh(AF_INET, SOCK_STREAM, &sin6, sizeof sin6));
    report("v4_on_v6", bind_fresh(AF_INET6, SOCK_STREAM, &sin, sizeof sin));
    report("v4_on_unix", bind_fresh(AF_UNIX, SOCK_STREAM, &sin, sizeof sin));
    struct sockaddr_in unspec = sin;
    unspec.sin_family = AF_UNSPEC;
    report("unspec_lo", bind_fresh(AF_INET, SOCK_STREAM, &unspec, sizeof unspec));
    /* An address the host does not have. */
    struct sockaddr_in foreign = v4("192.0.2.1", port);
    report("foreign", bind_fresh(AF_INET, SOCK_STREAM, &foreign, sizeof foreign));
    return 0;
}

static int granted(int port) {
    struct sockaddr_in sin = v4("127.0.0.1", port);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, &sin, sizeof sin);
    report("storage", bind_fresh(AF_INET, SOCK_STREAM, &ss, sizeof ss));
    report("straddle16", bind_fresh(AF_INET, SOCK_STREAM, before_a_hole(&sin, sizeof sin), sizeof sin));

    int first = new_socket(AF_INET, SOCK_STREAM);
    long r = sys_bind(first, &sin, sizeof sin);
    result("first", r, errno);
    if (r == 0 && listen(first, 1) != 0) printf("listen-errno=%d\n", errno);
    report("inuse", bind_fresh(AF_INET, SOCK_STREAM, &sin, sizeof sin));
    r = sys_bind(first, &sin, sizeof sin);
    result("rebind", r, errno);
    close(first);
    return 0;
}

static volatile sig_atomic_t signals;
static void on_alarm(int sig) {
    (void)sig;
    signals++;
}

static int timer(int port, int n, int restart) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 100}, {0, 100}};
    setitimer(ITIMER_REAL, &it, NULL);

    int ok = 0, eintr = 0, failed = 0, inconsistent = 0, errs[256] = {0};
    struct sockaddr_in sin = v4("127.0.0.1", port);
    for (int i = 0; i < n; i++) {
        int fd;
        while ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 && errno == EINTR)
            ;
        if (fd < 0) {
            printf("socket-errno=%d\n", errno);
            return 2;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        long r = sys_bind(fd, &sin, sizeof sin);
        int e = r ? errno : 0;
        struct sockaddr_in got;
        socklen_t len = sizeof got;
        memset(&got, 0, sizeof got);
        int g;
        while ((g = getsockname(fd, (struct sockaddr *)&got, &len)) != 0 && errno == EINTR)
            ;
        int bound = g == 0 && ntohs(got.sin_port) == port;
        if (r == 0) {
            ok++;
            if (!bound) inconsistent++;
        } else {
            if (e == EINTR)
                eintr++;
            else
                failed++;
            errs[e & 255]++;
            if (bound) inconsistent++;
        }
        close(fd);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("total=%d\nok=%d\neintr=%d\nfailed=%d\ninconsistent=%d\nsignals=%d\nerrnos=", n, ok, eintr, failed,
           inconsistent, (int)signals);
    for (int e = 0; e < 256; e++)
        if (errs[e]) printf("%d:%d,", e, errs[e]);
    printf("\n");
    return 0;
}

static int ownfiles_port;
static int ownfiles_fd;

static int bound_to(int fd) {
    struct sockaddr_in got;
    socklen_t len = sizeof got;
    return getsockname(fd, (struct sockaddr *)&got, &len) == 0 ? ntohs(got.sin_port) : -1;
}

static void *ownfiles_thread(void *arg) {
    (void)arg;
    if (unshare(CLONE_FILES) != 0) {
        printf("ownfiles=unshare-errno=%d\n", errno);
        return NULL;
    }
    /* In this thread's table only: the same number, another socket. */
    close(ownfiles_fd);
    int mine = socket(AF_INET, SOCK_STREAM, 0);
    if (mine != ownfiles_fd && dup2(mine, ownfiles_fd) == ownfiles_fd) close(mine);
    struct sockaddr_in a = v4("127.0.0.1", ownfiles_port);
    long r = sys_bind(ownfiles_fd, &a, sizeof a);
    int e = errno;
    if (r != 0)
        printf("ownfiles=errno=%d\n", e);
    else
        printf("ownfiles=%s\n", bound_to(ownfiles_fd) == ownfiles_port ? "ok" : "wrong");
    return NULL;
}

/* See the header: a thread with its own descriptor table. */
static int ownfiles(int port) {
    ownfiles_port = port;
    ownfiles_fd = socket(AF_INET, SOCK_STREAM, 0);
    pthread_t t;
    pthread_create(&t, NULL, ownfiles_thread, NULL);
    pthread_join(t, NULL);
    printf("leader_untouched=%s\n", bound_to(ownfiles_fd) == 0 ? "ok" : "bound");
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    int port = argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(mode, "grid") && argc == 3) return grid(port);
    if (!strcmp(mode, "nodump") && argc == 3) {
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
            printf("prctl-errno=%d\n", errno);
            return 2;
        }
        return grid(port);
    }
    if (!strcmp(mode, "passthrough") && argc == 2) return passthrough();
    if (!strcmp(mode, "ownfiles") && argc == 3) return ownfiles(port);
    if (!strcmp(mode, "errors") && argc == 3) return errors(port);
    if (!strcmp(mode, "granted") && argc == 3) return granted(port);
    if (!strcmp(mode, "timer") && argc == 5) return timer(port, atoi(argv[3]), !strcmp(argv[4], "restart"));
    fprintf(stderr,
            "usage: sysbind grid PORT | nodump PORT | passthrough | errors PORT | granted PORT | timer PORT N restart|norestart\n");
    return 2;
}
