/* The few BPF helper and map declarations the program needs, as libbpf's
 * bpf_helpers.h declares them (helper numbers are kernel ABI, fixed in
 * linux/bpf.h's __BPF_FUNC_MAPPER), so that building needs only clang and
 * the kernel headers, not libbpf-dev. */
#ifndef AUTHBIND_HELPERS_H
#define AUTHBIND_HELPERS_H

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static __u64 (*bpf_ktime_get_coarse_ns)(void) = (void *)160;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static __u64 (*bpf_get_current_uid_gid)(void) = (void *)15;
static __u64 (*bpf_get_current_task)(void) = (void *)35;
static void *(*bpf_ringbuf_reserve)(void *ringbuf, __u64 size, __u64 flags) = (void *)131;
static void (*bpf_ringbuf_submit)(void *data, __u64 flags) = (void *)132;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)113;
static __u64 (*bpf_get_netns_cookie)(void *ctx) = (void *)122;
static int (*bpf_set_retval)(int retval) = (void *)187;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define net16(x) __builtin_bswap16(x)
#define net32(x) __builtin_bswap32(x)
#else
#define net16(x) (x)
#define net32(x) (x)
#endif

#endif
