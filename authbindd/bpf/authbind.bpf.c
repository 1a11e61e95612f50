/* Kernel mode's bind4 and bind6 programs (cgroup/sock_addr).
 *
 * For a bind of port 1-1023 they decide, from maps authbindd compiled
 * out of the policy tree, what authbind 2.1's helper would decide for the
 * calling process's real uid, and return 3 on a grant (the bind then
 * skips the CAP_NET_BIND_SERVICE check) or 1 otherwise (the kernel
 * decides as if authbind did not exist). Never 0: kernel mode never
 * refuses what the kernel would allow.
 *
 * The helper's decision, in its order:
 *   1. byport/[!]PORT, 2. the byaddr names of the address (one map entry
 *   per address and port, for all its names), each a "chain": the
 *   permission checks of the path walk faccessat(X_OK) makes as the real
 *   user (every folder searched, then the file itself), all of which must
 *   pass, and how the walk ends: the name is absent (go on), found (grant
 *   if the checks pass) or broken (refuse). A name without an entry of
 *   its own has its folder's chain (`folders`).
 *   3. byuid/[!]UID, read as root: an LPM trie keyed by (uid, address)
 *   whose longest match holds the ports of every line covering the
 *   address (authbindd stores unions so that this is exact).
 *
 * The maps' layouts are defined once, in Rust (authbindd/abi), and come
 * in as authbind_abi.h. Bounded loops only; every exit returns
 * KERNEL_DECIDES or GRANTED.
 */
#include <linux/bpf.h>
#include "helpers.h"
/* The constants and the structs of the maps and records, generated from
 * the crate authbind-bpf-abi (authbindd/abi) by build.rs, with static
 * asserts of every size and offset Rust uses. */
#include "authbind_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chain);
} byport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct addr_key);
	__type(value, struct chain);
} byaddr SEC(".maps");

/* [FOLDER_BYPORT]: a byport name without an entry; [FOLDER_BYADDR]: a
 * byaddr name without one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct chain);
} folders SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct trie4_key);
	__type(value, struct ports);
} byuid4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct trie6_key);
	__type(value, struct ports);
} byuid6 SEC(".maps");

/* Kept across reloads (pinned): the grants for the audit log, the
 * refusal counts, the audit records lost to a full ring. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct refusal_key);
	__type(value, __u64);
} refusals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

#ifdef AUTHBIND_TASK_GROUPS
/* The few kernel structs read, each field relocated (CO-RE: the loader
 * finds its offset in the running kernel's BTF), so that the object does
 * not depend on the kernel it was built on. */
typedef struct {
	__u32 val;
} kgid_t;

struct group_info {
	int ngroups;
	kgid_t gid[];
} __attribute__((preserve_access_index));

struct cred {
	struct group_info *group_info;
} __attribute__((preserve_access_index));

struct task_struct {
	const struct cred *real_cred;
} __attribute__((preserve_access_index));

/* NGROUPS_MAX is 65536: a binary search takes at most 17 probes. */
#define GROUP_SEARCH_STEPS 17

/* Whether the binding process holds `gid` as a supplementary group: the
 * group_info of its real credentials (the one access(2) consults), whose
 * array the kernel keeps sorted (groups_search() bisects it too). A
 * global function: verified once. */
