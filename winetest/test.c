/* Counting and reporting for ok() (see test.h). */
#include "test.h"

#include <stdio.h>
#include <string.h>

static unsigned passes, failures;

/* Only the file name: the build directory is noise in a failure line. */
static const char *base_name(const char *file)
{
    const char *slash = strrchr(file, '/');
    const char *backslash = strrchr(file, '\\');

    if (backslash > slash)
        slash = backslash;
    return slash ? slash + 1 : file;
}

int winetest_ok(int condition, const char *file, int line, const char *format, ...)
{
    va_list args;

    if (condition) {
        passes++;
        return 1;
    }
    failures++;
    printf("%s:%d: Test failed: ", base_name(file), line);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    fflush(stdout);
    return 0;
}

void winetest_trace(const char *file, int line, const char *format, ...)
{
    va_list args;

    printf("%s:%d: ", base_name(file), line);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    fflush(stdout);
}

int winetest_summary(void)
{
    printf("%u passed, %u failed\n", passes, failures);
    fflush(stdout);
    return failures != 0;
}
