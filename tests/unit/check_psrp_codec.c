/*
 * check_psrp_codec.c: the PSRP codec's own rules, with inputs made here:
 * fragments (several per payload, a message across payloads, every
 * malformed shape refused, the buffer bound), the fragmenter's budget,
 * message headers and GUID byte order, PowerShell's string escaping, the
 * CLIXML reader's bounds and refusals, the writer's RefIds and TNRefs,
 * and the server messages' shapes.
 */
#include "build.h"

#include "unit.h"

#include "clixml.h"
#include "fragment.h"
#include "message.h"
#include "psrp_msgs.h"

/* a fragment by hand */
static size_t
frag(uint8_t *out, uint64_t oid, uint64_t fid, uint8_t flags,
    const char *blob, uint32_t len_field)
{
	size_t blen = strlen(blob);

	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(oid >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(fid >> (56 - 8 * i));
	}
	out[16] = flags;
	out[17] = (uint8_t)(len_field >> 24);
	out[18] = (uint8_t)(len_field >> 16);
	out[19] = (uint8_t)(len_field >> 8);
	out[20] = (uint8_t)len_field;
	memcpy(out + 21, blob, blen);
	return 21 + blen;
}

static char *
next_str(struct psrp_defrag *d, uint64_t *oid)
{
	uint8_t *m;
	size_t len;
	char *s;

	if (psrp_defrag_next(d, &m, &len, oid) != 1)
		return NULL;
	s = strndup((char *)m, len);
	free(m);
	return s;
}

START_TEST(test_defrag_whole_and_split)
{
	struct psrp_defrag *d = psrp_defrag_new(1024);
	uint8_t buf[512];
	size_t n = 0;
	uint64_t oid;
	char *s;

	/* two whole messages in one payload */
	n += frag(buf + n, 1, 0, 3, "one", 3);
	n += frag(buf + n, 2, 0, 3, "two", 3);
	/* and the start of a third */
	n += frag(buf + n, 3, 0, 1, "thr", 3);
	ck_assert_int_eq(psrp_defrag_feed(d, buf, n), 0);
	ck_assert(psrp_defrag_partial(d));
	ck_assert_str_eq(s = next_str(d, &oid), "one");
	free(s);
	ck_assert_uint_eq(oid, 1);
	ck_assert_str_eq(s = next_str(d, &oid), "two");
	free(s);
	ck_assert_ptr_null(next_str(d, NULL));
	/* its middle and end in the next payloads, an empty last blob */
	n = frag(buf, 3, 1, 0, "ee", 2);
	ck_assert_int_eq(psrp_defrag_feed(d, buf, n), 0);
	ck_assert_ptr_null(next_str(d, NULL));
	n = frag(buf, 3, 2, 2, "", 0);
	ck_assert_int_eq(psrp_defrag_feed(d, buf, n), 0);
	ck_assert(!psrp_defrag_partial(d));
	ck_assert_str_eq(s = next_str(d, &oid), "three");
	free(s);
	ck_assert_uint_eq(oid, 3);
	ck_assert_uint_eq(psrp_defrag_buffered(d), 0);
	ck_assert_ptr_null(psrp_defrag_error(d));
	psrp_defrag_free(d);
}
END_TEST

/* each malformed payload fails, says why, and the defragmenter stays failed */
static void
refused(const uint8_t *p, size_t n, size_t max, const char *why)
{
	struct psrp_defrag *d = psrp_defrag_new(max);
	uint8_t ok[64];
	size_t on = frag(ok, 9, 0, 3, "x", 1);

	ck_assert_int_eq(psrp_defrag_feed(d, p, n), -1);
	ck_assert_ptr_nonnull(psrp_defrag_error(d));
	ck_assert_msg(strstr(psrp_defrag_error(d), why) != NULL, "%s: %s", why,
	    psrp_defrag_error(d));
	ck_assert_int_eq(psrp_defrag_feed(d, ok, on), -1);
	psrp_defrag_free(d);
}

