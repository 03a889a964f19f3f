/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the timing wheel, driven by synthetic TSC values (no EAL). */
#include <stdlib.h>

#include <rte_common.h>

#include "sl_test.h"
#include "sl_timer.h"

#define TICK 1000
#define REV ((uint64_t)SL_TIMER_SLOTS * TICK) /* one revolution, in TSC */

/* A timed object: records when and in which order it fired. */
struct obj {
	struct sl_timer tm;
	uint64_t want;	   /* expiry as armed */
	uint64_t fired_at; /* wheel time of the last firing */
	unsigned int fires;
	unsigned int seq;   /* firing order */
	struct obj *victim; /* cancelled by this one's callback */
	uint64_t period;    /* re-armed by this much if non-zero */
};

static struct sl_timer_wheel wheel;
static unsigned int seq;
static unsigned int cb_errors; /* a callback saw its timer still pending */

static void
on_fire(struct sl_timer *t)
{
	struct obj *o = container_of(t, struct obj, tm);

	cb_errors += sl_timer_pending(t);
	o->fired_at = wheel.now;
	o->fires++;
	o->seq = seq++;
	if (o->victim != NULL)
		sl_timer_cancel(&wheel, &o->victim->tm);
	if (o->period != 0) {
		o->want += o->period;
		sl_timer_arm(&wheel, t, o->want);
	}
}

static void
obj_arm(struct obj *o, uint64_t expire)
{
	o->want = expire;
	sl_timer_arm(&wheel, &o->tm, expire);
}

static void
setup(uint64_t now, struct obj *objs, unsigned int n)
{
	unsigned int i;

	sl_timer_wheel_init(&wheel, now, TICK);
	seq = 0;
	cb_errors = 0;
	for (i = 0; i < n; i++) {
		memset(&objs[i], 0, sizeof(objs[i]));
		sl_timer_init(&objs[i].tm, on_fire);
	}
}

/* Fixed-seed xorshift64*: the same "random" timers on every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Runs every tick: fires at the first run at or after the expiry. */
static int
test_fire_time(void)
{
	static const uint64_t exp[] = {1, 999, 1000, 1001, 5500, 6000, 4095999};
	struct obj o[RTE_DIM(exp)];
	uint64_t now;
	unsigned int i;

	setup(0, o, RTE_DIM(o));
	for (i = 0; i < RTE_DIM(exp); i++)
		obj_arm(&o[i], exp[i]);
	SL_CHECK_EQ(wheel.armed, RTE_DIM(exp));
	SL_CHECK_EQ(sl_timer_run(&wheel, 0), 0);
	for (now = TICK; now <= 4100 * TICK; now += TICK) {
		sl_timer_run(&wheel, now);
		for (i = 0; i < RTE_DIM(exp); i++) {
			SL_CHECK_EQ(o[i].fires, now >= exp[i]);
			SL_CHECK_EQ(sl_timer_pending(&o[i].tm), now < exp[i]);
		}
	}
	for (i = 0; i < RTE_DIM(exp); i++)
		SL_CHECK(o[i].fired_at >= exp[i] && o[i].fired_at < exp[i] + TICK);
	SL_CHECK_EQ(wheel.armed, 0);
	SL_CHECK_EQ(wheel.fired, RTE_DIM(exp));
	SL_CHECK_EQ(cb_errors, 0);
	return 0;
}

/* Runs more often than ticks: never early, at most one tick late. */
static int
test_fine_runs(void)
{
	struct obj o[64];
	uint64_t now, s = 7;
	unsigned int i;

	setup(12345, o, RTE_DIM(o));
	for (i = 0; i < RTE_DIM(o); i++)
		obj_arm(&o[i], 12346 + rnd(&s) % (50 * TICK));
	for (now = 12345; now < 12345 + 52 * TICK; now += 37) {
		sl_timer_run(&wheel, now);
		for (i = 0; i < RTE_DIM(o); i++) {
			if (o[i].fires == 0)
				continue;
			SL_CHECK_EQ(o[i].fires, 1);
			SL_CHECK(o[i].fired_at >= o[i].want);
			SL_CHECK(o[i].fired_at < o[i].want + TICK + 37);
		}
	}
	SL_CHECK_EQ(wheel.fired, RTE_DIM(o));
	SL_CHECK_EQ(wheel.armed, 0);
	return 0;
}

