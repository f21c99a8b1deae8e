#include "annotation/mask_files.h"

#include "annotation/gdal_errors.h"
#include "annotation/gdal_setup.h"
#include "annotation/label_raster_format.h"
#include "annotation/mask_dataset.h"
#include "annotation/qgis_style.h"
#include "annotation/source_policy.h"
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

QString colorText(QRgb rgb) {
    return QColor(rgb).name(QColor::HexRgb).toUpper();
}

// Decodes raw samples into class bytes: values of a one-band raster through a 256-entry table,
// or colours of an RGB(A) raster through the palette. Records what it cannot decode.
class SampleDecoder {
public:
    static constexpr int Unknown = -1;

    SampleDecoder(const ClassPalette& palette)
        : m_palette(palette) {}

    // One-band raster. With a colour table, an index is decoded through its colour; without,
    // the value is the class id itself.
    void setIndexTable(GDALColorTableH table) {
        for (int i = 0; i < 256; ++i) {
            if (i == Unlabeled) {
                m_table[i] = Unlabeled;
                continue;
            }
            if (!table) {
                m_table[i] = m_palette.contains(i) ? i : Unknown;
                continue;
            }
            const GDALColorEntry* entry =
                i < GDALGetColorEntryCount(table) ? GDALGetColorEntry(table, i) : nullptr;
            if (!entry) {
                m_table[i] = Unknown;
                continue;
            }
            const QRgb rgb = qRgb(entry->c1, entry->c2, entry->c3);
            m_table[i] = decodeColor(rgb, i);
            m_tableColors[i] = rgb;
        }
        m_hasColorTable = table != nullptr;
    }

    quint8 index(quint8 value) {
        const int c = m_table[value];
        if (c == Unknown) {
            // The colour in the low 24 bits, the index + 1 above them (qRgb's alpha masked off).
            ++m_unknown[m_hasColorTable ? (m_tableColors[value] & 0xFFFFFFu) | 0x1000000u * (value + 1u)
                                        : value];
            return Unlabeled;
        }
        return quint8(c);
    }

    quint8 color(QRgb rgb) {
        rgb &= 0xFFFFFF;
        if (rgb == m_lastColor)
            return m_lastClass;
        auto it = m_colors.constFind(rgb);
        int c = it != m_colors.constEnd() ? *it : (m_colors[rgb] = decodeColor(rgb, -1));
        m_lastColor = rgb;
        if (c == Unknown) {
            ++m_unknown[rgb];
            m_lastColor = 0xFFFFFFFFu; // keep counting every unknown pixel
            return Unlabeled;
        }
        m_lastClass = quint8(c);
        return m_lastClass;
    }

    bool failed() const { return !m_unknown.empty(); }
    bool hasColorTable() const { return m_hasColorTable; }

    QString report(bool indexed) const {
        std::vector<std::pair<quint32, qint64>> items(m_unknown.begin(), m_unknown.end());
        std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.second > b.second; });
        QStringList parts;
        for (size_t i = 0; i < std::min<size_t>(items.size(), 5); ++i) {
            const quint32 key = items[i].first;
            const qint64 count = items[i].second;
            if (!indexed)
                parts << QObject::tr("%1 (%2 px)").arg(colorText(key)).arg(count);
            else if (m_hasColorTable)
                parts << QObject::tr("index %1 = %2 (%3 px)")
                             .arg((key >> 24) - 1)
                             .arg(colorText(key))
                             .arg(count);
            else
                parts << QObject::tr("value %1 (%2 px)").arg(key).arg(count);
        }
        if (items.size() > 5)
            parts << QObject::tr("and %1 more").arg(items.size() - 5);
        return parts.join(QStringLiteral(", "));
    }

private:
    // Same id and colour first (our own files), then a unique colour match (foreign palettes).
    int decodeColor(QRgb rgb, int index) const {
        if (index >= 0) {
            const LabelClass* same = m_palette.find(index);
            if (same && (same->color.rgb() & 0xFFFFFF) == (rgb & 0xFFFFFF))
                return index;
        }
        if (const auto id = m_palette.classOfColor(rgb))
            return *id;
        if ((m_palette.unlabeledColor().rgb() & 0xFFFFFF) == (rgb & 0xFFFFFF))
            return Unlabeled;
        return Unknown;
    }

    const ClassPalette& m_palette;
    int m_table[256] = {};
    QRgb m_tableColors[256] = {};
    bool m_hasColorTable = false;
    QHash<QRgb, int> m_colors;
    QRgb m_lastColor = 0xFFFFFFFFu;
    quint8 m_lastClass = Unlabeled;
    std::map<quint32, qint64> m_unknown;
};

