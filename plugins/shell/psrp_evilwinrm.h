/*
 * psrp_evilwinrm.h: what evil-winrm-py (1.7) sends on a runspace pool and
 * winrmd serves natively instead of handing the text to the user's shell:
 * its prompt, its tab-completion scripts, Resolve-Path before a download,
 * its upload (send.ps1) and download (fetch.ps1) scripts, and an honest
 * refusal of the .NET ones (exec.ps1, loaddll.ps1).  Pure: the unit tests
 * (check_psrp_evilwinrm) run the scripts it writes under /bin/sh.
 */
#ifndef WINRMD_SHELL_PSRP_EVILWINRM_H
#define WINRMD_SHELL_PSRP_EVILWINRM_H

#include "psrp.h"

enum psrp_served_kind {
	PSRP_SERVED_NONE = 0,	/* not one of its shapes: psrp_script_build */
	PSRP_SERVED_ANSWER,	/* answered at once, no process */
	PSRP_SERVED_SCRIPT,	/* run as the user: this shell text */
};

struct psrp_served {
	int		 kind;
	char		*out;	/* ANSWER: stdout; SCRIPT: the shell text */
	char		*err;	/* ANSWER: stderr (an error record), or NULL */
	int		 code;	/* ANSWER: the exit status */
	const char	*what;	/* for the log */
};

/*
 * Whether p is one of evil-winrm-py's shapes; cwd is the runspace's
 * working directory (the user's home when it has none).  The kind (ret
 * filled), or -1 when out of memory.
 */
int	psrp_evilwinrm_serve(const struct psrp_pipeline *p, const char *cwd,
	    struct psrp_served *ret);
void	psrp_served_free(struct psrp_served *s);
/*
 * A path as evil-winrm-py builds it ("{pwd}\{path}", Windows' separator):
 * each backslash-separated part is joined onto what came before as .NET's
 * Path.Combine joins (an absolute part starts again), from cwd.  NULL when
 * out of memory.
 */
char	*psrp_evilwinrm_path(const char *cwd, const char *path);

#endif
