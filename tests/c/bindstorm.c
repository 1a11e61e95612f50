/* bindstorm MODE BASEPORT REFUSEDPORT
 *
 * 8 threads, started together, each do 50 privileged binds: thread t binds a
 * TCP socket to 127.0.0.1:(BASEPORT+t), closes it, and repeats. MODE:
 *   plain   nothing else going on;
 *   sigign  SIGCHLD set to SIG_IGN first (children are auto-reaped);
 *   waiter  an extra thread loops on waitpid(-1, ...) all along;
 *   wall    the same with __WALL, which also reaps clone children.
 * Then one bind to 127.0.0.1:REFUSEDPORT, which the policy must refuse.
 * Prints key=value lines:
 *   failures=N total=400 bound_anyway=M (failed binds whose socket was in
 *   fact bound) errnos=E:COUNT,... refused=ok|errno=N reaped_clones=N
 *   (children the __WALL reaper collected) ms=ELAPSED
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define THREADS 8
#define ITERS 50

static int base_port;
static pthread_barrier_t start;
static volatile int done;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int failures, bound_anyway, errno_count[256];

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sin;
}

/* 0 when bound, else errno (with *was_bound set when the socket is bound anyway). */
static int bind_once(int port, int *was_bound) {
    struct sockaddr_in sin = loopback(port);
    *was_bound = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno ? errno : -1;
    /* A fork or clone made by another thread's bind holds a copy of this
     * thread's previous socket until its exec closes it (close-on-exec);
     * SO_REUSEADDR keeps that transient reference from making the rebind
     * fail with EADDRINUSE, which is not what this program measures. */
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int r = bind(fd, (struct sockaddr *)&sin, sizeof sin);
    int e = r ? errno : 0;
    if (r) {
        struct sockaddr_in got;
        socklen_t len = sizeof got;
        if (getsockname(fd, (struct sockaddr *)&got, &len) == 0 && got.sin_port != 0)
            *was_bound = 1;
    }
    close(fd);
    return e;
}

static void *worker(void *arg) {
    int port = base_port + (int)(long)arg;
    pthread_barrier_wait(&start);
    for (int i = 0; i < ITERS; i++) {
        int was_bound;
        int e = bind_once(port, &was_bound);
        if (e) {
            pthread_mutex_lock(&lock);
            failures++;
            bound_anyway += was_bound;
            errno_count[e > 0 && e < 255 ? e : 255]++;
            pthread_mutex_unlock(&lock);
        }
    }
    return NULL;
}

/* Reaps every child it can: with flags 0, ordinary children; with
 * __WALL, clone children too (such as the shim's intermediate process). */
static int reap_flags;
static int reaped_clones;

static void *waiter(void *arg) {
    (void)arg;
    while (!done) {
        int status;
        if (waitpid(-1, &status, reap_flags) < 0) sched_yield();
        else if (reap_flags) __atomic_add_fetch(&reaped_clones, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: bindstorm plain|sigign|waiter|wall BASEPORT REFUSEDPORT\n");
        return 2;
    }
    const char *mode = argv[1];
    base_port = atoi(argv[2]);
    int refused_port = atoi(argv[3]);
    pthread_t threads[THREADS], wt;

    if (!strcmp(mode, "sigign")) {
        signal(SIGCHLD, SIG_IGN);
    } else if (!strcmp(mode, "waiter") || !strcmp(mode, "wall")) {
        reap_flags = !strcmp(mode, "wall") ? __WALL : 0;
        if (pthread_create(&wt, NULL, waiter, NULL)) return 3;
        pthread_detach(wt);
    } else if (strcmp(mode, "plain")) {
        fprintf(stderr, "bindstorm: unknown mode %s\n", mode);
        return 2;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_barrier_init(&start, NULL, THREADS);
    for (long t = 0; t < THREADS; t++)
        if (pthread_create(&threads[t], NULL, worker, (void *)t)) return 3;
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    int was_bound;
    int refused = bind_once(refused_port, &was_bound);
    done = 1;

    printf("failures=%d\n", failures);
    printf("total=%d\n", THREADS * ITERS);
    printf("bound_anyway=%d\n", bound_anyway);
    printf("errnos=");
    const char *sep = "";
    for (int e = 0; e < 256; e++)
        if (errno_count[e]) {
            printf("%s%d:%d", sep, e, errno_count[e]);
            sep = ",";
        }
    printf("\n");
    if (refused)
        printf("refused=errno=%d\n", refused);
    else
        printf("refused=ok\n");
    printf("reaped_clones=%d\n", __atomic_load_n(&reaped_clones, __ATOMIC_RELAXED));
    printf("ms=%ld\n", (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000L);
    fflush(stdout);
    _exit(0);
}
