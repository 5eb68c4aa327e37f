/*
 * check_win32_parse.c: the win32 provider's pure functions on fixtures of
 * tests/data/win32 (/proc/PID/stat, status, io, cmdline, meminfo, stat,
 * mountinfo, cpuinfo, routes, os-release, resolv.conf, utmp records) and
 * the Win32 unit conversions: KB vs bytes, 100 ns times, start times,
 * priorities, drive types, LCIDs, command-line splitting, the kill rule.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <utmpx.h>

#include "osrelease.h"
#include "procfs.h"
#include "win32.h"
#include "unit.h"

#define FIX(name)	"win32/" name

/* --- /proc/PID --- */

START_TEST(test_stat)
{
	size_t len;
	char *buf = unit_read_data(FIX("proc/1234/stat"), &len);
	struct proc_stat ps;

	ck_assert_int_eq(procfs_parse_stat(buf, len, &ps), 0);
	ck_assert_int_eq(ps.pid, 1234);
	/* the name holds ") " and still parses: the last ')' ends it */
	ck_assert_str_eq(ps.comm, "my prog) x");
	ck_assert_int_eq(ps.state, 'S');
	ck_assert_int_eq(ps.ppid, 1);
	ck_assert_int_eq(ps.pgrp, 1234);
	ck_assert_int_eq(ps.session, 1234);
	ck_assert_uint_eq(ps.flags, 4194304);
	ck_assert_uint_eq(ps.minflt, 1000);
	ck_assert_uint_eq(ps.majflt, 24);
	ck_assert_uint_eq(ps.utime, 250);
	ck_assert_uint_eq(ps.stime, 125);
	ck_assert_int_eq(ps.priority, 25);
	ck_assert_int_eq(ps.nice, 5);
	ck_assert_uint_eq(ps.num_threads, 3);
	ck_assert_uint_eq(ps.starttime, 12345);
	ck_assert_uint_eq(ps.vsize, 104857600);
	ck_assert_uint_eq(ps.rss, 2048);
	ck_assert_uint_eq(ps.policy, 0);
	ck_assert(!(ps.flags & PF_KTHREAD_FLAG));
	free(buf);

	buf = unit_read_data(FIX("proc/4321/stat"), &len);
	ck_assert_int_eq(procfs_parse_stat(buf, len, &ps), 0);
	ck_assert_str_eq(ps.comm, "kworker/0:1H");
	ck_assert(ps.flags & PF_KTHREAD_FLAG);
	ck_assert_int_eq(ps.nice, -20);
	ck_assert_uint_eq(ps.stime, 7);
	free(buf);

	ck_assert_int_eq(procfs_parse_stat("garbage", 7, &ps), -EINVAL);
	ck_assert_int_eq(procfs_parse_stat("12 (x", 5, &ps), -EINVAL);
	ck_assert_int_eq(procfs_parse_stat("12 (x)", 6, &ps), -EINVAL);
}
END_TEST

START_TEST(test_status)
{
	char *buf = unit_read_data(FIX("proc/1234/status"), NULL);
	struct proc_status st;

	ck_assert_int_eq(procfs_parse_status(buf, &st), 0);
	ck_assert(st.has_uid);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(st.uid[i], 1000);
	ck_assert_int_eq(st.ppid, 1);
	ck_assert_uint_eq(st.threads, 3);
	ck_assert_uint_eq(st.vm_peak, 204800);
	ck_assert_uint_eq(st.vm_size, 102400);
	ck_assert_uint_eq(st.vm_hwm, 9000);
	ck_assert_uint_eq(st.vm_rss, 8192);
	ck_assert_uint_eq(st.rss_anon, 4096);
	ck_assert_uint_eq(st.vm_swap, 16);
	free(buf);

	/* a kernel thread has no memory lines */
	buf = unit_read_data(FIX("proc/4321/status"), NULL);
	ck_assert_int_eq(procfs_parse_status(buf, &st), 0);
	ck_assert_uint_eq(st.vm_rss, PROCFS_NONE);
	ck_assert_uint_eq(st.vm_size, PROCFS_NONE);
	ck_assert_uint_eq(st.vm_swap, PROCFS_NONE);
	ck_assert_uint_eq(st.threads, 1);
	free(buf);

	/* saved uid differs: the kill rule reads it */
	ck_assert_int_eq(procfs_parse_status("Uid:\t1\t2\t3\t4\n", &st), 0);
	ck_assert_uint_eq(st.uid[0], 1);
	ck_assert_uint_eq(st.uid[1], 2);
	ck_assert_uint_eq(st.uid[2], 3);
	ck_assert_uint_eq(st.uid[3], 4);
	ck_assert_int_eq(procfs_parse_status("Name:\tx\n", &st), -EINVAL);
}
END_TEST

