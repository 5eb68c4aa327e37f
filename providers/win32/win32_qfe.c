/*
 * win32_qfe.c: Win32_QuickFixEngineering (key HotFixID).  Windows hotfixes
 * have no Linux counterpart: the class exists so inventory scripts work,
 * and it enumerates empty (not a fault).
 */
#include "win32.h"

enum {
	QP_HOT_FIX_ID, QP_CAPTION, QP_DESCRIPTION, QP_CS_NAME, QP_FIX_COMMENTS,
	QP_INSTALLED_BY, QP_INSTALLED_ON, QP_SERVICE_PACK_IN_EFFECT, QP_STATUS,
	QP_COUNT
};

static const struct cim_property qfe_props[QP_COUNT] = {
	[QP_HOT_FIX_ID] = { "HotFixID", CIM_STRING, CIM_KEY },
	[QP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[QP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[QP_CS_NAME] = { "CSName", CIM_STRING, 0 },
	[QP_FIX_COMMENTS] = { "FixComments", CIM_STRING, 0 },
	[QP_INSTALLED_BY] = { "InstalledBy", CIM_STRING, 0 },
	[QP_INSTALLED_ON] = { "InstalledOn", CIM_STRING, 0 },
	[QP_SERVICE_PACK_IN_EFFECT] = { "ServicePackInEffect", CIM_STRING, 0 },
	[QP_STATUS] = { "Status", CIM_STRING, 0 },
};

static int
qfe_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)ctx;
	(void)unused;
	return CIM_OK;
}

static int
qfe_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *unused)
{
	(void)ctx;
	(void)keys;
	(void)unused;
	return CIM_OK;		/* no such instance */
}

const struct cim_class w32_qfe_class = {
	.name = "Win32_QuickFixEngineering",
	.ns = W32_NS,
	.props = qfe_props,
	.nprops = QP_COUNT,
	.enumerate = qfe_enumerate,
	.get = qfe_get,
};
