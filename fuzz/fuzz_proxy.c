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
 * OP_APPLY publishes one of a few variants of that configuration (below,
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
 * the peers check the HTTP they received (see "HTTP seen by the peers").
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
 * White-box: includes the private headers of tcp and proxy.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "sl_net.h"
#include "sl_tcp.h"
#include "tcp_priv.h"
#include "proxy_priv.h"
#include "fuzz_common.h"

#define RECORDS_MAX 64
#define PEERS_MAX 16 /* per side and input */
#define CPORT_BASE 40000
#define LISTEN_PORT 80
#define MEMBER_PORT 80
#define PEER_WINDOW 65535 /* no window scaling: the most a peer advertises */
#define SETTLE_MAX 512	  /* rounds of answers before it is a livelock */

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

#define F(x) RTE_TCP_##x##_FLAG
#define ETH_IP_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
#define TCP_HDR_LEN sizeof(struct rte_tcp_hdr)
#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)

enum peer_state {
	P_FREE,
	P_SYN_SENT, /* client: SYN sent */
	P_SYN_RCVD, /* upstream: SYN-ACK sent */
	P_EST,
	P_SILENT, /* upstream: its SYN is being ignored */
	P_CLOSED, /* reset, or both FINs ACKed */
};

struct peer {
	enum peer_state state;
	bool upstream;
	bool split;	/* next data segments as mbuf chains */
	uint32_t addr;	/* the peer's, network order */
	uint16_t port;	/* the peer's, host order */
	uint16_t sport; /* the stack's, host order */
	const struct sl_port *via;
	const struct rte_ether_addr *mac;
	/* sending */
	uint32_t iss, snd_una, snd_nxt, snd_edge; /* edge: ack + window last seen */
	uint16_t mss;				  /* the stack's */
	uint8_t *out;				  /* bytes from snd_una on */
	uint32_t out_len, out_cap;
	bool fin_pending, fin_sent, fin_acked;
	bool poked; /* sent an old byte to get an ACK */
	/* receiving */
	uint32_t rcv_nxt;
	uint32_t rcv_cap; /* buffer while not reading */
	uint32_t rcv_used;
	bool reading; /* the application reads at once */
	bool fin_rcvd;
	bool need_ack, need_synack;
	/* the HTTP oracle (see "HTTP seen by the peers") */
	struct sl_http_parser *in;  /* what the peer receives */
	struct sl_http_parser *own; /* client: what it sends, for the methods */
	bool in_off, own_off;
	uint32_t heads;		 /* upstream: request heads received */
	uint32_t assigned;	 /* upstream: most requests the proxy gave the connection */
	uint8_t methods[64];	 /* client: methods of the requests sent, in order */
	uint32_t m_head, m_tail; /* queue indices (m_tail - m_head outstanding) */
	bool closed_response;	 /* client: a response without keep-alive completed */
	bool own_partial;	 /* client: bytes of a request head not complete */
	bool own_off_error;	 /* client: its bytes stopped parsing (or a tunnel) */
	bool own_head_done;	 /* client: the current request's head is complete */
};

static struct peer clients[PEERS_MAX], upstreams[PEERS_MAX];
#define ORACLE_BUF 16384
static struct sl_http_parser cl_in[PEERS_MAX], cl_own[PEERS_MAX], up_in[PEERS_MAX];
static uint8_t cl_in_buf[PEERS_MAX][ORACLE_BUF], cl_own_buf[PEERS_MAX][ORACLE_BUF],
	up_in_buf[PEERS_MAX][ORACLE_BUF];
static unsigned int n_clients, n_upstreams;
static unsigned int refuse_rst, refuse_drop; /* next SYNs to members */
/* The receive buffer new connections start with (0xffff: they read). */
static uint32_t client_cap = 0xffff, upstream_cap = 0xffff;
static bool trace, print_stats;
static uint64_t slow_ms; /* SL_FUZZ_SLOW_MS: report inputs slower than this */
static uint8_t frame[ETH_IP_LEN + TCP_HDR_LEN + 8 + 2048] __rte_aligned(8);
static uint64_t inputs;

/* ---- proxy configuration ----
 *
 * Loaded like the daemon's (sl_conf_load() + sl_proxy_validate()), so every
 * setting not named here keeps its default, new ones included.
 */

/* clang-format off */
#define POOL_COMMON \
	"connect_timeout_ms = 300; response_timeout_ms = 500; idle_timeout_ms = 1000; " \
	"keepalive_timeout_ms = 1500; keepalive_requests = 3; max_conns = 3; " \
	"retries = 1; max_fails = 1; fail_timeout_ms = 1000; "
#define MEMBER_B "{ address = \"198.19.0.2\"; port = 80; }"
#define MEMBER_C "{ address = \"198.19.0.3\"; port = 80; }"

static const char proxy_config[] =
	"proxy = {\n"
	"  client_header_timeout_ms = 1000;\n"
	"  client_keepalive_timeout_ms = 2000;\n"
	"  client_max_requests = 5;\n"
	"  max_header_bytes = 2048;\n"
	"  max_fields = 32;\n"
	"  max_body_bytes = 100000;\n"
	"  listeners = (\n"
	"    { name = \"web\"; address = \"198.18.0.1\"; port = 80; backlog = 64; }\n"
	"  );\n"
	"  pools = (\n"
	"    { name = \"app\"; algorithm = \"rr\"; keepalive = 2; " POOL_COMMON "\n"
	"      members = ( " MEMBER_B ", " MEMBER_C " ); },\n"
	"    { name = \"solo\"; algorithm = \"leastconn\"; keepalive = 0; " POOL_COMMON "\n"
	"      members = ( " MEMBER_B " ); },\n"
	"    { name = \"sticky\"; algorithm = \"maglev\"; hash = \"cookie\"; hash_name = \"sid\";\n"
	"      keepalive = 2; " POOL_COMMON "\n"
	"      members = ( " MEMBER_B ", " MEMBER_C " ); }\n"
	"  );\n"
	"  routes = (\n"
	"    { name = \"default\"; default = true; pool = \"app\"; },\n"
	"    { name = \"fixed\"; path = \"/fixed\"; return_status = 200; return_body = \"fixed\\n\"; },\n"
	"    { name = \"redir\"; path = \"/old\"; redirect = \"http://example.com/new\";\n"
	"      return_status = 301; },\n"
	"    { name = \"regex\"; path = \"^/re/[0-9]+$\"; path_match = \"regex\"; return_status = 204; },\n"
	"    { name = \"api\"; host = \"api.example.com\"; methods = [ \"GET\", \"HEAD\" ];\n"
	"      pool = \"app\"; host_rewrite = \"backend.internal\"; },\n"
	"    { name = \"canary\"; headers = ( { name = \"X-Canary\"; value = \"1\"; } ); priority = 10;\n"
	"      return_status = 418; return_body = \"canary\\n\"; },\n"
	"    { name = \"solo\"; path = \"/solo\"; pool = \"solo\"; },\n"
	"    { name = \"sticky\"; path = \"/sticky\"; pool = \"sticky\"; }\n"
	"  );\n"
	"};\n";
/* clang-format on */

static struct sl_proxy_conf base_conf; /* proxy_config[] as loaded */

static void
configure_proxy(void)
{
	struct sl_conf_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = sl_proxy_conf_register();
	if (rc == 0)
		rc = sl_conf_load(NULL, proxy_config, &err);
	if (rc == 0)
		rc = sl_proxy_validate(&err);
	if (rc < 0) {
		fprintf(stderr, "fuzz_proxy: the proxy configuration: line %d: %s (%d)\n", err.line,
			err.msg, rc);
		abort();
	}
	memcpy(&base_conf, &sl_proxy_conf, sizeof(base_conf));
}

/* ---- configuration variants ----
 *
 * What OP_APPLY publishes: the configuration above with one kind of change
 * (the listener stays). Pool and route indices move in some of them, and
 * members change places, so that anything still keyed by an index of an
 * older generation shows.
 */
enum variant {
	V_SAME,		   /* the same configuration again: a new generation */
	V_MEMBER_REMOVED,  /* app loses 198.19.0.3, sticky loses 198.19.0.2 */
	V_MEMBER_ADDED,	   /* solo gains 198.19.0.3 */
	V_ALGO,		   /* app leastconn with keepalive 1, solo p2c, sticky swrr */
	V_REPOINT,	   /* default -> sticky, "/solo" fixed 200, "/fixed" -> solo */
	V_ROUTES_REMOVED,  /* no default and no "/sticky" route: they get 404 */
	V_POOL_REMOVED,	   /* pool solo and its route gone: sticky moves to index 1 */
	V_MEMBERS_SWAPPED, /* app and sticky list their members the other way, weights */
	V_COUNT
};

static struct sl_proxy_conf variant_conf;
static bool gen_switched; /* this input has published a generation */

static struct sl_proxy_pool_conf *
conf_pool(struct sl_proxy_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_pools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return &c->pools[i];
	abort(); /* the variants name pools of proxy_config[] */
}

static struct sl_proxy_route_conf *
conf_route(struct sl_proxy_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_routes; i++)
		if (strcmp(c->routes[i].name, name) == 0)
			return &c->routes[i];
	abort();
}

