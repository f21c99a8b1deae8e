#include "annotation/mask_files.h"

#include "annotation/gdal_errors.h"
#include "annotation/gdal_setup.h"
#include "annotation/label_raster_format.h"
#include "annotation/mask_dataset.h"
#include "annotation/mask_reader.h"
#include "annotation/qgis_style.h"
#include "annotation/source_policy.h"
#include "annotation/tile_store.h"
#include "storage/atomic_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QObject>
#include <algorithm>
#include <cmath>
#include <cpl_conv.h>
#include <cpl_string.h>
#include <cstdio>
#include <gdal.h>
#include <map>
#include <unistd.h>
#include <vector>

namespace segstudio::MaskFiles {
namespace {

constexpr int StripRows = LabelMask::TileSize;

QString fileName(const QString& path) {
    return QFileInfo(path).fileName();
}

using DatasetPtr = MaskReader::Dataset;

// The provenance sidecar of a mask being read: band 1 of MASK.provenance.tif, read tile by tile
// as the mask's tiles are made. Without a sidecar a label in a file is taken as a person's.
class ProvenanceSidecar {
public:
    // False with *error when the sidecar exists but cannot be used.
    bool open(const QString& maskPath, QSize size, QString* error) {
        m_path = provenanceSidecarPath(maskPath);
        if (!QFileInfo::exists(m_path))
            return true;
        m_dataset = MaskReader::openRaster(m_path, error);
        if (!m_dataset)
            return false;
        if (GDALGetRasterXSize(m_dataset.get()) != size.width() ||
            GDALGetRasterYSize(m_dataset.get()) != size.height()) {
            *error = QObject::tr("%1 does not have the size of the mask.").arg(fileName(m_path));
            return false;
        }
        m_band = GDALGetRasterBand(m_dataset.get(), 1);
        m_block.resize(MaskTile::Pixels);
        return true;
    }
    // Fills the provenance of `tile` (its classes already in place), covering `area` of the mask.
    bool fill(MaskTile& tile, const QRect& area, QString* error) {
        if (m_band) {
            QuietGdalErrors quiet;
            if (GDALRasterIO(m_band, GF_Read, area.x(), area.y(), area.width(), area.height(), m_block.data(),
                             area.width(), area.height(), GDT_Byte, 1, LabelMask::TileSize) != CE_None) {
                *error = QObject::tr("%1 could not be read: %2")
                             .arg(fileName(m_path), QuietGdalErrors::lastMessage());
                return false;
            }
        }
        for (int y = 0; y < area.height(); ++y) {
            for (int x = 0; x < area.width(); ++x) {
                const int i = y * LabelMask::TileSize + x;
                tile.provenance[i] = tile.classes[i] == Unlabeled ? quint8(Provenance::None)
                                     : m_band                     ? quint8(m_block[i] & 3)
                                                                  : quint8(Provenance::Edited);
            }
        }
        return true;
    }

private:
    QString m_path;
    DatasetPtr m_dataset;
    GDALRasterBandH m_band = nullptr;
    std::vector<quint8> m_block;
};

// Bytes the tiles of a mask of `size` take in memory when every tile holds a label.
double wholeMaskBytes(QSize size) {
    const double tileSide = LabelMask::TileSize;
    return double(sizeof(MaskTile)) * std::ceil(size.width() / tileSide) *
           std::ceil(size.height() / tileSide);
}

} // namespace

QString paletteSidecarPath(const QString& maskPath) {
    return maskPath + QStringLiteral(".classes.json");
}

QString provenanceSidecarPath(const QString& maskPath) {
    return maskPath + QStringLiteral(".provenance.tif");
}

bool isSupportedForWriting(const QString& path, QString* error) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png") || suffix == QLatin1String("tif") || suffix == QLatin1String("tiff"))
        return true;
    *error = QObject::tr("Masks are saved as .png (indexed) or .tif (GeoTIFF), not .%1.").arg(suffix);
    return false;
}

