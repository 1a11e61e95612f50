/* uringbind 4|6 ADDR PORT
 *
 * Binds a new TCP socket to ADDR:PORT with io_uring's IORING_OP_BIND
 * (Linux 6.11 and later), through raw system calls (no liburing), and
 * prints one line: "ok", "errno=N" (the completion's error), or
 * "unsupported" when the kernel's io_uring lacks the operation (its
 * probe says so), or "setup-errno=N" when io_uring cannot be set up.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef IORING_OP_BIND
#define IORING_OP_BIND 56
#endif

static int setup(unsigned entries, struct io_uring_params *p) {
    return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int enter(int fd, unsigned submit, unsigned complete, unsigned flags) {
    return (int)syscall(__NR_io_uring_enter, fd, submit, complete, flags, NULL, 0);
}

static int supported(int ring) {
    size_t len = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
    struct io_uring_probe *probe = calloc(1, len);
    if (!probe) return 0;
    int r = (int)syscall(__NR_io_uring_register, ring, IORING_REGISTER_PROBE, probe, 256);
    int ok = r == 0 && probe->last_op >= IORING_OP_BIND && (probe->ops[IORING_OP_BIND].flags & IO_URING_OP_SUPPORTED);
    free(probe);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: uringbind 4|6 ADDR PORT\n");
        return 2;
    }
    int family = argv[1][0] == '6' ? AF_INET6 : AF_INET;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int port = atoi(argv[3]);
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        s->sin_family = AF_INET;
        s->sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, argv[2], &s->sin_addr) != 1) return 2;
        len = sizeof *s;
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons((unsigned short)port);
        if (inet_pton(AF_INET6, argv[2], &s->sin6_addr) != 1) return 2;
        len = sizeof *s;
    }
    int sock = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return 2;

    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int ring = setup(4, &p);
    if (ring < 0) {
        printf("setup-errno=%d\n", errno);
        return 0;
    }
    if (!supported(ring)) {
        printf("unsupported\n");
        return 0;
    }
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
    char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
    struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
        printf("setup-errno=%d\n", errno);
        return 0;
    }
    unsigned *sq_tail = (unsigned *)(sq + p.sq_off.tail);
    unsigned *sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    unsigned *sq_array = (unsigned *)(sq + p.sq_off.array);
    unsigned tail = *sq_tail;
    unsigned idx = tail & *sq_mask;
    struct io_uring_sqe *sqe = &sqes[idx];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = IORING_OP_BIND;
    sqe->fd = sock;
    sqe->addr = (unsigned long)&ss;
    sqe->addr2 = len;
    sq_array[idx] = idx;
    __atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
    if (enter(ring, 1, 1, IORING_ENTER_GETEVENTS) < 0) {
        printf("enter-errno=%d\n", errno);
        return 0;
    }
    unsigned *cq_head = (unsigned *)(cq + p.cq_off.head);
    unsigned *cq_tail = (unsigned *)(cq + p.cq_off.tail);
    unsigned *cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    unsigned head = *cq_head;
    if (head == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE)) {
        printf("no-completion\n");
        return 0;
    }
    int res = cqes[head & *cq_mask].res;
    __atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
    if (res == 0) {
        /* The kernel's own word that the socket is bound, and where. */
        struct sockaddr_storage got;
        socklen_t glen = sizeof got;
        getsockname(sock, (struct sockaddr *)&got, &glen);
        int bound = ntohs(family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
                                            : ((struct sockaddr_in6 *)&got)->sin6_port);
        printf(bound == port ? "ok\n" : "wrong-port=%d\n", bound);
    } else {
        printf("errno=%d\n", -res);
    }
    return 0;
}
