#pragma once

#include <QByteArray>
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <array>
#include <functional>
#include <gdal.h>
#include <optional>

namespace segstudio::test {

// Path of a file under ../shared/data (real imagery shared by all tests).
QString dataPath(const QString& relative);

// A finished child process: exit code (-1 if it crashed or timed out), stdout, stderr.
struct ProcessRun {
    int exitCode = -1;
    QByteArray out;
    QString err;
};

// Runs a real executable to completion, killing it after timeoutMs.
ProcessRun runProcess(const QString& program, const QStringList& arguments, int timeoutMs = 600000,
                      const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment());

// A small raster written by the test itself through GDAL.
struct RasterSpec {
    int width = 256;
    int height = 256;
    int bands = 1;
    GDALDataType type = GDT_Byte;
    std::optional<std::array<double, 6>> geoTransform;
    int epsg = 0; // 0: no CRS
    bool tiled = true;
    QString compress = QStringLiteral("DEFLATE");
    QList<int> overviewFactors; // built with nearest resampling
    std::optional<double> noData;
    QList<int> alphaBands; // 1-based bands marked as alpha
};

// Writes a GeoTIFF whose sample at (band, x, y) is value(band, x, y); returns false on failure.
bool writeGeoTiff(const QString& path, const RasterSpec& spec,
                  const std::function<double(int band, int x, int y)>& value);

// An MBTiles file of a georeferenced raster (GDAL's MBTiles driver: Web Mercator PNG tiles),
// with `attribution` in its metadata table when not empty.
bool writeMbtiles(const QString& path, const QString& sourceRaster, const QString& attribution);

} // namespace segstudio::test
