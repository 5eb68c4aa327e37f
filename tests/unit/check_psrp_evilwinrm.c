/*
 * check_psrp_evilwinrm.c: evil-winrm-py's PowerShell served natively
 * (plugins/shell/psrp_evilwinrm.c).  Its prompt is answered with the
 * runspace's directory; the scripts written for Resolve-Path, path and
 * command completion, upload (send.ps1, chunk by chunk) and download
 * (fetch.ps1) are run by /bin/sh in a scratch directory and their output
 * checked as evil-winrm-py reads it (JSON lines, MD5, base64 chunks);
 * its .NET scripts are refused; other pipelines are not taken.
 */
#include "build.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/evp.h>

#include "b64.h"
#include "psrp_evilwinrm.h"
#include "unit.h"

/* ------------------------------------------------------------ helpers */

static char dir[256];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/wrt-ewp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Invoke-Expression -Command x | Out-String -Stream, served in cwd */
static int
serve_iex(const char *x, const char *cwd, struct psrp_served *r)
{
	struct clixml_value *v = clixml_new_string(x), *b = clixml_new_bool(true);
	struct psrp_arg a[] = { { "Command", v } };
	struct psrp_arg stream[] = { { "Stream", b } };
	struct psrp_cmd cmds[2] = { { 0 }, { 0 } };
	struct psrp_statement st = { cmds, 2 };
	struct psrp_pipeline p = { 0 };
	int k;

	cmds[0].pc_cmd = "Invoke-Expression";
	cmds[0].pc_args = a;
	cmds[0].pc_nargs = 1;
	cmds[1].pc_cmd = "Out-String";
	cmds[1].pc_args = stream;
	cmds[1].pc_nargs = 1;
	p.pp_statements = &st;
	p.pp_nstatements = 1;
	k = psrp_evilwinrm_serve(&p, cwd, r);
	clixml_unref(v);
	clixml_unref(b);
	return k;
}

/* add_script(text) with named parameters (NULL-terminated name, value) */
static int
serve_script(const char *text, const char *cwd, struct psrp_served *r,
    struct psrp_arg *args, size_t nargs)
{
	struct psrp_cmd c = { 0 };
	struct psrp_statement st = { &c, 1 };
	struct psrp_pipeline p = { 0 };

	c.pc_cmd = text;
	c.pc_is_script = true;
	c.pc_args = args;
	c.pc_nargs = nargs;
	p.pp_statements = &st;
	p.pp_nstatements = 1;
	return psrp_evilwinrm_serve(&p, cwd, r);
}

/* runs shell text in dir: its stdout (malloc'd) and exit status */
static char *
run(const char *text, int *rc)
{
	char *cmd, *out, path[512];

	snprintf(path, sizeof(path), "%s.out", dir);
	ck_assert_int_ge(asprintf(&cmd, "cd '%s' && { %s\n} >'%s'", dir, text,
	    path), 0);
	*rc = system(cmd);
	*rc = WIFEXITED(*rc) ? WEXITSTATUS(*rc) : -1;
	out = unit_read_path(path, NULL);
	unlink(path);
	free(cmd);
	return out;
}

static void
write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	fclose(fp);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void
md5_hex(const void *data, size_t len, char out[33], bool upper)
{
	unsigned char md[16];
	unsigned mdlen = 0;

	ck_assert(EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL) == 1);
	for (unsigned i = 0; i < 16; i++)
		sprintf(out + 2 * i, upper ? "%02X" : "%02x", md[i]);
}

/* a JSON string member's value on a line (no escapes in the tests') */
static char *
member(const char *line, const char *name)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\"%s\":", name);
	p = strstr(line, key);
	ck_assert_msg(p != NULL, "no %s in %s", name, line);
	p += strlen(key);
	if (*p == '"') {
		p++;
		e = strchr(p, '"');
	} else
		e = p + strcspn(p, ",}");
	ck_assert_ptr_nonnull(e);
	return strndup(p, (size_t)(e - p));
}

/* ------------------------------------------------------------- paths */

