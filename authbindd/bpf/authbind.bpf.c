/* Kernel mode's bind4 and bind6 programs (cgroup/sock_addr).
 *
 * For a bind of port 1-1023 they decide, from maps authbindd compiled
 * out of the policy tree, what authbind 2.1's helper would decide for the
 * calling process's real uid, and return 3 on a grant (the bind then
 * skips the CAP_NET_BIND_SERVICE check) or 1 otherwise (the kernel
 * decides as if authbind did not exist).
 *
 * Reservations come first, for any port 1-65535, for a non-root real uid
 * binding in the network namespace the daemon serves: the reservations
 * covering the bind (reserve/PORT, reserve/ADDR,PORT of the bind's
 * address, IPv4-mapped as IPv4, every address reservation of the port
 * for a wildcard bind), each a chain as below, all of which must let the
 * process through. One that does not: the bind is refused with EACCES
 * (return 0, the only refusal kernel mode makes). All do: a port below
 * 1024 is granted, another left to the kernel. None: as below.
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

/* Each port with a reservation: what it has reserved. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct reserve_port);
} reserve_ports SEC(".maps");

/* The chain of each reservation, keyed by its port and address (family
 * RESERVE_WHOLE_PORT and no address for reserve/PORT). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct addr_key);
	__type(value, struct chain);
} reserved SEC(".maps");

/* Set by the loader: the cookie of the network namespace the daemon
 * serves (reservations hold there alone; 0: nowhere), and whether this
 * kernel lets the programs choose the error (bpf_set_retval, 5.18):
 * EACCES, else the kernel's EPERM. Read-only: the verifier knows them,
 * and never sees the helper call on a kernel without it. */
const volatile __u64 served_netns = 0;
const volatile __u32 can_set_retval = 0;
/* Set by the loader: bit P of word P / 64 for each port P with a
 * reservation. Reading a read-only global is a plain load, where a map
 * lookup is a call and a hash: a bind of an unreserved port from 1024 on
 * costs no more than that load. */
const volatile __u64 reserved_bits[RESERVED_BITS_WORDS] = {};

/* Set by the loader from the audit crate, the helper's limits, indexed
 * by outcome (EV_*): the audit records a user may put into the ring per
 * window (audit::GRANTS_PER_WINDOW, REFUSALS_PER_WINDOW) and the windows'
 * length in ns (GRANT_WINDOW_SECONDS, WINDOW_SECONDS). */
const volatile __u64 audit_per_window[AUDIT_KINDS] = {};
const volatile __u64 audit_window_ns[AUDIT_KINDS] = {};

/* Kept across reloads (pinned): the grants and reservation refusals for
 * the audit log, the refusal counts, the audit records lost to a full
 * ring, and each user's audit budget. The budget comes before the ring:
 * a user binding in a loop puts at most audit::GRANTS_PER_WINDOW records
 * into it per GRANT_WINDOW_SECONDS (50 per 10 s), and the ring holds
 * about 12,000 (84 bytes each with their header), so no user's flood
 * fills it, and another user's record always finds room (8 MiB, before
 * the budget, still lost records of everyone to a long enough flood).
 * Only some 240 users each spending a whole budget within one 100 ms
 * read of the daemon's could fill it (it reads up to 1,000 a turn and
 * reads again at once while records wait); what still is lost is
 * counted (`lost`). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

/* Each user's audit budget, per kind (struct audit_budget). Not per CPU:
 * one budget, whichever CPU the user binds on. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AUDIT_USERS);
	__type(key, struct audit_key);
	__type(value, struct audit_budget);
} audit_budget SEC(".maps");

/* Written by the daemon alone (the programs never read it): how much of
 * each budget's `suppressed` it has said. Here so that it is made and
 * pinned with the maps it describes, and lives as long as they do. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AUDIT_USERS);
	__type(key, struct audit_key);
	__type(value, struct audit_said);
} audit_said SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct refusal_key);
	__type(value, __u64);
} refusals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct reserve_refusal_key);
	__type(value, __u64);
} reserve_refusals SEC(".maps");

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

/* Whether the user `uid` may put one more record of kind `outcome` into
 * the ring: at most audit_per_window[outcome] per window; one left out is
 * counted in its budget (the daemon says how many when the window ends).
 * Windows are aligned (index = now / length), so a reset racing with
 * another CPU's count at a window's start lets a record or two more in,
 * no fewer, and no count is lost: `suppressed` is only ever added to,
 * atomically. */
