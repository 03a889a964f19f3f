/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * balance: the balancing algorithms of an upstream pool, as pure per-worker
 * logic with no I/O and no time source of its own. A balancer holds the
 * members of one pool (weight, up/down, active connections, EWMA latency)
 * and picks one behind sl_balance_pick(): round robin, smooth weighted
 * round robin (nginx), least connections, power of two choices over
 * latency x load, and consistent hashing with Maglev (Eisenbud et al.,
 * NSDI 2016).
 *
 * Callers: the worker owning a pool's per-lcore view calls pick, the
 * connection counters and the latency update; each worker has its own
 * balancer, so none of these take locks. The management lcore adds members,
 * flips up/down, builds Maglev tables (sl_balance_maglev_build) and
 * publishes them (sl_balance_maglev_publish); it frees the old table once
 * every worker has passed a quiescent state.
 *
 * Owns: the member array inside the balancer; a Maglev table is owned by
 * the management side until published, then by the balancer it is
 * published to, until it is swapped out and returned.
 */
#ifndef SL_BALANCE_H
#define SL_BALANCE_H

#include <stdbool.h>
#include <stdint.h>

#define SL_BALANCE_MEMBERS_MAX 64
#define SL_BALANCE_WEIGHT_MIN 1
#define SL_BALANCE_WEIGHT_MAX 1000
/* The default Maglev table size: a prime well above 100 x members (paper 3.4). */
#define SL_BALANCE_MAGLEV_SIZE 65537
#define SL_BALANCE_MAGLEV_SIZE_MAX (UINT32_C(1) << 24)

enum sl_balance_algo {
	SL_BALANCE_RR = 0,      /* round robin over up members */
	SL_BALANCE_SWRR = 1,    /* smooth weighted round robin (nginx) */
	SL_BALANCE_LEASTCONN = 2, /* least active; ties: higher weight, then rotation */
	SL_BALANCE_P2C = 3,     /* two random choices, lower EWMA latency x (active+1) */
	SL_BALANCE_MAGLEV = 4,  /* consistent hashing of the caller's key */
};

struct sl_balance_member {
	uint32_t index;       /* position in the balancer, what pick returns */
	uint64_t key;         /* stable identity for Maglev (e.g. address and
			       * port); 0: the index, which moves when an
			       * earlier member is removed */
	uint16_t weight;      /* 1..1000 */
	bool up;
	uint32_t active;      /* open connections, maintained by the caller */
	double lat_ewma_us;   /* EWMA of latency in microseconds, 0 = no sample yet */
	uint64_t lat_last_us; /* time of the last latency sample */
	int64_t swrr_current; /* SWRR current_weight */
};

/*
 * A Maglev lookup table: entry[slot] is a member index or -1 (no member up).
 * Built without the members that were down at build time.
 */
struct sl_balance_maglev {
	uint32_t size;        /* M, a prime */
	uint32_t n_members;   /* members included */
	int16_t entry[];
};

struct sl_balance {
	uint8_t algo;         /* enum sl_balance_algo */
	uint32_t n_members;
	uint32_t rr_next;     /* rotation cursor of RR and least-conn ties */
	struct sl_balance_maglev *maglev; /* published by management */
	struct sl_balance_member members[SL_BALANCE_MEMBERS_MAX];
};

/* Empty balancer; 0 or -EINVAL for an unknown algorithm. */
int sl_balance_init(struct sl_balance *b, enum sl_balance_algo algo);

/* Append a member, up, weight clamped to 1..1000. Its index or -ENOSPC. */
int sl_balance_member_add(struct sl_balance *b, uint16_t weight);

/* Mark a member up or down; 0 or -EINVAL. A Maglev pool also needs a rebuild. */
int sl_balance_member_set_up(struct sl_balance *b, uint32_t idx, bool up);

/*
 * One latency sample at `now_us`. The EWMA decays with time constant tau_us:
 * weight of the new sample = 1 - exp(-dt / tau), so a sample after a long
 * silence replaces the average and bursts of samples each count a little.
 * The first sample sets the average.
 */
void sl_balance_latency_update(struct sl_balance_member *m, uint32_t sample_us,
	uint64_t now_us, uint64_t tau_us);

/*
 * Pick a member: its index, or -1 when no member is up. `key` is used by
 * Maglev only (the caller hashes the client address, a header or a cookie);
 * `rand` by P2C only (the caller's PRNG, so tests are deterministic).
 * Down members are never returned.
 */
int sl_balance_pick(struct sl_balance *b, uint64_t key, uint64_t rand);

/*
 * Build a Maglev table of prime `size` over the up members of `members[0..n)`.
 * Each member's permutation comes from two hashes of its key (or, if 0, of
 * its index): offset and skip. Weights are supported by repetition: while filling, turns are
 * handed out in smooth weighted round robin order, so a member of weight w
 * takes w turns for each turn of a weight-1 member and its share of the
 * table is proportional to w (equal weights give the paper's algorithm).
 * Returns NULL and sets rte_errno (EINVAL: size not prime or too large, or
 * n too large; ENOMEM). Management lcore only.
 */
struct sl_balance_maglev *sl_balance_maglev_build(const struct sl_balance_member *members,
	uint32_t n, uint32_t size);

/* Accepts NULL. */
void sl_balance_maglev_free(struct sl_balance_maglev *t);

/*
 * Publish a table to a balancer (release store) and return the previous one,
 * which the caller frees after the workers' next quiescent state. Rebuilding
 * and publishing when members go up or down is the management lcore's job;
 * until then, a worker that meets a down member in a stale table walks on to
 * the next slot holding an up member.
 */
struct sl_balance_maglev *sl_balance_maglev_publish(struct sl_balance *b,
	struct sl_balance_maglev *t);

const char *sl_balance_algo_name(enum sl_balance_algo algo);

#endif /* SL_BALANCE_H */