/* One run over many slots fires them slot by slot, earliest first. */
static int
test_order(void)
{
	static const unsigned int ticks[] = {7, 3, 90, 1, 4000, 55, 2, 300};
	struct obj o[RTE_DIM(ticks)];
	unsigned int i, j;

	setup(0, o, RTE_DIM(o));
	for (i = 0; i < RTE_DIM(ticks); i++)
		obj_arm(&o[i], ticks[i] * TICK - 10);
	SL_CHECK_EQ(sl_timer_run(&wheel, 4000 * TICK), RTE_DIM(ticks));
	for (i = 0; i < RTE_DIM(ticks); i++)
		for (j = 0; j < RTE_DIM(ticks); j++)
			if (ticks[i] < ticks[j])
				SL_CHECK(o[i].seq < o[j].seq);
	return 0;
}

/* Re-arming moves a timer: the old expiry does not fire. */
static int
test_rearm(void)
{
	struct obj o[1];

	setup(0, o, 1);
	obj_arm(&o[0], 3 * TICK);
	obj_arm(&o[0], 8 * TICK);
	SL_CHECK_EQ(wheel.armed, 1);
	SL_CHECK_EQ(sl_timer_run(&wheel, 7 * TICK), 0);
	SL_CHECK_EQ(sl_timer_run(&wheel, 8 * TICK), 1);
	/* Earlier, then far beyond a revolution, then back near. */
	obj_arm(&o[0], 20 * TICK);
	obj_arm(&o[0], 10 * TICK);
	SL_CHECK_EQ(sl_timer_run(&wheel, 9 * TICK), 0);
	SL_CHECK_EQ(sl_timer_run(&wheel, 10 * TICK), 1);
	obj_arm(&o[0], 10 * TICK + 3 * REV);
	obj_arm(&o[0], 12 * TICK);
	SL_CHECK_EQ(wheel.armed, 1);
	SL_CHECK_EQ(sl_timer_run(&wheel, 12 * TICK), 1);
	SL_CHECK_EQ(sl_timer_run(&wheel, 10 * TICK + 4 * REV), 0);
	SL_CHECK_EQ(o[0].fires, 3);
	SL_CHECK_EQ(wheel.armed, 0);
	return 0;
}

/* Cancel disarms; cancelling an unarmed timer is harmless. */
static int
test_cancel(void)
{
	struct obj o[3];

	setup(0, o, RTE_DIM(o));
	sl_timer_cancel(&wheel, &o[0].tm); /* never armed */
	SL_CHECK_EQ(wheel.armed, 0);
	obj_arm(&o[0], 5 * TICK);
	obj_arm(&o[1], 5 * TICK);
	obj_arm(&o[2], 5 * TICK);
	sl_timer_cancel(&wheel, &o[1].tm);
	sl_timer_cancel(&wheel, &o[1].tm);
	SL_CHECK(!sl_timer_pending(&o[1].tm));
	SL_CHECK_EQ(wheel.armed, 2);
	SL_CHECK_EQ(sl_timer_run(&wheel, 5 * TICK), 2);
	SL_CHECK_EQ(o[1].fires, 0);
	sl_timer_cancel(&wheel, &o[0].tm); /* already fired */
	SL_CHECK_EQ(wheel.armed, 0);
	/* A cancelled timer can be armed again. */
	obj_arm(&o[1], 6 * TICK);
	SL_CHECK_EQ(sl_timer_run(&wheel, 6 * TICK), 1);
	SL_CHECK_EQ(o[1].fires, 1);
	return 0;
}

