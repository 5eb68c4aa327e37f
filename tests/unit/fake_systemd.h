/*
 * fake_systemd.h: a fake systemd on a private D-Bus (fake_systemd.c), for
 * check_win32_service and tests/interop/privsep.sh.
 */
#ifndef WINRMD_FAKE_SYSTEMD_H
#define WINRMD_FAKE_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fake_unit {
	const char	*name;
	const char	*description;
	const char	*load;
	const char	*active;
	const char	*file_state;
	const char	*result;
	const char	*user;
	const char	*type;
	uint32_t	 main_pid;
	int32_t		 exec_status;
	uint64_t	 start_ts;
	int		 can_stop;
	const char	*exec_path;
	const char	*exec_argv[4];
	bool		 loaded;	/* in ListUnits */
	bool		 file;		/* in ListUnitFiles */
};

/* set to end fake_systemd_serve; to have it answer nothing for a while */
extern volatile int fake_stop, fake_paused;

/* whether /usr/bin/dbus-daemon is there */
bool	fake_bus_available(void);
/*
 * A private dbus-daemon listening on DIR/socket (its configuration
 * DIR/bus.conf), ended by SIGTERM when its parent ends: its pid once it
 * accepts connections, its address in address; -1 if it cannot start.
 */
pid_t	fake_bus_start(const char *dir, char *address, size_t len);
/*
 * Connects to address as org.freedesktop.systemd1, writes one byte to
 * ready_fd (1: serving, 0: failed), serves until fake_stop: 0, or -1.
 */
int	fake_systemd_serve(const char *address, int ready_fd);

#endif
