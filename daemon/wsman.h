/*
 * wsman.h: the WS-Addressing and WS-Management headers of a request, read
 * into typed fields (MS-WSMV §3.1.4.1.x), and xs:duration.
 */
#ifndef WINRMD_WSMAN_H
#define WINRMD_WSMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include <winrmd/plugin.h>

#include "fault.h"

struct arena;

#define WSMAN_MAX_SELECTORS	64
#define WSMAN_MAX_OPTIONS	64
#define WSMAN_MIN_ENVELOPE	8192

struct wsman_limits {
	size_t		max_envelope;	/* MaxEnvelopeSizekb * 1024 */
	uint64_t	max_timeout_ms;	/* MaxTimeoutms */
};

struct wsman_msg {
	xmlDocPtr		 doc;
	xmlNodePtr		 header;	/* s:Header or NULL */
	xmlNodePtr		 body;		/* first element in s:Body, or NULL */
	bool			 identify;	/* body is exactly wsmid:Identify */

	const char		*action;
	const char		*to;
	const char		*message_id;
	const char		*resource_uri;
	const char		*locale;
	const char		*data_locale;
	const char		*session_id;

	struct winrmd_selector	*selectors;
	size_t			 nselectors;
	struct winrmd_option	*options;
	size_t			 noptions;

	uint64_t		 timeout_ms;	/* clamped */
	size_t			 max_envelope;	/* clamped */
};

/*
 * Finds the Header and Body of a parsed envelope and recognises Identify.
 * Returns 0, or -1 with the fault set.
 */
int	wsman_envelope(struct wsman_msg *m, xmlDocPtr doc, struct fault *f);

/*
 * Reads and checks the headers (not needed for Identify).  Strings are
 * copied into the arena.  Returns 0, or -1 with the fault set.
 */
int	wsman_read_headers(struct wsman_msg *m, struct arena *a,
	    const struct wsman_limits *lim, struct fault *f);

/*
 * xs:duration -> milliseconds.  Accepts [-]PnDTnHnMn[.n]S forms without
 * years or months; rejects negatives, empty parts, repeats, wrong order and
 * overflow.  Returns 0 or -EINVAL / -ERANGE.
 */
int	wsman_parse_duration(const char *s, uint64_t *ret_ms);
/* milliseconds -> "PT7200.000S" */
void	wsman_format_duration(uint64_t ms, char *buf, size_t len);

const char *wsman_selector(const struct wsman_msg *m, const char *name);
const char *wsman_option(const struct wsman_msg *m, const char *name);

#endif
