#include "annotation/mask_dataset.h"

#include "annotation/label_raster_format.h"

#include <cstring>
#include <ogr_spatialref.h>

namespace segstudio {

class MaskDataset::Band : public GDALRasterBand {
public:
    Band(MaskDataset* dataset, Plane plane, const ClassPalette& palette)
        : m_plane(plane) {
        poDS = dataset;
        nBand = 1;
        eDataType = GDT_Byte;
        nBlockXSize = LabelMask::TileSize;
        nBlockYSize = LabelMask::TileSize;
        nRasterXSize = dataset->m_mask.width();
        nRasterYSize = dataset->m_mask.height();
        if (plane == Plane::Classes)
            LabelRasterFormat::fillColorTable(m_colors, palette);
    }

    CPLErr IReadBlock(int blockX, int blockY, void* buffer) override {
        const auto& mask = static_cast<MaskDataset*>(poDS)->m_mask;
        const auto tile = mask.tile(blockX, blockY);
        const bool classes = m_plane == Plane::Classes;
        if (!tile) {
            std::memset(buffer, classes ? Unlabeled : quint8(Provenance::None), MaskTile::Pixels);
            return CE_None;
        }
        std::memcpy(buffer, classes ? tile->classes.data() : tile->provenance.data(), MaskTile::Pixels);
        return CE_None;
    }

    double GetNoDataValue(int* success) override {
        if (success)
            *success = m_plane == Plane::Classes;
        return m_plane == Plane::Classes ? double(Unlabeled) : 0.0;
    }
    GDALColorInterp GetColorInterpretation() override {
        return m_plane == Plane::Classes ? GCI_PaletteIndex : GCI_GrayIndex;
    }
    GDALColorTable* GetColorTable() override { return m_plane == Plane::Classes ? &m_colors : nullptr; }

private:
    Plane m_plane;
    GDALColorTable m_colors;
};

MaskDataset::MaskDataset(const LabelMask& mask, Plane plane, const ClassPalette& palette,
                         const Georeference& georeference)
    : m_mask(mask)
    , m_georeference(georeference) {
    nRasterXSize = mask.width();
    nRasterYSize = mask.height();
    eAccess = GA_ReadOnly;
    SetBand(1, new Band(this, plane, palette));
    if (georeference.hasCrs()) {
        m_srs = new OGRSpatialReference();
        m_srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        if (m_srs->importFromWkt(georeference.crsWkt().toUtf8().constData()) != OGRERR_NONE) {
            m_srs->Release();
            m_srs = nullptr;
        }
    }
}

MaskDataset::~MaskDataset() {
    if (m_srs)
        m_srs->Release();
}

CPLErr MaskDataset::GetGeoTransform(double* transform) {
    if (!m_georeference.isValid())
        return CE_Failure;
    std::memcpy(transform, m_georeference.geoTransform().data(), 6 * sizeof(double));
    return CE_None;
}

const OGRSpatialReference* MaskDataset::GetSpatialRef() const {
    return m_srs;
}

} // namespace segstudio
