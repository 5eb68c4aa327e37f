/*
 * fake_systemd_main.c: the fake systemd (fake_systemd.c) as a program, for
 * tests/interop/privsep.sh.  `fake_systemd DIR' starts a private
 * dbus-daemon on DIR/socket, serves org.freedesktop.systemd1 on it,
 * prints the bus address on a line once it does, and runs until SIGTERM
 * or its parent's end (the dbus-daemon ends with it).
 */
#include "build.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_systemd.h"

static char address[512];
static int ready[2];

static void
on_term(int sig)
{
	(void)sig;
	fake_stop = 1;
}

static void *
serve(void *arg)
{
	(void)arg;
	fake_systemd_serve(address, ready[1]);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_t t;
	pid_t bus;
	char ok = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: fake_systemd DIR\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	if ((bus = fake_bus_start(argv[1], address, sizeof(address))) < 0) {
		fprintf(stderr, "fake_systemd: dbus-daemon did not start\n");
		return 1;
	}
	if (pipe(ready) < 0 || pthread_create(&t, NULL, serve, NULL) != 0 ||
	    read(ready[0], &ok, 1) != 1 || !ok) {
		fprintf(stderr, "fake_systemd: cannot serve on %s\n", address);
		kill(bus, SIGTERM);
		return 1;
	}
	printf("%s\n", address);
	fflush(stdout);
	pthread_join(t, NULL);
	kill(bus, SIGTERM);
	waitpid(bus, NULL, 0);
	return 0;
}
