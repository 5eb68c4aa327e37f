/*
 * win32_netif.c: Win32_NetworkAdapter, one instance per network interface
 * but loopback (key DeviceID = the interface index as text; Index is the
 * Index of the interface's Win32_NetworkAdapterConfiguration), from
 * /sys/class/net: NetConnectionID the interface name, MACAddress, Speed
 * in bits per second, NetEnabled (administratively up), NetConnectionStatus
 * (2 connected, 7 media disconnected, 0 disconnected), PhysicalAdapter (a
 * device behind it), ServiceName (its driver).
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "win32.h"

enum {
	AP_DEVICE_ID, AP_INDEX, AP_INTERFACE_INDEX, AP_NAME, AP_CAPTION,
	AP_DESCRIPTION, AP_PRODUCT_NAME, AP_NET_CONNECTION_ID, AP_MAC_ADDRESS,
	AP_SPEED, AP_NET_ENABLED, AP_NET_CONNECTION_STATUS, AP_ADAPTER_TYPE,
	AP_ADAPTER_TYPE_ID, AP_PHYSICAL_ADAPTER, AP_SERVICE_NAME,
	AP_AVAILABILITY, AP_SYSTEM_NAME, AP_CREATION_CLASS_NAME,
	AP_COUNT
};

static const struct cim_property netif_props[AP_COUNT] = {
	[AP_DEVICE_ID] = { "DeviceID", CIM_STRING, CIM_KEY },
	[AP_INDEX] = { "Index", CIM_UINT32, 0 },
	[AP_INTERFACE_INDEX] = { "InterfaceIndex", CIM_UINT32, 0 },
	[AP_NAME] = { "Name", CIM_STRING, 0 },
	[AP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[AP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[AP_PRODUCT_NAME] = { "ProductName", CIM_STRING, 0 },
	[AP_NET_CONNECTION_ID] = { "NetConnectionID", CIM_STRING, 0 },
	[AP_MAC_ADDRESS] = { "MACAddress", CIM_STRING, 0 },
	[AP_SPEED] = { "Speed", CIM_UINT64, 0 },
	[AP_NET_ENABLED] = { "NetEnabled", CIM_BOOLEAN, 0 },
	[AP_NET_CONNECTION_STATUS] = { "NetConnectionStatus", CIM_UINT16, 0 },
	[AP_ADAPTER_TYPE] = { "AdapterType", CIM_STRING, 0 },
	[AP_ADAPTER_TYPE_ID] = { "AdapterTypeID", CIM_UINT16, 0 },
	[AP_PHYSICAL_ADAPTER] = { "PhysicalAdapter", CIM_BOOLEAN, 0 },
	[AP_SERVICE_NAME] = { "ServiceName", CIM_STRING, 0 },
	[AP_AVAILABILITY] = { "Availability", CIM_UINT16, 0 },
	[AP_SYSTEM_NAME] = { "SystemName", CIM_STRING, 0 },
	[AP_CREATION_CLASS_NAME] = { "CreationClassName", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ pure */

uint16_t
w32_net_connection_status(unsigned flags, const char *operstate)
{
	if (!(flags & IFF_UP))
		return 0;		/* disconnected */
	if (operstate != NULL && (strcmp(operstate, "up") == 0 ||
	    strcmp(operstate, "unknown") == 0))
		return 2;		/* connected */
	if (operstate != NULL && strcmp(operstate, "dormant") == 0)
		return 1;		/* connecting */
	return 7;			/* media disconnected */
}

/* ------------------------------------------------------------ class */

static bool
net_file(const char *ifname, const char *file, char *buf, size_t len)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/class/net/%s/%s", w32->paths.sys,
	    ifname, file) >= (int)sizeof(path))
		return false;
	return procfs_read_small(AT_FDCWD, path, buf, len) > 0;
}

