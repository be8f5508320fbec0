#include "core/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "core/settings.h"
#include "core/store.h"
#include "core/users.h"
#include "sip/location.h"
#include "sip/ringplan.h"
#if ENABLE_TLS
#include "core/cert.h"
#endif

/* A PEM file larger than this is not a certificate chain. */
#define CLI_PEM_MAX (64 * 1024)

struct cli_cmd {
	const char *name;
	int (*run)(struct store *st, int argc, char **argv);
	const char *usage;
};

const char cli_usage[] =
	"  settings show               every setting with its value\n"
	"  settings set NAME VALUE     change one (SIGHUP makes a running server use it)\n"
	"  user add USER [--password PW]\n"
	"                              add a user (without --password: the password is\n"
	"                              read from standard input, one line)\n"
	"  user passwd USER [--password PW]\n"
	"                              change a user's password\n"
	"  user del USER               delete a user\n"
	"  user list                   every user with the date it was added\n"
	"  user show USER              a user and the devices registered now\n"
	"  user ring-plan USER         the order in which a call rings the user's devices\n"
	"  user ring-plan USER set GROUP...\n"
	"                              set it: each GROUP is DEV[,DEV...][/SECONDS]\n"
	"                              (DEV: urn:uuid:..., sip:... or *), the last may\n"
	"                              be @OTHERUSER[/SECONDS]; 20 s unless given\n"
	"  user ring-plan USER clear   remove it (devices ring by q-value)\n"
#if ENABLE_TLS
	"  cert show                   the TLS certificate in the store\n"
	"  cert import CHAIN.pem [KEY.pem]\n"
	"                              use an admin's EC P-256 certificate chain and key\n"
	"                              (the key may be in CHAIN.pem); SIGHUP makes a\n"
	"                              running server use it\n"
#endif
	"";

static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "sipbox: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 2;
}