/* A time in the past, or now, fires on the next run even in the same tick. */
static int
test_past(void)
{
	struct obj o[4];

	setup(0, o, RTE_DIM(o));
	SL_CHECK_EQ(sl_timer_run(&wheel, 10 * TICK + 500), 0);
	obj_arm(&o[0], 0);
	obj_arm(&o[1], 10 * TICK + 500); /* == now */
	obj_arm(&o[2], 10 * TICK + 200); /* earlier in this tick */
	obj_arm(&o[3], 10 * TICK + 501); /* future: not yet */
	SL_CHECK_EQ(sl_timer_run(&wheel, 10 * TICK + 500), 3);
	SL_CHECK_EQ(o[3].fires, 0);
	SL_CHECK_EQ(sl_timer_run(&wheel, 11 * TICK), 1);
	/* A `now` that goes back does not move the wheel back. */
	obj_arm(&o[0], 11 * TICK);
	SL_CHECK_EQ(sl_timer_run(&wheel, 5 * TICK), 1);
	SL_CHECK_EQ(wheel.now, 11 * TICK);
	SL_CHECK_EQ(wheel.armed, 0);
	return 0;
}

/* Timers revolutions away wait in their slot until their round comes. */
static int
test_far(void)
{
	struct obj o[6];
	uint64_t now, base = 77 * TICK;
	unsigned int i;

	setup(base, o, RTE_DIM(o));
	obj_arm(&o[0], base + 10 * REV + 500);
	obj_arm(&o[1], base + 10 * REV);
	obj_arm(&o[2], base + REV - 2 * TICK); /* the last slot placed directly */
	obj_arm(&o[3], base + REV - TICK);     /* the first one that waits */
	obj_arm(&o[4], base + REV);
	obj_arm(&o[5], base + 500); /* shares slots with the far ones */
	for (now = base + TICK; now <= base + 11 * REV; now += TICK) {
		sl_timer_run(&wheel, now);
		for (i = 0; i < RTE_DIM(o); i++)
			SL_CHECK_EQ(o[i].fires, now >= o[i].want);
	}
	for (i = 0; i < RTE_DIM(o); i++)
		SL_CHECK(o[i].fired_at < o[i].want + TICK);
	SL_CHECK_EQ(wheel.fired, RTE_DIM(o));
	SL_CHECK_EQ(wheel.armed, 0);
	return 0;
}

/* A callback that re-arms itself runs periodically, not twice per run. */
static int
test_periodic(void)
{
	struct obj o[2];
	uint64_t now;

	setup(0, o, RTE_DIM(o));
	o[0].period = 2500;
	obj_arm(&o[0], 2500);
	o[1].period = 1; /* shorter than a tick: at most once per run */
	obj_arm(&o[1], 1);
	for (now = TICK; now <= 100 * TICK; now += TICK) {
		unsigned int before = o[1].fires;

		sl_timer_run(&wheel, now);
		SL_CHECK_EQ(o[1].fires, before + 1);
		SL_CHECK(o[0].fired_at <= now);
	}
	SL_CHECK_EQ(o[0].fires, 40);
	SL_CHECK(sl_timer_pending(&o[0].tm));
	SL_CHECK_EQ(wheel.armed, 2);
	return 0;
}

/* A callback cancels another timer due in the same run: it must not fire. */
static int
test_cancel_other(void)
{
	struct obj o[4];

	/* Same slot, both orders of the list: the first to fire wins. */
	setup(0, o, RTE_DIM(o));
	o[0].victim = &o[1];
	o[1].victim = &o[0];
	obj_arm(&o[0], 3 * TICK);
	obj_arm(&o[1], 3 * TICK);
	o[2].victim = &o[3];
	o[3].victim = &o[2];
	obj_arm(&o[3], 3 * TICK);
	obj_arm(&o[2], 3 * TICK);
	SL_CHECK_EQ(sl_timer_run(&wheel, 3 * TICK), 2);
	SL_CHECK_EQ(o[0].fires + o[1].fires, 1);
	SL_CHECK_EQ(o[2].fires + o[3].fires, 1);
	SL_CHECK_EQ(wheel.armed, 0);

	/* A later slot of the same run. */
	setup(0, o, RTE_DIM(o));
	o[0].victim = &o[1];
	obj_arm(&o[0], 1 * TICK);
	obj_arm(&o[1], 3 * TICK);
	SL_CHECK_EQ(sl_timer_run(&wheel, 5 * TICK), 1);
	SL_CHECK_EQ(o[1].fires, 0);
	SL_CHECK_EQ(wheel.armed, 0);
	SL_CHECK_EQ(wheel.fired, 1);
	return 0;
}

