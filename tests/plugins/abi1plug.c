/*
 * abi1plug.c: a plugin as it was built for ABI 1 (struct winrmd_plugin of
 * that release, without settings), for check_dlopen: the loader must
 * refuse it, saying which ABI it has and which one the daemon wants.
 * Never installed, never loaded as a plugin by the tests.
 */
#include <stddef.h>
#include <stdint.h>

struct abi1_plugin {
	uint32_t	 abi;
	uint32_t	 size;
	const char	*name;
	const char	*version;
	void		*init, *fini, *reload, *resources;
	void		*reserved[8];
};

static int	 dummy;
static const struct abi1_plugin abi1 = {
	.abi = 1,
	.size = sizeof(struct abi1_plugin),
	.name = "abi1",
	.version = "1",
	.init = &dummy,
	.resources = &dummy,
};

const void *winrmd_plugin_entry(void);

const void *
winrmd_plugin_entry(void)
{
	return &abi1;
}
