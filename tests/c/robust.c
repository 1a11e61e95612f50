/* robust MODE [PORT]
 *
 * Edge cases of bind() under the shim; each prints one line on stdout.
 *   null           bind(fd, NULL, 16)                       -> "errno=14" expected
 *   storage PORT   127.0.0.1:PORT with addrlen = sizeof(struct sockaddr_storage)
 *                                                           -> "ok" or "errno=N"
 *   errno PORT     errno set to 4242, then bind 127.0.0.1:PORT
 *                                                           -> "ok errno_after=E" or "errno=N"
 *   fds PORT       5 times: socket, count /proc/self/fd, bind 127.0.0.1:PORT,
 *                  count again, close  -> "<ok|errno=N> leaked=MAX_EXTRA_FDS"
 *                  (the targets of extra fds go to stderr)
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sin;
}

static int new_socket(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("socket-errno=%d\n", errno);
        exit(2);
    }
    return fd;
}

/* Open fds, as a bitmap over the first 1024; returns the count. */
static int open_fds(unsigned char map[1024]) {
    memset(map, 0, 1024);
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        printf("opendir-errno=%d\n", errno);
        exit(2);
    }
    int n = 0, self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        int fd = atoi(e->d_name);
        if (fd == self) continue;
        if (fd >= 0 && fd < 1024) map[fd] = 1;
        n++;
    }
    closedir(d);
    return n;
}

static void report_extra(const unsigned char *before, const unsigned char *after) {
    for (int fd = 0; fd < 1024; fd++) {
        if (after[fd] && !before[fd]) {
            char link[64], target[PATH_MAX];
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(link, target, sizeof target - 1);
            target[n > 0 ? n : 0] = 0;
            fprintf(stderr, "robust: extra fd %d -> %s\n", fd, target);
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: robust null | storage PORT | errno PORT | fds PORT\n");
        return 2;
    }
    const char *mode = argv[1];
    int port = argc > 2 ? atoi(argv[2]) : 0;

    if (!strcmp(mode, "null")) {
        int fd = new_socket();
        int r = bind(fd, NULL, 16);
        if (r == 0)
            printf("ok\n");
        else
            printf("errno=%d\n", errno);
        return 0;
    }
    if (!strcmp(mode, "storage")) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        struct sockaddr_in sin = loopback(port);
        memcpy(&ss, &sin, sizeof sin);
        int fd = new_socket();
        if (bind(fd, (struct sockaddr *)&ss, sizeof ss) == 0)
            printf("ok\n");
        else
            printf("errno=%d\n", errno);
        return 0;
    }
    if (!strcmp(mode, "errno")) {
        struct sockaddr_in sin = loopback(port);
        int fd = new_socket();
        errno = 4242;
        int r = bind(fd, (struct sockaddr *)&sin, sizeof sin);
        int e = errno;
        if (r == 0)
            printf("ok errno_after=%d\n", e);
        else
            printf("errno=%d\n", e);
        return 0;
    }
    if (!strcmp(mode, "fds")) {
        unsigned char before[1024], after[1024];
        int leaked = 0, last = 0;
        for (int i = 0; i < 5; i++) {
            struct sockaddr_in sin = loopback(port);
            int fd = new_socket();
            int n0 = open_fds(before);
            int r = bind(fd, (struct sockaddr *)&sin, sizeof sin);
            last = r ? errno : 0;
            int n1 = open_fds(after);
            if (n1 - n0 > leaked) leaked = n1 - n0;
            if (n1 != n0) report_extra(before, after);
            close(fd);
        }
        if (last)
            printf("errno=%d leaked=%d\n", last, leaked);
        else
            printf("ok leaked=%d\n", leaked);
        return 0;
    }
    fprintf(stderr, "robust: unknown mode %s\n", mode);
    return 2;
}