static void
conf_route_remove(struct sl_proxy_conf *c, const char *name)
{
	struct sl_proxy_route_conf *r = conf_route(c, name);
	size_t i = (size_t)(r - c->routes);

	memmove(r, r + 1, (c->n_routes - i - 1) * sizeof(*r));
	c->n_routes--;
}

static void
conf_pool_remove(struct sl_proxy_conf *c, const char *name)
{
	struct sl_proxy_pool_conf *p = conf_pool(c, name);
	size_t i = (size_t)(p - c->pools);

	memmove(p, p + 1, (c->n_pools - i - 1) * sizeof(*p));
	c->n_pools--;
}

static void
conf_member_remove(struct sl_proxy_pool_conf *p, unsigned int i)
{
	memmove(&p->members[i], &p->members[i + 1], (p->n_members - i - 1) * sizeof(p->members[0]));
	p->n_members--;
}

static void
conf_members_swap(struct sl_proxy_pool_conf *p)
{
	struct sl_proxy_member_conf t = p->members[0];

	p->members[0] = p->members[1];
	p->members[1] = t;
	p->members[0].weight = 3;
}

static void
conf_fixed(struct sl_proxy_route_conf *r, const char *body)
{
	r->pool[0] = '\0';
	r->return_status = 200;
	snprintf(r->return_body, sizeof(r->return_body), "%s", body);
}

static const struct sl_proxy_conf *
variant(enum variant v)
{
	struct sl_proxy_conf *c = &variant_conf;
	struct sl_proxy_pool_conf *p;
	struct sl_proxy_route_conf *r;

	memcpy(c, &base_conf, sizeof(*c));
	switch (v) {
	case V_SAME:
		break;
	case V_MEMBER_REMOVED:
		conf_member_remove(conf_pool(c, "app"), 1);
		conf_member_remove(conf_pool(c, "sticky"), 0);
		break;
	case V_MEMBER_ADDED:
		p = conf_pool(c, "solo");
		p->members[p->n_members] = conf_pool(c, "app")->members[1];
		p->n_members++;
		break;
	case V_ALGO:
		p = conf_pool(c, "app");
		snprintf(p->algorithm, sizeof(p->algorithm), "leastconn");
		p->keepalive = 1;
		snprintf(conf_pool(c, "solo")->algorithm, sizeof(p->algorithm), "p2c");
		snprintf(conf_pool(c, "sticky")->algorithm, sizeof(p->algorithm), "swrr");
		break;
	case V_REPOINT:
		snprintf(conf_route(c, "default")->pool, sizeof(r->pool), "sticky");
		conf_fixed(conf_route(c, "solo"), "solo moved\n");
		r = conf_route(c, "fixed");
		r->return_status = 0;
		r->return_body[0] = '\0';
		snprintf(r->pool, sizeof(r->pool), "solo");
		break;
	case V_ROUTES_REMOVED:
		conf_route_remove(c, "default");
		conf_route_remove(c, "sticky");
		break;
	case V_POOL_REMOVED:
		conf_route_remove(c, "solo");
		conf_pool_remove(c, "solo");
		break;
	case V_MEMBERS_SWAPPED:
		conf_members_swap(conf_pool(c, "app"));
		conf_members_swap(conf_pool(c, "sticky"));
		break;
	default:
		abort();
	}
	return c;
}

/* ---- helpers ---- */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
trace_seg(const char *dir, const struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack,
	uint16_t win, const uint8_t *data, uint32_t len)
{
	uint32_t i;

	fprintf(stderr, "%s %s%ld %s%s%s%s%s seq %u ack %u win %u len %u", dir,
		p == NULL     ? "?"
		: p->upstream ? "up"
			      : "client",
		p == NULL ? -1L : (long)(p - (p->upstream ? upstreams : clients)),
		flags & F(SYN) ? "S" : "", flags & F(ACK) ? "A" : "", flags & F(FIN) ? "F" : "",
		flags & F(RST) ? "R" : "", flags & F(PSH) ? "P" : "", seq, ack, win, len);
	if (data != NULL && len != 0) {
		fputs(" |", stderr);
		for (i = 0; i < len && i < 400; i++) {
			if (data[i] == '\n')
				fputs("\\n", stderr);
			else if (data[i] == '\r')
				fputs("\\r", stderr);
			else if (data[i] >= 32 && data[i] < 127)
				fputc(data[i], stderr);
			else
				fprintf(stderr, "\\x%02x", data[i]);
		}
		fputs(i < len ? "...|" : "|", stderr);
	}
	fputc('\n', stderr);
}

