/* adv_shim TAG UNIXPATH [CASE...]
 *
 * Odd bind() calls, one per case (all of them when none is named), for
 * comparing the answers under the shim with the kernel's own. Each prints
 *
 *   TAG.CASE=ok port=P errno=E fds=N     bind returned 0; P = getsockname's
 *                                        port, E = errno afterwards (set to
 *                                        4242 just before the call)
 *   TAG.CASE=errno=E fds=N               bind returned -1 with errno E
 *
 * fds: the number of descriptors open after the call minus before (0: no
 * stray descriptor). UNIXPATH: where the `unixeacces` case binds a Unix
 * socket (a folder the user may not write to).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SENTINEL 4242

static const char *tag, *unix_path;

static int count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1000;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the DIR's own */
}

static int sock(int domain, int type) {
    int fd = socket(domain, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("%s.socket-errno=%d\n", tag, errno);
        exit(2);
    }
    return fd;
}

static struct sockaddr_in sin4(const char *addr, int port) {
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, addr, &s.sin_addr);
    return s;
}

static struct sockaddr_in6 sin6(const char *addr, int port) {
    struct sockaddr_in6 s;
    memset(&s, 0, sizeof s);
    s.sin6_family = AF_INET6;
    s.sin6_port = htons((unsigned short)port);
    inet_pton(AF_INET6, addr, &s.sin6_addr);
    return s;
}

static int local_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len)) return -errno;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

/* One bind, reported. */
static void try_bind(const char *name, int fd, const void *addr, socklen_t len) {
    int before = count_fds();
    errno = SENTINEL;
    int r = bind(fd, (const struct sockaddr *)addr, len);
    int e = errno;
    int after = count_fds();
    if (r == 0)
        printf("%s.%s=ok port=%d errno=%d fds=%d\n", tag, name, local_port(fd), e, after - before);
    else
        printf("%s.%s=errno=%d fds=%d\n", tag, name, e, after - before);
    if (fd >= 3) close(fd);
}

static int wanted(int argc, char **argv, const char *name) {
    if (argc <= 3) return 1;
    for (int i = 3; i < argc; i++)
        if (!strcmp(argv[i], name)) return 1;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: adv_shim TAG UNIXPATH [CASE...]\n");
        return 2;
    }
    tag = argv[1];
    unix_path = argv[2];
    struct sockaddr_in a80 = sin4("127.0.0.1", 80);
    struct sockaddr_in6 a6_80 = sin6("::1", 80);
    struct sockaddr_storage ss;
