/*
 * mhd_ceiling.c: the fastest answer libmicrohttpd gives on this machine.
 * Accepts a POST to any path, reads the body, answers a fixed Identify
 * response: the baseline bench/run compares winrmd's Identify with.
 * Usage: mhd_ceiling PORT [THREADS]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

static const char reply[] =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
    "<s:Header/><s:Body><wsmid:IdentifyResponse xmlns:wsmid="
    "\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\">"
    "<wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
    "</wsmid:ProtocolVersion><wsmid:ProductVendor>ceiling</wsmid:ProductVendor>"
    "<wsmid:ProductVersion>OS: 0.0.0 SP: 0.0 Stack: 3.0</wsmid:ProductVersion>"
    "</wsmid:IdentifyResponse></s:Body></s:Envelope>";

static struct MHD_Response *resp;

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **req)
{
	static int marker;

	(void)cls; (void)url; (void)method; (void)version; (void)data;
	if (*req == NULL) {
		*req = &marker;
		return MHD_YES;
	}
	if (*size != 0) {
		*size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(c, 200, resp);
}

int
main(int argc, char **argv)
{
	unsigned port = argc > 1 ? (unsigned)atoi(argv[1]) : 18080;
	unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;

	resp = MHD_create_response_from_buffer(strlen(reply), (void *)reply,
	    MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type",
	    "application/soap+xml;charset=UTF-8");
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, (uint16_t)port,
	    NULL, NULL, on_access, NULL,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, 10000u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 120u,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "mhd_ceiling: cannot listen on %u\n", port);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(resp);
	return 0;
}