START_TEST(paths_join_as_path_combine)
{
	static const char *const cases[][3] = {
		{ "/home/u", "f.bin", "/home/u/f.bin" },
		{ "/home/u", "/home/u\\f.bin", "/home/u/f.bin" },
		{ "/home/u", "/home/u\\/tmp/f.bin", "/tmp/f.bin" },
		{ "/home/u", "/home/u\\sub/f", "/home/u/sub/f" },
		{ "/home/u", "/tmp\\", "/tmp" },
		{ "/", "/\\", "/" },
		{ "/home/u", "", "/home/u" },
		{ "/home/u", ".\\x", "/home/u/./x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = psrp_evilwinrm_path(cases[i][0], cases[i][1]);

		ck_assert_str_eq(p, cases[i][2]);
		free(p);
	}
}
END_TEST

/* ------------------------------------------------------------ prompt */

START_TEST(prompt_is_the_runspace_directory)
{
	struct psrp_served r;

	ck_assert_int_eq(serve_iex("$pwd.Path", "/tmp", &r), PSRP_SERVED_ANSWER);
	ck_assert_str_eq(r.out, "/tmp\n");
	ck_assert_ptr_null(r.err);
	ck_assert_int_eq(r.code, 0);
	psrp_served_free(&r);
	ck_assert_int_eq(serve_iex(" $PWD.path ", "/x y", &r),
	    PSRP_SERVED_ANSWER);
	ck_assert_str_eq(r.out, "/x y\n");
	psrp_served_free(&r);
	/* Enter-PSSession's prompt function, a command of its own */
	{
		struct psrp_cmd c = { 0 };
		struct psrp_statement st = { &c, 1 };
		struct psrp_pipeline p = { 0 };

		c.pc_cmd = "prompt";
		p.pp_statements = &st;
		p.pp_nstatements = 1;
		ck_assert_int_eq(psrp_evilwinrm_serve(&p, "/srv", &r),
		    PSRP_SERVED_ANSWER);
		ck_assert_str_eq(r.out, "PS /srv> \n");
		psrp_served_free(&r);
		c.pc_cmd = "prompt-me";
		ck_assert_int_eq(psrp_evilwinrm_serve(&p, "/srv", &r),
		    PSRP_SERVED_NONE);
	}
	/* what the user types is the shell's (psrp_script.c) */
	ck_assert_int_eq(serve_iex("pwd", "/tmp", &r), PSRP_SERVED_NONE);
	ck_assert_int_eq(serve_iex("$pwd.Path; rm -rf x", "/tmp", &r),
	    PSRP_SERVED_NONE);
	ck_assert_int_eq(serve_iex("whoami", "/tmp", &r), PSRP_SERVED_NONE);
}
END_TEST

START_TEST(resolve_path_as_the_user)
{
	struct psrp_served r;
	char *out, want[512], x[600];
	int rc;

	write_file("a b.txt", "x", 1, 0644);
	snprintf(x, sizeof(x), "(Resolve-Path -Path 'a b.txt').Path");
	ck_assert_int_eq(serve_iex(x, dir, &r), PSRP_SERVED_SCRIPT);
	out = run(r.out, &rc);
	snprintf(want, sizeof(want), "%s/a b.txt\n", dir);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, want);
	free(out);
	psrp_served_free(&r);
	/* evil-winrm-py's own join, and a quote in the name */
	write_file("it's", "x", 1, 0644);
	snprintf(x, sizeof(x), "(Resolve-Path -Path '%s\\it''s').Path", dir);
	ck_assert_int_eq(serve_iex(x, "/", &r), PSRP_SERVED_SCRIPT);
	out = run(r.out, &rc);
	snprintf(want, sizeof(want), "%s/it's\n", dir);
	ck_assert_str_eq(out, want);
	free(out);
	psrp_served_free(&r);
	/* a missing file: no path, an error */
	ck_assert_int_eq(serve_iex("(Resolve-Path -Path 'nope').Path", dir,
	    &r), PSRP_SERVED_SCRIPT);
	out = run(r.out, &rc);
	ck_assert_str_eq(out, "");
	ck_assert_int_ne(rc, 0);
	free(out);
	psrp_served_free(&r);
}
END_TEST