/* ---- HTTP seen by the peers ----
 *
 * The peers parse what they receive with lib/http's parser, as an origin
 * server and a client would, and abort() when the proxy's output is not
 * valid HTTP or frames messages differently from what the proxy meant:
 *   - the bytes an upstream receives are requests (no parse error), and no
 *     more request heads than the proxy assigned requests to the connection
 *     (more is request smuggling);
 *   - the bytes a client receives are responses (no parse error), one per
 *     request it sent (the methods come from parsing its own bytes with the
 *     proxy's limits), except one error response with Connection: close for
 *     a request that never completed; nothing after a response that said
 *     close; and a response read until close only if the proxy closes.
 * An oracle stops watching a connection whose own bytes stop parsing.
 */

static void fail(const char *what);

/* The proxy's request limits (every variant keeps them), for the clients'
 * parsers of their own bytes. */
static struct sl_http_limits client_limits;
static uint32_t client_hdr_buf;

/* SL_FUZZ_IGNORE: oracle findings to tolerate while they are being fixed,
 * substrings of their messages separated by '|'. */
static const char *ignore;

static bool
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

static void
oracle_fail(struct peer *p, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s %ld: %s", p->upstream ? "upstream" : "client",
		(long)(p - (p->upstream ? upstreams : clients)), what);
	if (ignored(msg)) {
		p->in_off = p->own_off = true; /* stop watching this connection */
		return;
	}
	fail(msg);
}

static void
oracle_init(struct peer *p, unsigned int i)
{
	struct sl_http_limits lim;

	if (p->upstream) {
		sl_http_limits_default(&lim, SL_HTTP_REQUEST);
		lim.max_line = ORACLE_BUF;
		lim.max_fields = 1000;
		lim.max_body = UINT64_MAX;
		lim.allow_unknown_methods = true;
		p->in = &up_in[i];
		if (sl_http_parser_init(p->in, SL_HTTP_REQUEST, &lim, up_in_buf[i], ORACLE_BUF) < 0)
			abort();
		return;
	}
	p->in = &cl_in[i];
	p->own = &cl_own[i];
	if (sl_http_parser_init(p->in, SL_HTTP_RESPONSE, NULL, cl_in_buf[i], ORACLE_BUF) < 0 ||
		sl_http_parser_init(
			p->own, SL_HTTP_REQUEST, &client_limits, cl_own_buf[i], client_hdr_buf) < 0)
		abort();
}

/* The requests the proxy assigned to the upstream connection of p so far. */
static void
oracle_assigned(struct peer *p)
{
	const struct upconn *u;

	for (u = fz_lc->proxy.w->upconns; u != NULL; u = u->next) {
		const struct tcp_conn *c = (const struct tcp_conn *)u->conn;

		if (c != NULL && c->key.raddr == p->addr &&
			c->key.lport == rte_cpu_to_be_16(p->sport) &&
			c->key.rport == rte_cpu_to_be_16(p->port))
			p->assigned = RTE_MAX(p->assigned, u->requests);
	}
}

static void
oracle_assigned_all(void)
{
	unsigned int i;

	for (i = 0; i < n_upstreams; i++)
		if (upstreams[i].state != P_FREE)
			oracle_assigned(&upstreams[i]);
}

/* A client sends data: note the methods of its requests. */
static void
oracle_own(struct peer *p, const uint8_t *data, uint32_t len)
{
	while (!p->own_off && len > 0) {
		struct sl_http_span body;
		uint32_t consumed = 0;
		enum sl_http_event ev = sl_http_parse(p->own, data, len, &consumed, &body);

		data += consumed;
		len -= consumed;
		if (ev == SL_HTTP_EV_NEED_MORE && consumed > 0 && !p->own_head_done)
			p->own_partial = true;
		if (ev == SL_HTTP_EV_HEADERS || ev == SL_HTTP_EV_MESSAGE_END) {
			p->own_head_done = ev == SL_HTTP_EV_HEADERS;
			p->own_partial = false;
		}
		if (ev == SL_HTTP_EV_HEADERS || ev == SL_HTTP_EV_ERROR) {
			if (p->m_tail - p->m_head == RTE_DIM(p->methods)) {
				p->own_off = p->in_off = true; /* too many to follow */
				return;
			}
			p->methods[p->m_tail++ % RTE_DIM(p->methods)] =
				(uint8_t)(ev == SL_HTTP_EV_HEADERS ? p->own->msg.method
								   : SL_HTTP_M_UNKNOWN);
			if (p->m_tail - p->m_head == 1 && sl_http_parser_done(p->in) == false &&
				p->in->msg.status == 0)
				sl_http_parser_set_method(
					p->in, (enum sl_http_method)
						       p->methods[p->m_head % RTE_DIM(p->methods)]);
		}
		if (ev == SL_HTTP_EV_ERROR ||
			(ev == SL_HTTP_EV_HEADERS && (p->own->msg.flags & SL_HTTP_F_TUNNEL))) {
			p->own_off = true; /* the proxy answers it and closes */
			p->own_off_error = true;
			return;
		}
		if (ev == SL_HTTP_EV_MESSAGE_END)
			sl_http_parser_reset(p->own);
		if (ev == SL_HTTP_EV_NEED_MORE && consumed == 0)
			return;
	}
}

/* The client's FIN: a request cut inside its head becomes an error the
 * proxy may answer (one response); one cut inside its body already has its
 * place in the queue. */
static void
oracle_own_fin(struct peer *p)
{
	if (!p->own_off && p->own_partial && sl_http_parser_finish(p->own) == SL_HTTP_EV_ERROR &&
		p->m_tail - p->m_head < RTE_DIM(p->methods))
		p->methods[p->m_tail++ % RTE_DIM(p->methods)] = SL_HTTP_M_UNKNOWN;
	p->own_off = true;
}

static void
oracle_in(struct peer *p, const uint8_t *data, uint32_t len)
{
	while (!p->in_off && len > 0) {
		struct sl_http_span body;
		uint32_t consumed = 0;
		enum sl_http_event ev;

		if (!p->upstream && p->closed_response) {
			oracle_fail(p, "bytes after a response that closed the connection");
			return;
		}
		ev = sl_http_parse(p->in, data, len, &consumed, &body);
		data += consumed;
		len -= consumed;
		switch (ev) {
		case SL_HTTP_EV_ERROR: {
			char msg[160];

			snprintf(msg, sizeof(msg), "the proxy sent bytes that are not HTTP %s: %s",
				p->upstream ? "requests" : "responses",
				sl_http_err_str(p->in->err));
			oracle_fail(p, msg);
			break;
		}
		case SL_HTTP_EV_HEADERS:
			if (p->upstream) {
				p->heads++;
				oracle_assigned(p);
				if (p->heads > p->assigned)
					oracle_fail(p,
						"more request heads than the proxy sent requests "
						"on the connection (request smuggling)");
			} else if (p->in->msg.status >= 200) {
				/* With no request waiting, only an error for a head that
				 * never completed (408, 400) may come, and it closes. */
				if (p->m_tail != p->m_head)
					p->m_head++;
				else if (p->in->msg.flags & SL_HTTP_F_KEEP_ALIVE)
					oracle_fail(p, "a keep-alive response to no request "
						       "(responses out of step with requests)");
				else if (!p->own_partial && !p->own_off_error)
					oracle_fail(p, "a second response to a request (or a "
						       "response to none)");
			}
			break;
		case SL_HTTP_EV_MESSAGE_END:
			if (!p->upstream && p->in->msg.status >= 200 &&
				!(p->in->msg.flags & SL_HTTP_F_KEEP_ALIVE))
				p->closed_response = true;
			sl_http_parser_reset(p->in);
			if (!p->upstream && p->m_tail != p->m_head)
				sl_http_parser_set_method(
					p->in, (enum sl_http_method)
						       p->methods[p->m_head % RTE_DIM(p->methods)]);
			break;
		default:
			break;
		}
		if (ev == SL_HTTP_EV_NEED_MORE && consumed == 0)
			return;
	}
}

