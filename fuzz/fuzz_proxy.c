/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_proxy: the whole HTTP proxy pipeline (lib/proxy over tcp and net)
 * between two TCP peers the harness plays with correct sequence numbers:
 *
 *   clients    198.18.0.2:40000+i -> listener 198.18.0.1:80 (port "front")
 *   upstreams  198.19.0.2:80 and 198.19.0.3:80 (port "back"): every SYN the
 *              proxy sends them is answered (SYN-ACK, or RST / silence when
 *              told so), everything it sends is ACKed
 *
 * The fuzzer chooses what the peers do and the HTTP bytes they send.
 * Configuration (proxy_config[], loaded as the daemon does): one listener; pool
 * "app" (rr, both members, retries 1, keepalive 2, max_conns 3 per member),
 * pool "solo" (198.19.0.2 only, leastconn, no keep-alive, retries 1), pool
 * "sticky" (maglev on cookie "sid", both members); routes: default -> app,
 * "/fixed" -> 200 fixed, "/old" -> 301 redirect, "/re/<digits>" (regex) ->
 * 204, Host api.example.com + GET/HEAD -> app with Host rewritten,
 * X-Canary: 1 -> 418, "/solo" -> solo, "/sticky" -> sticky. Timeouts are
 * short (ms): header 1000, client keep-alive 2000, connect 300, response
 * 500, idle 1000, upstream keep-alive 1500; a failing member is ejected for
 * 1000 (max_fails 1). Balancers and member health start over every input.
 * OP_APPLY publishes one of a few variants of that configuration (proxy_conf.c,
 * "configuration variants") as a new generation while exchanges run.
 *
 * Input (make_seeds.py writes seeds in this form): records, up to RECORDS_MAX,
 *   op     bits 0-3: the operation (mod OP_COUNT, below)
 *          bits 4-6: k, which connection: 0 the newest of that side, 1 the
 *                    one before, ... (counted over those not closed)
 *          bit 7:    SPLIT: frames with data arrive as mbuf chains cut
 *                    after the headers and in the middle of the payload
 *   len    16 bits, big endian
 *   bytes  len bytes for the ops that send data (fewer if the input ends);
 *          for the other ops len is their argument and no bytes follow
 *
 *   OP_OPEN        a client opens a connection (handshake)
 *   OP_C_SEND      client k sends the bytes (with no client, one opens first)
 *   OP_C_FIN       client k closes (FIN after its pending data)
 *   OP_C_RST       client k resets
 *   OP_U_SEND      upstream connection k sends the bytes
 *   OP_U_FIN       upstream connection k closes
 *   OP_U_RST       upstream connection k resets
 *   OP_U_REFUSE    the next 1 + (len >> 1 & 3) SYNs to members are refused
 *                  with RST (len bit 0 clear) or dropped (set: silence)
 *   OP_JUMP        len ms pass: timers (tcp's and the proxy's) fire in order
 *   OP_C_WINDOW    client k's application reads (len 0xffff) or stops
 *                  reading with len bytes of buffer: its window closes
 *                  (with no client: what the next clients start with)
 *   OP_U_WINDOW    the same for upstream connection k (with none: the
 *                  next upstream connections)
 *   OP_C_SEND_FIN  client k sends the bytes, then FIN
 *   OP_APPLY       the management lcore applies configuration variant
 *                  len % V_COUNT (sl_proxy_apply); the worker adopts it at
 *                  once, or (k odd) at the top of its next loop turn, i.e.
 *                  before the next record; then the management poll runs
 *
 * Peers send within the window the proxy advertises (the rest waits) in
 * segments of at most its MSS, ACK every segment they receive, answer
 * segments for connections they do not know with RST, and when the clock
 * jumps, send again what was not ACKed and probe closed windows. tcp's
 * socket buffers are 4 KB here (back-pressure with small inputs). After each
 * record the harness plays worker loop turns and lets the peers answer until
 * nothing moves. Then it checks the proxy's bookkeeping (sessions, pooled
 * connections, per-member counts against the balancer's active counts) and
 * the peers check the HTTP they received (proxy_oracle.c).
 * Generations: every session pins a live one (the current or a retired one
 * not freed yet), pin counts match, a busy upstream connection counts as
 * active in the balancer of its session's generation, and the management
 * poll (sl_proxy_mgmt_poll(), after every settle) frees a retired
 * generation as soon as nothing pins it. The fuzzer's worker is never
 * registered with sl_lcore_rcu() (it is offline, like a worker not
 * launched): grace periods end at once, only pins hold generations.
 * Each input ends with every peer reading and closing: 10 s later the proxy
 * must have let go of every session and upstream connection by itself
 * (close_all()). Then every connection is aborted, one at a time, and no
 * session, upstream connection or armed timer may be left, and every mbuf,
 * clone and connection object must be back: abort() with a message
 * otherwise. Then the management poll must have freed every retired
 * generation and every slot no generation names; an input that applied a
 * variant puts the base configuration back (and checks that again).
 *
 * SL_FUZZ_TRACE=1 prints every segment (payload as text); SL_FUZZ_STATS=1
 * prints the proxy's counters at exit (to see which paths the seeds reach);
 * SL_FUZZ_SLOW_MS=n names the inputs that took longer than n ms;
 * SL_FUZZ_IGNORE="text|text" tolerates the oracle and bookkeeping findings
 * whose messages contain one of the texts (known, not fixed yet), so that a
 * long run finds the others.
 *
 * White-box: includes the private headers of tcp and proxy. The harness
 * is cut in files with one job each (see fuzz_proxy.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>

#include "sl_tcp.h"
#include "fuzz_proxy.h"

#define CPORT_BASE 40000
#define LISTEN_PORT 80

enum op {
	OP_OPEN,
	OP_C_SEND,
	OP_C_FIN,
	OP_C_RST,
	OP_U_SEND,
	OP_U_FIN,
	OP_U_RST,
	OP_U_REFUSE,
	OP_JUMP,
	OP_C_WINDOW,
	OP_U_WINDOW,
	OP_C_SEND_FIN,
	OP_APPLY,
	OP_COUNT
};

#define OP_K_SHIFT 4
#define OP_SPLIT 0x80

bool trace;
static bool print_stats;
static uint64_t slow_ms; /* SL_FUZZ_SLOW_MS: report inputs slower than this */
static uint64_t inputs;

/* ---- findings ---- */

/* SL_FUZZ_IGNORE: oracle findings to tolerate while they are being fixed,
 * substrings of their messages separated by '|'. */
static const char *ignore;

bool
ignored(const char *msg)
{
	const char *s = ignore;

	while (s != NULL && *s != '\0') {
		const char *end = strchr(s, '|');
		size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
		char pat[128];

		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, s, n);
			pat[n] = '\0';
			if (strstr(msg, pat) != NULL)
				return true;
		}
		s = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* ---- the harness's operations ---- */

static struct peer *
pick(struct peer *arr, unsigned int n, unsigned int k)
{
	int i;

	for (i = (int)n - 1; i >= 0; i--) {
		if (arr[i].state == P_FREE || arr[i].state == P_CLOSED || arr[i].state == P_SILENT)
			continue;
		if (k-- == 0)
			return &arr[i];
	}
	return NULL;
}

static struct peer *
client_open(void)
{
	struct peer *p;

	if (n_clients == PEERS_MAX)
		return NULL;
	p = &clients[n_clients++];
	memset(p, 0, sizeof(*p));
	p->addr = FZ_HOST_A;
	p->port = (uint16_t)(CPORT_BASE + n_clients - 1);
	p->sport = LISTEN_PORT;
	p->via = fz_front;
	p->mac = &fz_host_a_mac;
	p->iss = 0xfffff000u + (uint32_t)(n_clients << 20);
	p->snd_una = p->snd_nxt = p->iss + 1;
	p->reading = client_cap == 0xffff;
	p->rcv_cap = client_cap;
	p->state = P_SYN_SENT;
	oracle_init(p, n_clients - 1);
	peer_seg(p, p->iss, F(SYN), NULL, 0);
	settle();
	return p;
}

static void
peer_send(struct peer *p, const uint8_t *data, uint32_t len, bool split)
{
	if (p == NULL || p->fin_pending || p->state != P_EST)
		return;
	p->split = split;
	if (!p->upstream)
		oracle_own(p, data, len);
	peer_queue(p, data, len);
	settle();
	p->split = false;
}

static void
peer_fin(struct peer *p)
{
	if (p == NULL || p->fin_pending)
		return;
	if (!p->upstream)
		oracle_own_fin(p);
	p->fin_pending = true;
	settle();
}

static void
peer_rst(struct peer *p)
{
	if (p == NULL)
		return;
	peer_reset(p);
	settle();
}

static void
peer_set_window(struct peer *p, uint32_t cap)
{
	if (p == NULL)
		return;
	if (cap == 0xffff) {
		p->reading = true;
		p->rcv_used = 0;
	} else {
		p->reading = false;
		p->rcv_cap = cap;
		p->rcv_used = 0;
	}
	p->need_ack = true; /* a window update */
	settle();
}

/* A finding of the harness's own checks (SL_FUZZ_IGNORE may tolerate it:
 * then the checks go on). */
void
fail(const char *what)
{
	if (ignored(what))
		return;
	fprintf(stderr, "fuzz_proxy: after input %" PRIu64 ": %s\n", inputs, what);
	abort();
}

/* Abort every TCP connection, one at a time (an abort may close another). */
static void
abort_all(void)
{
	unsigned int rounds;

	for (rounds = 0; rounds < 4 * PEERS_MAX + 64; rounds++) {
		const void *key;
		void *data;
		uint32_t iter = 0;

		if (rte_hash_iterate(fz_lc->tcp.conns, &key, &data, &iter) < 0)
			break;
		sl_tcp_abort((struct sl_tcp_conn *)data);
		fz_pump(NULL, 0);
	}
	fz_tcp_reset(); /* checks that nothing is left, restarts the wheel */
}

/*
 * Liveness: every peer reads again and closes, and 10 s pass (more than
 * every proxy timeout, less than tcp's user and idle timeouts): the proxy
 * must have let go of every session and upstream connection by itself.
 */
static void
close_all(void)
{
	const struct proxy_worker *w = fz_lc->proxy.w;
	unsigned int i;

	for (i = 0; i < 2 * PEERS_MAX; i++) {
		struct peer *p = i < PEERS_MAX ? &clients[i] : &upstreams[i - PEERS_MAX];

		if (p->state != P_EST)
			continue;
		if (!p->reading) {
			p->reading = true;
			p->rcv_used = 0;
			p->need_ack = true;
		}
		if (!p->fin_pending) {
			if (!p->upstream)
				oracle_own_fin(p);
			p->fin_pending = true;
		}
	}
	settle();
	for (i = 0; i < 4 && !proxy_idle(); i++)
		jump_until(2500, proxy_idle);
	check_books();
	if (w->sessions != NULL)
		fail("a session is left 10 s after every peer closed (it would live forever)");
	if (w->upconns != NULL)
		fail("an upstream connection is left 10 s after every peer closed");
}

static void
end_input(void)
{
	const struct proxy_worker *w = fz_lc->proxy.w;
	const struct proxy_member_slot *ms;
	struct proxy_gen *gens[GENS_MAX];
	unsigned int n_gens, i;
	uint32_t p, m;

	close_all();
	abort_all();
	if (w->sessions != NULL)
		fail("a session is left once every connection is gone");
	if (w->upconns != NULL)
		fail("an upstream connection is left once every connection is gone");
	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next) {
		const struct proxy_member_lcore *ml = &ms->lc[w->wid];

		if (ml->idle != NULL || ml->n_idle != 0 || ml->n_conns != 0)
			fail("a member's connection counts are not 0 once every connection is "
			     "gone");
	}
	n_gens = live_gens(gens);
	for (i = 0; i < n_gens; i++)
		for (p = 0; p < gens[i]->n_pools; p++)
			for (m = 0; m < gens[i]->pools[p].n_members; m++)
				if (proxy_pool_lcore(w, gens[i], p)->bal.members[m].active != 0)
					fail("a balancer's active count is not 0 once every "
					     "connection is gone");
	fz_check_pools("an input");
	/* Every generation but the published one can go, and every slot that
	 * only they named; then the next input starts from the base again. */
	worker_sync();
	check_reclaimed("every session ended");
	if (gen_switched) {
		apply_conf(&base_conf, false);
		check_reclaimed("the base configuration is back");
	}
	for (i = 0; i < PEERS_MAX; i++) {
		free(clients[i].out);
		free(upstreams[i].out);
	}
	memset(clients, 0, sizeof(clients));
	memset(upstreams, 0, sizeof(upstreams));
	n_clients = n_upstreams = 0;
	refuse_rst = refuse_drop = 0;
	client_cap = upstream_cap = 0xffff;
}

