/* SPDX-License-Identifier: MIT */
/*
 * cli.h - shared pieces of the kreloc command-line tool (host only): exit
 * codes, messages, file I/O, number parsing, JSON strings, and the
 * subcommands kreloc.c dispatches to.
 *
 * A subcommand is a pair kreloc_cmd_NAME(argc, argv) / kreloc_usage_NAME(f),
 * with argv[0] the subcommand's name; it returns one of the KRELOC_EXIT_*
 * codes.  Add it to the table in kreloc.c.
 */
#ifndef KRELOC_TOOLS_CLI_H
#define KRELOC_TOOLS_CLI_H

#include <stdint.h>
#include <stdio.h>

#define KRELOC_EXIT_OK		0	/* success */
#define KRELOC_EXIT_REFUSED	1	/* an input was refused, or I/O failed */
#define KRELOC_EXIT_USAGE	2	/* bad command line */

/** cli_err() - print "kreloc CMD: message" on stderr. */
void cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** cli_err_kreloc() - print "kreloc CMD: WHAT: <kreloc_strerror> (<errname>)". */
void cli_err_kreloc(const char *cmd, const char *what, int err);

/**
 * cli_read_file() - read a whole file into memory from malloc().
 * Return: 0 (caller frees *@buf), or -1 after printing why.
 */
int cli_read_file(const char *cmd, const char *path, uint8_t **buf, size_t *len);

/**
 * cli_write_atomic() - write @len bytes to @path through a temporary file in
 * the same directory, fsync()ed and rename()d over @path (mode 0666 & ~umask).
 * Return: 0, or -1 after printing why; @path is then untouched.
 */
int cli_write_atomic(const char *cmd, const char *path, const uint8_t *buf, size_t len);

/** cli_parse_size() - number (C syntax, 0x ok) with optional K/M/G/T suffix. 0 or -1. */
int cli_parse_size(const char *s, uint64_t *out);

/**
 * cli_parse_cpus() - the argument of --cpus (pack, load, plan --live): a
 * decimal 1..KRELOC_OPT_CPUS_MAX, set into @options' KRELOC_OPT_CPUS field.
 * Return: 0, or KRELOC_EXIT_USAGE after saying why (@options untouched).
 */
int cli_parse_cpus(const char *cmd, const char *s, uint64_t *options);

/** cli_hex() - @n bytes as 2n lowercase hex digits plus a NUL into @out. */
void cli_hex(char *out, const uint8_t *p, size_t n);

/** cli_json_str() / cli_json_cstr() - a JSON string literal, escaped. */
void cli_json_str(FILE *f, const char *s, size_t n);
void cli_json_cstr(FILE *f, const char *s);

int kreloc_cmd_pack(int argc, char **argv);
void kreloc_usage_pack(FILE *f);
int kreloc_cmd_inspect(int argc, char **argv);
void kreloc_usage_inspect(FILE *f);
int kreloc_cmd_plan(int argc, char **argv);
void kreloc_usage_plan(FILE *f);
int kreloc_cmd_verify(int argc, char **argv);
void kreloc_usage_verify(FILE *f);
int kreloc_cmd_map(int argc, char **argv);
void kreloc_usage_map(FILE *f);
/* cmd_live.c: kexec from a running Linux (os.h, live.h) */
int kreloc_cmd_load(int argc, char **argv);
void kreloc_usage_load(FILE *f);
int kreloc_cmd_exec(int argc, char **argv);
void kreloc_usage_exec(FILE *f);
int kreloc_cmd_unload(int argc, char **argv);
void kreloc_usage_unload(FILE *f);
int kreloc_cmd_status(int argc, char **argv);
void kreloc_usage_status(FILE *f);
/* cmd_report.c: the hand-off's phases across the reboot (phases.h) */
int kreloc_cmd_stamp(int argc, char **argv);
void kreloc_usage_stamp(FILE *f);
int kreloc_cmd_report(int argc, char **argv);
void kreloc_usage_report(FILE *f);
int kreloc_cmd_plan_live(int argc, char **argv);	/* `kreloc plan --live` */
void kreloc_usage_plan_live(FILE *f);

#endif /* KRELOC_TOOLS_CLI_H */