std::optional<ClassPalette> loadPaletteSidecar(const QString& maskPath, QString* error) {
    QFile file(paletteSidecarPath(maskPath));
    if (!file.exists())
        return std::nullopt;
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("Cannot read %1: %2").arg(fileName(file.fileName()), file.errorString());
        return std::nullopt;
    }
    QString why;
    auto palette = ClassPalette::fromJson(file.readAll(), &why);
    if (!palette)
        *error = QObject::tr("%1: %2").arg(fileName(file.fileName()), why);
    return palette;
}

std::optional<LabelMask> load(const QString& path, QSize imageSize, const ClassPalette& palette,
                              QString* error, TileStore* store) {
    const std::unique_ptr<MaskReader> reader = MaskReader::open(path, imageSize, palette, error);
    if (!reader)
        return std::nullopt;
    const QSize size = reader->size();
    // Every tile of a mask may come to hold a class, a provenance and a confidence byte per pixel:
    // refuse, from the header alone, a mask this machine could not hold.
    // (Tiles are whole 256² squares, also at the image's edges.)
    const double worstBytes = 1.5 * wholeMaskBytes(size);
    const double memory = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGE_SIZE));
    if (!store && memory > 0 && worstBytes > memory) {
        *error = QObject::tr("%1 is %2 × %3 px: a mask that large needs up to %4 GB of memory, and this "
                             "machine has %5 GB.")
                     .arg(fileName(path))
                     .arg(size.width())
                     .arg(size.height())
                     .arg(worstBytes / 1e9, 0, 'f', 1)
                     .arg(memory / 1e9, 0, 'f', 1);
        return std::nullopt;
    }
    ProvenanceSidecar provenance;
    if (!provenance.open(path, size, error))
        return std::nullopt;

    LabelMask mask(size);
    // Read in chunks of whole tiles, at most StripRows × ChunkColumns: memory stays a few MB
    // whatever the width a header claims.
    constexpr int ChunkColumns = 16 * LabelMask::TileSize;
    const int chunkWidth = std::min(ChunkColumns, size.width());
    const int stripRows = std::min(StripRows, size.height());
    std::vector<quint8> classes(size_t(chunkWidth) * stripRows);
    const auto storeFailed = [&] {
        *error = QObject::tr("%1 is too large to hold in memory, and its scratch copy failed: %2")
                     .arg(fileName(path), store->error());
        return std::nullopt;
    };
    for (int y0 = 0; y0 < size.height(); y0 += StripRows) {
        const int rows = std::min(StripRows, size.height() - y0);
        for (int x0 = 0; x0 < size.width(); x0 += ChunkColumns) {
            const int width = std::min(ChunkColumns, size.width() - x0);
            if (!reader->read(QRect(x0, y0, width, rows), classes.data(), error))
                return std::nullopt;
            if (reader->failed())
                continue; // keep counting for the report, but build nothing
            // The store's writer encodes the chunk before while this one was decoded; waiting
            // for it here keeps at most one chunk of tiles waiting in memory.
            if (store) {
                store->waitForIdle();
                if (!store->error().isEmpty())
                    return storeFailed();
            }
            // Only tiles holding a label are allocated.
            const int ty = y0 / LabelMask::TileSize;
            const int lastTx = (x0 + width - 1) / LabelMask::TileSize;
            for (int tx = x0 / LabelMask::TileSize; tx <= lastTx; ++tx) {
                const QRect r = mask.tileRect(tx, ty);
                const int offset = r.x() - x0;
                bool any = false;
                for (int y = 0; y < rows && !any; ++y) {
                    const quint8* row = classes.data() + size_t(y) * width + offset;
                    any = std::any_of(row, row + r.width(), [](quint8 c) { return c != Unlabeled; });
                }
                if (!any)
                    continue;
                auto tile = std::make_shared<MaskTile>();
                for (int y = 0; y < rows; ++y)
                    std::copy_n(classes.data() + size_t(y) * width + offset, r.width(),
                                tile->classes.data() + y * LabelMask::TileSize);
                if (!provenance.fill(*tile, r, error))
                    return std::nullopt;
                if (store)
                    mask.setStoredTile(tx, ty, store->put(std::move(tile)));
                else
                    mask.setTile(tx, ty, std::move(tile));
            }
        }
    }
    if (reader->failed()) {
        *error = reader->decodeError();
        return std::nullopt;
    }
    if (store) {
        store->waitForIdle();
        if (!store->error().isEmpty())
            return storeFailed();
    }
    return mask;
}