struct freed {
	struct sl_timer tm;
	unsigned int *count;
};

static void
free_self(struct sl_timer *t)
{
	struct freed *f = container_of(t, struct freed, tm);

	(*f->count)++;
	free(f);
}

/* Callbacks free their own timers, some next to each other in a slot. */
static int
test_free_self(void)
{
	unsigned int i, count = 0;

	sl_timer_wheel_init(&wheel, 0, TICK);
	for (i = 0; i < 100; i++) {
		struct freed *f = malloc(sizeof(*f));

		SL_CHECK(f != NULL);
		f->count = &count;
		sl_timer_init(&f->tm, free_self);
		sl_timer_arm(&wheel, &f->tm, (i % 3) * TICK + (i % 5) * REV);
	}
	SL_CHECK_EQ(sl_timer_run(&wheel, 5 * REV), 100);
	SL_CHECK_EQ(count, 100);
	SL_CHECK_EQ(wheel.armed, 0);
	return 0;
}

#define MANY 100000

/* Many random timers, runs every quarter tick: each fires once, in time. */
static int
test_many(void)
{
	struct obj *o = calloc(MANY, sizeof(*o));
	uint64_t now, s = 0x5eed, end = 3 * REV;
	unsigned int i, fired = 0;
	int rc = -1;

	if (o == NULL)
		return -1;
	setup(0, o, MANY);
	for (i = 0; i < MANY; i++)
		obj_arm(&o[i], rnd(&s) % end);
	if (wheel.armed != MANY)
		goto out;
	for (now = 0; now <= end; now += TICK / 4) {
		unsigned int n = sl_timer_run(&wheel, now);

		fired += n;
		if (wheel.armed != MANY - fired)
			goto out;
	}
	for (i = 0; i < MANY; i++)
		if (o[i].fires != 1 || o[i].fired_at < o[i].want ||
			o[i].fired_at >= o[i].want + TICK) {
			fprintf(stderr, "timer %u: want %lu fired %u at %lu\n", i,
				(unsigned long)o[i].want, o[i].fires, (unsigned long)o[i].fired_at);
			goto out;
		}
	rc = fired == MANY && wheel.fired == MANY && cb_errors == 0 ? 0 : -1;
out:
	if (rc != 0)
		fprintf(stderr, "many: armed %lu fired %u\n", (unsigned long)wheel.armed, fired);
	free(o);
	return rc;
}

/*
 * `now` leaps ahead by up to 2^40 ticks: one run fires everything due and
 * nothing else, scanning each slot once (a run per slot would not finish).
 */
