#include "annotation/raster_source.h"

#include "annotation/gdal_errors.h"
#include "annotation/gdal_setup.h"
#include "annotation/source_policy.h"
#include "annotation/tile_pyramid.h"

#include <QFileInfo>
#include <QStandardPaths>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <gdal.h>
#include <limits>

namespace segstudio {
namespace {

std::atomic<quint64> nextSourceId{1};

// The coarsest level whose larger side still has at least this many pixels is read to compute
// contrast stretches and to check on open that pixel data is readable at all.
constexpr int SampleSide = 1024;

QString bandName(GDALRasterBandH band) {
    const QString description = QString::fromUtf8(GDALGetDescription(band)).trimmed();
    if (!description.isEmpty())
        return description;
    return QString::fromUtf8(GDALGetColorInterpretationName(GDALGetRasterColorInterpretation(band)));
}

int sampleLevel(const RasterSource& source) {
    int level = 0;
    while (level + 1 < source.levelCount()) {
        const QSize next = source.levelSize(level + 1);
        if (std::max(next.width(), next.height()) < SampleSide)
            break;
        ++level;
    }
    return level;
}

std::pair<double, double> dataTypeRange(const QString& type) {
    if (type == QLatin1String("Byte"))
        return {0, 255};
    if (type == QLatin1String("UInt16"))
        return {0, 65535};
    if (type == QLatin1String("Int16"))
        return {-32768, 32767};
    return {std::numeric_limits<double>::quiet_NaN(), 0};
}

} // namespace

std::shared_ptr<RasterSource> RasterSource::open(const QString& path, QString* error) {
    const QFileInfo file(path);
    const bool service = TilePyramid::isServiceTemplate(path);
    const QString shown = service                     ? path.section(QLatin1Char('#'), 0, 0)
                          : file.fileName().isEmpty() ? path
                                                      : file.fileName();
    auto fail = [&](const QString& why) {
        if (error)
            *error = QStringLiteral("Cannot open “%1”: %2").arg(shown, why);
        return nullptr;
    };
    TilePyramid pyramid;
    QString pyramidError;
    if (service) {
        // A tile service on a server: only when the person allowed network sources.
        if (const QString problem = SourcePolicy::problemWith(shown); !problem.isEmpty()) {
            if (error)
                *error = QStringLiteral("Cannot open “%1”: %2").arg(shown, problem);
            return nullptr;
        }
        const QString cache =
            QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/tiles");
        if (!TilePyramid::fromTemplate(path, cache, pyramid, &pyramidError))
            return fail(pyramidError);
    }
    if (!service && !file.exists())
        return fail(QStringLiteral("the file does not exist."));
    const bool tileFolder = service || (file.isDir() && TilePyramid::find(path, pyramid, &pyramidError));
    if (!service && file.isDir() && !tileFolder)
        return fail(
            pyramidError.isEmpty()
                ? QStringLiteral("it is a folder, and neither an image file nor a folder of map tiles "
                                 "(ZOOM/X/Y.png).")
                : pyramidError);
    if (!service && !file.isReadable())
        return fail(QStringLiteral("you do not have permission to read it."));
    if (const QString problem = service ? QString() : SourcePolicy::problemWith(path); !problem.isEmpty()) {
        if (error)
            *error = QStringLiteral("Cannot open “%1”: %2").arg(shown, problem);
        return nullptr;
    }

    std::shared_ptr<RasterSource> source(new RasterSource);
    source->m_info.path = service ? path : file.absoluteFilePath();
    if (tileFolder) {
        source->m_gdalName = pyramid.gdalConnection();
        if (source->m_gdalName.isEmpty())
            return fail(QStringLiteral("its tiles could not be opened as one raster."));
    }
    QString openError;
    GDALDatasetH handle = source->acquireHandle(&openError);
    if (!handle)
        return fail(openError);

    RasterInfo& info = source->m_info;
    GDALDriverH driver = GDALGetDatasetDriver(handle);
    info.driverName = QString::fromUtf8(GDALGetDriverShortName(driver));
    info.driverDescription = QString::fromUtf8(GDALGetDriverLongName(driver));
    info.width = GDALGetRasterXSize(handle);
    info.height = GDALGetRasterYSize(handle);
    info.bandCount = GDALGetRasterCount(handle);
    if (info.width <= 0 || info.height <= 0 || info.bandCount <= 0) {
        source->releaseHandle(handle);
        return fail(QStringLiteral("it contains no raster image (%1 × %2 pixels, %3 bands).")
                        .arg(info.width)
                        .arg(info.height)
                        .arg(info.bandCount));
    }
    GDALRasterBandH first = GDALGetRasterBand(handle, 1);
    const GDALDataType type = GDALGetRasterDataType(first);
    if (GDALDataTypeIsComplex(type)) {
        source->releaseHandle(handle);
        return fail(QStringLiteral("complex-valued rasters (%1) cannot be displayed.")
                        .arg(QString::fromUtf8(GDALGetDataTypeName(type))));
    }
    if (const QString problem = oversizedBlockProblem(handle); !problem.isEmpty()) {
        source->releaseHandle(handle);
        return fail(problem);
    }
    info.dataType = QString::fromUtf8(GDALGetDataTypeName(type));
    info.isByteData = type == GDT_Byte;
    for (int b = 1; b <= info.bandCount; ++b) {
        GDALRasterBandH band = GDALGetRasterBand(handle, b);
        info.bandNames << bandName(band);
        if (GDALGetRasterColorInterpretation(band) == GCI_AlphaBand && info.alphaBand == 0 && b > 1)
            info.alphaBand = b;
    }
    for (int o = 0; o < GDALGetOverviewCount(first); ++o) {
        GDALRasterBandH overview = GDALGetOverview(first, o);
        info.overviews << QSize(GDALGetRasterBandXSize(overview), GDALGetRasterBandYSize(overview));
    }
    if (const char* credit = GDALGetMetadataItem(handle, "attribution", nullptr))
        info.attribution = QString::fromUtf8(credit).trimmed();
    if (!pyramid.attribution.isEmpty())
        info.attribution = pyramid.attribution.trimmed(); // the person's entry for a service
    int hasNoData = 0;
    const double noData = GDALGetRasterNoDataValue(first, &hasNoData);
    if (hasNoData)
        info.noData = noData;

    if (GDALColorTableH table = GDALGetRasterColorTable(first);
        table && info.bandCount == 1 && info.isByteData) {
        info.hasColorTable = true;
        source->m_palette.assign(256, 0xff000000u);
        source->m_colorTable.assign(256, 0xff000000u);
        const int entries = std::min(256, GDALGetColorEntryCount(table));
        for (int i = 0; i < entries; ++i) {
            GDALColorEntry entry;
            GDALGetColorEntryAsRGB(table, i, &entry);
            source->m_colorTable[i] = qRgba(entry.c1, entry.c2, entry.c3, entry.c4);
            source->m_palette[i] = qPremultiply(source->m_colorTable[i]);
        }
    }

    double geoTransform[6];
    const char* wkt = GDALGetProjectionRef(handle);
    if (GDALGetGeoTransform(handle, geoTransform) == CE_None) {
        std::array<double, 6> transform;
        std::copy(std::begin(geoTransform), std::end(geoTransform), transform.begin());
        source->m_georeference = Georeference(transform, wkt ? QString::fromUtf8(wkt) : QString());
    }
    source->releaseHandle(handle);

    int largest = std::max(info.width, info.height);
    source->m_levelCount = 1;
    while (largest > TileSize) {
        largest = (largest + 1) / 2;
        ++source->m_levelCount;
    }
    source->m_id = nextSourceId++;

    std::array<int, 3> bands{1, 2, 3};
    if (info.bandCount < 3 || info.alphaBand == 2 || info.alphaBand == 3)
        bands = {1, 1, 1};
    const StretchKind stretch = info.isByteData ? StretchKind::None : StretchKind::Percent2_98;
    QString displayError;
    source->m_defaultDisplay = source->computeDisplay(bands, stretch, &displayError);
    if (!displayError.isEmpty())
        return fail(displayError);
    // The stretch of the default mapping is what was measured of those bands' values.
    const auto typeRange = dataTypeRange(info.dataType);
    source->m_valueRanges.assign(size_t(info.bandCount),
                                 std::isnan(typeRange.first) ? std::pair<double, double>{0, 1} : typeRange);
    for (int c = 0; c < 3; ++c)
        source->m_valueRanges[size_t(bands[c] - 1)] = {source->m_defaultDisplay.low[c],
                                                       source->m_defaultDisplay.high[c]};
    // Decoding the coarsest level proves that pixel data can be read at all: truncated and
    // damaged files fail here, with a message, instead of showing holes later.
    const int top = source->m_levelCount - 1;
    if (source
            ->renderWindow(top, QRect(QPoint(0, 0), source->levelSize(top)), source->m_defaultDisplay,
                           &displayError)
            .isNull())
        return fail(displayError);
    return source;
}

RasterSource::~RasterSource() {
    for (GDALDatasetH handle : m_freeHandles)
        GDALClose(handle);
}

GDALDatasetH RasterSource::acquireHandle(QString* error) const {
    {
        std::lock_guard lock(m_poolMutex);
        if (!m_freeHandles.empty()) {
            GDALDatasetH handle = m_freeHandles.back();
            m_freeHandles.pop_back();
            return handle;
        }
    }
    QuietGdalErrors quiet;
    const QByteArray path = (m_gdalName.isEmpty() ? m_info.path : m_gdalName).toUtf8();
    GDALDatasetH handle =
        GDALOpenEx(path.constData(), GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, nullptr,
                   nullptr, nullptr);
    if (!handle && error) {
        const QString detail = QuietGdalErrors::lastMessage();
        *error = detail.contains(QLatin1String("not recognized as a supported file format"))
                     ? QStringLiteral("it is not an image format segstudio can read.")
                     : QStringLiteral("the file is damaged or unsupported (%1).")
                           .arg(detail.isEmpty() ? QStringLiteral("no details") : detail);
    }
    return handle;
}

void RasterSource::releaseHandle(GDALDatasetH handle) const {
    std::lock_guard lock(m_poolMutex);
    m_freeHandles.push_back(handle);
}

QSize RasterSource::levelSize(int level) const {
    const int scale = 1 << level;
    return {(m_info.width + scale - 1) / scale, (m_info.height + scale - 1) / scale};
}

int RasterSource::tilesAcross(int level) const {
    return (levelSize(level).width() + TileSize - 1) / TileSize;
}

int RasterSource::tilesDown(int level) const {
    return (levelSize(level).height() + TileSize - 1) / TileSize;
}

QRect RasterSource::tileRect(int level, int tileX, int tileY) const {
    return QRect(tileX * TileSize, tileY * TileSize, TileSize, TileSize)
        .intersected(QRect(QPoint(0, 0), levelSize(level)));
}

bool RasterSource::readFromHandle(GDALDatasetH handle, int level, const QRect& levelRect,
                                  const std::vector<int>& bands, int gdalType, void* buffer,
                                  long long pixelSpace, long long lineSpace, long long bandSpace,
                                  QString* error) const {
    const QRect valid = levelRect.intersected(QRect(QPoint(0, 0), levelSize(level)));
    if (valid != levelRect || levelRect.isEmpty()) {
        if (error)
            *error = QStringLiteral("window outside the image");
        return false;
    }
    const int scale = 1 << level;
    const int sourceX = levelRect.x() * scale;
    const int sourceY = levelRect.y() * scale;
    const int sourceWidth = std::min(levelRect.width() * scale, m_info.width - sourceX);
    const int sourceHeight = std::min(levelRect.height() * scale, m_info.height - sourceY);
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.eResampleAlg = GRIORA_NearestNeighbour;
    std::vector<int> bandMap(bands);
    QuietGdalErrors quiet;
    const CPLErr result = GDALDatasetRasterIOEx(
        handle, GF_Read, sourceX, sourceY, sourceWidth, sourceHeight, buffer, levelRect.width(),
        levelRect.height(), static_cast<GDALDataType>(gdalType), static_cast<int>(bandMap.size()),
        bandMap.data(), pixelSpace, lineSpace, bandSpace, &extra);
    if (result != CE_None) {
        if (error)
            *error =
                QStringLiteral("the file is damaged or truncated (%1).").arg(QuietGdalErrors::lastMessage());
        return false;
    }
    return true;
}

bool RasterSource::hasBands(const std::vector<int>& bands, QString* error) const {
    for (int band : bands) {
        if (band < 1 || band > m_info.bandCount) {
            if (error)
                *error = QStringLiteral("band %1 does not exist (the image has %2).")
                             .arg(band)
                             .arg(m_info.bandCount);
            return false;
        }
    }
    return true;
}

bool RasterSource::readWindow(int level, const QRect& levelRect, const std::vector<int>& bands,
                              std::vector<float>& out, QString* error) const {
    if (!hasBands(bands, error))
        return false;
    HandleLease lease(*this, error);
    if (!lease.get())
        return false;
    const long long pixels = static_cast<long long>(levelRect.width()) * levelRect.height();
    out.resize(static_cast<size_t>(pixels) * bands.size());
    return readFromHandle(lease.get(), level, levelRect, bands, GDT_Float32, out.data(), sizeof(float),
                          sizeof(float) * levelRect.width(), sizeof(float) * pixels, error);
}

bool RasterSource::readBytes(int level, const QRect& levelRect, const std::vector<int>& bands,
                             std::vector<uint8_t>& out, QString* error) const {
    if (!hasBands(bands, error))
        return false;
    HandleLease lease(*this, error);
    if (!lease.get())
        return false;
    const long long channels = static_cast<long long>(bands.size());
    out.resize(static_cast<size_t>(levelRect.width()) * levelRect.height() * bands.size());
    return readFromHandle(lease.get(), level, levelRect, bands, GDT_Byte, out.data(), channels,
                          channels * levelRect.width(), 1, error);
}

std::pair<double, double> RasterSource::valueRange(int band) const {
    if (band < 1 || band > int(m_valueRanges.size()))
        return {0, 255};
    return m_valueRanges[size_t(band - 1)];
}

DisplaySettings RasterSource::computeDisplay(std::array<int, 3> bands, StretchKind stretch,
                                             QString* error) const {
    DisplaySettings display;
    display.bands = bands;
    display.usePalette = m_info.hasColorTable && display.isGrey();
    const auto range = dataTypeRange(m_info.dataType);
    if (stretch == StretchKind::None && !std::isnan(range.first)) {
        display.low.fill(range.first);
        display.high.fill(range.second);
        return display;
    }
    const int level = sampleLevel(*this);
    const QSize size = levelSize(level);
    std::vector<int> distinct{bands[0]};
    if (!display.isGrey())
        distinct = {bands[0], bands[1], bands[2]};
    std::vector<float> samples;
    if (!readWindow(level, QRect(QPoint(0, 0), size), distinct, samples, error))
        return display;

    const size_t perBand = static_cast<size_t>(size.width()) * size.height();
    for (size_t i = 0; i < distinct.size(); ++i) {
        double low = range.first;
        double high = range.second;
        if (stretch != StretchKind::None || std::isnan(range.first)) {
            std::vector<float> values;
            values.reserve(perBand);
            for (size_t p = 0; p < perBand; ++p) {
                const float v = samples[i * perBand + p];
                if (!std::isnan(v) && !(m_info.noData && v == static_cast<float>(*m_info.noData)))
                    values.push_back(v);
            }
            if (values.empty()) {
                low = 0;
                high = 1;
            } else if (stretch == StretchKind::Percent2_98) {
                auto at = [&](double fraction) {
                    auto nth = values.begin() + static_cast<long>(fraction * (values.size() - 1));
                    std::nth_element(values.begin(), nth, values.end());
                    return static_cast<double>(*nth);
                };
                low = at(0.02);
                high = at(0.98);
            } else {
                const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
                low = *mn;
                high = *mx;
            }
        }
        if (high <= low)
            high = low + 1;
        for (int channel = 0; channel < 3; ++channel) {
            if (bands[channel] == distinct[i]) {
                display.low[channel] = low;
                display.high[channel] = high;
            }
        }
    }
    return display;
}

} // namespace segstudio
