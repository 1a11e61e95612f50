/* trivial_prog CGROUP RET COMMAND...: attaches to CGROUP a cgroup/bind4
 * program that does nothing but return RET (1: the kernel decides; 3: the
 * bind skips the CAP_NET_BIND_SERVICE check), then runs COMMAND.
 *
 * The bench's floor for kernel mode: whatever a bind4 program does, the
 * kernel's hook costs this much (a program that returns 1), and a kernel
 * mode that granted every bind without deciding would cost this much (3).
 *
 * The program is attached through a BPF link whose fd COMMAND inherits:
 * the link, and so the attachment, ends when the last process holding it
 * exits, never outliving the measured loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: trivial_prog CGROUP RET COMMAND...\n");
		return 2;
	}
	int ret = atoi(argv[2]);
	struct bpf_insn insns[] = {
		/* r0 = RET */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096] = "";
	union bpf_attr load;
	memset(&load, 0, sizeof(load));
	load.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	load.expected_attach_type = BPF_CGROUP_INET4_BIND;
	load.insns = (__u64)(unsigned long)insns;
	load.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	load.license = (__u64)(unsigned long)"GPL";
	load.log_buf = (__u64)(unsigned long)log;
	load.log_size = sizeof(log);
	load.log_level = 1;
	int prog = bpf(BPF_PROG_LOAD, &load);
	if (prog < 0) {
		fprintf(stderr, "trivial_prog: BPF_PROG_LOAD: %s\n%s\n", strerror(errno), log);
		return 1;
	}
	int cg = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		fprintf(stderr, "trivial_prog: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	union bpf_attr link;
	memset(&link, 0, sizeof(link));
	link.link_create.prog_fd = prog;
	link.link_create.target_fd = cg;
	link.link_create.attach_type = BPF_CGROUP_INET4_BIND;
	int fd = bpf(BPF_LINK_CREATE, &link);
	if (fd < 0) {
		fprintf(stderr, "trivial_prog: BPF_LINK_CREATE: %s\n", strerror(errno));
		return 1;
	}
	/* bpf() makes it close-on-exec: COMMAND must keep the link alive. */
	if (fcntl(fd, F_SETFD, 0) < 0) {
		fprintf(stderr, "trivial_prog: F_SETFD: %s\n", strerror(errno));
		return 1;
	}
	close(prog);
	close(cg);
	execvp(argv[3], &argv[3]);
	fprintf(stderr, "trivial_prog: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
