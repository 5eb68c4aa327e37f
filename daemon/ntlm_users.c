/*
 * ntlm_users.c: the NTLM user file that gss-ntlmssp reads (NTLM_USER_FILE),
 * in smbpasswd format with NT hashes, never plaintext:
 *
 *   DOMAIN\alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:<NT hash>:[U          ]:LCT-<hex time>:
 *
 * The NT hash is MD4 of the UTF-16LE password (MD4 lives in OpenSSL's
 * legacy provider).  gss-ntlmssp takes a line only if its domain is the
 * one the client sent (any line, if the client sent none), so each user
 * has a line for the NetBIOS domain and one for the computer name; the
 * daemon checks the domain too (auth_negotiate.c).  Used by
 * `winrmd --ntlm-passwd' and `--ntlm-delete'; never by the running daemon.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "negotiate.h"

int
nego_nt_hash(const char *password, char hex[33])
{
	OSSL_PROVIDER *legacy = OSSL_PROVIDER_load(NULL, "legacy");
	OSSL_PROVIDER *deflt = OSSL_PROVIDER_load(NULL, "default");
	EVP_MD *md4 = EVP_MD_fetch(NULL, "MD4", NULL);
	size_t len = strlen(password), n = 0;
	unsigned char *utf16 = malloc(len * 2 + 2), digest[16];
	unsigned int dlen = 0;
	int r = -1;

	if (md4 == NULL || utf16 == NULL)
		goto out;
	/* UTF-8 to UTF-16LE */
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)password[i];
		unsigned long cp;
		size_t extra;

		if (c < 0x80) {
			cp = c;
			extra = 0;
		} else if ((c & 0xe0) == 0xc0) {
			cp = c & 0x1f;
			extra = 1;
		} else if ((c & 0xf0) == 0xe0) {
			cp = c & 0x0f;
			extra = 2;
		} else if ((c & 0xf8) == 0xf0) {
			cp = c & 0x07;
			extra = 3;
		} else
			goto out;
		if (i + extra >= len)
			goto out;
		for (size_t k = 1; k <= extra; k++) {
			if (((unsigned char)password[i + k] & 0xc0) != 0x80)
				goto out;
			cp = cp << 6 | ((unsigned char)password[i + k] & 0x3f);
		}
		i += extra + 1;
		if (cp >= 0x10000) {
			unsigned char *grown = realloc(utf16, n + 4 + (len - i) * 2 + 2);

			if (grown == NULL)
				goto out;
			utf16 = grown;
			cp -= 0x10000;
			utf16[n++] = (unsigned char)((0xd800 | cp >> 10) & 0xff);
			utf16[n++] = (unsigned char)((0xd800 | cp >> 10) >> 8);
			utf16[n++] = (unsigned char)((0xdc00 | (cp & 0x3ff)) & 0xff);
			utf16[n++] = (unsigned char)((0xdc00 | (cp & 0x3ff)) >> 8);
		} else {
			utf16[n++] = (unsigned char)(cp & 0xff);
			utf16[n++] = (unsigned char)(cp >> 8);
		}
	}
	if (EVP_Digest(utf16, n, digest, &dlen, md4, NULL) != 1 || dlen != 16)
		goto out;
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", digest[i]);
	OPENSSL_cleanse(digest, sizeof(digest));
	r = 0;
out:
	if (utf16 != NULL) {
		OPENSSL_cleanse(utf16, n);
		free(utf16);
	}
	EVP_MD_free(md4);
	if (legacy != NULL)
		OSSL_PROVIDER_unload(legacy);
	if (deflt != NULL)
		OSSL_PROVIDER_unload(deflt);
	return r;
}

/* the user field of a line, without "DOMAIN\", compared to user */
static bool
line_is_user(const char *line, const char *user)
{
	const char *colon = strchr(line, ':'), *start = line, *bs;
	size_t len;

	if (line[0] == '#' || colon == NULL)
		return false;
	bs = memchr(line, '\\', (size_t)(colon - line));
	if (bs != NULL)
		start = bs + 1;
	len = (size_t)(colon - start);
	return len == strlen(user) && strncasecmp(start, user, len) == 0;
}

int
nego_ntlm_passwd(const char *file, const char *user, const char *password,
    const char *domain, const char *computer)
{
	char tmp[4200], hash[33], line[1100];
	bool found = false, bad;
	struct passwd *pw;
	FILE *in, *out;
	int fd;

	if (file == NULL || file[0] == '\0') {
		fprintf(stderr, "winrmd: [Auth] NTLMUserFile is not set\n");
		return -1;
	}
	if (user[0] == '\0' || strpbrk(user, ":\\@/ \t\r\n#") != NULL ||
	    strlen(user) > 64) {
		fprintf(stderr, "winrmd: %s is not a valid account name\n", user);
		return -1;
	}
	if (password != NULL && (strchr(password, '\n') != NULL ||
	    nego_nt_hash(password, hash) < 0)) {
		fprintf(stderr, "winrmd: cannot compute the NT hash (password "
		    "not UTF-8, or OpenSSL without MD4 in its legacy provider)\n");
		return -1;
	}
	pw = getpwnam(user);
	if (password != NULL && pw == NULL)
		fprintf(stderr, "winrmd: warning: there is no local account %s "
		    "yet; NTLM logins as %s fail until there is\n", user, user);
	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", file) >= (int)sizeof(tmp)) {
		fprintf(stderr, "winrmd: %s: name too long\n", file);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0 || fchmod(fd, 0600) < 0 ||
	    (out = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "winrmd: cannot create %s: %s\n", tmp,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	if ((in = fopen(file, "re")) == NULL && errno != ENOENT) {
		fprintf(stderr, "winrmd: cannot read %s: %s\n", file,
		    strerror(errno));
		fclose(out);
		unlink(tmp);
		return -1;
	}
	if (in == NULL)
		fprintf(out, "# NTLM accounts of winrmd (smbpasswd format, NT "
		    "hashes): winrmd --ntlm-passwd USER\n");
	while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
		if (line_is_user(line, user)) {
			found = true;
			continue;
		}
		fputs(line, out);
		if (strchr(line, '\n') == NULL)
			fputc('\n', out);
	}
	if (in != NULL)
		fclose(in);
	for (int i = 0; password != NULL && i < 2; i++) {
		const char *dom = i == 0 ? domain : computer;

		if (i == 1 && strcasecmp(domain, computer) == 0)
			break;
		fprintf(out, "%s\\%s:%ld:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:"
		    "[U          ]:LCT-%08lX:\n", dom, user,
		    pw != NULL ? (long)pw->pw_uid : 0L, hash,
		    (unsigned long)time(NULL));
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	bad = fflush(out) != 0 || fsync(fileno(out)) < 0;
	if (fclose(out) != 0)
		bad = true;
	if (bad || rename(tmp, file) < 0) {
		fprintf(stderr, "winrmd: cannot write %s: %s\n", file,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (password == NULL && !found) {
		fprintf(stderr, "winrmd: %s has no line for %s\n", file, user);
		return -1;
	}
	return 0;
}
