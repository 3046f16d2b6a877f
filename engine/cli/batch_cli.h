/*
 * batch_cli.h — the batch commands of `carebill` (SPEC §10, docs/batch.md):
 *
 *   carebill db init DB --rules RULES.xml
 *   carebill db rules DB RULES.xml
 *   carebill import DB CASE.xml...
 *   carebill batch DB --date D [--shard I/N]
 *   carebill export DB --out DIR [--run D]
 */
#ifndef CB_CLI_BATCH_H
#define CB_CLI_BATCH_H

/* Whether `cmd` (argv[1]) is one of the batch commands. */
int cb_cli_batch_handles(const char *cmd);

/* Run the batch command in argv[1]. Returns the exit status (0 ok, 1 some patient held,
 * 2 unreadable or rejected input, or a database failure), or -1 for a usage error (the
 * caller prints the usage and exits with 2). */
int cb_cli_batch_command(int argc, char **argv);

#endif