/* Between records: a response read until close needs the proxy to close. */
static void
oracle_check_sessions(void)
{
	const struct session *s;
	unsigned int i;

	for (s = fz_lc->proxy.w->sessions; s != NULL; s = s->next) {
		uint32_t a;
		uint16_t port;

		sl_tcp_peer(s->client, &a, &port);
		for (i = 0; i < n_clients; i++) {
			struct peer *p = &clients[i];

			if (p->port != rte_be_to_cpu_16(port) || p->in_off || p->state == P_FREE ||
				p->in == NULL)
				continue;
			if (p->in->msg.body == SL_HTTP_BODY_CLOSE && !sl_http_parser_done(p->in) &&
				p->in->msg.status >= 200 && s->resp_phase != RS_BODY &&
				s->resp_phase != RS_HEAD && !s->close_after && !s->closing)
				oracle_fail(p, "a response without length on a connection the "
					       "proxy keeps open (the client cannot find its end)");
		}
	}
}

/* ---- segments from the peers ---- */

static uint32_t
peer_window(const struct peer *p)
{
	if (p->reading)
		return PEER_WINDOW;
	return p->rcv_cap > p->rcv_used ? p->rcv_cap - p->rcv_used : 0;
}

/* A segment from p (or, p NULL, an RST for an unknown tuple given by hand). */
static void
emit_raw(const struct sl_port *via, const struct rte_ether_addr *smac, uint32_t saddr,
	uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	uint16_t win, bool syn_opts, const uint8_t *data, uint32_t len, bool split)
{
	uint8_t *th = frame + ETH_IP_LEN;
	uint32_t olen = syn_opts ? 4 : 0, tlen = (uint32_t)TCP_HDR_LEN + olen + len;
	uint32_t splits[2], n_splits = 0, hdr_end = (uint32_t)ETH_IP_LEN + TCP_HDR_LEN + olen;
	struct rte_mbuf *m;

	fz_eth_ipv4_tcp(
		frame, via == fz_front ? &fz_front_mac : &fz_back_mac, smac, saddr, daddr, tlen);
	put16(th, sport);
	put16(th + 2, dport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (uint8_t)(((TCP_HDR_LEN + olen) / 4) << 4);
	th[13] = flags;
	put16(th + 14, win);
	put16(th + 16, 0);
	put16(th + 18, 0);
	if (syn_opts) { /* MSS 1460 only: no window scaling, no timestamps, no SACK */
		th[20] = 2, th[21] = 4;
		put16(th + 22, 1460);
	}
	if (len != 0)
		memcpy(th + TCP_HDR_LEN + olen, data, len);
	*(unaligned_uint16_t *)(th + 16) = fz_l4_cksum(saddr, daddr, IPPROTO_TCP, th, tlen);
	if (split && len != 0) {
		splits[n_splits++] = hdr_end;
		if (len > 1)
			splits[n_splits++] = hdr_end + len / 2;
	}
	m = fz_frame(frame, ETH_IP_LEN + tlen, splits, n_splits);
	sl_net_input(fz_lc, via, &m, 1);
	oracle_assigned_all();
}

static void
peer_seg(struct peer *p, uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len)
{
	if (trace)
		trace_seg("  ->", p, flags, seq, p->rcv_nxt, (uint16_t)peer_window(p), data, len);
	emit_raw(p->via, p->mac, p->addr, p->via == fz_front ? FZ_FRONT_ADDR : FZ_BACK_ADDR,
		p->port, p->sport, seq, (flags & F(ACK)) ? p->rcv_nxt : 0, flags,
		(uint16_t)peer_window(p), (flags & F(SYN)) != 0, data, len, p->split);
	p->need_ack = false;
}

static void
peer_queue(struct peer *p, const uint8_t *data, uint32_t len)
{
	if (len == 0)
		return;
	if (p->out_len + len > p->out_cap) {
		uint32_t cap = RTE_MAX(p->out_cap * 2, p->out_len + len);
		uint8_t *n = realloc(p->out, cap);

		if (n == NULL)
			abort();
		p->out = n;
		p->out_cap = cap;
	}
	memcpy(p->out + p->out_len, data, len);
	p->out_len += len;
}

/* Send what the window allows, a FIN after the last byte, or an ACK owed. */
static bool
peer_output(struct peer *p)
{
	bool sent = false;

	if (p->state != P_EST)
		return false;
	for (;;) {
		uint32_t off = p->snd_nxt - p->snd_una, len;

		if (off >= p->out_len || !SEQ_LT(p->snd_nxt, p->snd_edge))
			break;
		len = RTE_MIN(p->out_len - off, p->snd_edge - p->snd_nxt);
		len = RTE_MIN(len, (uint32_t)p->mss);
		len = RTE_MIN(len, (uint32_t)(sizeof(frame) - ETH_IP_LEN - TCP_HDR_LEN - 8));
		peer_seg(p, p->snd_nxt, F(ACK) | F(PSH), p->out + off, len);
		p->snd_nxt += len;
		sent = true;
	}
	if (p->fin_pending && !p->fin_sent && p->snd_nxt - p->snd_una == p->out_len) {
		peer_seg(p, p->snd_nxt, F(ACK) | F(FIN), NULL, 0);
		p->snd_nxt++;
		p->fin_sent = true;
		sent = true;
	}
	if (p->need_ack) {
		peer_seg(p, p->snd_nxt, F(ACK), NULL, 0);
		sent = true;
	}
	return sent;
}

/*
 * Data waits for the window. With bytes not ACKed yet, a delayed ACK may be
 * holding it back: send the last byte again to get an ACK now. With
 * everything ACKed, the window is closed: probe it with the next byte (RFC
 * 9293 3.8.6.1), again after every step of a clock jump (peers_timeout()).
 */
static bool
peer_poke(struct peer *p)
{
	uint32_t off = p->snd_nxt - p->snd_una;

	if (p->state != P_EST || p->poked || off >= p->out_len || SEQ_LT(p->snd_nxt, p->snd_edge))
		return false;
	p->poked = true;
	if (off > 0) {
		peer_seg(p, p->snd_nxt - 1, F(ACK), p->out + off - 1, 1);
	} else {
		peer_seg(p, p->snd_nxt, F(ACK), p->out, 1);
		p->snd_nxt++;
	}
	return true;
}

/* Time passed: the peers' retransmission and persist timers. What is not
 * ACKed is sent again (go-back-N), closed windows are probed again. */
static void
peers_timeout(void)
{
	unsigned int i;

	for (i = 0; i < 2 * PEERS_MAX; i++) {
		struct peer *p = i < PEERS_MAX ? &clients[i] : &upstreams[i - PEERS_MAX];

		if (p->state != P_EST)
			continue;
		p->poked = false;
		if (p->snd_nxt != p->snd_una) {
			if (p->fin_sent && !p->fin_acked)
				p->fin_sent = false;
			p->snd_nxt = p->snd_una;
		}
	}
}

static void
peer_reset(struct peer *p)
{
	if (p->state == P_EST || p->state == P_SYN_RCVD)
		peer_seg(p, p->snd_nxt, F(RST), NULL, 0);
	p->state = P_CLOSED;
}

/* ---- segments from the stack ---- */

static struct peer *
find_peer(struct peer *arr, unsigned int n, uint32_t addr, uint16_t port, uint16_t sport)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (arr[i].state != P_FREE && arr[i].addr == addr && arr[i].port == port &&
			arr[i].sport == sport)
			return &arr[i];
	return NULL;
}

