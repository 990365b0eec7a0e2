/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <secpol/secpol.h> for Linux (libchan-resmgr): the two calls of QNX 7.1/8's
 * security policies that resource managers make, as QNX behaves with no
 * policy file.  secpol_resmgr_attach() is resmgr_attach() (the attr keeps
 * its owner and mode); secpol_transition_type() succeeds and changes
 * nothing (Linux has no secpol types: use capabilities or setuid()).
 */
#ifndef _SECPOL_SECPOL_H_INCLUDED
#define _SECPOL_SECPOL_H_INCLUDED

#include <sys/types.h>
#include <sys/ftype.h>

#ifdef __cplusplus
extern "C" {
#else
#include <stdbool.h>
#endif

typedef struct _secpol_file secpol_file_t;

/* Declared by tag: which types RESMGR_HANDLE_T and RESMGR_OCB_T name is not ours to fix. */
struct _iofunc_attr;
struct _dispatch;
struct _resmgr_attr;
struct _resmgr_connect_funcs;
struct _resmgr_io_funcs;

extern int secpol_resmgr_attach(secpol_file_t *__handle, struct _dispatch *__dpp,
				struct _resmgr_attr *__attr, const char *__path,
				enum _file_type __file_type, unsigned __flags,
				const struct _resmgr_connect_funcs *__connect_funcs,
				const struct _resmgr_io_funcs *__io_funcs,
				struct _iofunc_attr *__iofunc_attr, bool *__perms_set);
extern int secpol_transition_type(secpol_file_t *__handle, const char *__name,
				  unsigned __flags);

#ifdef __cplusplus
}
#endif

#endif /* _SECPOL_SECPOL_H_INCLUDED */
