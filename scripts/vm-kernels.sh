# shellcheck shell=bash disable=SC2034 # VM_* globals are read by scripts/vm-run
# Find, download, cache and unpack the Debian kernels the test VM boots.
# Sourced by scripts/vm-run; every function here is vm_*, every global VM_*.
#
# Cache layout (VM_CACHE):
#   apt/SUITE/            private apt configuration for suites other than the host's
#   debs/                 downloaded linux-image-*.deb, kept so a re-run downloads nothing
#   kernels/RELEASE/      vmlinuz, config, lib/modules/RELEASE/ with only the modules we load,
#                         boot-modules (load order), package (name and version), .complete
#   kernels/SERIES        symlink to RELEASE: what `--kernel SERIES` boots until --update
#                         (kernels/latest too: its major.minor is read from the link)
#   logs/                 serial console log of the last run of each kernel

# Kernel series → Debian suite. Bookworm is the host's own release here; the others are the
# same archive under other suite names. "latest" is the newest kernel Debian builds: the
# newest linux-image-*-amd64 of trixie-backports (7.3 on 2026-11-27), whatever its version;
# its series is the major.minor of the release cached (vm_series).
declare -gA VM_SUITE=([5.10]=bullseye [6.1]=bookworm [6.12]=trixie [latest]=trixie-backports)
VM_SERIES_ALL=(5.10 6.1 6.12 latest)
# The order VMs start in when several run at once: the slowest suites first, so the two
# cores finish together (measured 2026-11-27, whole suite: latest 472 s, 5.10 457 s,
# 6.12 392 s, 6.1 379 s; in series order the pairs ended at 929 s, this order ~851 s).
VM_SERIES_SLOWEST_FIRST=(latest 5.10 6.12 6.1)

# Modules /init loads before it can mount the host root (their dependencies are worked out
# from the package), and modules the tests load themselves.
VM_BOOT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)
VM_EXTRA_MODULES=(dummy)

VM_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# Network steps must end, on a fresh CI machine too: apt retries a failed transfer and gives
# up on a stalled connection, and each apt run has an overall limit
# (KSYMTRACE_VM_FETCH_TIMEOUT seconds, default 900: the largest package is about 110 MB).
VM_FETCH_TIMEOUT=${KSYMTRACE_VM_FETCH_TIMEOUT:-900}
VM_APT_NET_OPTS=(-o Acquire::Retries=3 -o Acquire::http::Timeout=60 -o Acquire::https::Timeout=60)

# vm_apt_net ARG... — apt-get ARG... with the limits above.
vm_apt_net() {
	local rc=0
	timeout -k 10 "$VM_FETCH_TIMEOUT" apt-get "${VM_APT_NET_OPTS[@]}" "$@" || rc=$?
	(( rc != 124 && rc != 137 )) || vm_log "apt-get ${*: -2}: stopped after $VM_FETCH_TIMEOUT s (KSYMTRACE_VM_FETCH_TIMEOUT)"
	return "$rc"
}

vm_log() { printf 'vm: %s\n' "$*" >&2; }
vm_die() { printf 'vm: error: %s\n' "$*" >&2; exit 1; }

# --- host tools ------------------------------------------------------------------------------

VM_APT_UPDATED=0

# vm_apt_install PKG... — install Debian packages through the system's apt.
vm_apt_install() {
	(( $# )) || return 0
	if (( EUID != 0 )); then
		vm_die "missing packages: $* (run as root, or: apt-get install $*)"
	fi
	vm_log "installing $*"
	# no overall limit here: stopping dpkg halfway would leave the system broken
	local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get "${VM_APT_NET_OPTS[@]}" -y -q -o Dpkg::Use-Pty=0)
	if (( ! VM_APT_UPDATED )) && ! vm_apt_has_candidates "$@"; then
		"${apt[@]}" update >&2 || vm_die "apt-get update failed"
		VM_APT_UPDATED=1
	fi
	"${apt[@]}" install --no-install-recommends "$@" >&2 || vm_die "apt-get install $* failed"
}

# vm_apt_has_candidates PKG... — true when the system's package lists know every PKG.
vm_apt_has_candidates() {
	local p
	for p; do
		apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]' || return 1
	done
}

