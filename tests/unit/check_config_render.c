/*
 * check_config_render.c: plugins/config's rendering against the mock host.
 *
 *  - cfg:Config has Windows' elements in Windows' order (the reply of a real
 *    Windows in pypsrp's test_wsman_update_envelope_size_500.yml, less
 *    Service/RootSDDL), every value from the configuration
 *  - keys the daemon does not have fall back to the truthful default
 *    (Kerberos/Negotiate/Certificate false, CbtHardeningLevel Relaxed, ...);
 *    booleans are "true"/"false" whatever the file says ("yes", "1")
 *  - each sub-URI maps to its part, case-insensitively; others to none
 *  - listeners: one per (address, transport), port 0 = none; IP filters;
 *    those the daemon gives (host->listener): disabled ones, thumbprints,
 *    Get's selectors
 */
#define _GNU_SOURCE

#include <stdarg.h>
#include <stdbool.h>
#include <strings.h>

#include <libxml/tree.h>

#include "cfg.h"
#include "mock_host.h"
#include "unit.h"

/* what daemon/config.c knows today (no Kerberos, Negotiate, ...) */
static const struct mock_conf today[] = {
	{ "Listener", "Address", "127.0.0.1 ::1" },
	{ "Listener", "HTTPPort", "5985" },
	{ "Listener", "HTTPSPort", "5986" },
	{ "Listener", "URLPrefix", "wsman" },
	{ "Service", "AllowUnencrypted", "yes" },
	{ "Service", "MaxEnvelopeSizekb", "600" },
	{ "Service", "MaxTimeoutms", "60000" },
	{ "Service", "MaxConnections", "300" },
	{ "Service", "MaxPacketRetrievalTimeSeconds", "120" },
	{ "Service", "EnumerationTimeoutms", "60000" },
	{ "Service", "MaxBatchItems", "1000" },
	{ "Service", "MaxConcurrentOperationsPerUser", "100" },
	{ "Auth", "Basic", "1" },
	{ "Winrs", "AllowRemoteShellAccess", "true" },
	{ "Winrs", "IdleTimeout", "7200000" },
	{ "Winrs", "MaxShellsPerUser", "30" },
	{ "Winrs", "MaxConcurrentUsers", "10" },
	{ "Winrs", "MaxProcessesPerShell", "25" },
	{ "Winrs", "MaxMemoryPerShellMB", "1024" },
	{ "Config", "AdminGroups", "sudo wheel" },
	{ "Config", "AllowPut", "false" },
	{ NULL, NULL, NULL },
};

/* the keys someone is adding to [Auth] */
static const struct mock_conf tomorrow[] = {
	{ "Listener", "Address", "*" },
	{ "Listener", "HTTPPort", "0" },
	{ "Listener", "HTTPSPort", "443" },
	{ "Auth", "Basic", "false" },
	{ "Auth", "Kerberos", "true" },
	{ "Auth", "Negotiate", "on" },
	{ "Auth", "Certificate", "no" },
	{ "Auth", "CbtHardeningLevel", "strict" },
	{ NULL, NULL, NULL },
};

/* ------------------------------------------------------------ helpers */

static xmlDocPtr doc;
static xmlNodePtr root;

static void
setup(void)
{
	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewDocNode(doc, NULL, BAD_CAST "Body", NULL);
	xmlDocSetRootElement(doc, root);
}

static void
teardown(void)
{
	xmlFreeDoc(doc);
	doc = NULL;
}

/* the node serialised, malloc'd */
static char *
dump(xmlNodePtr n)
{
	xmlBufferPtr buf = xmlBufferCreate();
	char *s;

	ck_assert_int_ge(xmlNodeDump(buf, doc, n, 0, 0), 0);
	s = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}

/* text of the first descendant element with that path ("Service/Auth/Basic") */
static const char *
value_of(xmlNodePtr top, const char *path)
{
	static char out[256];
	char copy[256], *save = NULL;
	xmlNodePtr n = top;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *t = strtok_r(copy, "/", &save); t && n;
	    t = strtok_r(NULL, "/", &save)) {
		xmlNodePtr c;

		for (c = n->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE &&
			    strcmp((const char *)c->name, t) == 0)
				break;
		n = c;
	}
	ck_assert_msg(n != NULL, "no element %s", path);
	{
		xmlChar *v = xmlNodeGetContent(n);

		snprintf(out, sizeof(out), "%s", v ? (const char *)v : "");
		xmlFree(v);
	}
	return out;
}

