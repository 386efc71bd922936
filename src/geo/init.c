/* SPDX-License-Identifier: Apache-2.0 */
/* One-time GDAL set-up (drivers registered once, GDAL kept off our stderr) and small helpers. */
/* GDAL's VSIStatBufL is struct stat64, which glibc declares only for this. */
#define _LARGEFILE64_SOURCE 1

#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "geo/geo.h"
#include "geo/geo_internal.h"

#include "core/banned.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* GDAL keeps the last message per thread (CPLGetLastErrorMsg) before it calls the handler, so the
 * handler only has to stay silent: messages reach people through our hv_err, named by file and
 * row, not as stray lines on stderr. */
static void quiet_handler(CPLErr cls, CPLErrorNum num, const char *msg)
{
	(void)cls;
	(void)num;
	(void)msg;
}

static void init_gdal(void)
{
	CPLSetErrorHandler(quiet_handler);
	/* WKT (our CSV exports' geometry column) with 17 significant digits, so every double reads
	 * back exactly; GDAL's default of 15 moves vertices by up to 1e-13 degree. GDAL reads this
	 * once, at its first WKT, so it is set before anything else. */
	CPLSetConfigOption("OGR_WKT_PRECISION", "17");
	GDALAllRegister();
}

void hv_geo_init(void)
{
	pthread_once(&init_once, init_gdal);
}

const char *hv_geo_gdal_msg(void)
{
	const char *m = CPLGetLastErrorMsg();

	return (m && *m) ? m : "no detail from GDAL";
}

OGRSpatialReferenceH hv_geo_srs_epsg(int epsg)
{
	OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);

	if (OSRImportFromEPSG(s, epsg) != OGRERR_NONE) {
		OSRRelease(s);
		return NULL;
	}
	OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
	return s;
}

int hv_geo_mem_file(const char *name, const void *data, size_t len, struct hv_err *err)
{
	GByte *copy;
	VSILFILE *f;

	hv_geo_init();
	if (!name || strncmp(name, "/vsimem/", 8) != 0)
		return hv_err_set(err, HV_EINVAL, "%s: an in-memory file name starts with /vsimem/",
				  name ? name : "(null)");
	/* GDAL takes ownership of a copy it allocated (CPLMalloc aborts when out of memory), so the
	 * caller's bytes need not outlive the file. */
	copy = CPLMalloc(len ? len : 1);
	if (len)
		memcpy(copy, data, len);
	f = VSIFileFromMemBuffer(name, copy, (vsi_l_offset)len, TRUE);
	if (!f) {
		CPLFree(copy);
		return hv_err_set(err, HV_EIO, "%s: cannot create the in-memory file", name);
	}
	VSIFCloseL(f);
	return HV_OK;
}

void hv_geo_mem_file_remove(const char *name)
{
	if (name && strncmp(name, "/vsimem/", 8) == 0)
		VSIUnlink(name);
}

bool hv_geo_path_stat(const char *path, bool *empty, bool *is_dir)
{
	VSIStatBufL st;
	int flags = VSI_STAT_EXISTS_FLAG | VSI_STAT_NATURE_FLAG | VSI_STAT_SIZE_FLAG;

	if (VSIStatExL(path, &st, flags) != 0)
		return false;
	if (empty)
		*empty = S_ISREG(st.st_mode) && st.st_size == 0;
	if (is_dir)
		*is_dir = S_ISDIR(st.st_mode);
	return true;
}