# vm_require CMD:PKG... — install PKG when CMD is missing.
vm_require() {
	local spec cmd pkg
	local -a missing=()
	for spec; do
		cmd=${spec%%:*} pkg=${spec#*:}
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
	done
	vm_apt_install "${missing[@]}"
}

# vm_require_pkg PKG... — install PKG when dpkg does not have it installed.
vm_require_pkg() {
	local p
	local -a missing=()
	for p; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	vm_apt_install "${missing[@]}"
}

# --- the archive, from the system's apt sources ----------------------------------------------

# vm_apt_source_lines — print "URI SUITE" for every enabled deb source of the system, from
# deb822 .sources files and one-line .list files alike.
vm_apt_source_lines() {
	local f etc=${VM_APT_ETC:-/etc/apt} # VM_APT_ETC: only to test this parser
	for f in "$etc"/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		awk '
			function flush(   i, j, nu, ns, u, s) {
				if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
					nu = split(uris, u); ns = split(suites, s)
					for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
				}
				types = uris = suites = enabled = ""; field = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { # continuation of a multi-line field
				if (field == "uris") uris = uris " " $0
				else if (field == "suites") suites = suites " " $0
				next
			}
			{
				key = tolower($0); sub(/:.*/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				field = key
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = val
			}
			END { flush() }' "$f"
	done
	for f in "$etc"/sources.list "$etc"/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		# deb [options] URI SUITE COMPONENT...
		awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if (i + 1 <= NF) print $i, $(i + 1)
		}' "$f"
	done
}

# vm_find_archive — set VM_ARCHIVE_URI (the Debian archive) and VM_SECURITY_URI (security
# updates, may stay empty) from the system's apt sources. No host name lives in the project:
# whichever mirror this machine uses is the one we use. KSYMTRACE_VM_ARCHIVE and
# KSYMTRACE_VM_SECURITY_ARCHIVE override them.
vm_find_archive() {
	[[ -n ${VM_ARCHIVE_URI:-} ]] && return 0
	local uri suite
	VM_ARCHIVE_URI=${KSYMTRACE_VM_ARCHIVE:-}
	VM_SECURITY_URI=${KSYMTRACE_VM_SECURITY_ARCHIVE:-}
	while read -r uri suite; do
		uri=${uri%/}
		case $suite in
		*-security | */updates) [[ -n $VM_SECURITY_URI ]] || VM_SECURITY_URI=$uri ;;
		*-* | */*) ;; # -updates, -backports, -proposed-updates: not the archive root
		*) [[ -n $VM_ARCHIVE_URI ]] || VM_ARCHIVE_URI=$uri ;;
		esac
	done < <(vm_apt_source_lines)
	[[ -n $VM_ARCHIVE_URI ]] ||
		vm_die "no Debian archive found in /etc/apt/sources.list{,.d/} (set KSYMTRACE_VM_ARCHIVE to its URI)"
}

vm_host_codename() {
	local VERSION_CODENAME=''
	# shellcheck disable=SC1091
	[[ -r /etc/os-release ]] && . /etc/os-release
	printf '%s\n' "$VERSION_CODENAME"
}

# --- apt: the system's for the host's own suite, a private one for the others ----------------

# vm_apt_opts SUITE — set VM_APT_OPTS to the apt options that read SUITE's package lists.
# The host's own suite uses the system configuration unchanged. Other suites get a private
# configuration under the cache: own sources list, lists, cache and an empty dpkg status (so
# nothing installed on the host influences resolution). The system's apt.conf.d parts still
# apply, which keeps any proxy or validity settings this machine needs.
vm_apt_opts() {
	local suite=$1
	VM_APT_OPTS=()
	[[ $suite == "$(vm_host_codename)" ]] && return 0
	local d=$VM_CACHE/apt/$suite
	VM_APT_OPTS=(
		-o "Dir::Etc::sourcelist=$d/sources.list"
		-o "Dir::Etc::sourceparts=$d/empty"
		-o "Dir::Etc::preferences=$d/empty/preferences"
		-o "Dir::Etc::preferencesparts=$d/empty"
		-o "Dir::State=$d/state"
		-o "Dir::State::Lists=$d/lists"
		-o "Dir::State::status=$d/status"
		-o "Dir::Cache=$d/cache"
	)
}

# vm_private_sources SUITE — write the private sources list for SUITE. Signatures are checked
# against the system's Debian keyring: bookworm's debian-archive-keyring 2023.3+deb12u2 already
# carries the bullseye and trixie archive keys. An older keyring (bookworm before 12.11) lacks
# trixie's; vm_apt_update then upgrades the keyring package from the system's own sources,
# which is the least bad choice: never [trusted=yes], never a key fetched from elsewhere.
vm_private_sources() {
	local suite=$1 d=$VM_CACHE/apt/$1
	local opt="[arch=amd64 signed-by=$VM_KEYRING]"
	mkdir -p "$d/empty" "$d/state" "$d/lists/partial" "$d/cache/archives/partial"
	[[ -e $d/status ]] || : >"$d/status"
	{
		printf '# written by scripts/vm-kernels.sh: archive URIs taken from the system apt sources\n'
		printf 'deb %s %s %s main\n' "$opt" "$VM_ARCHIVE_URI" "$suite"
		# A backports suite is complete in itself for a kernel image (no -updates, no
		# -security of its own), and signed with its release's archive keys.
		if [[ $suite != *-backports ]]; then
			printf 'deb %s %s %s-updates main\n' "$opt" "$VM_ARCHIVE_URI" "$suite"
			[[ -z $VM_SECURITY_URI ]] ||
				printf 'deb %s %s %s-security main\n' "$opt" "$VM_SECURITY_URI" "$suite"
		fi
	} >"$d/sources.list"
}

# vm_apt_update SUITE — refresh SUITE's package lists (the system's when it is the host's
# suite). A missing -updates or -security suite is only a warning; the metapackage check in
# vm_resolve decides whether enough was found.
vm_apt_update() {
	local suite=$1 out rc=0
	vm_require_pkg debian-archive-keyring
	vm_apt_opts "$suite"
	if (( ${#VM_APT_OPTS[@]} == 0 )); then
		(( EUID == 0 )) || return 0
		(( VM_APT_UPDATED )) && return 0
		vm_log "apt-get update (system sources)"
		vm_apt_net -q update >&2 || vm_log "warning: apt-get update reported errors"
		VM_APT_UPDATED=1
		return 0
	fi
	vm_find_archive
	vm_private_sources "$suite"
	vm_log "apt-get update ($suite, private lists under $VM_CACHE/apt/$suite)"
	out=$(vm_apt_net "${VM_APT_OPTS[@]}" -q update 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -v '^\(Hit\|Get\|Ign\|Reading\)' >&2 || true
	if (( rc != 0 )) && grep -q 'NO_PUBKEY\|not signed\|signatures were invalid\|couldn.t be verified' <<<"$out"; then
		vm_log "the system keyring cannot verify $suite: upgrading debian-archive-keyring"
		(( EUID == 0 )) || vm_die "run as root, or upgrade debian-archive-keyring"
		env DEBIAN_FRONTEND=noninteractive apt-get -y -q install --only-upgrade debian-archive-keyring >&2 ||
			vm_die "could not upgrade debian-archive-keyring"
		vm_apt_net "${VM_APT_OPTS[@]}" -q update >&2 ||
			vm_log "warning: apt-get update ($suite) still reports errors"
	fi
}

# vm_resolve SERIES — set VM_PKG and VM_PKG_VERSION: for "latest" the newest kernel image of
# its suite (vm_newest_image), for the others the image that the suite's linux-image-amd64
# metapackage depends on. No ABI number is ever hard-coded.
vm_resolve() {
	local series=$1 suite=${VM_SUITE[$1]}
	vm_apt_opts "$suite"
	if [[ $series == latest ]]; then
		local names
		mapfile -t names < <(apt-cache "${VM_APT_OPTS[@]}" pkgnames linux-image- 2>/dev/null)
		(( ${#names[@]} )) || return 1
		read -r VM_PKG VM_PKG_VERSION < <(apt-cache "${VM_APT_OPTS[@]}" policy "${names[@]}" |
			awk '/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
				$1 == "Candidate:" && $2 != "(none)" { print name, $2 }' | vm_newest_image)
		[[ -n ${VM_PKG:-} ]]
		return
	fi
	VM_PKG=$(apt-cache "${VM_APT_OPTS[@]}" depends linux-image-amd64 2>/dev/null |
		awk '$1 ~ /^\|?Depends:$/ && $2 ~ /^linux-image-/ { print $2; exit }')
	[[ -n $VM_PKG ]] || return 1
	VM_PKG_VERSION=$(apt-cache "${VM_APT_OPTS[@]}" policy "$VM_PKG" |
		awk '$1 == "Candidate:" { print $2; exit }')
	[[ -n $VM_PKG_VERSION && $VM_PKG_VERSION != "(none)" ]]
}

# vm_newest_image — read "PACKAGE VERSION" lines, print the one of the generic amd64 kernel
# images (linux-image-ABI-amd64: 6.1.0-56, 7.3.4+deb13) with the highest Debian version.
# Not the flavours (-cloud-amd64, -rt-amd64), -amd64-dbg, -amd64-unsigned or metapackages.
vm_newest_image() {
	local name version best='' best_version=''
	while read -r name version; do
		[[ $name =~ ^linux-image-[0-9]+\.[0-9]+(\.[0-9]+)*([-+][0-9a-z.]+)?-amd64$ ]] || continue
		if [[ -z $best ]] || dpkg --compare-versions "$version" gt "$best_version"; then
			best=$name best_version=$version
		fi
	done
	[[ -n $best ]] && printf '%s %s\n' "$best" "$best_version"
}

# vm_series SERIES [KDIR] — the series a kernel answers to inside the VM and in `-k`: SERIES
# itself, except "latest", which is the major.minor of its release (7.3), so that a test can
# compare it with sort -V like the others. KDIR defaults to the cached kernels/latest.
vm_series() {
	local series=$1 rel
	if [[ $series != latest ]]; then
		printf '%s\n' "$series"
		return 0
	fi
	rel=$(basename "$(realpath -e "${2:-$VM_CACHE/kernels/latest}" 2>/dev/null)") || return 1
	[[ $rel =~ ^([0-9]+\.[0-9]+) ]] || return 1
	printf '%s\n' "${BASH_REMATCH[1]}"
}

# vm_download SUITE — download the packages that hold VM_PKG's kernel and modules, at
# VM_PKG_VERSION, into VM_CACHE/debs unless they are there already; set VM_DEBS. Up to 6.12
# that is the linux-image package itself. trixie-backports' images (6.19 to 7.3 at least) are
# empty packages depending on linux-binary-REL (vmlinuz), linux-modules-REL and linux-base-REL
# (config): then those three. apt checks every file against the signed package lists.
vm_download() {
	local suite=$1 rel=${VM_PKG#linux-image-} name version
	local -a parts=()
	vm_apt_opts "$suite"
	# Depends: ..., linux-binary-REL (= VERSION), linux-modules-REL (= VERSION), ...
	while read -r name version; do
		case $name in
		linux-binary-"$rel" | linux-modules-"$rel" | linux-base-"$rel") parts+=("$name=$version") ;;
		esac
	done < <(vm_depends "$VM_PKG=$VM_PKG_VERSION")
	(( ${#parts[@]} )) || parts=("$VM_PKG=$VM_PKG_VERSION")
	vm_fetch_debs "$suite" "${parts[@]}"
}

# vm_depends_field PKG=VERSION — PKG's Depends, one entry a line ("A (>= 1) | B"), from the
# package lists VM_APT_OPTS reads.
vm_depends_field() {
	apt-cache "${VM_APT_OPTS[@]}" show "$1" 2>/dev/null | sed -n '/^Depends:/{s/^Depends://;s/,/\n/g;p;q}'
}

# vm_depends PKG=VERSION — "NAME VERSION" for each dependency of PKG pinned with (= VERSION)
# or (>= VERSION).
vm_depends() {
	vm_depends_field "$1" | sed -n 's/^ *\([^ |]*\) (>\{0,1\}= \([^)]*\)).*/\1 \2/p'
}

