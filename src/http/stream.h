/* stream.h — responses that are written over time (Server-Sent Events). The handler
 * opens a stream; producers on any thread push bytes and close it; the connection is
 * suspended while there is nothing to send, so an idle stream costs no CPU. */
#ifndef AG_STREAM_H
#define AG_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

struct stream;

/* Turn r into a stream response. on_finish runs once, on the connection's thread,
 * when the client is gone or the stream ended; after it returns nobody may use the
 * stream (producers must have unregistered it). */
struct stream *req_stream(struct req *r, int status, const char *content_type,
			  void (*on_finish)(struct stream *s, void *ud), void *ud);
/* Queue bytes; false when the stream is closed or its buffer is over its cap. */
bool stream_push(struct stream *s, const char *data, size_t n);
/* End the stream after what is queued has been sent. */
void stream_close(struct stream *s);

#ifdef MHD_VERSION
struct MHD_Response *stream_response(struct req *r);
#endif
void stream_finished(struct req *r);

#endif