static __always_inline int within_budget(__u32 uid, __u32 outcome)
{
	__u32 kind = outcome & (AUDIT_KINDS - 1);
	struct audit_key k = { .uid = uid, .outcome = kind };
	/* The coarse clock (CLOCK_MONOTONIC_COARSE, a tick behind at most): a
	 * load, where the precise one reads the clock source, on every grant. */
	__u64 now = bpf_ktime_get_coarse_ns();
	__u64 window = now / audit_window_ns[kind];
	struct audit_budget *b = bpf_map_lookup_elem(&audit_budget, &k);

	if (!b) {
		struct audit_budget fresh = { .born = now, .window = window, .admitted = 1 };
		if (!bpf_map_update_elem(&audit_budget, &k, &fresh, BPF_NOEXIST))
			return 1;
		/* Another CPU made it meanwhile. */
		b = bpf_map_lookup_elem(&audit_budget, &k);
		if (!b)
			return 1;
	}
	if (b->window != window) {
		b->window = window;
		b->admitted = 0;
	}
	if (b->admitted < audit_per_window[kind]) {
		__sync_fetch_and_add(&b->admitted, 1);
		return 1;
	}
	__sync_fetch_and_add(&b->suppressed, 1);
	if (b->last != window)
		b->last = window;
	return 0;
}

/* Starts an audit record of the bind `q` by `rule` and `file` (outcome
 * `outcome`, no reservation named); NULL when the user's budget is spent
 * or the ring is full (each counted). The caller completes it and
 * submits it with submit(). */
static __always_inline struct event *record(struct bpf_sock_addr *ctx, const struct request *q, __u32 rule, __u32 file,
					    __u32 outcome)
{
	if (!within_budget(q->uid, outcome))
		return 0;
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			*n += 1;
		return 0;
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
	e->outcome = outcome;
	e->rfamily = 0;
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	return e;
}

/* Never wakes the daemon: it reads the ring every 100 ms. A wakeup (an
 * IPI and a task wakeup, inside this bind) costs the binding process
 * several times the whole decision. */