# vm_fetch_debs SUITE NAME=VERSION... — download the packages into VM_CACHE/debs unless they
# are there already; set VM_DEBS to their files. VERSION empty: the suite's candidate.
vm_fetch_debs() {
	local suite=$1 dl=$VM_CACHE/debs/.download name version deb
	local -a fetch=()
	shift
	vm_apt_opts "$suite"
	VM_DEBS=()
	for name; do
		version=${name#*=}
		name=${name%%=*}
		if [[ -z $version ]]; then
			version=$(apt-cache "${VM_APT_OPTS[@]}" policy "$name" 2>/dev/null |
				awk '$1 == "Candidate:" { print $2; exit }')
			[[ -n $version && $version != "(none)" ]] || { vm_log "$name: not in $suite's package lists"; return 1; }
		fi
		deb=$VM_CACHE/debs/${name}_${version}_amd64.deb
		deb=${deb//:/%3a}
		VM_DEBS+=("$deb")
		[[ -s $deb ]] || fetch+=("$name=$version")
	done
	(( ${#fetch[@]} )) || return 0
	rm -rf "$dl"
	mkdir -p "$dl"
	# apt downloads as the unprivileged _apt user when it can write the directory.
	if (( EUID == 0 )) && id _apt >/dev/null 2>&1; then chown _apt "$dl"; fi
	vm_log "downloading ${fetch[*]} ($suite)"
	(cd "$dl" && vm_apt_net "${VM_APT_OPTS[@]}" -q download "${fetch[@]}" >&2) ||
		vm_die "apt-get download ${fetch[*]} failed"
	for name in "${fetch[@]}"; do
		deb=$VM_CACHE/debs/${name%%=*}_${name#*=}_amd64.deb
		mv "$dl/${name%%=*}_"*.deb "${deb//:/%3a}"
	done
	rm -rf "$dl"
}

# --- unpacking: the kernel and only the modules it needs ------------------------------------

# vm_extract DIR MEMBER... — extract the MEMBERs (paths as tar lists them) from the packages
# that hold them (VM_SRC, filled by vm_unpack) into DIR: one pass over each package's data.
vm_extract() {
	local dir=$1 deb m
	shift
	local -A by=()
	for m; do by[${VM_SRC[$m]}]+="$m"$'\n'; done
	for deb in "${!by[@]}"; do
		printf '%s' "${by[$deb]}" | {
			mapfile -t ms
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" -- "${ms[@]}"
		} || vm_die "cannot unpack $deb"
	done
}

# vm_unpack DEB... — unpack the kernel image and the modules in VM_BOOT_MODULES and
# VM_EXTRA_MODULES with their dependencies, nothing else, from the DEBs (the image package,
# or its binary, modules and base parts) into VM_CACHE/kernels/RELEASE; set VM_RELEASE.
# Dependencies come from each module's modinfo, so a new ABI with other modules split out or
# built in still works; every pass over a package's data is one decompression (about 4 s;
# 10 s for 7.3's 107 MB of modules), and the dependency chain is two or three deep.
vm_unpack() {
	local tmp rel modroot image config name member dep deb
	local -A path=() want=() have=()
	local -a todo=() members=()
	declare -gA VM_SRC=()
	vm_require dpkg-deb:dpkg tar:tar modinfo:kmod depmod:kmod
	# what an interrupted run left (vm-run holds the cache lock: no other run is unpacking)
	rm -rf "$VM_CACHE"/kernels/.unpack.*
	tmp=$(mktemp -d "$VM_CACHE/kernels/.unpack.XXXXXX")
	for deb; do
		dpkg-deb --fsys-tarfile "$deb" | tar -t >"$tmp/listing" || vm_die "cannot read $deb"
		while IFS= read -r member; do
			VM_SRC[$member]=$deb
		done <"$tmp/listing"
	done
	printf '%s\n' "${!VM_SRC[@]}" >"$tmp/listing"
	# The image: /boot/vmlinuz-REL and /boot/config-REL up to 6.12; trixie-backports' 7.x has
	# them as vmlinuz and config beside the modules, in /usr/lib/modules/REL/.
	image=$(grep -m1 -E '^\./boot/vmlinuz-|^\./(usr/)?lib/modules/[^/]+/vmlinuz$' "$tmp/listing") ||
		vm_die "$*: no /boot/vmlinuz-* or /usr/lib/modules/*/vmlinuz"
	if [[ $image == ./boot/* ]]; then
		rel=${image#./boot/vmlinuz-}
		config=./boot/config-$rel
	else
		rel=${image%/vmlinuz} rel=${rel##*/}
		config=${image%/vmlinuz}/config
	fi
	modroot=$(grep -m1 -xF -e "./lib/modules/$rel/" -e "./usr/lib/modules/$rel/" "$tmp/listing") ||
		vm_die "$*: no lib/modules/$rel"
	while IFS= read -r member; do
		name=${member##*/}
		name=${name%%.ko*}
		path[${name//-/_}]=$member
	done < <(grep -E '\.ko(\.(xz|zst|gz))?$' "$tmp/listing")

	[[ -n ${VM_SRC[$config]:-} ]] || vm_die "$*: no ${config#.}"
	members=("$image" "$config")
	for name in modules.order modules.builtin modules.builtin.modinfo; do
		[[ -n ${VM_SRC[$modroot$name]:-} ]] && members+=("$modroot$name")
	done
	todo=("${VM_BOOT_MODULES[@]}" "${VM_EXTRA_MODULES[@]}")
	while :; do
		for name in "${todo[@]}"; do
			[[ -n ${want[$name]:-} ]] && continue
			want[$name]=1
			# A module that is not a file in the package must be built in (checked below).
			[[ -n ${path[$name]:-} ]] && members+=("${path[$name]}")
		done
		(( ${#members[@]} )) || break
		vm_extract "$tmp" "${members[@]}"
		members=() todo=()
		for name in "${!want[@]}"; do
			[[ -n ${have[$name]:-} || -z ${path[$name]:-} ]] && continue
			have[$name]=1
			for dep in $(modinfo -F depends "$tmp/${path[$name]}" | tr ',' ' '); do
				todo+=("${dep//-/_}")
			done
		done
		(( ${#todo[@]} )) || break
	done
	vm_unpack_tree "$tmp" "$rel" "$modroot" "$image" "$config"
	for name in "${VM_EXTRA_MODULES[@]}"; do
		[[ -n ${path[$name]:-} ]] || vm_die "$rel: module $name missing from the package"
	done
	printf '%s %s\n' "$VM_PKG" "$VM_PKG_VERSION" >"$tmp/tree/package"
	touch "$tmp/tree/.complete"
	rm -rf "${VM_CACHE:?}/kernels/$rel"
	mv "$tmp/tree" "$VM_CACHE/kernels/$rel"
	rm -rf "$tmp"
	VM_RELEASE=$rel
}

# vm_unpack_tree TMP RELEASE MODROOT IMAGE CONFIG — turn what vm_unpack extracted into TMP
# into TMP/tree: vmlinuz, config, lib/modules/RELEASE with modules.dep, boot-modules (the
# load order).
vm_unpack_tree() {
	local tmp=$1 rel=$2 modroot=$3 image=$4 config=$5 name member
	# One tree shape for every release: lib/modules/RELEASE, modules uncompressed. busybox
	# insmod reads plain .ko only: Debian's busybox-static 1.35 has unxz but no zstd, and its
	# insmod does not decompress. trixie ships usr/lib/modules and .ko.xz.
	local kdir=$tmp/tree mdir
	mdir=$kdir/lib/modules/$rel
	mkdir -p "$kdir/lib/modules"
	mv "$tmp/${image#./}" "$kdir/vmlinuz"
	mv "$tmp/${config#./}" "$kdir/config"
	mv "$tmp/${modroot#./}" "$mdir"
	while IFS= read -r -d '' member; do
		case $member in
		*.ko.xz) vm_require xz:xz-utils; xz -d "$member" ;;
		*.ko.zst) vm_require zstd:zstd; zstd -q -d --rm "$member" ;;
		*.ko.gz) gzip -d "$member" ;;
		esac
	done < <(find "$mdir" -name '*.ko.*' -print0)
	depmod -b "$kdir" "$rel" || vm_die "depmod failed for $rel"

	# Load order from modules.dep, as modprobe would do it: dependencies first.
	for name in "${VM_BOOT_MODULES[@]}"; do
		modprobe -d "$kdir" -S "$rel" --show-depends "$name" ||
			vm_die "$rel: no module or built-in $name"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
		while IFS= read -r member; do
			printf '%s\n' "${member#"$kdir"/}"
		done >"$kdir/boot-modules"
}

# --- kernel headers: out-of-tree modules built on this machine for a VM kernel ---------------

# vm_headers SERIES — the headers of SERIES' cached kernel, for building a module on this
# machine that the VM then loads: linux-headers-REL at the image's own version, the -common
# package and the linux-kbuild package it depends on, unpacked (once) into
# kernels/REL/headers; set VM_KBUILD to the directory to give `make -C`. Returns 1 after a
# line saying why when they cannot be had (a suite that has moved on from that version).
vm_headers() {
	local series=$1 suite=${VM_SUITE[$1]} kd rel pkg version name deb tree
	local -a parts=()
	kd=$(realpath -e "$VM_CACHE/kernels/$series") ||
		{ vm_log "$series: no kernel cached (scripts/vm-run -k $series --fetch-only)"; return 1; }
	rel=$(basename "$kd")
	read -r pkg version <"$kd/package"
	VM_KBUILD=$kd/headers/usr/src/linux-headers-$rel
	[[ ! -e $kd/headers/.complete ]] || { vm_kbuild_runs "$kd/headers" "$rel" "$suite"; return; }
	vm_apt_opts "$suite"
	apt-cache "${VM_APT_OPTS[@]}" show "linux-headers-$rel=$version" >/dev/null 2>&1 || vm_apt_update "$suite"
	# Depends: linux-headers-REL-common (= VERSION), linux-kbuild-SERIES (>= VERSION) or
	# linux-kbuild-REL, and the compiler; the kbuild package's newest build is the one
	while read -r name; do
		case $name in
		linux-headers-*-common*) parts+=("$name=$version") ;;
		linux-kbuild-*) parts+=("$name=") ;;
		esac
	done < <(vm_depends_field "linux-headers-$rel=$version" | tr '|' '\n' | awk '{ print $1 }')
	(( ${#parts[@]} == 2 )) ||
		{ vm_log "$rel: no linux-headers-$rel $version with its -common and kbuild packages in $suite"; return 1; }
	vm_fetch_debs "$suite" "linux-headers-$rel=$version" "${parts[@]}" || return 1
	tree=$kd/headers.unpack
	rm -rf "$tree"
	mkdir -p "$tree"
	for deb in "${VM_DEBS[@]}"; do
		dpkg-deb -x "$deb" "$tree" || vm_die "cannot unpack $deb"
	done
	vm_relink "$tree"
	# the Makefile includes the -common one by its absolute path: the tree's, once moved
	[[ -e $tree/usr/src/linux-headers-$rel/Makefile ]] || vm_die "$rel: the headers have no Makefile"
	sed -i "s|/usr/src/|$kd/headers/usr/src/|" "$tree/usr/src/linux-headers-$rel/Makefile"
	touch "$tree/.complete"
	rm -rf "$kd/headers"
	mv "$tree" "$kd/headers"
	vm_kbuild_runs "$kd/headers" "$rel" "$suite"
}

# vm_kbuild_runs TREE RELEASE SUITE — the kbuild programs (modpost, objtool...) were built for
# SUITE's C library: true when this machine's can run them, else a line saying why.
# (trixie's need glibc 2.38; bookworm has 2.36.)
vm_kbuild_runs() {
	local f out
	while IFS= read -r -d '' f; do
		head -c 4 "$f" | grep -q ELF || continue
		out=$("$f" --version </dev/null 2>&1 >/dev/null) || true
		if [[ $out == *"version \`GLIBC_"*"not found"* ]]; then
			out=${out#*version \`} out=${out%%\'*}
			vm_log "$2: the kbuild programs of $3 need $out (${f##*/}), which this machine's C library ($(ldd --version | sed -n '1s/.* //p')) lacks: modules for this kernel cannot be built here"
			return 1
		fi
	done < <(find "$1"/usr/lib/linux-kbuild-*/scripts/mod "$1"/usr/lib/linux-kbuild-*/scripts/basic -type f -perm -u+x -print0 2>/dev/null)
}

# vm_relink TREE — a package's absolute symlinks point into the system's root; in an
# unpacked TREE make them point into TREE instead.
vm_relink() {
	local link target
	while IFS= read -r -d '' link; do
		target=$(readlink "$link")
		[[ $target == /* ]] || continue
		ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$1$target")" "$link"
	done < <(find "$1" -type l -print0)
}

# --- the one entry point ---------------------------------------------------------------------

# vm_kernel SERIES UPDATE — make SERIES (5.10, 6.1, 6.12, latest) ready to boot and set VM_KDIR to
# its tree. A cached kernel is used as it is, with no network at all, unless UPDATE is 1:
# then apt is asked for the newest package of the suite.
vm_kernel() {
	local series=$1 update=$2 suite=${VM_SUITE[$1]}
	local link=$VM_CACHE/kernels/$series
	mkdir -p "$VM_CACHE/kernels" "$VM_CACHE/debs"
	if (( ! update )) && [[ -e $link/.complete ]]; then
		VM_KDIR=$VM_CACHE/kernels/$(readlink "$link")
		return 0
	fi
	if [[ $suite != "$(vm_host_codename)" ]] || (( update )) || ! vm_resolve "$series"; then
		vm_apt_update "$suite"
	fi
	vm_resolve "$series" || vm_die "$series: no linux-image-amd64 in $suite's package lists"
	vm_download "$suite"
	local rel=${VM_PKG#linux-image-}
	if [[ ! -e $VM_CACHE/kernels/$rel/.complete ||
		$(cat "$VM_CACHE/kernels/$rel/package") != "$VM_PKG $VM_PKG_VERSION" ]]; then
		vm_log "unpacking $VM_PKG $VM_PKG_VERSION"
		vm_unpack "${VM_DEBS[@]}"
		rel=$VM_RELEASE
	fi
	ln -sfn "$rel" "$link"
	VM_KDIR=$VM_CACHE/kernels/$rel
}
