/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/upstream: connections to pool members. Each worker keeps, per
 * member, a LIFO list of idle keep-alive connections (the most recently
 * used is the least likely to have been closed by the member); a request
 * takes one or opens a new one, and gives it back when the exchange ended
 * cleanly. The balancer picks the member; its `active` count is the number
 * of exchanges in progress on the member.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_random.h>

#include "proxy_priv.h"

static struct proxy_member_lcore *
member_lcore(struct upconn *u)
{
	return &u->slot->lc[u->w->wid];
}

/* This worker's view of member `member` of the pool of s's action. */
static struct proxy_member_lcore *
session_member(const struct session *s, uint32_t member)
{
	return &s->gen->pools[s->act->pool].members[member].slot->lc[s->w->wid];
}

static void
idle_unlink(struct upconn *u)
{
	if (u->pprev_idle == NULL)
		return;
	*u->pprev_idle = u->next_idle;
	if (u->next_idle != NULL)
		u->next_idle->pprev_idle = u->pprev_idle;
	u->pprev_idle = NULL;
	u->next_idle = NULL;
	member_lcore(u)->n_idle--;
	sl_timer_cancel(u->w->lc->wheel, &u->timer);
}

static void
idle_push(struct upconn *u)
{
	struct proxy_member_lcore *ml = member_lcore(u);

	u->next_idle = ml->idle;
	if (ml->idle != NULL)
		ml->idle->pprev_idle = &u->next_idle;
	ml->idle = u;
	u->pprev_idle = &ml->idle;
	ml->n_idle++;
}

static void
upconn_free(struct upconn *u)
{
	idle_unlink(u);
	sl_timer_cancel(u->w->lc->wheel, &u->timer);
	*u->pprev = u->next;
	if (u->next != NULL)
		u->next->pprev = u->pprev;
	member_lcore(u)->n_conns--;
	free(u);
}

/* End the exchange's claim on u: the balancer's count and the back links. */
static void
detach(struct upconn *u)
{
	struct session *s = u->s;

	if (s == NULL)
		return;
	u->bal->active--;
	u->bal = NULL;
	s->up = NULL;
	u->s = NULL;
}

static void
idle_timeout(struct sl_timer *t)
{
	struct upconn *u = container_of(t, struct upconn, timer);

	u->w->lc->proxy.stats.upstream_idle_closed++;
	idle_unlink(u);
	if (u->conn != NULL)
		sl_tcp_close(u->conn); /* freed by its `closed` event */
}

/* CRC of bytes at any alignment (rte_hash_crc() loads whole words). */
static uint32_t
hash_bytes(const char *s, size_t n)
{
	uint32_t h = 0x5eed;
	uint64_t w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = rte_hash_crc_8byte(w, h);
	}
	for (; n > 0; s++, n--)
		h = rte_hash_crc_1byte((uint8_t)*s, h);
	return h;
}

static uint64_t
hash_key(const struct session *s, const struct proxy_pool *pool)
{
	const struct sl_http_parser *p = &s->req;
	const char *name = pool->conf->hash_name;
	size_t name_len = strlen(name);
	int i;

	if (pool->hash == PROXY_HASH_CLIENT)
		return rte_hash_crc_4byte(s->client_addr, 0x5eed);
	if (pool->hash == PROXY_HASH_HEADER) {
		i = sl_http_find(p, name, name_len, 0);
		if (i < 0)
			return rte_hash_crc_4byte(s->client_addr, 0x5eed);
		const struct sl_http_field *f = sl_http_field(p, (uint32_t)i);
		return hash_bytes(sl_http_field_value(p, f), f->value_len);
	}
	/* Cookie: name=value pairs separated by "; ". */
	for (i = sl_http_find(p, "cookie", 6, 0); i >= 0;
			i = sl_http_find(p, "cookie", 6, (uint32_t)i + 1)) {
		const struct sl_http_field *f = sl_http_field(p, (uint32_t)i);
		const char *v = sl_http_field_value(p, f), *end = v + f->value_len;

		while (v < end) {
			const char *pair = v, *eq, *stop;

			while (v < end && *v != ';')
				v++;
			stop = v;
			v++;
			while (pair < stop && *pair == ' ')
				pair++;
			eq = memchr(pair, '=', (size_t)(stop - pair));
			if (eq != NULL && (size_t)(eq - pair) == name_len &&
					memcmp(pair, name, name_len) == 0)
				return hash_bytes(eq + 1, (size_t)(stop - eq - 1));
		}
	}
	return rte_hash_crc_4byte(s->client_addr, 0x5eed);
}

/* Ejected members whose time is up come back. The time is the member's,
 * shared by every generation's balancer naming it. */