/* ------------------------------------------------------------- tests */

START_TEST(test_full_config_in_windows_order)
{
	static const char expect[] =
	    "<cfg:Config xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config\">"
	    "<cfg:MaxEnvelopeSizekb>600</cfg:MaxEnvelopeSizekb>"
	    "<cfg:MaxTimeoutms>60000</cfg:MaxTimeoutms>"
	    "<cfg:MaxBatchItems>1000</cfg:MaxBatchItems>"
	    "<cfg:MaxProviderRequests>4294967295</cfg:MaxProviderRequests>"
	    "<cfg:Client><cfg:NetworkDelayms>5000</cfg:NetworkDelayms>"
	    "<cfg:URLPrefix>wsman</cfg:URLPrefix>"
	    "<cfg:AllowUnencrypted>false</cfg:AllowUnencrypted>"
	    "<cfg:Auth><cfg:Basic>true</cfg:Basic><cfg:Digest>true</cfg:Digest>"
	    "<cfg:Kerberos>true</cfg:Kerberos><cfg:Negotiate>true</cfg:Negotiate>"
	    "<cfg:Certificate>true</cfg:Certificate><cfg:CredSSP>false</cfg:CredSSP>"
	    "</cfg:Auth><cfg:DefaultPorts><cfg:HTTP>5985</cfg:HTTP>"
	    "<cfg:HTTPS>5986</cfg:HTTPS></cfg:DefaultPorts>"
	    "<cfg:TrustedHosts></cfg:TrustedHosts></cfg:Client>"
	    "<cfg:Service>"
	    "<cfg:MaxConcurrentOperations>4294967295</cfg:MaxConcurrentOperations>"
	    "<cfg:MaxConcurrentOperationsPerUser>100</cfg:MaxConcurrentOperationsPerUser>"
	    "<cfg:EnumerationTimeoutms>60000</cfg:EnumerationTimeoutms>"
	    "<cfg:MaxConnections>300</cfg:MaxConnections>"
	    "<cfg:MaxPacketRetrievalTimeSeconds>120</cfg:MaxPacketRetrievalTimeSeconds>"
	    "<cfg:AllowUnencrypted>true</cfg:AllowUnencrypted>"
	    "<cfg:Auth><cfg:Basic>true</cfg:Basic><cfg:Kerberos>false</cfg:Kerberos>"
	    "<cfg:Negotiate>false</cfg:Negotiate><cfg:Certificate>false</cfg:Certificate>"
	    "<cfg:CredSSP>false</cfg:CredSSP>"
	    "<cfg:CbtHardeningLevel>Relaxed</cfg:CbtHardeningLevel></cfg:Auth>"
	    "<cfg:DefaultPorts><cfg:HTTP>5985</cfg:HTTP><cfg:HTTPS>5986</cfg:HTTPS>"
	    "</cfg:DefaultPorts>"
	    "<cfg:IPv4Filter>127.0.0.1-127.0.0.1</cfg:IPv4Filter>"
	    "<cfg:IPv6Filter>::1-::1</cfg:IPv6Filter>"
	    "<cfg:EnableCompatibilityHttpListener>false</cfg:EnableCompatibilityHttpListener>"
	    "<cfg:EnableCompatibilityHttpsListener>false</cfg:EnableCompatibilityHttpsListener>"
	    "<cfg:CertificateThumbprint></cfg:CertificateThumbprint>"
	    "<cfg:AllowRemoteAccess>true</cfg:AllowRemoteAccess></cfg:Service>"
	    "<cfg:Winrs><cfg:AllowRemoteShellAccess>true</cfg:AllowRemoteShellAccess>"
	    "<cfg:IdleTimeout>7200000</cfg:IdleTimeout>"
	    "<cfg:MaxConcurrentUsers>10</cfg:MaxConcurrentUsers>"
	    "<cfg:MaxShellRunTime>2147483647</cfg:MaxShellRunTime>"
	    "<cfg:MaxProcessesPerShell>25</cfg:MaxProcessesPerShell>"
	    "<cfg:MaxMemoryPerShellMB>1024</cfg:MaxMemoryPerShellMB>"
	    "<cfg:MaxShellsPerUser>30</cfg:MaxShellsPerUser></cfg:Winrs>"
	    "</cfg:Config>";
	struct cfg_listen l;
	xmlNodePtr n;
	char *s;

	mock_conf_load(today);
	ck_assert_int_eq(cfg_listen_load(&l, &mock_host), 0);
	n = cfg_render(root, CFG_PART_CONFIG, &mock_host, &l);
	ck_assert_ptr_nonnull(n);
	s = dump(n);
	ck_assert_str_eq(s, expect);
	free(s);
	cfg_listen_free(&l);
}
END_TEST