#if ENABLE_TLS
/* Reads a whole small file; NULL with errno on failure. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0;

	if (!f) {
		return NULL;
	}
	p = malloc(CLI_PEM_MAX + 1);
	if (p) {
		n = fread(p, 1, CLI_PEM_MAX + 1, f);
		if (ferror(f) || n > CLI_PEM_MAX) {
			free(p);
			p = NULL;
			errno = ferror(f) ? EIO : EFBIG;
		}
	}
	fclose(f);
	*len = n;
	return p;
}

static void print_info(const struct cert_info *ci)
{
	char from[32], until[32];
	time_t a = (time_t)ci->not_before, b = (time_t)ci->not_after;
	struct tm tm;

	strftime(from, sizeof(from), "%Y-%m-%d", gmtime_r(&a, &tm));
	strftime(until, sizeof(until), "%Y-%m-%d", gmtime_r(&b, &tm));
	printf("%s certificate: CN=%s, subjectAltName %s, valid %s to %s, chain of %u\n",
		ci->imported ? "imported" : "self-signed", ci->cn, ci->san[0] ? ci->san : "(none)",
		from, until, ci->chain_len);
}

static int cert_show(struct store *st)
{
	struct cert_info ci;
	int rc = cert_info_get(store_loop_txn(st), &ci);

	if (rc == -ENOENT) {
		printf("no certificate yet: one is made for the domain when sipbox starts with "
		       "--sips\n");
		return 0;
	}
	if (rc < 0) {
		return fail("cert show: the stored certificate is unreadable%s%s", "", "");
	}
	print_info(&ci);
	return 0;
}

static int cmd_cert(struct store *st, int argc, char **argv)
{
	char why[256];
	char *chain;
	char *key = NULL;
	size_t chain_len;
	size_t key_len = 0;
	int rc;

	if (argc == 2 && strcmp(argv[1], "show") == 0) {
		return cert_show(st);
	}
	if (argc < 3 || argc > 4 || strcmp(argv[1], "import") != 0) {
		return fail("cert: expected 'cert show' or 'cert import CHAIN.pem [KEY.pem]'%s%s",
			"", "");
	}
	chain = slurp(argv[2], &chain_len);
	if (!chain) {
		return fail("cert import: %s: %s", argv[2], strerror(errno));
	}
	if (argc == 4) {
		key = slurp(argv[3], &key_len);
		if (!key) {
			free(chain);
			return fail("cert import: %s: %s", argv[3], strerror(errno));
		}
	}
	rc = cert_import_pem(st, chain, chain_len, key, key_len, why, sizeof(why));
	if (rc == 0) {
		rc = store_flush(st);
		snprintf(why, sizeof(why), "%s", rc < 0 ? store_strerror(rc) : "");
	}
	if (key) {
		explicit_bzero(key, key_len);
	}
	free(chain);
	free(key);
	if (rc < 0) {
		return fail("cert import: %s%s", why, "");
	}
	cert_show(st);
	printf("a running sipbox uses it after SIGHUP\n");
	return 0;
}
#endif

static int cmd_settings(struct store *st, int argc, char **argv)
{
	const struct settings_def *d;
	const char *why;
	int rc;

	if (argc == 2 && strcmp(argv[1], "show") == 0) {
		for (size_t i = 0; i < settings_n_defs; i++) {
			char val[SETTINGS_VALUE_MAX + 1];
			d = &settings_defs[i];
			if (settings_get(store_loop_txn(st), d->name, val, sizeof(val)) < 0) {
				if (d->kind == SETTINGS_KIND_UINT) {
					snprintf(val, sizeof(val), "%u (default)", d->def);
				} else {
					snprintf(val, sizeof(val), "(not set)");
				}
			}
			printf("%-12s %-24s %s\n", d->name, val, d->help);
		}
		return 0;
	}
	if (argc != 4 || strcmp(argv[1], "set") != 0) {
		return fail("settings: expected 'settings show' or 'settings set NAME VALUE'%s%s",
			"", "");
	}
	d = settings_find(argv[2]);
	if (!d) {
		return fail("settings set: no setting '%s' (see 'settings show')%s", argv[2], "");
	}
	if (settings_check(d, argv[3], &why) < 0) {
		if (d->kind == SETTINGS_KIND_UINT) {
			char range[64];
			snprintf(range, sizeof(range), "%s: from %u to %u", why, d->min, d->max);
			return fail("settings set %s: %s", d->name, range);
		}
		return fail("settings set %s: %s", d->name, why);
	}
	if (d->kind == SETTINGS_KIND_DOMAIN) {
		char old[SETTINGS_VALUE_MAX + 1];
		char busy[256];
		if (settings_get(store_loop_txn(st), d->name, old, sizeof(old)) < 0) {
			old[0] = '\0';
		}
		if (users_domain_change_check(store_loop_txn(st), str_cstr(old), str_cstr(argv[3]),
			    busy, sizeof(busy)) < 0) {
			return fail("settings set %s: %s", d->name, busy);
		}
	}
	rc = settings_put(st, d->name, str_cstr(argv[3]));
	if (rc == 0) {
		rc = store_flush(st);
	}
	if (rc < 0) {
		return fail("settings set: %s%s", store_strerror(rc), "");
	}
	printf("%s = %s (a running sipbox uses it after SIGHUP)\n", d->name, argv[3]);
	return 0;
}

/* One line of standard input into pw (NUL-terminated, newline removed);
 * on a terminal, a prompt on stderr and no echo. Returns the length, or
 * -E2BIG, -EIO. */
static int password_read(const char *user, char *pw, size_t cap)
{
	struct termios saved;
	struct termios quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	size_t n;
	bool whole;

	if (tty) {
		fprintf(stderr, "password for %s: ", user);
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (!fgets(pw, (int)cap, stdin)) {
		pw[0] = '\0';
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		fputc('\n', stderr);
	}
	n = strlen(pw);
	whole = (n > 0 && pw[n - 1] == '\n') || feof(stdin);
	if (ferror(stdin)) {
		return -EIO;
	}
	if (!whole) {
		return -E2BIG;
	}
	while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r')) {
		pw[--n] = '\0';
	}
	return (int)n;
}

static int user_list_one(void *arg, struct str name, const struct users_user *u)
{
	char when[32] = "(unreadable record)";
	struct tm tm;
	time_t t;

	(void)arg;
	if (u) {
		t = (time_t)u->created;
		strftime(when, sizeof(when), "added %Y-%m-%d %H:%M:%SZ", gmtime_r(&t, &tm));
	}
	printf("%.*s\t%s\n", STR_FMT(name), when);
	return 0;
}

