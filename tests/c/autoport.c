/* autoport FAMILY PROTO HOW ADDR COUNT [DSTPORT]
 *
 * Lets the kernel choose a local port COUNT times and prints each port it
 * chose, one line each, or `errno=N` when it found none:
 *   HOW bind:    bind(ADDR, port 0);
 *   HOW connect: connect() to ADDR:DSTPORT (for TCP, to a listener this
 *                program opens there first), which binds the socket to a
 *                port of ip_local_port_range.
 * FAMILY is 4 or 6, PROTO tcp or udp. HOW bind-hold / connect-hold keep
 * every socket open, so that each call must find a port no other holds
 * (until the range is used up: it stops at the first refusal); otherwise
 * each socket is closed before the next (TCP with SO_LINGER 0, so that no
 * TIME_WAIT holds the port). For the test that ports kept in
 * ip_local_reserved_ports are never chosen.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int family;
static struct sockaddr_storage where;
static socklen_t where_len;

static void set_addr(const char *text, int port) {
    memset(&where, 0, sizeof where);
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&where;
        s->sin_family = AF_INET;
        s->sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, text, &s->sin_addr) != 1) {
            fprintf(stderr, "autoport: bad address %s\n", text);
            exit(2);
        }
        where_len = sizeof *s;
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&where;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons((unsigned short)port);
        if (inet_pton(AF_INET6, text, &s->sin6_addr) != 1) {
            fprintf(stderr, "autoport: bad address %s\n", text);
            exit(2);
        }
        where_len = sizeof *s;
    }
}

static int local_port(int fd) {
    struct sockaddr_storage s;
    socklen_t len = sizeof s;
    if (getsockname(fd, (struct sockaddr *)&s, &len) != 0)
        return -1;
    if (s.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&s)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&s)->sin6_port);
}

int main(int argc, char **argv) {
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: autoport 4|6 tcp|udp bind|connect[-hold] ADDR COUNT [DSTPORT]\n");
        return 2;
    }
    family = strcmp(argv[1], "6") == 0 ? AF_INET6 : AF_INET;
    int type = strcmp(argv[2], "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
    int connecting = strncmp(argv[3], "connect", 7) == 0;
    int hold = strstr(argv[3], "-hold") != NULL;
    long count = strtol(argv[5], NULL, 10);
    int dst = argc == 7 ? atoi(argv[6]) : 0;
    if (connecting && dst == 0) {
        fprintf(stderr, "autoport: connect needs DSTPORT\n");
        return 2;
    }
    int listener = -1;
    set_addr(argv[4], dst);
    if (connecting && type == SOCK_STREAM) {
        int one = 1;
        listener = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (listener < 0 || bind(listener, (struct sockaddr *)&where, where_len) != 0 || listen(listener, 1024) != 0) {
            fprintf(stderr, "autoport: cannot listen on %s port %d: %s\n", argv[4], dst, strerror(errno));
            return 1;
        }
    }
    if (!connecting)
        set_addr(argv[4], 0);
    for (long i = 0; i < count; i++) {
        int fd = socket(family, type | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            printf("errno=%d\n", errno);
            return 1;
        }
        int rc = connecting ? connect(fd, (struct sockaddr *)&where, where_len)
                            : bind(fd, (struct sockaddr *)&where, where_len);
        if (rc != 0) {
            printf("errno=%d\n", errno);
            close(fd);
            if (hold)
                break;
            continue;
        }
        printf("%d\n", local_port(fd));
        if (hold)
            continue;
        if (listener >= 0) {
            int peer = accept(listener, NULL, NULL);
            if (peer >= 0)
                close(peer);
        }
        if (type == SOCK_STREAM) {
            struct linger l = {1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        close(fd);
    }
    return 0;
}