START_TEST(test_new_auth_keys_are_read_by_name)
{
	struct cfg_listen l;
	xmlNodePtr n;

	mock_conf_load(tomorrow);
	ck_assert_int_eq(cfg_listen_load(&l, &mock_host), 0);
	n = cfg_render(root, CFG_PART_CONFIG, &mock_host, &l);
	ck_assert_str_eq(value_of(n, "Service/Auth/Basic"), "false");
	ck_assert_str_eq(value_of(n, "Service/Auth/Kerberos"), "true");
	ck_assert_str_eq(value_of(n, "Service/Auth/Negotiate"), "true");
	ck_assert_str_eq(value_of(n, "Service/Auth/Certificate"), "false");
	ck_assert_str_eq(value_of(n, "Service/Auth/CredSSP"), "false");
	ck_assert_str_eq(value_of(n, "Service/Auth/CbtHardeningLevel"), "Strict");
	ck_assert_str_eq(value_of(n, "Service/IPv4Filter"), "*");
	ck_assert_str_eq(value_of(n, "Service/IPv6Filter"), "*");
	ck_assert_str_eq(value_of(n, "Service/DefaultPorts/HTTP"), "0");
	ck_assert_str_eq(value_of(n, "Service/DefaultPorts/HTTPS"), "443");
	/* keys absent altogether: Windows' defaults */
	ck_assert_str_eq(value_of(n, "MaxEnvelopeSizekb"), "500");
	ck_assert_str_eq(value_of(n, "Service/AllowUnencrypted"), "false");
	ck_assert_str_eq(value_of(n, "Winrs/AllowRemoteShellAccess"), "true");
	cfg_listen_free(&l);
}
END_TEST

START_TEST(test_sub_parts)
{
	struct cfg_listen l;
	xmlNodePtr n;
	char *s;

	mock_conf_load(today);
	ck_assert_int_eq(cfg_listen_load(&l, &mock_host), 0);

	n = cfg_render(root, CFG_PART_AUTH, &mock_host, &l);
	s = dump(n);
	ck_assert_str_eq(s, "<cfg:Auth xmlns:cfg=\"http://schemas.microsoft.com/"
	    "wbem/wsman/1/config\"><cfg:Basic>true</cfg:Basic><cfg:Kerberos>"
	    "false</cfg:Kerberos><cfg:Negotiate>false</cfg:Negotiate>"
	    "<cfg:Certificate>false</cfg:Certificate><cfg:CredSSP>false"
	    "</cfg:CredSSP><cfg:CbtHardeningLevel>Relaxed</cfg:CbtHardeningLevel>"
	    "</cfg:Auth>");
	free(s);

	n = cfg_render(root, CFG_PART_SERVICE, &mock_host, &l);
	ck_assert_str_eq((const char *)n->name, "Service");
	ck_assert_str_eq((const char *)n->ns->href, CFG_NS);
	ck_assert_str_eq(value_of(n, "AllowUnencrypted"), "true");
	ck_assert_str_eq(value_of(n, "Auth/Basic"), "true");

	n = cfg_render(root, CFG_PART_WINRS, &mock_host, &l);
	ck_assert_str_eq((const char *)n->name, "Winrs");
	ck_assert_str_eq(value_of(n, "MaxShellsPerUser"), "30");

	n = cfg_render(root, CFG_PART_CLIENT, &mock_host, &l);
	ck_assert_str_eq((const char *)n->name, "Client");
	ck_assert_str_eq(value_of(n, "Auth/CredSSP"), "false");

	ck_assert_ptr_null(cfg_render(root, CFG_PART_LISTENER, &mock_host, &l));
	ck_assert_ptr_null(cfg_render(root, CFG_PART_NONE, &mock_host, &l));
	cfg_listen_free(&l);
}
END_TEST

