/* adv_cancel PORT — a thread with a cancellation request already pending
 * binds 127.0.0.1:PORT (granted), then reaches pthread_testcancel().
 *
 * bind(2) is not a cancellation point, so the bind must run to its end
 * (the socket bound, nothing leaked) and the thread be cancelled only at
 * the testcancel. A shim that calls cancellable libc functions (sendmsg,
 * recvmsg, waitid, close…) would be cancelled inside bind instead: no
 * result, descriptors leaked. Prints: bind=ok|errno=N|never fds=DELTA
 * cancelled=0|1. fds are counted with fcntl(F_GETFD), not a cancellation
 * point. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_barrier_t ready;
static int port;
static volatile int result = -1; /* -1: bind never returned */
static volatile int bound_port;
static volatile int fds_before, fds_after;
static volatile int sock = -1;

static int count_fds(void) {
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) != -1)
            n++;
    return n;
}

static void *worker(void *arg) {
    (void)arg;
    pthread_barrier_wait(&ready); /* not a cancellation point */
    pthread_barrier_wait(&ready); /* the cancel is pending by now */
    fds_before = count_fds();
    sock = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = bind(sock, (struct sockaddr *)&a, sizeof a);
    result = r == 0 ? 0 : errno;
    struct sockaddr_in got;
    socklen_t len = sizeof got;
    if (getsockname(sock, (struct sockaddr *)&got, &len) == 0)
        bound_port = ntohs(got.sin_port);
    fds_after = count_fds();
    pthread_testcancel();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: adv_cancel PORT\n");
        return 2;
    }
    port = atoi(argv[1]);
    pthread_t t;
    pthread_barrier_init(&ready, NULL, 2);
    pthread_create(&t, NULL, worker, NULL);
    pthread_barrier_wait(&ready);
    pthread_cancel(t);
    pthread_barrier_wait(&ready);
    void *ret;
    pthread_join(t, &ret);
    if (result == -1)
        printf("bind=never");
    else if (result == 0)
        printf("bind=ok port=%d", bound_port);
    else
        printf("bind=errno=%d", result);
    /* The one socket the thread made is expected; anything more leaked. */
    printf(" fds=%d cancelled=%d\n", fds_after - fds_before - 1, ret == PTHREAD_CANCELED);
    return 0;
}
