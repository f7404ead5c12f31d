// SPDX-License-Identifier: GPL-2.0
/* The symbols of a module's ELF image, with libelf. See modfile.h. */
#define _GNU_SOURCE
#include "modfile.h"

#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a symbol needs of its section, read once per section. */
struct sec {
	uint64_t flags, size;
	uint32_t type;
	const char *name; /* "" when unreadable */
};

struct reader {
	Elf *e;
	struct sec *secs;
	size_t shnum;
	size_t pcpu;      /* .data..percpu's index, or 0 */
	const char **exported; /* names with a __ksymtab_ entry, sorted */
	size_t n_exported;
	char *err;
	size_t errlen;
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The section headers, and where the symbols and .modinfo are. */
static int read_sections(struct reader *r, Elf_Scn **symtab, Elf_Scn **xndx, Elf_Scn **modinfo)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(r->e, &r->shnum) || elf_getshdrstrndx(r->e, &shstrndx))
		return fail(r, "corrupt ELF section table: %s", elf_errmsg(-1));
	/* section indexes are 16 bits of the placement keys (ksyms.h) */
	if (r->shnum > 0x10000)
		return fail(r, "%zu ELF sections: a module has far fewer", r->shnum);
	r->secs = calloc(r->shnum ? r->shnum : 1, sizeof(*r->secs));
	if (!r->secs)
		return -ENOMEM;
	while ((scn = elf_nextscn(r->e, scn))) {
		size_t i = elf_ndxscn(scn);
		GElf_Shdr sh;
		const char *nm;

		if (i >= r->shnum || !gelf_getshdr(scn, &sh))
			return fail(r, "corrupt ELF section header: %s", elf_errmsg(-1));
		nm = elf_strptr(r->e, shstrndx, sh.sh_name);
		r->secs[i] = (struct sec){ sh.sh_flags, sh.sh_size, sh.sh_type, nm ? nm : "" };
		if (sh.sh_type == SHT_SYMTAB && !*symtab)
			*symtab = scn;
		else if (sh.sh_type == SHT_SYMTAB_SHNDX && !*xndx)
			*xndx = scn;
		else if (strcmp(r->secs[i].name, ".modinfo") == 0)
			*modinfo = scn;
		else if (strcmp(r->secs[i].name, ".data..percpu") == 0)
			r->pcpu = i;
	}
	if (!*symtab)
		return fail(r, "no symbol table (stripped with --strip-all?): no function to name");
	return 0;
}

/* A module name: what the kernel keeps of it (MODULE_NAME_LEN), '-' as '_'. */
static bool set_name(char *dst, const char *src, size_t len)
{
	if (len == 0 || len > MODFILE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)src[i]) && src[i] != '_' && src[i] != '-')
			return false;
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i] == '-' ? '_' : src[i];
	dst[len] = '\0';
	return true;
}

/* .modinfo: NUL-separated "key=value" strings; name= (5.x+, modpost) and the
 * release that starts vermagic=. */
static void read_modinfo(Elf_Scn *scn, struct modfile *mf)
{
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	const char *p = d ? d->d_buf : NULL, *end = p ? p + d->d_size : NULL;

	while (p && p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		if (len > 5 && strncmp(p, "name=", 5) == 0)
			set_name(mf->name, p + 5, len - 5);
		else if (len > 9 && strncmp(p, "vermagic=", 9) == 0) {
			size_t rl = strcspn(p + 9, " ");

			if (rl > len - 9)
				rl = len - 9;
			if (rl < sizeof(mf->release)) {
				memcpy(mf->release, p + 9, rl);
				mf->release[rl] = '\0';
			}
		}
		p += len + 1;
	}
}

/* One symbol of the table, with its real section index. */
static bool get_sym(Elf_Data *d, Elf_Data *x, size_t i, GElf_Sym *s, size_t *shndx)
{
	Elf32_Word xi = 0;

	if (!gelf_getsymshndx(d, x, (int)i, s, &xi))
		return false;
	*shndx = s->st_shndx == SHN_XINDEX ? xi : s->st_shndx;
	return true;
}

