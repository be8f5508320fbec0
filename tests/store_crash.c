/* Store crash test: a child process writes records under load in group
 * commits and reports each commit on a pipe only after store_flush() said
 * it is committed; the parent kills it with SIGKILL at a random moment,
 * reopens the store and checks that every reported record is there and
 * that no record anywhere is partial. Repeats for ROUNDS rounds.
 *
 *   store-crash DIR [ROUNDS [SEED]]
 *
 * Ends with "store crash: N passed, N failed" style totals on stdout. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/rec.h"
#include "core/store.h"

#define REC_V1 1
#define MAX_PAYLOAD 3000

static uint32_t fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ b[i]) * 16777619u;
	}
	return h;
}

static void key_of(uint32_t seq, char *k, size_t cap)
{
	snprintf(k, cap, "rec/%010u", seq);
}

/* version, seq, payload (length varies with seq), checksum of all before */
static void encode(uint32_t seq, struct buf *b)
{
	char payload[MAX_PAYLOAD];
	size_t n = (seq * 7919u) % MAX_PAYLOAD;

	for (size_t i = 0; i < n; i++) {
		payload[i] = (char)('a' + (seq + i) % 26);
	}
	buf_put_be8(b, REC_V1);
	buf_put_be32(b, seq);
	rec_put_str(b, str_make(payload, n));
	buf_put_be32(b, fnv1a(b->p, b->len));
}

static int valid(struct str v, uint32_t want_seq)
{
	struct rec_rd r;
	struct str payload;
	uint32_t seq;

	rec_rd_init(&r, v);
	if (rec_get_u8(&r) != REC_V1) {
		return 0;
	}
	seq = rec_get_u32(&r);
	payload = rec_get_str(&r);
	size_t body = (size_t)((const char *)r.p - v.p);
	uint32_t sum = rec_get_u32(&r);
	if (rec_rd_err(&r) || r.p != r.end || seq != want_seq || sum != fnv1a(v.p, body)) {
		return 0;
	}
	return payload.len == (seq * 7919u) % MAX_PAYLOAD;
}

static struct store *open_or_die(const char *dir)
{
	char why[256];
	int err;
	struct store *st = store_open(dir, 64, NULL, &err, why, sizeof(why));
	if (!st) {
		fprintf(stderr, "store-crash: %s\n", why);
		exit(2);
	}
	return st;
}

static void child(const char *dir, uint32_t next, int wfd, unsigned seed)
{
	struct store *st = open_or_die(dir);
	char mem[MAX_PAYLOAD + 64];
	char key[32];
	struct buf b;

	srand(seed);
	for (;;) {
		uint32_t group = 1 + (uint32_t)(rand() % 40);
		for (uint32_t i = 0; i < group; i++, next++) {
			buf_init(&b, mem, sizeof(mem));
			encode(next, &b);
			key_of(next, key, sizeof(key));
			if (store_put(st, STORE_DB_MESSAGES, str_cstr(key), buf_str(&b)) < 0) {
				_exit(3);
			}
		}
		if (rand() % 8 == 0) {
			store_mark_durable(st);
		}
		if (store_flush(st) < 0) {
			_exit(3);
		}
		uint32_t committed = next - 1;
		if (write(wfd, &committed, sizeof(committed)) != sizeof(committed)) {
			_exit(4);
		}
	}
}

struct verify {
	uint32_t expect;
	uint32_t bad;
	uint32_t count;
};

static int check_one(void *arg, struct str key, struct str val)
{
	struct verify *v = arg;
	char want[32];

	v->expect++;
	key_of(v->expect, want, sizeof(want));
	/* keys are contiguous from 1: a gap would be a lost commit */
	if (!str_eq(key, str_cstr(want)) || !valid(val, v->expect)) {
		fprintf(stderr, "store-crash: bad record at %.*s (expected %s)\n", STR_FMT(key),
			want);
		v->bad++;
		return 1;
	}
	v->count++;
	return 0;
}

static int verify_round(struct store *st, struct verify *v)
{
	struct store_txn *t = store_loop_txn(st);
	v->expect = 0;
	v->bad = 0;
	v->count = 0;
	store_txn_scan(t, STORE_DB_MESSAGES, STR("rec/"), check_one, v);
	return v->bad == 0;
}

int main(int argc, char **argv)
{
	const char *dir;
	int rounds;
	unsigned seed;
	unsigned passed = 0, failed = 0;
	uint32_t reported_max = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: store-crash DIR [ROUNDS [SEED]]\n");
		return 2;
	}
	dir = argv[1];
	rounds = argc > 2 ? atoi(argv[2]) : 20;
	seed = argc > 3 ? (unsigned)atoi(argv[3]) : (unsigned)time(NULL);
	srand(seed);
	printf("store-crash: %d rounds, seed %u\n", rounds, seed);

	for (int round = 0; round < rounds; round++) {
		struct verify v;
		struct store *st = open_or_die(dir);
		int fds[2];
		pid_t pid;
		uint32_t c, reported = 0;
		int ok = verify_round(st, &v);
		uint32_t have = v.count;

		store_close(st); /* the child must be the only process with it open */
		if (!ok || have < reported_max) {
			printf("FAIL - round %d: %u records, %u reported committed, %u bad\n",
				round, have, reported_max, v.bad);
			failed++;
			break;
		}
		if (pipe(fds) < 0) {
			perror("pipe");
			return 2;
		}
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			child(dir, have + 1, fds[1], seed + (unsigned)round);
		}
		close(fds[1]);
		usleep((useconds_t)(20000 + rand() % 180000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		while (read(fds[0], &c, sizeof(c)) == sizeof(c)) {
			reported = c;
		}
		close(fds[0]);
		if (reported > reported_max) {
			reported_max = reported;
		}
		passed++;
	}
	if (!failed) {
		struct verify v;
		struct store *st = open_or_die(dir);
		if (verify_round(st, &v) && v.count >= reported_max) {
			printf("ok - %u records, %u reported committed, all present and whole\n",
				v.count, reported_max);
		} else {
			printf("FAIL - final check: %u records, %u reported committed\n", v.count,
				reported_max);
			failed++;
			passed--;
		}
		store_close(st);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
