/*
 * psobject.h: `winrmd-native psobject MARK PLAN...', the objects of the
 * cmdlets a PSRP pipeline may use (plugins/shell/psrp_cmdlet.h has the
 * plan; docs/PSRP.md).  Runs as the user: every file, directory and
 * process is read with the user's rights.  psobject.c runs the plan (the
 * filters, Select/Where/Sort, the formatting of Out-String and Format-*),
 * ps_sources.c makes the objects, ps_cim.c serves CIM classes from the
 * CIM providers loaded in this process.
 */
#ifndef WINRMD_NATIVE_PSOBJECT_H
#define WINRMD_NATIVE_PSOBJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "clixml.h"

#define PSOBJ_MAX_STAGES	64
/* the most words (the mark and the plan's) a warm `psobject -' takes on
 * stdin; plugins/shell/psrp_warm.c starts a longer plan cold */
#define PSOBJ_HANDOFF_WORDS	4096

/* winrmd-native psobject MARK PLAN...: argv from MARK on */
int	psobject_main(int argc, char **argv);

/* a stage of the plan: a cmdlet and its parameters (-Name value pairs) */
struct ps_stage {
	const char	*name;
	char		**argv;		/* -Name value ... (borrowed) */
	size_t		 argc;
};

/* the objects flowing between stages */
struct ps_objs {
	struct clixml_value	**v;
	size_t			  n, cap;
};

void	ps_objs_add(struct ps_objs *o, struct clixml_value *v);	/* taken */
void	ps_objs_clear(struct ps_objs *o);

/* the value of parameter name (the first one), or NULL */
const char *ps_param(const struct ps_stage *s, const char *name);
/* every value of a list parameter, in order: how many, into out[max] */
size_t	ps_params(const struct ps_stage *s, const char *name,
	    const char **out, size_t max);
bool	ps_switch(const struct ps_stage *s, const char *name);

/* records on stdout (psrp_cmdlet.h's 'E' and 'I' lines) */
void	ps_error(const char *cmdlet, int category, const char *fqid,
	    const char *target, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Write-Host's record; fg, bg ConsoleColor values or -1 */
void	ps_host(const char *text, bool no_newline, int fg, int bg);

/* an object with type names (NULL-terminated) and its ToString */
struct clixml_value *ps_obj(const char *const *types, const char *tostring);
struct clixml_value *ps_str(const char *s);		/* Nil for NULL */
/* a DateTime in local time */
struct clixml_value *ps_time(long long sec, long nsec);
/* the text of a value as PowerShell shows it */
char	*ps_text(const struct clixml_value *v);

/* a path as written (Windows-style mapped, ~ expanded): malloc'd */
char	*ps_path(const char *p);

/*
 * ps_sources.c: a source stage (Get-Process, ...) into out; 0, or -1
 * when it is not a source it knows (errors are records, not failures)
 */
int	ps_source(const struct ps_stage *s, struct ps_objs *out);
/* ps_complete.c: TabExpansion2's CommandCompletion */
void	ps_complete(const struct ps_stage *s, struct ps_objs *out);
/* ps_cim.c: Get-CimInstance / Get-WmiObject */
int	ps_cim(const struct ps_stage *s, struct ps_objs *out);

#endif
