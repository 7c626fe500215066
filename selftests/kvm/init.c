// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the KVM selftests guest (scripts/kvm-selftests.sh): mount what
 * the tests need, print the KVM module parameters, then run each line of
 * /tests.txt, one at a time, under its own timeout:
 *
 *   SECONDS PROG [ARG...]   run /PROG with the arguments
 *   write FILE VALUE        write VALUE to FILE (a KVM module parameter,
 *                           what a test's .sh wrapper would set up)
 *
 * and report each test as "kvm-selftests: result R SECS PROG ARGS" with R
 * pass (exit 0), skip (exit 4, KSFT_SKIP), fail or timeout.  Names given
 * on the kernel command line after "--" run only the tests of those
 * programs.  Powers off at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 32

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ok = fd >= 0 && write(fd, val, strlen(val)) >= 0;

	printf("kvm-selftests: write %s %s %s\n", path, val, ok ? "ok" : "failed");
	if (fd >= 0)
		close(fd);
}

static void show(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	printf("kvm-selftests: %s = %s\n", path, f ? buf : "(none)");
}

/* Wait up to @secs for @pid, reaping any other (orphaned) child meanwhile. */
static int wait_for(pid_t pid, double secs, int *status)
{
	double end = now() + secs;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	pid_t w;

	for (;;) {
		w = waitpid(-1, status, WNOHANG);
		if (w == pid)
			return 0;
		if (w > 0)
			continue;
		if (w < 0 && errno == ECHILD)
			return -1;
		if (now() > end)
			return -1;
		nanosleep(&tick, NULL);
	}
}

static void run_one(int timeout, char **argv, const char *cmd)
{
	char path[256];
	const char *res;
	int status = -1;
	double t0;
	pid_t pid;

	snprintf(path, sizeof(path), "/%s", argv[0]);
	printf("kvm-selftests: run %s (timeout %d s)\n", cmd, timeout);
	fflush(stdout);
	t0 = now();
	pid = fork();
	if (!pid) {
		setpgid(0, 0);
		execv(path, argv);
		perror(path);
		_exit(127);
	}
	if (pid < 0) {
		res = "fail";
	} else if (wait_for(pid, timeout, &status)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		wait_for(pid, 60, &status);
		res = "timeout";
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		res = "pass";
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
		res = "skip";
	} else {
		res = "fail";
	}
	/* A killed test may leave its threads' processes behind. */
	kill(-pid, SIGKILL);
	printf("kvm-selftests: result %s %.1f %s (status %d)\n",
	       res, now() - t0, cmd, status);
}

static int wanted(const char *prog, int argc, char **argv)
{
	int i, any = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || strchr(argv[i], '='))
			continue;
		any = 1;
		if (!strcmp(argv[i], prog))
			return 1;
	}
	return !any;
}

int main(int argc, char **argv)
{
	char line[512], cmd[512], *args[MAX_ARGS + 1], *tok, *save;
	FILE *list;
	int n;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The tests ask for THP with madvise() (-s anonymous_thp). */
	put("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	show("/sys/module/kvm/parameters/tdp_mmu");
	show("/sys/module/kvm/parameters/eager_page_split");
	show("/sys/module/kvm/parameters/nx_huge_pages");
	show("/sys/module/kvm_amd/parameters/npt");
	show("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");

	list = fopen("/tests.txt", "r");
	if (!list)
		printf("kvm-selftests: no /tests.txt\n");
	while (list && fgets(line, sizeof(line), list)) {
		line[strcspn(line, "\n")] = 0;
		tok = line + strspn(line, " \t");
		if (!*tok || *tok == '#')
			continue;
		n = 0;
		for (tok = strtok_r(tok, " \t", &save); tok && n < MAX_ARGS;
		     tok = strtok_r(NULL, " \t", &save))
			args[n++] = tok;
		args[n] = NULL;
		if (!strcmp(args[0], "write")) {
			if (n == 3)
				put(args[1], args[2]);
			continue;
		}
		if (n < 2 || atoi(args[0]) <= 0 || !wanted(args[1], argc, argv))
			continue;
		cmd[0] = 0;
		for (int i = 1; i < n; i++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
				 "%s%s", i > 1 ? " " : "", args[i]);
		run_one(atoi(args[0]), args + 1, cmd);
	}
	printf("kvm-selftests: done\n");
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