START_TEST(test_io)
{
	char *buf = unit_read_data(FIX("proc/1234/io"), NULL);
	struct proc_io io;

	ck_assert_int_eq(procfs_parse_io(buf, &io), 0);
	ck_assert_uint_eq(io.rchar, 1111);
	ck_assert_uint_eq(io.wchar, 2222);
	ck_assert_uint_eq(io.syscr, 33);
	ck_assert_uint_eq(io.syscw, 44);
	ck_assert_int_eq(procfs_parse_io("rchar: 1\n", &io), -EINVAL);
	free(buf);
}
END_TEST

static void
expect_join(const char *in, size_t len, const char *want)
{
	char out[256];
	ssize_t n = procfs_join_cmdline(in, len, out, sizeof(out));

	ck_assert_int_eq(n, (ssize_t)strlen(want));
	ck_assert_str_eq(out, want);
}

START_TEST(test_cmdline)
{
	size_t len;
	char *buf = unit_read_data(FIX("proc/1234/cmdline"), &len);
	char small[8];

	expect_join(buf, len, "worker --name \"hello world\" \"a\\\"b\"");
	free(buf);
	/* setproctitle(): one string with blanks, NUL padding */
	expect_join("sshd: root@pts/0\0\0\0\0", 20, "sshd: root@pts/0");
	expect_join("nginx: master process /usr/sbin/nginx", 37,
	    "nginx: master process /usr/sbin/nginx");
	/* kernel threads and zombies */
	expect_join("", 0, "");
	expect_join("\0\0", 2, "");
	expect_join("a\0\0b\0", 5, "a \"\" b");
	expect_join("a\0b\\c\0", 6, "a b\\c");
	expect_join("x\0C:\\dir name\0", 14, "x \"C:\\\\dir name\"");
	ck_assert_int_eq(procfs_join_cmdline("abcdefgh\0ij", 11, small,
	    sizeof(small)), -ENOSPC);
}
END_TEST

/* --- system files --- */

START_TEST(test_meminfo)
{
	char *buf = unit_read_data(FIX("proc/meminfo"), NULL);
	struct meminfo mi;

	ck_assert_int_eq(procfs_parse_meminfo(buf, &mi), 0);
	ck_assert_uint_eq(mi.total, 16384000);
	ck_assert_uint_eq(mi.free, 1000000);
	ck_assert_uint_eq(mi.available, 8000000);
	ck_assert_uint_eq(mi.swap_total, 2097148);
	ck_assert_uint_eq(mi.swap_free, 2000000);
	free(buf);
	/* before Linux 3.14: MemFree + Buffers + Cached */
	ck_assert_int_eq(procfs_parse_meminfo("MemTotal: 100 kB\nMemFree: 10 kB\n"
	    "Buffers: 5 kB\nCached: 20 kB\n", &mi), 0);
	ck_assert_uint_eq(mi.available, 35);
	ck_assert_uint_eq(mi.swap_total, PROCFS_NONE);
	ck_assert_int_eq(procfs_parse_meminfo("Nothing: 1\n", &mi), -EINVAL);
}
END_TEST