static uint16_t
syn_mss(const uint8_t *opt, uint32_t olen)
{
	uint32_t i = 0;

	while (i < olen) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= olen || opt[i + 1] < 2)
			break;
		if (opt[i] == 2 && opt[i + 1] == 4 && i + 4 <= olen)
			return get16(opt + i + 2);
		i += opt[i + 1];
	}
	return 536;
}

/* A SYN to a member: a new upstream connection, answered or refused. */
static void
upstream_syn(uint32_t addr, uint16_t port, uint16_t sport, uint32_t seq, uint16_t mss)
{
	struct peer *p;

	if (refuse_rst > 0) {
		refuse_rst--;
		if (trace)
			fprintf(stderr, "  -> RST refusing the SYN\n");
		emit_raw(fz_back, addr == FZ_HOST_B ? &fz_host_b_mac : &fz_host_c_mac, addr,
			FZ_BACK_ADDR, port, sport, 0, seq + 1, F(RST) | F(ACK), 0, false, NULL, 0,
			false);
		return;
	}
	if (n_upstreams == PEERS_MAX) { /* nobody home: let it time out */
		if (trace)
			fprintf(stderr, "  (no upstream slot left: SYN ignored)\n");
		return;
	}
	p = &upstreams[n_upstreams++];
	memset(p, 0, sizeof(*p));
	p->upstream = true;
	p->addr = addr;
	p->port = port;
	p->sport = sport;
	p->via = fz_back;
	p->mac = addr == FZ_HOST_B ? &fz_host_b_mac : &fz_host_c_mac;
	p->iss = 0x7ffff000u + (uint32_t)(n_upstreams << 20);
	p->snd_una = p->snd_nxt = p->iss;
	p->rcv_nxt = seq + 1;
	p->mss = mss;
	p->reading = upstream_cap == 0xffff;
	p->rcv_cap = upstream_cap;
	oracle_init(p, n_upstreams - 1);
	oracle_assigned(p);
	if (refuse_drop > 0) {
		refuse_drop--;
		p->state = P_SILENT;
		return;
	}
	p->state = P_SYN_RCVD;
	p->need_synack = true;
}

static void
observe(uint16_t port_index, const struct rte_mbuf *m)
{
	uint8_t buf[ETH_IP_LEN + 60 + 2048];
	const uint8_t *pkt, *th, *data;
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl, doff, total, len, seq, ack, caplen;
	uint16_t sport, dport, win;
	uint8_t flags;
	struct peer *p;

	if (m->pkt_len < ETH_IP_LEN + TCP_HDR_LEN)
		return;
	caplen = RTE_MIN(m->pkt_len, (uint32_t)sizeof(buf));
	pkt = rte_pktmbuf_read(m, 0, caplen, buf);
	if (get16(pkt + 12) != RTE_ETHER_TYPE_IPV4)
		return;
	ip = (const struct rte_ipv4_hdr *)(pkt + RTE_ETHER_HDR_LEN);
	if (ip->next_proto_id != IPPROTO_TCP)
		return;
	ihl = rte_ipv4_hdr_len(ip);
	total = rte_be_to_cpu_16(ip->total_length);
	th = (const uint8_t *)ip + ihl;
	doff = (th[12] >> 4) * 4u;
	if (RTE_ETHER_HDR_LEN + ihl + doff > caplen || total < ihl + doff)
		return;
	len = total - ihl - doff;
	data = th + doff;
	if (RTE_ETHER_HDR_LEN + ihl + doff + len > caplen)
		data = NULL; /* too long to show: only the trace uses it */
	sport = get16(th);
	dport = get16(th + 2);
	seq = get32(th + 4);
	ack = get32(th + 8);
	flags = th[13];
	win = get16(th + 14);

	if (port_index == 0)
		p = find_peer(clients, n_clients, ip->dst_addr, dport, sport);
	else
		p = find_peer(upstreams, n_upstreams, ip->dst_addr, dport, sport);
	if (trace)
		trace_seg("<-  ", p, flags, seq, ack, win, data, len);
	if (p == NULL || p->state == P_CLOSED || p->state == P_FREE) {
		if (port_index == 1 && (flags & (F(SYN) | F(ACK) | F(RST))) == F(SYN) &&
			(ip->dst_addr == FZ_HOST_B || ip->dst_addr == FZ_HOST_C) &&
			dport == MEMBER_PORT && p == NULL) {
			upstream_syn(ip->dst_addr, dport, sport, seq, syn_mss(th + 20, doff - 20));
			return;
		}
		if (flags & F(RST))
			return;
		/* A host that does not know the connection answers RST. */
		if (trace)
			fprintf(stderr, "  -> RST for an unknown connection\n");
		if (flags & F(ACK))
			emit_raw(port_index == 0 ? fz_front : fz_back,
				port_index == 0		    ? &fz_host_a_mac
				: ip->dst_addr == FZ_HOST_B ? &fz_host_b_mac
							    : &fz_host_c_mac,
				ip->dst_addr, ip->src_addr, dport, sport, ack, 0, F(RST), 0, false,
				NULL, 0, false);
		else
			emit_raw(port_index == 0 ? fz_front : fz_back,
				port_index == 0		    ? &fz_host_a_mac
				: ip->dst_addr == FZ_HOST_B ? &fz_host_b_mac
							    : &fz_host_c_mac,
				ip->dst_addr, ip->src_addr, dport, sport, 0,
				seq + len + !!(flags & F(SYN)) + !!(flags & F(FIN)),
				F(RST) | F(ACK), 0, false, NULL, 0, false);
		return;
	}
	if (p->state == P_SILENT)
		return;
	if (flags & F(RST)) {
		p->state = P_CLOSED;
		return;
	}
	if (flags & F(SYN)) {
		if (p->upstream) {
			if (!(flags & F(ACK)) && p->state == P_SYN_RCVD)
				p->need_synack = true; /* retransmitted SYN */
			return;
		}
		if (!(flags & F(ACK)))
			return;
		if (p->state == P_SYN_SENT && ack == p->iss + 1) {
			p->rcv_nxt = seq + 1;
			p->snd_una = p->snd_nxt = ack;
			p->snd_edge = ack + win;
			p->mss = syn_mss(th + 20, doff - 20);
			p->state = P_EST;
		}
		p->need_ack = true;
		return;
	}
	if (!(flags & F(ACK)))
		return;
	if (p->state == P_SYN_RCVD) {
		if (ack != p->iss + 1)
			return;
		p->snd_una = p->snd_nxt = ack;
		p->snd_edge = ack + win;
		p->state = P_EST;
	}
	if (p->state != P_EST)
		return;
	/* ACK */
	if (SEQ_GT(ack, p->snd_una) && SEQ_LEQ(ack, p->snd_nxt)) {
		uint32_t acked = ack - p->snd_una;

		if (p->fin_sent && ack == p->snd_nxt) {
			p->fin_acked = true;
			acked--; /* the FIN */
		}
		acked = RTE_MIN(acked, p->out_len);
		if (acked != 0)
			memmove(p->out, p->out + acked, p->out_len - acked);
		p->out_len -= acked;
		p->snd_una = ack;
		p->poked = false;
	}
	if (SEQ_LEQ(p->snd_una, ack) && SEQ_LEQ(ack, p->snd_nxt)) {
		if (SEQ_GT(ack + win, p->snd_edge))
			p->poked = false;
		p->snd_edge = ack + win;
	}
	/* data and FIN */
	if (len != 0 || (flags & F(FIN)) || seq != p->rcv_nxt)
		p->need_ack = true;
	if (len != 0 && SEQ_LEQ(seq, p->rcv_nxt) && SEQ_GT(seq + len, p->rcv_nxt)) {
		uint32_t fresh = seq + len - p->rcv_nxt, room = peer_window(p);

		if (p->fin_rcvd)
			fresh = 0;
		fresh = RTE_MIN(fresh, room);
		if (data != NULL)
			oracle_in(p, data + (p->rcv_nxt - seq), fresh);
		else
			p->in_off = true;
		p->rcv_nxt += fresh;
		if (!p->reading)
			p->rcv_used += fresh;
	}
	if ((flags & F(FIN)) && !p->fin_rcvd && seq + len == p->rcv_nxt) {
		p->rcv_nxt++;
		p->fin_rcvd = true;
	}
	if (p->fin_rcvd && p->fin_acked)
		p->state = P_CLOSED; /* our last ACK goes out below */
}

