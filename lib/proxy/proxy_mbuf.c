/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/mbuf: the two queues of a proxied direction. Received data waits in
 * an input queue (segments, read from an offset) until parsed; what is to be
 * sent is built into an output chain. Parsed body bytes go from one to the
 * other without copies: a segment consumed to its end moves, a part of one
 * is referenced by an indirect mbuf. Only heads written here are copied.
 */
#include <string.h>

#include "proxy_priv.h"
#include "sl_port.h"

void
proxy_outq_append(struct proxy_outq *q, struct rte_mbuf *m)
{
	if (q->head == NULL) {
		q->head = m;
	} else {
		q->tail->next = m;
		q->head->pkt_len += m->pkt_len;
		q->head->nb_segs = (uint16_t)(q->head->nb_segs + m->nb_segs);
	}
	q->tail = rte_pktmbuf_lastseg(m);
}

void
proxy_outq_free(struct proxy_outq *q)
{
	rte_pktmbuf_free(q->head);
	q->head = q->tail = NULL;
}

int
proxy_outq_clone(struct proxy_worker *w, struct proxy_outq *dst, struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_clone(m, sl_port_pool());

	if (c == NULL) {
		w->lc->proxy.stats.no_mbuf++;
		return -ENOMEM;
	}
	proxy_outq_append(dst, c);
	return 0;
}

struct rte_mbuf *
proxy_mbuf_from(struct proxy_worker *w, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_pool());
		uint32_t n;

		if (m == NULL) {
			w->lc->proxy.stats.no_mbuf++;
			rte_pktmbuf_free(head);
			return NULL;
		}
		/* A head needs no room for protocol headers: TCP sends clones. */
		m->data_off = 0;
		n = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), data, n);
		m->data_len = (uint16_t)n;
		m->pkt_len = n;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->pkt_len += n;
			head->nb_segs++;
		}
		last = m;
		data += n;
		len -= n;
	} while (len > 0);
	return head;
}

void
proxy_inq_append(struct proxy_inq *q, struct rte_mbuf *m)
{
	if (q->head == NULL) {
		q->head = m;
		q->off = 0;
	} else {
		q->tail->next = m;
	}
	q->tail = rte_pktmbuf_lastseg(m);
}

void
proxy_inq_free(struct proxy_inq *q)
{
	struct rte_mbuf *m = q->head, *next;

	/* The segments are a plain list: the head's nb_segs is not theirs. */
	while (m != NULL) {
		next = m->next;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	q->head = q->tail = NULL;
	q->off = 0;
}

/* Unlink q's first segment and make it a chain of its own. */
static struct rte_mbuf *
inq_pop(struct proxy_inq *q)
{
	struct rte_mbuf *m = q->head;

	q->head = m->next;
	if (q->head == NULL)
		q->tail = NULL;
	m->next = NULL;
	m->nb_segs = 1;
	q->off = 0;
	return m;
}

/* A new mbuf referring to len bytes of m at offset off. */
static struct rte_mbuf *
ref_bytes(struct proxy_worker *w, struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	struct rte_mbuf *r = rte_pktmbuf_alloc(sl_port_pool());

	if (r == NULL) {
		w->lc->proxy.stats.no_mbuf++;
		return NULL;
	}
	rte_pktmbuf_attach(r, m);
	r->data_off = (uint16_t)(m->data_off + off);
	r->data_len = (uint16_t)len;
	r->pkt_len = len;
	r->nb_segs = 1;
	r->next = NULL;
	return r;
}

int
proxy_inq_take(struct proxy_worker *w, struct proxy_inq *q, uint32_t n, struct proxy_outq *out)
{
	int rc = 0;

	while (n > 0 && q->head != NULL) {
		struct rte_mbuf *m = q->head;
		uint32_t avail = m->data_len - q->off;
		uint32_t take = RTE_MIN(n, avail);

		if (take == avail) {
			uint32_t off = q->off;

			m = inq_pop(q);
			if (out != NULL && take > 0) {
				m->data_off = (uint16_t)(m->data_off + off);
				m->data_len = (uint16_t)take;
				m->pkt_len = take;
				proxy_outq_append(out, m);
			} else {
				rte_pktmbuf_free_seg(m);
			}
		} else {
			if (out != NULL) {
				struct rte_mbuf *r = ref_bytes(w, m, q->off, take);

				if (r != NULL)
					proxy_outq_append(out, r);
				else
					rc = -ENOMEM;
			}
			q->off += take;
		}
		n -= take;
	}
	/* Drop emptied segments so that an empty queue has no head. */
	while (q->head != NULL && q->off == q->head->data_len)
		rte_pktmbuf_free_seg(inq_pop(q));
	return rc;
}

int
proxy_inq_take_range(struct proxy_worker *w, struct proxy_inq *q, uint32_t skip, uint32_t n,
		uint32_t consumed, struct proxy_outq *out)
{
	int rc = 0;

	if (n > 0) {
		struct rte_mbuf *r = ref_bytes(w, q->head, q->off + skip, n);

		if (r != NULL)
			proxy_outq_append(out, r);
		else
			rc = -ENOMEM;
	}
	proxy_inq_take(w, q, consumed, NULL);
	return rc;
}