START_TEST(test_part_of_uri)
{
	ck_assert_int_eq(cfg_part_of(CFG_URI), CFG_PART_CONFIG);
	ck_assert_int_eq(cfg_part_of(CFG_URI "/"), CFG_PART_CONFIG);
	ck_assert_int_eq(cfg_part_of("HTTP://schemas.microsoft.com/wbem/wsman/1/"
	    "CONFIG/Service/Auth"), CFG_PART_AUTH);
	ck_assert_int_eq(cfg_part_of(CFG_URI "/service"), CFG_PART_SERVICE);
	ck_assert_int_eq(cfg_part_of(CFG_URI "/client"), CFG_PART_CLIENT);
	ck_assert_int_eq(cfg_part_of(CFG_URI "/winrs"), CFG_PART_WINRS);
	ck_assert_int_eq(cfg_part_of(CFG_URI "/Listener?Address=*+Transport=HTTP"),
	    CFG_PART_LISTENER);
	ck_assert_int_eq(cfg_part_of(CFG_URI "/plugin"), CFG_PART_NONE);
	ck_assert_int_eq(cfg_part_of(CFG_URI "/service/certmapping"),
	    CFG_PART_NONE);
	ck_assert_int_eq(cfg_part_of(CFG_URI "x"), CFG_PART_NONE);
	ck_assert_int_eq(cfg_part_of("http://schemas.microsoft.com/wbem/wsman/1/"
	    "windows/shell/cmd"), CFG_PART_NONE);
	ck_assert_int_eq(cfg_part_of(NULL), CFG_PART_NONE);
}
END_TEST

START_TEST(test_listeners)
{
	struct cfg_listener v[CFG_MAX_LISTENERS];
	struct cfg_listen l;
	xmlNodePtr n;
	size_t count;

	mock_conf_load(today);
	ck_assert_int_eq(cfg_listen_load(&l, &mock_host), 0);
	count = cfg_listeners(&l, v, CFG_MAX_LISTENERS);
	ck_assert_uint_eq(count, 4);
	ck_assert_str_eq(v[0].address, "IP:127.0.0.1");
	ck_assert_str_eq(v[0].transport, "HTTP");
	ck_assert_int_eq(v[0].port, 5985);
	ck_assert_str_eq(v[1].address, "IP:127.0.0.1");
	ck_assert_str_eq(v[1].transport, "HTTPS");
	ck_assert_int_eq(v[1].port, 5986);
	ck_assert_str_eq(v[3].address, "IP:::1");
	ck_assert_ptr_eq(cfg_listener_find(v, count, "ip:::1", "https"), &v[3]);
	ck_assert_ptr_null(cfg_listener_find(v, count, "*", "HTTP"));
	ck_assert_ptr_null(cfg_listener_find(v, count, NULL, "HTTP"));
	ck_assert_uint_eq(cfg_listeners(&l, v, 3), 3);

	n = cfg_render_listener(root, &l, &v[0]);
	ck_assert_str_eq(value_of(n, "Address"), "IP:127.0.0.1");
	ck_assert_str_eq(value_of(n, "Transport"), "HTTP");
	ck_assert_str_eq(value_of(n, "Port"), "5985");
	ck_assert_str_eq(value_of(n, "Hostname"), "");
	ck_assert_str_eq(value_of(n, "Enabled"), "true");
	ck_assert_str_eq(value_of(n, "URLPrefix"), "wsman");
	ck_assert_str_eq(value_of(n, "CertificateThumbprint"), "");
	ck_assert_str_eq(value_of(n, "ListeningOn"), "127.0.0.1");
	cfg_listen_free(&l);

	/* "*", no HTTP port: one HTTPS listener, on every address */
	mock_conf_load(tomorrow);
	ck_assert_int_eq(cfg_listen_load(&l, &mock_host), 0);
	count = cfg_listeners(&l, v, CFG_MAX_LISTENERS);
	ck_assert_uint_eq(count, 1);
	ck_assert_str_eq(v[0].address, "*");
	ck_assert_str_eq(v[0].transport, "HTTPS");
	ck_assert_int_eq(v[0].port, 443);
	n = cfg_render_listener(root, &l, &v[0]);
	/* the loopback interface is up wherever this runs */
	{
		bool lo = false;

		for (xmlNodePtr c = n->children; c; c = c->next)
			if (strcmp((const char *)c->name, "ListeningOn") == 0) {
				xmlChar *t = xmlNodeGetContent(c);

				lo |= strcmp((const char *)t, "127.0.0.1") == 0;
				xmlFree(t);
			}
		ck_assert_msg(lo, "ListeningOn of * lacks 127.0.0.1");
	}
	cfg_listen_free(&l);
}
END_TEST