static int
test_jump(void)
{
	static struct obj o[20000]; /* some in every slot */
	uint64_t s = 42, leap = (uint64_t)1 << 50;
	unsigned int i, n = 0, ran;

	setup(0, o, RTE_DIM(o));
	for (i = 0; i < RTE_DIM(o); i++)
		obj_arm(&o[i], rnd(&s) % (20 * REV));
	obj_arm(&o[0], leap + 1);	     /* just after the leap */
	obj_arm(&o[1], leap + 5 * REV + 17); /* revolutions after it */
	obj_arm(&o[2], leap);		     /* exactly at it */
	ran = sl_timer_run(&wheel, 7 * REV + 300);
	SL_CHECK(ran > 0 && ran < RTE_DIM(o) - 3);
	ran += sl_timer_run(&wheel, leap);
	SL_CHECK_EQ(ran, RTE_DIM(o) - 2);
	for (i = 0; i < RTE_DIM(o); i++)
		n += o[i].fires;
	SL_CHECK_EQ(n, RTE_DIM(o) - 2);
	SL_CHECK_EQ(wheel.armed, 2);
	SL_CHECK_EQ(sl_timer_run(&wheel, leap + TICK), 1);
	SL_CHECK_EQ(o[0].fires, 1);
	SL_CHECK_EQ(sl_timer_run(&wheel, leap + 5 * REV), 0);
	SL_CHECK_EQ(sl_timer_run(&wheel, leap + 6 * REV), 1);
	SL_CHECK_EQ(o[1].fires, 1);
	SL_CHECK_EQ(wheel.armed, 0);
	/* Nothing armed: a leap is free. */
	SL_CHECK_EQ(sl_timer_run(&wheel, 2 * leap), 0);
	obj_arm(&o[3], 2 * leap + 1);
	SL_CHECK_EQ(sl_timer_run(&wheel, 2 * leap + TICK), 1);
	return 0;
}

/*
 * After a run at `now`: what fired was armed and due, and what is still
 * armed was neither armed in the past nor in a slot `now` has passed.
 */
static int
check_model(const struct obj *o, bool *armed, const bool *past, unsigned int *fires, unsigned int n,
	uint64_t now)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		uint64_t slot_end = (o[k].want + TICK - 1) / TICK * TICK;

		if (o[k].fires != fires[k]) {
			SL_CHECK_EQ(o[k].fires, fires[k] + 1);
			SL_CHECK(armed[k]);
			SL_CHECK(o[k].want <= now);
			fires[k]++;
			armed[k] = false;
		} else if (armed[k]) {
			SL_CHECK(!past[k]);
			SL_CHECK(slot_end > now);
		}
	}
	return 0;
}

/*
 * Random arm / re-arm / cancel / run against a model: never early, never
 * lost, `armed` always exact, whatever the size of the steps.
 */
static int
test_model(void)
{
	enum { N = 512 };
	static struct obj o[N];
	static bool armed[N], past[N];
	static unsigned int fires[N];
	uint64_t s = 99, now = 5 * TICK, total = 0;
	unsigned int step, i, k, n_armed = 0;

	setup(now, o, N);
	for (step = 0; step < 200000; step++) {
		uint64_t r = rnd(&s);
		unsigned int op = (r >> 16) % 8, kind = (r >> 24) % 64;
		uint64_t d = rnd(&s);

		i = r % N;
		if (op < 4) {
			/* In the past, within revolutions, or within a few ticks. */
			uint64_t e = kind % 4 == 0   ? now - d % (now + 1)
				     : kind % 4 == 1 ? now + d % (30 * REV)
						     : now + d % (20 * TICK);

			n_armed += !armed[i];
			armed[i] = true;
			past[i] = e <= wheel.now;
			obj_arm(&o[i], e);
		} else if (op == 4) {
			n_armed -= armed[i];
			armed[i] = false;
			sl_timer_cancel(&wheel, &o[i].tm);
		} else {
			now += kind == 0 ? d % (50 * REV) : d % (3 * TICK);
			total += sl_timer_run(&wheel, now);
			SL_CHECK_EQ(check_model(o, armed, past, fires, N, now), 0);
			n_armed = 0;
			for (k = 0; k < N; k++)
				n_armed += armed[k];
		}
		SL_CHECK_EQ(wheel.armed, n_armed);
		SL_CHECK_EQ(wheel.fired, total);
	}
	SL_CHECK_EQ(cb_errors, 0);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{"fire_time", test_fire_time},
		{"fine_runs", test_fine_runs},
		{"order", test_order},
		{"rearm", test_rearm},
		{"cancel", test_cancel},
		{"past", test_past},
		{"far", test_far},
		{"periodic", test_periodic},
		{"cancel_other", test_cancel_other},
		{"free_self", test_free_self},
		{"many", test_many},
		{"jump", test_jump},
		{"model", test_model},
	};
	return sl_test_run("timer", cases, RTE_DIM(cases));
}
