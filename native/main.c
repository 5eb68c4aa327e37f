/*
 * main.c: winrmd-native's command line.  The shell plugin starts it, as
 * the user, for each Ansible or winrmcp script it recognised
 * (plugins/shell/ansible.c, plugins/shell/winrmcp.c):
 *
 *   winrmd-native put_file PATH             stdin: base64 lines -> PATH
 *   winrmd-native fetch_file PATH OFFSET SIZE
 *   winrmd-native fetch_stream PATH SIZE    "[FILE]", then each chunk
 *   winrmd-native mkdtemp BASE NAME
 *   winrmd-native remove PATH recurse|file
 *   winrmd-native expand_user [SUFFIX]
 *   winrmd-native echo TEXT
 *   winrmd-native exists PATH
 *   winrmd-native checksum PATH
 *   winrmd-native module                    stdin: the module JSON
 *   winrmd-native async                     stdin: the module JSON
 *   winrmd-native winrmcp_append PATH TEXT  (echo TEXT >> "PATH")
 *   winrmd-native winrmcp_restore TMP DEST  TMP's base64 lines -> DEST
 *   winrmd-native winrmcp_cleanup TMP
 *   winrmd-native psobject MARK PLAN...     a PSRP pipeline's cmdlets
 *                                           (psobject.h)
 *
 * Paths are Windows-style, as the client wrote them (winpath.h maps them).
 * Exit codes: what the helper or module says; 2 for a wrong command line.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "native.h"
#include "psobject.h"

#define PAYLOAD_MAX	(16u * 1024 * 1024)

static int
usage(void)
{
	fputs("usage: winrmd-native put_file|fetch_file|fetch_stream|mkdtemp|remove|"
	    "expand_user|echo|exists|checksum ARGS...\n"
	    "       winrmd-native module|async < payload.json\n"
	    "       winrmd-native winrmcp_append|winrmcp_restore|"
	    "winrmcp_cleanup ARGS...\n"
	    "winrmd-native runs Ansible's connection scripts and modules, and "
	    "winrmcp's scripts, for winrmd; it is started by the daemon.\n",
	    stderr);
	return 2;
}

/* the module JSON on stdin */
static struct json_object *
read_payload(void)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t len = 0, cap = 65536;
	char *buf = xmalloc(cap + 1);
	ssize_t n;

	while ((n = read(0, buf + len, cap - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "winrmd-native: reading stdin: %s\n",
			    strerror(errno));
			free(buf);
			return NULL;
		}
		len += (size_t)n;
		if (len == cap) {
			if (cap >= PAYLOAD_MAX) {
				fputs("winrmd-native: the payload is larger than "
				    "16 MiB\n", stderr);
				free(buf);
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	buf[len] = '\0';
	if ((tok = json_tokener_new_ex(64)) == NULL)
		die_nomem();
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		fprintf(stderr, "winrmd-native: the payload is not a JSON "
		    "object (%s)\n",
		    json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	free(buf);
	return o;
}

int
main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	int n = argc - 2;
	char **a = argv + 2;

	/* a closed pipe is an error to report, not a reason to die */
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(what, "put_file") == 0 && n == 1)
		return helper_put_file(a[0]);
	if (strcmp(what, "fetch_file") == 0 && n == 3)
		return helper_fetch_file(a[0], a[1], a[2]);
	if (strcmp(what, "fetch_stream") == 0 && n == 2)
		return helper_fetch_stream(a[0], a[1]);
	if (strcmp(what, "mkdtemp") == 0 && n == 2)
		return helper_mkdtemp(a[0], a[1]);
	if (strcmp(what, "remove") == 0 && n == 2)
		return helper_remove(a[0], strcmp(a[1], "recurse") == 0);
	if (strcmp(what, "expand_user") == 0 && n <= 1)
		return helper_expand_user(n == 1 ? a[0] : NULL);
	if (strcmp(what, "echo") == 0 && n == 1)
		return helper_echo(a[0]);
	if (strcmp(what, "exists") == 0 && n == 1)
		return helper_exists(a[0]);
	if (strcmp(what, "checksum") == 0 && n == 1)
		return helper_checksum(a[0]);
	if (strcmp(what, "winrmcp_append") == 0 && n == 2)
		return helper_winrmcp_append(a[0], a[1]);
	if (strcmp(what, "winrmcp_restore") == 0 && n == 2)
		return helper_winrmcp_restore(a[0], a[1]);
	if (strcmp(what, "winrmcp_cleanup") == 0 && n == 1)
		return helper_winrmcp_cleanup(a[0]);
	if (strcmp(what, "psobject") == 0 && n >= 1)
		return psobject_main(n, a);
	if ((strcmp(what, "module") == 0 || strcmp(what, "async") == 0) &&
	    n == 0) {
		struct json_object *p = read_payload(), *name;
		int r;

		if (p == NULL)
			return 1;
		if (strcmp(what, "async") == 0)
			r = async_job(p);
		else if (!json_object_object_get_ex(p, "module", &name) ||
		    !json_object_is_type(name, json_type_string)) {
			fputs("winrmd-native: the payload names no module\n",
			    stderr);
			r = 1;
		} else
			r = module_run(p, json_object_get_string(name));
		json_object_put(p);
		return r;
	}
	return usage();
}