static bool is_exported(const struct reader *r, const char *name)
{
	return r->n_exported &&
	       bsearch(&name, r->exported, r->n_exported, sizeof(*r->exported), cmp_str);
}

/* The letter /proc/kallsyms will show: the kernel's elf_type() (as per nm),
 * then upper case for an exported symbol, lower case otherwise (s_show()). */
static char kallsyms_type(const struct reader *r, const GElf_Sym *s, size_t shndx, const char *name)
{
	const struct sec *sec = &r->secs[shndx];
	char c;

	if (GELF_ST_BIND(s->st_info) == STB_WEAK)
		c = GELF_ST_TYPE(s->st_info) == STT_OBJECT ? 'v' : 'w';
	else if (shndx == r->pcpu)
		c = 'a';
	else if (sec->flags & SHF_EXECINSTR)
		c = 't';
	else if (sec->type != SHT_NOBITS)
		c = (sec->flags & SHF_WRITE) ? 'd' : 'r';
	else
		c = 'b';
	return is_exported(r, name) ? (char)toupper(c) : c;
}

/* Whether the kernel keeps symbol S in the module's kallsyms (is_core_symbol(),
 * with CONFIG_KALLSYMS_ALL as Debian builds it, init sections included here).
 * .modinfo and __versions lose SHF_ALLOC at load (rewrite_section_headers()). */
static bool kept(const struct reader *r, const GElf_Sym *s, size_t shndx, const char *name)
{
	const struct sec *sec;
	int type = GELF_ST_TYPE(s->st_info);

	if (!*name || s->st_shndx == SHN_UNDEF || shndx == 0 || shndx >= r->shnum ||
	    (s->st_shndx >= SHN_LORESERVE && s->st_shndx != SHN_XINDEX))
		return false;
	if (type == STT_SECTION || type == STT_FILE)
		return false;
	/* ARM's mapping symbols ($a, $d, $x), which the kernel skips too */
	if (name[0] == '$' && name[1] && strchr("adtx", name[1]) && (!name[2] || name[2] == '.'))
		return false;
	sec = &r->secs[shndx];
	return (sec->flags & SHF_ALLOC) && strcmp(sec->name, ".modinfo") != 0 &&
	       strcmp(sec->name, "__versions") != 0;
}

/* A name kallsyms could print: the table's own rule (ksyms.h). */
static bool good_name(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++)
		if (n >= KSYMS_NAME_MAX || !ksym_name_byte((unsigned char)name[n]))
			return false;
	return n > 0;
}

/* The __ksymtab_NAME symbols say which names are exported. */
static int collect_exports(struct reader *r, Elf_Data *d, Elf_Data *x, size_t n, size_t strndx)
{
	r->exported = malloc((n ? n : 1) * sizeof(*r->exported));
	if (!r->exported)
		return -ENOMEM;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym s;
		size_t shndx;
		const char *nm;

		if (get_sym(d, x, i, &s, &shndx) && (nm = elf_strptr(r->e, strndx, s.st_name)) &&
		    strncmp(nm, "__ksymtab_", 10) == 0 && nm[10])
			r->exported[r->n_exported++] = nm + 10;
	}
	qsort(r->exported, r->n_exported, sizeof(*r->exported), cmp_str);
	return 0;
}

/* The kept symbols into MF: names copied into one buffer. */
static int collect_symbols(struct reader *r, Elf_Data *d, Elf_Data *x, size_t n, size_t strndx,
			   struct modfile *mf)
{
	size_t total = 0, at = 0;

	mf->syms = calloc(n ? n : 1, sizeof(*mf->syms));
	if (!mf->syms)
		return -ENOMEM;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym s;
		size_t shndx;
		const char *nm;