/* ------------------------------------------------------- completion */

/*
 * evil-winrm-py's completion line for literal path D (Windows-shaped),
 * filter F*, directories only or not, Name or FullName: what the served
 * script prints (run in dir, or with elsewhere from / and followed by
 * pwd: the directory it leaves), and its status 0
 */
static void
completes(const char *d, const char *f, bool dirs, const char *exp,
    bool elsewhere, const char *want)
{
	struct psrp_served r;
	char x[1024], *out, *t;
	int rc;

	snprintf(x, sizeof(x), "Get-ChildItem -LiteralPath \"%s\" -Filter "
	    "\"%s*\" %s -Fo | select -Exp %s", d, f,
	    dirs ? "-Attributes Directory" : "", exp);
	ck_assert_int_eq(serve_iex(x, "/", &r), PSRP_SERVED_SCRIPT);
	ck_assert_int_ge(asprintf(&t, "%s%s%s", elsewhere ? "cd / && " : "",
	    r.out, elsewhere ? "\npwd" : ""), 0);
	out = run(t, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, want);
	free(out);
	free(t);
	psrp_served_free(&r);
}

START_TEST(path_completion)
{
	struct psrp_served r;
	char x[1024], want[1024];

	write_file("alpha", "", 0, 0644);
	write_file(".ahidden", "", 0, 0644);
	write_file("beta", "", 0, 0644);
	snprintf(x, sizeof(x), "%s/adir", dir);
	ck_assert_int_eq(mkdir(x, 0755), 0);
	/* "cd a<TAB>" in dir: {pwd}\ and the typed part */
	snprintf(x, sizeof(x), "%s\\", dir);
	completes(x, "a", false, "Name", false, "adir\nalpha\n");
	/* hidden ones too (-Fo) */
	completes(x, ".a", false, "Name", false, ".ahidden\n");
	/* directories only (cd) */
	completes(x, "", true, "Name", false, "adir\n");
	/* a Unix path typed whole: the completion replaces it whole */
	snprintf(x, sizeof(x), "%s/b", dir);
	snprintf(want, sizeof(want), "%s/beta\n", dir);
	completes("/home\\", x, false, "Name", false, want);
	/* FullName */
	completes(dir, "be", false, "FullName", false, want);
	/* a directory that is not there: nothing, no error */
	completes("/nonexistent\\", "a", false, "Name", false, "");
	/* the runspace's directory is left as it was (a subshell) */
	completes(dir, "beta", false, "Name", true, "beta\n/\n");
	/* other Get-ChildItem lines are not completion */
	ck_assert_int_eq(serve_iex("Get-ChildItem -LiteralPath \"/\"", "/", &r),
	    PSRP_SERVED_NONE);
}
END_TEST

START_TEST(command_completion)
{
	static const char script[] = "$prefix = 'wrtcm';\n"
	    "if ([string]::IsNullOrEmpty($prefix)) {\n    $pattern = '*';\n"
	    "} else {\n    $pattern = \"$prefix*\";\n}\n"
	    "$cmds = Get-Command -Name $pattern -ErrorAction SilentlyContinue |\n"
	    "    Select-Object -ExpandProperty Name;\n"
	    "if (-not $cmds) {\n"
	    "    $cmds = Get-Alias -Name $pattern -ErrorAction SilentlyContinue |\n"
	    "        Select-Object -ExpandProperty Name;\n}\n"
	    "$cmds | Sort-Object -Unique";
	struct psrp_served r;
	char *out, *text;
	int rc;

	write_file("wrtcmd-two", "#!/bin/sh\n", 10, 0755);
	write_file("wrtcmd-one", "#!/bin/sh\n", 10, 0755);
	write_file("wrtcmd-noexec", "", 0, 0644);
	ck_assert_int_eq(serve_iex(script, "/", &r), PSRP_SERVED_SCRIPT);
	ck_assert_int_ge(asprintf(&text, "PATH=/nonexistent:%s:%s:/usr/bin:/bin; %s", dir,
	    dir, r.out), 0);
	out = run(text, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "wrtcmd-one\nwrtcmd-two\n");
	free(out);
	free(text);
	psrp_served_free(&r);
}
END_TEST

