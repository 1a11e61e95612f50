/* adv_native HELPER CASE
 *
 * Abuses the helper's native protocol (`HELPER --native`, fd 0 a
 * SOCK_SEQPACKET socket carrying one 36-byte request with the socket to bind
 * attached). The request asks for 127.0.0.1:80 over TCP unless the case says
 * otherwise. Prints one line:
 *
 *   CASE: exit=N|signal=N|timeout ms=N reply=none|OUTCOME/ERRNO/LEN fds=N bound=PORT|na
 *
 *   reply  what came back on the channel: the outcome (bound, refused,
 *          bindfailed, badrequest, configerror, or the byte's value), the
 *          errno, the message length (none: nothing came back)
 *   fds    descriptors attached to the reply (closed at once)
 *   bound  the local port of the socket we sent, afterwards (0: unbound)
 *
 * Cases:
 *   valid        a well-formed request (control)
 *   fullreply    a valid request, but the queue the reply goes to was
 *                filled beforehand and nobody reads it
 *   hangup       a valid request, then our end is closed: the reply fails
 *   netlink      fd 0 is a netlink socket
 *   tcpconn      fd 0 is a connected TCP socket (to a listener of ours)
 *   notsock      fd 0 is /dev/null
 *   stream       fd 0 is a SOCK_STREAM socketpair end carrying a valid request
 *   tcpfd0       fd 0 is an (unconnected) TCP socket
 *   garbage      36 bytes of junk, a socket attached
 *   badmagic     a valid request with a wrong magic
 *   badversion   a valid request with version 3
 *   badfamily    family 5
 *   v4junk       an IPv4 request with bytes set past the first 4 address bytes
 *   truncated    the first 20 bytes of a valid request
 *   long         a valid request followed by 164 more bytes (200 in all)
 *   empty        a zero-length message, a socket attached
 *   eof          no message at all: our end is closed at once
 *   nofd         a valid request, nothing attached
 *   twofds       a valid request, two sockets attached
 *   unixfd       a valid request with a Unix socket attached
 *   filefd       a valid request with a regular file attached
 *   channelfd    a valid request with the helper's own end of the pair attached
 *   tcp6fd       an IPv4 request with an IPv6 socket attached
 *   udpfd        a TCP request with a UDP socket attached
 *   extraargs    `HELPER --native junk`
 *   twomsgs      two valid requests queued (only one may be acted on)
 *   silent       a channel the peer keeps open but never writes to
 *
 * The helper gets adv_native's own environment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REQ_LEN 36

extern char **environ;

static void die(const char *what) {
    printf("adv_native-error=%s errno=%d\n", what, errno);
    exit(2);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put16(unsigned char *m, int at, unsigned v) {
    m[at] = v & 0xff;
    m[at + 1] = (v >> 8) & 0xff;
}

/* wire::Request::encode (protocol version 2) for 127.0.0.1:port, IPv4, socktype. */
static void request(unsigned char m[REQ_LEN], int port, int socktype) {
    memset(m, 0, REQ_LEN);
    memcpy(m, "ABrq", 4);
    put16(m, 4, 2);
    put16(m, 6, 4);
    put16(m, 8, (unsigned)port);
    put16(m, 10, (unsigned)socktype);
    m[20] = 127;
    m[23] = 1;
}

