/*
 * Names for BITS enum values and HRESULTs, for tools that show them to
 * people (bitsctl, bitsadmin, logs).
 *
 * Plain C, no OS headers: built by gcc and x86_64-w64-mingw32-gcc alike.
 * Enum names are the documented ones without their prefix
 * (BG_JOB_STATE_TRANSFERRING -> "TRANSFERRING"); every lookup returns NULL
 * for a value it does not know, so callers decide how to show those.
 */
#ifndef BITSNAMES_H
#define BITSNAMES_H

#include <stddef.h>
#include <stdint.h>

/* Room for the longest text bn_hresult_format writes, NUL included. */
#define BN_HRESULT_TEXT_MAX 96

const char *bn_state_name(uint32_t state);          /* BG_JOB_STATE_* */
const char *bn_type_name(uint32_t type);            /* BG_JOB_TYPE_* */
const char *bn_priority_name(uint32_t priority);    /* BG_JOB_PRIORITY_* */
const char *bn_context_name(uint32_t context);      /* BG_ERROR_CONTEXT_* */
const char *bn_proxy_usage_name(uint32_t usage);    /* BG_JOB_PROXY_USAGE_* */

/* States in which a job no longer moves by itself: TRANSFERRED, ERROR and the
 * final ACKNOWLEDGED and CANCELLED.  1 or 0. */
int bn_state_is_resting(uint32_t state);

/* The symbolic name of an HRESULT ("BG_E_NOT_FOUND", "E_INVALIDARG", "S_OK"),
 * or NULL.  BG_E_HTTP_ERROR_nnn has no fixed string: use bn_hresult_format. */
const char *bn_hresult_name(int32_t hr);

/* Writes "0x80190194 (BG_E_HTTP_ERROR_404)", or just "0x8BADF00D" when the
 * value has no name, into out (truncated to size) and returns out. */
char *bn_hresult_format(int32_t hr, char *out, size_t size);

/* Writes only the name part ("BG_E_HTTP_ERROR_404") into out and returns
 * out, or returns NULL (out untouched) when the value has no name. */
char *bn_hresult_symbol(int32_t hr, char *out, size_t size);

#endif