static int user_list(struct store *st)
{
	int rc;

	if (users_count(store_loop_txn(st)) == 0) {
		printf("no users yet: add one with 'sipbox user add USER'\n");
		return 0;
	}
	rc = users_list(store_loop_txn(st), user_list_one, NULL);
	if (rc < 0) {
		return fail("user list: %s%s", store_strerror(rc), "");
	}
	return 0;
}

static const char *const proto_names[] = { "?", "udp", "tcp", "tls" };

/* One line per binding, for people and for scripts (the interop tests
 * read it): binding <URI> expires=S q=Q transport=T source=A
 * [instance=I] [reg-id=N] [path=P] ua="U" */
static int user_show(struct store *st, const char *name)
{
	struct store_txn *t = store_loop_txn(st);
	uint64_t now = (uint64_t)time(NULL);
	struct location_aor aor;
	struct users_user u;
	int rc = users_get(t, str_cstr(name), &u);

	if (rc == -ENOENT) {
		return fail("user show: no user '%s'%s", name, "");
	}
	if (rc < 0) {
		return fail("user show: %s%s", store_strerror(rc), "");
	}
	user_list_one(NULL, str_cstr(name), &u);
	rc = location_get(t, str_cstr(name), now, &aor);
	if (rc < 0) {
		return fail("user show: the bindings of %s: %s", name, store_strerror(rc));
	}
	if (aor.n == 0) {
		printf("no devices registered\n");
	}
	for (unsigned i = 0; i < aor.n; i++) {
		const struct location_binding *b = &aor.b[i];
		char q[8] = "-";
		if (b->q != LOCATION_Q_NONE) {
			snprintf(q, sizeof(q), "%u.%03u", b->q / 1000, b->q % 1000);
			for (size_t k = strlen(q) - 1; q[k] == '0' && q[k - 1] != '.'; k--) {
				q[k] = '\0';
			}
		}
		printf("binding <%.*s> expires=%llu q=%s transport=%s source=%.*s", STR_FMT(b->uri),
			(unsigned long long)(b->expires - now), q,
			proto_names[b->proto < 4 ? b->proto : 0], STR_FMT(b->source));
		if (b->instance.len) {
			printf(" instance=%.*s", STR_FMT(b->instance));
		}
		if (b->reg_id) {
			printf(" reg-id=%u", b->reg_id);
		}
		if (b->path.len) {
			printf(" path=%.*s", STR_FMT(b->path));
		}
		printf(" ua=\"%.*s\"\n", STR_FMT(b->user_agent));
	}
	return 0;
}

static int user_del(struct store *st, const char *name)
{
	int rc = users_del(st, str_cstr(name));

	if (rc == 0) {
		rc = store_flush(st);
	}
	if (rc == -ENOENT) {
		return fail("user del: no user '%s'%s", name, "");
	}
	if (rc < 0) {
		return fail("user del: %s%s", store_strerror(rc), "");
	}
	printf("user %s deleted (a running sipbox sees it at once)\n", name);
	return 0;
}

