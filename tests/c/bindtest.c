/* bindtest FAMILY ADDR PORT PROTO
 *
 * FAMILY is 4 or 6, PROTO is tcp or udp. Creates one socket, binds it to
 * ADDR:PORT and prints one line on stdout: "ok" when bind() returned 0,
 * "errno=N" otherwise. Exit status 0 either way (2 on bad usage or when the
 * socket cannot even be created), so the result is always on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int usage(void) {
    fprintf(stderr, "usage: bindtest 4|6 ADDR PORT tcp|udp\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc != 5) return usage();
    int family = !strcmp(argv[1], "4") ? AF_INET : !strcmp(argv[1], "6") ? AF_INET6 : -1;
    int type = !strcmp(argv[4], "tcp") ? SOCK_STREAM : !strcmp(argv[4], "udp") ? SOCK_DGRAM : -1;
    if (family < 0 || type < 0) return usage();
    char *end;
    long port = strtol(argv[3], &end, 10);
    if (*end || port < 0 || port > 65535) return usage();

    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, argv[2], &sin->sin_addr) != 1) return usage();
        len = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((unsigned short)port);
        if (inet_pton(AF_INET6, argv[2], &sin6->sin6_addr) != 1) return usage();
        len = sizeof *sin6;
    }

    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("socket-errno=%d\n", errno);
        return 2;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) == 0)
        printf("ok\n");
    else
        printf("errno=%d\n", errno);
    close(fd);
    return 0;
}
