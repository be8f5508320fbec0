/* Administrative subcommands: `sipbox [--data DIR] COMMAND ...`. They work
 * on the store directly, whether the server runs or not (LMDB is safe
 * across processes); each says in its output when a running server sees
 * the change. Errors: one line on stderr and exit status 2. */
#ifndef CORE_CLI_H
#define CORE_CLI_H

/* argv[0] is the command. Returns the process exit status. */
int cli_run(const char *data_dir, int argc, char **argv);
/* One line per command, for --help. */
extern const char cli_usage[];

#endif