/* user add / user passwd: the realm, the password, the write. */
static int user_set(struct store *st, bool add, const char *name, const char *arg_pw)
{
	const char *verb = add ? "user add" : "user passwd";
	char realm[SETTINGS_VALUE_MAX + 1];
	char pw[USERS_PASSWORD_MAX + 2];
	struct users_user u;
	int len;
	int rc;

	if (!users_name_valid(str_cstr(name))) {
		return fail("%s: '%s' is not a valid user name (1 to 64 letters, digits or "
			    "-_.!~*'()&=+$,;?)",
			verb, name);
	}
	rc = settings_get(store_loop_txn(st), SETTINGS_DOMAIN, realm, sizeof(realm));
	if (rc == -ENOENT || (rc == 0 && !realm[0])) {
		return fail("%s: the password is bound to the realm, the domain: set the domain "
			    "first: sipbox settings set domain NAME%s",
			verb, "");
	}
	if (rc < 0) {
		return fail("%s: the domain setting is unreadable: %s", verb, store_strerror(rc));
	}
	rc = users_get(store_loop_txn(st), str_cstr(name), &u);
	if (add && rc == 0) {
		return fail("user add: user '%s' exists (change the password with 'user passwd "
			    "%s')",
			name, name);
	}
	if (!add && rc == -ENOENT) {
		return fail("user passwd: no user '%s'%s", name, "");
	}
	explicit_bzero(&u, sizeof(u));
	if (arg_pw) {
		len = snprintf(pw, sizeof(pw), "%s", arg_pw);
		len = len > USERS_PASSWORD_MAX ? -E2BIG : len;
	} else {
		len = password_read(name, pw, sizeof(pw));
	}
	if (len < 0) {
		rc = len;
	} else if (len == 0) {
		rc = -EINVAL;
	} else if (add) {
		rc = users_add(st, str_cstr(name), str_cstr(realm), str_make(pw, (size_t)len),
			(uint64_t)time(NULL));
	} else {
		rc = users_set_password(
			st, str_cstr(name), str_cstr(realm), str_make(pw, (size_t)len));
	}
	explicit_bzero(pw, sizeof(pw));
	if (rc == 0) {
		rc = store_flush(st);
	}
	if (rc == -EINVAL) {
		return fail("%s: empty password%s", verb, "");
	}
	if (rc == -E2BIG) {
		return fail("%s: password longer than 256 bytes%s", verb, "");
	}
	if (rc == -EIO) {
		return fail("%s: cannot read the password from standard input%s", verb, "");
	}
	if (rc < 0) {
		return fail("%s: %s", verb, store_strerror(rc));
	}
	printf("user %s %s (realm %s; a running sipbox sees it at once)\n", name,
		add ? "added" : "has a new password", realm);
	return 0;
}

/* The user must exist for every ring-plan command. */
static int ring_plan_user(struct store *st, const char *verb, const char *name)
{
	struct users_user u;
	int rc = users_get(store_loop_txn(st), str_cstr(name), &u);

	explicit_bzero(&u, sizeof(u));
	if (rc == -ENOENT) {
		return fail("%s: no user '%s'", verb, name);
	}
	if (rc < 0) {
		return fail("%s: %s", verb, store_strerror(rc));
	}
	return 0;
}

static int ring_plan_print(const struct ringplan *p)
{
	char mem[RINGPLAN_TEXT_MAX + 1];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	ringplan_format(p, &b);
	printf("%s\n", buf_cstr(&b));
	return 0;
}

static int ring_plan_show(struct store *st, const char *name)
{
	struct ringplan p;
	int rc = ring_plan_user(st, "user ring-plan", name);

	if (rc) {
		return rc;
	}
	rc = ringplan_get(store_loop_txn(st), str_cstr(name), &p);
	if (rc == -ENOENT) {
		printf("no ring plan: devices ring by q-value\n");
		return 0;
	}
	if (rc < 0) {
		return fail("user ring-plan: the ring plan of %s is unreadable: %s", name,
			store_strerror(rc));
	}
	return ring_plan_print(&p);
}

/* argv: the groups, joined with spaces (one argument may hold several). */
static int ring_plan_set(struct store *st, const char *name, int argc, char **argv)
{
	static const char verb[] = "user ring-plan set";
	char mem[RINGPLAN_TEXT_MAX + 1];
	char nu[USERS_NAME_MAX + 1];
	struct ringplan p;
	struct buf b;
	const char *why;
	int rc = ring_plan_user(st, verb, name);

	if (rc) {
		return rc;
	}
	buf_init(&b, mem, sizeof(mem));
	for (int i = 0; i < argc; i++) {
		if (i) {
			buf_put_char(&b, ' ');
		}
		buf_put_cstr(&b, argv[i]);
	}
	if (b.err || b.len > RINGPLAN_TEXT_MAX) {
		return fail("%s: the ring plan is longer than its limit (16 devices of up to 256 "
			    "characters)%s",
			verb, "");
	}
	if (ringplan_parse(buf_str(&b), &p, &why) < 0) {
		return fail("%s: %s", verb, why);
	}
	if (p.next_user.len) {
		struct users_user u;
		str_copy_cstr(p.next_user, nu, sizeof(nu));
		if (strcmp(nu, name) == 0) {
			return fail("%s: @%s is the user itself: the last group rings another user",
				verb, nu);
		}
		rc = users_get(store_loop_txn(st), p.next_user, &u);
		explicit_bzero(&u, sizeof(u));
		if (rc == -ENOENT) {
			return fail("%s: no user '%s' (the @USER group)", verb, nu);
		}
		if (rc < 0) {
			return fail("%s: %s", verb, store_strerror(rc));
		}
	}
	rc = ringplan_put(st, str_cstr(name), &p);
	if (rc == 0) {
		rc = store_flush(st);
	}
	if (rc < 0) {
		return fail("%s: %s", verb, store_strerror(rc));
	}
	printf("ring plan of %s: ", name);
	return ring_plan_print(&p);
}