/* Inputs are independent: the balancers start over (rotation, latency). */
static void
reset_balancers(void)
{
	struct proxy_worker *w = fz_lc->proxy.w;
	struct proxy_member_slot *ms;
	uint32_t p, m;

	for (p = 0; p < w->gen->n_pools; p++) {
		struct proxy_pool_lcore *pl = proxy_pool_lcore(w, w->gen, p);
		struct sl_balance *b = &pl->bal;

		b->rr_next = 0;
		pl->n_down = 0;
		for (m = 0; m < b->n_members; m++) {
			b->members[m].lat_ewma_us = 0;
			b->members[m].lat_last_us = 0;
			b->members[m].swrr_current = 0;
			sl_balance_member_set_up(b, m, true);
		}
	}
	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next) {
		ms->lc[w->wid].fails = 0;
		ms->lc[w->wid].down_until = 0;
		ms->lc[w->wid].lat_ewma_us = 0; /* carried into new balancers */
		ms->lc[w->wid].lat_last_us = 0;
	}
	gen_switched = false;
}

#define PRINT_COUNTER(name, marks, desc) fprintf(stderr, "  %-28s %" PRIu64 "\n", #name, st->name);

static void
report_stats(void)
{
	const struct sl_proxy_stats *st = &fz_lc->proxy.stats;
	unsigned int e;

	fprintf(stderr, "fuzz_proxy: proxy counters after %" PRIu64 " inputs:\n", inputs);
	SL_PROXY_COUNTERS(PRINT_COUNTER)
	for (e = 1; e < SL_PROXY_REQ_ERRS && e < SL_HTTP_ERR_COUNT; e++)
		if (fz_lc->proxy.req_err[e] != 0)
			fprintf(stderr, "  req_err_%-19s %" PRIu64 "\n", sl_http_err_name(e),
				fz_lc->proxy.req_err[e]);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	trace = (e = getenv("SL_FUZZ_TRACE")) != NULL && *e != '\0' && *e != '0';
	print_stats = (e = getenv("SL_FUZZ_STATS")) != NULL && *e != '\0' && *e != '0';
	slow_ms = (e = getenv("SL_FUZZ_SLOW_MS")) != NULL ? strtoull(e, NULL, 10) : 0;
	ignore = getenv("SL_FUZZ_IGNORE");
	/* Small socket buffers: back-pressure, closed windows and refused
	 * sends with inputs of a few KB. */
	fz_setup("fuzz_proxy", 4096, proxy_config);
	fz_learn_host(fz_back, FZ_HOST_C, &fz_host_c_mac);
	memcpy(&base_conf, &sl_proxy_conf, sizeof(base_conf));
	if (fz_lc->proxy.w == NULL) {
		fprintf(stderr, "fuzz_proxy: no proxy state on the worker\n");
		abort();
	}
	client_limits = fz_lc->proxy.w->gen->req_limits;
	client_hdr_buf = fz_lc->proxy.w->gen->hdr_buf;
	fz_pump(NULL, 0);
	fz_check_pools("set-up");
	/* The worker's state is in rte_malloc memory, which LeakSanitizer does
	 * not scan: free what it points to before the leak check at exit. */
	atexit(sl_proxy_term);
	if (print_stats)
		atexit(report_stats);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t rem = size;
	unsigned int records = 0;
	uint64_t start = rte_rdtsc();

	inputs++;
	reset_balancers();
	while (rem >= 3 && records++ < RECORDS_MAX) {
		uint8_t opb = p[0];
		enum op op = (enum op)((opb & 0x0f) % OP_COUNT);
		unsigned int k = (opb >> OP_K_SHIFT) & 7;
		bool split = (opb & OP_SPLIT) != 0;
		uint32_t len = (uint32_t)p[1] << 8 | p[2];
		const uint8_t *bytes;
		struct peer *c;

		p += 3, rem -= 3;
		bytes = p;
		worker_sync(); /* the top of the worker's loop */
		if (op == OP_C_SEND || op == OP_U_SEND || op == OP_C_SEND_FIN) {
			len = (uint32_t)RTE_MIN((size_t)len, rem);
			p += len, rem -= len;
		}
		if (trace)
			fprintf(stderr, "record %u: op %d k %u len %u%s\n", records, op, k, len,
				split ? " split" : "");
		switch (op) {
		case OP_OPEN:
			client_open();
			break;
		case OP_C_SEND:
		case OP_C_SEND_FIN:
			c = pick(clients, n_clients, k);
			if (c == NULL)
				c = client_open();
			peer_send(c, bytes, len, split);
			if (op == OP_C_SEND_FIN)
				peer_fin(c);
			break;
		case OP_C_FIN:
			peer_fin(pick(clients, n_clients, k));
			break;
		case OP_C_RST:
			peer_rst(pick(clients, n_clients, k));
			break;
		case OP_U_SEND:
			peer_send(pick(upstreams, n_upstreams, k), bytes, len, split);
			break;
		case OP_U_FIN:
			peer_fin(pick(upstreams, n_upstreams, k));
			break;
		case OP_U_RST:
			peer_rst(pick(upstreams, n_upstreams, k));
			break;
		case OP_U_REFUSE:
			if (len & 1)
				refuse_drop += 1 + ((len >> 1) & 3);
			else
				refuse_rst += 1 + ((len >> 1) & 3);
			break;
		case OP_JUMP:
			jump(len);
			break;
		case OP_C_WINDOW:
			c = pick(clients, n_clients, k);
			if (c == NULL)
				client_cap = len;
			peer_set_window(c, len);
			break;
		case OP_U_WINDOW:
			c = pick(upstreams, n_upstreams, k);
			if (c == NULL)
				upstream_cap = len;
			peer_set_window(c, len);
			break;
		case OP_APPLY:
			apply_conf(variant((enum variant)(len % V_COUNT)), (k & 1) != 0);
			break;
		default:
			break;
		}
		check_books();
	}
	end_input();
	if (slow_ms != 0 && rte_rdtsc() - start > slow_ms * (rte_get_tsc_hz() / 1000))
		fprintf(stderr,
			"fuzz_proxy: input %" PRIu64 " (%zu bytes, %u records) took %" PRIu64
			" ms\n",
			inputs, size, records, (rte_rdtsc() - start) / (rte_get_tsc_hz() / 1000));
	return 0;
}