static void mgmt_turn(void);

/* Play turns and let the peers answer until nothing moves; then the
 * management lcore polls (frees what the worker let go of). */
static void
settle(void)
{
	unsigned int round, i;
	bool moved;

	for (round = 0; round < SETTLE_MAX; round++) {
		fz_pump(observe, 0);
		moved = false;
		for (i = 0; i < n_upstreams; i++) {
			struct peer *p = &upstreams[i];

			if (p->need_synack && p->state == P_SYN_RCVD) {
				p->need_synack = false;
				peer_seg(p, p->iss, F(SYN) | F(ACK), NULL, 0);
				moved = true;
			}
		}
		for (i = 0; i < n_clients; i++)
			moved |= peer_output(&clients[i]);
		for (i = 0; i < n_upstreams; i++)
			moved |= peer_output(&upstreams[i]);
		for (i = 0; i < n_clients; i++)
			if (clients[i].need_ack && clients[i].state == P_CLOSED)
				peer_seg(&clients[i], clients[i].snd_nxt, F(ACK), NULL, 0),
					moved = true;
		for (i = 0; i < n_upstreams; i++)
			if (upstreams[i].need_ack && upstreams[i].state == P_CLOSED)
				peer_seg(&upstreams[i], upstreams[i].snd_nxt, F(ACK), NULL, 0),
					moved = true;
		if (moved)
			continue;
		for (i = 0; i < n_clients && !moved; i++)
			moved = peer_poke(&clients[i]);
		for (i = 0; i < n_upstreams && !moved; i++)
			moved = peer_poke(&upstreams[i]);
		if (!moved) {
			mgmt_turn();
			return;
		}
	}
	fprintf(stderr, "fuzz_proxy: no quiescence after %u rounds (a livelock)\n", SETTLE_MAX);
	abort();
}

/* ---- the clock ---- */

/*
 * `ms` pass. tcp's clock cannot run ahead (an active open resets it to the
 * TSC), so time moves the other way: every armed timer and every time stamp
 * the stack and the proxy compare with it move back. In steps, so that
 * timers fire in order with the answers they cause in between.
 */
/* Every armed timer (the harness's own loops: not instrumented, they would
 * only slow the fuzzer down). */
static struct sl_timer **armed;
static size_t n_armed, armed_cap;

__attribute__((no_sanitize("coverage"))) static uint64_t
collect_timers(void)
{
	const struct sl_timer_wheel *wh = fz_lc->tcp.wheel;
	uint64_t first = UINT64_MAX;
	unsigned int i;

	n_armed = 0;
	for (i = 0; i < SL_TIMER_SLOTS; i++) {
		struct sl_timer *t;

		for (t = wh->slots[i]; t != NULL; t = t->next) {
			if (n_armed == armed_cap) {
				armed_cap = armed_cap ? armed_cap * 2 : 256;
				armed = realloc(armed, armed_cap * sizeof(*armed));
				if (armed == NULL)
					abort();
			}
			armed[n_armed++] = t;
			if (t->expire < first)
				first = t->expire;
		}
	}
	return first;
}

/* Move the collected timers and every time stamp d back (d has passed). */
static void
shift_clock(uint64_t d)
{
	struct sl_timer_wheel *wh = fz_lc->tcp.wheel;
	const void *key;
	void *data;
	uint32_t iter = 0;
	struct proxy_member_slot *ms;
	struct session *s;
	size_t i;

	for (i = 0; i < n_armed; i++)
		sl_timer_arm(wh, armed[i], armed[i]->expire > d ? armed[i]->expire - d : 0);
	while (rte_hash_iterate(fz_lc->tcp.conns, &key, &data, &iter) >= 0) {
		struct tcp_conn *c = data;

		c->last_rx -= d;
		c->opened -= d;
		c->rtt_start -= d;
	}
	for (s = fz_lc->proxy.w->sessions; s != NULL; s = s->next)
		s->t_head -= d;
	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next) {
		struct proxy_member_lcore *ml = &ms->lc[fz_lc->proxy.w->wid];

		if (ml->down_until != 0)
			ml->down_until = ml->down_until > d ? ml->down_until - d : 1;
	}
}

static bool
proxy_idle(void)
{
	return fz_lc->proxy.w->sessions == NULL && fz_lc->proxy.w->upconns == NULL;
}