static int ring_plan_clear(struct store *st, const char *name)
{
	int rc = ring_plan_user(st, "user ring-plan clear", name);

	if (rc) {
		return rc;
	}
	rc = ringplan_del(st, str_cstr(name));
	if (rc == -ENOENT) {
		printf("%s has no ring plan: devices ring by q-value\n", name);
		return 0;
	}
	if (rc == 0) {
		rc = store_flush(st);
	}
	if (rc < 0) {
		return fail("user ring-plan clear: %s%s", store_strerror(rc), "");
	}
	printf("ring plan of %s removed: devices ring by q-value\n", name);
	return 0;
}

static int user_ring_plan(struct store *st, int argc, char **argv)
{
	if (argc == 3) {
		return ring_plan_show(st, argv[2]);
	}
	if (argc == 4 && strcmp(argv[3], "clear") == 0) {
		return ring_plan_clear(st, argv[2]);
	}
	if (argc >= 5 && strcmp(argv[3], "set") == 0) {
		return ring_plan_set(st, argv[2], argc - 4, argv + 4);
	}
	return fail("user ring-plan: expected 'user ring-plan USER', 'user ring-plan USER set "
		    "GROUP...' or 'user ring-plan USER clear'%s%s",
		"", "");
}

static int cmd_user(struct store *st, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	bool set = strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0;

	if (argc == 2 && strcmp(sub, "list") == 0) {
		return user_list(st);
	}
	if (argc == 3 && strcmp(sub, "show") == 0) {
		return user_show(st, argv[2]);
	}
	if (argc == 3 && strcmp(sub, "del") == 0) {
		return user_del(st, argv[2]);
	}
	if (argc >= 3 && strcmp(sub, "ring-plan") == 0) {
		return user_ring_plan(st, argc, argv);
	}
	if (set && argc == 3) {
		return user_set(st, sub[0] == 'a', argv[2], NULL);
	}
	if (set && argc == 5 && strcmp(argv[3], "--password") == 0) {
		return user_set(st, sub[0] == 'a', argv[2], argv[4]);
	}
	return fail("user: expected 'user add|passwd USER [--password PW]', 'user del USER', "
		    "'user list|show' or 'user ring-plan USER ...'%s%s",
		"", "");
}

static const struct cli_cmd cmds[] = {
	{ "settings", cmd_settings, "settings show | settings set NAME VALUE" },
	{ "user", cmd_user,
		"user add|passwd USER [--password PW] | user del|show USER | user list | "
		"user ring-plan USER [set GROUP... | clear]" },
#if ENABLE_TLS
	{ "cert", cmd_cert, "cert show | cert import CHAIN.pem [KEY.pem]" },
#endif
	{ NULL, NULL, NULL },
};

int cli_run(const char *data_dir, int argc, char **argv)
{
	char why[256];
	struct store *st;
	int err;
	int status;

	for (const struct cli_cmd *c = cmds; c->name; c++) {
		if (strcmp(argv[0], c->name) != 0) {
			continue;
		}
		st = store_open(data_dir, CONFIG_STORE_MAP_SIZE_MB, NULL, &err, why, sizeof(why));
		if (!st) {
			return fail("%s%s", why, "");
		}
		status = c->run(st, argc, argv);
		store_close(st);
		return status;
	}
	return fail("unknown command '%s' (see --help)%s", argv[0], "");
}
