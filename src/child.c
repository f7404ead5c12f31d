// SPDX-License-Identifier: GPL-2.0
/* -c CMD. See child.h. */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

struct child {
	pid_t pid;       /* also its process group */
	int go_fd;       /* write end of the pipe it waits on before exec */
	int status;      /* waitpid()'s, once reaped */
	bool reaped, released, stopped, killed;
	bool stopped_running; /* the SIGTERM of the stop found CMD itself running */
	bool tty;        /* the terminal is CMD's group's: take it back */
	struct sigaction ttou; /* SIGTTOU's action while CMD has the terminal */
	struct timespec stop_at;
	char shown[104]; /* CMD as messages quote it: one line, at most 100 bytes */
};

/* One line whatever CMD holds: a newline or an escape sequence quoted back
 * would split the message or reach the terminal. */
static void quote_cmd(char *dst, size_t len, const char *cmd)
{
	size_t i;

	for (i = 0; cmd[i] && i < len - 4; i++)
		dst[i] = (unsigned char)cmd[i] < 0x20 || cmd[i] == 0x7f ? '?' : cmd[i];
	strcpy(dst + i, cmd[i] ? "..." : "");
}

/* In the child: the dispositions ksymtrace set are not CMD's (an ignored
 * SIGPIPE would survive exec), and it waits for the go before exec. */
static void __attribute__((noreturn)) child_main(const int go[2], pid_t parent, const char *cmd,
						 bool json)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGALRM, SIGTTOU, SIGTTIN };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	char byte;
	ssize_t r;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	/* if ksymtrace dies without a word (SIGKILL), the shell goes with it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* only ksymtrace holds the write end: its exit is an end of file here */
	close(go[1]);
	do
		r = read(go[0], &byte, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		_exit(127); /* ksymtrace gave up: CMD must not run untraced */
	/* keep stdout for JSON Lines alone */
	if (json && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

struct child *child__spawn(const char *cmd, bool json)
{
	struct child *c = calloc(1, sizeof(*c));
	pid_t parent = getpid();
	int fds[2];

	if (!c) {
		log_error("out of memory");
		return NULL;
	}
	quote_cmd(c->shown, sizeof(c->shown), cmd);
	c->go_fd = -1;
	if (pipe2(fds, O_CLOEXEC)) {
		log_error("cannot start '%s': %m", c->shown);
		free(c);
		return NULL;
	}
	/* orphans of CMD come to ksymtrace, which reaps them (Linux 3.4) */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fflush(NULL);
	c->pid = fork();
	if (c->pid == 0)
		child_main(fds, parent, cmd, json);
	close(fds[0]);
	if (c->pid < 0) {
		log_error("cannot start '%s': %m", c->shown);
		close(fds[1]);
		free(c);
		return NULL;
	}
	/* both sides set the group, so that it exists whichever runs first */
	setpgid(c->pid, c->pid);
	c->go_fd = fds[1];
	return c;
}

pid_t child__pid(const struct child *c)
{
	return c ? c->pid : 0;
}

pid_t child__pgid(const struct child *c)
{
	return c && c->released ? c->pid : 0;
}

/* Ours when standard input is the terminal and ksymtrace its foreground. */
static void give_terminal(struct child *c)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };

	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp())
		return;
	/* in the background from now on, ksymtrace still writes to the terminal
	 * and takes it back: SIGTTOU must not stop it */
	sigaction(SIGTTOU, &ign, &c->ttou);
	if (tcsetpgrp(STDIN_FILENO, c->pid) == 0)
		c->tty = true;
	else
		sigaction(SIGTTOU, &c->ttou, NULL);
}

static void take_terminal(struct child *c)
{
	if (!c->tty)
		return;
	tcsetpgrp(STDIN_FILENO, getpgrp());
	sigaction(SIGTTOU, &c->ttou, NULL);
	c->tty = false;
}