START_TEST(test_defrag_refusals)
{
	uint8_t b[256] = { 0 };
	size_t n;

	refused(b, 0, 1024, "empty");
	n = frag(b, 1, 0, 3, "abc", 3);
	refused(b, 20, 1024, "cut short");			/* truncated header */
	refused(b, n - 1, 1024, "past the end");		/* blob cut */
	n = frag(b, 1, 0, 3, "abc", 4);
	refused(b, n, 1024, "past the end");			/* BlobLength overrun */
	n = frag(b, 1, 0, 3, "abc", 0xFFFFFFFF);
	refused(b, n, 1024, "past the end");
	n = frag(b, 1, 1, 3, "abc", 3);
	refused(b, n, 1024, "starts with fragment 1");		/* Start, id 1 */
	n = frag(b, 1, 0, 0, "abc", 3);
	refused(b, n, 1024, "without a start");			/* no Start */
	n = frag(b, 1, 0, 2, "abc", 3);
	refused(b, n, 1024, "without a start");			/* End alone */
	n = frag(b, 1, 0, 1, "abc", 3);
	n += frag(b + n, 1, 2, 2, "def", 3);
	refused(b, n, 1024, "where 1 was expected");		/* a gap */
	n = frag(b, 1, 0, 1, "abc", 3);
	n += frag(b + n, 1, 0, 3, "def", 3);
	refused(b, n, 1024, "starts before");			/* repeated Start */
	n = frag(b, 1, 0, 1, "abc", 3);
	n += frag(b + n, 2, 0, 3, "def", 3);
	refused(b, n, 1024, "starts before");			/* Start without End */
	n = frag(b, 1, 0, 1, "abc", 3);
	n += frag(b + n, 2, 1, 2, "def", 3);
	refused(b, n, 1024, "interleaved");			/* ObjectIds interleaved */
	n = frag(b, 1, 0, 1, "abcdef", 6);
	n += frag(b + n, 1, 1, 2, "ghij", 4);
	refused(b, n, 8, "more than 8 bytes");			/* the bound */
}
END_TEST

START_TEST(test_defrag_bound_counts_queued)
{
	struct psrp_defrag *d = psrp_defrag_new(8);
	uint8_t b[128], *m;
	size_t n, len;

	n = frag(b, 1, 0, 3, "abcde", 5);
	ck_assert_int_eq(psrp_defrag_feed(d, b, n), 0);
	ck_assert_uint_eq(psrp_defrag_buffered(d), 5);
	/* 5 queued + 5 more > 8 */
	n = frag(b, 2, 0, 3, "fghij", 5);
	ck_assert_int_eq(psrp_defrag_feed(d, b, n), -1);
	psrp_defrag_free(d);
	/* taken, the room is back */
	d = psrp_defrag_new(8);
	n = frag(b, 1, 0, 3, "abcde", 5);
	ck_assert_int_eq(psrp_defrag_feed(d, b, n), 0);
	ck_assert_int_eq(psrp_defrag_next(d, &m, &len, NULL), 1);
	free(m);
	n = frag(b, 2, 0, 3, "fghij", 5);
	ck_assert_int_eq(psrp_defrag_feed(d, b, n), 0);
	psrp_defrag_free(d);
}
END_TEST

START_TEST(test_fragmenter)
{
	const char *msg = "0123456789abcdefghij";
	struct psrp_frag_cursor c = { .fc_object_id = 7 };
	struct psrp_defrag *d = psrp_defrag_new(1024);
	uint8_t out[64], *all, *m;
	size_t n, total = 0, len;
	int frags = 0;

	/* nothing fits in less than a header and a byte */
	ck_assert_uint_eq(psrp_frag_put(&c, (const uint8_t *)msg, 20, out, 21), 0);
	while ((n = psrp_frag_put(&c, (const uint8_t *)msg, 20, out,
	    21 + 8)) > 0) {
		ck_assert_uint_le(n, 29);
		ck_assert_int_eq(out[16], (frags == 0 ? 1 : 0) |
		    (c.fc_done ? 2 : 0));
		ck_assert_int_eq(psrp_defrag_feed(d, out, n), 0);
		total += n;
		frags++;
	}
	ck_assert_int_eq(frags, 3);
	ck_assert(c.fc_done);
	ck_assert_uint_eq(total, 20 + 3 * 21);
	ck_assert_int_eq(psrp_defrag_next(d, &m, &len, NULL), 1);
	ck_assert_uint_eq(len, 20);
	ck_assert_mem_eq(m, msg, 20);
	free(m);
	/* an empty message is one fragment with Start and End */
	all = psrp_frag_all(8, NULL, 0, 100, &len);
	ck_assert_uint_eq(len, 21);
	ck_assert_int_eq(all[16], 3);
	ck_assert_int_eq(psrp_defrag_feed(d, all, len), 0);
	ck_assert_int_eq(psrp_defrag_next(d, &m, &len, NULL), 1);
	ck_assert_uint_eq(len, 0);
	free(m);
	free(all);
	all = psrp_frag_all(9, (const uint8_t *)msg, 20, 7, &len);
	ck_assert_uint_eq(len, 20 + 3 * 21);
	free(all);
	ck_assert_uint_eq(psrp_b64_room(100), 75);
	ck_assert_uint_eq(psrp_b64_room(3), 0);
	psrp_defrag_free(d);
}
END_TEST