static void
readmit(struct session *s, const struct proxy_pool *pool, struct proxy_pool_lcore *pl)
{
	uint64_t now = s->w->lc->now;
	uint32_t i;

	for (i = 0; i < pl->bal.n_members && pl->n_down > 0; i++) {
		struct proxy_member_lcore *ml = &pool->members[i].slot->lc[s->w->wid];

		if (!pl->bal.members[i].up && now >= ml->down_until) {
			ml->down_until = 0;
			pl->n_down--;
			sl_balance_member_set_up(&pl->bal, i, true);
		}
	}
}

void
proxy_upstream_failed(struct session *s)
{
	const struct proxy_pool *pool = &s->gen->pools[s->act->pool];
	struct proxy_pool_lcore *pl = proxy_pool_lcore(s->w, s->gen, s->act->pool);
	uint64_t now = s->w->lc->now;
	struct proxy_member_lcore *ml;

	if (s->member < 0)
		return;
	ml = session_member(s, (uint32_t)s->member);
	ml->fails++;
	/* Ejected means a skip time still to come: another generation's
	 * balancer may have let an older one expire without clearing it. */
	if (pool->conf->max_fails == 0 || ml->fails < (uint32_t)pool->conf->max_fails ||
			now < ml->down_until)
		return;
	/* Skip it for a while, unless it is the last one standing. */
	if (pl->bal.members[s->member].up && pl->n_down + 1 >= pl->bal.n_members)
		return;
	ml->down_until = now + pool->fail_tsc;
	ml->stats.ejections++;
	if (!pl->bal.members[s->member].up)
		return; /* still down here from before: readmit() counts it once */
	pl->n_down++;
	sl_balance_member_set_up(&pl->bal, (uint32_t)s->member, false);
}

void
proxy_upstream_answered(struct session *s)
{
	if (s->member >= 0)
		session_member(s, (uint32_t)s->member)->fails = 0;
}

/* A member for s, avoiding the one that just failed when there is another. */
static int
pick(struct session *s, const struct proxy_pool *pool, struct proxy_pool_lcore *pl)
{
	uint64_t key = pool->algo == SL_BALANCE_MAGLEV ? hash_key(s, pool) : 0;
	int idx;
	unsigned int n;

	if (pl->n_down > 0)
		readmit(s, pool, pl);
	idx = sl_balance_pick(&pl->bal, key, rte_rand());
	for (n = 1; idx >= 0 && idx == s->failed_member && n < pool->n_members; n++) {
		if (pool->algo == SL_BALANCE_MAGLEV)
			return (idx + 1) % (int)pool->n_members;
		idx = sl_balance_pick(&pl->bal, key, rte_rand());
	}
	return idx;
}

static struct upconn *
open_conn(struct session *s, const struct proxy_member *m, int *status)
{
	struct proxy_worker *w = s->w;
	struct upconn *u = calloc(1, sizeof(*u));

	if (u == NULL) {
		w->lc->proxy.stats.err_no_memory++;
		*status = 503;
		return NULL;
	}
	u->w = w;
	u->slot = m->slot;
	sl_timer_init(&u->timer, idle_timeout);
	u->conn = sl_tcp_connect(w->lc, 0, m->addr, m->port, &proxy_upstream_ops, u);
	if (u->conn == NULL) {
		int err = rte_errno;

		free(u);
		m->slot->lc[w->wid].stats.connect_failures++;
		/* Out of source ports or connection objects: ours, not the member's. */
		if (err == EADDRNOTAVAIL || err == ENOBUFS) {
			w->lc->proxy.stats.err_no_port++;
			*status = 503;
		} else {
			w->lc->proxy.stats.err_upstream_connect++;
			*status = 502;
		}
		return NULL;
	}
	u->next = w->upconns;
	if (w->upconns != NULL)
		w->upconns->pprev = &u->next;
	w->upconns = u;
	u->pprev = &w->upconns;
	member_lcore(u)->n_conns++;
	w->lc->proxy.stats.upstream_connects++;
	member_lcore(u)->stats.connects++;
	return u;
}

int
proxy_upstream_attach(struct session *s)
{
	struct proxy_worker *w = s->w;
	const struct proxy_pool *pool = &s->gen->pools[s->act->pool];
	struct proxy_pool_lcore *pl = proxy_pool_lcore(w, s->gen, s->act->pool);
	int status = 503;
	unsigned int attempt;

	/* A connect that fails at once sent nothing: any request may go on. */
	for (attempt = 0; attempt < pool->n_members; attempt++) {
		int idx = pick(s, pool, pl);
		struct proxy_member_lcore *ml;
		struct upconn *u;

		if (idx < 0) {
			w->lc->proxy.stats.err_no_member++;
			return 503;
		}
		ml = session_member(s, (uint32_t)idx);
		if (ml->idle != NULL) {
			u = ml->idle;
			idle_unlink(u);
			u->reused = true;
			w->lc->proxy.stats.upstream_reuses++;
			ml->stats.reuses++;
		} else if (pool->conf->max_conns > 0 &&
				ml->n_conns >= (uint32_t)pool->conf->max_conns) {
			w->lc->proxy.stats.err_conn_limit++;
			return 503;
		} else {
			u = open_conn(s, &pool->members[idx], &status);
			if (u == NULL) {
				s->failed_member = idx;
				if (status != 502)
					return status;
				continue;
			}
			u->reused = false;
		}
		u->s = s;
		u->requests++;
		s->up = u;
		s->member = idx;
		u->bal = &pl->bal.members[idx];
		u->bal->active++;
		return 0;
	}
	return status;
}