std::optional<LabelMask> loadWithin(const QString& path, QSize imageSize, const ClassPalette& palette,
                                    qint64 memoryBudget, const QString& scratchFolder, QString* error) {
    if (!imageSize.isValid() || wholeMaskBytes(imageSize) <= double(memoryBudget))
        return load(path, imageSize, palette, error);
    QString why;
    const std::unique_ptr<TileStore> store = TileStore::open(scratchFolder, &why);
    if (!store)
        return load(path, imageSize, palette, error); // in memory, if this machine can hold it
    // The store goes with this function; its file stays as long as the mask's tiles need it.
    return load(path, imageSize, palette, error, store.get());
}

bool save(const QString& path, const LabelMask& mask, const ClassPalette& palette,
          const Georeference& georeference, QString* error, const QString& attribution) {
    if (!isSupportedForWriting(path, error))
        return false;
    const bool png = QFileInfo(path).suffix().toLower() == QLatin1String("png");
    const auto fail = [error](const std::string& why) {
        *error = QString::fromStdString(why);
        return false;
    };
    // The mask and its two sidecars are one group: all three are written under exclusive
    // temporary names, then replaced together, so a failure leaves the old group whole.
    storage::PendingFile maskFile, provenanceFile, paletteFile;
    std::string why;
    if (!maskFile.create(QFile::encodeName(path).toStdString(), &why) ||
        !provenanceFile.create(QFile::encodeName(provenanceSidecarPath(path)).toStdString(), &why) ||
        !paletteFile.create(QFile::encodeName(paletteSidecarPath(path)).toStdString(), &why))
        return fail(why);

    MaskDataset classes(mask, MaskDataset::Plane::Classes, palette, georeference);
    CPLStringList options;
    if (png)
        options.SetNameValue("ZLEVEL", "6");
    else
        options = LabelRasterFormat::geoTiffOptions();
    // The imagery's credit travels with what is made from it.
    if (!attribution.isEmpty()) {
        const QByteArray credit = attribution.toUtf8();
        classes.SetMetadataItem("TIFFTAG_COPYRIGHT", credit.constData());
        classes.SetMetadataItem("SOURCE_ATTRIBUTION", credit.constData());
        if (png)
            options.SetNameValue("WRITE_METADATA_AS_TEXT", "YES");
    }
    if (!LabelRasterFormat::writeCopy(maskFile, png ? "PNG" : "GTiff", GDALDataset::ToHandle(&classes),
                                      options.List(), error))
        return false;
    MaskDataset provenance(mask, MaskDataset::Plane::Provenance, palette, georeference);
    if (!LabelRasterFormat::writeCopy(provenanceFile, "GTiff", GDALDataset::ToHandle(&provenance),
                                      LabelRasterFormat::geoTiffOptions().List(), error))
        return false;
    const QByteArray json = palette.toJson();
    if (!paletteFile.write(json.constData(), size_t(json.size()), &why))
        return fail(why);
    std::vector<storage::PendingFile*> group{&provenanceFile, &paletteFile};
    // A GeoTIFF mask opens in QGIS with its classes by name and colour.
    storage::PendingFile styleFile;
    if (!png) {
        const QByteArray qml = QgisStyle::rasterStyle(palette);
        if (!styleFile.create(QFile::encodeName(QgisStyle::stylePathFor(path)).toStdString(), &why) ||
            !styleFile.write(qml.constData(), size_t(qml.size()), &why))
            return fail(why);
        group.push_back(&styleFile);
    }
    group.push_back(&maskFile);
    return storage::commitGroup(group, &why) || fail(why);
}

} // namespace segstudio::MaskFiles