static int
netif_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct cim_services *svc = w32->svc;
	char dir[4096], host[256];
	struct dirent *de;
	DIR *d;

	(void)unused;
	if (w32_path(dir, sizeof(dir), w32->paths.sys, "class/net") < 0 ||
	    (d = opendir(dir)) == NULL)
		return CIM_OK;
	w32_hostname(host, sizeof(host));
	while ((de = readdir(d)) != NULL) {
		char v[64], oper[32], id[16], path[4096], link[4096];
		struct cim_instance *i;
		unsigned long idx, flags = 0, type = 0;
		ssize_t len;

		if (de->d_name[0] == '.' ||
		    !net_file(de->d_name, "ifindex", v, sizeof(v)))
			continue;
		idx = strtoul(v, NULL, 10);
		if (net_file(de->d_name, "flags", v, sizeof(v)))
			flags = strtoul(v, NULL, 16);
		if (net_file(de->d_name, "type", v, sizeof(v)))
			type = strtoul(v, NULL, 10);
		if ((flags & IFF_LOOPBACK) || type == 772)
			continue;
		if ((i = svc->instance(ctx)) == NULL) {
			closedir(d);
			return w32_fail_nomem(ctx);
		}
		snprintf(id, sizeof(id), "%lu", idx);
		svc->set_string(i, AP_DEVICE_ID, id);
		svc->set_uint(i, AP_INDEX, idx);
		svc->set_uint(i, AP_INTERFACE_INDEX, idx);
		svc->set_string(i, AP_NAME, de->d_name);
		svc->set_string(i, AP_CAPTION, de->d_name);
		svc->set_string(i, AP_DESCRIPTION, de->d_name);
		svc->set_string(i, AP_PRODUCT_NAME, de->d_name);
		svc->set_string(i, AP_NET_CONNECTION_ID, de->d_name);
		if (net_file(de->d_name, "address", v, sizeof(v)) &&
		    strcmp(v, "00:00:00:00:00:00") != 0) {
			for (char *p = v; *p != '\0'; p++)
				if (*p >= 'a' && *p <= 'f')
					*p = (char)(*p - 'a' + 'A');
			svc->set_string(i, AP_MAC_ADDRESS, v);
		}
		if (!net_file(de->d_name, "operstate", oper, sizeof(oper)))
			oper[0] = '\0';
		/* the speed of a link that is down is not known */
		if (strcmp(oper, "up") == 0)
			svc->set_uint(i, AP_SPEED, w32_link_speed(de->d_name));
		svc->set_bool(i, AP_NET_ENABLED, (flags & IFF_UP) != 0);
		svc->set_uint(i, AP_NET_CONNECTION_STATUS,
		    w32_net_connection_status((unsigned)flags, oper));
		if (type == 1) {
			svc->set_string(i, AP_ADAPTER_TYPE, "Ethernet 802.3");
			svc->set_uint(i, AP_ADAPTER_TYPE_ID, 0);
		}
		snprintf(path, sizeof(path), "%s/class/net/%s/device",
		    w32->paths.sys, de->d_name);
		svc->set_bool(i, AP_PHYSICAL_ADAPTER, access(path, F_OK) == 0);
		snprintf(path, sizeof(path), "%s/class/net/%s/device/driver",
		    w32->paths.sys, de->d_name);
		if ((len = readlink(path, link, sizeof(link) - 1)) > 0) {
			link[len] = '\0';
			svc->set_string(i, AP_SERVICE_NAME, strrchr(link, '/') ?
			    strrchr(link, '/') + 1 : link);
		}
		svc->set_uint(i, AP_AVAILABILITY, 3);	/* running */
		svc->set_string(i, AP_SYSTEM_NAME, host);
		svc->set_string(i, AP_CREATION_CLASS_NAME,
		    "Win32_NetworkAdapter");
		if (!svc->emit(ctx, i))
			break;
	}
	closedir(d);
	return CIM_OK;
}

const struct cim_class w32_netif_class = {
	.name = "Win32_NetworkAdapter",
	.ns = W32_NS,
	.props = netif_props,
	.nprops = AP_COUNT,
	.enumerate = netif_enumerate,
};