struct DatasetCloser {
    void operator()(void* dataset) const { GDALClose(dataset); }
};
using DatasetPtr = std::unique_ptr<void, DatasetCloser>;

DatasetPtr openRaster(const QString& path, QString* error) {
    if (QFileInfo(path).isDir()) {
        *error = QObject::tr("%1 is a folder, not a mask file.").arg(QDir::toNativeSeparators(path));
        return nullptr;
    }
    if (const QString problem = SourcePolicy::problemWith(path); !problem.isEmpty()) {
        *error = problem;
        return nullptr;
    }
    QuietGdalErrors quiet;
    DatasetPtr dataset(
        GDALOpenEx(path.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!dataset) {
        const QString why = QuietGdalErrors::lastMessage();
        *error = QFileInfo::exists(path)
                     ? QObject::tr("%1 is not a readable raster%2")
                           .arg(fileName(path), why.isEmpty() ? QString() : QStringLiteral(": ") + why)
                     : QObject::tr("%1 does not exist.").arg(fileName(path));
    }
    return dataset;
}

// Reads band 1 of a provenance sidecar into the tiles that `mask` already has.
bool readProvenance(const QString& path, LabelMask& mask, QString* error) {
    DatasetPtr dataset = openRaster(path, error);
    if (!dataset)
        return false;
    QuietGdalErrors quiet;
    if (GDALGetRasterXSize(dataset.get()) != mask.width() ||
        GDALGetRasterYSize(dataset.get()) != mask.height()) {
        *error = QObject::tr("%1 does not have the size of the mask.").arg(fileName(path));
        return false;
    }
    GDALRasterBandH band = GDALGetRasterBand(dataset.get(), 1);
    std::vector<quint8> block(MaskTile::Pixels);
    for (int ty = 0; ty < mask.tilesDown(); ++ty) {
        for (int tx = 0; tx < mask.tilesAcross(); ++tx) {
            if (!mask.tile(tx, ty))
                continue;
            const QRect r = mask.tileRect(tx, ty);
            if (GDALRasterIO(band, GF_Read, r.x(), r.y(), r.width(), r.height(), block.data(), r.width(),
                             r.height(), GDT_Byte, 1, LabelMask::TileSize) != CE_None) {
                *error = QObject::tr("%1 could not be read: %2")
                             .arg(fileName(path), QuietGdalErrors::lastMessage());
                return false;
            }
            MaskTile& tile = mask.mutableTile(tx, ty);
            for (int y = 0; y < r.height(); ++y) {
                for (int x = 0; x < r.width(); ++x) {
                    const int i = y * LabelMask::TileSize + x;
                    tile.provenance[i] =
                        tile.classes[i] == Unlabeled ? quint8(Provenance::None) : (block[i] & 3);
                }
            }
        }
    }
    return true;
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
                              QString* error) {
    DatasetPtr dataset = openRaster(path, error);
    if (!dataset)
        return std::nullopt;
    QuietGdalErrors quiet;
    const QSize size(GDALGetRasterXSize(dataset.get()), GDALGetRasterYSize(dataset.get()));
    if (size != imageSize) {
        *error = QObject::tr("%1 is %2 × %3 px but the image is %4 × %5 px: it is not a mask of this image.")
                     .arg(fileName(path))
                     .arg(size.width())
                     .arg(size.height())
                     .arg(imageSize.width())
                     .arg(imageSize.height());
        return std::nullopt;
    }
    // Every tile of a mask may come to hold a class, a provenance and a confidence byte per pixel:
    // refuse, from the header alone, a mask this machine could not hold.
    // (Tiles are whole 256² squares, also at the image's edges.)
    const double tileSide = LabelMask::TileSize;
    const double worstBytes =
        3.0 * tileSide * tileSide * std::ceil(size.width() / tileSide) * std::ceil(size.height() / tileSide);
    const double memory = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGE_SIZE));
    if (memory > 0 && worstBytes > memory) {
        *error = QObject::tr("%1 is %2 × %3 px: a mask that large needs up to %4 GB of memory, and this "
                             "machine has %5 GB.")
                     .arg(fileName(path))
                     .arg(size.width())
                     .arg(size.height())
                     .arg(worstBytes / 1e9, 0, 'f', 1)
                     .arg(memory / 1e9, 0, 'f', 1);
        return std::nullopt;
    }
    if (const QString problem = oversizedBlockProblem(dataset.get()); !problem.isEmpty()) {
        *error = QStringLiteral("%1: %2").arg(fileName(path), problem);
        return std::nullopt;
    }
    const int bands = GDALGetRasterCount(dataset.get());
    GDALRasterBandH first = bands > 0 ? GDALGetRasterBand(dataset.get(), 1) : nullptr;
    if (!first || (bands != 1 && bands != 3 && bands != 4) || GDALGetRasterDataType(first) != GDT_Byte) {
        *error = QObject::tr("%1 is not a label mask: expected one 8-bit band of class values or 8-bit RGB "
                             "colours, found %2 band(s) of %3.")
                     .arg(fileName(path))
                     .arg(bands)
                     .arg(first ? QString::fromUtf8(GDALGetDataTypeName(GDALGetRasterDataType(first)))
                                : QStringLiteral("nothing"));
        return std::nullopt;
    }
    const bool indexed = bands == 1;
    SampleDecoder decoder(palette);
    if (indexed)
        decoder.setIndexTable(GDALGetRasterColorTable(first));

    LabelMask mask(size);
    const int channels = indexed ? 1 : 3;
    // Read in chunks of whole tiles, at most StripRows × ChunkColumns: memory stays a few MB
    // whatever the width a header claims.
    constexpr int ChunkColumns = 16 * LabelMask::TileSize;
    const int chunkWidth = std::min(ChunkColumns, size.width());
    const int stripRows = std::min(StripRows, size.height());
    std::vector<quint8> strip(size_t(chunkWidth) * stripRows * channels);
    std::vector<quint8> classes(size_t(chunkWidth) * stripRows);
    int bandMap[3] = {1, 2, 3};
    for (int y0 = 0; y0 < size.height(); y0 += StripRows) {
        const int rows = std::min(StripRows, size.height() - y0);
        for (int x0 = 0; x0 < size.width(); x0 += ChunkColumns) {
            const int width = std::min(ChunkColumns, size.width() - x0);
            // Pixel-interleaved for RGB: one colour is three adjacent bytes.
            if (GDALDatasetRasterIO(dataset.get(), GF_Read, x0, y0, width, rows, strip.data(), width, rows,
                                    GDT_Byte, channels, bandMap, channels, qint64(channels) * width,
                                    1) != CE_None) {
                const QString why = QuietGdalErrors::lastMessage();
                *error = QObject::tr("%1 could not be read (it may be truncated or damaged): %2")
                             .arg(fileName(path), why.isEmpty() ? QObject::tr("read error") : why);
                return std::nullopt;
            }
            const size_t count = size_t(width) * size_t(rows);
            if (indexed) {
                for (size_t i = 0; i < count; ++i)
                    classes[i] = decoder.index(strip[i]);
            } else {
                for (size_t i = 0; i < count; ++i)
                    classes[i] = decoder.color(qRgb(strip[3 * i], strip[3 * i + 1], strip[3 * i + 2]));
            }
            if (decoder.failed())
                continue; // keep counting for the report, but build nothing
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
                MaskTile& tile = mask.mutableTile(tx, ty);
                for (int y = 0; y < rows; ++y) {
                    const quint8* row = classes.data() + size_t(y) * width + offset;
                    quint8* cls = tile.classes.data() + y * LabelMask::TileSize;
                    quint8* prov = tile.provenance.data() + y * LabelMask::TileSize;
                    for (int x = 0; x < r.width(); ++x) {
                        cls[x] = row[x];
                        // Without a provenance sidecar a label in a file is taken as a person's.
                        prov[x] = row[x] == Unlabeled ? quint8(Provenance::None) : quint8(Provenance::Edited);
                    }
                }
            }
        }
    }
    if (decoder.failed()) {
        if (const QString shared = palette.sharedColorProblem();
            !shared.isEmpty() && (!indexed || decoder.hasColorTable())) {
            *error = QObject::tr("The colours of %1 cannot be read as classes: in the class list, %2. Give "
                                 "every class its own colour.")
                         .arg(fileName(path), shared);
            return std::nullopt;
        }
        *error = indexed
                     ? QObject::tr("The classes of %1 do not fit the class list: %2 match no class. Load "
                                   "the matching class list first.")
                           .arg(fileName(path), decoder.report(true))
                     : QObject::tr("%1 has colours that are not class colours: %2. Add classes with these "
                                   "colours first.")
                           .arg(fileName(path), decoder.report(false));
        return std::nullopt;
    }
    const QString provenancePath = provenanceSidecarPath(path);
    if (QFileInfo::exists(provenancePath) && !readProvenance(provenancePath, mask, error))
        return std::nullopt;
    return mask;
}

bool save(const QString& path, const LabelMask& mask, const ClassPalette& palette,
          const Georeference& georeference, QString* error) {
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