/* ------------------------------------------------------------ upload */

static const char send_ps1[] = "param (\n"
    "    [Parameter(Mandatory=$true, Position=0)]\n"
    "    [string]$Base64Chunk,\n    [int]$ChunkType = 0,\n"
    "    [string]$TempFilePath, [string]$FilePath, [string]$FileHash)\n"
    "$fileStream = New-Object System.IO.FileStream($TempFilePath, "
    "[System.IO.FileMode]::Append, [System.IO.FileAccess]::Write)\n"
    "$calculatedHash = (Get-FileHash -Path $TempFilePath -Algorithm MD5).Hash\n";

/* one chunk as evil-winrm-py sends it: the script's output, its status */
static char *
upload_chunk(const unsigned char *data, size_t len, int type,
    const char *tmp, const char *dest, const char *hash, int *rc)
{
	char *b64 = psrp_b64_encode(data, len), *out;
	struct psrp_arg a[5];
	size_t n = 0;
	struct psrp_served r;

	a[n++] = (struct psrp_arg){ "Base64Chunk", clixml_new_string(b64) };
	a[n++] = (struct psrp_arg){ "ChunkType", clixml_new_i32(type) };
	if (tmp != NULL)
		a[n++] = (struct psrp_arg){ "TempFilePath", clixml_new_string(tmp) };
	if (dest != NULL)
		a[n++] = (struct psrp_arg){ "FilePath", clixml_new_string(dest) };
	if (hash != NULL)
		a[n++] = (struct psrp_arg){ "FileHash", clixml_new_string(hash) };
	ck_assert_int_eq(serve_script(send_ps1, dir, &r, a, n),
	    PSRP_SERVED_SCRIPT);
	out = run(r.out, rc);
	psrp_served_free(&r);
	for (size_t i = 0; i < n; i++)
		clixml_unref((struct clixml_value *)(uintptr_t)a[i].pa_value);
	free(b64);
	return out;
}