		if (!get_sym(d, x, i, &s, &shndx) || !(nm = elf_strptr(r->e, strndx, s.st_name)) ||
		    !kept(r, &s, shndx, nm))
			continue;
		/* a section offset past its section, or a name kallsyms could not
		 * print, is a corrupt symbol: skipped and counted */
		if (!good_name(nm) || s.st_value > r->secs[shndx].size || s.st_value > UINT32_MAX ||
		    s.st_size > UINT32_MAX || s.st_value + s.st_size > r->secs[shndx].size) {
			mf->skipped++;
			continue;
		}
		mf->syms[mf->n++] = (struct ksyms_modsym){
			.name = nm,
			.section = (uint32_t)shndx,
			.value = (uint32_t)s.st_value,
			.size = (uint32_t)s.st_size,
			.type = kallsyms_type(r, &s, shndx, nm),
			.init = strncmp(r->secs[shndx].name, ".init", 5) == 0,
		};
		total += strlen(nm) + 1;
	}
	mf->names = malloc(total ? total : 1);
	if (!mf->names)
		return -ENOMEM;
	for (size_t i = 0; i < mf->n; i++) {
		size_t len = strlen(mf->syms[i].name) + 1;

		memcpy(mf->names + at, mf->syms[i].name, len);
		mf->syms[i].name = mf->names + at;
		at += len;
	}
	return 0;
}

static const char *elf_type_name(unsigned type)
{
	switch (type) {
	case ET_EXEC:
		return "an executable (ET_EXEC)";
	case ET_DYN:
		return "a shared object or PIE (ET_DYN)";
	case ET_CORE:
		return "a core dump (ET_CORE)";
	default:
		return "an ELF file of an unknown type";
	}
}

/* The symbol table, its extended section indexes, and MF's symbols from them. */
static int read_symbols(struct reader *r, Elf_Scn *symtab, Elf_Scn *xndx, struct modfile *mf)
{
	GElf_Shdr sh;
	Elf_Data *d, *x = NULL;
	size_t entsize, n;
	int err;

	if (!gelf_getshdr(symtab, &sh) || !(d = elf_getdata(symtab, NULL)))
		return fail(r, "corrupt ELF symbol table: %s", elf_errmsg(-1));
	if (xndx && !(x = elf_getdata(xndx, NULL)))
		return fail(r, "corrupt ELF extended section indexes: %s", elf_errmsg(-1));
	entsize = gelf_fsize(r->e, ELF_T_SYM, 1, EV_CURRENT);
	if (!entsize || sh.sh_link >= r->shnum)
		return fail(r, "corrupt ELF symbol table (entry size or string table)");
	n = d->d_size / entsize;
	err = collect_exports(r, d, x, n, sh.sh_link);
	if (!err)
		err = collect_symbols(r, d, x, n, sh.sh_link, mf);
	return err;
}

int modfile__elf(void *image, size_t len, struct modfile *mf, char *err, size_t errlen)
{
	struct reader r = { .err = err, .errlen = errlen };
	Elf_Scn *symtab = NULL, *xndx = NULL, *modinfo = NULL;
	GElf_Ehdr eh;
	int ret;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(&r, "libelf is too old for this ELF version");
	r.e = elf_memory(image, len);
	if (!r.e)
		return fail(&r, "not an ELF file: %s", elf_errmsg(-1));
	if (elf_kind(r.e) != ELF_K_ELF)
		ret = fail(&r, "not an ELF file (nor xz, zstd or gzip data): not a kernel module");
	else if (!gelf_getehdr(r.e, &eh))
		ret = fail(&r, "corrupt ELF header: %s", elf_errmsg(-1));
	else if (eh.e_type != ET_REL)
		ret = fail(&r, "%s, not a kernel module (a relocatable object, ET_REL)",
			   elf_type_name(eh.e_type));
	else if (eh.e_shoff > len || (uint64_t)eh.e_shnum * eh.e_shentsize > len - eh.e_shoff)
		/* libelf reads what fits and drops the rest of the section table */
		ret = fail(&r, "truncated ELF file: its section table ends past its %zu bytes", len);
	else
		ret = read_sections(&r, &symtab, &xndx, &modinfo);
	if (!ret) {
		read_modinfo(modinfo, mf);
		ret = read_symbols(&r, symtab, xndx, mf);
	}
	elf_end(r.e);
	free(r.secs);
	free(r.exported);
	return ret;
}