START_TEST(test_message_header)
{
	struct psrp_guid rp, pid;
	struct psrp_msg m;
	uint8_t *buf;
	size_t len;
	char text[37];
	static const uint8_t wire_rpid[16] = { 0x11, 0x11, 0x11, 0x11, 0x22,
	    0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 };
	static const uint8_t wire_pid[16] = { 0x04, 0x03, 0x02, 0x01, 0x06,
	    0x05, 0x08, 0x07, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };

	ck_assert_int_eq(psrp_guid_parse("11111111-2222-3333-4444-555555555555",
	    &rp), 0);
	ck_assert_int_eq(psrp_guid_parse("{01020304-0506-0708-090A-0B0C0D0E0F10}",
	    &pid), 0);
	ck_assert_int_eq(psrp_guid_parse("uuid:01020304-0506-0708-090a-"
	    "0b0c0d0e0f10", &m.pm_pid), 0);
	ck_assert(psrp_guid_equal(&pid, &m.pm_pid));
	ck_assert_int_eq(psrp_guid_parse("01020304-0506-0708-090a-0b0c0d0e0f1",
	    &m.pm_pid), -1);
	ck_assert_int_eq(psrp_guid_parse("0102030405060708090a0b0c0d0e0f10ab",
	    &m.pm_pid), -1);
	buf = psrp_msg_encode(PSRP_DEST_CLIENT, PSRP_PIPELINE_OUTPUT, &rp, &pid,
	    "<S>x</S>", 8, true, &len);
	ck_assert_uint_eq(len, 40 + 3 + 8);
	ck_assert_mem_eq(buf, "\x01\x00\x00\x00\x04\x10\x04\x00", 8);
	/* .NET byte order: the first three fields little-endian */
	ck_assert_mem_eq(buf + 8, wire_rpid, 16);
	ck_assert_mem_eq(buf + 24, wire_pid, 16);
	ck_assert_mem_eq(buf + 40, "\xEF\xBB\xBF<S>", 6);
	ck_assert_int_eq(psrp_msg_decode(buf, len, &m), 0);
	ck_assert_uint_eq(m.pm_destination, PSRP_DEST_CLIENT);
	ck_assert_uint_eq(m.pm_type, PSRP_PIPELINE_OUTPUT);
	ck_assert(psrp_guid_equal(&m.pm_rpid, &rp));
	ck_assert(psrp_guid_equal(&m.pm_pid, &pid));
	/* the BOM is skipped */
	ck_assert_uint_eq(m.pm_len, 8);
	ck_assert_mem_eq(m.pm_data, "<S>x</S>", 8);
	psrp_guid_format(&m.pm_pid, true, text);
	ck_assert_str_eq(text, "01020304-0506-0708-090A-0B0C0D0E0F10");
	free(buf);
	/* no BOM, a pool's message: zero pid */
	buf = psrp_msg_encode(PSRP_DEST_SERVER, PSRP_SESSION_CAPABILITY, &rp,
	    NULL, "<Obj/>", 6, false, &len);
	ck_assert_int_eq(psrp_msg_decode(buf, len, &m), 0);
	ck_assert(psrp_guid_is_nil(&m.pm_pid));
	ck_assert_uint_eq(m.pm_len, 6);
	ck_assert_int_eq(psrp_msg_decode(buf, 39, &m), -1);
	free(buf);
	ck_assert_str_eq(psrp_msg_type_name(PSRP_CREATE_PIPELINE),
	    "CREATE_PIPELINE");
	ck_assert_ptr_null(psrp_msg_type_name(0x12345678));
}
END_TEST

static void
escape_case(const char *in, size_t len, const char *want)
{
	size_t n, un;
	char *e = clixml_escape(in, len, &n), *u;

	ck_assert_str_eq(e, want);
	ck_assert_uint_eq(n, strlen(want));
	u = clixml_unescape(e, n, &un);
	ck_assert_uint_eq(un, len);
	ck_assert_mem_eq(u, in, len);
	free(e);
	free(u);
}

