// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the iommufd guests: mount what the tests need, turn THP on
 * for madvise()d memory, run each program named on the kernel command
 * line after "--" (or /iopf_s2), report how each ended, power off.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static void put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		printf("iommufd-iopf: cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
}

static void run(char *prog)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		execl(prog, prog, (char *)NULL);
		perror(prog);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	printf("iommufd-iopf: done %s status=%d\n", prog, status);
}

int main(int argc, char **argv)
{
	int i, any = 0;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	put("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '/') {
			run(argv[i]);
			any = 1;
		}
	}
	if (!any)
		run("/iopf_s2");
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
