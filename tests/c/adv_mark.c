/* libadvmark.so: a library an adversary points LD_PRELOAD, LD_AUDIT or
 * LD_LIBRARY_PATH at. When loaded, its constructor writes a marker file
 * `mark.EUID.PID` (holding "ruid euid exe") into the folder named by
 * ADV_MARK_DIR, or /tmp/adv-marks. It is also a valid audit module
 * (la_version), so that LD_AUDIT loads it too.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void adv_mark(void) {
    const char *dir = getenv("ADV_MARK_DIR");
    char path[512], exe[256], line[400];
    if (!dir || !*dir) dir = "/tmp/adv-marks";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    snprintf(path, sizeof path, "%s/mark.%u.%d", dir, (unsigned)geteuid(), (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    int len = snprintf(line, sizeof line, "%u %u %s\n", (unsigned)getuid(), (unsigned)geteuid(), exe);
    if (write(fd, line, (size_t)len) < 0) {}
    close(fd);
}

unsigned int la_version(unsigned int version) {
    return version;
}