START_TEST(test_escaping)
{
	const char *s;
	size_t n;
	char *u;

	escape_case("plain", 5, "plain");
	escape_case("a\nb\r\tc", 6, "a_x000A_b_x000D__x0009_c");
	escape_case("\0x", 2, "_x0000_x");
	escape_case("_x000A_", 7, "_x005F_x000A_");
	escape_case("_X", 2, "_x005F_X");
	escape_case("_", 1, "_");
	escape_case("a_b", 3, "a_b");
	escape_case("\x7f\xc2\x85\xc2\x9f", 5, "_x007F__x0085__x009F_");
	/* a lone surrogate in generalised UTF-8, and U+FFFE */
	escape_case("\xed\xa0\x80", 3, "_xD800_");
	escape_case("\xef\xbf\xbe", 3, "_xFFFE_");
	/* non-BMP characters are written as they are */
	escape_case("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
	/* bytes that are not UTF-8 become U+FFFD */
	u = clixml_escape("a\xff\xc0\x80z", 5, &n);
	ck_assert_str_eq(u, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
	free(u);
	/* a surrogate pair written escaped is one character; 8-digit form */
	s = "_xD83D__xDE00_|_x0001F600_|_x41_|_xZZZZ_";
	u = clixml_unescape(s, strlen(s), &n);
	ck_assert_str_eq(u, "\xf0\x9f\x98\x80|\xf0\x9f\x98\x80|_x41_|_xZZZZ_");
	free(u);
	/* upper-case X is no escape */
	u = clixml_unescape("_X000A_", 7, &n);
	ck_assert_str_eq(u, "_X000A_");
	free(u);
}
END_TEST

static struct clixml_value *
rd(const char *xml, const struct clixml_limits *lim, char *err)
{
	return clixml_read(xml, strlen(xml), lim, err, 256);
}

static void
read_refused(const char *xml, const struct clixml_limits *lim,
    const char *why)
{
	char err[256];
	struct clixml_value *v = rd(xml, lim, err);

	ck_assert_msg(v == NULL, "accepted: %s", xml);
	ck_assert_msg(strstr(err, why) != NULL, "%s: %s", why, err);
}

START_TEST(test_reader_refusals)
{
	struct clixml_limits lim = clixml_default_limits;
	char deep[4096] = "";

	read_refused("<S>x</S", NULL, "not XML");
	read_refused("  <", NULL, "not XML");
	read_refused("<?xml version=\"1.0\"?><!DOCTYPE S [<!ENTITY a \"aaaa\">]>"
	    "<S>&a;</S>", NULL, "DTD");
	read_refused("<Foo/>", NULL, "not a CLIXML value");
	read_refused("<I32>12x</I32>", NULL, "not a number");
	read_refused("<I32>2147483648</I32>", NULL, "not a number in range");
	read_refused("<By>-1</By>", NULL, "not a number in range");
	read_refused("<Db>inf</Db>", NULL, "not a number");
	read_refused("<B>yes</B>", NULL, "not a boolean");
	read_refused("<G>nope</G>", NULL, "not a GUID");
	read_refused("<BA>abc</BA>", NULL, "not base64");
	read_refused("<Ref RefId=\"0\"/>", NULL, "to no <Obj>");
	read_refused("<Obj RefId=\"0\"><MS><Ref N=\"me\" RefId=\"0\"/></MS></Obj>",
	    NULL, "a cycle");
	read_refused("<Obj RefId=\"x\"/>", NULL, "bad RefId");
	/* RefIds count from 0: a huge one is no reason to allocate */
	read_refused("<Obj RefId=\"999999\"/>", NULL, "bad RefId");
	read_refused("<Obj RefId=\"0\"><TN RefId=\"999999\"><T>x</T></TN></Obj>",
	    NULL, "bad RefId");
	read_refused("<Obj RefId=\"0\"><LST><Obj RefId=\"1\"/><Obj RefId=\"1\"/>"
	    "</LST></Obj>", NULL, "two <Obj> with RefId 1");
	read_refused("<Obj RefId=\"0\"><TNRef RefId=\"3\"/></Obj>", NULL,
	    "<TNRef> to no <TN>");
	read_refused("<Obj RefId=\"0\"><DCT><En><S N=\"Key\">k</S></En></DCT>"
	    "</Obj>", NULL, "without a Key and a Value");
	read_refused("<Obj RefId=\"0\"><LST/><DCT/></Obj>", NULL,
	    "two collections");
	/* the bounds */
	lim.max_bytes = 10;
	read_refused("<S>0123456789</S>", &lim, "more than 10 bytes");
	lim = clixml_default_limits;
	lim.max_nodes = 3;
	read_refused("<Obj RefId=\"0\"><LST><S>a</S><S>b</S><S>c</S></LST></Obj>",
	    &lim, "more than 3 values");
	lim = clixml_default_limits;
	for (int i = 0; i < 100; i++)
		strcat(deep, "<Obj><LST>");
	for (int i = 0; i < 100; i++)
		strcat(deep, "</LST></Obj>");
	read_refused(deep, &lim, "nested deeper than 64");
}
END_TEST

START_TEST(test_reader_values)
{
	char err[256];
	struct clixml_value *v;
	const struct clixml_value *m;
	const char *s;
	size_t len;
	int64_t i;
	bool b;

	/* a BOM, Props and MS, Ref and TNRef, skipped unknown elements */
	v = rd("\xEF\xBB\xBF<Obj RefId=\"0\"><TN RefId=\"0\"><T>A.B</T>"
	    "<T>System.Object</T></TN><ToString>t_x000A_</ToString><Future/>"
	    "<Props><S N=\"P\">p</S><Unknown N=\"U\"/></Props><MS><Obj N=\"Inner\""
	    " RefId=\"1\"><TNRef RefId=\"0\"/><I32>7</I32></Obj><Ref N=\"Again\" "
	    "RefId=\"1\"/><S N=\"Sp\"> </S><S N=\"_x005F_xname\">n</S>"
	    "<Nil N=\"N\"/></MS></Obj>", NULL, err);
	ck_assert_msg(v != NULL, "%s", err);
	ck_assert(clixml_has_type(v, "A.B"));
	ck_assert_str_eq(v->v.obj.o_tostring, "t\n");
	ck_assert_str_eq(clixml_str(clixml_member(v, "P"), NULL), "p");
	m = clixml_member(v, "Inner");
	ck_assert_ptr_eq(m, clixml_member(v, "Again"));
	ck_assert(clixml_has_type(m, "System.Object"));
	ck_assert_int_eq(clixml_int(m, &i), 0);
	ck_assert_int_eq(i, 7);
	ck_assert_str_eq(clixml_str(clixml_member(v, "Sp"), &len), " ");
	ck_assert_ptr_nonnull(clixml_member(v, "_xname"));
	/* names match whatever their case, as in PowerShell */
	ck_assert_ptr_eq(clixml_member(v, "inner"), m);
	ck_assert(clixml_is_nil(clixml_member(v, "N")));
	ck_assert_ptr_nonnull(clixml_member(v, "N"));
	ck_assert_ptr_null(clixml_member(v, "U"));
	clixml_unref(v);
	/* an empty body is Nil */
	v = rd(" \n", NULL, err);
	ck_assert(v != NULL && v->v_type == CLIXML_NIL);
	clixml_unref(v);
	/* values */
	v = rd("<S>a_x0000_b</S>", NULL, err);
	s = clixml_str(v, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(s, "a\0b", 3);
	clixml_unref(v);
	v = rd("<B> 1 </B>", NULL, err);
	ck_assert_int_eq(clixml_bool(v, &b), 0);
	ck_assert(b);
	clixml_unref(v);
	v = rd("<U64>18446744073709551615</U64>", NULL, err);
	ck_assert_int_eq(clixml_int(v, &i), -1);
	clixml_unref(v);
	v = rd("<Db>-INF</Db>", NULL, err);
	ck_assert(v->v.d < 0 && v->v.d * 0 != 0);
	clixml_unref(v);
	v = rd("<G>{0A3C2E4D-1111-4000-8000-00000000002A}</G>", NULL, err);
	ck_assert_int_eq(v->v.guid[0], 0x0a);
	ck_assert_int_eq(v->v.guid[15], 0x2a);
	clixml_unref(v);
	v = rd("<BA>\n AAH+\n/w== </BA>", NULL, err);
	ck_assert_uint_eq(v->v.str.len, 4);
	ck_assert_mem_eq(v->v.str.s, "\x00\x01\xfe\xff", 4);
	clixml_unref(v);
	v = rd("<BA></BA>", NULL, err);
	ck_assert_uint_eq(v->v.str.len, 0);
	clixml_unref(v);
	/* a DCT with a key that is no string: kept, not found by string */
	v = rd("<Obj RefId=\"0\"><DCT><En><I32 N=\"Key\">1</I32><S N=\"Value\">one"
	    "</S></En><En><S N=\"Key\">k</S><S N=\"Value\">v</S></En></DCT></Obj>",
	    NULL, err);
	ck_assert_uint_eq(clixml_list_len(v), 2);
	ck_assert_str_eq(clixml_str(clixml_dict_get(v, "k"), NULL), "v");
	ck_assert_ptr_null(clixml_dict_get(v, "1"));
	ck_assert_ptr_null(clixml_list_at(v, 0));
	clixml_unref(v);
}
END_TEST

START_TEST(test_writer)
{
	static const char *const tn[] = { "My.Type", "System.Object", NULL };
	struct clixml_value *list = clixml_new_obj(tn, CLIXML_COLL_LST);
	struct clixml_value *shared = clixml_new_obj(tn, CLIXML_COLL_NONE);
	struct clixml_value *other = clixml_new_obj(tn, CLIXML_COLL_NONE);
	struct clixml_value *bad;
	char *out;
	size_t len;

	clixml_obj_add_ms(shared, "S<&>", clixml_new_string("a\nb"));
	clixml_list_add(list, clixml_ref(shared));
	clixml_list_add(list, shared);
	clixml_list_add(list, other);
	clixml_list_add(list, clixml_new_double(CLIXML_DOUBLE, 0.1));
	clixml_list_add(list, clixml_new_double(CLIXML_DOUBLE, 1e300 * 1e300));
	clixml_list_add(list, clixml_new_double(CLIXML_FLOAT, 1.5e-7));
	clixml_list_add(list, clixml_new_string(""));
	clixml_list_add(list, clixml_new_bytes("\x00\xff", 2));
	clixml_list_add(list, clixml_new_nil());
	clixml_list_add(list, clixml_new_int(CLIXML_I64, INT64_MIN));
	out = clixml_write(list, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), len);
	ck_assert_str_eq(out, "<Obj RefId=\"0\"><TN RefId=\"0\"><T>My.Type</T>"
	    "<T>System.Object</T></TN><LST><Obj RefId=\"1\"><TNRef RefId=\"0\"/>"
	    "<MS><S N=\"S&lt;&amp;&gt;\">a_x000A_b</S></MS></Obj>"
	    "<Ref RefId=\"1\"/><Obj RefId=\"2\"><TNRef RefId=\"0\"/></Obj>"
	    "<Db>0.1</Db><Db>INF</Db><Sg>1.5E-07</Sg><S></S><BA>AP8=</BA><Nil/>"
	    "<I64>-9223372036854775808</I64></LST></Obj>");
	free(out);
	clixml_unref(list);
	/* type lists are matched by content, whichever object carries them */
	{
		static const char *const ta[] = { "A", NULL }, *const tb[] = {
		    "B", NULL };
		struct clixml_value *l = clixml_new_obj(NULL, CLIXML_COLL_LST);

		for (int i = 0; i < 2000; i++) {
			char name[16];
			const char *tc[] = { name, NULL };

			snprintf(name, sizeof(name), "T%d", i);
			clixml_list_add(l, clixml_new_obj(i == 1000 ? ta :
			    i == 1500 ? tb : i == 1999 ? ta : tc,
			    CLIXML_COLL_NONE));
		}
		out = clixml_write(l, &len);
		ck_assert_ptr_nonnull(out);
		ck_assert(strstr(out, "<Obj RefId=\"1001\"><TN RefId=\"1000\">"
		    "<T>A</T></TN></Obj>") != NULL);
		ck_assert(strstr(out, "<Obj RefId=\"2000\"><TNRef RefId=\"1000\"/>"
		    "</Obj>") != NULL);
		free(out);
		clixml_unref(l);
	}
	/* an object a builder could not finish is not written */
	bad = clixml_new_obj(NULL, CLIXML_COLL_LST);
	clixml_list_add(bad, NULL);
	ck_assert_ptr_null(clixml_write(bad, &len));
	clixml_unref(bad);
	bad = clixml_new_obj(NULL, CLIXML_COLL_NONE);
	ck_assert_int_eq(clixml_list_add(bad, clixml_new_i32(1)), -1);
	ck_assert_ptr_null(clixml_write(bad, &len));
	clixml_unref(bad);
	/* dates and durations as .NET writes them */
	bad = clixml_new_datetime(1700000000, 123456789, true, 0);
	ck_assert_str_eq(clixml_str(bad, NULL), "2023-11-14T22:13:20.1234567Z");
	clixml_unref(bad);
	bad = clixml_new_datetime(1700000000, 0, false, -90);
	ck_assert_str_eq(clixml_str(bad, NULL), "2023-11-14T20:43:20.0000000-01:30");
	clixml_unref(bad);
	bad = clixml_new_duration(0);
	ck_assert_str_eq(clixml_str(bad, NULL), "PT0S");
	clixml_unref(bad);
	bad = clixml_new_duration(((int64_t)86400 + 3600 + 61) * 10000000 + 5000000);
	ck_assert_str_eq(clixml_str(bad, NULL), "P1DT1H1M1.5S");
	clixml_unref(bad);
	bad = clixml_new_duration(-36000000000LL);
	ck_assert_str_eq(clixml_str(bad, NULL), "-PT1H");
	clixml_unref(bad);
}
END_TEST

static char *
written(struct clixml_value *v)
{
	char *s = clixml_write(v, NULL);

	ck_assert_ptr_nonnull(s);
	clixml_unref(v);
	return s;
}

START_TEST(test_server_messages)
{
	struct psrp_error e = {
		.pe_message = "ls: cannot access 'x': No such file",
		.pe_exception_types = (const char *const[]){
		    "System.Management.Automation.RemoteException",
		    "System.Management.Automation.RuntimeException",
		    "System.SystemException", NULL },
		.pe_fqid = "NativeCommandError",
		.pe_category = PSRP_ERR_NOT_SPECIFIED,
		.pe_target_object = clixml_new_string("ls x"),
	};
	struct clixml_value *v;
	char *s, err[128];

	s = written(psrp_build_pool_state(PSRP_POOL_OPENED, NULL));
	ck_assert_str_eq(s, "<Obj RefId=\"0\"><MS><I32 N=\"RunspaceState\">2</I32>"
	    "</MS></Obj>");
	free(s);
	s = written(psrp_build_capability());
	ck_assert_str_eq(s, "<Obj RefId=\"0\"><MS><Version N=\"PSVersion\">2.0"
	    "</Version><Version N=\"protocolversion\">2.3</Version><Version "
	    "N=\"SerializationVersion\">1.1.0.1</Version></MS></Obj>");
	free(s);
	s = written(psrp_build_availability_count(7, 3));
	ck_assert(strstr(s, "<I64 N=\"SetMinMaxRunspacesResponse\">3</I64>"
	    "<I64 N=\"ci\">7</I64>") != NULL);
	free(s);
	s = written(psrp_build_host_call(PSRP_VOID_CALL_ID,
	    PSRP_HOST_SET_SHOULD_EXIT, NULL));
	ck_assert(strstr(s, "<I64 N=\"ci\">-100</I64><Obj N=\"mi\" RefId=\"1\">"
	    "<TN RefId=\"0\"><T>System.Management.Automation.Remoting."
	    "RemoteHostMethodId</T>") != NULL);
	ck_assert(strstr(s, "<ToString>SetShouldExit</ToString><I32>6</I32>") !=
	    NULL);
	free(s);
	ck_assert_ptr_null(psrp_build_host_call(1, 99, NULL));
	ck_assert(psrp_host_method_is_void(PSRP_HOST_SET_SHOULD_EXIT));
	ck_assert(psrp_host_method_is_void(PSRP_HOST_WRITE_LINE2));
	ck_assert(!psrp_host_method_is_void(PSRP_HOST_READ_LINE));
	ck_assert(!psrp_host_method_is_void(PSRP_HOST_PROMPT));
	/* the ErrorRecord: read back, the fields PowerShell's formatter uses */
	s = written(psrp_build_pipeline_state(PSRP_PIPELINE_FAILED,
	    psrp_build_error_record(&e)));
	v = clixml_read(s, strlen(s), NULL, err, sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	{
		const struct clixml_value *rec = clixml_member(v,
		    "ExceptionAsErrorRecord");
		const struct clixml_value *ex = clixml_member(rec, "Exception");

		ck_assert(clixml_has_type(rec,
		    "System.Management.Automation.ErrorRecord"));
		ck_assert(clixml_has_type(ex, "System.Exception"));
		ck_assert_str_eq(ex->v.obj.o_types->t_names[0],
		    "System.Management.Automation.RemoteException");
		ck_assert_str_eq(clixml_str(clixml_member(ex, "Message"), NULL),
		    e.pe_message);
		ck_assert_str_eq(clixml_str(clixml_member(rec,
		    "FullyQualifiedErrorId"), NULL), "NativeCommandError");
		ck_assert_str_eq(clixml_str(clixml_member(rec,
		    "ErrorCategory_Message"), NULL),
		    "NotSpecified: (:) [], RemoteException");
		ck_assert_str_eq(clixml_str(clixml_member(rec,
		    "ErrorCategory_Reason"), NULL), "RemoteException");
		ck_assert_str_eq(clixml_str(clixml_member(rec, "TargetObject"),
		    NULL), "ls x");
		ck_assert(clixml_is_nil(clixml_member(rec, "InvocationInfo")));
		ck_assert_str_eq(rec->v.obj.o_tostring, e.pe_message);
	}
	clixml_unref(v);
	free(s);
	s = written(psrp_build_stopped_error());
	ck_assert(strstr(s, "OperationStopped: (:) [], PipelineStoppedException")
	    != NULL);
	free(s);
	ck_assert_ptr_null(psrp_build_informational(PSRP_ERROR_RECORD, "x"));
	ck_assert_str_eq(psrp_error_category_name(24), "FromStdErr");
	ck_assert_ptr_null(psrp_error_category_name(32));
}
END_TEST

static int
parse_pipeline_xml(const char *xml, char *err)
{
	struct clixml_value *v = clixml_read(xml, strlen(xml), NULL, err, 128);
	struct psrp_pipeline p;
	int rc;

	ck_assert_msg(v != NULL, "%s", err);
	rc = psrp_parse_pipeline(v, &p, err, 128);
	psrp_pipeline_clear(&p);
	clixml_unref(v);
	return rc;
}

START_TEST(test_parse_refusals)
{
	char err[128];
	struct clixml_value *v;
	struct psrp_init_pool ip;

	ck_assert_int_eq(parse_pipeline_xml("<S>x</S>", err), -1);
	ck_assert_int_eq(parse_pipeline_xml("<Obj><MS/></Obj>", err), -1);
	ck_assert_str_eq(err, "PowerShell is not an object");
	ck_assert_int_eq(parse_pipeline_xml("<Obj><MS><Obj N=\"PowerShell\"><MS>"
	    "<Obj N=\"Cmds\"><LST/></Obj></MS></Obj></MS></Obj>", err), -1);
	ck_assert_str_eq(err, "a pipeline without a command");
	ck_assert_int_eq(parse_pipeline_xml("<Obj><MS><Obj N=\"PowerShell\"><MS>"
	    "<Obj N=\"Cmds\"><LST><Obj><MS><I32 N=\"Cmd\">1</I32></MS></Obj>"
	    "</LST></Obj></MS></Obj></MS></Obj>", err), -1);
	ck_assert_str_eq(err, "a command without Cmd");
	ck_assert_int_eq(parse_pipeline_xml("<Obj><MS><Obj N=\"PowerShell\"><MS>"
	    "<Obj N=\"Cmds\"><LST><Obj><MS><S N=\"Cmd\">c</S><Obj N=\"Args\">"
	    "<LST><S>x</S></LST></Obj></MS></Obj></LST></Obj></MS></Obj></MS>"
	    "</Obj>", err), -1);
	ck_assert_str_eq(err, "an argument is not an object");
	/* a minimal one: defaults */
	ck_assert_int_eq(parse_pipeline_xml("<Obj><MS><Obj N=\"PowerShell\"><MS>"
	    "<Obj N=\"Cmds\"><LST><Obj><MS><S N=\"Cmd\">c</S></MS></Obj></LST>"
	    "</Obj></MS></Obj></MS></Obj>", err), 0);
	v = rd("<Obj><MS><I32 N=\"MinRunspaces\">2</I32><I32 "
	    "N=\"MaxRunspaces\">1</I32></MS></Obj>", NULL, err);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(psrp_parse_init_pool(v, &ip, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "MinRunspaces 2 and MaxRunspaces 1");
	clixml_unref(v);
	ck_assert_int_lt(psrp_version_cmp("2.2", "2.3"), 0);
	ck_assert_int_gt(psrp_version_cmp("2.10", "2.3"), 0);
	ck_assert_int_eq(psrp_version_cmp("2.3", "2.3.0"), 0);
	ck_assert_int_lt(psrp_version_cmp("x", "1.0"), 0);
}
END_TEST

static Suite *
psrp_codec_suite(void)
{
	Suite *s = suite_create("psrp_codec");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_defrag_whole_and_split);
	tcase_add_test(tc, test_defrag_refusals);
	tcase_add_test(tc, test_defrag_bound_counts_queued);
	tcase_add_test(tc, test_fragmenter);
	tcase_add_test(tc, test_message_header);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_reader_refusals);
	tcase_add_test(tc, test_reader_values);
	tcase_add_test(tc, test_writer);
	tcase_add_test(tc, test_server_messages);
	tcase_add_test(tc, test_parse_refusals);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(psrp_codec_suite)
