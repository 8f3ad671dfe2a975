/*
 * A tiny Wine-test style harness: ok() counts passes and failures and
 * prints every failure with file:line; winetest_summary() prints the
 * closing "N passed, N failed" line and gives the exit status.
 */
#ifndef WINETEST_TEST_H
#define WINETEST_TEST_H

#include <stdarg.h>

#if defined(__GNUC__)
#define WINETEST_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WINETEST_PRINTF(a, b)
#endif

/* Returns 'condition' so callers can skip dependent checks. */
int winetest_ok(int condition, const char *file, int line, const char *format, ...)
    WINETEST_PRINTF(4, 5);
void winetest_trace(const char *file, int line, const char *format, ...) WINETEST_PRINTF(3, 4);
/* Prints "N passed, N failed"; returns the process exit status. */
int winetest_summary(void);

#define ok(condition, ...) winetest_ok(!!(condition), __FILE__, __LINE__, __VA_ARGS__)
#define trace(...) winetest_trace(__FILE__, __LINE__, __VA_ARGS__)

#endif
