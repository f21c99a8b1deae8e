#include "annotation/mask_reader.h"

#include "annotation/gdal_errors.h"
#include "annotation/gdal_setup.h"
#include "annotation/mask_tile.h"
#include "annotation/source_policy.h"

#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QObject>
#include <algorithm>
#include <gdal.h>
#include <map>
#include <vector>

namespace segstudio {
namespace {

QString fileName(const QString& path) {
    return QFileInfo(path).fileName();
}

QString colorText(QRgb rgb) {
    return QColor(rgb).name(QColor::HexRgb).toUpper();
}

} // namespace

// Decodes raw samples into class bytes: values of a one-band raster through a 256-entry table,
// or colours of an RGB(A) raster through the palette. Records what it cannot decode.
class SampleDecoder {
public:
    static constexpr int Unknown = -1;

    explicit SampleDecoder(const ClassPalette& palette)
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

void MaskReader::DatasetCloser::operator()(void* dataset) const {
    GDALClose(dataset);
}

MaskReader::Dataset MaskReader::openRaster(const QString& path, QString* error) {
    if (QFileInfo(path).isDir()) {
        *error = QObject::tr("%1 is a folder, not a mask file.").arg(QDir::toNativeSeparators(path));
        return nullptr;
    }
    if (const QString problem = SourcePolicy::problemWith(path); !problem.isEmpty()) {
        *error = problem;
        return nullptr;
    }
    QuietGdalErrors quiet;
    Dataset dataset(
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

std::unique_ptr<MaskReader> MaskReader::open(const QString& path, QSize expectedSize,
                                             const ClassPalette& palette, QString* error) {
    Dataset dataset = openRaster(path, error);
    if (!dataset)
        return nullptr;
    QuietGdalErrors quiet;
    const QSize size(GDALGetRasterXSize(dataset.get()), GDALGetRasterYSize(dataset.get()));
    if (expectedSize.isValid() && size != expectedSize) {
        *error = QObject::tr("%1 is %2 × %3 px but the image is %4 × %5 px: it is not a mask of this image.")
                     .arg(fileName(path))
                     .arg(size.width())
                     .arg(size.height())
                     .arg(expectedSize.width())
                     .arg(expectedSize.height());
        return nullptr;
    }
    if (const QString problem = oversizedBlockProblem(dataset.get()); !problem.isEmpty()) {
        *error = QStringLiteral("%1: %2").arg(fileName(path), problem);
        return nullptr;
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
        return nullptr;
    }
    auto reader =
        std::unique_ptr<MaskReader>(new MaskReader(path, std::move(dataset), size, bands == 1, palette));
    if (reader->m_indexed)
        reader->m_decoder->setIndexTable(GDALGetRasterColorTable(first));
    return reader;
}

MaskReader::MaskReader(QString path, Dataset dataset, QSize size, bool indexed, const ClassPalette& palette)
    : m_path(std::move(path))
    , m_dataset(std::move(dataset))
    , m_size(size)
    , m_indexed(indexed)
    , m_palette(palette)
    , m_decoder(std::make_unique<SampleDecoder>(m_palette)) {
}

MaskReader::~MaskReader() = default;

bool MaskReader::read(const QRect& area, quint8* classes, QString* error) {
    QuietGdalErrors quiet;
    const int channels = m_indexed ? 1 : 3;
    const size_t count = size_t(area.width()) * size_t(area.height());
    m_samples.resize(count * size_t(channels));
    int bandMap[3] = {1, 2, 3};
    // Pixel-interleaved for RGB: one colour is three adjacent bytes.
    if (GDALDatasetRasterIO(m_dataset.get(), GF_Read, area.x(), area.y(), area.width(), area.height(),
                            m_samples.data(), area.width(), area.height(), GDT_Byte, channels, bandMap,
                            channels, qint64(channels) * area.width(), 1) != CE_None) {
        const QString why = QuietGdalErrors::lastMessage();
        *error = QObject::tr("%1 could not be read (it may be truncated or damaged): %2")
                     .arg(fileName(m_path), why.isEmpty() ? QObject::tr("read error") : why);
        return false;
    }
    if (m_indexed) {
        for (size_t i = 0; i < count; ++i)
            classes[i] = m_decoder->index(m_samples[i]);
    } else {
        for (size_t i = 0; i < count; ++i)
            classes[i] = m_decoder->color(qRgb(m_samples[3 * i], m_samples[3 * i + 1], m_samples[3 * i + 2]));
    }
    return true;
}

bool MaskReader::failed() const {
    return m_decoder->failed();
}

QString MaskReader::decodeError() const {
    if (const QString shared = m_palette.sharedColorProblem();
        !shared.isEmpty() && (!m_indexed || m_decoder->hasColorTable()))
        return QObject::tr(
                   "The colours of %1 cannot be read as classes: in the class list, %2. Give every class "
                   "its own colour.")
            .arg(fileName(m_path), shared);
    return m_indexed
               ? QObject::tr("The classes of %1 do not fit the class list: %2 match no class. Load the "
                             "matching class list first.")
                     .arg(fileName(m_path), m_decoder->report(true))
               : QObject::tr("%1 has colours that are not class colours: %2. Add classes with these colours "
                             "first.")
                     .arg(fileName(m_path), m_decoder->report(false));
}

} // namespace segstudio
