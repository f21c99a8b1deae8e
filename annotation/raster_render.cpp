// Turning raster samples into display pixels: the part of RasterSource that knows about
// band mapping, contrast stretch, palettes, nodata and alpha.
#include "annotation/raster_source.h"

#include <algorithm>
#include <cmath>
#include <gdal.h>

namespace segstudio {
namespace {

bool isIdentityStretch(const DisplaySettings& display) {
    for (int c = 0; c < 3; ++c) {
        if (display.low[c] != 0 || display.high[c] != 255)
            return false;
    }
    return true;
}

inline uchar stretchToByte(float value, double low, double scale) {
    const double v = (value - low) * scale;
    return static_cast<uchar>(std::clamp(v, 0.0, 255.0) + 0.5);
}

} // namespace

QImage RasterSource::renderTile(int level, int tileX, int tileY, const DisplaySettings& display,
                                QString* error) const {
    return renderWindow(level, tileRect(level, tileX, tileY), display, error);
}

QImage RasterSource::renderWindow(int level, const QRect& levelRect, const DisplaySettings& display,
                                  QString* error) const {
    if (!hasBands({display.bands.begin(), display.bands.end()}, error))
        return {};
    HandleLease lease(*this, error);
    if (!lease.get())
        return {};
    const int width = levelRect.width();
    const int height = levelRect.height();
    QImage image(width, height, QImage::Format_ARGB32);
    if (image.isNull()) {
        if (error)
            *error = QStringLiteral("out of memory for a %1 × %2 tile").arg(width).arg(height);
        return {};
    }
    const size_t pixels = static_cast<size_t>(width) * height;
    const bool hasNoData = m_info.noData.has_value();
    const float noData = hasNoData ? static_cast<float>(*m_info.noData) : 0.f;

    if (display.usePalette && !m_palette.empty()) {
        std::vector<uchar> indices(pixels);
        if (!readFromHandle(lease.get(), level, levelRect, {display.bands[0]}, GDT_Byte, indices.data(), 1,
                            width, static_cast<long long>(pixels), error))
            return {};
        for (int y = 0; y < height; ++y) {
            auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
            const uchar* in = indices.data() + static_cast<size_t>(y) * width;
            for (int x = 0; x < width; ++x)
                line[x] = (hasNoData && in[x] == noData) ? 0u : m_palette[in[x]];
        }
        image.reinterpretAsFormat(QImage::Format_ARGB32_Premultiplied);
        return image;
    }

    if (m_info.isByteData && isIdentityStretch(display)) {
        // Fast path for 8-bit data: GDAL writes straight into the QImage. QImage's ARGB32 is
        // B,G,R,A in memory on little-endian machines, so the band map is given in that order.
        image.fill(0xff000000u);
        std::vector<int> bandMap{display.bands[2], display.bands[1], display.bands[0]};
        if (m_info.alphaBand)
            bandMap.push_back(m_info.alphaBand);
        static_assert(Q_BYTE_ORDER == Q_LITTLE_ENDIAN, "the fast path assumes BGRA byte order");
        if (!readFromHandle(lease.get(), level, levelRect, bandMap, GDT_Byte, image.bits(), 4,
                            image.bytesPerLine(), 1, error))
            return {};
        if (hasNoData) {
            const uint key = static_cast<uint>(noData);
            for (int y = 0; y < height; ++y) {
                auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
                for (int x = 0; x < width; ++x) {
                    const QRgb p = line[x];
                    if (uint(qRed(p)) == key && uint(qGreen(p)) == key && uint(qBlue(p)) == key)
                        line[x] = 0;
                }
            }
        }
        if (m_info.alphaBand)
            image.convertTo(QImage::Format_ARGB32_Premultiplied);
        else
            image.reinterpretAsFormat(QImage::Format_ARGB32_Premultiplied);
        return image;
    }

    // General path: any data type, any stretch. Samples arrive band-sequential as float32.
    std::vector<int> bands{display.bands[0]};
    if (!display.isGrey())
        bands = {display.bands[0], display.bands[1], display.bands[2]};
    std::vector<float> samples(pixels * bands.size());
    if (!readFromHandle(lease.get(), level, levelRect, bands, GDT_Float32, samples.data(), sizeof(float),
                        sizeof(float) * width, sizeof(float) * pixels, error))
        return {};
    std::vector<uchar> alpha;
    if (m_info.alphaBand) {
        alpha.resize(pixels);
        if (!readFromHandle(lease.get(), level, levelRect, {m_info.alphaBand}, GDT_Byte, alpha.data(), 1,
                            width, static_cast<long long>(pixels), error))
            return {};
    }
    double scale[3];
    for (int c = 0; c < 3; ++c)
        scale[c] = 255.0 / std::max(1e-12, display.high[c] - display.low[c]);
    const float* channel[3];
    for (int c = 0; c < 3; ++c)
        channel[c] = samples.data() + (display.isGrey() ? 0 : c * pixels);
    for (int y = 0; y < height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        const size_t row = static_cast<size_t>(y) * width;
        for (int x = 0; x < width; ++x) {
            const size_t i = row + x;
            const float r = channel[0][i], g = channel[1][i], b = channel[2][i];
            if ((hasNoData && r == noData && g == noData && b == noData) || std::isnan(r)) {
                line[x] = 0;
                continue;
            }
            line[x] =
                qRgba(stretchToByte(r, display.low[0], scale[0]), stretchToByte(g, display.low[1], scale[1]),
                      stretchToByte(b, display.low[2], scale[2]), alpha.empty() ? 255 : alpha[i]);
        }
    }
    image.convertTo(QImage::Format_ARGB32_Premultiplied);
    return image;
}

} // namespace segstudio