__attribute__((noinline)) int holds_group(__u32 gid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	const struct cred *cred = 0;
	struct group_info *gi = 0;
	int n = 0;

	if (bpf_probe_read_kernel(&cred, sizeof(cred), &task->real_cred) || !cred)
		return 0;
	if (bpf_probe_read_kernel(&gi, sizeof(gi), &cred->group_info) || !gi)
		return 0;
	if (bpf_probe_read_kernel(&n, sizeof(n), &gi->ngroups) || n <= 0)
		return 0;
	__u64 base = (__u64)&gi->gid;
	__u32 lo = 0, hi = (__u32)n;
	for (int i = 0; i < GROUP_SEARCH_STEPS; i++) {
		if (lo >= hi)
			break;
		__u32 mid = lo + (hi - lo) / 2;
		__u32 g = 0;
		if (bpf_probe_read_kernel(&g, sizeof(g), (const void *)(base + (__u64)mid * sizeof(kgid_t))))
			return 0;
		if (g == gid)
			return 1;
		if (g < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
#endif

/* Linux's generic permission check for faccessat(X_OK) as the real user
 * (capabilities are dropped for a non-root real uid; a real root keeps
 * the helper's): the real uid, the real gid and the supplementary groups
 * of the binding process, as access(2) judges them. Without the task's
 * groups (an object built without AUTHBIND_TASK_GROUPS, loaded where the
 * other cannot be), a check that the group decides is granted only when
 * the process passes it whether or not it holds the group. */
static __always_inline int allowed(const struct check *c, __u32 uid, __u32 gid)
{
	__u32 mode = c->mode;
	__u32 flags = c->flags;

	if (flags & CK_NOEXEC)
		return 0;
	if (uid == 0)
		return (flags & CK_DIR) || (mode & 0111);
	if (uid == c->owner)
		return (mode & 0100) != 0;
	if (flags & CK_ACL)
		return 0;
	if (gid == c->group)
		return (mode & 0010) != 0;
	/* Group and others have the same x bit: the groups do not matter. */
	if (((mode >> 3) & 1) == (mode & 1))
		return (mode & 0001) != 0;
#ifdef AUTHBIND_TASK_GROUPS
	if (holds_group(c->group))
		return (mode & 0010) != 0;
	return (mode & 0001) != 0;
#else
	return 0;
#endif
}

/* A global (not inlined) function: the verifier checks it once, with `ch`
 * as memory of sizeof(struct chain), instead of at each of its call sites
 * (a third of the reload time otherwise). */
__attribute__((noinline)) __u32 run(const struct chain *ch, __u32 uid, __u32 gid)
{
	/* A global function's pointer may be NULL as far as it knows. */
	if (!ch)
		return END_REFUSE;
	__u32 n = ch->n;

	for (__u32 i = 0; i < MAX_CHECKS; i++) {
		if (i >= n)
			break;
		if (!allowed(&ch->checks[i], uid, gid))
			return END_REFUSE;
	}
	return ch->end;
}

static __always_inline void count_refusal(__u32 uid, __u32 port)
{
	struct refusal_key k = { .uid = uid, .port = port };
	__u64 *v = bpf_map_lookup_elem(&refusals, &k);

	if (v) {
		*v += 1;
		return;
	}
	__u64 one = 1;
	bpf_map_update_elem(&refusals, &k, &one, BPF_NOEXIST);
}

/* Who binds what. */
struct request {
	__u32 uid;
	__u32 gid;
	struct addr_key ak;
};

static __always_inline int grant(struct bpf_sock_addr *ctx, const struct request *q, __u32 rule, __u32 file)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			*n += 1;
		return GRANTED;
	}
	e->uid = q->uid;
	e->gid = q->gid;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->port = q->ak.port;
	e->family = q->ak.family;
	e->rule = rule;
	e->file = file;
	e->type = ctx->type;
	e->protocol = ctx->protocol;
	__builtin_memcpy(e->addr, q->ak.addr, sizeof(e->addr));
	/* Never wake the daemon: it reads the ring every 100 ms. A wakeup (an
	 * IPI and a task wakeup, inside this bind) costs the binding process
	 * several times the whole decision. The ring holds 100 ms of about
	 * 150,000 grants a second; beyond, records are lost and counted. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return GRANTED;
}

static __always_inline int decide(struct bpf_sock_addr *ctx, __u32 family)
{
	__u32 port = net16((__u16)ctx->user_port);

	if (port == 0 || port >= PORT_LIMIT)
		return KERNEL_DECIDES;

	__u64 ids = bpf_get_current_uid_gid();
	/* Root is left to the kernel. A root with CAP_NET_BIND_SERVICE binds
	 * without us; one without it (a container's --cap-drop, a service's
	 * CapabilityBoundingSet=) had it taken away on purpose, and a grant
	 * would give it back (the helper cannot either: its root lacks the
	 * capability too). */
	if ((__u32)ids == 0)
		return KERNEL_DECIDES;
	struct request q = {};
	q.uid = (__u32)ids;
	q.gid = ids >> 32;
	q.ak.family = family;
	q.ak.port = port;
	__u32 uid = q.uid, gid = q.gid;
	if (family == FAMILY_V4) {
		__u32 a = ctx->user_ip4;
		__builtin_memcpy(q.ak.addr, &a, 4);
	} else {
		/* Context fields need constant offsets: no loop. */
		__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1], w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];
		__builtin_memcpy(&q.ak.addr[0], &w0, 4);
		__builtin_memcpy(&q.ak.addr[4], &w1, 4);
		__builtin_memcpy(&q.ak.addr[8], &w2, 4);
		__builtin_memcpy(&q.ak.addr[12], &w3, 4);
	}

	__u32 folder = FOLDER_BYPORT;
	const struct chain *ch = bpf_map_lookup_elem(&byport, &port);
	if (!ch)
		ch = bpf_map_lookup_elem(&folders, &folder);
	if (!ch)
		goto refused;
	__u32 r = run(ch, uid, gid);
	if (r == END_GRANT)
		return grant(ctx, &q, RULE_BYPORT, ch->file);
	if (r != END_CONTINUE)
		goto refused;

	folder = FOLDER_BYADDR;
	ch = bpf_map_lookup_elem(&byaddr, &q.ak);
	if (!ch)
		ch = bpf_map_lookup_elem(&folders, &folder);
	if (!ch)
		goto refused;
	r = run(ch, uid, gid);
	if (r == END_GRANT)
		return grant(ctx, &q, RULE_BYADDR, ch->file);
	if (r != END_CONTINUE)
		goto refused;

	const struct ports *p;
	if (family == FAMILY_V4) {
		struct trie4_key k = { .prefixlen = UID_PREFIX_BITS + 32 };
		__builtin_memcpy(&k.data[0], &uid, 4);
		__builtin_memcpy(&k.data[4], q.ak.addr, 4);
		p = bpf_map_lookup_elem(&byuid4, &k);
	} else {
		struct trie6_key k = { .prefixlen = UID_PREFIX_BITS + 128 };
		__builtin_memcpy(&k.data[0], &uid, 4);
		__builtin_memcpy(&k.data[4], q.ak.addr, 16);
		p = bpf_map_lookup_elem(&byuid6, &k);
	}
	/* The mask restates port < 1024 for the verifier, which may have seen
	 * the port spilled to the stack and reloaded without its bounds. */
	if (p && ((p->bits[(port >> 6) & (PORT_LIMIT / 64 - 1)] >> (port & 63)) & 1))
		return grant(ctx, &q, RULE_BYUID, FILE_BYUID);

refused:
	count_refusal(uid, port);
	return KERNEL_DECIDES;
}

SEC("cgroup/bind4")
int authbind_bind4(struct bpf_sock_addr *ctx)
{
	return decide(ctx, FAMILY_V4);
}

SEC("cgroup/bind6")
int authbind_bind6(struct bpf_sock_addr *ctx)
{
	return decide(ctx, FAMILY_V6);
}
