/*
 * /help and /?: the switches with their synopsis, from the command table.
 */
#include "bitsadmin.h"

void ba_print_help(void)
{
    const struct ba_command *table;
    size_t count, i;

    table = ba_command_table(&count);
    ba_print(L"USAGE: bitsadmin [/rawreturn] [/wrap | /nowrap] <switch> [arguments]\n\n"
             L"<job> is a job's display name or its GUID ({...}); a display name that\n"
             L"several jobs share must be given as the GUID.  \"NULL\" stands for an\n"
             L"absent string argument.  Switch names are not case-sensitive.\n\n");
    for (i = 0; i < count; i++)
    {
        if (!table[i].usage)
            continue;
        ba_print(L"%ls\n    %ls\n", table[i].usage, table[i].help);
    }
    ba_print(L"\n/rawreturn prints only the value of a /get switch, without the banner\n"
             L"and without a line end, for scripts.\n");
}
