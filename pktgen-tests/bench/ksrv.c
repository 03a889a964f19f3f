/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ksrv: the Linux-kernel peer of Sluice's built-in TCP services, for
 * pktgen-tests/bench/bench_tcp.py. One thread, one epoll loop, non-blocking
 * sockets — the same shape as one Sluice worker — serving the same protocols:
 *   echo    (port 7)   sends back what it receives; stops reading while a
 *                      write is pending
 *   discard (port 9)   reads and drops; closes after the peer's FIN
 *   source  (port 19)  reads "N\n", sends N bytes of the same pattern as
 *                      Sluice (each 8-byte word is its index, LE), closes
 *
 *   ksrv ADDRESS [PORT_OFFSET]
 *
 * Benchmark helper only: no limits beyond what the benchmark needs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum svc { ECHO, DISCARD, SOURCE };

#define BUF (256 * 1024)

struct conn {
	int fd;
	enum svc svc;
	int listener;       /* a listening socket: svc is what it accepts */
	char *buf;          /* echo: bytes read, not yet written */
	size_t len, off;
	int peer_eof;
	char line[24];      /* source: the request so far */
	size_t line_len;
	int started;
	uint64_t remaining, offset;
};

static int ep;
static uint64_t pattern[2 * BUF / 8];
static char scratch[BUF];

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
watch(struct conn *c, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(ep, op, c->fd, &ev) < 0)
		die("epoll_ctl");
}

static void
finish(struct conn *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

static int
listen_on(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0)
		die("bind/listen");
	return fd;
}

/* source: send what the window takes; 1 when finished. The pattern buffer
 * holds words [pbase, pbase + PWORDS) and is refilled about once per BUF. */
#define PWORDS (2 * BUF / 8)
static uint64_t pbase = UINT64_MAX;

static int
source_send(struct conn *c)
{
	while (c->remaining > 0) {
		size_t n = c->remaining < BUF ? c->remaining : BUF;
		uint64_t w0 = c->offset / 8;
		ssize_t w;

		if (pbase == UINT64_MAX || w0 < pbase || c->offset + n > (pbase + PWORDS) * 8) {
			pbase = w0;
			for (size_t i = 0; i < PWORDS; i++)
				pattern[i] = pbase + i;
		}
		w = send(c->fd, (char *)pattern + (c->offset - pbase * 8), n, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN ? 0 : 1;
		c->remaining -= (uint64_t)w;
		c->offset += (uint64_t)w;
	}
	return 1;
}

static void
on_event(struct conn *c, uint32_t events)
{
	ssize_t n;

	if (c->listener) {
		for (;;) {
			int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK);
			struct conn *nc;

			if (fd < 0)
				return;
			nc = calloc(1, sizeof(*nc));
			nc->fd = fd;
			nc->svc = c->svc;
			if (nc->svc == ECHO)
				nc->buf = malloc(BUF);
			watch(nc, EPOLLIN, EPOLL_CTL_ADD);
		}
	}
	switch (c->svc) {
	case DISCARD:
		while ((n = recv(c->fd, scratch, sizeof(scratch), 0)) > 0)
			;
		if (n == 0 || (n < 0 && errno != EAGAIN))
			finish(c);
		return;
	case ECHO:
		for (;;) {
			if (c->off < c->len) {
				n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
				if (n < 0 && errno != EAGAIN) {
					finish(c);
					return;
				}
				if (n > 0)
					c->off += (size_t)n;
				if (c->off < c->len) {
					watch(c, EPOLLOUT, EPOLL_CTL_MOD);
					return;
				}
				watch(c, EPOLLIN, EPOLL_CTL_MOD);
			}
			if (c->peer_eof) {
				finish(c);
				return;
			}
			c->off = c->len = 0;
			n = recv(c->fd, c->buf, BUF, 0);
			if (n < 0 && errno == EAGAIN)
				return;
			if (n <= 0) {
				c->peer_eof = 1;
				continue;
			}
			c->len = (size_t)n;
		}
	case SOURCE:
		if (!c->started) {
			n = recv(c->fd, c->line + c->line_len, sizeof(c->line) - 1 - c->line_len, 0);
			if (n < 0 && errno == EAGAIN)
				return;
			if (n <= 0) {
				finish(c);
				return;
			}
			c->line_len += (size_t)n;
			c->line[c->line_len] = '\0';
			if (strchr(c->line, '\n') == NULL) {
				if (c->line_len == sizeof(c->line) - 1)
					finish(c);
				return;
			}
			c->remaining = strtoull(c->line, NULL, 10);
			c->started = 1;
			watch(c, EPOLLOUT, EPOLL_CTL_MOD);
		} else if (events & EPOLLIN) {
			/* nothing more is expected; drain anything */
			while (recv(c->fd, scratch, sizeof(scratch), 0) > 0)
				;
		}
		if (source_send(c))
			finish(c);
		return;
	}
	(void)events;
}

int
main(int argc, char **argv)
{
	static const struct { enum svc svc; int port; } services[] = {
		{ ECHO, 7 }, { DISCARD, 9 }, { SOURCE, 19 },
	};
	int offset = argc > 2 ? atoi(argv[2]) : 0;

	if (argc < 2) {
		fprintf(stderr, "usage: ksrv ADDRESS [PORT_OFFSET]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		struct conn *l = calloc(1, sizeof(*l));

		l->fd = listen_on(argv[1], services[i].port + offset);
		l->svc = services[i].svc;
		l->listener = 1;
		watch(l, EPOLLIN, EPOLL_CTL_ADD);
	}
	printf("ksrv: ready\n");
	fflush(stdout);
	for (;;) {
		struct epoll_event evs[256];
		int n = epoll_wait(ep, evs, 256, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
	}
}
