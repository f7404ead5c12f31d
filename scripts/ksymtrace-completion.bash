# bash completion for ksymtrace; installed as
# share/bash-completion/completions/ksymtrace. tests/bats/cli.bats checks that
# every option in --help is listed here.

_ksymtrace_symbols() { # complete symbol names from the live table
	local cur=$1
	[[ $cur == *[:+#@%]* || $cur == 0x* ]] && return
	COMPREPLY=($(compgen -W "$(ksymtrace -q list "${cur}*" 2>/dev/null |
		awk '{print $5}' | sed 's/#[0-9]*$//' | sort -u | head -500)" -- "$cur"))
}

_ksymtrace() {
	local cur prev cmd i
	_init_completion || return
	local global="--kallsyms --json --verbose --quiet --no-cache --help --usage --version -k -j -v -q"
	local commands="resolve list attach decode"

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		resolve | list | attach | decode) cmd=${words[i]}; break ;;
		esac
	done
	case $prev in
	-k | --kallsyms) _filedir; return ;;
	--module-file) _filedir '@(ko|ko.xz|ko.zst|ko.gz)'; return ;;
	-m | --module)
		COMPREPLY=($(compgen -W "vmlinux $(awk '{print $1}' /proc/modules 2>/dev/null)" -- "$cur"))
		return ;;
	-c | --cmd) COMPREPLY=($(compgen -c -- "$cur")); return ;;
	-p | --pid) COMPREPLY=($(compgen -W "$(ls /proc | grep -E '^[0-9]+$')" -- "$cur")); return ;;
	-d | --duration | -n | --max-events | --max-probes | --maxactive | --comm | --addr | -b | --ringbuf-size | --string-size | --expect) return ;;
	--arg) COMPREPLY=($(compgen -W '\$arg1 \$arg2 \$arg3 \$arg4 \$arg5 \$arg6 \$retval \$comm %di %si %dx %cx %r8 %r9 %ax' -- "$cur")); return ;;
	esac

	local opts
	case $cmd in
	"") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
	resolve) opts="--module --functions --traceable --proto --module-file -m" ;;
	list) opts="--all-types --module --traceable --proto --kfuncs --module-file -m" ;;
	decode) opts="" ;;
	attach) opts="--all --addr --module --ret --force --skip-failed --max-probes --clones --no-multi --maxactive --dry-run --module-file --pid --comm --stack --count --arg --raw --string-size --ringbuf-size --duration --max-events --cmd --follow --expect -a -m -r -p -s -b -d -n -c" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
	elif [[ $cmd == decode ]]; then
		_filedir
	else
		_ksymtrace_symbols "$cur"
	fi
}
complete -F _ksymtrace ksymtrace