START_TEST(upload_in_chunks)
{
	enum { CH = 65536, LEN = 2 * CH + 1000 };
	unsigned char *data = malloc(LEN);
	char hash[33], *out, *tmp, *v, path[512], want[1200];
	int rc;
	size_t got;
	struct stat sb;

	for (size_t i = 0; i < LEN; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	md5_hex(data, LEN, hash, true);
	/* the first chunk: a temporary file named in Metadata */
	out = upload_chunk(data, CH, 0, NULL, NULL, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strncmp(out, "{\"Type\":\"Metadata\",\"TempFilePath\":\"",
	    35) == 0, "%s", out);
	tmp = member(out, "TempFilePath");
	free(out);
	ck_assert_int_eq(stat(tmp, &sb), 0);
	ck_assert_int_eq((int)sb.st_size, CH);
	/* the middle: appended, nothing said */
	out = upload_chunk(data + CH, CH, 2, tmp, NULL, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "");
	free(out);
	/* the last: the MD5 checked, the file moved to {pwd}\name */
	out = upload_chunk(data + 2 * CH, LEN - 2 * CH, 1, tmp, "\\up.bin",
	    hash, &rc);
	ck_assert_int_eq(rc, 0);
	snprintf(path, sizeof(path), "%s/up.bin", dir);
	snprintf(want, sizeof(want), "{\"Type\":\"Metadata\",\"FilePath\":"
	    "\"%s\",\"FileSize\":%d,\"FileHash\":\"%s\",\"FileName\":"
	    "\"up.bin\"}\n", path, LEN, hash);
	ck_assert_str_eq(out, want);
	free(out);
	v = unit_read_path(path, &got);
	ck_assert_uint_eq(got, LEN);
	ck_assert(memcmp(v, data, LEN) == 0);
	free(v);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	free(tmp);
	/* one chunk alone (3), over an existing file; a wrong hash (1) */
	out = upload_chunk(data, 10, 3, NULL, path, "0123456789ABCDEF0123456789"
	    "ABCDEF", &rc);
	ck_assert_ptr_nonnull(strstr(out, "\"Type\":\"Error\",\"Message\":"
	    "\"File hash mismatch. Expected: 0123456789ABCDEF0123456789ABCDEF"));
	free(out);
	md5_hex(data, 10, hash, false);	/* compared regardless of case */
	out = upload_chunk(data, 10, 3, NULL, path, hash, &rc);
	ck_assert_ptr_nonnull(strstr(out, "\"FileSize\":10,"));
	free(out);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq((int)sb.st_size, 10);
	free(data);
}
END_TEST

START_TEST(upload_refuses_bad_chunks)
{
	struct psrp_arg a[] = {
		{ "Base64Chunk", clixml_new_string("not base64; rm -rf /") },
		{ "ChunkType", clixml_new_i32(0) } };
	struct psrp_served r;

	ck_assert_int_eq(serve_script(send_ps1, dir, &r, a, 2),
	    PSRP_SERVED_ANSWER);
	ck_assert_ptr_nonnull(strstr(r.out, "\"Type\":\"Error\""));
	psrp_served_free(&r);
	clixml_unref((struct clixml_value *)(uintptr_t)a[0].pa_value);
	a[0].pa_value = clixml_new_string("AAAA");
	clixml_unref((struct clixml_value *)(uintptr_t)a[1].pa_value);
	a[1].pa_value = clixml_new_i32(2);	/* no TempFilePath */
	ck_assert_int_eq(serve_script(send_ps1, dir, &r, a, 2),
	    PSRP_SERVED_ANSWER);
	ck_assert_ptr_nonnull(strstr(r.out, "no TempFilePath"));
	psrp_served_free(&r);
	clixml_unref((struct clixml_value *)(uintptr_t)a[0].pa_value);
	clixml_unref((struct clixml_value *)(uintptr_t)a[1].pa_value);
}
END_TEST

/* ---------------------------------------------------------- download */

static const char fetch_ps1[] = "param ([string]$FilePath)\n"
    "$bufferSize = 65536 # Read in 64 KB chunks\n"
    "$fileHash = (Get-FileHash -Path $FilePath -Algorithm MD5).Hash\n"
    "$base64Chunk = [System.Convert]::ToBase64String($chunkBytes)\n";

static char *
download(const char *path, int *rc)
{
	struct psrp_arg a[] = { { "FilePath", clixml_new_string(path) } };
	struct psrp_served r;
	char *out;

	ck_assert_int_eq(serve_script(fetch_ps1, dir, &r, a, 1),
	    PSRP_SERVED_SCRIPT);
	out = run(r.out, rc);
	psrp_served_free(&r);
	clixml_unref((struct clixml_value *)(uintptr_t)a[0].pa_value);
	return out;
}

START_TEST(download_as_json_chunks)
{
	enum { LEN = 3 * 65535 + 17 };
	unsigned char *data = malloc(LEN), *all = malloc(LEN);
	char hash[33], *out, *line, *next, *v, path[512];
	size_t have = 0, n;
	int rc, chunks = 0;

	for (size_t i = 0; i < LEN; i++)
		data[i] = (unsigned char)(i * 13 + i / 509);
	md5_hex(data, LEN, hash, true);
	write_file("dl.bin", data, LEN, 0644);
	snprintf(path, sizeof(path), "%s/dl.bin", dir);
	out = download(path, &rc);
	ck_assert_int_eq(rc, 0);
	/* Metadata first, as fetch.ps1 prints it */
	next = strchr(out, '\n');
	ck_assert_ptr_nonnull(next);
	*next++ = '\0';
	ck_assert(strncmp(out, "{\"Type\":\"Metadata\",", 19) == 0);
	v = member(out, "FileHash");
	ck_assert_str_eq(v, hash);
	free(v);
	v = member(out, "FileSize");
	ck_assert_int_eq(atoi(v), LEN);
	free(v);
	v = member(out, "TotalChunks");
	ck_assert_int_eq(atoi(v), 4);
	free(v);
	v = member(out, "FileName");
	ck_assert_str_eq(v, "dl.bin");
	free(v);
	/* each Chunk decodes alone, in order */
	for (line = next; *line != '\0'; line = next) {
		unsigned char *b;

		next = strchr(line, '\n');
		ck_assert_ptr_nonnull(next);
		*next++ = '\0';
		ck_assert(strncmp(line, "{\"Type\":\"Chunk\",", 16) == 0);
		v = member(line, "ChunkNumber");
		ck_assert_int_eq(atoi(v), ++chunks);
		free(v);
		v = member(line, "Base64Data");
		b = psrp_b64_decode(v, strlen(v), &n);
		ck_assert_ptr_nonnull(b);
		ck_assert_uint_le(have + n, LEN);
		memcpy(all + have, b, n);
		have += n;
		free(b);
		free(v);
	}
	ck_assert_int_eq(chunks, 4);
	ck_assert_uint_eq(have, LEN);
	ck_assert(memcmp(all, data, LEN) == 0);
	free(out);
	/* an empty file: Metadata alone */
	write_file("empty", "", 0, 0644);
	out = download("empty", &rc);
	ck_assert_ptr_nonnull(strstr(out, "\"FileSize\":0,"));
	ck_assert_ptr_null(strstr(out, "Chunk\""));
	free(out);
	/* a missing file, a directory: an Error line, exit 1 */
	out = download("nope", &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert(strncmp(out, "{\"Type\":\"Error\",\"Message\":\"Error: The "
	    "specified file path does not exist or is not a file: 'nope'\"}\n",
	    100) == 0);
	free(out);
	out = download(dir, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_nonnull(strstr(out, "\"Type\":\"Error\""));
	free(out);
	free(data);
	free(all);
}
END_TEST

/* ------------------------------------------------------ not ours, .NET */

START_TEST(dotnet_refused_others_not_taken)
{
	struct psrp_arg a[] = { { "Base64Exe", clixml_new_string("TVq") } };
	struct psrp_served r;

	ck_assert_int_eq(serve_script("$assembly = [System.Reflection.Assembly]"
	    "::Load($exeBytes)\n", "/", &r, a, 1), PSRP_SERVED_ANSWER);
	ck_assert_int_eq(r.code, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "no .NET"));
	psrp_served_free(&r);
	ck_assert_int_eq(serve_script("$assembly = [System.Reflection.Assembly]"
	    "::Load($dllBytes)\nImport-Module -Assembly $assembly -ErrorAction "
	    "Stop\n", "/", &r, a, 1), PSRP_SERVED_ANSWER);
	ck_assert(strncmp(r.out, "{\"Type\":\"Error\"", 15) == 0);
	psrp_served_free(&r);
	/* a script of someone else's, pypsrp's copy.ps1 among them */
	ck_assert_int_eq(serve_script("echo hi", "/", &r, a, 1),
	    PSRP_SERVED_NONE);
	ck_assert_int_eq(serve_script("[System.IO.File]::Create($path)\n"
	    "FromBase64String($input) TransformFinalBlock", "/", &r, NULL, 0),
	    PSRP_SERVED_NONE);
	clixml_unref((struct clixml_value *)(uintptr_t)a[0].pa_value);
}
END_TEST

static Suite *
psrp_evilwinrm_suite(void)
{
	Suite *s = suite_create("psrp_evilwinrm");
	TCase *tc = tcase_create("evilwinrm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, paths_join_as_path_combine);
	tcase_add_test(tc, prompt_is_the_runspace_directory);
	tcase_add_test(tc, resolve_path_as_the_user);
	tcase_add_test(tc, path_completion);
	tcase_add_test(tc, command_completion);
	tcase_add_test(tc, upload_in_chunks);
	tcase_add_test(tc, upload_refuses_bad_chunks);
	tcase_add_test(tc, download_as_json_chunks);
	tcase_add_test(tc, dotnet_refused_others_not_taken);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(psrp_evilwinrm_suite)
