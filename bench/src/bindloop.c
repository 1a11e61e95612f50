/* The measured loop of `make bench`. Compiled with gcc by the bench at run
 * time and run as an unprivileged user, so that the bind() below goes
 * through whatever LD_PRELOAD shim the launcher installed, exactly as in a
 * real program.
 *
 *   bindloop probe PORT
 *       one socket+bind+close on 127.0.0.1:PORT; prints "probe errno=E"
 *       (0 when the bind succeeded). Always exits 0.
 *   bindloop run PORT N MAX_MS MEM_MIB WARMUP BLOCKS [ERRNO]
 *       touches MEM_MIB MiB of heap (malloc + memset, kept until exit),
 *       does WARMUP unmeasured binds, then BLOCKS measured blocks, each of up
 *       to N iterations of socket(AF_INET, SOCK_STREAM) +
 *       bind(127.0.0.1:PORT) + close, a block stopping early once MAX_MS
 *       have elapsed (but after at least 3 iterations). Prints one line
 *       "ok binds=... median_ns=... mean_ns=... min_ns=... max_ns=...
 *       rss_mib=..." per block; "error ..." and exit 1 on the first failure.
 *       ERRNO (default 0): what every bind must end with; a bind that
 *       fails with ERRNO is an iteration measured like any other (a
 *       refused bind's cost), and one that ends otherwise, success
 *       included, is the failure that stops the loop.
 *       BLOCKS 0: print "ready" after the warm-up, then measure one block
 *       per line read on standard input, until end of file (so a big
 *       process, touched once, can be measured between other runs).
 *       PORT 0: each iteration makes a getppid() system call instead of
 *       socket+bind+close (the cost of a call the seccomp filter lets by).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* socket + bind + close; returns 0 or the errno of the failing call.
 * Port 0: one getppid() instead, by system call (no libc caching). */
static int one_bind(int port)
{
	struct sockaddr_in sa;
	int fd, e = 0;

	if (port == 0)
		return syscall(SYS_getppid) < 0 ? errno : 0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return errno;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		e = errno;
	close(fd);
	return e;
}

static long rss_mib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static long arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "bindloop: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long port, n, max_ms, mem_mib, warmup, blocks, expect = 0, b, i;
	long long *t;
	char *mem = NULL;
	int e;

	if (argc == 3 && strcmp(argv[1], "probe") == 0) {
		printf("probe errno=%d\n", one_bind((int)arg(argv[2])));
		return 0;
	}
	if ((argc != 8 && argc != 9) || strcmp(argv[1], "run") != 0) {
		fprintf(stderr, "usage: bindloop probe PORT | "
				"bindloop run PORT N MAX_MS MEM_MIB WARMUP BLOCKS [ERRNO]\n");
		return 2;
	}
	port = arg(argv[2]);
	n = arg(argv[3]);
	max_ms = arg(argv[4]);
	mem_mib = arg(argv[5]);
	warmup = arg(argv[6]);
	blocks = arg(argv[7]);
	if (argc == 9)
		expect = arg(argv[8]);
	if (n < 1)
		n = 1;

	if (mem_mib > 0) {
		size_t bytes = (size_t)mem_mib << 20;

		mem = malloc(bytes);
		if (!mem) {
			printf("error malloc of %ld MiB failed\n", mem_mib);
			return 1;
		}
		memset(mem, 0x5a, bytes);
		/* The memory must really be touched and stay so: keep gcc from
		 * eliding the memset of a buffer nobody reads. */
		__asm__ volatile("" : : "r"(mem) : "memory");
	}

	for (i = 0; i < warmup; i++) {
		e = one_bind((int)port);
		if (e != expect) {
			printf("error warm-up bind of 127.0.0.1:%ld: errno=%d (%s), expected %ld\n",
			       port, e, strerror(e), expect);
			return 1;
		}
	}

	t = malloc((size_t)n * sizeof *t);
	if (!t) {
		printf("error malloc\n");
		return 1;
	}
	if (blocks == 0) {
		printf("ready\n");
		fflush(stdout);
	}
	for (b = 0; blocks == 0 || b < blocks; b++) {
		long long start, total = 0;
		long done = 0;

		if (blocks == 0) {
			char line[64];

			if (!fgets(line, sizeof line, stdin))
				break;
		}
		start = now_ns();

		for (i = 0; i < n; i++) {
			long long t0 = now_ns(), t1;

			e = one_bind((int)port);
			t1 = now_ns();
			if (e != expect) {
				printf("error bind #%ld of 127.0.0.1:%ld: errno=%d (%s), expected %ld\n",
				       b * n + i + 1, port, e, strerror(e), expect);
				return 1;
			}
			t[done++] = t1 - t0;
			total += t1 - t0;
			if (done >= 3 && t1 - start > max_ms * 1000000LL)
				break;
		}
		qsort(t, (size_t)done, sizeof *t, cmp_ll);
		printf("ok binds=%ld median_ns=%lld mean_ns=%lld min_ns=%lld max_ns=%lld rss_mib=%ld\n",
		       done, t[done / 2], total / done, t[0], t[done - 1], rss_mib());
		fflush(stdout);
	}
	__asm__ volatile("" : : "r"(mem) : "memory");
	return 0;
}
