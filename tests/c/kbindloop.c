/* kbindloop ADDR PORT_A PORT_B STOPFILE
 *
 * Binds fresh TCP sockets to ADDR (IPv4) on PORT_A and PORT_B in turn, as
 * fast as it can, until STOPFILE exists; then prints, per port, how many
 * binds succeeded, failed with EACCES, and failed otherwise:
 *   a_ok= a_eacces= a_other= b_ok= b_eacces= b_other= total=
 * (for the reload-under-load test: every bind must be decided by the
 * policy before a swap or the one after it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long counts[2][3];

static void once(const struct in_addr *a, int port, long *c) {
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_port = htons((unsigned short)port);
    s.sin_addr = *a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        c[2]++;
        return;
    }
    if (bind(fd, (struct sockaddr *)&s, sizeof s) == 0)
        c[0]++;
    else if (errno == EACCES)
        c[1]++;
    else
        c[2]++;
    close(fd);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: kbindloop ADDR PORT_A PORT_B STOPFILE\n");
        return 2;
    }
    struct in_addr a;
    if (inet_pton(AF_INET, argv[1], &a) != 1) return 2;
    int pa = atoi(argv[2]), pb = atoi(argv[3]);
    long total = 0;
    for (;;) {
        for (int i = 0; i < 64; i++) {
            once(&a, pa, counts[0]);
            once(&a, pb, counts[1]);
            total += 2;
        }
        if (access(argv[4], F_OK) == 0) break;
    }
    printf("a_ok=%ld a_eacces=%ld a_other=%ld b_ok=%ld b_eacces=%ld b_other=%ld total=%ld\n", counts[0][0],
           counts[0][1], counts[0][2], counts[1][0], counts[1][1], counts[1][2], total);
    return 0;
}
