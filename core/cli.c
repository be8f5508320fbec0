#include "core/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autoconf.h"
#include "core/settings.h"
#include "core/store.h"
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

static const struct cli_cmd cmds[] = {
	{ "settings", cmd_settings, "settings show | settings set NAME VALUE" },
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
