/* envprobe PORT [PROGRAM ARGS...]
 *
 * What a program started under a preload library sees: binds a TCP socket
 * to 127.0.0.1:PORT with libc's bind() and prints one line,
 *   bind=ok|errno=N preload=LD_PRELOAD levels=AUTHBIND_LEVELS lib=AUTHBIND_LIB
 *   marker=yes|no maps=PATH,...
 * (a variable that is not set shows as "-"; marker says whether
 * libmarker.so, the stand-in for a library the user preloads, is loaded;
 * maps names the files mapped into the process whose name has "authbind"
 * in it, i.e. which authbind library the loader really loaded, or "-"),
 * then execs PROGRAM ARGS (the next level) if given. The environment is
 * read with getenv() after every constructor ran, as the program sees it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *var(const char *name) {
    const char *v = getenv(name);
    return v ? v : "-";
}

/* Mapped files with "authbind" in their name, comma-separated, each once. */
static void authbind_maps(char *out, size_t size) {
    snprintf(out, size, "-");
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f) return;
    char line[4096];
    size_t used = 0;
    while (fgets(line, sizeof line, f)) {
        char *path = strchr(line, '/');
        if (!path) continue;
        path[strcspn(path, "\n")] = 0;
        const char *base = strrchr(path, '/') + 1;
        if (!strstr(base, "authbind")) continue;
        if (used && strstr(out, path)) continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? "," : "", path);
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
    }
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: envprobe PORT [PROGRAM ARGS...]\n");
        return 2;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(argv[1]));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        printf("socket-errno=%d\n", errno);
        return 2;
    }
    char result[32];
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0)
        snprintf(result, sizeof result, "ok");
    else
        snprintf(result, sizeof result, "errno=%d", errno);
    close(fd);
    char maps[2048];
    authbind_maps(maps, sizeof maps);
    printf("bind=%s preload=%s levels=%s lib=%s marker=%s maps=%s\n", result, var("LD_PRELOAD"),
           var("AUTHBIND_LEVELS"), var("AUTHBIND_LIB"), dlsym(RTLD_DEFAULT, "authbind_e2e_marker") ? "yes" : "no", maps);
    fflush(stdout);
    if (argc > 2) {
        execvp(argv[2], argv + 2);
        printf("exec-errno=%d\n", errno);
        return 2;
    }
    return 0;
}