static int send_msg(int channel, const void *bytes, size_t len, const int *fds, int nfds) {
    struct iovec iov = {(void *)bytes, len};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    memset(&u, 0, sizeof u);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
        msg.msg_control = u.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    return sendmsg(channel, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int bound_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len)) return -errno;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    if (ss.ss_family == AF_UNIX) return len > sizeof(sa_family_t) ? 1 : 0;
    return -EAFNOSUPPORT;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: adv_native HELPER CASE\n");
        return 2;
    }
    const char *helper = argv[1], *c = argv[2];
    signal(SIGPIPE, SIG_IGN);

    int pair[2];
    int type = !strcmp(c, "stream") ? SOCK_STREAM : SOCK_SEQPACKET;
    if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, pair)) die("socketpair");
    int ours = pair[0], theirs = pair[1];

    int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (tcp < 0) die("socket");
    int target = tcp; /* the socket whose binding we check afterwards */
    unsigned char m[200];
    request(m, 80, SOCK_STREAM);
    int fds[2] = {tcp, -1};
    int r = 0, fd0 = theirs;
    const char *extra = NULL;
    int peer_lst = -1; /* tcpconn: our listener, to see what the helper sent */

    if (!strcmp(c, "valid") || !strcmp(c, "stream")) {
        r = send_msg(ours, m, REQ_LEN, fds, 1);
    } else if (!strcmp(c, "fullreply")) {
        /* Small messages from the helper's end fill our receive queue. */
        int fl = fcntl(theirs, F_GETFL);
        fcntl(theirs, F_SETFL, fl | O_NONBLOCK);
        while (send(theirs, "x", 1, MSG_NOSIGNAL) == 1) {}
        fcntl(theirs, F_SETFL, fl);
        r = send_msg(ours, m, REQ_LEN, fds, 1);
    } else if (!strcmp(c, "hangup")) {
        r = send_msg(ours, m, REQ_LEN, fds, 1);
        close(ours);
        ours = -1;
    } else if (!strcmp(c, "netlink")) {
        fd0 = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */);
    } else if (!strcmp(c, "tcpconn")) {
        int lst = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (lst < 0 || bind(lst, (struct sockaddr *)&a, sizeof a) || listen(lst, 1) ||
            getsockname(lst, (struct sockaddr *)&a, &alen))
            die("listen");
        peer_lst = lst;
        fd0 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd0 < 0 || connect(fd0, (struct sockaddr *)&a, sizeof a)) die("connect");
        /* What a request would look like, waiting on the stream. */
        if (write(fd0, m, REQ_LEN) != REQ_LEN) die("write");
    } else if (!strcmp(c, "notsock")) {
        fd0 = open("/dev/null", O_RDWR | O_CLOEXEC);
    } else if (!strcmp(c, "tcpfd0")) {
        fd0 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    } else if (!strcmp(c, "garbage")) {
        srand(12345);
        for (int i = 0; i < REQ_LEN; i++) m[i] = (unsigned char)rand();
        r = send_msg(ours, m, REQ_LEN, fds, 1);
    } else if (!strcmp(c, "badmagic")) {
        m[0] = 'X';
        r = send_msg(ours, m, REQ_LEN, fds, 1);
    } else if (!strcmp(c, "badversion")) {
        put16(m, 4, 3);
        r = send_msg(ours, m, REQ_LEN, fds, 1);
    } else if (!strcmp(c, "badfamily")) {
        put16(m, 6, 5);
        r = send_msg(ours, m, REQ_LEN, fds, 1);
    } else if (!strcmp(c, "v4junk")) {
        m[30] = 1;
        r = send_msg(ours, m, REQ_LEN, fds, 1);
    } else if (!strcmp(c, "truncated")) {
        r = send_msg(ours, m, 20, fds, 1);
    } else if (!strcmp(c, "long")) {
        memset(m + REQ_LEN, 'A', sizeof m - REQ_LEN);
        r = send_msg(ours, m, sizeof m, fds, 1);
    } else if (!strcmp(c, "empty")) {
        r = send_msg(ours, m, 0, fds, 1);
    } else if (!strcmp(c, "eof")) {
        close(ours);
        ours = -1;
    } else if (!strcmp(c, "nofd")) {
        r = send_msg(ours, m, REQ_LEN, NULL, 0);
    } else if (!strcmp(c, "twofds")) {
        fds[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        r = send_msg(ours, m, REQ_LEN, fds, 2);
    } else if (!strcmp(c, "unixfd")) {
        target = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        r = send_msg(ours, m, REQ_LEN, &target, 1);
    } else if (!strcmp(c, "filefd")) {
        int f = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        target = -1;
        r = send_msg(ours, m, REQ_LEN, &f, 1);
    } else if (!strcmp(c, "channelfd")) {
        target = -1;
        r = send_msg(ours, m, REQ_LEN, &theirs, 1);
    } else if (!strcmp(c, "tcp6fd")) {
        target = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        r = send_msg(ours, m, REQ_LEN, &target, 1);
    } else if (!strcmp(c, "udpfd")) {
        target = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        r = send_msg(ours, m, REQ_LEN, &target, 1);
    } else if (!strcmp(c, "extraargs")) {
        extra = "junk";
        r = send_msg(ours, m, REQ_LEN, fds, 1);
    } else if (!strcmp(c, "twomsgs")) {
        int tcp2 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        unsigned char m2[REQ_LEN];
        request(m2, 80, SOCK_STREAM);
        r = send_msg(ours, m, REQ_LEN, fds, 1);
        if (!r) r = send_msg(ours, m2, REQ_LEN, &tcp2, 1);
        fds[1] = tcp2;
    } else if (!strcmp(c, "silent")) {
        /* nothing: our end stays open */
    } else {
        fprintf(stderr, "adv_native: unknown case %s\n", c);
        return 2;
    }
    if (r) die("sendmsg");
    if (fd0 < 0) die("fd0");

    long long start = now_ms();
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        if (fd0 != 0 && dup2(fd0, 0) < 0) _exit(126);
        if (fd0 == 0) fcntl(0, F_SETFD, 0);
        char *args[] = {(char *)helper, "--native", (char *)extra, NULL};
        execve(helper, args, environ); /* ours, for the environment tests */
        _exit(127);
    }
    /* The helper's end is the helper's alone (as the shim does it), except
     * in `silent`, where we keep it to make sure no EOF can come. */
    if (strcmp(c, "silent")) close(theirs);

    int status = 0, timed_out = 0;
    long long deadline = start + 20000;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) die("waitpid");
        if (now_ms() >= deadline) {
            timed_out = 1;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(2000);
    }
    long long ms = now_ms() - start;

    char reply[64] = "none";
    int got_fds = 0;
    if (ours >= 0) {
        unsigned char buf[128];
        union {
            char b[CMSG_SPACE(sizeof(int) * 8)];
            struct cmsghdr align;
        } u;
        struct iovec iov = {buf, sizeof buf};
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = u.b;
        msg.msg_controllen = sizeof u.b;
        ssize_t n = recvmsg(ours, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == ECONNRESET) /* unread data was left behind: the reply may follow */
            n = recvmsg(ours, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && errno != EAGAIN) {
            snprintf(reply, sizeof reply, "error%d", errno);
        } else if (n == 0 && !(msg.msg_flags & MSG_CTRUNC) && !msg.msg_controllen) {
            snprintf(reply, sizeof reply, "eof");
        } else if (n >= 0) {
            for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
                if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
                    int k = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                    for (int i = 0; i < k; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
                        close(fd);
                        got_fds++;
                    }
                }
            }
            if (n >= 14 && !memcmp(buf, "ABrp", 4)) {
                /* wire::encode_reply: outcome at 6, errno at 10 */
                static const char *const outcomes[] = {"0", "bound", "refused", "bindfailed", "badrequest",
                                                       "configerror"};
                int32_t e;
                memcpy(&e, buf + 10, 4);
                if (buf[6] < 6)
                    snprintf(reply, sizeof reply, "%s/%d/%zd", outcomes[buf[6]], e, n);
                else
                    snprintf(reply, sizeof reply, "%d/%d/%zd", buf[6], e, n);
            } else {
                snprintf(reply, sizeof reply, "junk/%zd", n);
            }
        }
    }

    printf("%s: ", c);
    if (timed_out)
        printf("timeout");
    else if (WIFSIGNALED(status))
        printf("signal=%d", WTERMSIG(status));
    else
        printf("exit=%d", WEXITSTATUS(status));
    printf(" ms=%lld reply=%s fds=%d", ms, reply, got_fds);
    if (target >= 0)
        printf(" bound=%d", bound_port(target));
    else
        printf(" bound=na");
    if (peer_lst >= 0) {
        /* What reached the other end of fd 0 beyond our own request: the
         * helper must not answer on a socket that is not its channel. */
        int peer = accept(peer_lst, NULL, NULL);
        char junk[256];
        ssize_t got = peer < 0 ? -1 : recv(peer, junk, sizeof junk, MSG_DONTWAIT);
        printf(" helper_sent=%zd", got < 0 ? (ssize_t)-1 : got - REQ_LEN);
    }
    if (fds[1] >= 0) printf(" bound2=%d", bound_port(fds[1]));
    printf("\n");
    return 0;
}
