/*
 * psrp_cmdlet.h: the small set of PowerShell cmdlets a PSRP pipeline may
 * use to get objects (docs/PSRP.md, "Objects from cmdlets"; winrmd(8)).
 * The recogniser is pure: it turns a CREATE_PIPELINE (add_cmdlet
 * commands, add_script text, pypsrp's Invoke-Expression wrapper) into a
 * plan, the argument vector of `winrmd-native psobject', which produces
 * the objects as the user; a pipeline it does not understand is left to
 * the user's shell (psrp_script.c).
 *
 * The plan: statements separated by the word ";", each a list of stages
 * separated by "|", each stage a canonical cmdlet name and then "-Param"
 * "value" pairs (a list parameter repeats its name; a switch is "-Name"
 * "True").  Internal sources: "winrmd:psversiontable", "winrmd:env" -Name
 * N, "winrmd:exit" -Code N.
 *
 * winrmd-native writes one line per record: 'O' and an output object's
 * CLIXML, 'E' an ErrorRecord's, 'I' an InformationRecord's (Write-Host).
 */
#ifndef WINRMD_SHELL_PSRP_CMDLET_H
#define WINRMD_SHELL_PSRP_CMDLET_H

#include <stddef.h>
#include <stdint.h>

#include "message.h"
#include "psrp_msgs.h"

/* at most this many words in a plan, bytes in a script's text */
#define PSRP_CMDLET_MAX_WORDS	128	/* 64 stages at most */
#define PSRP_CMDLET_MAX_TEXT	8192

/*
 * 1 with *ret_argv (NULL-terminated, psrp_cmdlet_free) when every
 * statement of p is understood; 0 when not (the shell runs it); -1 when
 * out of memory.
 */
int	psrp_cmdlet_recognise(const struct psrp_pipeline *p, char ***ret_argv);
/* the same for script text (add_script, Invoke-Expression's -Command) */
int	psrp_cmdlet_parse_text(const char *text, size_t len, char ***ret_argv);
void	psrp_cmdlet_free(char **argv);
/*
 * The cmdlets understood, for tab completion (native/ps_complete.c):
 * the canonical name of the i-th, NULL past the last; the i-th parameter
 * of a cmdlet (a name or an alias), NULL past the last or for another
 * command.
 */
const char *psrp_cmdlet_name(size_t i);
const char *psrp_cmdlet_param(const char *cmdlet, size_t i);

/*
 * The command line that runs plan: native "psobject" mark plan...; the
 * vector is malloc'd, its strings borrowed.  NULL when out of memory.
 */
char	**psrp_cmdlet_argv(const char *native, const char *mark,
	    char **plan);
/*
 * What a warm `winrmd-native psobject -' takes on its stdin for mark and
 * plan: the number of words and a new line, then mark and the plan's
 * words, each ending with a NUL; its length in *ret_len; NULL when out
 * of memory
 */
char	*psrp_cmdlet_handoff(const char *mark, char *const *plan,
	    size_t *ret_len);

/*
 * One line winrmd-native wrote: the message type it is (PIPELINE_OUTPUT,
 * ERROR_RECORD, INFORMATION_RECORD) and its CLIXML body (*ret_xml,
 * *ret_len, pointing into line), passed on as it is: the program is
 * winrmd's, it runs as the user and its output goes to that user's
 * client only, so it is not parsed again (that took longer than making
 * the objects).  0, or -1 with err for a line that is not a record.
 */
int	psrp_cmdlet_line(const char *line, size_t len, uint32_t *ret_type,
	    const char **ret_xml, size_t *ret_len, char *err, size_t errlen);

#endif
