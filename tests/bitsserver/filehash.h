/* SHA-256 of a whole file (POSIX I/O), for the server and the native tests. */
#ifndef BITSSERVER_FILEHASH_H
#define BITSSERVER_FILEHASH_H

#include "sha256.h"

/* Hashes a whole file; returns 0 or -1 (errno set). */
int sha256_file(const char *path, char hex[65]);

#endif