/* Let ms pass, or less once done() says so. */
static void
jump_until(uint64_t ms, bool (*done)(void))
{
	uint64_t left = ms * (rte_get_tsc_hz() / 1000), tick = fz_lc->tcp.wheel->tick;
	unsigned int steps;

	for (steps = 0; left > 0 && (done == NULL || !done()); steps++) {
		uint64_t now = rte_rdtsc(), first = collect_timers(), step;

		if (first == UINT64_MAX)
			break; /* nothing armed: time does not matter */
		step = first > now ? first - now + tick : tick;
		if (steps >= 32 || step > left)
			step = left;
		shift_clock(step);
		left -= step;
		peers_timeout();
		settle();
	}
}

static void
jump(uint64_t ms)
{
	jump_until(ms, NULL);
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
static void
fail(const char *what)
{
	if (ignored(what))
		return;
	fprintf(stderr, "fuzz_proxy: after input %" PRIu64 ": %s\n", inputs, what);
	abort();
}

/* ---- generations ---- */

#define GENS_MAX (2 * RECORDS_MAX + 8)

/* The generations not freed: the published one, then the retired ones. */
static unsigned int
live_gens(struct proxy_gen **gens)
{
	struct proxy_gen *g;
	unsigned int n = 0;

	gens[n++] = proxy_gen_current();
	for (g = proxy_gen_retired(); g != NULL; g = g->next_retired) {
		if (n == GENS_MAX) {
			fail("more retired generations than the inputs can make (a loop, or "
			     "never freed)");
			break;
		}
		gens[n++] = g;
	}
	return n;
}

static int
gen_index(struct proxy_gen *const *gens, unsigned int n, const struct proxy_gen *g)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (gens[i] == g)
			return (int)i;
	return -1;
}

static bool
slot_known(const struct proxy_member_slot *m)
{
	const struct proxy_member_slot *ms;

	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next)
		if (ms == m)
			return true;
	return false;
}

/* Management: the poll of its loop. The worker is offline for RCU (never
 * registered with sl_lcore_rcu()), so every grace period has passed: only
 * the pins hold a generation, and it is freed as early as it may be. */
static void
mgmt_turn(void)
{
	sl_proxy_mgmt_poll();
}

/* A worker that adopts a generation keeps its ejected members out, except
 * the last one standing of a pool, and forgets the ejections that expired. */
static void
check_carried(const struct proxy_worker *w)
{
	const struct proxy_gen *g = w->gen;
	uint64_t now = w->lc->tcp.now;
	uint32_t p, m;

	for (p = 0; p < g->n_pools; p++) {
		const struct proxy_pool_lcore *pl = proxy_pool_lcore(w, g, p);
		uint32_t down = 0, n = g->pools[p].n_members;

		for (m = 0; m < n; m++)
			down += !pl->bal.members[m].up;
		if (down != pl->n_down)
			fail("a new generation's n_down does not count its ejected members");
		for (m = 0; m < n; m++) {
			const struct proxy_member_lcore *ml =
				&g->pools[p].members[m].slot->lc[w->wid];
			bool up = pl->bal.members[m].up, ejected = now < ml->down_until;

			if (!up && !ejected)
				fail("a new generation's balancer has a member down that is not "
				     "ejected");
			if (up && ejected && down + 1 < n)
				fail("a new generation's balancer does not carry the worker's "
				     "ejections");
			if (!ejected && ml->down_until != 0)
				fail("an expired ejection time is left when a generation is "
				     "adopted");
		}
	}
}

/* The top of the worker's loop: adopt the published generation. */
static void
worker_sync(void)
{
	struct proxy_worker *w = fz_lc->proxy.w;
	const struct proxy_gen *old = w->gen;

	sl_proxy_worker_sync(fz_lc);
	if (w->gen != old)
		check_carried(w);
}

static void
apply_conf(const struct sl_proxy_conf *c, bool defer_sync)
{
	struct sl_conf_error err;
	int rc = sl_proxy_apply(c, &err);

	if (rc < 0) {
		fprintf(stderr, "fuzz_proxy: applying a configuration variant: %s (%d)\n", err.msg,
			rc);
		abort();
	}
	gen_switched = true;
	if (!defer_sync)
		worker_sync();
	settle();
}

/* ---- checks ---- */

/* What a busy upstream connection u must agree with: its session's
 * generation (live) names its member, and u counts as active in that
 * generation's balancer. */
static void
check_busy(const struct proxy_worker *w, const struct upconn *u, struct proxy_gen *const *gens,
	unsigned int n_gens)
{
	const struct session *s = u->s;
	const struct proxy_gen *g = s->gen;

	if (s->up != u)
		fail("an upstream connection's session does not point back to it");
	if (u->pprev_idle != NULL)
		fail("an upstream connection is both busy and idle");
	if (gen_index(gens, n_gens, g) < 0)
		return; /* reported with the sessions */
	if (s->act == NULL || s->act->kind != PROXY_ACT_POOL || s->act->pool >= g->n_pools ||
		s->member < 0 || (uint32_t)s->member >= g->pools[s->act->pool].n_members) {
		fail("a busy upstream connection's session has no member of a pool");
		return;
	}
	if (u->slot != g->pools[s->act->pool].members[s->member].slot)
		fail("a busy upstream connection is not to its session's member");
	if (u->bal != &proxy_pool_lcore(w, g, s->act->pool)->bal.members[s->member])
		fail("a busy upstream connection does not count in the balancer of its "
		     "session's generation");
}