void child__release(struct child *c)
{
	if (!c || c->go_fd < 0)
		return;
	give_terminal(c);
	c->released = true;
	if (write(c->go_fd, "g", 1) != 1)
		log_warn("cannot start the command: %m");
	close(c->go_fd);
	c->go_fd = -1;
}

bool child__exited(struct child *c)
{
	if (!c || c->pid <= 0 || c->reaped)
		return c && c->reaped;
	if (waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->reaped = true;
	return c->reaped;
}

void child__stop(struct child *c)
{
	if (!c || !c->released || c->stopped)
		return;
	c->stopped = true;
	c->stopped_running = !child__exited(c);
	clock_gettime(CLOCK_MONOTONIC, &c->stop_at);
	kill(-c->pid, SIGTERM);
	kill(-c->pid, SIGCONT);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reap whatever has exited: CMD, and what it left that came to ksymtrace. */
static void reap(struct child *c)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == c->pid) {
			c->status = st;
			c->reaped = true;
		}
	}
}

/* Until no process is left in CMD's group: SIGKILL after CHILD_TERM_WAIT_MS,
 * and give up waiting after as long again (a task in D state). */
static void end_group(struct child *c)
{
	for (;;) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };
		long ms;

		reap(c);
		if (kill(-c->pid, 0) && errno == ESRCH)
			break;
		ms = ms_since(&c->stop_at);
		if (ms >= 2 * CHILD_TERM_WAIT_MS)
			break;
		if (ms >= CHILD_TERM_WAIT_MS && !c->killed) {
			kill(-c->pid, SIGKILL);
			c->killed = true;
		}
		nanosleep(&tick, NULL);
	}
	if (!c->reaped) {
		/* CMD itself is ksymtrace's own child: reap it whatever it takes */
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
		c->reaped = true;
	}
}

static int say_fate(const struct child *c)
{
	int st = c->status;

	if (WIFEXITED(st)) {
		if (WEXITSTATUS(st) == 127) {
			log_error("'%s': command not found (sh exited with status 127)", c->shown);
			return EXIT_FAIL;
		}
		if (WEXITSTATUS(st) == 126) {
			log_error("'%s': cannot be run (sh exited with status 126)", c->shown);
			return EXIT_FAIL;
		}
		if (WEXITSTATUS(st) != 0)
			log_note("'%s' exited with status %d%s", c->shown, WEXITSTATUS(st),
				 c->killed ? "; what it left ignored SIGTERM: killed (SIGKILL)" : "");
		else if (c->killed)
			log_note("'%s' left processes that ignored SIGTERM: killed (SIGKILL)", c->shown);
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		if (c->stopped_running && sig == SIGKILL && c->killed)
			log_note("'%s' ignored SIGTERM: killed (SIGKILL)", c->shown);
		else if (c->stopped_running && sig == SIGTERM)
			log_note("'%s' was stopped (SIGTERM)%s", c->shown,
				 c->killed ? "; what it left ignored it: killed (SIGKILL)" : "");
		else
			log_note("'%s' was killed by SIG%s", c->shown, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	}
	return EXIT_OK;
}

static int finish(struct child *c, bool say)
{
	if (!c || c->pid <= 0)
		return EXIT_OK;
	if (!c->released) {
		/* it exits without running CMD */
		close(c->go_fd);
		c->go_fd = -1;
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
		return EXIT_OK;
	}
	/* the group, even when CMD has exited: what it started goes too */
	child__stop(c);
	end_group(c);
	take_terminal(c);
	c->pid = 0;
	return say ? say_fate(c) : EXIT_OK;
}

int child__finish(struct child *c)
{
	return finish(c, true);
}

void child__free(struct child *c)
{
	if (!c)
		return;
	/* a run that failed on its way: end CMD without a word of its fate */
	finish(c, false);
	if (c->go_fd >= 0)
		close(c->go_fd);
	free(c);
}
