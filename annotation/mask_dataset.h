#pragma once

#include "annotation/class_palette.h"
#include "annotation/georeference.h"
#include "annotation/label_mask.h"

#include <gdal_priv.h>

namespace segstudio {

// A LabelMask seen through GDAL: a one-band Byte raster of 256² blocks, each block read straight
// from the mask tile of the same position. Handing it to GDALCreateCopy writes PNG or a tiled
// GeoTIFF one block at a time, so no whole-image buffer exists however large the mask is. The
// band is either the classes (with the palette as colour table and nodata 255) or the
// provenance. Private to the mask file code; reads a snapshot, so it may run on any thread.
class MaskDataset : public GDALDataset {
public:
    enum class Plane { Classes, Provenance };

    MaskDataset(const LabelMask& mask, Plane plane, const ClassPalette& palette,
                const Georeference& georeference);
    ~MaskDataset() override;

    CPLErr GetGeoTransform(double* transform) override;
    const OGRSpatialReference* GetSpatialRef() const override;

private:
    class Band;
    const LabelMask& m_mask;
    Georeference m_georeference;
    OGRSpatialReference* m_srs = nullptr;
};

} // namespace segstudio