/* The proxy's own bookkeeping, between records (no event is running). */
static void
check_books(void)
{
	const struct proxy_worker *w = fz_lc->proxy.w;
	struct proxy_gen *gens[GENS_MAX];
	uint64_t sess_pins[GENS_MAX];
	unsigned int n_gens = live_gens(gens), i;
	const struct proxy_member_slot *ms;
	const struct session *s;
	const struct upconn *u;
	uint32_t p, m;

	memset(sess_pins, 0, sizeof(sess_pins));
	oracle_assigned_all();
	if (gen_index(gens, n_gens, w->gen) < 0)
		fail("the worker's generation is neither the published one nor a retired one");
	for (s = w->sessions; s != NULL; s = s->next) {
		int gi;

		if (s->client == NULL || s->dead)
			fail("a session outlived its client connection");
		if (s->depth != 0)
			fail("a session's event depth is not 0 between events");
		if (s->up != NULL && s->up->s != s)
			fail("a session's upstream connection belongs to another session");
		gi = gen_index(gens, n_gens, s->gen);
		if (gi < 0)
			fail("a session uses a generation that was freed");
		else
			sess_pins[gi]++;
	}
	for (i = 0; i < n_gens; i++) {
		uint64_t pins = atomic_load(&gens[i]->lcore[w->wid].pins);

		if (pins != sess_pins[i] + (gens[i] == w->gen))
			fail("a generation's pin count is not its sessions' and the worker's");
	}
	for (u = w->upconns; u != NULL; u = u->next) {
		if (u->conn == NULL)
			fail("an upstream connection outlived its TCP connection");
		if (!slot_known(u->slot)) {
			fail("an upstream connection of an unknown (freed) member");
			continue;
		}
		if (u->s != NULL)
			check_busy(w, u, gens, n_gens);
		else if (u->bal != NULL)
			fail("an upstream connection with no exchange counts in a balancer");
	}
	/* Each member (slot): its idle list and connection counts. */
	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next) {
		const struct proxy_member_lcore *ml = &ms->lc[w->wid];
		uint32_t idle = 0, conns = 0;

		for (u = w->upconns; u != NULL; u = u->next)
			conns += u->slot == ms;
		for (u = ml->idle; u != NULL; u = u->next_idle) {
			if (u->s != NULL || u->slot != ms)
				fail("a busy or foreign connection in a member's idle list");
			if (++idle > 1000) {
				fail("a loop in a member's idle list");
				break;
			}
		}
		if (idle != ml->n_idle)
			fail("a member's n_idle does not count its idle list");
		if (conns != ml->n_conns)
			fail("a member's n_conns does not count its connections");
		if (ml->idle != NULL && atomic_load(&ms->last_gen) < w->gen->number)
			fail("a pooled connection to a member the worker's configuration no "
			     "longer names");
	}
	/* Each balancer of each live generation: exchanges and ejections. */
	for (i = 0; i < n_gens; i++) {
		const struct proxy_gen *g = gens[i];

		for (p = 0; p < g->n_pools; p++) {
			const struct proxy_pool_lcore *pl = proxy_pool_lcore(w, g, p);
			uint32_t down = 0;

			for (m = 0; m < g->pools[p].n_members; m++) {
				const struct sl_upstream_member *bm = &pl->bal.members[m];
				const struct proxy_member_lcore *ml =
					&g->pools[p].members[m].slot->lc[w->wid];
				uint32_t busy = 0;

				for (u = w->upconns; u != NULL; u = u->next)
					busy += u->s != NULL && u->bal == bm;
				if (busy != bm->active)
					fail("a balancer's active count does not count the "
					     "exchanges");
				down += !bm->up;
				if (g != w->gen)
					continue;
				/* Within one generation, a member is up exactly when it
				 * is not ejected. Across a change, the balancer of an
				 * older generation may eject or readmit it; an ejection
				 * time that has passed is then inert (only a time still
				 * to come counts as an ejection), which
				 * regress-retired-gen-ejection-stale keeps checking
				 * through the failures that must eject it again. */
				if (!gen_switched && bm->up != (ml->down_until == 0))
					fail("a member's up flag and its ejection disagree");
			}
			if (down != pl->n_down)
				fail("a pool's n_down does not count its ejected members");
			/* The last member standing is never ejected. */
			if (g->pools[p].n_members > 0 && down >= g->pools[p].n_members)
				fail("every member of a pool is ejected in a balancer (the last "
				     "one standing must stay in)");
		}
	}
	oracle_check_sessions();
}

/*
 * Once no session is left: after the management polls, the published
 * generation is the only one, the worker's, pinned by the worker alone, and
 * every slot is one it names, as many times as it names it.
 */
static void
check_reclaimed(const char *when)
{
	const struct proxy_worker *w = fz_lc->proxy.w;
	const struct proxy_gen *g;
	const struct proxy_member_slot *ms;
	const struct proxy_route_slot *rs;
	char msg[200];
	unsigned int i;
	uint32_t p, m;

	for (i = 0; i < 4; i++)
		mgmt_turn();
	g = proxy_gen_current();
	if (proxy_gen_retired() != NULL) {
		snprintf(msg, sizeof(msg), "a retired generation is not freed once %s", when);
		fail(msg);
	}
	if (w->gen != g)
		fail("the worker has not adopted the published generation");
	else if (atomic_load(&g->lcore[w->wid].pins) != 1)
		fail("the worker's generation is pinned by something else than the worker");
	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next) {
		uint32_t refs = 0;

		for (p = 0; p < g->n_pools; p++)
			for (m = 0; m < g->pools[p].n_members; m++)
				refs += g->pools[p].members[m].slot == ms;
		if (refs == 0)
			snprintf(msg, sizeof(msg),
				"member slot %s %s: no generation names it, and "
				"it is not freed once %s",
				ms->pool, ms->label, when);
		else if (refs != ms->gen_refs)
			snprintf(msg, sizeof(msg), "member slot %s %s: gen_refs %u, named %u times",
				ms->pool, ms->label, ms->gen_refs, refs);
		if (refs == 0 || refs != ms->gen_refs)
			fail(msg);
	}
	for (rs = proxy_gen_route_slots(); rs != NULL; rs = rs->next) {
		uint32_t refs = 0;

		for (i = 0; i < g->n_routes; i++)
			refs += g->actions[i].stats == rs;
		if (refs == 0)
			snprintf(msg, sizeof(msg),
				"route slot %s: no generation names it, and it "
				"is not freed once %s",
				rs->name, when);
		else if (refs != rs->gen_refs)
			snprintf(msg, sizeof(msg), "route slot %s: gen_refs %u, named %u times",
				rs->name, rs->gen_refs, refs);
		if (refs == 0 || refs != rs->gen_refs)
			fail(msg);
	}
	for (p = 0; p < g->n_pools; p++)
		for (m = 0; m < g->pools[p].n_members; m++)
			if (!slot_known(g->pools[p].members[m].slot))
				fail("the published generation names a member slot that is not in "
				     "the list (freed)");
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
		struct sl_upstream_balancer *b = &pl->bal;

		b->rr_next = 0;
		pl->n_down = 0;
		for (m = 0; m < b->n_members; m++) {
			b->members[m].lat_ewma_us = 0;
			b->members[m].lat_last_us = 0;
			b->members[m].swrr_current = 0;
			sl_upstream_member_set_up(b, m, true);
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

#define PRINT_COUNTER(name, desc) fprintf(stderr, "  %-28s %" PRIu64 "\n", #name, st->name);

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
	int rc;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	trace = (e = getenv("SL_FUZZ_TRACE")) != NULL && *e != '\0' && *e != '0';
	print_stats = (e = getenv("SL_FUZZ_STATS")) != NULL && *e != '\0' && *e != '0';
	slow_ms = (e = getenv("SL_FUZZ_SLOW_MS")) != NULL ? strtoull(e, NULL, 10) : 0;
	ignore = getenv("SL_FUZZ_IGNORE");
	fz_setup("fuzz_proxy");
	fz_learn_host(fz_back, FZ_HOST_C, &fz_host_c_mac);
	/* Small socket buffers (this process only): back-pressure, closed
	 * windows and refused sends with inputs of a few KB. */
	sl_tcp_conf.rcvbuf = 4096;
	sl_tcp_conf.sndbuf = 4096;
	configure_proxy();
	rc = sl_proxy_init();
	if (rc < 0) {
		fprintf(stderr, "fuzz_proxy: sl_proxy_init failed: %d\n", rc);
		abort();
	}
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