START_TEST(test_btime)
{
	char *buf = unit_read_data(FIX("proc/stat"), NULL);
	time_t t = 0;

	ck_assert_int_eq(procfs_parse_btime(buf, &t), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(procfs_parse_btime("cpu 1 2\n", &t), -ENOENT);
	free(buf);
}
END_TEST

START_TEST(test_mountinfo)
{
	char *buf = unit_read_data(FIX("proc/self/mountinfo"), NULL);
	char *cur = buf;
	struct mount_entry m;
	int n = 0, r;
	bool saw_disk = false, saw_nfs = false;

	while ((r = procfs_next_mount(&cur, &m)) != 0) {
		ck_assert_int_eq(r, 1);
		n++;
		if (strcmp(m.mount_point, "/mnt/my disk") == 0) {
			saw_disk = true;
			ck_assert_str_eq(m.fstype, "vfat");
			ck_assert_str_eq(m.source, "/dev/sdb1");
			ck_assert_uint_eq(m.major, 8);
			ck_assert_uint_eq(m.minor, 17);
			ck_assert_str_eq(m.options, "ro,relatime");
			ck_assert_str_eq(m.super_options, "ro,fmask=0022");
		}
		if (strcmp(m.fstype, "nfs4") == 0) {
			saw_nfs = true;
			ck_assert_str_eq(m.source, "server.example.com:/export/home");
			ck_assert_str_eq(m.mount_point, "/home/nfs");
		}
	}
	ck_assert_int_eq(n, 11);
	ck_assert(saw_disk);
	ck_assert(saw_nfs);
	free(buf);

	/* a line without the separator is skipped, not fatal */
	buf = strdup("1 2 3:4 / /x rw\n5 6 7:8 / /y rw - ext4 /dev/z rw\n");
	cur = buf;
	ck_assert_int_eq(procfs_next_mount(&cur, &m), -EINVAL);
	ck_assert_int_eq(procfs_next_mount(&cur, &m), 1);
	ck_assert_str_eq(m.mount_point, "/y");
	ck_assert_int_eq(procfs_next_mount(&cur, &m), 0);
	free(buf);
}
END_TEST

START_TEST(test_cpuinfo)
{
	char *buf = unit_read_data(FIX("proc/cpuinfo"), NULL);
	unsigned sockets;
	bool hv;

	w32_parse_cpuinfo(buf, &sockets, &hv);
	ck_assert_uint_eq(sockets, 2);
	ck_assert(hv);
	free(buf);
	w32_parse_cpuinfo("processor : 0\nflags : fpu nohypervisor\n", &sockets,
	    &hv);
	ck_assert_uint_eq(sockets, 1);
	ck_assert(!hv);
	w32_parse_cpuinfo("flags : fpu hypervisor\n", &sockets, &hv);
	ck_assert(hv);
}
END_TEST

START_TEST(test_os_release)
{
	char *buf = unit_read_data(FIX("etc/os-release"), NULL);
	struct os_release os;

	ck_assert_int_eq(os_release_parse(buf, &os), 0);
	ck_assert_str_eq(os.pretty_name, "Test \"Linux\" 1.0 ($weird)");
	ck_assert_str_eq(os.name, "Test Linux");
	ck_assert_str_eq(os.version_id, "1.0");
	ck_assert_str_eq(os.version, "1.0 (Tester)");
	ck_assert_str_eq(os.id, "testlinux");
	ck_assert_str_eq(os.vendor_name, "Example Corp");
	ck_assert_ptr_null(os.build_id);
	os_release_done(&os);
	free(buf);

	/* /etc first, /usr/lib when /etc has none */
	ck_assert_int_eq(os_release_load(TEST_DATA "/win32/etc",
	    TEST_DATA "/win32/usr/lib", &os), 0);
	ck_assert_str_eq(os.id, "testlinux");
	os_release_done(&os);
	ck_assert_int_eq(os_release_load(TEST_DATA "/win32/nowhere",
	    TEST_DATA "/win32/usr/lib", &os), 0);
	ck_assert_str_eq(os.pretty_name, "Fallback OS 2");
	os_release_done(&os);
	ck_assert_int_eq(os_release_load(TEST_DATA "/win32/absent",
	    TEST_DATA "/win32/absent", &os),
	    -ENOENT);
}
END_TEST

START_TEST(test_utmp)
{
	struct utmpx u[4];
	char console[64];

	memset(u, 0, sizeof(u));
	u[0].ut_type = USER_PROCESS;
	strcpy(u[0].ut_user, "bob");
	strcpy(u[0].ut_line, "pts/0");
	u[1].ut_type = USER_PROCESS;
	strcpy(u[1].ut_user, "alice");
	strcpy(u[1].ut_line, "tty1");
	u[2].ut_type = DEAD_PROCESS;
	strcpy(u[2].ut_line, "tty2");
	u[3].ut_type = LOGIN_PROCESS;
	strcpy(u[3].ut_user, "LOGIN");
	ck_assert_uint_eq(w32_utmp_users(u, sizeof(u), console,
	    sizeof(console)), 2);
	ck_assert_str_eq(console, "alice");
	ck_assert_uint_eq(w32_utmp_users(u, sizeof(u[0]), console,
	    sizeof(console)), 1);
	ck_assert_str_eq(console, "");
	ck_assert_uint_eq(w32_utmp_users(u, 10, console, sizeof(console)), 0);
}
END_TEST

static void
append_word(const char *v, void *arg)
{
	char *got = arg;

	ck_assert_int_lt(strlen(got) + strlen(v) + 2, 512);
	strcat(got, v);
	strcat(got, " ");
}

START_TEST(test_network_files)
{
	char *route = unit_read_data(FIX("proc/net/route"), NULL);
	char *route6 = unit_read_data(FIX("proc/net/ipv6_route"), NULL);
	char *resolv = unit_read_data(FIX("etc/resolv.conf"), NULL);
	char got[512] = "", buf[64];
	unsigned char mac[6] = { 0x02, 0xab, 0x00, 0x1f, 0xc0, 0x0e };

#define COLLECT(call)							\
	do {								\
		got[0] = '\0';						\
		call;							\
	} while (0)
	COLLECT(procfs_route4_gateways(route, "eth0", append_word, got));
	ck_assert_str_eq(got, "192.0.2.1 ");
	COLLECT(procfs_route4_gateways(route, "lo", append_word, got));
	ck_assert_str_eq(got, "");
	COLLECT(procfs_route6_gateways(route6, "eth0", append_word, got));
	ck_assert_str_eq(got, "fd00::1 ");
	COLLECT(procfs_route6_gateways(route6, "lo", append_word, got));
	ck_assert_str_eq(got, "");
	COLLECT(w32_resolv_list(resolv, 'n', append_word, got));
	ck_assert_str_eq(got, "10.0.0.2 10.0.0.3 ");
	COLLECT(w32_resolv_list(resolv, 's', append_word, got));
	ck_assert_str_eq(got, "corp.example.com example.com ");
#undef COLLECT
	w32_format_mac(mac, sizeof(mac), buf, sizeof(buf));
	ck_assert_str_eq(buf, "02:AB:00:1F:C0:0E");
	w32_prefix_to_mask(24, buf, sizeof(buf));
	ck_assert_str_eq(buf, "255.255.255.0");
	w32_prefix_to_mask(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.0.0.0");
	w32_prefix_to_mask(32, buf, sizeof(buf));
	ck_assert_str_eq(buf, "255.255.255.255");
	w32_prefix_to_mask(20, buf, sizeof(buf));
	ck_assert_str_eq(buf, "255.255.240.0");
	free(route);
	free(route6);
	free(resolv);
}
END_TEST

START_TEST(test_dns_domain)
{
	char *resolv = unit_read_data(FIX("etc/resolv.conf"), NULL);
	char buf[256];

	ck_assert(w32_dns_domain("host.corp.example", NULL, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "corp.example");
	ck_assert(w32_dns_domain("host", resolv, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "corp.example.com");
	ck_assert(w32_dns_domain("host", "search a.example b.example\n", buf,
	    sizeof(buf)));
	ck_assert_str_eq(buf, "a.example");
	ck_assert(!w32_dns_domain("host", "nameserver 1.1.1.1\n", buf,
	    sizeof(buf)));
	ck_assert(!w32_dns_domain("host", NULL, buf, sizeof(buf)));
	free(resolv);
}
END_TEST

/* --- Win32 units and rules --- */

START_TEST(test_units)
{
	time_t sec;
	long usec;

	/* 100 ns units: 1 s is 10^7 */
	ck_assert_uint_eq(procfs_ticks_to_100ns(100, 100), 10000000);
	ck_assert_uint_eq(procfs_ticks_to_100ns(250, 100), 25000000);
	ck_assert_uint_eq(procfs_ticks_to_100ns(1, 1000), 10000);
	ck_assert_uint_eq(procfs_ticks_to_100ns(3, 300), 100000);
	ck_assert_uint_eq(procfs_ticks_to_100ns(0, 100), 0);
	/* no overflow for a long-running process: 10 years of CPU time */
	ck_assert_uint_eq(procfs_ticks_to_100ns(31536000000ULL, 100),
	    3153600000000000ULL);
	/* start time: boot + ticks / hz, microseconds from the remainder */
	procfs_start_time(1700000000, 12345, 100, &sec, &usec);
	ck_assert_int_eq(sec, 1700000123);
	ck_assert_int_eq(usec, 450000);
	procfs_start_time(1700000000, 7, 1000, &sec, &usec);
	ck_assert_int_eq(sec, 1700000000);
	ck_assert_int_eq(usec, 7000);
	/* KB -> bytes, and absent stays absent */
	ck_assert_uint_eq(procfs_kb_to_bytes(8192), 8388608);
	ck_assert_uint_eq(procfs_kb_to_bytes(PROCFS_NONE), PROCFS_NONE);
}
END_TEST

START_TEST(test_priority)
{
	ck_assert_uint_eq(procfs_priority(0, 0), 8);
	ck_assert_uint_eq(procfs_priority(-5, 0), 10);
	ck_assert_uint_eq(procfs_priority(-15, 0), 13);
	ck_assert_uint_eq(procfs_priority(-20, 0), 13);
	ck_assert_uint_eq(procfs_priority(5, 0), 6);
	ck_assert_uint_eq(procfs_priority(19, 0), 4);
	ck_assert_uint_eq(procfs_priority(0, 1), 24);	/* SCHED_FIFO */
	ck_assert_uint_eq(procfs_priority(0, 2), 24);	/* SCHED_RR */
	ck_assert_uint_eq(procfs_priority(0, 3), 8);	/* SCHED_BATCH */
	ck_assert_uint_eq(procfs_priority(0, 5), 4);	/* SCHED_IDLE */
}
END_TEST

START_TEST(test_drive_types)
{
	ck_assert_uint_eq(w32_drive_type("ext4", 0), 3);
	ck_assert_uint_eq(w32_drive_type("xfs", -1), 3);
	ck_assert_uint_eq(w32_drive_type("vfat", 1), 2);
	ck_assert_uint_eq(w32_drive_type("nfs4", 0), 4);
	ck_assert_uint_eq(w32_drive_type("nfs", 0), 4);
	ck_assert_uint_eq(w32_drive_type("cifs", 0), 4);
	ck_assert_uint_eq(w32_drive_type("fuse.sshfs", 0), 4);
	ck_assert_uint_eq(w32_drive_type("tmpfs", 0), 6);
	ck_assert_uint_eq(w32_drive_type("ramfs", 0), 6);
	ck_assert_uint_eq(w32_drive_type("iso9660", 1), 5);
	ck_assert_uint_eq(w32_drive_type("udf", 0), 5);
	ck_assert_uint_eq(w32_drive_type("", 0), 0);
	ck_assert_str_eq(w32_drive_description(3), "Local Fixed Disk");
	ck_assert_str_eq(w32_drive_description(4), "Network Connection");
	ck_assert_str_eq(w32_drive_description(6), "RAM Disk");
	ck_assert_str_eq(w32_drive_description(0), "Unknown");

	ck_assert(w32_disk_skip("proc", "/proc"));
	ck_assert(w32_disk_skip("cgroup2", "/sys/fs/cgroup"));
	ck_assert(w32_disk_skip("tmpfs", "/sys/fs/cgroup"));
	ck_assert(w32_disk_skip("devtmpfs", "/dev"));
	ck_assert(w32_disk_skip("squashfs", "/snap/core/1"));
	ck_assert(w32_disk_skip("overlay", "/var/lib/docker/overlay2/x/merged"));
	ck_assert(!w32_disk_skip("overlay", "/"));
	ck_assert(!w32_disk_skip("ext4", "/"));
	ck_assert(!w32_disk_skip("tmpfs", "/run"));
	ck_assert(!w32_disk_skip("squashfs", "/opt/image"));
	ck_assert(!w32_disk_skip("ext4", "/process"));	/* not under /proc */

	ck_assert(w32_fs_is_remote("nfs4"));
	ck_assert(w32_fs_is_remote("fuse.anything"));
	ck_assert(!w32_fs_is_remote("ext4"));
}
END_TEST

START_TEST(test_lcid)
{
	ck_assert_uint_eq(w32_lcid("en_US.UTF-8"), 0x0409);
	ck_assert_uint_eq(w32_lcid("de_DE.UTF-8"), 0x0407);
	ck_assert_uint_eq(w32_lcid("de_AT"), 0x0c07);
	ck_assert_uint_eq(w32_lcid("fr_FR@euro"), 0x040c);
	ck_assert_uint_eq(w32_lcid("fr"), 0x040c);
	ck_assert_uint_eq(w32_lcid("en_ZA.UTF-8"), 0x0409);	/* language default */
	ck_assert_uint_eq(w32_lcid("C"), 0x0409);
	ck_assert_uint_eq(w32_lcid("C.UTF-8"), 0x0409);
	ck_assert_uint_eq(w32_lcid("POSIX"), 0x0409);
	ck_assert_uint_eq(w32_lcid(NULL), 0x0409);
	ck_assert_uint_eq(w32_lcid("xx_YY"), 0);
}
END_TEST

START_TEST(test_machine_strings)
{
	char buf[64];

	ck_assert_str_eq(w32_os_architecture("x86_64"), "64-bit");
	ck_assert_str_eq(w32_os_architecture("aarch64"), "64-bit");
	ck_assert_str_eq(w32_os_architecture("s390x"), "64-bit");
	ck_assert_str_eq(w32_os_architecture("i686"), "32-bit");
	ck_assert_str_eq(w32_os_architecture("armv7l"), "32-bit");
	ck_assert_str_eq(w32_system_type("x86_64", buf, sizeof(buf)),
	    "x64-based PC");
	ck_assert_str_eq(w32_system_type("aarch64", buf, sizeof(buf)),
	    "ARM64-based PC");
	ck_assert_str_eq(w32_system_type("i686", buf, sizeof(buf)),
	    "X86-based PC");
	ck_assert_str_eq(w32_system_type("riscv64", buf, sizeof(buf)),
	    "riscv64-based PC");
}
END_TEST

static void
expect_split(const char *line, const char *const *want)
{
	char **argv = NULL;
	size_t n = 0;

	ck_assert_msg(w32_split_cmdline(line, &argv) == 0, "%s refused", line);
	for (; want[n] != NULL; n++) {
		ck_assert_ptr_nonnull(argv[n]);
		ck_assert_str_eq(argv[n], want[n]);
	}
	ck_assert_ptr_null(argv[n]);
	w32_free_argv(argv);
}

START_TEST(test_split_cmdline)
{
	char **argv = (char **)1;

	expect_split("sleep 30", (const char *const[]){ "sleep", "30", NULL });
	expect_split("  /bin/echo\t a  ", (const char *const[]){ "/bin/echo",
	    "a", NULL });
	expect_split("sh -c 'echo hi > /tmp/x'", (const char *const[]){ "sh",
	    "-c", "echo hi > /tmp/x", NULL });
	expect_split("\"a b\" c\\ d \"e\\\"f\" g\"h\"i",
	    (const char *const[]){ "a b", "c d", "e\"f", "ghi", NULL });
	expect_split("x \"\\n\" ''", (const char *const[]){ "x", "\\n", "",
	    NULL });
	/* what procfs_join_cmdline makes comes back apart */
	expect_split("worker --name \"hello world\" \"a\\\"b\"",
	    (const char *const[]){ "worker", "--name", "hello world", "a\"b",
	    NULL });
	ck_assert_int_eq(w32_split_cmdline("", &argv), -EINVAL);
	ck_assert_ptr_null(argv);
	ck_assert_int_eq(w32_split_cmdline("   ", &argv), -EINVAL);
	ck_assert_int_eq(w32_split_cmdline("echo 'open", &argv), -EINVAL);
	ck_assert_int_eq(w32_split_cmdline("echo \"open", &argv), -EINVAL);
}
END_TEST

START_TEST(test_create_errno)
{
	ck_assert_uint_eq(w32_create_errno(0), 0);
	ck_assert_uint_eq(w32_create_errno(-ENOENT), 9);
	ck_assert_uint_eq(w32_create_errno(-ENOTDIR), 9);
	ck_assert_uint_eq(w32_create_errno(-EACCES), 2);
	ck_assert_uint_eq(w32_create_errno(-EPERM), 2);
	ck_assert_uint_eq(w32_create_errno(-EINVAL), 21);
	ck_assert_uint_eq(w32_create_errno(-ENOMEM), 8);
	ck_assert_uint_eq(w32_create_errno(-EIO), 8);
}
END_TEST

START_TEST(test_kill_rule)
{
	const uid_t mine[4] = { 1000, 1000, 1000, 1000 };
	const uid_t setuid_prog[4] = { 1000, 0, 0, 0 };
	const uid_t other[4] = { 1001, 1001, 1001, 1001 };

	/* the sender's uid must be the target's real or saved uid */
	ck_assert(w32_may_signal(1000, 1000, 1000));
	ck_assert(w32_may_signal(1000, 1000, 0));	/* real uid */
	ck_assert(w32_may_signal(1000, 0, 1000));	/* saved uid */
	ck_assert(!w32_may_signal(1000, 1001, 1001));
	ck_assert(!w32_may_signal(1000, 0, 0));		/* root's daemon */
	ck_assert(w32_may_signal(0, 1001, 1001));	/* CAP_KILL */
	ck_assert(!w32_may_signal((uid_t)-1, (uid_t)-1, 0));	/* nobody asked */

	ck_assert(w32_may_inspect(1000, mine));
	ck_assert(!w32_may_inspect(1000, setuid_prog));
	ck_assert(!w32_may_inspect(1000, other));
	ck_assert(w32_may_inspect(0, other));
	ck_assert(!w32_may_inspect((uid_t)-1, other));
}
END_TEST

START_TEST(test_utf8_fix)
{
	char s1[] = "plain ascii";
	char s2[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	char s3[] = "bad \xff here \xc3( and \xe2\x82";
	char s4[] = "overlong \xc0\xaf surrogate \xed\xa0\x80";

	w32_utf8_fix(s1);
	ck_assert_str_eq(s1, "plain ascii");
	w32_utf8_fix(s2);
	ck_assert_str_eq(s2, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	w32_utf8_fix(s3);
	ck_assert_str_eq(s3, "bad ? here ?( and ??");
	w32_utf8_fix(s4);
	ck_assert_str_eq(s4, "overlong ?? surrogate ???");
}
END_TEST

/* procfs_read: one read for one-record files, all of a multi-record one */
START_TEST(test_read)
{
	struct procfs_buf b = { 0 };
	char small[16];
	ssize_t n;

	n = procfs_read(AT_FDCWD, TEST_DATA "/win32/proc/1234/status", &b, 0, 0);
	ck_assert_int_eq(n, 360);
	ck_assert_int_eq((int)strlen(b.data), 360);
	n = procfs_read(AT_FDCWD, TEST_DATA "/win32/proc/1234/status", &b, 10, 0);
	ck_assert_int_eq(n, 10);
	ck_assert_str_eq(b.data, "Name:\tmy p");
	ck_assert_int_eq(procfs_read(AT_FDCWD, TEST_DATA "/win32/absent", &b, 0, 0),
	    -ENOENT);
	/* a seq_file larger than the first buffer */
	n = procfs_read(AT_FDCWD, "/proc/self/mountinfo", &b, 0,
	    PROCFS_UNTIL_EOF);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(b.data[n - 1], '\n');
	ck_assert_int_eq(procfs_read_small(AT_FDCWD,
	    TEST_DATA "/win32/etc/machine-id", small, sizeof(small)), 15);
	ck_assert_str_eq(small, "0123456789abcde");
	procfs_buf_free(&b);
}
END_TEST

static Suite *
win32_parse_suite(void)
{
	Suite *s = suite_create("win32_parse");
	TCase *tc = tcase_create("procfs");

	tcase_add_test(tc, test_stat);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_io);
	tcase_add_test(tc, test_cmdline);
	tcase_add_test(tc, test_read);
	suite_add_tcase(s, tc);

	tc = tcase_create("system");
	tcase_add_test(tc, test_meminfo);
	tcase_add_test(tc, test_btime);
	tcase_add_test(tc, test_mountinfo);
	tcase_add_test(tc, test_cpuinfo);
	tcase_add_test(tc, test_os_release);
	tcase_add_test(tc, test_utmp);
	tcase_add_test(tc, test_network_files);
	tcase_add_test(tc, test_dns_domain);
	suite_add_tcase(s, tc);

	tc = tcase_create("units");
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_priority);
	tcase_add_test(tc, test_drive_types);
	tcase_add_test(tc, test_lcid);
	tcase_add_test(tc, test_machine_strings);
	tcase_add_test(tc, test_split_cmdline);
	tcase_add_test(tc, test_create_errno);
	tcase_add_test(tc, test_kill_rule);
	tcase_add_test(tc, test_utf8_fix);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(win32_parse_suite)
