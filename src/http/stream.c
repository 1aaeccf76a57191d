#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/stream.h"

#define STREAM_BUF_MAX (64 * 1024)

struct stream {
	pthread_mutex_t mu;
	struct buf q;
	size_t sent;      /* bytes of q already handed to MHD */
	bool closed;
	bool suspended;
	struct req *r;
	void (*on_finish)(struct stream *s, void *ud);
	void *ud;
};

struct stream *req_stream(struct req *r, int status, const char *content_type,
			  void (*on_finish)(struct stream *s, void *ud), void *ud)
{
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	pthread_mutex_init(&s->mu, NULL);
	s->q = (struct buf)BUF_INIT(STREAM_BUF_MAX);
	s->r = r;
	s->on_finish = on_finish;
	s->ud = ud;
	r->stream = true;
	r->stream_state = s;
	r->status = status;
	r->content_type = content_type;
	r->state = RS_DONE;
	return s;
}

static void wake_locked(struct stream *s)
{
	if (s->suspended) {
		s->suspended = false;
		MHD_resume_connection(s->r->conn);
	}
}

bool stream_push(struct stream *s, const char *data, size_t n)
{
	pthread_mutex_lock(&s->mu);
	bool ok = !s->closed && buf_append(&s->q, data, n) == 0;
	if (ok)
		wake_locked(s);
	pthread_mutex_unlock(&s->mu);
	return ok;
}

void stream_close(struct stream *s)
{
	pthread_mutex_lock(&s->mu);
	s->closed = true;
	wake_locked(s);
	pthread_mutex_unlock(&s->mu);
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *s = cls;
	ssize_t n;
	pthread_mutex_lock(&s->mu);
	size_t avail = s->q.len - s->sent;
	if (avail) {
		n = (ssize_t)(avail < max ? avail : max);
		memcpy(out, s->q.p + s->sent, (size_t)n);
		s->sent += (size_t)n;
		if (s->sent == s->q.len) {
			buf_reset(&s->q);
			s->sent = 0;
		}
	} else if (s->closed) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		/* Nothing to send: park the connection until a producer wakes it. */
		s->suspended = true;
		MHD_suspend_connection(s->r->conn);
		n = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

struct MHD_Response *stream_response(struct req *r)
{
	return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, r->stream_state, NULL);
}

void stream_finished(struct req *r)
{
	struct stream *s = r->stream_state;
	if (!s)
		return;
	r->stream_state = NULL;
	if (s->on_finish)
		s->on_finish(s, s->ud);
	buf_free(&s->q);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
