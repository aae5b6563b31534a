/*
 * measure.c -- run one command and report its wall time and peak memory.
 *
 *     measure [-t SECONDS] [-o OUT] [-e ERR] -- PROGRAM [ARG...]
 *
 * Runs PROGRAM with stdin from /dev/null, stdout into OUT and stderr into
 * ERR (default: /dev/null and measure's own stderr), waits for it, and
 * prints one line on stdout:
 *
 *     WALL_SECONDS CPU_SECONDS MAX_RSS_KIB STATUS
 *
 * where STATUS is `exit:N`, `signal:N`, or `timeout` (the program ran longer
 * than -t SECONDS and was killed).  A program that cannot be started shows
 * as exit:127, with the reason in ERR, as in a shell.
 *
 * Why not GNU time: it is not installed everywhere, and its output format
 * varies.  Wall time is taken with CLOCK_MONOTONIC around fork and wait4;
 * the CPU time (user + system, all threads) and the peak resident set size
 * come from the rusage that wait4 returns for the child (Linux reports
 * ru_maxrss in KiB).  CPU time is the steadier number on a busy machine,
 * since waiting for a CPU does not count, but it adds up every thread of a
 * multi-threaded engine (the JVM's collector and compiler threads).  The
 * fork/exec overhead, well under a millisecond, is included in the times,
 * as it is for every engine.
 *
 * measure's own exit status: 0 when it measured (whatever the program's
 * status), 2 on a usage error, 1 when the system refused (fork, open).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;

static void on_alarm(int signo)
{
    (void)signo;
    timed_out = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: measure [-t SECONDS] [-o OUT] [-e ERR] -- PROGRAM [ARG...]\n");
    exit(2);
}

/* Open path for the child's fd target_fd; on failure report and give up. */
static void redirect(const char *path, int flags, int target_fd)
{
    int fd = open(path, flags, 0644);
    if (fd < 0) {
        fprintf(stderr, "measure: cannot open %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    if (fd != target_fd) {
        dup2(fd, target_fd);
        close(fd);
    }
}

int main(int argc, char **argv)
{
    const char *out_path = "/dev/null";
    const char *err_path = NULL;
    unsigned timeout_seconds = 0;
    int opt;
    while ((opt = getopt(argc, argv, "+t:o:e:")) != -1) {
        switch (opt) {
        case 't': {
            char *end;
            long t = strtol(optarg, &end, 10);
            if (*end != '\0' || t < 0 || t > 86400) {
                fprintf(stderr, "measure: -t wants whole seconds (0..86400), not '%s'\n", optarg);
                exit(2);
            }
            timeout_seconds = (unsigned)t;
            break;
        }
        case 'o': out_path = optarg; break;
        case 'e': err_path = optarg; break;
        default: usage();
        }
    }
    if (optind >= argc)
        usage();
    char **command = &argv[optind];

    /* SIGALRM must interrupt wait4 (no SA_RESTART) so we can kill the child. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);

    fflush(stdout);
    double start = now_seconds();
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "measure: fork: %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        redirect("/dev/null", O_RDONLY, STDIN_FILENO);
        redirect(out_path, O_WRONLY | O_CREAT | O_TRUNC, STDOUT_FILENO);
        if (err_path != NULL)
            redirect(err_path, O_WRONLY | O_CREAT | O_TRUNC, STDERR_FILENO);
        execvp(command[0], command);
        fprintf(stderr, "measure: cannot run %s: %s\n", command[0], strerror(errno));
        _exit(127);
    }

    if (timeout_seconds > 0)
        alarm(timeout_seconds);
    int status = 0;
    struct rusage usage_of_child;
    for (;;) {
        pid_t done = wait4(child, &status, 0, &usage_of_child);
        if (done == child)
            break;
        if (done < 0 && errno == EINTR) {
            if (timed_out)
                kill(child, SIGKILL); /* the next wait4 collects it */
            continue;
        }
        fprintf(stderr, "measure: wait4: %s\n", strerror(errno));
        return 1;
    }
    double wall = now_seconds() - start;
    alarm(0);

    const struct timeval *user = &usage_of_child.ru_utime, *sys = &usage_of_child.ru_stime;
    double cpu = (double)(user->tv_sec + sys->tv_sec) + (double)(user->tv_usec + sys->tv_usec) / 1e6;
    printf("%.6f %.6f %ld ", wall, cpu, usage_of_child.ru_maxrss);
    if (timed_out)
        printf("timeout\n");
    else if (WIFEXITED(status))
        printf("exit:%d\n", WEXITSTATUS(status));
    else
        printf("signal:%d\n", WTERMSIG(status));
    return 0;
}