#define CASE(name) if (wanted(argc, argv, name))

    /* Granted by the policy (byport/80): the privileged kernel's answer. */
    CASE("tcp4") try_bind("tcp4", sock(AF_INET, SOCK_STREAM), &a80, sizeof a80);
    CASE("udp4") try_bind("udp4", sock(AF_INET, SOCK_DGRAM), &a80, sizeof a80);
    CASE("tcp6") try_bind("tcp6", sock(AF_INET6, SOCK_STREAM), &a6_80, sizeof a6_80);
    CASE("udp6") try_bind("udp6", sock(AF_INET6, SOCK_DGRAM), &a6_80, sizeof a6_80);
    CASE("storage6") {
        memset(&ss, 0, sizeof ss);
        memcpy(&ss, &a6_80, sizeof a6_80);
        try_bind("storage6", sock(AF_INET6, SOCK_STREAM), &ss, sizeof ss);
    }
    CASE("mapped") {
        struct sockaddr_in6 m = sin6("::ffff:127.0.0.1", 80);
        try_bind("mapped", sock(AF_INET6, SOCK_STREAM), &m, sizeof m);
    }
    CASE("mapped_v6only") {
        struct sockaddr_in6 m = sin6("::ffff:127.0.0.1", 80);
        int fd = sock(AF_INET6, SOCK_STREAM), one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        try_bind("mapped_v6only", fd, &m, sizeof m);
    }
    CASE("badscope") {
        struct sockaddr_in6 m = sin6("fe80::1", 80);
        m.sin6_scope_id = 999;
        try_bind("badscope", sock(AF_INET6, SOCK_STREAM), &m, sizeof m);
    }
    CASE("inuse") {
        int first = sock(AF_INET, SOCK_STREAM);
        if (bind(first, (struct sockaddr *)&a80, sizeof a80)) {
            printf("%s.inuse=first-bind-errno=%d\n", tag, errno);
        } else {
            try_bind("inuse", sock(AF_INET, SOCK_STREAM), &a80, sizeof a80);
        }
        close(first);
    }
    CASE("guard16") {
        /* The address ends exactly where readable memory ends. */
        long page = sysconf(_SC_PAGESIZE);
        char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        mprotect(p + page, page, PROT_NONE);
        memcpy(p + page - sizeof a80, &a80, sizeof a80);
        try_bind("guard16", sock(AF_INET, SOCK_STREAM), p + page - sizeof a80, sizeof a80);
        /* ... and with a length that reaches past it: the kernel's EFAULT. */
        try_bind("guard128", sock(AF_INET, SOCK_STREAM), p + page - sizeof a80, 128);
        munmap(p, 2 * page);
    }

    /* Refused by the policy (no rule for port 81 at all). */
    CASE("refused4") {
        struct sockaddr_in a = sin4("127.0.0.1", 81);
        try_bind("refused4", sock(AF_INET, SOCK_STREAM), &a, sizeof a);
    }
    CASE("refused6") {
        struct sockaddr_in6 a = sin6("::1", 81);
        try_bind("refused6", sock(AF_INET6, SOCK_DGRAM), &a, sizeof a);
    }
    CASE("refused_mapped") {
        struct sockaddr_in6 a = sin6("::ffff:127.0.0.1", 81);
        try_bind("refused_mapped", sock(AF_INET6, SOCK_STREAM), &a, sizeof a);
    }

    /* Decided by the kernel before any privilege check: the policy is
     * irrelevant, the answer must be the kernel's. */
    CASE("high") {
        struct sockaddr_in a = sin4("127.0.0.1", 8080);
        try_bind("high", sock(AF_INET, SOCK_STREAM), &a, sizeof a);
    }
    CASE("null0") try_bind("null0", sock(AF_INET, SOCK_STREAM), NULL, 0);
    CASE("null6") try_bind("null6", sock(AF_INET6, SOCK_STREAM), NULL, sizeof(struct sockaddr_in6));
    CASE("null_storage") try_bind("null_storage", sock(AF_INET, SOCK_STREAM), NULL, sizeof ss);
    CASE("badptr") try_bind("badptr", sock(AF_INET, SOCK_STREAM), (void *)1, sizeof a80);
    CASE("len0") try_bind("len0", sock(AF_INET, SOCK_STREAM), &a80, 0);
    CASE("len2") try_bind("len2", sock(AF_INET, SOCK_STREAM), &a80, 2);
    CASE("len15") try_bind("len15", sock(AF_INET, SOCK_STREAM), &a80, 15);
    CASE("len6_23") try_bind("len6_23", sock(AF_INET6, SOCK_STREAM), &a6_80, 23);
    CASE("len129") {
        char big[256];
        memset(big, 0, sizeof big);
        memcpy(big, &a80, sizeof a80);
        try_bind("len129", sock(AF_INET, SOCK_STREAM), big, sizeof(struct sockaddr_storage) + 1);
    }
    CASE("lenhuge") try_bind("lenhuge", sock(AF_INET, SOCK_STREAM), &a80, 0xffffffffu);
    CASE("v6on4") try_bind("v6on4", sock(AF_INET, SOCK_STREAM), &a6_80, sizeof a6_80);
    CASE("v6on4_storage") {
        memset(&ss, 0, sizeof ss);
        memcpy(&ss, &a6_80, sizeof a6_80);
        try_bind("v6on4_storage", sock(AF_INET, SOCK_STREAM), &ss, sizeof ss);
    }
    CASE("v4on6") try_bind("v4on6", sock(AF_INET6, SOCK_STREAM), &a80, sizeof a80);
    CASE("v4on6_storage") {
        memset(&ss, 0, sizeof ss);
        memcpy(&ss, &a80, sizeof a80);
        try_bind("v4on6_storage", sock(AF_INET6, SOCK_STREAM), &ss, sizeof ss);
    }
    CASE("badfd") try_bind("badfd", -1, &a80, sizeof a80);
    CASE("closedfd") try_bind("closedfd", 1000, &a80, sizeof a80);
    CASE("notsock") {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        try_bind("notsock", fd, &a80, sizeof a80);
    }
    CASE("unix_inet") try_bind("unix_inet", sock(AF_UNIX, SOCK_STREAM), &a80, sizeof a80);
    CASE("unix_eacces") {
        /* The kernel's own EACCES (a folder we may not write to), on a
         * socket the helper must never be asked about. */
        struct sockaddr_un u;
        memset(&u, 0, sizeof u);
        u.sun_family = AF_UNIX;
        snprintf(u.sun_path, sizeof u.sun_path, "%s", unix_path);
        try_bind("unix_eacces", sock(AF_UNIX, SOCK_STREAM), &u, sizeof u);
    }
    CASE("unix_abstract") {
        struct sockaddr_un u;
        memset(&u, 0, sizeof u);
        u.sun_family = AF_UNIX;
        snprintf(u.sun_path + 1, sizeof u.sun_path - 1, "adv_shim.%s.%d", tag, (int)getpid());
        try_bind("unix_abstract", sock(AF_UNIX, SOCK_STREAM), &u,
                 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(u.sun_path + 1)));
    }
    CASE("multicast6") {
        struct sockaddr_in6 m = sin6("ff02::1", 80);
        try_bind("multicast6", sock(AF_INET6, SOCK_STREAM), &m, sizeof m);
    }

    /* Address forms the kernel accepts for a privileged port although they
     * are not a plain sockaddr_in/sockaddr_in6 of full length. */
    CASE("v6len24") try_bind("v6len24", sock(AF_INET6, SOCK_STREAM), &a6_80, 24);
    CASE("unspec_any") {
        /* AF_UNSPEC with INADDR_ANY on an AF_INET socket: Linux takes it
         * for AF_INET (a sockaddr_in whose family was left at 0). */
        struct sockaddr_in a = sin4("0.0.0.0", 80);
        a.sin_family = AF_UNSPEC;
        try_bind("unspec_any", sock(AF_INET, SOCK_STREAM), &a, sizeof a);
    }
    printf("%s.done=1\n", tag);
    return 0;
}