START_TEST(test_ip_filters)
{
	static const struct mock_conf mixed[] = {
		{ "Listener", "Address", "10.0.0.1, ::1 192.168.1.2" },
		{ NULL, NULL, NULL },
	};
	struct cfg_listen l;
	char v4[128], v6[128];

	mock_conf_load(mixed);
	ck_assert_int_eq(cfg_listen_load(&l, &mock_host), 0);
	/* no port keys: Windows' defaults */
	ck_assert_int_eq(l.http_port, 5985);
	ck_assert_int_eq(l.https_port, 5986);
	cfg_ip_filters(&l, v4, sizeof(v4), v6, sizeof(v6));
	ck_assert_str_eq(v4, "10.0.0.1-10.0.0.1, 192.168.1.2-192.168.1.2");
	ck_assert_str_eq(v6, "::1-::1");
	cfg_listen_free(&l);
}
END_TEST

/* the daemon's listeners, as host->listener gives them */
static const struct winrmd_listener daemon_listeners[] = {
	{ "plain", "IP:127.0.0.1", "HTTP", 5985, true, "wsman", "",
	  "127.0.0.1" },
	{ "six", "IP:::1", "HTTPS", 5986, true, "own",
	  "0123456789ABCDEF0123456789ABCDEF01234567", "::1" },
	{ "off", "*", "HTTPS", 5987, false, "wsman",
	  "89ABCDEF0123456789ABCDEF0123456789ABCDEF", NULL },
};

static bool
fake_listener(size_t i, struct winrmd_listener *out)
{
	if (i >= sizeof(daemon_listeners) / sizeof(daemon_listeners[0]))
		return false;
	*out = daemon_listeners[i];
	return true;
}

/* what the daemon says it runs wins over the [Listener] keys */
START_TEST(test_listeners_from_daemon)
{
	struct winrmd_host h = mock_host;
	struct cfg_listener v[CFG_MAX_LISTENERS];
	struct cfg_listen l;
	char v4[128], v6[128];
	xmlNodePtr n;
	size_t count;

	h.listener = fake_listener;
	mock_conf_load(today);
	ck_assert_int_eq(cfg_listen_load(&l, &h), 0);
	count = cfg_listeners(&l, v, CFG_MAX_LISTENERS);
	ck_assert_uint_eq(count, 3);
	/* the ports of DefaultPorts are still the [Listener] keys */
	ck_assert_int_eq(l.http_port, 5985);
	ck_assert_int_eq(l.https_port, 5986);
	ck_assert_ptr_eq(cfg_listener_find(v, count, "IP:[::1]", "https"),
	    &v[1]);
	ck_assert_ptr_eq(cfg_listener_find(v, count, "*", "HTTPS"), &v[2]);
	ck_assert_ptr_null(cfg_listener_find(v, count, "*", "HTTP"));

	n = cfg_render_listener(root, &l, &v[1]);
	ck_assert_str_eq(value_of(n, "Address"), "IP:::1");
	ck_assert_str_eq(value_of(n, "Port"), "5986");
	ck_assert_str_eq(value_of(n, "Enabled"), "true");
	ck_assert_str_eq(value_of(n, "URLPrefix"), "own");
	ck_assert_str_eq(value_of(n, "CertificateThumbprint"),
	    "0123456789ABCDEF0123456789ABCDEF01234567");
	ck_assert_str_eq(value_of(n, "ListeningOn"), "::1");

	/* disabled: listed, listening on nothing */
	n = cfg_render_listener(root, &l, &v[2]);
	ck_assert_str_eq(value_of(n, "Enabled"), "false");
	ck_assert_str_eq(value_of(n, "CertificateThumbprint"),
	    "89ABCDEF0123456789ABCDEF0123456789ABCDEF");
	for (xmlNodePtr c = n->children; c; c = c->next)
		ck_assert_str_ne((const char *)c->name, "ListeningOn");

	/* the filters: the enabled listeners' addresses, "*" not among them */
	cfg_ip_filters(&l, v4, sizeof(v4), v6, sizeof(v6));
	ck_assert_str_eq(v4, "127.0.0.1-127.0.0.1");
	ck_assert_str_eq(v6, "::1-::1");
	cfg_listen_free(&l);
}
END_TEST

static Suite *
config_render_suite(void)
{
	Suite *s = suite_create("config_render");
	TCase *tc = tcase_create("render");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_full_config_in_windows_order);
	tcase_add_test(tc, test_new_auth_keys_are_read_by_name);
	tcase_add_test(tc, test_sub_parts);
	tcase_add_test(tc, test_part_of_uri);
	tcase_add_test(tc, test_listeners);
	tcase_add_test(tc, test_ip_filters);
	tcase_add_test(tc, test_listeners_from_daemon);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(config_render_suite)