static __always_inline void submit(struct event *e)
{
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline int grant(struct bpf_sock_addr *ctx, const struct request *q, __u32 rule, __u32 file)
{
	struct event *e = record(ctx, q, rule, file, EV_GRANTED);

	if (e)
		submit(e);
	return GRANTED;
}

/* Records the bind `q` decided by reservation `by` (`outcome` EV_*). */
static __always_inline void by_reservation(struct bpf_sock_addr *ctx, const struct request *q, __u32 outcome,
					   const struct addr_key *by)
{
	__u32 file = by->family == RESERVE_WHOLE_PORT ? FILE_RESERVEPORT : FILE_RESERVEADDR;
	struct event *e = record(ctx, q, RULE_RESERVE, file, outcome);

	if (!e)
		return;
	e->rfamily = by->family;
	__builtin_memcpy(e->raddr, by->addr, sizeof(e->raddr));
	submit(e);
}

/* How the reservations covering a bind judge it. */
#define RES_NONE 0
#define RES_OWNER 1
#define RES_REFUSED 2

/* Whether reservation `k` lets the process through: every check of its
 * chain passes (run() ends END_GRANT). No chain: refused. */
static __always_inline int lets_through(const struct addr_key *k, __u32 uid, __u32 gid)
{
	const struct chain *ch = bpf_map_lookup_elem(&reserved, k);

	return ch && run(ch, uid, gid) == END_GRANT;
}

/* The reservations of `rp` covering the bind `q`, in the helper's order:
 * the port's own, then the bind's address's (IPv4-mapped as IPv4), or
 * for a wildcard bind every address reservation of the port (a port
 * with more than the programs list refuses wildcard binds). RES_REFUSED
 * with `by` the first that does not let the process through; RES_OWNER
 * with `by` the first covering one when all do; RES_NONE. A global
 * function: verified once. */
__attribute__((noinline)) int judge_reserved(const struct reserve_port *rp, const struct request *q,
					     struct addr_key *by)
{
	if (!rp || !q || !by)
		return RES_NONE;
	__u32 uid = q->uid, gid = q->gid;
	int found = 0;
	struct addr_key k = {};
	k.port = q->ak.port;

	if (rp->flags & RP_PORT) {
		k.family = RESERVE_WHOLE_PORT;
		*by = k;
		if (!lets_through(&k, uid, gid))
			return RES_REFUSED;
		found = 1;
	}

	const __u8 *a = q->ak.addr;
	__u32 w0 = 0, w1 = 0, w2 = 0, w3 = 0;
	__builtin_memcpy(&w0, &a[0], 4);
	__builtin_memcpy(&w1, &a[4], 4);
	__builtin_memcpy(&w2, &a[8], 4);
	__builtin_memcpy(&w3, &a[12], 4);
	/* A wildcard: 0.0.0.0 (an IPv4 address has zeros after its four
	 * bytes), ::, and ::ffff:0.0.0.0, which takes every IPv4 address of
	 * the port as 0.0.0.0 does (model::Reservation::covers). */
	if ((w0 | w1 | w3) == 0 && (w2 == 0 || (q->ak.family == FAMILY_V6 && w2 == net32(0xffff)))) {
		__u32 n = rp->n;
		if (n && (rp->flags & RP_OVERFLOW)) {
			k.family = rp->addrs[0].family;
			__builtin_memcpy(k.addr, rp->addrs[0].addr, sizeof(k.addr));
			*by = k;
			return RES_REFUSED;
		}
		for (__u32 i = 0; i < MAX_RESERVE_ADDRS; i++) {
			if (i >= n)
				break;
			k.family = rp->addrs[i].family;
			__builtin_memcpy(k.addr, rp->addrs[i].addr, sizeof(k.addr));
			if (!lets_through(&k, uid, gid)) {
				*by = k;
				return RES_REFUSED;
			}
			if (!found) {
				*by = k;
				found = 1;
			}
		}
		return found ? RES_OWNER : RES_NONE;
	}

	k.family = q->ak.family;
	__builtin_memcpy(k.addr, a, sizeof(k.addr));
	/* ::ffff:a.b.c.d binds a.b.c.d (w2 is 00 00 ff ff in memory). */
	if (q->ak.family == FAMILY_V6 && w0 == 0 && w1 == 0 && w2 == net32(0xffff)) {
		k.family = FAMILY_V4;
		__builtin_memset(k.addr, 0, sizeof(k.addr));
		__builtin_memcpy(k.addr, &w3, 4);
	}
	const struct chain *ch = bpf_map_lookup_elem(&reserved, &k);
	if (ch) {
		if (run(ch, uid, gid) != END_GRANT) {
			*by = k;
			return RES_REFUSED;
		}
		if (!found) {
			*by = k;
			found = 1;
		}
	}
	return found ? RES_OWNER : RES_NONE;
}

/* A refusal by reservation `by`: counted, reported, and the bind fails
 * with EACCES (EPERM where the error cannot be chosen). */
static __always_inline int refuse(struct bpf_sock_addr *ctx, const struct request *q, const struct addr_key *by)
{
	struct reserve_refusal_key rk = { .uid = q->uid, .reservation = *by };
	__u64 *v = bpf_map_lookup_elem(&reserve_refusals, &rk);

	if (v) {
		*v += 1;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&reserve_refusals, &rk, &one, BPF_NOEXIST);
	}
	by_reservation(ctx, q, EV_REFUSED, by);
	if (can_set_retval)
		bpf_set_retval(-(int)RESERVED_ERRNO);
	return 0;
}

static __always_inline int decide(struct bpf_sock_addr *ctx, __u32 family)
{
	__u32 port = net16((__u16)ctx->user_port);

	if (port == 0)
		return KERNEL_DECIDES;
	/* All a bind of an unreserved port from 1024 on costs: one load. */
	int reserved = (reserved_bits[(port >> 6) & (RESERVED_BITS_WORDS - 1)] >> (port & 63)) & 1;
	if (!reserved && port >= PORT_LIMIT)
		return KERNEL_DECIDES;
	const struct reserve_port *rp = reserved ? bpf_map_lookup_elem(&reserve_ports, &port) : 0;

	__u64 ids = bpf_get_current_uid_gid();
	/* Root is left to the kernel, and no reservation refuses it. A root
	 * with CAP_NET_BIND_SERVICE binds without us; one without it (a
	 * container's --cap-drop, a service's CapabilityBoundingSet=) had it
	 * taken away on purpose, and a grant would give it back (the helper
	 * cannot either: its root lacks the capability too). */
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

	/* Reservations hold in the daemon's network namespace alone. */
	if (rp && served_netns && bpf_get_netns_cookie(ctx) == served_netns) {
		struct addr_key by = {};
		int r = judge_reserved(rp, &q, &by);
		if (r == RES_REFUSED)
			return refuse(ctx, &q, &by);
		if (r == RES_OWNER) {
			if (port >= PORT_LIMIT)
				return KERNEL_DECIDES;
			by_reservation(ctx, &q, EV_GRANTED, &by);
			return GRANTED;
		}
	}
	if (port >= PORT_LIMIT)
		return KERNEL_DECIDES;

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
