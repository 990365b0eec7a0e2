// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * QNX's security-policy calls for resource managers, as QNX runs them
 * without a policy file (<secpol/secpol.h>).
 */
#include <errno.h>
#include <secpol/secpol.h>

#include "rm.h"

RM_EXPORT int secpol_resmgr_attach(secpol_file_t *handle, dispatch_t *dpp, resmgr_attr_t *attr,
				   const char *path, enum _file_type file_type, unsigned flags,
				   const resmgr_connect_funcs_t *connect_funcs,
				   const resmgr_io_funcs_t *io_funcs, iofunc_attr_t *iofunc_attr,
				   bool *perms_set)
{
	(void)handle;
	/* Unlike resmgr_attach(), a path is required. */
	if (!path) {
		errno = EINVAL;
		return -1;
	}
	if (perms_set)
		*perms_set = false;
	return resmgr_attach(dpp, attr, path, file_type, flags, connect_funcs, io_funcs,
			     iofunc_attr);
}

RM_EXPORT int secpol_transition_type(secpol_file_t *handle, const char *name, unsigned flags)
{
	(void)handle;
	(void)name;
	if (flags) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