void
proxy_upstream_release(struct session *s, bool reusable)
{
	struct upconn *u = s->up;
	const struct proxy_pool *pool;

	if (u == NULL)
		return;
	pool = &s->gen->pools[s->act->pool];
	detach(u);
	/* A member the worker's configuration no longer names is not pooled. */
	if (atomic_load_explicit(&u->slot->last_gen, memory_order_relaxed) < u->w->gen->number)
		reusable = false;
	if (reusable && u->conn != NULL && u->requests < (uint32_t)pool->conf->keepalive_requests &&
			member_lcore(u)->n_idle < (uint32_t)pool->conf->keepalive) {
		idle_push(u);
		sl_timer_arm(u->w->lc->wheel, &u->timer,
				u->w->lc->now + pool->keepalive_tsc);
		sl_tcp_pause_reading(u->conn, false);
		return;
	}
	u->w->lc->proxy.stats.upstream_not_kept++;
	if (u->conn != NULL)
		sl_tcp_close(u->conn); /* freed by its `closed` event */
}

/* Reset u's connection and free u at once; its `closed` event finds no u. */
static void
abort_conn(struct upconn *u)
{
	struct sl_tcp_conn *c = u->conn;

	detach(u);
	upconn_free(u);
	if (c != NULL) {
		sl_tcp_set_ctx(c, NULL);
		sl_tcp_abort(c);
	}
}

void
proxy_upstream_abort(struct session *s)
{
	if (s->up != NULL)
		abort_conn(s->up);
}

void
proxy_upstream_close_idle(struct proxy_worker *w, struct proxy_member_slot *m)
{
	struct proxy_member_lcore *ml = &m->lc[w->wid];

	while (ml->idle != NULL) {
		struct upconn *u = ml->idle;

		w->lc->proxy.stats.upstream_dropped++;
		idle_unlink(u);
		if (u->conn != NULL)
			sl_tcp_close(u->conn); /* freed by its `closed` event */
	}
}

void
proxy_upstream_free_all(struct proxy_worker *w)
{
	while (w->upconns != NULL) {
		struct upconn *u = w->upconns;

		if (u->conn != NULL)
			sl_tcp_set_ctx(u->conn, NULL);
		u->s = NULL;
		upconn_free(u);
	}
}

/* ---- events of upstream connections ---- */

static void
up_connected(struct sl_tcp_conn *c)
{
	struct upconn *u = sl_tcp_ctx(c);

	if (u == NULL)
		return;
	u->connected = true;
	if (u->s != NULL)
		proxy_session_up_connected(u->s);
}

static void
up_readable(struct sl_tcp_conn *c)
{
	struct upconn *u = sl_tcp_ctx(c);

	if (u == NULL)
		return;
	if (u->s == NULL) {
		/* Data on an idle connection answers nothing we sent. */
		u->w->lc->proxy.stats.upstream_idle_closed++;
		abort_conn(u);
		return;
	}
	proxy_session_up_readable(u->s);
}

static void
up_peer_closed(struct sl_tcp_conn *c)
{
	struct upconn *u = sl_tcp_ctx(c);

	if (u == NULL)
		return;
	if (u->s == NULL) {
		if (u->pprev_idle != NULL) {
			u->w->lc->proxy.stats.upstream_idle_closed++;
			idle_unlink(u);
		}
		sl_tcp_close(c);
		return;
	}
	proxy_session_up_readable(u->s);
}

static void
up_writable(struct sl_tcp_conn *c)
{
	struct upconn *u = sl_tcp_ctx(c);

	if (u != NULL && u->s != NULL)
		proxy_session_up_writable(u->s);
}

static void
up_closed(struct sl_tcp_conn *c, enum sl_tcp_close_reason why)
{
	struct upconn *u = sl_tcp_ctx(c);
	struct session *s;
	bool connected;

	if (u == NULL)
		return;
	u->conn = NULL;
	s = u->s;
	connected = u->connected;
	if (!connected)
		member_lcore(u)->stats.connect_failures++;
	detach(u);
	upconn_free(u);
	if (s != NULL)
		proxy_session_up_failed(s, why, connected);
}

const struct sl_tcp_ops proxy_upstream_ops = {
	.connected = up_connected,
	.readable = up_readable,
	.peer_closed = up_peer_closed,
	.writable = up_writable,
	.closed = up_closed,
};
