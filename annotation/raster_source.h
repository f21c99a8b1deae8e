#pragma once

#include "annotation/display_settings.h"
#include "annotation/georeference.h"
#include "annotation/raster_info.h"

#include <QImage>
#include <QRect>
#include <memory>
#include <mutex>
#include <vector>

typedef void* GDALDatasetH;

namespace segstudio {

// A read-only view of any raster GDAL opens (photos, GeoTIFFs, MBTiles, tile services described
// by a local XML file) as a pyramid of 256² tiles. Level 0 is full resolution and each level
// halves it; reads at a level use the file's overviews when present and decimated reads
// otherwise. Thread-safe: each concurrent read leases its own GDAL handle from a pool, so no
// handle is ever used by two threads at once. Opening and statistics read the file: never call
// them on the UI thread.
class RasterSource {
public:
    static constexpr int TileSize = 256;

    // Returns null and sets *error to a message a user understands when the file cannot be used.
    static std::shared_ptr<RasterSource> open(const QString& path, QString* error);
    ~RasterSource();
    RasterSource(const RasterSource&) = delete;
    RasterSource& operator=(const RasterSource&) = delete;

    quint64 id() const { return m_id; } // unique per opened source within the process
    const RasterInfo& info() const { return m_info; }
    const Georeference& georeference() const { return m_georeference; }
    QSize size() const { return {m_info.width, m_info.height}; }

    int levelCount() const { return m_levelCount; }
    QSize levelSize(int level) const;
    int tilesAcross(int level) const;
    int tilesDown(int level) const;
    QRect tileRect(int level, int tileX, int tileY) const; // in pixels of that level

    // Default display: bands 1,2,3 (or grey, or palette), stretched unless the data is 8-bit.
    const DisplaySettings& defaultDisplay() const { return m_defaultDisplay; }
    // Computes a stretch from a decimated read of the whole raster (reads data: worker only).
    DisplaySettings computeDisplay(std::array<int, 3> bands, StretchKind stretch, QString* error) const;

    // Reads `levelRect` (pixels of `level`) of the given 1-based bands as band-sequential
    // float32 samples. Returns false with *error set on a read failure.
    bool readWindow(int level, const QRect& levelRect, const std::vector<int>& bands, std::vector<float>& out,
                    QString* error) const;
    // The same as 8-bit samples, pixel-interleaved (all bands of a pixel side by side); values
    // outside 0-255 are clamped by GDAL, so this is for Byte data.
    bool readBytes(int level, const QRect& levelRect, const std::vector<int>& bands,
                   std::vector<uint8_t>& out, QString* error) const;
    // The 2nd and 98th percentile of a band's values, measured when the raster was opened (for
    // the bands of the default mapping; the data type's range for 8-bit data and other bands).
    std::pair<double, double> valueRange(int band) const;
    // The colour table of a paletted one-band raster (unpremultiplied ARGB per index); empty
    // when there is none.
    const std::vector<QRgb>& colorTable() const { return m_colorTable; }
    // Renders one tile for display (premultiplied ARGB32, nodata transparent); null on error.
    QImage renderTile(int level, int tileX, int tileY, const DisplaySettings& display, QString* error) const;
    QImage renderWindow(int level, const QRect& levelRect, const DisplaySettings& display,
                        QString* error) const;

private:
    // Borrows a GDAL handle from the pool for the duration of one read.
    class HandleLease {
    public:
        HandleLease(const RasterSource& source, QString* error)
            : m_source(source)
            , m_handle(source.acquireHandle(error)) {}
        ~HandleLease() {
            if (m_handle)
                m_source.releaseHandle(m_handle);
        }
        HandleLease(const HandleLease&) = delete;
        HandleLease& operator=(const HandleLease&) = delete;
        GDALDatasetH get() const { return m_handle; }

    private:
        const RasterSource& m_source;
        GDALDatasetH m_handle;
    };
    RasterSource() = default;
    bool hasBands(const std::vector<int>& bands, QString* error) const;
    GDALDatasetH acquireHandle(QString* error) const;
    void releaseHandle(GDALDatasetH handle) const;
    bool readFromHandle(GDALDatasetH handle, int level, const QRect& levelRect, const std::vector<int>& bands,
                        int gdalType, void* buffer, long long pixelSpace, long long lineSpace,
                        long long bandSpace, QString* error) const;

    quint64 m_id = 0;
    RasterInfo m_info;
    // What GDAL opens when it is not m_info.path itself (a tile folder's generated description).
    QString m_gdalName;
    Georeference m_georeference;
    DisplaySettings m_defaultDisplay;
    int m_levelCount = 1;
    std::vector<unsigned int> m_palette; // premultiplied ARGB per index when the raster has a colour table
    std::vector<QRgb> m_colorTable;      // the same, unpremultiplied
    std::vector<std::pair<double, double>> m_valueRanges; // per band (index band - 1)

    mutable std::mutex m_poolMutex;
    mutable std::vector<GDALDatasetH> m_freeHandles;
};

} // namespace segstudio
