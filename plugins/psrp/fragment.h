/*
 * fragment.h: PSRP fragments (MS-PSRP 2.2.4), both ways.  A PSRP message
 * travels as one or more fragments; a WS-Man payload (creationXml, the
 * Arguments of a Command, a Send stream, a Receive stream) carries one or
 * more whole fragments.  No I/O: bytes in, bytes out.
 */
#ifndef WINRMD_PSRP_FRAGMENT_H
#define WINRMD_PSRP_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ObjectId u64 | FragmentId u64 | flags u8 | BlobLength u32, big-endian */
#define PSRP_FRAG_HEADER	21
#define PSRP_FRAG_START		0x01
#define PSRP_FRAG_END		0x02

/*
 * The defragmenter of one direction of one stream (the plugin keeps one
 * per pool or pipeline and input stream: stdin and pr are separate).
 * Fragments must arrive in order: a message's fragments are consecutive,
 * FragmentIds count up from 0 within an ObjectId, the first has Start and
 * the last End.  A fragment of another ObjectId while a message is
 * incomplete is refused (MS-PSRP 3.1.5.1.2 asks the receiver to close on
 * fragments out of order; PowerShell's own receiver refuses them too).
 * Reserved flag bits are ignored.  After an error the defragmenter stays
 * failed: every later call fails with the same message.
 */
struct psrp_defrag;

/*
 * A new defragmenter that holds at most max_buffered bytes: the message
 * being assembled plus the complete messages not yet taken with
 * psrp_defrag_next().  NULL if out of memory.
 */
struct psrp_defrag *psrp_defrag_new(size_t max_buffered);
void		 psrp_defrag_free(struct psrp_defrag *d);

/*
 * Takes one payload: any number of whole fragments.  A fragment cut at
 * the end of the payload, a BlobLength past it, a FragmentId out of
 * sequence, a Start inside a message, a fragment without Start outside
 * one, or more than max_buffered bytes fail.  Returns 0, or -1 with
 * psrp_defrag_error() saying why.
 */
int		 psrp_defrag_feed(struct psrp_defrag *d, const uint8_t *data,
		    size_t len);

/*
 * The oldest complete message, in order of arrival: 1 and *ret_msg (the
 * message bytes, malloc'd, the caller frees), *ret_len and, if not NULL,
 * *ret_object_id; 0 if none is complete.
 */
int		 psrp_defrag_next(struct psrp_defrag *d, uint8_t **ret_msg,
		    size_t *ret_len, uint64_t *ret_object_id);

/* Bytes held (partial message and queued messages). */
size_t		 psrp_defrag_buffered(const struct psrp_defrag *d);
/* Whether a message has begun and not ended. */
bool		 psrp_defrag_partial(const struct psrp_defrag *d);
/* Why the last call failed, or NULL. */
const char	*psrp_defrag_error(const struct psrp_defrag *d);

/*
 * The sending side: a cursor over one outgoing message.  Each call of
 * psrp_frag_put() writes its next fragment into the room given; the
 * caller sets object_id (each side numbers its own messages, from 1) and
 * leaves the rest zero.
 */
struct psrp_frag_cursor {
	uint64_t	fc_object_id;
	uint64_t	fc_fragment_id;	/* the next one to write */
	size_t		fc_offset;	/* bytes of the message written */
	bool		fc_done;	/* the End fragment is written */
};

/*
 * Writes the next fragment of msg (len bytes) into out, at most room bytes
 * with its header, and returns its size; 0 if nothing fits (room smaller
 * than a header and one byte of a message with bytes left) or the message
 * is done.  A message of zero bytes is one empty fragment with Start and
 * End.
 */
size_t		 psrp_frag_put(struct psrp_frag_cursor *c, const uint8_t *msg,
		    size_t len, uint8_t *out, size_t room);

/*
 * The whole message as fragments of at most max_blob bytes of data each,
 * concatenated: a malloc'd buffer (the caller frees) and its size in
 * *ret_len, or NULL (out of memory, max_blob 0).
 */
uint8_t		*psrp_frag_all(uint64_t object_id, const uint8_t *msg,
		    size_t len, size_t max_blob, size_t *ret_len);

/*
 * The most raw bytes whose base64 takes at most b64_room characters: the
 * budget of fragments for an rsp:Stream element of that many characters.
 */
size_t		 psrp_b64_room(size_t b64_room);

#endif
