/* SPDX-License-Identifier: GPL-2.0 */
/* The running kernel's BTF: vmlinux's and each module's, each read once on first
 * use from kernel__path("/sys/kernel/btf/NAME") (so tests stand fixtures in for
 * the kernel), with its functions indexed by name and its kfuncs marked.
 *
 *   kb = kbtf__new()
 *   o = kbtf__get(kb, "vmlinux" or MOD, why, len)  NULL when there is none: WHY says
 *   n = kbtf__funcs(o, name, ids, max)             FUNC ids named NAME in O's own types
 *   kbtf__is_kfunc(o, id), kbtf__kfunc_tags(kb)    the bpf_kfunc declaration tags
 *   kbtf__decl(o, type, name, buf, len)            "ssize_t vfs_read(struct file *file, ...)"
 *   kbtf__free(kb)
 *
 * A module's BTF is split BTF on top of vmlinux's: its type ids go on where
 * vmlinux's end, and kbtf__funcs() looks only at the module's own part, since a
 * module's static function is not vmlinux's function of the same name. */
#ifndef KSYMTRACE_KBTF_H
#define KSYMTRACE_KBTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf;
struct kbtf;
struct kbtf_obj;

/* Room for a one-line reason from kbtf__get(). */
#define KBTF_WHY_LEN 256

struct kbtf *kbtf__new(void);
void kbtf__free(struct kbtf *kb);

/* The BTF of MOD ("vmlinux" is the core kernel). NULL when there is none: no
 * file, a file libbpf cannot parse, a module without vmlinux's BTF under it, or
 * out of memory; WHY then holds the cause in one line. */
const struct kbtf_obj *kbtf__get(struct kbtf *kb, const char *mod, char *why, size_t len);

/* How many FUNCs named NAME O's own types hold; the first MAX ids go to IDS. */
size_t kbtf__funcs(const struct kbtf_obj *o, const char *name, uint32_t *ids, size_t max);

/* Whether FUNC ID carries the bpf_kfunc declaration tag: a function the kernel
 * offers to BPF programs (__bpf_kfunc, Linux 6.3; the tag in BTF since pahole
 * 1.27 and Linux 6.11's "kbuild: bpf: Tell pahole to DECL_TAG kfuncs"). */
bool kbtf__is_kfunc(const struct kbtf_obj *o, uint32_t id);

/* Whether vmlinux's BTF carries any bpf_kfunc tag, which kbtf__is_kfunc() needs
 * to mean anything (false on 5.10 and 6.1, and when there is no BTF). */
bool kbtf__kfunc_tags(struct kbtf *kb);

/* Whether BTF's prototype of a name that several functions share was checked
 * against every one of them. pahole 1.25's consistent-prototype check
 * (--skip_encoding_btf_inconsistent_proto, the consistent_func feature) leaves
 * out a name whose functions disagree; older pahole kept the first function it
 * met (5.10: one prototype per name) or one per encoding thread (6.1's pahole
 * 1.24 -j), so a single prototype there proves nothing about the others. BTF
 * does not say which pahole wrote it; the kfunc tags (pahole 1.27, whose kernel
 * flags include consistent_func) do, so this is kbtf__kfunc_tags(): kernels
 * 6.4-6.10 built with pahole 1.25/1.26 are taken for unchecked, which costs
 * typed arguments there but never mislabels one. */
bool kbtf__protos_checked(struct kbtf *kb);

const struct btf *kbtf__btf(const struct kbtf_obj *o);
/* "vmlinux" or the module's name. */
const char *kbtf__name(const struct kbtf_obj *o);

/* The C declaration of NAME with type TYPE_ID into BUF, as libbpf's btf_dump
 * writes it: "struct file *file"; a FUNC_PROTO with a name gives the prototype
 * "ssize_t vfs_read(struct file *file, ...)"; NAME "" gives the type alone.
 * Returns 0, or -ENOSPC when cut short (BUF still ends in "..."), or a negative
 * errno. */
int kbtf__decl(const struct kbtf_obj *o, uint32_t type_id, const char *name, char *buf,
	       size_t len);

/* The prototype of FUNC ID: kbtf__decl() of its FUNC_PROTO under its name. */
int kbtf__proto(const struct kbtf_obj *o, uint32_t func_id, char *buf, size_t len);

#endif
